"""Local search over one manager's week: move and swap contacts between days to cut travel.

A greedy schedule takes contacts one at a time and never revisits a choice, so visits to clients
next door to each other end up on different days. This search relocates single contacts to other
days and swaps pairs of in-person visits between days, re-timing each touched day from scratch,
and keeps a change only when the week's weighted cost (unplaced contacts first, then travel, early
urgent contacts and the busiest day, with the policy's weights) goes down. It is deterministic
(fixed pass limit, fixed order) and every day it builds meets every hard rule; its result is the
CP-SAT model's hint, which the model then improves or proves.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from scheduler.schedule.data import Placement, PreparedWeek

# Passes over all moves; each pass is O(contacts x days) day rebuilds. Improvements flatten fast.
MAX_PASSES = 6
# Cost of an unplaced contact relative to the soft terms: placing always wins.
UNPLACED_COST = 10**9


@dataclass
class _Day:
    members: list[int]
    starts: dict[int, int]
    travel: int


def week_cost(prepared: PreparedWeek, placements: dict[int, Placement]) -> float:
    """The weighted cost the search minimises (unplaced contacts dominate)."""
    return _Search(prepared, placements).cost()


def soft_cost(prepared: PreparedWeek, placements: dict[int, Placement]) -> float:
    """The weighted soft terms alone (travel, early urgent contacts, busiest day)."""
    return _Search(prepared, placements)._soft()


def soft_terms(prepared: PreparedWeek, placements: dict[int, Placement]) -> dict[str, float]:
    return _Search(prepared, placements).terms()


def improve_week(prepared: PreparedWeek, placements: dict[int, Placement], *,
                 deadline: float | None = None) -> dict[int, Placement]:
    """A schedule at least as good as `placements` (which must be feasible) under the week's costs.

    Passes stop early once `deadline` (a time.time() value) has passed, so the stage keeps its limit.
    """
    search = _Search(prepared, placements)
    for _ in range(MAX_PASSES):
        if deadline is not None and time.time() >= deadline:
            break
        if not search.one_pass():
            break
    return search.placements()


class _Search:
    def __init__(self, prepared: PreparedWeek, placements: dict[int, Placement]) -> None:
        self.prepared = prepared
        self.contacts = prepared.week.contacts
        self.first_day = min(prepared.day_offsets, default=0)
        self.first_ok = [{day: frozenset(starts) for day, starts in by_day.items()}
                         for by_day in prepared.first_ok]
        self.last_ok = [{day: frozenset(starts) for day, starts in by_day.items()}
                        for by_day in prepared.last_ok]
        self.day_of: dict[int, int] = {contact: offset for contact, (offset, _) in placements.items()}
        self.days: dict[int, _Day] = {}
        for offset in prepared.day_offsets:
            starts = {contact: start for contact, (day, start) in placements.items() if day == offset}
            members = sorted(starts)
            self.days[offset] = _Day(members, starts, self._route_travel(self._route(starts)))

    # --- the week's cost ---

    def terms(self) -> dict[str, float]:
        """The soft terms in natural units: travel minutes (trips home included), urgency-days of
        waiting, and the busiest day's contact minutes."""
        day_minutes = self._day_minutes()
        return {
            "travel": float(sum(day.travel for day in self.days.values())),
            "early": float(sum(self.contacts[c].urgency * (offset - self.first_day)
                               for c, offset in self.day_of.items())),
            "balance": float(max(day_minutes.values(), default=0)),
        }

    def _soft(self) -> float:
        weights = self.prepared.week.weights
        terms = self.terms()
        return weights.travel * terms["travel"] + weights.early * terms["early"] + weights.balance * terms["balance"]

    def _day_minutes(self) -> dict[int, int]:
        return {offset: sum(self.contacts[c].minutes for c in day.members) for offset, day in self.days.items()}

    def cost(self) -> float:
        unplaced = len(self.contacts) - len(self.day_of)
        return UNPLACED_COST * unplaced + self._soft()

    # --- moves ---

    def one_pass(self) -> bool:
        improved = False
        for contact in range(len(self.contacts)):
            improved |= self._relocate(contact)
        for contact in range(len(self.contacts)):
            if contact not in self.day_of and self.prepared.starts[contact]:
                improved |= self._eject(contact)
        visits = [c for c in range(len(self.contacts)) if self.contacts[c].in_person and c in self.day_of]
        for index, a in enumerate(visits):
            for b in visits[index + 1:]:
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
        """Place a left-out contact by moving one contact of its day to another day."""
        for offset in sorted(self.prepared.starts[contact]):
            for other in list(self.days[offset].members):
                if not self._may_join(contact, offset, leaving=other):
                    continue
                for target in sorted(self.prepared.starts[other]):
                    if target == offset or not self._may_join(other, target, leaving=None):
                        continue
                    members = [c for c in self.days[offset].members if c != other] + [contact]
                    changes = {offset: self._build(offset, members),
                               target: self._build(target, [*self.days[target].members, other])}
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
        self.day_of.update(moved)
        if self.cost() < before:
            return True
        self.days.update(saved_days)
        for contact, previous in saved_places.items():
            if previous is None:
                self.day_of.pop(contact, None)
            else:
                self.day_of[contact] = previous
        return False

    # --- building one day ---

    def _without(self, offset: int, contact: int) -> _Day | None:
        """The day without `contact`: the others keep their times if the route still holds."""
        starts = {c: s for c, s in self.days[offset].starts.items() if c != contact}
        route = self._route(starts)
        if self._route_holds(offset, route, starts):
            return _Day(sorted(starts), starts, self._route_travel(route))
        # Only an unknown location (no coordinates, so no triangle inequality) gets here.
        return self._build(offset, sorted(starts))

    def _route_holds(self, offset: int, route: list[int], starts: dict[int, int]) -> bool:
        if not route:
            return True
        if starts[route[0]] not in self.first_ok[route[0]][offset]:
            return False
        if starts[route[-1]] not in self.last_ok[route[-1]][offset]:
            return False
        return all(starts[a] + self.contacts[a].minutes + self.prepared.travel[a][b] <= starts[b]
                   for a, b in itertools.pairwise(route))

    def _build(self, offset: int, members: list[int]) -> _Day | None:
        """Time the day's contacts: visits along a short route, calls in the earliest free slots."""
        visits = [c for c in members if self.contacts[c].in_person]
        calls = [c for c in members if not self.contacts[c].in_person]
        starts: dict[int, int] | None = None
        for order in (self._insertion_route(visits), self._by_earliest_start(offset, visits)):
            starts = self._time_route(offset, order)
            if starts is not None:
                break
        if starts is None:
            return None
        for call in sorted(calls, key=lambda c: (len(self.prepared.starts[c][offset]), c)):
            start = self._earliest_free(offset, call, starts)
            if start is None:
                return None
            starts[call] = start
        return _Day(sorted(starts), starts, self._route_travel(self._route(starts)))

    def _insertion_route(self, visits: list[int]) -> list[int]:
        """A short base -> visits -> base tour by cheapest insertion (times ignored)."""
        route: list[int] = []
        for visit in sorted(visits, key=lambda c: (-self.prepared.base_travel[c], c)):
            best = min(range(len(route) + 1), key=lambda at: (self._insert_cost(route, at, visit), at))
            route.insert(best, visit)
        return route

    def _insert_cost(self, route: list[int], at: int, visit: int) -> int:
        before = route[at - 1] if at > 0 else None
        after = route[at] if at < len(route) else None
        return self._leg(before, visit) + self._leg(visit, after) - self._leg(before, after)

    def _leg(self, a: int | None, b: int | None) -> int:
        if a is not None and b is not None:
            return self.prepared.travel[a][b]
        if a is not None:
            return self.prepared.base_travel[a]
        return 0 if b is None else self.prepared.base_travel[b]

    def _by_earliest_start(self, offset: int, visits: list[int]) -> list[int]:
        return sorted(visits, key=lambda c: (self.prepared.starts[c][offset][0], c))

    def _time_route(self, offset: int, order: list[int]) -> dict[int, int] | None:
        """Earliest start for each visit in order, leaving travel between them; None if one misses."""
        starts: dict[int, int] = {}
        previous: int | None = None
        for position, visit in enumerate(order):
            is_last = position == len(order) - 1
            ready = 0 if previous is None else (
                starts[previous] + self.contacts[previous].minutes + self.prepared.travel[previous][visit])
            chosen = next((s for s in self.prepared.starts[visit][offset]
                           if s >= ready
                           and (previous is not None or s in self.first_ok[visit][offset])
                           and (not is_last or s in self.last_ok[visit][offset])), None)
            if chosen is None:
                return None
            starts[visit] = chosen
            previous = visit
        return starts

    def _earliest_free(self, offset: int, call: int, starts: dict[int, int]) -> int | None:
        minutes = self.contacts[call].minutes
        busy = [(s, s + self.contacts[c].minutes) for c, s in starts.items()]
        return next((s for s in self.prepared.starts[call][offset]
                     if all(s + minutes <= b_start or b_end <= s for b_start, b_end in busy)), None)

    def _route(self, starts: dict[int, int]) -> list[int]:
        return [c for s, c in sorted((s, c) for c, s in starts.items()) if self.contacts[c].in_person]

    def _route_travel(self, route: list[int]) -> int:
        if not route:
            return 0
        legs = [self._leg(None, route[0]), self._leg(route[-1], None)]
        legs.extend(self.prepared.travel[a][b] for a, b in itertools.pairwise(route))
        return sum(legs)

    def placements(self) -> dict[int, Placement]:
        return {contact: (offset, self.days[offset].starts[contact])
                for contact, offset in sorted(self.day_of.items())}
