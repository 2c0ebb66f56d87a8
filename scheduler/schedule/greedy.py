"""Greedy schedules: earliest fit (what a manager does by hand) and cheapest insertion.

Both take contacts in the order given (the caller sorts them by urgency and due date) and put
each into one slot for good, or leave it out. Earliest fit takes the first feasible slot of the
week; cheapest insertion takes the slot that is least late (past the contact's deadline), then
adds the least travel, then sits on the least-loaded day. Every hard rule holds, travel legs
included (`data.day_is_valid`), so either result is a valid schedule: earliest fit is the
benchmark baseline, and the better of the two starts the local search.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler.schedule.data import (
    Placement,
    PreparedWeek,
    day_is_valid,
    day_order_kept,
    legs_of,
    order_kept,
    route_minutes,
    route_of,
)


@dataclass
class _DayState:
    items: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, contact), sorted


def greedy_schedule(prepared: PreparedWeek) -> dict[int, Placement]:
    """Earliest fit: contact index -> (day offset, start) for every contact it could place."""
    return _place_all(prepared, _earliest_fit)


def insertion_schedule(prepared: PreparedWeek) -> dict[int, Placement]:
    """Cheapest insertion: contact index -> (day offset, start) for every contact it could place."""
    return _place_all(prepared, _cheapest_fit)


_Chooser = Callable[[PreparedWeek, "dict[int, _DayState]", "dict[str, list[int]]", int, "dict[int, int]"],
                   "Placement | None"]


def fill_gaps(prepared: PreparedWeek, placements: dict[int, Placement]) -> dict[int, Placement]:
    """`placements` plus every left-out contact that still fits somewhere (earliest fit)."""
    return _place_all(prepared, _earliest_fit, placements)


def _place_all(prepared: PreparedWeek, choose: _Chooser,
               fixed: dict[int, Placement] | None = None) -> dict[int, Placement]:
    days = {offset: _DayState() for offset in prepared.day_offsets}
    case_days: dict[str, list[int]] = {}
    placements: dict[int, Placement] = {}
    day_of: dict[int, int] = {}
    for contact, (offset, start) in sorted((fixed or {}).items()):
        days[offset].items.append((start, start + prepared.week.contacts[contact].minutes, contact))
        case_days.setdefault(prepared.week.contacts[contact].case_id, []).append(offset)
        placements[contact] = (offset, start)
        day_of[contact] = offset
    for state in days.values():
        state.items.sort()
    for contact in range(len(prepared.week.contacts)):
        if contact in placements:
            continue
        spot = choose(prepared, days, case_days, contact, day_of)
        if spot is None:
            continue
        offset, start = spot
        end = start + prepared.week.contacts[contact].minutes
        days[offset].items.append((start, end, contact))
        days[offset].items.sort()
        case_days.setdefault(prepared.week.contacts[contact].case_id, []).append(offset)
        placements[contact] = spot
        day_of[contact] = offset
    return placements


def _open_days(prepared: PreparedWeek, days: dict[int, _DayState], case_days: dict[str, list[int]],
               contact: int, day_of: dict[int, int]) -> list[int]:
    """Days where the contact may still go: spacing from its case's contacts, room under the limit,
    introductions first."""
    rules = prepared.week.rules
    taken_days = case_days.get(prepared.week.contacts[contact].case_id, [])
    return [offset for offset in sorted(prepared.starts[contact])
            if not (rules.min_days_between > 0
                    and any(abs(offset - other) < rules.min_days_between for other in taken_days))
            and len(days[offset].items) < rules.max_contacts_per_day
            and day_order_kept(prepared, contact, offset, day_of)]


def _earliest_fit(prepared: PreparedWeek, days: dict[int, _DayState], case_days: dict[str, list[int]],
                  contact: int, day_of: dict[int, int]) -> Placement | None:
    for offset in _open_days(prepared, days, case_days, contact, day_of):
        for start in prepared.starts[contact][offset]:
            if fits(prepared, days[offset].items, contact, offset, start):
                return offset, start
    return None


def _cheapest_fit(prepared: PreparedWeek, days: dict[int, _DayState], case_days: dict[str, list[int]],
                  contact: int, day_of: dict[int, int]) -> Placement | None:
    best: tuple[int, int, int, int, int] | None = None
    for offset in _open_days(prepared, days, case_days, contact, day_of):
        items = days[offset].items
        load = sum(end - start for start, end, _ in items)
        late = prepared.late_days(contact, offset)
        if best is not None and late > best[0]:
            continue
        for start in prepared.starts[contact][offset]:
            if fits(prepared, items, contact, offset, start):
                option = (late, _added_travel(prepared, items, contact, start), load, offset, start)
                if best is None or option < best:
                    best = option
    return None if best is None else (best[3], best[4])


def _added_travel(prepared: PreparedWeek, items: list[tuple[int, int, int]], contact: int, start: int) -> int:
    """Extra travel of the day's route when `contact` joins it at `start`."""
    if not prepared.week.contacts[contact].in_person:
        return 0
    starts = {other: other_start for other_start, _, other in items}
    before = route_minutes(prepared, route_of(prepared, starts))
    starts[contact] = start
    return route_minutes(prepared, route_of(prepared, starts)) - before


def fits(prepared: PreparedWeek, items: list[tuple[int, int, int]], contact: int, offset: int,
         start: int) -> bool:
    """Whether `contact` can start at `start` on a day already holding `items` (sorted by start):
    no overlap with them, and every travel leg of the day clear of contacts, lunch and the time
    outside the manager's windows."""
    end = start + prepared.week.contacts[contact].minutes
    if any(start < other_end and other_start < end for other_start, other_end, _ in items):
        return False
    starts = {other: other_start for other_start, _, other in items}
    if prepared.introduced_by and not order_kept(prepared, {**starts, contact: start}):
        return False
    if not prepared.week.contacts[contact].in_person:
        # A call changes no route: it only has to miss the day's legs.
        return not any(start < leg_end and leg_start < end for leg_start, leg_end in legs_of(prepared, starts))
    starts[contact] = start
    return day_is_valid(prepared, offset, starts)
