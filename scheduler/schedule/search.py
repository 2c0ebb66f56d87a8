"""Local search over one manager's week: move and swap contacts between days to cut travel.

A greedy schedule takes contacts one at a time and never revisits a choice, so visits to clients
next door to each other end up on different days. This search relocates single contacts to other
days and swaps pairs of in-person visits between days, re-timing each touched day from scratch,
and keeps a change only when the week's weighted cost goes down (`data.objective_weights`:
unplaced contacts first, then days past a contact's deadline, then travel, early urgent contacts
and the busiest day, with the policy's weights). Every day it builds keeps every hard rule, travel
legs included (`data.day_is_valid`). `polish_routes` then takes each day's visits along their
shortest tour (exact up to `data.EXACT_ROUTE_VISITS` visits) wherever that tour can be timed. It is
deterministic (fixed pass limit, fixed order); its result is the CP-SAT model's hint, which the
model then improves or proves.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from dataclasses import dataclass

from scheduler.schedule.data import (
    Placement,
    PreparedWeek,
    day_is_valid,
    day_order_kept,
    insertion_route,
    legs_of,
    objective_weights,
    order_kept,
    route_minutes,
    route_of,
    shortest_routes,
)

# Passes over all moves; each pass is O(contacts x days) day rebuilds. Improvements flatten fast.
MAX_PASSES = 6
# Tours tried, shortest first, when a day's route is made exact: all of them up to 7 visits.
ROUTES_TRIED = 5040


@dataclass
class _Day:
    members: list[int]
    starts: dict[int, int]
    travel: int
    minutes: int  # of contacts


def week_cost(prepared: PreparedWeek, placements: dict[int, Placement]) -> float:
    """The weighted cost the search minimises (unplaced contacts dominate, then late days)."""
    return _Search(prepared, placements).cost()


def soft_terms(prepared: PreparedWeek, placements: dict[int, Placement]) -> dict[str, float]:
    """The terms in natural units: travel, early, balance and late (days within the week)."""
    return _Search(prepared, placements).terms()


def improve_week(prepared: PreparedWeek, placements: dict[int, Placement], *,
                 deadline: float | None = None, max_builds: int | None = None) -> dict[int, Placement]:
    """A schedule at least as good as `placements` (which must be feasible) under the week's costs."""
    return search_week(prepared, placements, deadline=deadline, max_builds=max_builds)[0]


def search_week(prepared: PreparedWeek, placements: dict[int, Placement], *, deadline: float | None = None,
                max_builds: int | None = None) -> tuple[dict[int, Placement], int, bool]:
    """`improve_week`, the days it built (its work: each takes about the same time), and whether its
    budget stopped it (True) rather than a pass that found nothing better or its last pass.

    The search stops once it has built `max_builds` days (work, so a run repeats on any machine), or
    when a pass ends after `deadline` (a time.time() value); the routes are polished whatever the
    time, because that takes a handful of day timings.
    """
    search = _Search(prepared, placements, max_builds)
    stopped = False
    for _ in range(MAX_PASSES):
        if (deadline is not None and time.time() >= deadline) or search.exhausted:
            stopped = True
            break
        if not search.one_pass():
            break
    search.polish_routes()
    return search.placements(), search.builds, stopped


def polish_routes(prepared: PreparedWeek, placements: dict[int, Placement]) -> dict[int, Placement]:
    """The same days, each day's visits along the shortest tour that can be timed."""
    search = _Search(prepared, placements)
    search.polish_routes()
    return search.placements()


