"""Where a contact can start on a manager's day: the one definition the schedule and the meeting rule share.

A contact of `minutes` starts on the slot grid inside one of the manager's windows and one of the
client's, and misses lunch. An in-person visit also needs the trip from the manager's base before it
and the trip back after it: when it is the day's first visit, [start - trip, start) lies inside a
manager's window and misses lunch; when it is the day's last, [end, end + trip) does. A visit that
is both (alone on its day) needs both: that is what "the manager can meet the client for this
contact" means. The schedule (scheduler/schedule/data.py) prepares its candidate starts with
`day_starts`; balancing asks `longest_trip` of the same function, so the two cannot disagree about
whether a worker can meet a client. The checker (models/check.py) re-derives it on its own.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from models.timeutil import TimeWindow

Span = tuple[int, int]  # [start, end) in minutes after midnight
# No trip is longer than a day: the upper end of the search for the longest one.
LONGEST_TRIP = 24 * 60


@dataclass(frozen=True)
class DayStarts:
    """A contact's starts on one day: every candidate, and those allowed when it is the day's first
    in-person visit (the trip from the base fits) or its last (the trip back fits)."""

    candidates: tuple[int, ...]
    first: tuple[int, ...]
    last: tuple[int, ...]

    def alone(self) -> bool:
        """Whether the contact fits with its trips from and back to the base (alone on the day)."""
        return bool(set(self.first) & set(self.last))


def spans(windows: Iterable[TimeWindow]) -> tuple[Span, ...]:
    """Sorted spans, touching or overlapping windows joined (a trip may run from one into the next)."""
    joined: list[Span] = []
    for window in sorted(windows):
        if joined and window.start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], window.end))
        else:
            joined.append((window.start, window.end))
    return tuple(joined)


def overlaps(start: int, end: int, span: Span) -> bool:
    return start < span[1] and span[0] < end


def candidate_starts(manager_windows: tuple[Span, ...], client_windows: tuple[Span, ...], minutes: int,
                     slot: int, lunch: Span | None) -> tuple[int, ...]:
    """Starts on the slot grid where the contact fits inside both windows and misses lunch."""
    found: set[int] = set()
    for manager_start, manager_end in manager_windows:
        for client_start, client_end in client_windows:
            start, end = max(manager_start, client_start), min(manager_end, client_end)
            first_slot = -(-start // slot) * slot
            grid = range(first_slot, end - minutes + 1, slot)
            if lunch is None:
                found.update(grid)
            else:
                # Misses lunch: ends by its start or starts at its end (inlined: a hot loop).
                lunch_start, lunch_end = lunch
                found.update(candidate for candidate in grid
                             if candidate + minutes <= lunch_start or candidate >= lunch_end)
    return tuple(sorted(found))


def trips_fit(windows: tuple[Span, ...], starts: tuple[int, ...], before: int, after: int) -> tuple[int, ...]:
    """The starts s (sorted) for which [s - before, s + after) lies inside one of the manager's
    windows. Windows of a day do not overlap, so each gives one slice of the starts, in order
    (this is the hot loop of preparing a week: bisecting, not testing every start)."""
    fitting: list[int] = []
    for start, end in sorted(windows):
        fitting.extend(starts[bisect_left(starts, start + before):bisect_right(starts, end - after)])
    return tuple(fitting)


def day_starts(manager_windows: tuple[Span, ...], client_windows: tuple[Span, ...], minutes: int, trip: int,
               in_person: bool, slot: int, lunch: Span | None) -> DayStarts:
    """A contact's starts on one day of the manager's (`trip`: minutes from the base to the client)."""
    candidates = candidate_starts(manager_windows, client_windows, minutes, slot, lunch)
    first = trips_fit(manager_windows, candidates, trip, minutes)
    last = trips_fit(manager_windows, candidates, 0, minutes + trip)
    if in_person and len(manager_windows) == 1:
        # With one window a day every visit is preceded (followed) by a chain of trips from (to) the
        # base inside that window; by the triangle inequality of great-circle travel that chain is
        # never shorter than the direct trip, so only starts that fit both trips in the window can be
        # used at all (the chain may wait out lunch, so lunch is not part of this test).
        candidates = tuple(sorted(set(first) & set(last)))
        first = last = candidates
    if lunch is not None and trip:
        first = tuple(start for start in first if not overlaps(start - trip, start, lunch))
        last = tuple(start for start in last if not overlaps(start + minutes, start + minutes + trip, lunch))
    return DayStarts(candidates, first, last)


# Pure in its (hashable) arguments, and asked again for every day, manager and stage with the same
# windows: one answer per distinct day shape.
@lru_cache(maxsize=1 << 16)
def longest_trip(manager_windows: tuple[Span, ...], client_windows: tuple[Span, ...], minutes: int,
                 slot: int, lunch: Span | None) -> int:
    """The longest trip (minutes each way) with which an in-person visit of `minutes` still fits alone
    on the day; -1 when it does not fit even with no trip. Longer trips only take starts away, so
    the answer is found by bisection over `day_starts` itself."""
    def fits(trip: int) -> bool:
        return day_starts(manager_windows, client_windows, minutes, trip, True, slot, lunch).alone()

    if not fits(0):
        return -1
    low, high = 0, LONGEST_TRIP  # fits(low); the answer is below high
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low
