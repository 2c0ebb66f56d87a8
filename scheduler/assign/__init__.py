"""Caseload balancing: which manager carries each open case."""

from scheduler.assign.solve import assign_cases

__all__ = ["assign_cases"]
