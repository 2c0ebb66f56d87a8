"""Plan building: loads, utilisation, moves and summaries from a chosen assignment."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from models.check import check_plan
from models.organisation import Config
from scheduler.core.planbuild import build_plan, current_assignment
from scheduler.core.reasons import Reason
from tests.conftest import DATA


def test_current_assignment_plan_has_exact_loads(tiny_config: Config) -> None:
    plan = build_plan(tiny_config, current_assignment(tiny_config))
    loads = {load.manager_id: (load.load, load.capacity, load.cases) for load in plan.managers}
    # Ana: K-1 high (3); Ben: K-2 low (1); Cy: K-4 moderate (2) + K-5 low (1).
    assert loads == {"m-ana": (3.0, 6.0, 1), "m-ben": (1.0, 4.0, 1), "m-cy": (3.0, 4.0, 2)}
    assert plan.summary.max_utilisation == 0.75
    assert [item.case_id for item in plan.unassigned] == ["K-3"]
    assert plan.summary.unassigned_points == 2.0
    assert plan.moves == []


def test_moves_carry_their_reason_and_intake_gets_a_default(tiny_config: Config) -> None:
    chosen = current_assignment(tiny_config) | {"K-2": "m-ana", "K-3": "m-ana"}
    plan = build_plan(tiny_config, chosen, move_reasons={"K-2": Reason("household_reunited", "with sibling")})
    moves = {move.case_id: (move.from_manager, move.to_manager, move.rule) for move in plan.moves}
    assert moves == {"K-2": ("m-ben", "m-ana", "household_reunited"), "K-3": (None, "m-ana", "new_intake")}
    # Both are listed; the summary counts the reassignment and the intake placement apart.
    assert (plan.summary.moves, plan.summary.placements) == (1, 1)


def test_a_case_left_unassigned_is_neither_a_move_nor_a_placement(tiny_config: Config) -> None:
    # K-2 leaves m-ben for nobody; K-3 (intake) stays unassigned: nothing to count.
    plan = build_plan(tiny_config, current_assignment(tiny_config) | {"K-2": None})
    assert (plan.summary.moves, plan.summary.placements, plan.moves) == (0, 0, [])


def test_overload_is_counted_in_points_and_cases(tiny_config: Config) -> None:
    chosen = {case.id: "m-ben" for case in tiny_config.cases}
    plan = build_plan(tiny_config, chosen)
    ben = next(load for load in plan.managers if load.manager_id == "m-ben")
    assert (ben.load, ben.overload, ben.cases) == (9.0, 5.0, 5)
    assert plan.summary.overloaded_managers == 1
    assert plan.summary.overload_points == 5.0


def test_region_mismatch_counts_cases_outside_the_clients_region(tiny_config: Config) -> None:
    # K-4 and K-5 belong to a south client; giving K-5 to Ben (north) is one mismatch.
    chosen = current_assignment(tiny_config) | {"K-5": "m-ben"}
    assert build_plan(tiny_config, chosen).summary.region_mismatches == 1


def test_level_summary_takes_the_peak_within_each_level(tiny_config: Config) -> None:
    plan = build_plan(tiny_config, current_assignment(tiny_config))
    junior = next(level for level in plan.levels if level.level == "junior")
    assert (junior.managers, junior.cases, junior.max_utilisation, junior.mean_utilisation) == (2, 3, 0.75, 0.5)


@pytest.mark.parametrize(("cap", "rule"), [
    (1, "capacity_exhausted"),  # K-2, moved to Ana, is the one new case her cap allows: no taker has room
    (2, "weighed_out"),  # her cap leaves room for K-3 (and her points do: 3 of 6 used)
])
def test_an_intake_cap_at_its_limit_leaves_no_room(cap: int, rule: str) -> None:
    data: dict[str, Any] = yaml.safe_load((DATA / "tiny.yaml").read_text(encoding="utf-8"))
    next(item for item in data["managers"] if item["id"] == "m-ana")["max_new_cases"] = cap
    config = Config.model_validate(data)
    plan = build_plan(config, current_assignment(config) | {"K-2": "m-ana"})  # K-3 (intake) left out
    assert [(item.case_id, item.rule) for item in plan.unassigned] == [("K-3", rule)]
    assert check_plan(config, plan) == []
