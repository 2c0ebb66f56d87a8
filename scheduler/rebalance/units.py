"""The rebalancing problem as plain data: the units that move whole, grouped so a solver counts them.

A unit is a household (when the policy keeps households together) or a single case. Units that
agree on everything the rebalancing model looks at (where they may go, points, case count, client
regions) share a *kind*; units of one kind held by one manager that also agree on what moving them
costs (cases moved, continuity) share a *bucket*. The solver then decides how many units of each
bucket leave and how many units of each kind every manager receives, instead of one yes/no per case
and manager — which is what lets a state agency's 25,000 cases solve in seconds.

No solver here: this module only reads the config (and the shared eligibility rules).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from models.organisation import Case, Config
from scheduler.core.eligibility import Eligibility, tied_household_refusal

POINT_SCALE = 1000
"""Points and capacities are integers in thousandths of a point inside the solver."""

PEAK_SCALE = 1000
"""Utilisation is an integer in thousandths (1000 = exactly at capacity)."""

RECENTLY_OPENED_DAYS = 60
"""A case opened this recently has little relationship to lose yet."""

NO_CONTACT_DAYS = 30
"""A case without a contact in this many days before the week has no current contact to lose."""

MOVE_COST_LIGHT = 1
MOVE_COST_FULL = 2

RegionCounts = tuple[tuple[str, int], ...]

MAX_RECEIVER_COLUMNS = 40_000
"""Above this many (kind, eligible manager) pairs, a kind's receivers are narrowed (see `_receivers`)."""

OUT_OF_REGION_RECEIVERS = 8
"""When narrowed: the kind's region, plus this many of the roomiest eligible managers elsewhere."""


def scaled(value: float) -> int:
    return round(value * POINT_SCALE)


def continuity_cost(config: Config, case: Case) -> int:
    """What moving the case costs its client: 0 for unassigned intake (placing it is no move),
    1 for a recently opened case or one without a contact this month, 2 otherwise."""
    if case.manager is None:
        return 0
    if case.opened is not None and case.opened >= config.week_start - timedelta(days=RECENTLY_OPENED_DAYS):
        return MOVE_COST_LIGHT
    recent_since = config.week_start - timedelta(days=NO_CONTACT_DAYS)
    if not any(contact.last is not None and contact.last >= recent_since for contact in case.contacts):
        return MOVE_COST_LIGHT
    return MOVE_COST_FULL


@dataclass(frozen=True)
class Unit:
    """Cases that go to one manager together."""

    id: str
    case_ids: tuple[str, ...]
    holders: tuple[tuple[str | None, int], ...]
    """(current manager or None for intake, number of the unit's cases they hold), sorted."""
    points: int
    cases: int
    eligible: tuple[str, ...]
    regions: RegionCounts
    locked_to: str | None
    continuity_by_holder: tuple[tuple[str, int], ...]
    """(current manager, continuity cost of the unit's cases they hold): the cost of moving those."""
    preferred: RegionCounts = ()
    """(preferred manager, cases of the unit whose client names them and whom they may carry), sorted."""

    @property
    def assigned_holders(self) -> tuple[str, ...]:
        return tuple(holder for holder, _ in self.holders if holder is not None)

    def moved_cases(self, destination: str) -> int:
        """Cases that change manager when the unit goes to `destination` (placing intake is no move)."""
        return sum(count for holder, count in self.holders if holder is not None and holder != destination)

    def continuity(self, destination: str) -> int:
        return sum(cost for holder, cost in self.continuity_by_holder if holder != destination)


@dataclass(frozen=True)
class Kind:
    """What a receiving manager sees of a unit."""

    eligible: tuple[str, ...]
    points: int
    cases: int
    regions: RegionCounts
    preferred: RegionCounts = ()


