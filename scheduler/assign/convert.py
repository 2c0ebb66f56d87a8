"""From bundle counts to concrete case ids, with a reason for every move and every unassigned case.

Which bundles of a type stay with their holder: the ones with the longest relationship
(`assign_data.stay_order`: earliest opened, most recent contact); the rest join the type's pool
(with new intake), and each manager's remaining count is filled from the pool in bundle-key order,
managers in id order. The result goes through `planbuild.build_plan`, the one place plans are made.
"""

from __future__ import annotations

from collections import defaultdict

from models.organisation import Case, Config
from models.plan import Plan, SolverStats
from scheduler.assign.data import AssignmentData, Bundle, Counts, stay_order
from scheduler.core.planbuild import Reason, build_plan, current_assignment, manager_loads


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
        pool.sort(key=lambda bundle: bundle.key)
        position = 0
        for manager in sorted(final):
            for _ in range(final[manager] - placed.get(manager, 0)):
                if position < len(pool):
                    _place(chosen, pool[position], data.managers[manager].id)
                    position += 1
        for bundle in pool[position:]:
            _place(chosen, bundle, None)
    for case in config.cases:
        chosen.setdefault(case.id, None)
    return chosen


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
        if case.manager is None:
            reasons[case.id] = Reason("new_intake", f"new intake: assigned to {target} "
                                                    f"(at {after[target].utilisation:.0%} of capacity)")
            continue
        tied = target in locked_with.get(config.clients_by_id[case.client].household_key, set())
        source = before[case.manager]
        reasons[case.id] = _move_reason(data, case, target, case.id in split_cases, tied,
                                        source.utilisation, source.overloaded, after[target].utilisation)
    return reasons


def _move_reason(data: AssignmentData, case: Case, target: str, split: bool, tied: bool, was: float,
                 over: bool, now: float) -> Reason:
    source = case.manager
    refusal = data.eligibility.refusal(case, source) if source is not None else None
    if refusal is not None:
        rule = "level_mismatch" if refusal.rule == "level" else "not_eligible"
        return Reason(rule, f"{source} may no longer carry it: {refusal.reason}; moved to {target}")
    if split:
        return Reason("household_reunited", f"household reunited with {target}")
    if tied:
        return Reason("household_reunited", f"household reunited with {target}, who holds a locked case of it")
    if over:
        return Reason("over_capacity", f"{source} was at {was:.0%} of capacity; moved to {target}")
    return Reason("balance", f"moved to even out caseloads: {source} was at {was:.0%} of capacity, "
                             f"{target} is at {now:.0%}")


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
                    reasons[case_id] = Reason(
                        "capacity_exhausted",
                        f"all {count} eligible manager{'s' if count != 1 else ''} are at capacity")
    return reasons


def plan_from_counts(data: AssignmentData, counts: Counts, solver: list[SolverStats]) -> Plan:
    chosen = chosen_from_counts(data, counts)
    return build_plan(data.config, chosen, move_reasons=move_reasons(data, chosen),
                      unassigned_reasons=unassigned_reasons(data, chosen), solver=solver)
