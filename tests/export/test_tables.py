"""The CSV tables of a plan (export/tables.py): exact text on a two-case plan."""

from __future__ import annotations

from datetime import date

from export.tables import assignments_csv, schedule_csv
from models.organisation import Config
from models.plan import Assignment, Plan, PlanSummary, ScheduledContact

WEEK = date(2026, 11, 30)


def _contact(manager_id: str, case_id: str, day: date, start: str, end: str, **extra: object) -> ScheduledContact:
    return ScheduledContact.model_validate({
        "case_id": case_id, "client_id": f"c-{case_id[2:]}", "manager_id": manager_id, "requirement_index": 0,
        "occurrence": 0, "mode": "phone", "day": day, "start": start, "end": end, "minutes": 30, **extra})


def _plan() -> Plan:
    assignments = [
        Assignment(case_id="K-1", client_id="c-1", manager_id="m-b", previous_manager_id="m-a", moved=True,
                   reason="=m-a was at 120% of capacity", points=2.5),  # a formula-like text stays text
        Assignment(case_id="K-2", client_id="c-2", manager_id=None, previous_manager_id=None, moved=False,
                   reason="unassigned", points=1.0),
    ]
    contacts = [  # out of calendar order on purpose
        _contact("m-b", "K-1", date(2026, 12, 1), "09:00", "09:30"),
        _contact("m-a", "K-3", date(2026, 12, 2), "10:00", "10:30", mode="in_person", location="41.9,-87.6",
                 travel_minutes_before=15, overdue=True, due=date(2026, 11, 20), late_days=12, late_rule="overdue",
                 late_reason="due before the week"),
        _contact("m-b", "K-1", date(2026, 11, 30), "13:00", "13:30", due=date(2026, 12, 6)),
        _contact("m-b", "K-1", date(2026, 11, 30), "08:00", "08:30", requirement_index=-1, due=date(2026, 12, 1),
                 introduction=True),  # K-1 moved to m-b: its introduction
    ]
    summary = PlanSummary(managers=2, cases=2, assigned_cases=1, unassigned_cases=1, unassigned_points=1.0,
                          total_load=2.5, total_capacity=20.0, max_utilisation=0.25, overloaded_managers=0,
                          overload_points=0.0, moves=1, region_mismatches=0)
    return Plan(week_start=WEEK, summary=summary, managers=[], levels=[], assignments=assignments, moves=[],
                unassigned=[], contacts=contacts)


def test_assignments_csv_has_one_row_per_case() -> None:
    assert assignments_csv(_plan()) == (
        "case,client,manager,previous_manager,moved,reason,points\n"
        "K-1,c-1,m-b,m-a,true,'=m-a was at 120% of capacity,2.5\n"
        "K-2,c-2,,,false,unassigned,1.0\n"
    )


def test_schedule_csv_lists_contacts_in_calendar_order_per_manager(tiny_config: Config) -> None:
    assert schedule_csv(_plan(), tiny_config) == (
        "manager,case,client,day,start,end,mode,location,travel_minutes_before,overdue,due,late_days,late_rule,"
        "introduction\n"
        'm-a,K-3,c-3,2026-12-02,10:00,10:30,in_person,"41.9,-87.6",15,true,2026-11-20,12,overdue,false\n'
        "m-b,K-1,c-1,2026-11-30,08:00,08:30,phone,,0,false,2026-12-01,0,,true\n"
        "m-b,K-1,c-1,2026-11-30,13:00,13:30,phone,,0,false,2026-12-06,0,,false\n"
        "m-b,K-1,c-1,2026-12-01,09:00,09:30,phone,,0,false,,0,,false\n"
    )