@dataclass(frozen=True)
class Bucket:
    """Units of one kind held whole by one manager, alike in what moving one costs."""

    holder: str
    kind: int
    moved_cases: int
    continuity: int
    unit_ids: tuple[str, ...]
    forced: bool
    """The holder may no longer carry these units, so every one of them must move."""

    @property
    def count(self) -> int:
        return len(self.unit_ids)


@dataclass(frozen=True)
class RebalanceProblem:
    """Everything the rebalancing model needs, in plain data, in a deterministic order."""

    config: Config
    manager_ids: tuple[str, ...]
    capacity: dict[str, int]
    max_cases: dict[str, int]
    region: dict[str, str | None]
    units: dict[str, Unit]
    kinds: tuple[Kind, ...]
    receivers: tuple[tuple[str, ...], ...]
    """Per kind: the managers that may receive it (its eligible managers unless narrowed)."""
    narrowed: bool
    buckets: tuple[Bucket, ...]
    pools: dict[int, tuple[str, ...]]
    """Kind -> units of pure intake (nobody holds any of their cases)."""
    loose: tuple[str, ...]
    """Units split across managers today (or tied to a locked case elsewhere): decided one by one."""
    fixed: dict[str, str]
    """Unit -> the manager it stays with (locked, or nobody else may take it)."""
    stranded: tuple[str, ...]
    """Units no manager may take: their unlocked cases are unassigned, with the rule; locked cases stay."""

    @cached_property
    def mandatory_moves(self) -> int:
        """Moves no plan avoids: units their holder may no longer carry, and split households
        reunited at the holder of most of their cases."""
        forced = sum(bucket.count * bucket.moved_cases for bucket in self.buckets if bucket.forced)
        reunited = sum(min(self.units[unit_id].moved_cases(m) for m in self.receivers_of(unit_id))
                       for unit_id in self.loose)
        return forced + reunited

    @cached_property
    def total_points(self) -> int:
        return sum(unit.points for unit in self.units.values())

    def fixed_load(self) -> dict[str, tuple[int, int]]:
        """Manager -> (points, cases) of the units that cannot move.

        Their assigned cases stay with whoever holds them; their intake joins the unit's manager.
        """
        load: dict[str, list[int]] = {manager_id: [0, 0] for manager_id in self.manager_ids}
        for unit_id in self.stranded:
            for case in self.locked_cases(unit_id):
                load[case.manager or ""][0] += scaled(self.config.case_points(case))
                load[case.manager or ""][1] += 1
        for unit_id, manager_id in self.fixed.items():
            for case_id in self.units[unit_id].case_ids:
                case = self.config.cases_by_id[case_id]
                holder = case.manager or manager_id
                load[holder][0] += scaled(self.config.case_points(case))
                load[holder][1] += 1
        return {manager_id: (values[0], values[1]) for manager_id, values in load.items()}

    def locked_cases(self, unit_id: str) -> list[Case]:
        """The unit's cases locked to their manager (they stay, whatever happens to the unit)."""
        cases = (self.config.cases_by_id[case_id] for case_id in self.units[unit_id].case_ids)
        return [case for case in cases if case.locked and case.manager is not None]

    loose_receivers: dict[str, tuple[str, ...]]
    """Per split household: the managers it may go to (its eligible managers unless narrowed)."""
    intake_cap: dict[str, int | None]
    """Manager -> the most cases new to them this week (None: no cap)."""

    def new_cases(self, unit_id: str, manager_id: str) -> int:
        """Cases of a unit new to `manager_id` when it ends there: all but those the manager holds today
        (intake counts; kept, only the unit's intake is new)."""
        return sum(count for holder, count in self.units[unit_id].holders if holder != manager_id)

    def fixed_new_cases(self) -> dict[str, int]:
        """Manager -> cases new to them that no plan avoids: intake joining a unit locked to them."""
        new = dict.fromkeys(self.manager_ids, 0)
        for unit_id, manager_id in self.fixed.items():
            new[manager_id] += self.new_cases(unit_id, manager_id)
        return new

    def receivers_of(self, unit_id: str) -> tuple[str, ...]:
        """Where a unit may go: its kind's receivers (or, for a split household, its own)."""
        kind = self.kind_of.get(unit_id)
        return self.loose_receivers.get(unit_id, self.units[unit_id].eligible) if kind is None \
            else self.receivers[kind]

    @cached_property
    def kind_of(self) -> dict[str, int]:
        kinds = {unit_id: bucket.kind for bucket in self.buckets for unit_id in bucket.unit_ids}
        kinds.update({unit_id: kind for kind, unit_ids in self.pools.items() for unit_id in unit_ids})
        return kinds

    def mismatches(self, kind_or_unit: Kind | Unit, manager_id: str) -> int:
        """Cases that would sit with a manager outside their client's region."""
        region = self.region[manager_id]
        if region is None:
            return 0
        return sum(count for client_region, count in kind_or_unit.regions if client_region != region)

    def away_from_preferred(self, kind_or_unit: Kind | Unit, manager_id: str) -> int:
        """Cases that would sit with another manager than the one their client prefers (who may carry them)."""
        return sum(count for preferred, count in kind_or_unit.preferred if preferred != manager_id)


