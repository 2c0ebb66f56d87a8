"""Clock times, weekday windows and calendar helpers shared by the domain model.

Times of day are kept as whole minutes after midnight so that solvers and checkers
can compare them without parsing; they are written back as "HH:MM" text.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_WINDOW = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


def parse_clock(text: str) -> int:
    """Minutes after midnight for "HH:MM" (24:00 allowed as the end of a day)."""
    match = _CLOCK.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a time of day; write HH:MM, e.g. 08:30")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(f"'{text}' is not a valid time of day (00:00 to 24:00)")
    return hours * 60 + minutes


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, order=True)
class TimeWindow:
    """A half-open interval [start, end) of minutes after midnight."""

    start: int
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start

    def __str__(self) -> str:
        return f"{format_clock(self.start)}-{format_clock(self.end)}"


def parse_window(value: Any) -> TimeWindow:
    if isinstance(value, TimeWindow):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a time window is text like '08:30-17:00', not {type(value).__name__}")
    match = _WINDOW.match(value)
    if not match:
        raise ValueError(f"'{value}' is not a time window; write HH:MM-HH:MM, e.g. 08:30-17:00")
    start, end = parse_clock(match.group(1)), parse_clock(match.group(2))
    if start >= end:
        raise ValueError(f"window '{value}' ends before it starts; the start must be earlier")
    return TimeWindow(start, end)


def _parse_clock_field(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a time of day is text like '08:30', not {type(value).__name__}")
    return parse_clock(value)


Window = Annotated[
    TimeWindow,
    BeforeValidator(parse_window),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$", "examples": ["08:30-17:00"]}),
]

Clock = Annotated[
    int,
    BeforeValidator(_parse_clock_field),
    PlainSerializer(format_clock, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,2}:\d{2}$", "examples": ["08:00"]}),
]


def check_no_overlap(windows: list[TimeWindow]) -> list[TimeWindow]:
    """Sorted windows, refusing overlaps (touching ends are fine)."""
    ordered = sorted(windows)
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise ValueError(f"windows {before} and {after} overlap; merge them or fix the times")
    return ordered


def week_days(week_start: date) -> list[date]:
    return [week_start + timedelta(days=offset) for offset in range(7)]


def weekday_name(day: date) -> Weekday:
    return WEEKDAYS[day.weekday()]


def add_months(day: date, months: int) -> date:
    """The same day-of-month `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = _days_in_month(year, month)
    return date(year, month, min(day.day, last_day))


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - timedelta(days=1)).day