class _Search:
    def __init__(self, prepared: PreparedWeek, placements: dict[int, Placement],
                 max_builds: int | None = None) -> None:
        self.prepared = prepared
        self.max_builds = max_builds
        self.builds = 0
        self.contacts = prepared.week.contacts
        self.weights = objective_weights(prepared)
        self.first_day = min(prepared.day_offsets, default=0)
        self.first_ok = prepared.first_ok_sets
        self.last_ok = prepared.last_ok_sets
        self.day_of: dict[int, int] = {contact: offset for contact, (offset, _) in placements.items()}
        # urgency-days of waiting and days past the deadlines, kept up to date as contacts move
        self.early = sum(self._early(c, offset) for c, offset in self.day_of.items())
        self.late = sum(prepared.late_days(c, offset) for c, offset in self.day_of.items())
        self.days: dict[int, _Day] = {}
        self.built: dict[tuple[int, frozenset[int]], _Day | None] = {}
        for offset in prepared.day_offsets:
            starts = {contact: start for contact, (day, start) in placements.items() if day == offset}
            self.days[offset] = self._day(starts)

    # --- the week's cost ---

    def terms(self) -> dict[str, float]:
        """Travel minutes (trips home included), urgency-days of waiting, the busiest day's contact
        minutes, and days past the deadlines (within the week)."""
        return {
            "travel": float(sum(day.travel for day in self.days.values())),
            "early": float(self.early),
            "balance": float(max((day.minutes for day in self.days.values()), default=0)),
            "late": float(self.late),
        }

    def _early(self, contact: int, offset: int) -> int:
        return self.contacts[contact].urgency * (offset - self.first_day)

    def _place(self, contact: int, offset: int | None) -> None:
        """Record the contact's day (None: left out), keeping the early and late totals."""
        previous = self.day_of.pop(contact, None)
        if previous is not None:
            self.early -= self._early(contact, previous)
            self.late -= self.prepared.late_days(contact, previous)
        if offset is not None:
            self.day_of[contact] = offset
            self.early += self._early(contact, offset)
            self.late += self.prepared.late_days(contact, offset)

    def cost(self) -> float:
        return self.weights.total(len(self.contacts) - len(self.day_of), self.terms())

    # --- moves ---

    @property
    def exhausted(self) -> bool:
        """The search has built as many days as it may."""
        return self.max_builds is not None and self.builds >= self.max_builds

    def one_pass(self) -> bool:
        improved = False
        for contact in range(len(self.contacts)):
            if self.exhausted:
                return improved
            improved |= self._relocate(contact)
        for contact in range(len(self.contacts)):
            day = self.day_of.get(contact)
            if self.exhausted:
                return improved
            if (day is None and self.prepared.starts[contact]) or (
                    day is not None and self.prepared.late_days(contact, day)):
                improved |= self._eject(contact)
        visits = [c for c in range(len(self.contacts)) if self.contacts[c].in_person and c in self.day_of]
        for index, a in enumerate(visits):
            for b in visits[index + 1:]:
                if self.exhausted:
                    return improved
                improved |= self._swap(a, b)
        return improved

    def _relocate(self, contact: int) -> bool:
        current = self.day_of.get(contact)
        for offset in sorted(self.prepared.starts[contact]):
            if offset == current or not self._may_join(contact, offset, leaving=None):
                continue
            changes = {offset: self._build(offset, [*self.days[offset].members, contact])}
            if current is not None:
                changes[current] = self._without(current, contact)
            if self._try(changes, {contact: offset}):
                return True
        return False

    def _eject(self, contact: int) -> bool:
        """Place a left-out contact, or bring a late one to a less late day, by moving one contact
        of the day it goes to onto another day (the late contact's old day among them)."""
        current = self.day_of.get(contact)
        late_now = None if current is None else self.prepared.late_days(contact, current)
        case_id = self.contacts[contact].case_id
        for offset in sorted(self.prepared.starts[contact]):
            if late_now is not None and (offset == current or self.prepared.late_days(contact, offset) >= late_now):
                continue
            for other in list(self.days[offset].members):
                if self.contacts[other].case_id == case_id or not self._may_join(contact, offset, leaving=other):
                    continue
                for target in sorted(self.prepared.starts[other]):
                    if target == offset or not self._may_join(other, target, leaving=contact):
                        continue
                    changes = {offset: self._build(offset, [c for c in self.days[offset].members if c != other]
                                                   + [contact])}
                    if target == current:
                        changes[target] = self._build(target, [c for c in self.days[target].members if c != contact]
                                                      + [other])
                    else:
                        changes[target] = self._build(target, [*self.days[target].members, other])
                        if current is not None:
                            changes[current] = self._without(current, contact)
                    if self._try(changes, {contact: offset, other: target}):
                        return True
        return False

    def _swap(self, a: int, b: int) -> bool:
        day_a, day_b = self.day_of[a], self.day_of[b]
        if day_a == day_b or day_b not in self.prepared.starts[a] or day_a not in self.prepared.starts[b]:
            return False
        if not (self._may_join(a, day_b, leaving=b) and self._may_join(b, day_a, leaving=a)):
            return False
        changes = {
            day_a: self._build(day_a, [c for c in self.days[day_a].members if c != a] + [b]),
            day_b: self._build(day_b, [c for c in self.days[day_b].members if c != b] + [a]),
        }
        return self._try(changes, {a: day_b, b: day_a})

    def _may_join(self, contact: int, offset: int, *, leaving: int | None) -> bool:
        """Spacing from the case's other contacts and the day's contact limit."""
        rules = self.prepared.week.rules
        members = [c for c in self.days[offset].members if c != leaving]
        if len(members) >= rules.max_contacts_per_day:
            return False
        if rules.min_days_between <= 0:
            return True
        case_id = self.contacts[contact].case_id
        return all(abs(other_day - offset) >= rules.min_days_between
                   for other, other_day in self.day_of.items()
                   if other != contact and self.contacts[other].case_id == case_id)

    def _try(self, changes: dict[int, _Day | None], moved: dict[int, int]) -> bool:
        """Apply `changes` if every touched day could be built and the week's cost goes down."""
        if any(day is None for day in changes.values()):
            return False
        before = self.cost()
        saved_days = {offset: self.days[offset] for offset in changes}
        saved_places = {contact: self.day_of.get(contact) for contact in moved}
        for offset, day in changes.items():
            assert day is not None
            self.days[offset] = day
        for contact, offset in moved.items():
            self._place(contact, offset)
        if all(day_order_kept(self.prepared, contact, offset, self.day_of) for contact, offset in moved.items()) and (
                self.cost() < before):
            return True
        self.days.update(saved_days)
        for contact, previous in saved_places.items():
            self._place(contact, previous)
        return False

    # --- the routes ---

    def polish_routes(self) -> None:
        """Each day along its shortest timeable tour, where that is shorter than the day's route."""
        for offset in self.prepared.day_offsets:
            day = self.days[offset]
            visits = [c for c in day.members if self.contacts[c].in_person]
            if len(visits) < 2:
                continue
            best = shortest_routes(self.prepared, visits, ROUTES_TRIED)
            if route_minutes(self.prepared, best[0]) >= day.travel:
                continue
            calls = [c for c in day.members if not self.contacts[c].in_person]
            for order in best:
                if route_minutes(self.prepared, order) >= day.travel:
                    break
                starts = self._time_day(offset, order, calls)
                if starts is not None:
                    self.days[offset] = self._day(starts)
                    break

    # --- building one day ---

    def _day(self, starts: dict[int, int]) -> _Day:
        return _Day(sorted(starts), starts, route_minutes(self.prepared, route_of(self.prepared, starts)),
                    sum(self.contacts[c].minutes for c in starts))

    def _without(self, offset: int, contact: int) -> _Day | None:
        """The day without `contact`: the others keep their times if the day still holds (the
        visit after a removed one comes from further back, and its leg may now reach a call)."""
        starts = {c: s for c, s in self.days[offset].starts.items() if c != contact}
        if day_is_valid(self.prepared, offset, starts):
            return self._day(starts)
        return self._build(offset, sorted(starts))

    def _build(self, offset: int, members: list[int]) -> _Day | None:
        """Time the day's contacts: visits along a short tour (cheapest insertion; the routes are
        made exact once, by `polish_routes`), calls in the earliest free slots. A day depends on
        nothing but its members, and later passes ask for the same days again: they are kept."""
        key = (offset, frozenset(members))
        if key not in self.built:
            if self.exhausted:
                return None
            self.builds += 1
            self.built[key] = self._build_new(offset, members)
        return self.built[key]

    def _build_new(self, offset: int, members: list[int]) -> _Day | None:
        visits = [c for c in members if self.contacts[c].in_person]
        calls = [c for c in members if not self.contacts[c].in_person]
        # A short tour first; then the visits by their latest start (the one with the earliest
        # deadline first: what fits tight windows) and by their earliest start.
        orders = [insertion_route(self.prepared, visits)]
        for key in (lambda c: (self.prepared.starts[c][offset][-1], c),
                    lambda c: (self.prepared.starts[c][offset][0], c)):
            order = sorted(visits, key=key)
            if order not in orders:
                orders.append(order)
        for order in orders:
            starts = self._time_day(offset, order, calls)
            if starts is not None:
                return self._day(starts)
        return None

    def _time_day(self, offset: int, order: list[int], calls: list[int]) -> dict[int, int] | None:
        """Starts for the visits in `order` and for the calls, or None: visits first (earliest
        along the tour, calls then in the gaps), else calls first (visits around them)."""
        for calls_first in (False, True):
            starts: dict[int, int] | None = {}
            if calls_first:
                starts = self._place_calls(offset, calls, {})
            if starts is not None:
                starts = self._time_route(offset, order, starts)
            if starts is not None and not calls_first:
                starts = self._place_calls(offset, calls, starts)
            if starts is not None and order_kept(self.prepared, starts):
                return starts
        return None

    def _place_calls(self, offset: int, calls: list[int], starts: dict[int, int]) -> dict[int, int] | None:
        """Each call (fewest options first) at its earliest start clear of contacts and legs."""
        placed = dict(starts)
        busy = [(s, s + self.contacts[c].minutes) for c, s in placed.items()] + legs_of(self.prepared, placed)
        for call in sorted(calls, key=lambda c: (len(self.prepared.starts[c][offset]), c)):
            start = earliest_clear(self.prepared.starts[call][offset], self.contacts[call].minutes, busy)
            if start is None:
                return None
            placed[call] = start
            busy.append((start, start + self.contacts[call].minutes))
        return placed

    def _time_route(self, offset: int, order: list[int], fixed: dict[int, int]) -> dict[int, int] | None:
        """Earliest start for each visit in order around the `fixed` calls; None if one misses.

        A visit's leg in (from the previous visit or the base) and, for the last, its leg home must
        stay clear of the calls, lunch and the time outside the manager's windows.
        """
        starts = dict(fixed)
        calls = [(s, s + self.contacts[c].minutes) for c, s in fixed.items()]
        blocked = self.prepared.blocked[offset]
        previous: int | None = None
        for position, visit in enumerate(order):
            is_last = position == len(order) - 1
            minutes = self.contacts[visit].minutes
            leg_in = self.prepared.base_travel[visit] if previous is None else self.prepared.travel[previous][visit]
            home = self.prepared.base_travel[visit] if is_last else 0
            ready = -10**6 if previous is None else starts[previous] + self.contacts[previous].minutes + leg_in
            chosen = None
            options = self.prepared.starts[visit][offset]
            for s in options[bisect_left(options, ready):]:
                if previous is None and s not in self.first_ok[visit][offset]:
                    continue
                if is_last and s not in self.last_ok[visit][offset]:
                    continue
                if calls and any(a < s + minutes + home and s - leg_in < b for a, b in calls):
                    continue
                if leg_in and previous is not None and _clash((s - leg_in, s), blocked):
                    continue
                chosen = s
                break
            if chosen is None:
                return None
            starts[visit] = chosen
            previous = visit
        return starts

    def placements(self) -> dict[int, Placement]:
        return {contact: (offset, self.days[offset].starts[contact])
                for contact, offset in sorted(self.day_of.items())}


def _clash(span: tuple[int, int], blocked: tuple[tuple[int, int], ...]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in blocked)


def earliest_clear(starts: tuple[int, ...], minutes: int, busy: list[tuple[int, int]]) -> int | None:
    """The first of `starts` (sorted) where [start, start + minutes) misses every busy span."""
    gap_start = -10**9
    for begin, end in sorted(busy):
        if end <= begin:
            continue
        if begin > gap_start:
            index = bisect_left(starts, gap_start)
            if index < len(starts) and starts[index] + minutes <= begin:
                return starts[index]
        gap_start = max(gap_start, end)
    index = bisect_left(starts, gap_start)
    return starts[index] if index < len(starts) else None
