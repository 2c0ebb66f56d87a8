"""From bundle counts to concrete case ids, with a reason for every move and every unassigned case.

Which bundles of a type stay with their holder: the ones with the longest relationship
(`assign_data.stay_order`: earliest opened, most recent contact); the rest join the type's pool
(with new intake), and each manager's remaining count is filled from the pool in bundle-key order,
managers in id order. The result goes through `planbuild.build_plan`, the one place plans are made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from models.organisation import Case, Config
from models.plan import ManagerLoad, Plan, SolverStats
from models.reasons import reason_text
from scheduler.assign.data import AssignmentData, Bundle, Counts, stay_order
from scheduler.core.planbuild import build_plan, current_assignment, manager_loads
from scheduler.core.reasons import Reason, move_rule


def chosen_from_counts(data: AssignmentData, counts: Counts) -> dict[str, str | None]:
    """case id -> manager id (None: unassigned) for every case of the config."""
    config = data.config
    chosen: dict[str, str | None] = {
        case.id: case.manager for case in config.cases if case.locked and case.manager is not None
    }
    for item in data.types:
        final: dict[int, int] = defaultdict(int)
        for manager in item.keepers:
            final[manager] += counts.kept.get((manager, item.index), 0)
        for manager in item.receivers:
            final[manager] += counts.received.get((manager, item.index), 0)
        held: dict[int, list[Bundle]] = defaultdict(list)
        pool: list[Bundle] = []
        for bundle in item.bundles:
            if bundle.holder is not None and bundle.holder in item.keepers:
                held[bundle.holder].append(bundle)
            else:
                pool.append(bundle)
        placed: dict[int, int] = {}
        for manager, bundles in sorted(held.items()):
            ordered = stay_order(config, bundles)
            stays = min(final[manager], len(ordered))
            for bundle in ordered[:stays]:
                _place(chosen, bundle, data.managers[manager].id)
            pool.extend(ordered[stays:])
            placed[manager] = stays
        wanted = {manager: final[manager] - placed.get(manager, 0) for manager in sorted(final)}
        for bundle, receiver in _nearest_first(data, sorted(pool, key=lambda bundle: bundle.key), wanted):
            _place(chosen, bundle, None if receiver is None else data.managers[receiver].id)
    for case in config.cases:
        chosen.setdefault(case.id, None)
    return chosen


def counts_from_chosen(data: AssignmentData, chosen: Mapping[str, str | None]) -> Counts:
    """A concrete assignment as the model's counts (for a warm start)."""
    index_of = {manager.id: manager.index for manager in data.managers}
    counts = Counts()
    for item in data.types:
        for bundle in item.bundles:
            manager_id = chosen.get(bundle.case_ids[0])
            if manager_id is None:
                counts.unassigned[item.index] = counts.unassigned.get(item.index, 0) + 1
                continue
            manager = index_of[manager_id]
            target = counts.kept if bundle.holder == manager and manager in item.keepers else counts.received
            target[manager, item.index] = target.get((manager, item.index), 0) + 1
    return counts


def _nearest_first(data: AssignmentData, pool: list[Bundle],
                   wanted: dict[int, int]) -> list[tuple[Bundle, int | None]]:
    """The pool's bundles given to the managers that receive them (`wanted`: how many each), nearest
    first: the model counted each manager the type's mean drive, and here each gets the bundles whose
    visits are the shortest drives from their base (greedy over pairs, then bundle key, manager index).
    Bundles beyond the counts stay unassigned (None)."""
    config = data.config
    week = data.eligibility.week_time
    takers = [manager for manager, count in wanted.items() if count > 0]
    if not takers or not pool:
        return [(bundle, None) for bundle in pool]

    def drives(bundle: Bundle, manager: int) -> int:
        who = config.managers_by_id[data.managers[manager].id]
        total = 0
        for case_id in bundle.case_ids:
            case = config.cases_by_id[case_id]
            visits = week.visits(case)
            if visits:
                total += visits * week.drive(who, config.clients_by_id[case.client])
        return total

    if len(takers) == 1:
        pairs = [(0, position, takers[0]) for position in range(len(pool))]
    else:
        pairs = sorted((drives(bundle, manager), position, manager)
                       for position, bundle in enumerate(pool) for manager in takers)
    left = dict(wanted)
    given: dict[int, int] = {}
    for _, position, manager in pairs:
        if position in given or left[manager] <= 0:
            continue
        given[position] = manager
        left[manager] -= 1
    return [(bundle, given.get(position)) for position, bundle in enumerate(pool)]


