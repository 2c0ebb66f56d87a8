"""Introductions: a case new to its manager (moved, or new intake placed) gets an introduction contact
from the policy on the new manager's first working days, before the case's other contacts."""

from __future__ import annotations

from datetime import date
from typing import Any

from models.check import check_plan
from models.organisation import Config
from models.plan import Plan
from scheduler.core.options import SolveOptions
from scheduler.core.planbuild import build_plan
from scheduler.schedule.solve import schedule_contacts

MONDAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)
OPTIONS = SolveOptions(time_limit_s=10, workers=1, seed=0)


def config_of(*cases: dict[str, Any], introduction: dict[str, Any] | str | None = "default",
              ana_leave: list[str] | None = None, **scheduling: Any) -> Config:
    policy: dict[str, Any] = {
        "levels": [{"name": "worker", "capacity_points": 100, "max_cases": 50, "max_complexity": "low"}],
        "complexities": [{"name": "low", "points": 1}],
        "households_together": False,
        "scheduling": {"lunch": None, **scheduling},
    }
    if introduction != "default":
        policy["introduction"] = introduction
    return Config.model_validate({
        "week_start": MONDAY.isoformat(), "timezone": "UTC", "policy": policy,
        "managers": [{"id": "m-ana", "level": "worker", "leave": ana_leave or []},
                     {"id": "m-ben", "level": "worker"}],
        "clients": [{"id": f"c-{index}"} for index in range(1, 4)],
        "cases": list(cases),
    })


def case(case_id: str, client: str, *contacts: dict[str, Any], manager: str | None = "m-ben") -> dict[str, Any]:
    return {"id": case_id, "client": client, "type": "general", "complexity": "low", "manager": manager,
            "contacts": list(contacts)}


def weekly_call(minutes: int = 30) -> dict[str, Any]:
    return {"mode": "phone", "minutes": minutes, "frequency": "weekly"}


def plan_of(config: Config, chosen: dict[str, str | None]) -> Plan:
    plan = schedule_contacts(config, build_plan(config, chosen), OPTIONS).plan
    assert plan is not None
    assert check_plan(config, plan) == []
    return plan


def test_a_case_moved_to_ana_gets_a_15_minute_phone_introduction_on_monday_or_tuesday_before_its_call() -> None:
    config = config_of(case("K-1", "c-1", weekly_call()))
    plan = plan_of(config, {"K-1": "m-ana"})
    intro, call = sorted(plan.contacts, key=lambda item: (item.day, item.start))
    assert (intro.manager_id, intro.requirement_index, intro.introduction, intro.mode, intro.minutes) == (
        "m-ana", -1, True, "phone", 15)
    assert intro.day in (MONDAY, TUESDAY) and intro.due == TUESDAY and intro.late_days == 0
    assert (call.introduction, call.requirement_index) == (False, 0)
    assert (intro.day, intro.end) <= (call.day, call.start)
    assert plan.summary.contacts_due == 2


def test_new_intake_placed_gets_an_introduction_and_a_case_that_stays_gets_none() -> None:
    config = config_of(case("K-1", "c-1", weekly_call(), manager=None), case("K-2", "c-2", weekly_call()))
    plan = plan_of(config, {"K-1": "m-ana", "K-2": "m-ben"})
    assert sorted((item.case_id, item.manager_id) for item in plan.contacts if item.introduction) == [
        ("K-1", "m-ana")]


def test_introduction_takes_mode_minutes_and_days_from_the_policy() -> None:
    config = config_of(case("K-1", "c-1", weekly_call()),
                       introduction={"mode": "video", "minutes": 45, "within_days": 1})
    intro = next(item for item in plan_of(config, {"K-1": "m-ana"}).contacts if item.introduction)
    assert (intro.mode, intro.minutes, intro.day, intro.start, intro.end) == ("video", 45, MONDAY, "08:00", "08:45")


def test_introduction_days_are_the_new_managers_working_days() -> None:
    # On leave Monday: Tuesday and Wednesday are Ana's first two working days.
    config = config_of(case("K-1", "c-1", weekly_call()), ana_leave=["2026-11-30"])
    intro = next(item for item in plan_of(config, {"K-1": "m-ana"}).contacts if item.introduction)
    assert intro.day in (TUESDAY, date(2026, 12, 2)) and intro.due == date(2026, 12, 2)


def test_introduction_comes_first_even_when_another_contact_of_the_case_is_due_monday() -> None:
    # A visit never made is due Monday; with one 8:00-9:00 window a day both fit Monday only one after
    # the other: the introduction 08:00-08:15, the visit 08:15.
    monthly = {"mode": "phone", "minutes": 45, "frequency": "monthly"}
    config = config_of(case("K-1", "c-1", monthly), day={"start": "08:00", "end": "09:00"})
    plan = plan_of(config, {"K-1": "m-ana"})
    assert [(item.introduction, item.day, item.start, item.end) for item in plan.contacts] == [
        (True, MONDAY, "08:00", "08:15"), (False, MONDAY, "08:15", "09:00")]


def test_introduction_is_exempt_from_spacing() -> None:
    # Two calls a week two days apart, and the introduction beside the first of them.
    config = config_of(case("K-1", "c-1", {"mode": "phone", "minutes": 30, "frequency": "2/week"}),
                       day={"start": "08:00", "end": "09:00"}, min_days_between_contacts=2)
    plan = plan_of(config, {"K-1": "m-ana"})
    assert len(plan.contacts) == 3 and not plan.unscheduled


def test_no_introductions_when_the_policy_has_none() -> None:
    config = config_of(case("K-1", "c-1", weekly_call()), introduction=None)
    plan = plan_of(config, {"K-1": "m-ana"})
    assert [item.introduction for item in plan.contacts] == [False]


def test_introduction_without_a_slot_on_its_days_is_listed_unscheduled() -> None:
    # Ana works Wednesday to Friday only after two days of leave, within_days 1: Wednesday; her
    # Wednesday is 08:00-08:15 and the 30-minute introduction does not fit.
    config = config_of(case("K-1", "c-1", weekly_call(15)), introduction={"minutes": 30, "within_days": 1},
                       ana_leave=["2026-11-30", "2026-12-01"], day={"start": "08:00", "end": "08:15"})
    plan = plan_of(config, {"K-1": "m-ana"})
    assert [(item.case_id, item.requirement_index, item.introduction, item.rule) for item in plan.unscheduled] == [
        ("K-1", -1, True, "no_common_availability")]
