"""Plain data for one manager's week, and the facts every schedule solver derives from it.

A `ManagerWeek` is what crosses the process boundary (small, picklable, no solver objects).
`prepare_week` turns it into a `PreparedWeek`: the candidate start times of every contact on
every day, the starts allowed for the day's first and last in-person visit (travel from and to
the manager's base inside the manager's window), the travel matrix, each day's blocked time and
each contact's deadline. The CP-SAT model, the heuristics and the reason codes all read the same
prepared facts, so they cannot disagree.

Travel is time: the in-person visits of a day form a route base -> visit -> ... -> base, and each
leg occupies the manager. The leg into a visit occupies [start - travel, start) (from the previous
visit's place, or from the base for the day's first), the leg home after the last visit
[end, end + travel). No leg overlaps a contact (calls and video included), lunch or time outside
the manager's windows. `day_is_valid` is that rule in one place, for every heuristic.

An introduction (the first contact of a case new to its manager) ends before the case's other
contacts start: on an earlier day, or earlier the same day (`order_kept`, `day_order_kept`). It is
spaced from nothing: its `case_id` is the case's `introduction_key`, and `introduces` names the case.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scheduler.core.slots import Span, day_starts
from scheduler.core.travel import Place, TravelTable, travel_minutes

# Blocked time outside a manager's windows reaches this far beyond the day (legs never go further).
DAY_EDGE = 24 * 60


# Late days a monthly visit counts on top when it slips past the end of the month it is for: more than the
# six days any contact can wait within a week.
MISSED_MONTH_DAYS = 7
# Day offsets of a week: 0 (Monday) to 6.
WEEK_DAYS = 7


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
    due_offset: int  # the due day, in days after the week's Monday (negative: due before the week)
    client_windows: tuple[tuple[int, tuple[Span, ...]], ...]  # (day offset, windows) per day
    introduces: str = ""  # an introduction: the case whose other contacts it precedes
    fixed: bool = False  # an appointment: its one candidate slot is the agreed time
    # Calendar-month compliance: the offset of the last day of the month this visit is for, when that month
    # ends within the week (placed later, the month goes without it); None otherwise.
    month_end: int | None = None

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
    # in-person visit (the trip from / back to the base fits the manager's window, misses lunch)
    first_ok: list[dict[int, tuple[int, ...]]]
    last_ok: list[dict[int, tuple[int, ...]]]
    travel: TravelTable  # between contacts (0 unless both are in person), travel[a][b]
    base_travel: list[int]  # base <-> contact (0 unless in person)
    blocked: dict[int, tuple[Span, ...]]  # per day: lunch and the time outside the manager's windows
    # contact -> the introduction of its case, which must end before the contact starts
    introduced_by: dict[int, int]

    @property
    def day_offsets(self) -> list[int]:
        return [day.offset for day in self.week.days]

    @functools.cached_property
    def first_ok_sets(self) -> list[dict[int, frozenset[int]]]:
        """`first_ok` as sets, made once for every search of the week (a week of thousands of contacts
        made them again for each)."""
        return [{day: frozenset(starts) for day, starts in by_day.items()} for by_day in self.first_ok]

    @functools.cached_property
    def last_ok_sets(self) -> list[dict[int, frozenset[int]]]:
        return [{day: frozenset(starts) for day, starts in by_day.items()} for by_day in self.last_ok]

    def has_any_slot(self, contact: int) -> bool:
        return bool(self.starts[contact])

    def late_days(self, contact: int, offset: int) -> int:
        """Days the contact waits past its deadline when placed on day `offset`, counted from the
        week's Monday at the earliest: an overdue contact is late whatever the week does, and only
        the days it waits within the week are the schedule's doing. A monthly visit that slips past the
        end of the month it is for counts MISSED_MONTH_DAYS more: a month without its visit weighs more
        than any contact's whole week of waiting (calendar-month compliance)."""
        return self._late_table[contact][offset]

    @functools.cached_property
    def _late_table(self) -> list[tuple[int, ...]]:
        """late_days of every contact on each day of the week, worked out once: the local searches ask it
        hundreds of thousands of times a week."""
        table = []
        for item in self.week.contacts:
            due = max(0, item.due_offset)
            table.append(tuple(max(0, offset - due) + (MISSED_MONTH_DAYS if item.month_end is not None
                                                       and offset > item.month_end else 0)
                               for offset in range(WEEK_DAYS)))
        return table

    def fits_alone(self, contact: int, *, by: int | None = None) -> bool:
        """Whether the contact fits on a day of its own (up to day `by`): a start where the trips from
        and back to the base fit the manager's windows and miss lunch."""
        return any(set(self.first_ok[contact][offset]) & set(self.last_ok[contact][offset])
                   for offset in self.starts[contact] if by is None or offset <= by)

    def can_be_on_time(self, contact: int) -> bool:
        """Whether the contact fits, alone on its manager's day, on a day up to its deadline."""
        return self.fits_alone(contact, by=self.week.contacts[contact].due_offset)


