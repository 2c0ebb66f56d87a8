"""The assignment problem in aggregated form: bundles of cases, item types and managers.

Pure Python, no solver. Everything the assignment model, the LP bound, the greedy and the mapping
back to case ids need is computed here once:

* A **bundle** is what moves as one: every unlocked case of a household when the policy keeps
  households together (else one case). Locked cases never move; they are fixed load.
* An **item type** groups interchangeable bundles: same eligibility classes of their cases, same
  points, same case count, same client regions, same extra restriction (a household tied to a
  locked case's manager) and, for a bundle whose cases sit with different managers today, its own
  type (a split household is unique: its move count depends on where it goes).
* Per type: `held[m]` (bundles currently all with manager m), `intake` (bundles with no single
  holder), `keepers` (holders who may keep them: still eligible), `receivers` (managers who may
  take them as new work).

Points and capacities are measured in hundredths of a point (integers); see `scaled`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from models.organisation import Case, Config
from scheduler.core.eligibility import CaseClass, Eligibility, tied_household_refusal

POINT_SCALE = 100
# Utilisation is counted in whole percent, rounded up (81.2% counts as 82).
UTILISATION_UNITS = 100


@dataclass
class Counts:
    """A solution of the aggregated model: bundles kept, received and unassigned per type."""

    kept: dict[tuple[int, int], int] = field(default_factory=dict)  # (manager, type)
    received: dict[tuple[int, int], int] = field(default_factory=dict)
    unassigned: dict[int, int] = field(default_factory=dict)


def scaled(points: float) -> int:
    """Points in integer hundredths: the unit every model and `score_plan` use."""
    return round(points * POINT_SCALE)


@dataclass(frozen=True)
class ManagerData:
    index: int
    id: str
    level_rank: int
    region: str | None
    capacity: int  # scaled points
    max_cases: int
    fixed_load: int  # locked cases, scaled points
    fixed_cases: int
    minutes: int = 0  # the minutes the manager's week holds (scheduler/core/week_time.py)
    fixed_minutes: int = 0  # locked cases' contact and travel minutes this week
    # Contacts the week holds: policy.scheduling.max_contacts_per_day on each working day (0: no day).
    slots: int = 0
    fixed_contacts: int = 0  # locked cases' contacts due this week
    intake_cap: int | None = None  # the most cases new to the manager this week (None: no cap)

    def overtime(self, minutes: int, contacts: int) -> int:
        """Minutes beyond what the week holds: its minutes over, or its contacts beyond its contact slots
        at the week's minutes per slot (rounded up), whichever is more. The schedule cannot place more
        contacts a day than the limit, however short they are, so balancing counts both."""
        over = minutes - self.minutes
        if self.slots and contacts > self.slots:
            over = max(over, -(-(contacts - self.slots) * self.minutes // self.slots))
        return max(0, over)


@dataclass(frozen=True)
class Bundle:
    """Cases that move together (a household, or one case)."""

    key: str
    case_ids: tuple[str, ...]
    holder: int | None  # manager index holding every case today, else None
    current: tuple[tuple[int, int], ...]  # (manager index, cases held today), split households


@dataclass
class ItemType:
    index: int
    points: int  # scaled, per bundle
    cases: int  # cases per bundle
    regions: tuple[str | None, ...]  # client region of each case
    receivers: tuple[int, ...]  # manager indices, sorted
    keepers: frozenset[int]
    split_moves: dict[int, int] | None  # split household: moves if placed at manager (default: all)
    current_cases: int  # split households only: cases that have a manager today
    contact_minutes: int = 0  # minutes of the contacts due this week, per bundle
    contacts: int = 0  # contacts due this week, per bundle
    visits: int = 0  # in-person contacts due this week, per bundle
    # Contact minutes plus the drives per visit from each manager's base who may hold the bundle: the
    # mean over the type's bundles (`finish_minutes`; the conversion then gives each manager the nearest).
    minutes: dict[int, int] = field(default_factory=dict)
    held: dict[int, int] = field(default_factory=dict)
    intake: int = 0
    # Per case of a bundle whose client prefers a manager who may carry it: that manager (sorted indices).
    preferred: tuple[int, ...] = ()
    bundles: list[Bundle] = field(default_factory=list)

    def minutes_at(self, manager: int) -> int:
        """Minutes one bundle of the type needs on `manager`'s week (contacts and drives)."""
        return self.minutes.get(manager, self.contact_minutes)

    @property
    def total(self) -> int:
        return self.intake + sum(self.held.values())

    def new_at(self, manager: int) -> int:
        """Cases of one bundle that are new to `manager` when it is received there (not kept): all of
        them, but for a split household the cases `manager` holds already."""
        return self.cases - (self.current_cases - self.moves_at(manager))

    def moves_at(self, manager: int | None) -> int:
        """Split households: cases moved when the bundle ends at `manager` (None: unassigned)."""
        if self.split_moves is None or manager is None:
            return self.current_cases
        return self.split_moves.get(manager, self.current_cases)


