"""What the value fuzzer (test_value_fuzzer.py) found, pinned one by one on the smallest config that showed it.

Each ended in exit 4 or in a file `validate` refused; each now plans (and passes the checker) or is a
located refusal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from models.check import check_plan
from models.loader import load_config, load_plan
from scheduler.core.travel import travel_minutes
from tests.hardening.helpers import QUICK, TINY, run

ONE_MANAGER = """\
week_start: 2026-11-30
policy:
  levels:
    - {{name: junior, capacity_points: {capacity}, max_cases: 3, max_complexity: low}}
  complexities:
    - {{name: low, points: 1}}
  case_types:
    foster-care: {{factor: 1.0}}
{introduction}managers:
  - {{id: m-0, level: junior{manager}}}
clients:
  - {{id: c-0{client}}}
cases:
  - {{id: K-0, client: c-0, type: foster-care, complexity: low{case}}}
"""


def planned(folder: Path, **fields: str) -> tuple[Path, Path]:
    values = {"capacity": "4", "introduction": "", "manager": "", "client": "", "case": ""} | fields
    config = folder / "org.yaml"
    config.write_text(ONE_MANAGER.format(**values), encoding="utf-8")
    result = run("plan", str(config), "-o", str(folder / "out"), *QUICK)
    assert result.exit_code == 0, result.output
    assert check_plan(load_config(config), load_plan(folder / "out" / "plan.json")) == []
    return config, folder / "out" / "plan.json"


@pytest.mark.parametrize(("a", "b"), [((90.0, 180.0), (90.0, -180.0)), ((0.0, 180.0), (0.0, -180.0)),
                                      ((-90.0, 0.0), (-90.0, 77.0))])
def test_one_point_written_two_ways_is_no_drive(a: tuple[float, float], b: tuple[float, float]) -> None:
    # The planner counted about 1e-12 km as a minute; the checker, rounding with a slack, as none: exit 4.
    assert travel_minutes(a, b, 40.0) == 0


def test_a_base_and_a_client_on_the_antimeridian_plan(tmp_path: Path) -> None:
    planned(tmp_path, manager=", base: {lat: 0, lon: 180}", client=", location: {lat: 0, lon: -180}",
            case=", contacts: [{mode: in_person, minutes: 30, frequency: weekly}]")


def test_an_introduction_on_a_manager_who_works_only_on_thursday(tmp_path: Path) -> None:
    # Due within 2 working days (Monday and Tuesday), when she has no hours: the engine lists it unscheduled
    # for no_common_availability. The checker looked at the whole week, found Thursday and called the rule
    # false (exit 4); it now looks where an introduction may go, up to its due day.
    _, plan_json = planned(tmp_path, manager=', availability: {thu: ["08:00-17:00"]}')
    plan = load_plan(plan_json)
    assert plan.contacts == []
    assert [(entry.case_id, entry.introduction, entry.rule) for entry in plan.unscheduled] == [
        ("K-0", True, "no_common_availability")]


def test_a_case_as_large_as_its_only_managers_capacity_says_the_weights_left_it_out(tmp_path: Path) -> None:
    # Capacity 1 and a 1-point intake: placing it lifts the level's and the overall peak by 100 points of
    # balance (2 x 10 x 100), more than the 1,000 unassigned costs. The plan said "every eligible manager is
    # at capacity", which was false.
    _, plan_json = planned(tmp_path, capacity="1", introduction="  introduction: null\n")
    plan = load_plan(plan_json)
    assert [(entry.case_id, entry.rule) for entry in plan.unassigned] == [("K-0", "weighed_out")]
    assert plan.unassigned[0].reason.startswith("m-0 may carry it and has room")


def test_roll_refuses_to_roll_past_the_last_plannable_week(tmp_path: Path) -> None:
    # Rolling the week of 2100-12-27 wrote a config for 2101-01-03, which validate refuses.
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY.read_text(encoding="utf-8").replace("week_start: 2026-11-30", "week_start: 2100-12-27"),
                      encoding="utf-8")
    assert run("plan", str(config), "-o", str(tmp_path / "out"), *QUICK).exit_code == 0
    result = run("roll", str(config), str(tmp_path / "out"), "-o", str(tmp_path / "next.yaml"))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{config}:2:13: week_start: next week starts 2101-01-03, which is outside the years 2000 to 2100; plan a "
        "week between them")
    assert not (tmp_path / "next.yaml").exists()
