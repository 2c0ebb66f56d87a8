"""Changes to a config, by id: what `apply` (accepted moves) and `roll` (next week) write back.

Plain data; export/apply.py writes them into a copy of the config's own text, so everything not
changed stays as the user wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from models.organisation import Appointment


@dataclass(frozen=True)
class MonthCount:
    """A requirement's visits in one calendar month, and those in the client's residence."""

    month: str
    visits: int
    in_residence: int


@dataclass(frozen=True)
class ConfigChanges:
    week_start: date | None = None
    """The new week (None: unchanged)."""
    managers: Mapping[str, str | None] = field(default_factory=dict)
    """Case id -> its manager from now on (None: no manager)."""
    last: Mapping[tuple[str, int], date] = field(default_factory=dict)
    """(case id, contact requirement index) -> the requirement's new `last` date."""
    leave: Mapping[str, tuple[date, ...]] = field(default_factory=dict)
    """Manager id -> the leave days that remain (only managers whose leave changes)."""
    blocked_cleared: frozenset[str] = frozenset()
    """Managers whose `blocked` time (all of it in the week that ends) is taken out."""
    appointments_kept: Mapping[str, tuple[Appointment, ...]] = field(default_factory=dict)
    """Case id -> the appointments it keeps (those after the week that ends), for cases that lose some."""
    month_counts: Mapping[tuple[str, int], MonthCount] = field(default_factory=dict)
    """(case id, contact requirement index) -> the requirement's new month, month_visits, month_in_residence
    (calendar-month compliance)."""

    @staticmethod
    def moves(new_managers: Mapping[str, str]) -> ConfigChanges:
        """Only managers change: the accepted moves of `caseload apply`."""
        return ConfigChanges(managers=dict(new_managers))
