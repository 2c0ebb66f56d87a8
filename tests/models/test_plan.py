"""Definitions the plan carries on its data: when a manager is overloaded, when a plan was scheduled."""

from __future__ import annotations

from datetime import date

import pytest

from models.plan import ManagerLoad, Plan, PlanSummary, SolverStats, UnscheduledContact


def _load(load: float, capacity: float = 10.0, cases: int = 3, max_cases: int = 5,
          overload: float = 0.0) -> ManagerLoad:
    return ManagerLoad(manager_id="m-a", level="junior", region=None, cases=cases, max_cases=max_cases, load=load,
                       capacity=capacity, utilisation=load / capacity, overload=overload)


@pytest.mark.parametrize(("entry", "overloaded"), [
    (_load(10.0), False),  # exactly at capacity
    (_load(10.000001), True),  # one millionth of a point over (loads are rounded to 6 decimals)
    (_load(9.0, cases=6), True),  # within points, one case over max_cases
    (_load(9.0, cases=5), False),  # at max_cases
    # The overload field does not decide: load and capacity rounded to 10.0 from 10.0000004 and 9.9999996
    # (overload 1e-6) is within capacity, as plan.json's summary counts it.
    (_load(10.0, overload=0.000001), False),
    (_load(10.000001, overload=0.0), True),  # rounded from 10.0000006 against 10.0000004
])
def test_a_manager_is_overloaded_over_capacity_or_over_max_cases(entry: ManagerLoad, overloaded: bool) -> None:
    assert entry.overloaded is overloaded


def _plan(**parts: object) -> Plan:
    summary = PlanSummary(managers=0, cases=0, assigned_cases=0, unassigned_cases=0, unassigned_points=0,
                          total_load=0, total_capacity=0, max_utilisation=0, overloaded_managers=0,
                          overload_points=0, moves=0, region_mismatches=0)
    return Plan.model_validate({"week_start": date(2026, 11, 30), "summary": summary, "managers": [], "levels": [],
                                "assignments": [], "moves": [], "unassigned": [], **parts})


def test_a_plan_was_scheduled_when_the_schedule_stage_ran_or_left_contacts() -> None:
    unscheduled = UnscheduledContact(case_id="K-1", client_id="c-1", manager_id=None, requirement_index=0,
                                     occurrence=0, mode="phone", minutes=15, rule="case_unassigned", reason="...")
    assert _plan().was_scheduled is False
    assert _plan(solver=[SolverStats(stage="assignment", status="optimal")]).was_scheduled is False
    assert _plan(solver=[SolverStats(stage="schedule", status="optimal")]).was_scheduled is True  # nothing due
    assert _plan(unscheduled=[unscheduled]).was_scheduled is True
