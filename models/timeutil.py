"""Clock times, weekday windows and calendar helpers shared by the domain model.

Times of day are kept as whole minutes after midnight so that solvers and checkers
can compare them without parsing; they are written back as "HH:MM" text.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

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


def month_end(day: date) -> date:
    """The last day of `day`'s calendar month."""
    return date(day.year, day.month, _days_in_month(day.year, day.month))


def month_key(day: date) -> str:
    """`day`'s calendar month as YYYY-MM."""
    return f"{day.year:04d}-{day.month:02d}"


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - timedelta(days=1)).day


@functools.cache
def clock_change_windows(day: date, zone: str) -> tuple[TimeWindow, ...]:
    """The local clock times of `day` that do not name one instant in `zone`: the hour skipped when the
    clocks go forward (02:00-03:00 on a US spring morning) and the hour lived twice when they go back.

    No contact may be placed there: a visit at 02:30 on 2026-03-08 in America/Chicago is at a time that
    does not exist, and one at 01:30 on 2026-11-01 at a time that happens twice. Days without a change
    (all but two a year, or all of them in zones without daylight saving) have none.
    """
    tz = ZoneInfo(zone)
    start, end = datetime.combine(day, datetime.min.time(), tz), datetime.combine(day + timedelta(days=1),
                                                                                  datetime.min.time(), tz)
    if start.utcoffset() == end.utcoffset():
        return ()
    unclear = [minute for minute in range(MINUTES_PER_DAY) if not _one_instant(day, minute, tz)]
    return tuple(TimeWindow(first, last + 1) for first, last in _runs(unclear))


def _one_instant(day: date, minute: int, tz: ZoneInfo) -> bool:
    """Whether the local time `minute` of `day` exists exactly once: it survives a round trip through UTC
    and both readings of an ambiguous time agree."""
    local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
    back = local.astimezone(UTC).astimezone(tz)
    same_wall = (back.replace(tzinfo=None) == local.replace(tzinfo=None))
    return same_wall and local.utcoffset() == local.replace(fold=1).utcoffset()


def _runs(minutes: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for minute in minutes:
        if runs and runs[-1][1] == minute - 1:
            runs[-1] = (runs[-1][0], minute)
        else:
            runs.append((minute, minute))
    return runs