def _place(chosen: dict[str, str | None], bundle: Bundle, manager_id: str | None) -> None:
    for case_id in bundle.case_ids:
        chosen[case_id] = manager_id


def move_reasons(data: AssignmentData, chosen: dict[str, str | None]) -> dict[str, Reason]:
    """Why every moved case moved: the first that applies of not eligible, household, over capacity,
    balance; new intake for cases that had no manager."""
    config = data.config
    before = {load.manager_id: load for load in manager_loads(config, current_assignment(config))}
    after = {load.manager_id: load for load in manager_loads(config, chosen)}
    split_cases = {case_id for item in data.types for bundle in item.bundles
                   if item.split_moves is not None for case_id in bundle.case_ids}
    locked_with = _household_locks(config)
    reasons: dict[str, Reason] = {}
    for case in config.cases:
        target = chosen.get(case.id)
        if target is None or target == case.manager:
            continue
        tied = target in locked_with.get(config.clients_by_id[case.client].household_key, set())
        source = None if case.manager is None else before[case.manager]
        reasons[case.id] = _move_reason(data, case, source, after[target], case.id in split_cases, tied)
    return reasons


def _move_reason(data: AssignmentData, case: Case, source: ManagerLoad | None, target: ManagerLoad, split: bool,
                 tied: bool) -> Reason:
    """The first rule that applies (`core.reasons.move_rule`), in the balancing stage's words: who the case
    left, at what utilisation, and where it went."""
    refusal = None if source is None else data.eligibility.refusal(case, source.manager_id)
    preferred = data.config.clients_by_id[case.client].preferred_manager == target.manager_id
    rule = move_rule(source, refusal, household=split or tied, level_apart=True, preferred=preferred)
    if source is None:
        text = reason_text(rule, "placed", target=target.manager_id, utilisation=target.utilisation)
    elif refusal is not None:
        text = reason_text(rule, source=source.manager_id, refusal=refusal.reason, target=target.manager_id)
    elif rule == "household_reunited":
        text = reason_text(rule, "default" if split else "tied", target=target.manager_id)
    elif rule in ("over_capacity", "preferred_manager"):
        text = reason_text(rule, source=source.manager_id, was=source.utilisation, target=target.manager_id)
    else:
        text = reason_text(rule, "between", source=source.manager_id, was=source.utilisation,
                           target=target.manager_id, now=target.utilisation)
    return Reason(rule, text)


def _household_locks(config: Config) -> dict[str, set[str]]:
    """Household -> managers holding a locked case of it (when households stay together)."""
    locks: dict[str, set[str]] = defaultdict(set)
    if config.policy.households_together:
        for case in config.cases:
            if case.locked and case.manager is not None:
                locks[config.clients_by_id[case.client].household_key].add(case.manager)
    return locks


def unassigned_reasons(data: AssignmentData, chosen: dict[str, str | None]) -> dict[str, Reason]:
    reasons: dict[str, Reason] = {}
    new: dict[str, int] = defaultdict(int)  # cases new to each manager: their intake caps may be what is full
    for case in data.config.cases:
        target = chosen.get(case.id)
        if target is not None and target != case.manager:
            new[target] += 1
    for item in data.types:
        for bundle in item.bundles:
            for case_id in bundle.case_ids:
                if chosen.get(case_id) is not None:
                    continue
                blocked = data.blocked.get(case_id)
                if blocked is not None:
                    reasons[case_id] = Reason(*blocked)
                else:
                    count = len(set(item.receivers) | item.keepers)
                    capped = any(data.managers[manager].intake_cap is not None and new[data.managers[manager].id]
                                 + item.new_at(manager) > (data.managers[manager].intake_cap or 0)
                                 for manager in item.receivers)
                    variant = "intake_cap" if capped else "counted" if count != 1 else "counted_one"
                    reasons[case_id] = Reason("capacity_exhausted", reason_text("capacity_exhausted", variant,
                                                                                count=count))
    return reasons


def plan_from_counts(data: AssignmentData, counts: Counts, solver: list[SolverStats]) -> Plan:
    chosen = chosen_from_counts(data, counts)
    return build_plan(data.config, chosen, move_reasons=move_reasons(data, chosen),
                      unassigned_reasons=unassigned_reasons(data, chosen), solver=solver, eligibility=data.eligibility)
