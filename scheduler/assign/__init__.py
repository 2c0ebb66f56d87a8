"""Caseload balancing: which manager carries each open case; and the hiring model built on it."""

from scheduler.assign.hiring import fewest_hires
from scheduler.assign.solve import assign_cases

__all__ = ["assign_cases", "fewest_hires"]
