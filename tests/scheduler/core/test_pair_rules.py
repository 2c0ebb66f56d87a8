"""The pair rules of eligibility (issue 18): drives from each worker's own base, the drive limit
(`too_far`) and meeting with the legs in and out, each on a tiny organisation with the exact answer;
and on generated state-wide organisations, every flag the plan carries is true by the checker's rules.

Geometry used below: at 40 km/h (the default speed) a degree of latitude (111.2 km) is 166.8 minutes,
so 0.179 degrees north of a base is 19.9 km = 30 minutes (rounded up), and the 0.821 degrees from FAR down
to NEAR are 91.3 km = 137 minutes.
"""

from __future__ import annotations

from typing import Any

import pytest

from models.check import MeetingCheck, check_plan, may_carry
from models.generator import generate_organisation
from models.organisation import Config
from scheduler.assign import assign_cases
from scheduler.core.eligibility import CANNOT_MEET, TOO_FAR, Eligibility
from scheduler.core.options import SolveOptions
from scheduler.core.slots import longest_trip
from scheduler.core.week_time import WeekTime

BASE = {"lat": 41.88, "lon": -87.63}
NEAR = {"lat": 42.059, "lon": -87.63}  # 30 minutes north of BASE
MID = {"lat": 42.239, "lon": -87.63}  # 60 minutes north of BASE (39.9 km)
FAR = {"lat": 42.88, "lon": -87.63}  # 137 minutes north of NEAR
# Without lunch a worker at FAR can still meet a client at NEAR (137 + 60 + 137 minutes in a 9-hour day);
# with it the day's halves of 4 hours cannot hold that.
NO_LUNCH = {"lunch": None}
VISIT = [{"mode": "in_person", "minutes": 60, "frequency": "weekly"}]


def _config(managers: list[dict[str, Any]], client: dict[str, Any], *, scheduling: dict[str, Any] | None = None,
            cases: list[dict[str, Any]] | None = None) -> Config:
    return Config.model_validate({
        "week_start": "2026-11-30",
        "policy": {"levels": [{"name": "junior", "capacity_points": 10, "max_cases": 5, "max_complexity": "low"}],
                   "complexities": [{"name": "low", "points": 1}],
                   "scheduling": scheduling or {}},
        "managers": managers,
        "clients": [{"id": "c-1", **client}],
        "cases": cases or [{"id": "K-1", "client": "c-1", "type": "care", "complexity": "low", "contacts": VISIT}],
    })


def _manager(manager_id: str, base: dict[str, float], **extra: Any) -> dict[str, Any]:
    return {"id": manager_id, "level": "junior", "base": base, **extra}


# --- drives are per worker -------------------------------------------------------------------------


def test_a_case_needs_its_visit_plus_the_drive_from_that_workers_own_base() -> None:
    config = _config([_manager("m-home", BASE), _manager("m-next-door", NEAR)], {"location": NEAR})
    week, case = WeekTime(config), config.cases_by_id["K-1"]
    # 60-minute visit + 30 minutes from BASE; + 0 from a base at the client's door.
    assert week.case_minutes(case, config.managers_by_id["m-home"]) == 90
    assert week.case_minutes(case, config.managers_by_id["m-next-door"]) == 60
    assert week.drives(config.clients_by_id["c-1"]).tolist() == [30, 0]


# --- the drive limit ---------------------------------------------------------------------------------


def test_a_worker_beyond_the_drive_limit_is_refused_too_far_while_one_is_within_it() -> None:
    config = _config([_manager("m-far", FAR), _manager("m-near", BASE)], {"location": NEAR})
    eligibility = Eligibility(config)
    case = config.cases_by_id["K-1"]
    # m-far's base is 137 minutes from the client: beyond 90.
    refusal = eligibility.refusal(case, "m-far")
    assert refusal is not None and refusal.rule == "too_far"
    assert refusal.reason == "the client is a 137-minute drive from the manager's base, beyond the 90-minute limit"
    assert eligibility.managers_for(case) == ("m-near",)
    assert eligibility.gave_way(case) == frozenset()


def test_the_drive_limit_gives_way_and_flags_when_nobody_is_within_it() -> None:
    config = _config([_manager("m-far", FAR)], {"location": NEAR}, scheduling=NO_LUNCH)
    plan = assign_cases(config, SolveOptions(time_limit_s=5, workers=1, seed=0)).plan
    assert plan is not None
    assert [(item.case_id, item.manager_id, item.flags) for item in plan.assignments] == [
        ("K-1", "m-far", [TOO_FAR])]
    assert check_plan(config, plan) == []


def test_no_drive_limit_refuses_nobody_for_distance() -> None:
    config = _config([_manager("m-far", FAR), _manager("m-near", BASE)], {"location": NEAR},
                     scheduling={**NO_LUNCH, "max_drive_minutes": None})
    assert Eligibility(config).managers_for(config.cases_by_id["K-1"]) == ("m-far", "m-near")