def build_problem(config: Config, eligibility: Eligibility | None = None, *,
                  max_receiver_columns: int = MAX_RECEIVER_COLUMNS) -> RebalanceProblem:
    """Group the config's cases into units, kinds and buckets."""
    eligibility = eligibility or Eligibility(config)
    units = {unit.id: unit for unit in _units(config, eligibility)}
    kind_index: dict[Kind, int] = {}
    kinds_of: dict[str, Kind] = {}
    fixed: dict[str, str] = {}
    loose: list[str] = []
    stranded: list[str] = []
    movable: list[str] = []
    for unit_id in sorted(units):
        unit = units[unit_id]
        holders = unit.assigned_holders
        if unit.locked_to is not None and holders == (unit.locked_to,):
            fixed[unit_id] = unit.locked_to
        elif not unit.eligible:
            # Nobody may take it, not even its holder: its unlocked cases are unassigned with the rule
            # (leaving them with the holder kept a plan that broke that rule); locked cases stay.
            stranded.append(unit_id)
        elif len(set(holders)) > 1 or unit.locked_to is not None:
            loose.append(unit_id)
        else:
            movable.append(unit_id)
            kinds_of[unit_id] = Kind(unit.eligible, unit.points, unit.cases, unit.regions, unit.preferred)
    for kind in sorted(set(kinds_of.values()), key=_kind_key):
        kind_index[kind] = len(kind_index)
    buckets, pools = _buckets(units, movable, kinds_of, kind_index)
    kinds = tuple(kind_index)
    narrowed = sum(len(kind.eligible) for kind in kinds) > max_receiver_columns
    near = _Neighbourhood(config) if narrowed else None
    receivers = tuple(near.of(kind.eligible, kind.regions) if near else kind.eligible for kind in kinds)
    loose_receivers = {
        unit_id: near.of(units[unit_id].eligible, units[unit_id].regions, units[unit_id].assigned_holders)
        if near else units[unit_id].eligible
        for unit_id in loose
    }
    return RebalanceProblem(
        config=config,
        manager_ids=tuple(sorted(config.managers_by_id)),
        capacity={manager.id: scaled(config.capacity_points(manager)) for manager in config.managers},
        max_cases={manager.id: config.max_cases(manager) for manager in config.managers},
        region={manager.id: manager.region for manager in config.managers},
        units=units,
        kinds=kinds,
        receivers=receivers,
        loose_receivers=loose_receivers,
        intake_cap={manager.id: config.intake_cap(manager) for manager in config.managers},
        narrowed=narrowed,
        buckets=buckets,
        pools=pools,
        loose=tuple(loose),
        fixed=fixed,
        stranded=tuple(stranded),
    )


