"""Staffing: proven minimal against brute-force enumeration of hire counts on tiny organisations,
and the plan it returns as proof passes the independent checker within the target utilisation."""

from __future__ import annotations

import itertools
import json
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from models.check import check_plan
from models.organisation import Case, Config, Manager
from models.staffing import HireProfile, StaffingAnswer
from scheduler.assign.hiring import hire_profiles
from scheduler.core.options import SolveOptions
from scheduler.staffing import plan_staffing

OPTIONS = SolveOptions(time_limit_s=20, workers=1, seed=0)
MAX_HIRES = 4


# --- an independent brute force ---------------------------------------------------------------------


@dataclass(frozen=True)
class Optimum:
    unserved_points: float
    hires: int
    level_ranks: int


def _may_carry(config: Config, manager: Manager, case: Case, hire_region: str | None, by_region: bool) -> bool:
    if case.locked:
        return case.manager == manager.id
    client = config.clients_by_id[case.client]
    if config.policy.level_rank(manager.level) < config.required_level_rank(case):
        return False
    if not set(config.policy.case_type(case.type).skills) <= set(manager.skills):
        return False
    if client.language not in manager.languages or config.on_leave_all_week(manager):
        return False
    if not manager.accepts_new_cases and case.manager != manager.id:
        return False
    return not (by_region and manager.id.startswith("hire-") and client.region != hire_region)


def _bundles(config: Config) -> list[list[Case]]:
    groups: dict[str, list[Case]] = defaultdict(list)
    for case in config.cases:
        key = config.clients_by_id[case.client].household_key if config.policy.households_together else case.id
        groups[key].append(case)
    return [groups[key] for key in sorted(groups)]


def _fewest_unserved(config: Config, managers: list[Manager], target: float, by_region: bool) -> float:
    """Exhaustive search over bundle -> manager (or unserved): the fewest points left unserved."""
    bundles = _bundles(config)
    room = [round(config.policy.level(m.level).capacity_points * m.fte * target * 100) for m in managers]
    case_room = [config.max_cases(m) for m in managers]
    options = [
        [index for index, manager in enumerate(managers)
         if all(_may_carry(config, manager, case, manager.region, by_region) for case in bundle)]
        for bundle in bundles
    ]
    points = [round(sum(config.case_points(case) for case in bundle) * 100) for bundle in bundles]
    best = [sum(points)]

    def search(position: int, unserved: int) -> None:
        if unserved >= best[0]:
            return
        if position == len(bundles):
            best[0] = unserved
            return
        for index in options[position]:
            if points[position] <= room[index] and len(bundles[position]) <= case_room[index]:
                room[index] -= points[position]
                case_room[index] -= len(bundles[position])
                search(position + 1, unserved)
                room[index] += points[position]
                case_room[index] += len(bundles[position])
        search(position + 1, unserved + points[position])

    search(0, 0)
    return best[0] / 100


def _hire_vectors(profile_count: int) -> Iterator[tuple[int, ...]]:
    for vector in itertools.product(range(MAX_HIRES + 1), repeat=profile_count):
        if sum(vector) <= MAX_HIRES:
            yield vector


def brute_force(config: Config, target: float, by_region: bool) -> Optimum:
    profiles: Sequence[HireProfile] = hire_profiles(config, by_region)
    best: Optimum | None = None
    for vector in _hire_vectors(len(profiles)):
        hires = [profile.manager(f"hire-{number}-{k}", k) for number, (profile, count) in
                 enumerate(zip(profiles, vector, strict=True)) for k in range(count)]
        candidate = Optimum(
            _fewest_unserved(config, [*config.managers, *hires], target, by_region),
            sum(vector), sum(profile.level_rank * count for profile, count in zip(profiles, vector, strict=True)))
        key = (candidate.unserved_points, candidate.hires, candidate.level_ranks)
        if best is None or key < (best.unserved_points, best.hires, best.level_ranks):
            best = candidate
    assert best is not None and best.hires < MAX_HIRES, "the instance needs more hires than the enumeration tries"
    return best


def found(result: StaffingAnswer) -> Optimum:
    unserved = round(sum(item.points for item in result.plan.unassigned), 6)
    return Optimum(unserved, result.total_hires, sum(hire.profile.level_rank * hire.count for hire in result.hires))


def assert_proof(result: StaffingAnswer) -> None:
    assert check_plan(result.config, result.plan) == []
    for load in result.plan.managers:
        assert load.load <= result.target_utilisation * load.capacity + 1e-9, load
        assert load.cases <= load.max_cases


# --- tiny.yaml, by hand --------------------------------------------------------------------------------


def test_no_hires_when_the_team_already_fits(tiny_config: Config) -> None:
    result = plan_staffing(tiny_config, 1.0, OPTIONS)
    answer = result.plan
    assert (result.status, answer.total_hires, answer.hires_lower_bound, answer.unservable) == ("optimal", 0, 0, [])
    assert_proof(result.plan)


def test_one_spanish_speaking_junior_at_80_percent(tiny_config: Config) -> None:
    # At 80% Ana (senior, 6 points -> 4.8) cannot hold the household h-1 (4 points) and K-3 (2 points);
    # a junior who speaks Spanish and investigates takes K-3: one hire, the cheapest level.
    result = plan_staffing(tiny_config, 0.8, OPTIONS)
    assert result.status == "optimal"
    assert [(h.profile.level, h.profile.languages, h.count) for h in result.plan.hires] == [("junior", ("en", "es"), 1)]
    assert result.plan.hires_by_level == {"junior": 1, "senior": 0}
    assert result.plan.plan.summary.unassigned_cases == 0
    assert_proof(result.plan)


