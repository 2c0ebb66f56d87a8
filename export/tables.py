"""CSV tables of a plan: one row per case (assignments) and one per contact (schedule)."""

from __future__ import annotations

from export.files import csv_text
from models.organisation import Config
from models.plan import Plan

ASSIGNMENT_COLUMNS = ("case", "client", "manager", "previous_manager", "moved", "reason", "points")
SCHEDULE_COLUMNS = ("manager", "case", "client", "day", "start", "end", "mode", "location",
                    "travel_minutes_before", "overdue", "due", "late_days", "late_rule", "introduction")


def assignments_csv(plan: Plan) -> str:
    rows = (
        (item.case_id, item.client_id, item.manager_id, item.previous_manager_id, item.moved,
         item.reason, item.points)
        for item in plan.assignments
    )
    return csv_text(ASSIGNMENT_COLUMNS, rows)


def schedule_csv(plan: Plan, config: Config) -> str:
    """Contacts in calendar order; clients by id (their names stay in the case system); each with its
    due day, the days it sits after it and why (late_rule, empty when on time), and whether it is the
    introduction of a case new to its manager."""
    del config  # the plan carries everything a row needs
    ordered = sorted(plan.contacts, key=lambda item: (item.manager_id, item.day, item.start, item.case_id))
    rows = (
        (item.manager_id, item.case_id, item.client_id, item.day.isoformat(), item.start, item.end,
         item.mode, item.location, item.travel_minutes_before, item.overdue,
         item.due.isoformat() if item.due else None, item.late_days, item.late_rule, item.introduction)
        for item in ordered
    )
    return csv_text(SCHEDULE_COLUMNS, rows)
