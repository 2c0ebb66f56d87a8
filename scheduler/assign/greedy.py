"""Greedy least-loaded assignment: what a supervisor does by hand, and the engine's warm start.

Everyone keeps the cases they may still carry (households whole). Every other bundle (new intake,
split households, cases whose manager may no longer carry them), largest first, goes to the
eligible manager with the lowest utilisation who has room (and whose intake cap, a hard limit,
leaves room for it), preferring the client's region. When no one has room, the bundle goes to the
least-utilised eligible manager within their intake cap anyway (overload) if an unassigned point
costs more than an overloaded one, else it stays unassigned.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from models.organisation import Config
from models.plan import Plan
from scheduler.assign.convert import plan_from_counts
from scheduler.assign.data import AssignmentData, Counts, ItemType, build_data


def greedy_counts(data: AssignmentData) -> Counts:
    """Keep what may be kept, place the rest least-loaded first."""
    kept = {(manager, item.index): held for item in data.types for manager, held in sorted(item.held.items())
            if manager in item.keepers}
    return complete(data, Counts(kept=kept))


def complete(data: AssignmentData, partial: Counts) -> Counts:
    """`partial` plus every bundle it leaves out, placed least-loaded first (also: LP rounding repair)."""
    weights = data.config.policy.weights
    overload_ok = weights.unassigned >= weights.overload
    counts = Counts(kept=dict(partial.kept), received=dict(partial.received), unassigned=dict(partial.unassigned))
    load, cases = data.loads(counts)
    new = data.new_cases(counts)
    placed: dict[int, int] = {}
    for source in (counts.kept, counts.received):
        for (_, index), count in source.items():
            placed[index] = placed.get(index, 0) + count
    for index, count in counts.unassigned.items():
        placed[index] = placed.get(index, 0) + count
    pending: list[tuple[ItemType, int]] = [
        (item, item.total - placed.get(item.index, 0)) for item in data.types
        if item.total > placed.get(item.index, 0)
    ]
    pending.sort(key=lambda entry: (-entry[0].points, entry[0].index))
    for item, moving in pending:
        local = [manager for manager in item.receivers if data.region_mismatches(item, manager) == 0]
        room = _room(data, item, load, cases)  # reads the loads as they change
        for _ in range(moving):
            home = _home_with_room(item, counts, room)
            if home is not None:
                # A rounded-down LP keeps fewer bundles at home than there is room for: keep them.
                counts.kept[home, item.index] = counts.kept.get((home, item.index), 0) + 1
                load[home] += item.points
                cases[home] += item.cases
                continue
            target = _least_loaded(data, item, _open(data, item, local, new), _open(data, item, item.receivers, new),
                                   load, room, overload_ok)
            if target is None:
                counts.unassigned[item.index] = counts.unassigned.get(item.index, 0) + 1
                continue
            counts.received[target, item.index] = counts.received.get((target, item.index), 0) + 1
            load[target] += item.points
            cases[target] += item.cases
            new[target] += item.new_at(target)
    return counts


def _open(data: AssignmentData, item: ItemType, managers: Sequence[int], new: list[int]) -> list[int]:
    """The managers whose intake cap leaves room for one more bundle of `item` (`new`: their new cases)."""
    if not data.intake_capped:
        return list(managers)
    return [manager for manager in managers if data.managers[manager].intake_cap is None
            or new[manager] + item.new_at(manager) <= (data.managers[manager].intake_cap or 0)]


def _room(data: AssignmentData, item: ItemType, load: list[int], cases: list[int]) -> Callable[[int], bool]:
    """Whether a manager has room for one bundle of `item` in points and cases."""
    def has_room(manager: int) -> bool:
        info = data.managers[manager]
        return load[manager] + item.points <= info.capacity and cases[manager] + item.cases <= info.max_cases

    return has_room


def _home_with_room(item: ItemType, counts: Counts, fits: Callable[[int], bool]) -> int | None:
    """A holder of `item` with a bundle of it not yet kept, and room for it (`fits`)."""
    return next((manager for manager in sorted(item.keepers)
                 if counts.kept.get((manager, item.index), 0) < item.held[manager] and fits(manager)), None)


def _least_loaded(data: AssignmentData, item: ItemType, local: Sequence[int], receivers: Sequence[int],
                  load: list[int], fits: Callable[[int], bool], overload_ok: bool) -> int | None:
    """The least-utilised of `receivers` (those within their intake cap) with room (`fits`), the client's
    region (`local`) first; else, when overload is allowed, the least-utilised of them."""
    managers = data.managers
    for pool in (local, receivers):
        roomy = [manager for manager in pool if fits(manager)]
        if roomy:
            return min(roomy, key=lambda manager: (load[manager] / managers[manager].capacity, manager))
    if overload_ok and receivers:
        return min(receivers, key=lambda manager: (load[manager] / managers[manager].capacity,
                                                   data.region_mismatches(item, manager), manager))
    return None


def greedy_plan(config: Config) -> Plan:
    """The supervisor's plan, with the same reasons as the engine's (for benchmarks)."""
    data = build_data(config)
    return plan_from_counts(data, greedy_counts(data), solver=[])


def relieved_counts(data: AssignmentData) -> Counts:
    """The engine's other start: every bundle placed again, largest first, where it fits in points, cases,
    minutes and contact slots: home first, then the least-utilised eligible manager with room (the client's
    region first); where nobody has room, home, else the eligible manager it costs the least overtime.

    The supervisor's greedy keeps everything at home, however overloaded (at L: 178 managers over capacity
    and 294 over their week, objective 904,106); this start measured 198,672 there, and 11,207 against
    51,638 at M (seed 1)."""
    managers = data.managers
    counts = Counts()
    load, cases = data.loads(counts)
    minutes, contacts = data.minute_loads(counts), data.contact_loads(counts)
    new = data.new_cases(counts)

    def fits(manager: int, item: ItemType) -> bool:
        info = managers[manager]
        return (load[manager] + item.points <= info.capacity and cases[manager] + item.cases <= info.max_cases
                and minutes[manager] + item.minutes_at(manager) <= info.minutes
                and (not info.slots or contacts[manager] + item.contacts <= info.slots))

    def place(source: dict[tuple[int, int], int], manager: int, item: ItemType) -> None:
        source[manager, item.index] = source.get((manager, item.index), 0) + 1
        if source is counts.received:
            new[manager] += item.new_at(manager)
        load[manager] += item.points
        cases[manager] += item.cases
        minutes[manager] += item.minutes_at(manager)
        contacts[manager] += item.contacts

    for item in sorted(data.types, key=lambda entry: (-entry.points, entry.index)):
        local = [manager for manager in item.receivers if data.region_mismatches(item, manager) == 0]
        room = functools.partial(fits, item=item)
        for _ in range(item.total):
            keeper = _home_with_room(item, counts, room)
            if keeper is not None:
                place(counts.kept, keeper, item)
                continue
            receivers = _open(data, item, item.receivers, new)
            target = _least_loaded(data, item, _open(data, item, local, new), receivers, load, room, overload_ok=False)
            if target is None:
                keeper = _home_with_room(item, counts, lambda manager: True)
                if keeper is not None:
                    place(counts.kept, keeper, item)
                    continue
                target = min(receivers, default=None, key=lambda manager: (
                    managers[manager].overtime(minutes[manager] + item.minutes_at(manager),
                                               contacts[manager] + item.contacts),
                    load[manager] / managers[manager].capacity, manager))
            if target is None:
                counts.unassigned[item.index] = counts.unassigned.get(item.index, 0) + 1
            else:
                place(counts.received, target, item)
    return counts