def test_the_checker_catches_a_false_too_far_flag_and_a_missing_one() -> None:
    config = _config([_manager("m-far", FAR), _manager("m-near", BASE)], {"location": NEAR}, scheduling=NO_LUNCH)
    plan = assign_cases(config, SolveOptions(time_limit_s=5, workers=1, seed=0)).plan
    assert plan is not None and plan.assignments[0].manager_id == "m-near" and check_plan(config, plan) == []
    flagged = plan.model_copy(update={"assignments": [plan.assignments[0].model_copy(update={"flags": [TOO_FAR]})]})
    assert [violation.rule for violation in check_plan(config, flagged)] == ["drive_flag"]
    moved = plan.model_copy(update={"assignments": [plan.assignments[0].model_copy(update={"manager_id": "m-far"})]})
    assert "eligibility_too_far" in {violation.rule for violation in check_plan(config, moved)}
    assert "drive_flag" in {violation.rule for violation in check_plan(config, moved)}


# --- meeting with travel -----------------------------------------------------------------------------


@pytest.mark.parametrize(("works_until", "meets"), [("16:30", False), ("17:00", True)])
def test_meeting_counts_the_legs_in_and_out(works_until: str, meets: bool) -> None:
    # The client is free 15:00-19:00, 60 minutes from the base; a 60-minute visit at 15:00 ends at 16:00
    # and the drive back ends at 17:00: a worker on until 16:30 cannot meet the client (the overlap of
    # 90 minutes alone would have said yes), one on until 17:00 can.
    hours = {day: [f"08:00-{works_until}"] for day in ("mon", "tue", "wed", "thu", "fri")}
    after_school = {day: ["15:00-19:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    config = _config([_manager("m-1", BASE, availability=hours)], {"location": MID, "availability": after_school})
    case, manager = config.cases_by_id["K-1"], config.managers_by_id["m-1"]
    assert WeekTime(config).meets(manager, case) is meets
    assert MeetingCheck(config).meets(manager, case) is meets  # the checker, on its own
    plan = assign_cases(config, SolveOptions(time_limit_s=5, workers=1, seed=0)).plan
    assert plan is not None and plan.assignments[0].flags == ([] if meets else [CANNOT_MEET])
    assert check_plan(config, plan) == []


def test_the_longest_trip_is_the_one_that_just_fits_both_legs() -> None:
    # Worker 08:00-17:00 (lunch 12:00-13:00), client 15:00-19:00, 60-minute visit on the 15-minute grid:
    # start 15:00, end 16:00, back by 17:00 -> 60 minutes each way (the leg in starts at 14:00, after lunch).
    assert longest_trip(((480, 1020),), ((900, 1140),), 60, 15, (720, 780)) == 60
    # No common hour at all: -1.
    assert longest_trip(((480, 720),), ((900, 1140),), 60, 15, (720, 780)) == -1


def test_a_worker_who_cannot_meet_is_refused_while_another_can() -> None:
    hours = {day: ["08:00-16:30"] for day in ("mon", "tue", "wed", "thu", "fri")}
    after_school = {day: ["15:00-19:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    config = _config([_manager("m-early", BASE, availability=hours), _manager("m-late", BASE)],
                     {"location": MID, "availability": after_school})
    eligibility = Eligibility(config)
    refusal = eligibility.refusal(config.cases_by_id["K-1"], "m-early")
    assert refusal is not None and refusal.rule == "meeting"
    assert eligibility.managers_for(config.cases_by_id["K-1"]) == ("m-late",)


# --- property: on generated state-wide organisations every flag is true ---------------------------------


@pytest.mark.parametrize(("seed", "messy"), [(1, 0.0), (2, 0.2)])
def test_every_flag_on_a_state_organisation_is_true_by_the_checkers_rules(seed: int, messy: float) -> None:
    config = generate_organisation(30, 600, seed, geography="state", messy=messy).to_config()
    plan = assign_cases(config, SolveOptions(time_limit_s=3, workers=1, seed=seed)).plan
    assert plan is not None
    assert check_plan(config, plan) == []
    limit = config.policy.scheduling.max_drive_minutes
    assert limit is not None
    meeting = MeetingCheck(config)
    flagged = 0
    for item in plan.assignments:
        case = config.cases_by_id[item.case_id]
        if not item.flags or (case.locked and case.manager):
            continue
        flagged += 1
        client = config.clients_by_id[case.client]
        carriers = [manager for manager in config.managers if may_carry(config, case, manager)]
        near = [manager for manager in carriers if meeting_drive(config, manager, client) <= limit]
        if TOO_FAR in item.flags:
            assert near == [], f"{case.id}: flagged too_far, but {near[0].id} is within {limit} minutes"
        if CANNOT_MEET in item.flags:
            able = [manager.id for manager in (near or carriers) if meeting.meets(manager, case)]
            assert able == [], f"{case.id}: flagged no_common_availability, but {able} can meet the client"
    assert flagged > 0  # the state geography does leave clients nobody within reach can meet


def meeting_drive(config: Config, manager: Any, client: Any) -> int:
    """The checker's own drive (models/check.py), not the engine's."""
    from models.check import _drive

    return _drive(config, manager, client)