class _Neighbourhood:
    """A state agency's kinds x eligible managers run to hundreds of thousands of columns. Moves go
    overwhelmingly within the client's region, so a kind keeps the eligible managers of its region
    and the few roomiest eligible managers elsewhere (chains through a full region still find
    room). The proposal is then the fewest moves within that neighbourhood."""

    def __init__(self, config: Config) -> None:
        load: dict[str, float] = defaultdict(float)
        for case in config.cases:
            if case.manager is not None:
                load[case.manager] += config.case_points(case)
        self.room = {manager.id: load[manager.id] / config.capacity_points(manager) for manager in config.managers}
        self.region = {manager.id: manager.region for manager in config.managers}

    def of(self, eligible: tuple[str, ...], regions: RegionCounts, keep: tuple[str, ...] = ()) -> tuple[str, ...]:
        home = {name for name, _ in regions}
        inside = {m for m in eligible if not home or self.region[m] is None or self.region[m] in home}
        inside.update(m for m in keep if m in eligible)
        outside = sorted((m for m in eligible if m not in inside), key=lambda m: (self.room[m], m))
        return tuple(sorted(inside.union(outside[:OUT_OF_REGION_RECEIVERS])))


def _kind_key(kind: Kind) -> tuple[tuple[str, ...], int, int, RegionCounts, RegionCounts]:
    return (kind.eligible, kind.points, kind.cases, kind.regions, kind.preferred)


def _buckets(units: dict[str, Unit], movable: list[str], kinds_of: dict[str, Kind],
             kind_index: dict[Kind, int]) -> tuple[tuple[Bucket, ...], dict[int, tuple[str, ...]]]:
    grouped: dict[tuple[str, int, int, int, bool], list[str]] = defaultdict(list)
    pools: dict[int, list[str]] = defaultdict(list)
    for unit_id in movable:
        unit = units[unit_id]
        kind = kind_index[kinds_of[unit_id]]
        holders = unit.assigned_holders
        if not holders:
            pools[kind].append(unit_id)
            continue
        holder = holders[0]
        key = (holder, kind, unit.moved_cases(""), unit.continuity(""), holder not in unit.eligible)
        grouped[key].append(unit_id)
    buckets = tuple(
        Bucket(holder=key[0], kind=key[1], moved_cases=key[2], continuity=key[3],
               unit_ids=tuple(sorted(ids)), forced=key[4])
        for key, ids in sorted(grouped.items())
    )
    return buckets, {kind: tuple(sorted(ids)) for kind, ids in sorted(pools.items())}


def _units(config: Config, eligibility: Eligibility) -> list[Unit]:
    groups: dict[str, list[Case]] = defaultdict(list)
    for case in config.cases:
        if config.policy.households_together:
            key = config.clients_by_id[case.client].household_key
        else:
            key = f"case:{case.id}"
        groups[key].append(case)
    units: list[Unit] = []
    for key, cases in sorted(groups.items()):
        locked = sorted({str(case.manager) for case in cases if case.locked and case.manager is not None})
        if len(locked) >= 2:
            units.extend(_split_household(config, eligibility, key, cases, locked))
            continue
        kept, refused = _split_tied(eligibility, cases)
        units.append(_unit(config, eligibility, key, kept))
        if refused:
            units.append(_unit(config, eligibility, f"{key}:refused", refused, refused=True))
    return units


def _split_household(config: Config, eligibility: Eligibility, key: str, cases: list[Case],
                     locked: list[str]) -> list[Unit]:
    """A household with cases locked to two or more managers is split already: the locked cases stay,
    one unit per manager, and each other case goes on its own to whichever of those managers may carry it
    (none: it stays unassigned). One unit for all of them stranded cases a manager could carry (issue 21,
    finding 14)."""
    units = [_unit(config, eligibility, f"{key}:locked:{manager_id}",
                   [case for case in cases if case.locked and case.manager == manager_id])
             for manager_id in locked]
    for case in cases:
        if case.locked and case.manager is not None:
            continue
        takers = tuple(manager_id for manager_id in locked if eligibility.refusal(
            case if case.manager == manager_id else case.model_copy(update={"manager": None, "locked": False}),
            manager_id) is None)
        units.append(_unit(config, eligibility, f"{key}:{case.id}", [case], eligible=takers))
    return units


