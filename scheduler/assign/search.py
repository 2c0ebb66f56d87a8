"""Local search on bundle counts: single moves and pairwise swaps that lower the objective.

A primal polish between the LP rounding and CP-SAT (and the only improvement step when CP-SAT's
time is too short for its LNS on large models). It works on the aggregated counts, with the exact
objective of `assign_model` in objective units:

* a **move** takes one bundle of type t from a manager (or the unassigned pool) to another;
* a **swap** exchanges a bundle of t at a for a smaller bundle of u at b (packing).

Sources are the managers that drive the objective: overloaded ones, those at their level's peak,
and the unassigned pool. First improvement, deterministic order; stops at a local optimum or at the
deadline.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence

from scheduler.assign.data import UTILISATION_UNITS, AssignmentData, Counts, ItemType
from scheduler.assign.model import Coefficients
from scheduler.core.clock import Clock

Change = dict[int, tuple[int, int]]  # manager -> (load change, case change)


class LocalSearch:
    def __init__(self, data: AssignmentData, coefficients: Coefficients, counts: Counts, clock: Clock,
                 candidates: Mapping[int, Sequence[int]] | None = None) -> None:
        self.data = data
        self.clock = clock
        self.c = coefficients
        self.receivers = [frozenset(item.receivers) for item in data.types]
        # Where a bundle may go: candidate receivers (all when None) and its keepers.
        self.targets = [sorted({*(item.receivers if candidates is None else candidates.get(item.index, ())),
                                *item.keepers}) for item in data.types]
        # Bundles of each type at each manager: positive counts only (`_shift` drops a zero), so the
        # swaps scan what a manager holds, not every type ever looked at (at L: 36 s of 54 before).
        self.at: list[dict[int, int]] = [{} for _ in data.managers]
        for source in (counts.kept, counts.received):
            for (manager, index), count in source.items():
                self._shift(manager, index, count)
        self.unassigned: dict[int, int] = defaultdict(int, counts.unassigned)
        # Cases new to each manager (bundles beyond what they keep): held within their intake caps.
        self.new = [sum(max(0, count - self._keeps(data.types[index], manager)) * data.types[index].new_at(manager)
                        for index, count in self.at[manager].items()) for manager in range(len(data.managers))]
        self.load, self.cases = data.loads(counts)
        self.minutes = data.minute_loads(counts)
        self.contacts = data.contact_loads(counts)
        self.members: dict[int, list[int]] = {rank: data.managers_of_level(rank) for rank in data.levels}
        self.ranking: dict[int, list[tuple[int, int]]] = {}
        self._mismatch: dict[tuple[int, int], int] = {}
        self.deadline = float("inf")
        for rank in data.levels:
            self._rank(rank)

    def _shift(self, manager: int, index: int, count: int) -> None:
        held = self.at[manager].get(index, 0) + count
        if held:
            self.at[manager][index] = held
        else:
            self.at[manager].pop(index, None)

    # --- the objective pieces -----------------------------------------------------------------

    def _units(self, manager: int, load: int) -> int:
        return -(-UTILISATION_UNITS * load // self.data.managers[manager].capacity)

    def _rank(self, rank: int) -> None:
        self.ranking[rank] = sorted(((self._units(m, self.load[m]), m) for m in self.members[rank]), reverse=True)

    def _rerank(self, manager: int, before: int) -> None:
        """Move one manager within its level's ranking after a load change (`before`: its units then).
        The ranking is sorted by (units, manager) from the top; re-sorting the level on every step took
        most of the search's time at L (400 managers a level)."""
        ranking = self.ranking[self.data.managers[manager].level_rank]
        after = self._units(manager, self.load[manager])
        if after == before:
            return
        del ranking[bisect.bisect_left(ranking, (-before, -manager), key=_descending)]
        bisect.insort(ranking, (after, manager), key=_descending)

    def _peak_without(self, rank: int, excluded: set[int]) -> int:
        for units, manager in self.ranking[rank]:
            if manager not in excluded:
                return units
        return 0

    def _over(self, manager: int, load: int, cases: int) -> int:
        info = self.data.managers[manager]
        return (self.c.overload * max(0, load - info.capacity) + self.c.excess * max(0, cases - info.max_cases)
                if self.c.overload else 0)

    def _overtime(self, manager: int, minutes: int, contacts: int) -> int:
        return self.c.overtime * self.data.managers[manager].overtime(minutes, contacts)

    def _minutes_delta(self, change: Mapping[int, tuple[int, int]]) -> int:
        """Overtime change of moving (minutes, contacts) between managers."""
        if not self.c.overtime:
            return 0
        return sum(self._overtime(manager, self.minutes[manager] + minutes, self.contacts[manager] + contacts)
                   - self._overtime(manager, self.minutes[manager], self.contacts[manager])
                   for manager, (minutes, contacts) in change.items())

    def _peaks(self) -> dict[int, int]:
        return {rank: self.ranking[rank][0][0] if self.ranking[rank] else 0 for rank in self.data.levels}

    def _load_delta(self, change: Change) -> int:
        """Overload and balance change of moving load between managers."""
        delta = 0
        for manager, (load, cases) in change.items():
            delta += self._over(manager, self.load[manager] + load, self.cases[manager] + cases)
            delta -= self._over(manager, self.load[manager], self.cases[manager])
        if not self.c.balance:
            return delta
        before = self._peaks()
        after = dict(before)
        by_rank: dict[int, set[int]] = defaultdict(set)
        for manager in change:
            by_rank[self.data.managers[manager].level_rank].add(manager)
        for rank, managers in by_rank.items():
            peak = self._peak_without(rank, managers)
            for manager in managers:
                peak = max(peak, self._units(manager, self.load[manager] + change[manager][0]))
            after[rank] = peak
        delta += self.c.balance * (sum(after.values()) + max(after.values(), default=0)
                                   - sum(before.values()) - max(before.values(), default=0))
        return delta

    def _keeps(self, item: ItemType, manager: int) -> int:
        return item.held.get(manager, 0) if manager in item.keepers else 0

    def _out(self, item: ItemType, source: int | None) -> int:
        """Moves, region and unassigned cost change of one bundle of `item` leaving `source`."""
        if source is None:
            cost = -self.c.unassigned * item.points
            return cost - (self.c.moves * item.current_cases if item.split_moves is not None else 0)
        cost = -self.c.region * self._mismatches(item, source) - self.c.preference * self._misses(item, source)
        if item.split_moves is not None:
            return cost - self.c.moves * item.moves_at(source)
        if self.at[source].get(item.index, 0) <= self._keeps(item, source):
            cost += self.c.moves * item.cases
        return cost

    def _in(self, item: ItemType, target: int | None) -> int:
        if target is None:
            cost = self.c.unassigned * item.points
            return cost + (self.c.moves * item.current_cases if item.split_moves is not None else 0)
        cost = self.c.region * self._mismatches(item, target) + self.c.preference * self._misses(item, target)
        if item.split_moves is not None:
            return cost + self.c.moves * item.moves_at(target)
        if self.at[target].get(item.index, 0) < self._keeps(item, target):
            cost -= self.c.moves * item.cases
        return cost

    def _mismatches(self, item: ItemType, manager: int) -> int:
        key = (item.index, manager)
        found = self._mismatch.get(key)
        if found is None:
            found = self._mismatch[key] = self.data.region_mismatches(item, manager)
        return found

    def _misses(self, item: ItemType, manager: int) -> int:
        return self.data.preference_misses(item, manager) if item.preferred else 0

    def _may_take(self, item: ItemType, manager: int) -> bool:
        """A holder taking back a bundle of their own; else an eligible receiver within their intake cap (a
        swap checks each side before either leaves, which never lets a cap be passed)."""
        if self.at[manager].get(item.index, 0) < self._keeps(item, manager):
            return True
        if manager not in self.receivers[item.index]:
            return False
        cap = self.data.managers[manager].intake_cap
        return cap is None or self.new[manager] + item.new_at(manager) <= cap

    # --- moves ---------------------------------------------------------------------------------

    def move_delta(self, item: ItemType, source: int | None, target: int | None) -> int:
        change: Change = {}
        if source is not None:
            change[source] = (-item.points, -item.cases)
        if target is not None:
            previous = change.get(target, (0, 0))
            change[target] = (previous[0] + item.points, previous[1] + item.cases)
        week: dict[int, tuple[int, int]] = {}
        if source is not None:
            week[source] = (-item.minutes_at(source), -item.contacts)
        if target is not None:
            minutes, contacts = week.get(target, (0, 0))
            week[target] = (minutes + item.minutes_at(target), contacts + item.contacts)
        return (self._out(item, source) + self._in(item, target) + self._load_delta(change)
                + self._minutes_delta(week))

    def apply(self, item: ItemType, source: int | None, target: int | None) -> None:
        for manager, sign in ((source, -1), (target, 1)):
            if manager is None:
                self.unassigned[item.index] += sign
                continue
            # Holders keep their own first (`counts`): a bundle beyond that is new to the manager.
            if self.at[manager].get(item.index, 0) - (sign < 0) >= self._keeps(item, manager):
                self.new[manager] += sign * item.new_at(manager)
            self._shift(manager, item.index, sign)
            before = self._units(manager, self.load[manager])
            self.load[manager] += sign * item.points
            self.cases[manager] += sign * item.cases
            self.minutes[manager] += sign * item.minutes_at(manager)
            self.contacts[manager] += sign * item.contacts
            self._rerank(manager, before)

    def swap_delta(self, first: ItemType, a: int, second: ItemType, b: int) -> int:
        """`first` a -> b and `second` b -> a (second evaluated after first has left a)."""
        change: Change = {a: (second.points - first.points, second.cases - first.cases),
                          b: (first.points - second.points, first.cases - second.cases)}
        delta = self._out(first, a) + self._in(first, b)
        self._shift(a, first.index, -1)
        self._shift(b, first.index, 1)
        delta += self._out(second, b) + self._in(second, a)
        self._shift(a, first.index, 1)
        self._shift(b, first.index, -1)
        week = {a: (second.minutes_at(a) - first.minutes_at(a), second.contacts - first.contacts),
                b: (first.minutes_at(b) - second.minutes_at(b), first.contacts - second.contacts)}
        return delta + self._load_delta(change) + self._minutes_delta(week)

    def _sources(self) -> list[int | None]:
        peaks = self._peaks()
        hot = [m.index for m in self.data.managers
               if self._over(m.index, self.load[m.index], self.cases[m.index]) > 0
               or self._overtime(m.index, self.minutes[m.index], self.contacts[m.index]) > 0
               or self._units(m.index, self.load[m.index]) >= peaks[m.level_rank]]
        hot.sort(key=lambda m: (-self._over(m, self.load[m], self.cases[m]), -self._units(m, self.load[m]), m))
        pool: list[int | None] = [None] if any(self.unassigned.values()) else []
        return [*pool, *hot]

    def _improve_once(self, deadline: float) -> int:
        """One pass over the sources, applying every improving move or swap found; returns how many."""
        applied = 0
        for source in self._sources():
            held = sorted(index for index, count in (self.unassigned.items() if source is None
                                                       else self.at[source].items()) if count > 0)
            for index in held:
                item = self.data.types[index]
                while self._count(source, index) > 0:
                    if self.clock.now() > deadline:
                        return applied
                    if not self._improve_item(item, source):
                        break
                    applied += 1
        applied += self._return_home(deadline)
        if self.c.balance:
            for rank in self.data.levels:
                if self.clock.now() < deadline and self._lower_peak(rank):
                    applied += 1
        return applied

    def _lower_peak(self, rank: int) -> bool:
        """Bring every manager at the level's peak below it, each by its cheapest move; keep the
        whole sequence if it pays (no single move can lower a peak that several managers share)."""
        peak = self.ranking[rank][0][0] if self.ranking[rank] else 0
        if peak == 0:
            return False
        log: list[tuple[ItemType, int, int]] = []
        total = 0
        for manager in [m for units, m in self.ranking[rank] if units == peak]:
            while self._units(manager, self.load[manager]) >= peak:
                best: tuple[int, ItemType, int] | None = None
                if self.clock.now() > self.deadline:
                    self._undo(log)
                    return False
                for index in sorted(i for i, count in self.at[manager].items() if count > 0):
                    item = self.data.types[index]
                    for target in self.targets[index]:
                        if (target == manager or not self._may_take(item, target)
                                or self._units(target, self.load[target] + item.points) >= peak):
                            continue
                        delta = self.move_delta(item, manager, target)
                        if best is None or delta < best[0]:
                            best = (delta, item, target)
                if best is None:
                    self._undo(log)
                    return False
                total += best[0]
                self.apply(best[1], manager, best[2])
                log.append((best[1], manager, best[2]))
        if total < 0:
            return True
        self._undo(log)
        return False

    def _undo(self, log: list[tuple[ItemType, int, int]]) -> None:
        for item, source, target in reversed(log):
            self.apply(item, target, source)

    def _return_home(self, deadline: float) -> int:
        """Give holders back bundles of theirs that went elsewhere, where that pays (fewer moves)."""
        applied = 0
        holders: dict[int, list[int]] = defaultdict(list)  # type -> managers holding bundles of it now
        for manager, types in enumerate(self.at):
            for index, count in types.items():
                if count > 0:
                    holders[index].append(manager)
        for item in self.data.types:
            for home in sorted(item.keepers):
                for source in [*sorted(holders.get(item.index, [])), None]:
                    if self.clock.now() > deadline:
                        return applied
                    if source == home or self.at[home].get(item.index, 0) >= self._keeps(item, home):
                        continue
                    if self._count(source, item.index) <= 0:
                        continue
                    if self.move_delta(item, source, home) < 0:
                        self.apply(item, source, home)
                        applied += 1
                    elif source is not None and self._swap_home(item, source, home):
                        applied += 1
        return applied

    def _swap_home(self, item: ItemType, source: int, home: int) -> bool:
        """`item` back home from `source`, and in exchange one of home's other bundles to `source`."""
        for index in sorted(i for i, count in self.at[home].items() if count > 0 and i != item.index):
            other = self.data.types[index]
            if self._may_take(other, source) and self.swap_delta(item, source, other, home) < 0:
                self.apply(item, source, home)
                self.apply(other, home, source)
                return True
        return False

    def _count(self, source: int | None, index: int) -> int:
        return self.unassigned[index] if source is None else self.at[source].get(index, 0)

    def _improve_item(self, item: ItemType, source: int | None) -> bool:
        # A target ending above the source's utilisation cannot help load or balance; only a keeper
        # taking back its own bundle (fewer moves) is worth a look then.
        ceiling = None if source is None else self._units(source, self.load[source])
        targets: list[int | None] = [
            m for m in self.targets[item.index]
            if m != source and self._may_take(item, m)
            and (ceiling is None or self._units(m, self.load[m] + item.points) <= ceiling
                 or self.at[m].get(item.index, 0) < self._keeps(item, m))
        ]
        if source is not None:
            targets.append(None)
        for target in targets:
            delta = self.move_delta(item, source, target)
            if delta < 0 or (delta == 0 and self._smoother(item, source, target)):
                self.apply(item, source, target)
                return True
        return source is not None and self._try_swaps(item, source)

    def _smoother(self, item: ItemType, source: int | None, target: int | None) -> bool:
        """A free move that evens loads (sum of squared utilisation falls): it lets several managers
        at a shared peak come down one by one, where no single move lowers the peak itself."""
        if source is None or target is None:
            return False
        capacity_s = self.data.managers[source].capacity
        capacity_t = self.data.managers[target].capacity
        before = (self.load[source] / capacity_s) ** 2 + (self.load[target] / capacity_t) ** 2
        after = ((self.load[source] - item.points) / capacity_s) ** 2 + \
            ((self.load[target] + item.points) / capacity_t) ** 2
        return after < before - 1e-9

    def _try_swaps(self, item: ItemType, a: int) -> bool:
        ceiling = self._units(a, self.load[a])
        for b in self.targets[item.index]:
            if b == a or not self._may_take(item, b) or self.clock.now() > self.deadline:
                continue
            # A smaller bundle in exchange leaves b at least one point up: above a's utilisation no
            # swap with b can help (the check below, for every bundle b holds, at once).
            if self._units(b, self.load[b] + 1) > ceiling:
                continue
            for index in sorted(i for i, count in self.at[b].items() if count > 0):
                other = self.data.types[index]
                if other.points >= item.points or not self._may_take(other, a):
                    continue
                # As for moves: b ending above a's utilisation cannot help.
                if self._units(b, self.load[b] + item.points - other.points) > ceiling:
                    continue
                if self.swap_delta(item, a, other, b) < 0:
                    self.apply(item, a, b)
                    self.apply(other, b, a)
                    return True
        return False

    def run(self, deadline: float) -> int:
        self.deadline = deadline
        steps = 0
        while self.clock.now() < deadline:
            applied = self._improve_once(deadline)
            if not applied:
                break
            steps += applied
        return steps

    def counts(self) -> Counts:
        """Back to kept / received / unassigned (holders keep their own bundles first)."""
        result = Counts(unassigned={index: count for index, count in sorted(self.unassigned.items()) if count})
        for manager, types in enumerate(self.at):
            for index, count in sorted(types.items()):
                if count <= 0:
                    continue
                kept = min(count, self._keeps(self.data.types[index], manager))
                if kept:
                    result.kept[manager, index] = kept
                if count - kept:
                    result.received[manager, index] = count - kept
        return result


def polish(data: AssignmentData, coefficients: Coefficients, counts: Counts, deadline: float, clock: Clock,
           candidates: Mapping[int, Sequence[int]] | None = None) -> Counts:
    """`counts` improved by local search until a local optimum or `deadline` on `clock`."""
    search = LocalSearch(data, coefficients, counts, clock, candidates)
    search.run(deadline)
    return search.counts()


def _descending(entry: tuple[int, int]) -> tuple[int, int]:
    """The ranking's sort key: highest utilisation first, then the highest manager index (as sorted(reverse=True))."""
    return (-entry[0], -entry[1])