@dataclass
class AssignmentData:
    config: Config
    eligibility: Eligibility
    managers: list[ManagerData]
    types: list[ItemType]
    levels: list[int]  # level ranks that have at least one manager
    # Cases that cannot go anywhere as part of their bundle: case id -> (rule, reason).
    blocked: dict[str, tuple[str, str]] = field(default_factory=dict)
    intake_capped: bool = False  # some manager has an intake cap (else the greedy need not count new cases)

    def preference_misses(self, item: ItemType, manager: int) -> int:
        """Cases of one bundle of `item` at `manager` away from a preferred manager who may carry them."""
        return sum(1 for preferred in item.preferred if preferred != manager)

    def region_mismatches(self, item: ItemType, manager: int) -> int:
        region = self.managers[manager].region
        if region is None:
            return 0
        return sum(1 for client_region in item.regions if client_region is not None and client_region != region)

    def managers_of_level(self, rank: int) -> list[int]:
        return [manager.index for manager in self.managers if manager.level_rank == rank]

    def loads(self, counts: Counts) -> tuple[list[int], list[int]]:
        """Scaled load and case count of every manager under `counts`."""
        load = [manager.fixed_load for manager in self.managers]
        cases = [manager.fixed_cases for manager in self.managers]
        for source in (counts.kept, counts.received):
            for (manager, index), count in source.items():
                load[manager] += count * self.types[index].points
                cases[manager] += count * self.types[index].cases
        return load, cases

    def minute_loads(self, counts: Counts) -> list[int]:
        """Contact and travel minutes of every manager's week under `counts`."""
        minutes = [manager.fixed_minutes for manager in self.managers]
        for source in (counts.kept, counts.received):
            for (manager, index), count in source.items():
                minutes[manager] += count * self.types[index].minutes_at(manager)
        return minutes

    def contact_loads(self, counts: Counts) -> list[int]:
        """Contacts due this week in every manager's week under `counts`."""
        contacts = [manager.fixed_contacts for manager in self.managers]
        for source in (counts.kept, counts.received):
            for (manager, index), count in source.items():
                contacts[manager] += count * self.types[index].contacts
        return contacts

    def new_cases(self, counts: Counts) -> list[int]:
        """Cases new to every manager under `counts` (received bundles; the intake cap counts these)."""
        new = [0] * len(self.managers)
        for (manager, index), count in counts.received.items():
            new[manager] += count * self.types[index].new_at(manager)
        return new

    def within_intake_caps(self, counts: Counts) -> bool:
        """Whether no manager receives more new cases than their intake cap."""
        return all(manager.intake_cap is None or new <= manager.intake_cap
                   for manager, new in zip(self.managers, self.new_cases(counts), strict=True))

    def overtime(self, counts: Counts) -> int:
        """Minutes beyond the weeks (`ManagerData.overtime`), summed over managers."""
        minutes, contacts = self.minute_loads(counts), self.contact_loads(counts)
        return sum(manager.overtime(minutes[manager.index], contacts[manager.index]) for manager in self.managers)

    def peaks(self, counts: Counts) -> tuple[dict[int, int], int]:
        """Peak utilisation in UTILISATION_UNITS (rounded up) per level rank, and overall."""
        load, _ = self.loads(counts)
        peaks: dict[int, int] = {rank: 0 for rank in self.levels}
        for manager in self.managers:
            per_unit = -(-UTILISATION_UNITS * load[manager.index] // manager.capacity)
            peaks[manager.level_rank] = max(peaks[manager.level_rank], per_unit)
        return peaks, max(peaks.values(), default=0)


def build_data(config: Config, eligibility: Eligibility | None = None,
               minutes_held: Mapping[str, int] | None = None) -> AssignmentData:
    """Bundles, item types and managers of `config`, in a deterministic order. `minutes_held`: what
    the schedule found some managers' weeks can really hold (balancing's own units: contact minutes and
    one drive per visit); their week's minutes are cut to it."""
    held = minutes_held or {}
    eligibility = eligibility or Eligibility(config)
    managers = sorted(config.managers, key=lambda item: item.id)
    index_of = {manager.id: index for index, manager in enumerate(managers)}
    week = eligibility.week_time
    fixed_load: dict[str, int] = defaultdict(int)
    fixed_cases: dict[str, int] = defaultdict(int)
    fixed_minutes: dict[str, int] = defaultdict(int)
    fixed_contacts: dict[str, int] = defaultdict(int)
    for case in config.cases:
        if case.locked and case.manager is not None:
            fixed_load[case.manager] += scaled(config.case_points(case))
            fixed_cases[case.manager] += 1
            fixed_minutes[case.manager] += week.case_minutes(case, config.managers_by_id[case.manager])
            fixed_contacts[case.manager] += week.contacts(case)
    manager_data = [
        ManagerData(index=index, id=manager.id, level_rank=config.policy.level_rank(manager.level),
                    region=manager.region, capacity=scaled(config.capacity_points(manager)),
                    max_cases=config.max_cases(manager), fixed_load=fixed_load[manager.id],
                    fixed_cases=fixed_cases[manager.id],
                    minutes=min(week.available_minutes(manager), held.get(manager.id, week.available_minutes(manager))),
                    fixed_minutes=fixed_minutes[manager.id], slots=week.contact_slots(manager),
                    fixed_contacts=fixed_contacts[manager.id], intake_cap=config.intake_cap(manager))
        for index, manager in enumerate(managers)
    ]
    data = AssignmentData(config=config, eligibility=eligibility, managers=manager_data, types=[],
                          levels=sorted({manager.level_rank for manager in manager_data}),
                          intake_capped=any(manager.intake_cap is not None for manager in manager_data))
    _add_bundles(data, index_of)
    _finish_minutes(data)
    return data


def _groups(config: Config) -> dict[str, list[Case]]:
    """Cases that must share a manager, keyed by household (or case id), cases sorted by id."""
    groups: dict[str, list[Case]] = defaultdict(list)
    together = config.policy.households_together
    for case in sorted(config.cases, key=lambda item: item.id):
        client = config.clients_by_id[case.client]
        key = f"household:{client.household_key}" if together else f"case:{case.id}"
        groups[key].append(case)
    return groups


_TypeKey = tuple[object, ...]


class _Rules:
    """Eligibility answers cached per case class (and per class x current manager)."""

    def __init__(self, data: AssignmentData, index_of: Mapping[str, int]) -> None:
        self.data = data
        self.index_of = index_of
        # Receiver sets by the tuple of ids eligibility returns (many cases share one).
        self._receivers: dict[tuple[str, ...], frozenset[int]] = {}

    def receivers(self, cases: list[Case]) -> set[int]:
        """Managers who may take every case as new work (the current-manager exemption does not apply)."""
        found: set[int] | None = None
        for case in cases:
            fresh = case.model_copy(update={"manager": None, "locked": False})
            ids = self.data.eligibility.managers_for(fresh)
            allowed = self._receivers.get(ids)
            if allowed is None:
                allowed = self._receivers[ids] = frozenset(self.index_of[manager_id] for manager_id in ids)
            found = set(allowed) if found is None else found & allowed
        return found or set()

    def may_keep(self, case: Case, manager_id: str) -> bool:
        return self.data.eligibility.refusal(case, manager_id) is None


def _add_bundles(data: AssignmentData, index_of: Mapping[str, int]) -> None:
    config = data.config
    rules = _Rules(data, index_of)
    by_key: dict[_TypeKey, ItemType] = {}
    groups = _groups(config)
    for key in sorted(groups):
        members = groups[key]
        locked = [case for case in members if case.locked and case.manager is not None]
        movable = [case for case in members if not (case.locked and case.manager is not None)]
        if not movable:
            continue
        tied_to = sorted({index_of[case.manager] for case in locked if case.manager is not None})
        if len(tied_to) == 1:
            # A household with a locked case goes where the locked case is, but only the cases that
            # manager may carry (keep, or take as new work); the rest stay unassigned with the reason.
            movable, refused = _tie_to_locked_manager(data, movable, locked)
            if refused:
                _add_bundle(data, rules, by_key, f"{key}:refused", refused, set(), tied_to, blocked=True)
            if movable:
                _add_bundle(data, rules, by_key, key, movable, {tied_to[0]}, tied_to)
        elif tied_to:
            # Cases locked to two or more managers split the household already: each other case goes, on
            # its own, to whichever of them may carry it. Leaving them all unassigned said "who may not
            # carry it" of a manager who could (issue 21, finding 14).
            for case in movable:
                takers = {manager for manager in tied_to if data.eligibility.refusal(
                    _as_given(case, data.managers[manager].id), data.managers[manager].id) is None}
                _add_bundle(data, rules, by_key, f"{key}:{case.id}", [case], takers, tied_to)
        else:
            _add_bundle(data, rules, by_key, key, movable, rules.receivers(movable), tied_to)
    for item in data.types:
        # Keeping is allowed per holder; a holder who may not keep simply has no keep variable.
        item.keepers = frozenset(manager for manager in item.keepers if manager in item.held)


def _add_bundle(data: AssignmentData, rules: _Rules, by_key: dict[_TypeKey, ItemType], key: str,
                movable: list[Case], receivers: set[int], tied_to: list[int], *, blocked: bool = False) -> None:
    """One bundle (cases that move together) into its item type; `blocked`: reasons already recorded."""
    config = data.config
    index_of = rules.index_of
    holders: dict[int, int] = defaultdict(int)
    for case in movable:
        if case.manager is not None:
            holders[index_of[case.manager]] += 1
    holder = next(iter(holders)) if len(holders) == 1 and sum(holders.values()) == len(movable) else None
    keepers = frozenset(
        manager for manager in ([holder] if holder is not None else [])
        if all(rules.may_keep(case, data.managers[manager].id) for case in movable)
        and (not tied_to or manager in tied_to)
    )
    split = holder is None and bool(holders)
    current = tuple(sorted(holders.items()))
    bundle = Bundle(key=key, case_ids=tuple(case.id for case in movable), holder=holder, current=current)
    if not receivers and not keepers and not blocked:
        _block(data, movable, key, tied_to)
    week = data.eligibility.week_time
    classes = tuple(sorted(_class_key(data.eligibility.case_class(case)) for case in movable))
    points = sum(scaled(config.case_points(case)) for case in movable)
    contact_minutes = sum(week.contact_minutes(case) for case in movable)
    visits = sum(week.visits(case) for case in movable)
    contacts = sum(week.contacts(case) for case in movable)
    regions = tuple(sorted(config.clients_by_id[case.client].region or "" for case in movable))
    preferred = _preferred(data, index_of, movable)
    # A holder the client excludes may not keep the bundle although they may keep others of its class: such
    # bundles are a type apart (sharing one, the model kept one of them with its excluded holder).
    excluded_holder = holder is not None and any(
        data.managers[holder].id in config.clients_by_id[case.client].excluded_managers for case in movable)
    # The receivers are part of the key: the drive limit and meeting make them depend on where the
    # client lives, not only on the case's class.
    type_key: _TypeKey = (classes, points, contact_minutes, visits, contacts, len(movable), regions, tuple(tied_to),
                          (key,) if split else (), blocked, tuple(sorted(receivers)), preferred, excluded_holder)
    item = by_key.get(type_key)
    if item is None:
        item = ItemType(
            index=len(data.types), points=points, cases=len(movable),
            regions=tuple(region or None for region in regions),
            receivers=tuple(sorted(receivers)), keepers=frozenset(),
            split_moves=({manager: sum(holders.values()) - count for manager, count in holders.items()}
                         if split else None),
            current_cases=sum(holders.values()) if split else 0, contact_minutes=contact_minutes, visits=visits,
            contacts=contacts, preferred=preferred,
        )
        by_key[type_key] = item
        data.types.append(item)
    item.bundles.append(bundle)
    if holder is not None:
        item.held[holder] = item.held.get(holder, 0) + 1
        item.keepers = item.keepers | keepers
    else:
        item.intake += 1


def _preferred(data: AssignmentData, index_of: Mapping[str, int], cases: list[Case]) -> tuple[int, ...]:
    """The preferred manager of each case whose client names one who may carry it (sorted indices)."""
    found = []
    for case in cases:
        preferred = data.config.clients_by_id[case.client].preferred_manager
        if preferred is not None and preferred in index_of and \
                data.eligibility.refusal(_as_given(case, preferred), preferred) is None:
            found.append(index_of[preferred])
    return tuple(sorted(found))


def _tie_to_locked_manager(data: AssignmentData, movable: list[Case],
                           locked: list[Case]) -> tuple[list[Case], list[Case]]:
    """The household's unlocked cases the locked case's manager may carry, and the refused rest
    (blocked with the reason). Adding the tied manager to the receivers unchecked gave a junior a
    `high` case and a manager on leave all week a household: the checker then failed a "feasible" plan.
    """
    carried: list[Case] = []
    refused: list[Case] = []
    for case in movable:
        refusal = tied_household_refusal(data.eligibility, case, [*locked, *movable])
        if refusal is None:
            carried.append(case)
        else:
            refused.append(case)
            # When nobody at all may carry the case, that is the truer reason than the household.
            exclusion = data.eligibility.exclusion(case.model_copy(update={"manager": None, "locked": False}))
            data.blocked[case.id] = (exclusion or refusal).rule, (exclusion or refusal).reason
    return carried, refused


def _as_given(case: Case, manager_id: str) -> Case:
    """The case as `manager_id` would carry it: kept when they hold it, new work otherwise."""
    return case if case.manager == manager_id else case.model_copy(update={"manager": None, "locked": False})


def _class_key(case_class: CaseClass) -> tuple[object, ...]:
    return (case_class.min_level_rank, tuple(sorted(case_class.skills)), case_class.language)


def _finish_minutes(data: AssignmentData) -> None:
    """Each type's minutes on every manager who may hold it: its contact minutes plus, per visit, the
    drive from that manager's base, averaged over the type's bundles (one vector of drives per client)."""
    config = data.config
    week = data.eligibility.week_time
    position = {manager.id: index for index, manager in enumerate(config.managers)}
    to_config = np.array([position[manager.id] for manager in data.managers], dtype=np.int64)
    for item in data.types:
        managers = sorted({*item.receivers, *item.keepers, *item.held})
        if not item.visits or not managers:
            item.minutes = {manager: item.contact_minutes for manager in managers}
            continue
        columns = to_config[managers]
        travel = np.zeros(len(managers), dtype=np.float64)
        for bundle in item.bundles:
            for case_id in bundle.case_ids:
                case = config.cases_by_id[case_id]
                visits = week.visits(case)
                if visits:
                    travel += visits * week.drives(config.clients_by_id[case.client])[columns]
        mean = np.rint(travel / len(item.bundles)).astype(np.int64)
        item.minutes = {manager: item.contact_minutes + int(extra) for manager, extra in zip(managers, mean,
                                                                                            strict=True)}


def _block(data: AssignmentData, cases: list[Case], key: str, tied_to: list[int]) -> None:
    """Record why a bundle that no manager may carry stays unassigned."""
    for case in cases:
        fresh = case.model_copy(update={"manager": None, "locked": False})
        # A holder who may keep the case could carry it: then the household, not the field, keeps it out.
        kept = case.manager is not None and data.eligibility.refusal(case, case.manager) is None
        exclusion = None if kept else data.eligibility.exclusion(fresh)
        if exclusion is not None:
            data.blocked[case.id] = (exclusion.rule, exclusion.reason)
        elif tied_to:
            names = ", ".join(data.managers[manager].id for manager in tied_to)
            data.blocked[case.id] = ("household_conflict",
                                     f"its household has a case locked to {names}, who may not carry it")
        else:
            data.blocked[case.id] = ("household_conflict",
                                     "no single manager may carry every case of its household")


def stay_order(config: Config, bundles: list[Bundle]) -> list[Bundle]:
    """Bundles in the order they should stay with their manager: longest relationship first.

    Earliest opened first, then the most recent contact, then key. Bundles at the end move first:
    recently opened, no recorded contact (the least continuity lost).
    """
    def key(bundle: Bundle) -> tuple[date, int, str]:
        cases = [config.cases_by_id[case_id] for case_id in bundle.case_ids]
        opened = min((case.opened or date.max for case in cases), default=date.max)
        last = max((contact.last for case in cases for contact in case.contacts if contact.last is not None),
                   default=None)
        return (opened, -(last.toordinal() if last else 0), bundle.key)

    return sorted(bundles, key=key)
