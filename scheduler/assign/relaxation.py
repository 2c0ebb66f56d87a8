"""A bound at every size: the LP of a coarser model whose optimum can only be lower (issue 19).

The LP of the aggregated model (`bound.py`) has one column per eligible (manager, item type): 870,000
same-region columns at L, more than its share of the limit can build. Managers who differ only in
where their base is and what they may carry are merged into one *manager class* (same level, region,
week minutes and contact slots), and item types with the same points, cases, contacts, client
regions and levels that may carry them are merged too. Every plan of
the real model maps to a solution of the class model with an objective no higher, so the class LP's
optimum is a **valid lower bound** of the real model's:

* capacity, case count, minutes and contact-slot rows of a class are the sums of its members' rows
  (with each member's room from its locked cases floored at 0, as the real rows have it): a sum of
  excesses is at least the excess of the sums, so overload and overtime can only be lower;
* the contact-slot row is exact for a sum because a class's members share their minutes per slot;
* a peak row over a class is the sum of its members' peak rows (the capacity is at least the
  members' summed capacity): the class's utilisation is at most its busiest member's;
* a class may take a merged type if any member may take one of its types (more columns, a lower
  optimum), at the fewest minutes and moves any such member would have, the minutes rounded down to
  `GRAIN_MINUTES`; types that nobody may take stay apart (their level set is empty);
* a class keeps whatever its members hold (a case kept by a class-mate counts no move).

At L (seed 4343) this is 137 classes and 2,228 types from 15,474 (37,854 columns): GLOP solves it in
4.4 s where the full LP (870,000 same-region columns) is not built in time. It is weaker than
the full LP wherever drives or skills differ inside a class; `tests/scheduler/assign/test_relaxation.py`
checks it never exceeds the full LP (and so any plan).
"""

from __future__ import annotations

from collections import defaultdict

from scheduler.assign.data import AssignmentData, ItemType, ManagerData

# Minutes of a class column are rounded down to this grain (fewer distinct types; a lower optimum).
GRAIN_MINUTES = 15


def manager_classes(data: AssignmentData) -> tuple[list[ManagerData], list[int]]:
    """The classes (as managers of the coarse model) and each real manager's class index."""
    keys: dict[tuple[object, ...], list[ManagerData]] = defaultdict(list)
    for manager in data.managers:
        keys[(manager.level_rank, manager.region or "", manager.minutes, manager.slots)].append(manager)
    classes: list[ManagerData] = []
    class_of = [0] * len(data.managers)
    for key in sorted(keys, key=repr):
        members = keys[key]
        index = len(classes)
        for member in members:
            class_of[member.index] = index
        classes.append(ManagerData(
            index=index, id=f"class-{index}", level_rank=members[0].level_rank, region=members[0].region,
            capacity=sum(max(m.capacity, m.fixed_load) for m in members),
            max_cases=sum(max(m.max_cases, m.fixed_cases) for m in members),
            fixed_load=sum(m.fixed_load for m in members), fixed_cases=sum(m.fixed_cases for m in members),
            minutes=sum(m.minutes for m in members), fixed_minutes=sum(m.fixed_minutes for m in members),
            slots=sum(m.slots for m in members), fixed_contacts=sum(m.fixed_contacts for m in members)))
            # No intake caps: dropping a constraint keeps the relaxation a relaxation (merged split households
            # would not count their new cases exactly).
    return classes, class_of


def class_relaxation(data: AssignmentData) -> AssignmentData:
    """The coarse model: manager classes and merged item types (see the module docstring)."""
    classes, class_of = manager_classes(data)
    merged: dict[tuple[object, ...], ItemType] = {}
    types: list[ItemType] = []
    for item in data.types:
        split = item.split_moves is not None
        key = (item.points, item.cases, item.contacts, item.regions, split,
               tuple(sorted({classes[class_of[m]].level_rank for m in item.receivers})))
        coarse = merged.get(key)
        if coarse is None:
            coarse = merged[key] = ItemType(
                index=len(types), points=item.points, cases=item.cases, regions=item.regions, receivers=(),
                keepers=frozenset(), split_moves={} if split else None, current_cases=item.current_cases,
                contact_minutes=_floor(item.contact_minutes), contacts=item.contacts, visits=item.visits)
            types.append(coarse)
        _merge(coarse, item, class_of)
    return AssignmentData(config=data.config, eligibility=data.eligibility, managers=classes, types=types,
                          levels=list(data.levels))


def _merge(coarse: ItemType, item: ItemType, class_of: list[int]) -> None:
    """Add `item`'s bundles to `coarse`: the union of the classes that may carry either, each at the fewest
    minutes (and moves) of any member who may carry one of them."""
    coarse.receivers = tuple(sorted({*coarse.receivers, *(class_of[m] for m in item.receivers)}))
    coarse.keepers = coarse.keepers | {class_of[m] for m in item.keepers}
    coarse.contact_minutes = min(coarse.contact_minutes, _floor(item.contact_minutes))
    coarse.current_cases = min(coarse.current_cases, item.current_cases)
    for manager in sorted({*item.receivers, *item.keepers}):
        group = class_of[manager]
        low = _floor(item.minutes_at(manager))
        coarse.minutes[group] = min(coarse.minutes.get(group, low), low)
        if coarse.split_moves is not None:
            moved = item.moves_at(manager)
            coarse.split_moves[group] = min(coarse.split_moves.get(group, moved), moved)
    coarse.intake += item.intake
    for manager, count in item.held.items():
        group = class_of[manager]
        coarse.held[group] = coarse.held.get(group, 0) + count


def _floor(minutes: int) -> int:
    return minutes // GRAIN_MINUTES * GRAIN_MINUTES