def prepare_week(week: ManagerWeek) -> PreparedWeek:
    speed = week.rules.travel_speed_kmh
    places = [contact.location if contact.in_person else None for contact in week.contacts]
    matrix = TravelTable(places, speed)
    base_travel = [travel_minutes(week.base, place, speed) for place in places]
    lunch = week.rules.lunch
    starts, first_ok, last_ok = [], [], []
    for index, contact in enumerate(week.contacts):
        by_day: dict[int, tuple[int, ...]] = {}
        first_by_day: dict[int, tuple[int, ...]] = {}
        last_by_day: dict[int, tuple[int, ...]] = {}
        trip = base_travel[index]
        for day in week.days:
            found = day_starts(day.windows, contact.windows_on(day.offset), contact.minutes, trip, contact.in_person,
                               week.rules.slot_minutes, lunch)
            candidates, first, last = found.candidates, found.first, found.last
            if candidates:
                by_day[day.offset] = candidates
                first_by_day[day.offset] = first
                last_by_day[day.offset] = last
        starts.append(by_day)
        first_ok.append(first_by_day)
        last_ok.append(last_by_day)
    blocked = {day.offset: blocked_spans(day.windows, lunch) for day in week.days}
    return PreparedWeek(week, starts, first_ok, last_ok, matrix, base_travel, blocked, _introductions(week))


def introduction_key(case_id: str) -> str:
    """The spacing key (`ContactInput.case_id`) of a case's introduction."""
    return f"{case_id}#introduction"


def _introductions(week: ManagerWeek) -> dict[int, int]:
    intro = {contact.introduces: index for index, contact in enumerate(week.contacts) if contact.introduces}
    return {index: intro[contact.case_id] for index, contact in enumerate(week.contacts)
            if not contact.introduces and contact.case_id in intro}


def order_kept(prepared: PreparedWeek, starts: Mapping[int, int]) -> bool:
    """Whether, among contacts of one day at `starts`, every introduction ends before its case's
    other contacts start."""
    if not prepared.introduced_by:
        return True
    contacts = prepared.week.contacts
    return all(starts[intro] + contacts[intro].minutes <= start
               for contact, start in starts.items()
               if (intro := prepared.introduced_by.get(contact)) is not None and intro in starts)


def day_order_kept(prepared: PreparedWeek, contact: int, offset: int, day_of: Mapping[int, int]) -> bool:
    """Whether `contact` on day `offset` keeps introductions first across days: an introduction on
    no later day than its case's other contacts (`day_of`: the days of the placed contacts)."""
    if not prepared.introduced_by:
        return True
    intro = prepared.introduced_by.get(contact)
    if intro is not None:
        return day_of.get(intro, offset) <= offset
    if prepared.week.contacts[contact].introduces:
        return all(offset <= day for other, day in day_of.items() if prepared.introduced_by.get(other) == contact)
    return True


def blocked_spans(windows: tuple[Span, ...], lunch: Span | None) -> tuple[Span, ...]:
    """Lunch and the time outside the manager's windows that day, sorted and disjoint (the model
    puts them in a no-overlap): no leg may touch them."""
    spans: list[Span] = [] if lunch is None else [lunch]
    edge = -DAY_EDGE
    for start, end in sorted(windows):
        if start > edge:
            spans.append((edge, start))
        edge = max(edge, end)
    spans.append((edge, 2 * DAY_EDGE))
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def urgency(overdue: bool, complexity_rank: int, complexity_count: int) -> int:
    """How much a day's delay matters: complexity rank, plus the whole scale when overdue."""
    return complexity_rank + (complexity_count if overdue else 0)


Placement = tuple[int, int]  # (day offset, start minute)


# --- a day's route and its legs: the one definition every solver and the reason codes use ---