def test_cases_no_hire_could_carry_are_reported_not_hired_for(tiny_config: Config) -> None:
    # At 50%: household h-1 is 4 points, more than a senior's 3; K-5 shares a household with K-4, locked
    # to Cy, whose 2 points of room K-4 already fills.
    result = plan_staffing(tiny_config, 0.5, OPTIONS)
    assert result.plan.unservable == ["K-1", "K-2", "K-5"]
    assert result.plan.total_hires == 0
    assert_proof(result.plan)


def test_slack_names_the_staff_others_can_absorb(tiny_config: Config) -> None:
    # At 100% Ana can take K-2 (her household's other case): Ben's only case; Cy holds a locked case.
    result = plan_staffing(tiny_config, 1.0, OPTIONS)
    assert result.plan.freed == ["m-ben"]


def test_a_worker_on_leave_all_week_is_not_offered_as_slack(tiny_config: Config) -> None:
    """Regression (issue 20): staffing offered to free m-sadia-ortiz, who was only away for the week."""
    week = [tiny_config.week_start + timedelta(days=offset) for offset in range(5)]
    managers = [manager.model_copy(update={"leave": week}) if manager.id == "m-ben" else manager
                for manager in tiny_config.managers]
    result = plan_staffing(tiny_config.rebuilt(managers=managers), 1.0, OPTIONS)
    assert "m-ben" not in result.plan.freed


def test_the_target_must_be_a_utilisation(tiny_config: Config) -> None:
    with pytest.raises(ValueError, match="target utilisation"):
        plan_staffing(tiny_config, 0.0, OPTIONS)


# --- random tiny organisations against brute force ------------------------------------------------------


def random_organisation(seed: int) -> Config:
    rng = random.Random(seed)
    managers = [
        {"id": f"m-{index}", "level": rng.choice(["junior", "senior"]), "region": rng.choice(["north", "south"]),
         "languages": rng.choice([["en"], ["en", "es"]]), "skills": rng.choice([[], ["investigations"]])}
        for index in range(rng.randint(1, 2))
    ]
    clients = []
    cases = []
    for index in range(rng.randint(3, 5)):
        household = f"h-{index // 2}" if rng.random() < 0.4 else None
        clients.append({"id": f"c-{index}", "household": household, "region": rng.choice(["north", "south"]),
                        "language": rng.choice(["en", "en", "es"])})
        cases.append({"id": f"K-{index}", "client": f"c-{index}", "type": rng.choice(["foster-care", "investigation"]),
                      "complexity": rng.choice(["low", "moderate", "high"]),
                      "manager": rng.choice([None, managers[0]["id"]])})
    return Config.model_validate({
        "week_start": "2026-11-30",
        "policy": {
            "levels": [{"name": "junior", "capacity_points": 4, "max_cases": 2, "max_complexity": "moderate"},
                       {"name": "senior", "capacity_points": 6, "max_cases": 3, "max_complexity": "high"}],
            "complexities": [{"name": "low", "points": 1}, {"name": "moderate", "points": 2},
                             {"name": "high", "points": 3}],
            "case_types": {"foster-care": {}, "investigation": {"skills": ["investigations"]}},
        },
        "managers": managers, "clients": clients, "cases": cases,
    })


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("target", [1.0, 0.7])
def test_staffing_matches_brute_force(seed: int, target: float) -> None:
    config = random_organisation(seed)
    result = plan_staffing(config, target, OPTIONS)
    assert result.status == "optimal"
    assert found(result.plan) == brute_force(config, target, by_region=False)
    assert result.plan.hires_lower_bound == result.plan.total_hires
    assert_proof(result.plan)


@pytest.mark.parametrize("seed", [1, 4, 7])
def test_staffing_by_region_matches_brute_force(seed: int) -> None:
    config = random_organisation(seed)
    result = plan_staffing(config, 0.8, OPTIONS, by_region=True)
    assert result.status == "optimal"
    assert found(result.plan) == brute_force(config, 0.8, by_region=True)
    assert all(h.profile.region is not None for h in result.plan.hires)
    assert_proof(result.plan)


def test_same_seed_same_staffing_plan() -> None:
    config = random_organisation(3)
    first = plan_staffing(config, 0.7, OPTIONS)
    second = plan_staffing(config, 0.7, OPTIONS)
    assert first.plan.plan.model_dump(exclude={"solver"}) == second.plan.plan.model_dump(exclude={"solver"})
    assert [h.manager_ids for h in first.plan.hires] == [h.manager_ids for h in second.plan.hires]


def test_cli_prints_the_hires_and_writes_the_proof(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import main

    tiny = Path(__file__).parents[1] / "data" / "tiny.yaml"
    result = CliRunner().invoke(main, ["staffing", str(tiny), "--target-utilisation", "0.8", "-o", str(tmp_path),
                                       "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "1 hire (proven minimal); by level: junior 1, senior 0" in result.output
    answer = json.loads((tmp_path / "staffing.json").read_text(encoding="utf-8"))
    assert (answer["total_hires"], answer["hires_by_level"]) == (1, {"junior": 1, "senior": 0})
    assert (tmp_path / "plan.json").is_file()