def _split_tied(eligibility: Eligibility, cases: list[Case]) -> tuple[list[Case], list[Case]]:
    """A household tied to one locked case's manager keeps only the cases that manager may carry;
    the others (refused) stay unassigned. Keeping them with the household put a `high` case with a
    junior, or a family with a manager on leave all week: plans that broke a rule."""
    kept = [case for case in cases if tied_household_refusal(eligibility, case, cases) is None]
    return kept, [case for case in cases if case not in kept]


def _unit(config: Config, eligibility: Eligibility, key: str, cases: list[Case], *, refused: bool = False,
          eligible: tuple[str, ...] | None = None) -> Unit:
    """One unit; `eligible`: who may take it when a household rule has decided that already."""
    cases = sorted(cases, key=lambda case: case.id)
    if eligible is None:
        eligible = eligibility.managers_for(cases[0])  # sorted; intersections keep that order
        for case in cases[1:]:
            allowed = set(eligibility.managers_for(case))
            eligible = tuple(manager_id for manager_id in eligible if manager_id in allowed)
    holders = Counter(case.manager for case in cases)
    continuity: dict[str, int] = defaultdict(int)
    for case in cases:
        if case.manager is not None:
            continuity[case.manager] += continuity_cost(config, case)
    regions = Counter(config.clients_by_id[case.client].region for case in cases)
    preferred = Counter(config.clients_by_id[case.client].preferred_manager for case in cases)
    locked = sorted({case.manager for case in cases if case.locked and case.manager is not None})
    return Unit(
        id=key,
        case_ids=tuple(case.id for case in cases),
        holders=tuple(sorted(holders.items(), key=lambda item: (item[0] is None, item[0] or ""))),
        points=sum(scaled(config.case_points(case)) for case in cases),
        cases=len(cases),
        # Cases locked to two different managers leave the household nowhere to go together; cases the
        # locked case's manager refused go nowhere.
        eligible=eligible if len(locked) <= 1 and not refused else (),
        regions=tuple(sorted((region, count) for region, count in regions.items() if region is not None)),
        locked_to=locked[0] if locked else None,
        continuity_by_holder=tuple(sorted(continuity.items())),
        preferred=tuple(sorted((manager_id, count) for manager_id, count in preferred.items()
                               if manager_id is not None and manager_id in eligible)),
    )


def peak_lower_bound(problem: RebalanceProblem) -> int:
    """A proven floor under the best peak (thousandths), without a solver: every group of managers
    must carry, between them, the units only they may take (a Hall-type bound). The groups tried
    are the distinct eligible sets and all managers; sets are bitmasks, so subsets are cheap."""
    index = {manager_id: bit for bit, manager_id in enumerate(problem.manager_ids)}
    fixed = problem.fixed_load()
    demand: dict[int, int] = defaultdict(int)
    for unit_id, unit in problem.units.items():
        if unit_id in problem.fixed or unit_id in problem.stranded:
            continue
        mask = 0
        for manager_id in unit.eligible:
            mask |= 1 << index[manager_id]
        demand[mask] += unit.points
    everyone = (1 << len(problem.manager_ids)) - 1
    bound = 0
    for group in [*demand, everyone]:
        members = [m for m in problem.manager_ids if group >> index[m] & 1]
        capacity = sum(problem.capacity[m] for m in members)
        if not capacity:
            continue
        load = sum(fixed[m][0] for m in members)
        load += sum(points for mask, points in demand.items() if mask & ~group == 0)
        bound = max(bound, -(-PEAK_SCALE * load // capacity))
    for manager_id in problem.manager_ids:
        bound = max(bound, -(-PEAK_SCALE * fixed[manager_id][0] // problem.capacity[manager_id]))
    return bound
