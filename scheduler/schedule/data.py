"""Plain data for one manager's week, and the facts every schedule solver derives from it.

A `ManagerWeek` is what crosses the process boundary (small, picklable, no solver objects).
`prepare_week` turns it into a `PreparedWeek`: the candidate start times of every contact on
every day, the starts allowed for the day's first and last in-person visit (travel from and to
the manager's base inside the manager's window), and the travel matrix. The CP-SAT model, the
greedy baseline and the reason codes all read the same prepared facts, so they cannot disagree.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from scheduler.core.travel import Place, travel_matrix, travel_minutes

Span = tuple[int, int]  # [start, end) in minutes after midnight


@dataclass(frozen=True)
class ContactInput:
    """One due contact: `group` holds the contacts of one case requirement (interchangeable)."""

    key: str
    case_id: str
    group: str
    minutes: int
    in_person: bool
    location: Place
    urgency: int
    client_windows: tuple[tuple[int, tuple[Span, ...]], ...]  # (day offset, windows) per day

    def windows_on(self, offset: int) -> tuple[Span, ...]:
        for day, windows in self.client_windows:
            if day == offset:
                return windows
        return ()


@dataclass(frozen=True)
class DayInput:
    offset: int  # days after the week's Monday
    windows: tuple[Span, ...]  # the manager's working windows that day


@dataclass(frozen=True)
class WeekRules:
    slot_minutes: int
    lunch: Span | None
    max_contacts_per_day: int
    min_days_between: int
    travel_speed_kmh: float


@dataclass(frozen=True)
class ObjectiveWeights:
    early: float
    balance: float
    travel: float


@dataclass(frozen=True)
class ManagerWeek:
    manager_id: str
    base: Place
    days: tuple[DayInput, ...]
    contacts: tuple[ContactInput, ...]
    rules: WeekRules
    weights: ObjectiveWeights


@dataclass(frozen=True)
class PreparedWeek:
    week: ManagerWeek
    # starts[c][offset]: sorted candidate starts of contact c on that day (days without one absent)
    starts: list[dict[int, tuple[int, ...]]]
    # first_ok / last_ok[c][offset]: candidate starts allowed when c is the day's first / last
    # in-person visit (the trip from / back to the base fits the manager's window)
    first_ok: list[dict[int, tuple[int, ...]]]
    last_ok: list[dict[int, tuple[int, ...]]]
    travel: list[list[int]]  # between contacts (0 unless both are in person)
    base_travel: list[int]  # base <-> contact (0 unless in person)

    @property
    def day_offsets(self) -> list[int]:
        return [day.offset for day in self.week.days]

    def has_any_slot(self, contact: int) -> bool:
        return bool(self.starts[contact])


def prepare_week(week: ManagerWeek) -> PreparedWeek:
    speed = week.rules.travel_speed_kmh
    places = [contact.location if contact.in_person else None for contact in week.contacts]
    matrix = travel_matrix(places, speed)
    base_travel = [travel_minutes(week.base, place, speed) for place in places]
    starts, first_ok, last_ok = [], [], []
    for index, contact in enumerate(week.contacts):
        by_day: dict[int, tuple[int, ...]] = {}
        first_by_day: dict[int, tuple[int, ...]] = {}
        last_by_day: dict[int, tuple[int, ...]] = {}
        for day in week.days:
            candidates = candidate_starts(day.windows, contact.windows_on(day.offset), contact.minutes,
                                          week.rules)
            first = _trips_fit(day.windows, candidates, base_travel[index], contact.minutes)
            last = _trips_fit(day.windows, candidates, 0, contact.minutes + base_travel[index])
            if contact.in_person and len(day.windows) == 1:
                # With one window a day every visit is preceded (followed) by a chain of trips
                # from (to) the base; by the triangle inequality of great-circle travel that chain
                # is never shorter than the direct trip, so only starts that fit both trips can
                # be used at all.
                candidates = tuple(sorted(set(first) & set(last)))
                first = last = candidates
            if candidates:
                by_day[day.offset] = candidates
                first_by_day[day.offset] = first
                last_by_day[day.offset] = last
        starts.append(by_day)
        first_ok.append(first_by_day)
        last_ok.append(last_by_day)
    return PreparedWeek(week, starts, first_ok, last_ok, matrix, base_travel)


def candidate_starts(manager_windows: tuple[Span, ...], client_windows: tuple[Span, ...], minutes: int,
                     rules: WeekRules) -> tuple[int, ...]:
    """Starts on the slot grid where the contact fits inside both windows and misses lunch."""
    slot = rules.slot_minutes
    found: set[int] = set()
    for manager_start, manager_end in manager_windows:
        for client_start, client_end in client_windows:
            start, end = max(manager_start, client_start), min(manager_end, client_end)
            first_slot = -(-start // slot) * slot
            grid = range(first_slot, end - minutes + 1, slot)
            if rules.lunch is None:
                found.update(grid)
            else:
                # Misses lunch: ends by its start or starts at its end (inlined: a hot loop).
                lunch_start, lunch_end = rules.lunch
                found.update(candidate for candidate in grid
                             if candidate + minutes <= lunch_start or candidate >= lunch_end)
    return tuple(sorted(found))


def _trips_fit(windows: tuple[Span, ...], starts: tuple[int, ...], before: int, after: int) -> tuple[int, ...]:
    """The starts s (sorted) for which [s - before, s + after) lies inside one of the manager's
    windows. Windows of a day do not overlap, so each gives one slice of the starts, in order
    (this is the hot loop of preparing a week: bisecting, not testing every start)."""
    fitting: list[int] = []
    for start, end in sorted(windows):
        fitting.extend(starts[bisect_left(starts, start + before):bisect_right(starts, end - after)])
    return tuple(fitting)


def urgency(overdue: bool, complexity_rank: int, complexity_count: int) -> int:
    """How much a day's delay matters: complexity rank, plus the whole scale when overdue."""
    return complexity_rank + (complexity_count if overdue else 0)


Placement = tuple[int, int]  # (day offset, start minute)


def travel_of(prepared: PreparedWeek, placements: dict[int, Placement]) -> tuple[dict[int, int], int]:
    """Travel leading into every placed contact, and the week's total including trips home.

    In-person visits of a day are taken in start order from the base and back to it; phone and
    video contacts travel nowhere.
    """
    before = {contact: 0 for contact in placements}
    total = 0
    by_day: dict[int, list[tuple[int, int]]] = {}
    for contact, (offset, start) in placements.items():
        if prepared.week.contacts[contact].in_person:
            by_day.setdefault(offset, []).append((start, contact))
    for offset in sorted(by_day):
        visits = [contact for _, contact in sorted(by_day[offset])]
        previous: int | None = None
        for contact in visits:
            leg = prepared.base_travel[contact] if previous is None else prepared.travel[previous][contact]
            before[contact] = leg
            total += leg
            previous = contact
        total += prepared.base_travel[visits[-1]]
    return before, total