def route_of(prepared: PreparedWeek, starts: Mapping[int, int]) -> list[int]:
    """The day's in-person visits in start order (the route from the base and back to it)."""
    contacts = prepared.week.contacts
    return [contact for _, contact in sorted((start, contact) for contact, start in starts.items()
                                             if contacts[contact].in_person)]


def legs_of(prepared: PreparedWeek, starts: Mapping[int, int]) -> list[Span]:
    """The day's travel legs: into each visit [start - travel, start) and home after the last
    [end, end + travel). Legs of no minutes (one household, unknown places) are left out."""
    route = route_of(prepared, starts)
    legs: list[Span] = []
    previous: int | None = None
    for visit in route:
        minutes = prepared.base_travel[visit] if previous is None else prepared.travel[previous][visit]
        if minutes:
            legs.append((starts[visit] - minutes, starts[visit]))
        previous = visit
    if route:
        last = route[-1]
        end = starts[last] + prepared.week.contacts[last].minutes
        if prepared.base_travel[last]:
            legs.append((end, end + prepared.base_travel[last]))
    return legs


def day_is_valid(prepared: PreparedWeek, offset: int, starts: Mapping[int, int]) -> bool:
    """Whether contacts at `starts` (each a candidate start of its own) keep the day's rules
    between them: no two overlap, an introduction ends before its case's other contacts start, and no
    travel leg overlaps a contact, lunch or time outside the
    manager's windows. (The daily limit and the spacing of one case's contacts are the callers'.)"""
    contacts = prepared.week.contacts
    if not order_kept(prepared, starts):
        return False
    spans = sorted((start, start + contacts[contact].minutes) for contact, start in starts.items())
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            return False
    blocked = prepared.blocked[offset]
    return not any(_hits(leg, spans) or _hits(leg, blocked) for leg in legs_of(prepared, starts))


def _hits(leg: Span, spans: Iterable[Span]) -> bool:
    return any(leg[0] < end and start < leg[1] for start, end in spans)


def route_minutes(prepared: PreparedWeek, route: list[int]) -> int:
    """Minutes of the tour base -> route -> base."""
    if not route:
        return 0
    inner: int = sum(prepared.travel[a][b] for a, b in itertools.pairwise(route))
    return prepared.base_travel[route[0]] + inner + prepared.base_travel[route[-1]]


# Up to this many visits a day the shortest tour is found exactly (Held-Karp: 2^n n^2 steps).
EXACT_ROUTE_VISITS = 10
# Up to this many every tour is listed (7! = 5,040), shortest first: the shortest one whose visits can
# be timed (client windows, lunch) is usually not far down the list.
ENUMERATED_ROUTE_VISITS = 7


def shortest_routes(prepared: PreparedWeek, visits: list[int], count: int = 1) -> list[list[int]]:
    """Up to `count` of the shortest tours base -> visits -> base, shortest first (mirrors are
    tours too). Every tour up to ENUMERATED_ROUTE_VISITS visits; up to EXACT_ROUTE_VISITS the shortest
    tour ending at each visit, from a dynamic program over subsets; beyond that, cheapest insertion.
    """
    if len(visits) <= 1:
        return [list(visits)]
    if len(visits) > EXACT_ROUTE_VISITS:
        return [insertion_route(prepared, visits)]
    if len(visits) <= ENUMERATED_ROUTE_VISITS:
        tours = sorted((route_minutes(prepared, list(order)), list(order))
                       for order in itertools.permutations(sorted(visits)))
        return [tour for _, tour in tours[:count]]
    return _held_karp(prepared, sorted(visits))[:count]


def _held_karp(prepared: PreparedWeek, visits: list[int]) -> list[list[int]]:
    """Shortest tours, one per last visit, ordered by length (ties by the visits' order)."""
    size = len(visits)
    travel = prepared.travel
    base = prepared.base_travel
    # cost[mask][j]: shortest path base -> the visits in mask, ending at visit j (j in mask)
    full = (1 << size) - 1
    cost: list[list[float]] = [[float("inf")] * size for _ in range(full + 1)]
    parent: list[list[int]] = [[-1] * size for _ in range(full + 1)]
    for j in range(size):
        cost[1 << j][j] = base[visits[j]]
    for mask in range(1, full + 1):
        row = cost[mask]
        for j in range(size):
            here = row[j]
            if here == float("inf"):
                continue
            from_j = travel[visits[j]]
            for k in range(size):
                bit = 1 << k
                if mask & bit:
                    continue
                value = here + from_j[visits[k]]
                target = mask | bit
                if value < cost[target][k]:
                    cost[target][k] = value
                    parent[target][k] = j
    ends = sorted(range(size), key=lambda j: (cost[full][j] + base[visits[j]], j))
    tours = []
    for end in ends:
        order, mask, j = [], full, end
        while j != -1:
            order.append(visits[j])
            mask, j = mask & ~(1 << j), parent[mask][j]
        tours.append(order[::-1])
    return tours


