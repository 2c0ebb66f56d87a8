"""Greedy schedules: earliest fit (what a manager does by hand) and cheapest insertion.

Both take contacts in the order given (the caller sorts them by urgency and due date) and put
each into one slot for good, or leave it out. Earliest fit takes the first feasible slot of the
week; cheapest insertion takes the slot that adds the least travel, then the least-loaded day.
Every hard rule holds, travel included, so either result is a valid schedule: earliest fit is the
benchmark baseline, and the better of the two is the CP-SAT model's hint and fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler.schedule.data import Placement, PreparedWeek


@dataclass
class _DayState:
    items: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, contact), sorted


def greedy_schedule(prepared: PreparedWeek) -> dict[int, Placement]:
    """Earliest fit: contact index -> (day offset, start) for every contact it could place."""
    return _place_all(prepared, _earliest_fit)


def insertion_schedule(prepared: PreparedWeek) -> dict[int, Placement]:
    """Cheapest insertion: contact index -> (day offset, start) for every contact it could place."""
    return _place_all(prepared, _cheapest_fit)


_Chooser = Callable[[PreparedWeek, "dict[int, _DayState]", "dict[str, list[int]]", int], "Placement | None"]


def fill_gaps(prepared: PreparedWeek, placements: dict[int, Placement]) -> dict[int, Placement]:
    """`placements` plus every left-out contact that still fits somewhere (earliest fit)."""
    return _place_all(prepared, _earliest_fit, placements)


def _place_all(prepared: PreparedWeek, choose: _Chooser,
               fixed: dict[int, Placement] | None = None) -> dict[int, Placement]:
    days = {offset: _DayState() for offset in prepared.day_offsets}
    case_days: dict[str, list[int]] = {}
    placements: dict[int, Placement] = {}
    for contact, (offset, start) in sorted((fixed or {}).items()):
        days[offset].items.append((start, start + prepared.week.contacts[contact].minutes, contact))
        case_days.setdefault(prepared.week.contacts[contact].case_id, []).append(offset)
        placements[contact] = (offset, start)
    for state in days.values():
        state.items.sort()
    for contact in range(len(prepared.week.contacts)):
        if contact in placements:
            continue
        spot = choose(prepared, days, case_days, contact)
        if spot is None:
            continue
        offset, start = spot
        end = start + prepared.week.contacts[contact].minutes
        days[offset].items.append((start, end, contact))
        days[offset].items.sort()
        case_days.setdefault(prepared.week.contacts[contact].case_id, []).append(offset)
        placements[contact] = spot
    return placements


def _open_days(prepared: PreparedWeek, days: dict[int, _DayState], case_days: dict[str, list[int]],
               contact: int) -> list[int]:
    """Days where the contact may still go: spacing from its case's contacts, room under the limit."""
    rules = prepared.week.rules
    taken_days = case_days.get(prepared.week.contacts[contact].case_id, [])
    return [offset for offset in sorted(prepared.starts[contact])
            if not (rules.min_days_between > 0
                    and any(abs(offset - other) < rules.min_days_between for other in taken_days))
            and len(days[offset].items) < rules.max_contacts_per_day]


def _earliest_fit(prepared: PreparedWeek, days: dict[int, _DayState], case_days: dict[str, list[int]],
                  contact: int) -> Placement | None:
    for offset in _open_days(prepared, days, case_days, contact):
        for start in prepared.starts[contact][offset]:
            if fits(prepared, days[offset].items, contact, offset, start):
                return offset, start
    return None


def _cheapest_fit(prepared: PreparedWeek, days: dict[int, _DayState], case_days: dict[str, list[int]],
                  contact: int) -> Placement | None:
    best: tuple[int, int, int, int] | None = None
    for offset in _open_days(prepared, days, case_days, contact):
        items = days[offset].items
        load = sum(end - start for start, end, _ in items)
        for start in prepared.starts[contact][offset]:
            if fits(prepared, items, contact, offset, start):
                option = (_added_travel(prepared, items, contact, start), load, offset, start)
                if best is None or option < best:
                    best = option
    return None if best is None else (best[2], best[3])


def _added_travel(prepared: PreparedWeek, items: list[tuple[int, int, int]], contact: int, start: int) -> int:
    """Extra travel of the day's route when `contact` joins it at `start`."""
    if not prepared.week.contacts[contact].in_person:
        return 0
    visits = [item for item in items if prepared.week.contacts[item[2]].in_person]
    previous = [other for other_start, _, other in visits if other_start < start]
    following = [other for other_start, _, other in visits if other_start > start]

    def leg(a: int | None, b: int | None) -> int:
        if a is not None and b is not None:
            return prepared.travel[a][b]
        if a is not None:
            return prepared.base_travel[a]
        return 0 if b is None else prepared.base_travel[b]

    before = previous[-1] if previous else None
    after = following[0] if following else None
    return leg(before, contact) + leg(contact, after) - leg(before, after)


def fits(prepared: PreparedWeek, items: list[tuple[int, int, int]], contact: int, offset: int,
         start: int) -> bool:
    """Whether `contact` can start at `start` on a day already holding `items` (sorted by start)."""
    info = prepared.week.contacts[contact]
    end = start + info.minutes
    if any(start < other_end and other_start < end for other_start, other_end, _ in items):
        return False
    if not info.in_person:
        return True
    visits = [item for item in items if prepared.week.contacts[item[2]].in_person]
    previous = [item for item in visits if item[0] < start]
    following = [item for item in visits if item[0] > start]
    if previous:
        _, previous_end, previous_contact = previous[-1]
        if previous_end + prepared.travel[previous_contact][contact] > start:
            return False
    elif start not in prepared.first_ok[contact][offset]:
        return False
    if following:
        next_start, _, next_contact = following[0]
        if end + prepared.travel[contact][next_contact] > next_start:
            return False
    elif start not in prepared.last_ok[contact][offset]:
        return False
    return True
