"""Fixed appointments: a manager's blocked time is kept free of contacts and travel; a case's appointment
fixes its contact at the agreed time, or the contact is listed with the reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from models.check import check_plan
from models.organisation import Config
from models.plan import Plan
from scheduler.core.options import SolveOptions
from scheduler.core.planbuild import build_plan, current_assignment
from scheduler.core.travel import travel_minutes
from scheduler.core.week_time import WeekTime
from scheduler.schedule.solve import schedule_contacts

MONDAY, TUESDAY, WEDNESDAY, THURSDAY = (date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2),
                                         date(2026, 12, 3))
OPTIONS = SolveOptions(time_limit_s=10, workers=1, seed=0)
BASE = {"lat": 41.88, "lon": -87.63}
# 0.17 degrees north of the base: a 29-minute drive at 40 km/h.
AWAY = {"lat": 42.05, "lon": -87.63}
TUESDAY_COURT = {"day": "2026-12-01", "start": "09:00", "end": "11:00", "reason": "court"}


def config_of(*, client: dict[str, Any] | None = None, contact: dict[str, Any] | None = None,
              blocked: list[dict[str, Any]] | None = None, appointments: list[dict[str, Any]] | None = None,
              base: dict[str, float] | None = None) -> Config:
    manager: dict[str, Any] = {"id": "m-ana", "level": "worker", "blocked": blocked or []}
    if base is not None:
        manager["base"] = base
    return Config.model_validate({
        "week_start": MONDAY.isoformat(), "timezone": "UTC",
        "policy": {"levels": [{"name": "worker", "capacity_points": 100, "max_cases": 50, "max_complexity": "low"}],
                   "complexities": [{"name": "low", "points": 1}], "scheduling": {"lunch": None}},
        "managers": [manager],
        "clients": [{"id": "c-1", **(client or {})}],
        "cases": [{"id": "K-1", "client": "c-1", "type": "general", "complexity": "low", "manager": "m-ana",
                   "contacts": [contact or {"mode": "phone", "minutes": 60, "frequency": "weekly"}],
                   "appointments": appointments or []}],
    })


def schedule(config: Config) -> Plan:
    plan = schedule_contacts(config, build_plan(config, current_assignment(config)), OPTIONS).plan
    assert plan is not None
    assert check_plan(config, plan) == []
    return plan


def slots(plan: Plan) -> list[tuple[str, date, str, str]]:
    return [(item.case_id, item.day, item.start, item.end) for item in plan.contacts]


# --- blocked time ---


def test_a_manager_blocked_tuesday_9_to_11_gets_no_contact_then() -> None:
    # The client is free Tuesday 09:00-12:00 only: the hour left is 11:00-12:00.
    config = config_of(client={"availability": {"tue": ["09:00-12:00"]}}, blocked=[TUESDAY_COURT])
    assert slots(schedule(config)) == [("K-1", TUESDAY, "11:00", "12:00")]


def test_no_drive_in_blocked_time() -> None:
    # A 60-minute visit 29 minutes from the base, the client free Tuesday 11:00-13:00: the drive may not
    # start before 11:00, so the visit starts at 11:30 (11:15 would need the road at 10:46).
    assert travel_minutes((BASE["lat"], BASE["lon"]), (AWAY["lat"], AWAY["lon"]), 40) == 29
    config = config_of(client={"location": AWAY, "availability": {"tue": ["11:00-13:00"]}},
                       contact={"mode": "in_person", "minutes": 60, "frequency": "weekly"},
                       blocked=[TUESDAY_COURT], base=BASE)
    plan = schedule(config)
    assert slots(plan) == [("K-1", TUESDAY, "11:30", "12:30")]
    assert plan.contacts[0].travel_minutes_before == 29


def test_blocked_time_is_not_working_time() -> None:
    # Five 9-hour days (no lunch) less the 2 hours of court.
    config = config_of(blocked=[TUESDAY_COURT])
    assert WeekTime(config).working_minutes(config.managers[0]) == 5 * 9 * 60 - 120


# --- appointments ---


def test_an_appointment_at_wednesday_10_is_placed_exactly_there() -> None:
    config = config_of(appointments=[{"contact": 0, "day": "2026-12-02", "start": "10:00"}])
    plan = schedule(config)
    assert slots(plan) == [("K-1", WEDNESDAY, "10:00", "11:00")]
    assert (plan.contacts[0].late_days, plan.contacts[0].late_rule) == (0, "")


def test_an_appointment_stands_outside_the_clients_usual_hours() -> None:
    config = config_of(client={"availability": {"mon": ["08:00-09:00"]}},
                       appointments=[{"contact": 0, "day": "2026-12-02", "start": "10:00"}])
    assert slots(schedule(config)) == [("K-1", WEDNESDAY, "10:00", "11:00")]


def test_an_appointment_after_the_due_day_is_late_by_agreement() -> None:
    # Monthly, last 2026-11-01: due Tuesday; agreed for Thursday 14:00.
    config = config_of(contact={"mode": "phone", "minutes": 30, "frequency": "monthly", "last": "2026-11-01"},
                       appointments=[{"contact": 0, "day": "2026-12-03", "start": "14:00"}])
    [contact] = schedule(config).contacts
    assert (contact.day, contact.start, contact.due, contact.late_days, contact.late_rule) == (
        THURSDAY, "14:00", TUESDAY, 2, "appointment")


def test_an_appointment_in_blocked_time_is_listed_with_the_reason() -> None:
    config = config_of(blocked=[TUESDAY_COURT], appointments=[{"contact": 0, "day": "2026-12-01", "start": "10:00"}])
    plan = schedule(config)
    assert plan.contacts == []
    [missing] = plan.unscheduled
    assert missing.rule == "appointment_conflict"
    assert missing.reason.startswith("its appointment on 2026-12-01 at 10:00 cannot be kept")


def test_two_appointments_of_a_twice_weekly_visit_fix_both_occurrences() -> None:
    config = config_of(contact={"mode": "phone", "minutes": 30, "frequency": "2/week"},
                       appointments=[{"contact": 0, "day": "2026-12-03", "start": "15:00"},
                                     {"contact": 0, "day": "2026-11-30", "start": "08:30"}])
    assert slots(schedule(config)) == [("K-1", MONDAY, "08:30", "09:00"), ("K-1", THURSDAY, "15:00", "15:30")]


def test_a_contact_whose_only_slot_by_its_due_day_is_blocked_is_late_for_want_of_a_slot() -> None:
    # Monthly, last 2026-10-30: due Monday; the client is free 09:00-10:00 on Monday and Tuesday, and
    # Ana is in court Monday 09:00-10:00. The checker agrees that no slot was free by Monday.
    config = config_of(client={"availability": {"mon": ["09:00-10:00"], "tue": ["09:00-10:00"]}},
                       contact={"mode": "phone", "minutes": 60, "frequency": "monthly", "last": "2026-10-30"},
                       blocked=[{"day": "2026-11-30", "start": "09:00", "end": "10:00"}])
    [contact] = schedule(config).contacts
    assert (contact.day, contact.start, contact.late_days, contact.late_rule) == (TUESDAY, "09:00", 1,
                                                                                  "no_slot_by_due")


def test_an_appointment_on_an_overdue_contact_is_kept_and_late_as_overdue() -> None:
    """Regression (issue 20): an appointment on a contact due before the week crashed `plan` (exit 4:
    the schedule said `appointment`, the checker wants `overdue`)."""
    contact = {"mode": "phone", "minutes": 60, "frequency": "biweekly", "last": "2026-11-15"}  # due 2026-11-29
    plan = schedule(config_of(contact=contact, appointments=[{"contact": 0, "day": "2026-12-03", "start": "10:00"}]))
    assert slots(plan) == [("K-1", THURSDAY, "10:00", "11:00")]
    assert plan.contacts[0].late_rule == "overdue"
    assert plan.contacts[0].overdue