def insertion_route(prepared: PreparedWeek, visits: list[int]) -> list[int]:
    """A short tour by cheapest insertion, farthest visits first."""
    route: list[int] = []
    for visit in sorted(visits, key=lambda c: (-prepared.base_travel[c], c)):
        best = min(range(len(route) + 1), key=lambda at: (_insert_cost(prepared, route, at, visit), at))
        route.insert(best, visit)
    return route


def _insert_cost(prepared: PreparedWeek, route: list[int], at: int, visit: int) -> int:
    before = route[at - 1] if at > 0 else None
    after = route[at] if at < len(route) else None
    return _leg(prepared, before, visit) + _leg(prepared, visit, after) - _leg(prepared, before, after)


def _leg(prepared: PreparedWeek, a: int | None, b: int | None) -> int:
    if a is not None and b is not None:
        return prepared.travel[a][b]
    if a is not None:
        return prepared.base_travel[a]
    return 0 if b is None else prepared.base_travel[b]


def travel_of(prepared: PreparedWeek, placements: dict[int, Placement]) -> tuple[dict[int, int], int]:
    """Travel leading into every placed contact, and the week's total including trips home.

    In-person visits of a day are taken in start order from the base and back to it; phone and
    video contacts travel nowhere.
    """
    before = {contact: 0 for contact in placements}
    total = 0
    by_day: dict[int, dict[int, int]] = {}
    for contact, (offset, start) in placements.items():
        by_day.setdefault(offset, {})[contact] = start
    for offset in sorted(by_day):
        route = route_of(prepared, by_day[offset])
        previous: int | None = None
        for contact in route:
            before[contact] = _leg(prepared, previous, contact)
            previous = contact
        total += route_minutes(prepared, route)
    return before, total


# --- the objective's weights: written once, read by the model, the search and the outcome ---


# Soft weights are policy floats; CP-SAT wants integers, so they are scaled and rounded.
WEIGHT_SCALE = 100
SOFT_TERMS = ("early", "balance", "travel")


@dataclass(frozen=True)
class Weights:
    """Integer weights (WEIGHT_SCALE per policy unit) of the week's terms, most important first:
    an unplaced contact outweighs every late day and soft term together; a late day (past the
    contact's deadline) outweighs every soft term together; then the policy's soft terms."""

    unplaced: int
    late: int
    soft: dict[str, int]  # only the terms with a non-zero weight

    def total(self, unplaced: int, values: Mapping[str, float]) -> float:
        """The week's cost for `unplaced` contacts left out and the terms' natural values."""
        soft = sum(weight * values.get(name, 0.0) for name, weight in self.soft.items())
        return float(self.unplaced * unplaced + self.late * values.get("late", 0.0) + soft)


def objective_weights(prepared: PreparedWeek) -> Weights:
    policy = prepared.week.weights
    scaled = {"early": round(policy.early * WEIGHT_SCALE), "balance": round(policy.balance * WEIGHT_SCALE),
              "travel": round(policy.travel * WEIGHT_SCALE)}
    soft = {name: weight for name, weight in scaled.items() if weight}
    ceilings = term_ceilings(prepared)
    soft_most = sum(weight * ceilings[name] for name, weight in soft.items())
    late = 1 + soft_most
    return Weights(unplaced=1 + late * ceilings["late"] + soft_most, late=late, soft=soft)


def term_ceilings(prepared: PreparedWeek) -> dict[str, int]:
    """More than each term can reach in any schedule of the week."""
    contacts = prepared.week.contacts
    offsets = prepared.day_offsets
    span = max(offsets, default=0) - min(offsets, default=0)
    return {
        "early": sum(contact.urgency for contact in contacts) * span,
        "balance": sum(contact.minutes for contact in contacts),
        "travel": sum(prepared.travel.farthest_bound(c) + 2 * prepared.base_travel[c] for c in range(len(contacts))),
        "late": sum(max((prepared.late_days(c, offset) for offset in prepared.starts[c]), default=0)
                    for c in range(len(contacts))),
    }
