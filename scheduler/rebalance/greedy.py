"""Greedy rebalancing: the heuristic a supervisor would apply by hand, as the bench's peer and as the
solver's warm start.

"Take the most loaded manager and move their smallest case to whoever has most room" (`smallest`),
repeated until everyone is within the goal or the most loaded manager has nothing that fits
anywhere. `relief` is the solver's warm start: it sheds a manager's excess with as few units as it
can (the smallest unit that clears the excess on its own, else the largest). Both move whole units
(households) only from their current manager, never locked ones, and only to eligible managers.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Literal

from scheduler.rebalance.model import PER_MILLE
from scheduler.rebalance.units import RebalanceProblem, Unit

Strategy = Literal["smallest", "relief"]


@dataclass(frozen=True)
class GreedyResult:
    destination: dict[str, str]
    """Every unit the solver decides (buckets, intake pools, split households) -> its manager; intake and
    units forced off their holder that every taker's intake cap turns away are left out (unplaced)."""
    moves: int
    peak: int
    """Highest utilisation afterwards, in thousandths."""
    reached_goal: bool


def greedy_rebalance(problem: RebalanceProblem, goal: int | None, *, strategy: Strategy = "smallest",
                     max_moves: int | None = None, chains: bool = False) -> GreedyResult:
    """Relieve the most loaded manager, one unit at a time, until all are within `goal` (thousandths
    of capacity, with case counts within max_cases) or no move helps. `goal=None`: keep lowering
    the peak while a move strictly lowers it. `chains`: when no unit fits anywhere, make room for
    one by moving a unit of the receiver on to a third manager (two moves)."""
    state = _State(problem)
    state.place_required_units()
    steps = 0
    # Every step lowers the peak or a case-count excess, so this ends; the cap only bounds the time.
    while (max_moves is None or state.moves() < max_moves) and steps < 10 * len(problem.units):
        steps += 1
        source = state.most_loaded(goal)
        if source is None:
            break
        if not state.relieve(source, goal, strategy) and not (chains and state.relieve_by_chain(source)):
            break
    if goal is not None and strategy == "relief":
        state.undo_unneeded_moves(goal)
    peak = state.peak()
    within = all(state.count[m] <= problem.max_cases[m] for m in problem.manager_ids)
    return GreedyResult(destination=dict(state.destination), moves=state.moves(), peak=peak,
                        reached_goal=goal is not None and peak <= goal and within)


class _State:
    def __init__(self, problem: RebalanceProblem) -> None:
        self.problem = problem
        fixed = problem.fixed_load()
        self.load = {m: fixed[m][0] for m in problem.manager_ids}
        self.count = {m: fixed[m][1] for m in problem.manager_ids}
        self.new = problem.fixed_new_cases()  # cases new to each manager (what intake caps count)
        self.destination: dict[str, str] = {}
        self.held: dict[str, list[str]] = {m: [] for m in problem.manager_ids}
        # The most utilised manager, found in log time: a heap with stale entries skipped on read.
        self._heap = [(-self.load[m] / problem.capacity[m], m) for m in problem.manager_ids]
        heapq.heapify(self._heap)
        self._over_count = {m for m in problem.manager_ids if self.count[m] > problem.max_cases[m]}
        for bucket in problem.buckets:
            for unit_id in bucket.unit_ids:
                if not bucket.forced:
                    self._put(unit_id, bucket.holder)
                    self.held[bucket.holder].append(unit_id)

    def _put(self, unit_id: str, manager_id: str) -> None:
        unit = self.problem.units[unit_id]
        previous = self.destination.get(unit_id)
        if previous is not None:
            self.load[previous] -= unit.points
            self.count[previous] -= unit.cases
            self.new[previous] -= self.problem.new_cases(unit_id, previous)
        self.destination[unit_id] = manager_id
        self.load[manager_id] += unit.points
        self.count[manager_id] += unit.cases
        self.new[manager_id] += self.problem.new_cases(unit_id, manager_id)
        for changed in {previous, manager_id} - {None}:
            assert changed is not None
            heapq.heappush(self._heap, (-self.load[changed] / self.problem.capacity[changed], changed))
            if self.count[changed] > self.problem.max_cases[changed]:
                self._over_count.add(changed)
            else:
                self._over_count.discard(changed)

    def _top(self) -> str | None:
        """The most utilised manager (ties: the smallest id)."""
        while self._heap:
            key, manager_id = self._heap[0]
            if -key == self.load[manager_id] / self.problem.capacity[manager_id]:
                return manager_id
            heapq.heappop(self._heap)
        return None

    def within_cap(self, unit_id: str, manager_id: str, leaving: str | None = None) -> bool:
        """Whether `manager_id` may take the unit within their intake cap (after `leaving` goes, if given)."""
        cap = self.problem.intake_cap[manager_id]
        if cap is None:
            return True
        freed = 0 if leaving is None else self.problem.new_cases(leaving, manager_id)
        return self.new[manager_id] - freed + self.problem.new_cases(unit_id, manager_id) <= cap

    def utilisation(self, manager_id: str) -> float:
        return PER_MILLE * self.load[manager_id] / self.problem.capacity[manager_id]

    def peak(self) -> int:
        top = self._top()
        if top is None:
            return 0
        return -(-PER_MILLE * self.load[top] // self.problem.capacity[top])

    def moves(self) -> int:
        return sum(self.problem.units[unit_id].moved_cases(manager_id)
                   for unit_id, manager_id in self.destination.items())

    def place_required_units(self) -> None:
        """Units that cannot stay as they are: forced off their holder, intake, split households."""
        problem = self.problem
        required = [unit_id for bucket in problem.buckets if bucket.forced for unit_id in bucket.unit_ids]
        required += [unit_id for unit_ids in problem.pools.values() for unit_id in unit_ids]
        required.sort(key=lambda unit_id: (-problem.units[unit_id].points, unit_id))
        for unit_id in problem.loose:
            unit = problem.units[unit_id]
            holders = sorted(((count, holder) for holder, count in unit.holders if holder in unit.eligible),
                             key=lambda item: (-item[0], item[1] or ""))
            if holders and holders[0][1] is not None:
                self._put(unit_id, holders[0][1])
            else:
                required.append(unit_id)
        for unit_id in required:
            receiver = self._roomiest(unit_id)
            if receiver is None:
                continue  # every taker is at its intake cap: the unit stays unplaced
            self._put(unit_id, receiver)
            self.held[receiver].append(unit_id)

    def _roomiest(self, unit_id: str) -> str | None:
        """The eligible manager left least utilised by taking the unit (within max_cases if possible), within
        their intake cap (a split household goes to one of its receivers whatever the caps; None: nobody)."""
        problem = self.problem
        unit = problem.units[unit_id]

        def key(manager_id: str) -> tuple[bool, float, int, str]:
            over_count = self.count[manager_id] + unit.cases > problem.max_cases[manager_id]
            after = (self.load[manager_id] + unit.points) / problem.capacity[manager_id]
            return (over_count, after, problem.mismatches(unit, manager_id), manager_id)

        takers = [manager_id for manager_id in problem.receivers_of(unit_id) if self.within_cap(unit_id, manager_id)]
        if not takers and unit_id in problem.loose:
            takers = list(problem.receivers_of(unit_id))
        return min(takers, key=key) if takers else None

    def most_loaded(self, goal: int | None) -> str | None:
        """The manager to relieve next: over a case-count limit first (a harder rule than the peak),
        then the most utilised (above `goal`, when there is one)."""
        problem = self.problem
        if self._over_count:
            return max(self._over_count, key=lambda m: (self.utilisation(m), m))
        top = self._top()
        if top is None or (goal is not None and PER_MILLE * self.load[top] <= goal * problem.capacity[top]):
            return None
        return top

    def relieve(self, source: str, goal: int | None, strategy: Strategy) -> bool:
        """Move one unit off `source`; False when none of its units fits anywhere."""
        ceiling = self.peak()
        for unit_id in self._candidates(source, goal, strategy):
            receiver = self._receiver(unit_id, source, ceiling)
            if receiver is not None:
                self._shift(unit_id, source, receiver)
                return True
        return False

    def undo_unneeded_moves(self, goal: int) -> None:
        """Send moved units home, largest first, while the holder stays within the goal and its
        case limit (greedy relief overshoots: chains and large units shed more than needed)."""
        problem = self.problem
        holder_of = {unit_id: bucket.holder for bucket in problem.buckets if not bucket.forced
                     for unit_id in bucket.unit_ids}
        moved = sorted((unit_id for unit_id, manager_id in self.destination.items()
                        if unit_id in holder_of and manager_id != holder_of[unit_id]),
                       key=lambda unit_id: (-problem.units[unit_id].points, unit_id))
        for unit_id in moved:
            unit = problem.units[unit_id]
            home = holder_of[unit_id]
            if PER_MILLE * (self.load[home] + unit.points) <= goal * problem.capacity[home] and \
                    self.count[home] + unit.cases <= problem.max_cases[home] and self.within_cap(unit_id, home):
                self._shift(unit_id, self.destination[unit_id], home)

    def relieve_by_chain(self, source: str) -> bool:
        """Move a unit u of `source` to r after moving a unit v of r to q, when both end below the
        source's current level (the source's peak falls, nobody rises to it)."""
        problem = self.problem
        units = problem.units
        source_level = (self.load[source], problem.capacity[source])
        for unit_id in self._candidates(source, None, "smallest"):
            unit = units[unit_id]
            for receiver in sorted(problem.receivers_of(unit_id), key=lambda m: (self.utilisation(m), m)):
                if receiver == source or self.count[receiver] + unit.cases > problem.max_cases[receiver] + 1:
                    continue
                chain = self._make_room(unit, receiver, source, source_level)
                if chain is not None:
                    moved_id, third = chain
                    self._shift(moved_id, receiver, third)
                    self._shift(unit_id, source, receiver)
                    return True
        return False

    def _make_room(self, unit: Unit, receiver: str, source: str,
                   level: tuple[int, int]) -> tuple[str, str] | None:
        problem = self.problem
        for moved_id in sorted(self.held[receiver], key=lambda u: (-self.problem.units[u].points, u)):
            moved = problem.units[moved_id]
            if moved_id == unit.id or len(problem.receivers_of(moved_id)) < 2 or moved_id in problem.loose:
                continue
            load_after = self.load[receiver] - moved.points + unit.points
            count_after = self.count[receiver] - moved.cases + unit.cases
            if count_after > problem.max_cases[receiver] or not _below(load_after, problem.capacity[receiver], level):
                continue
            if not self.within_cap(unit.id, receiver, leaving=moved_id):
                continue
            for third in problem.receivers_of(moved_id):
                if third in (receiver, source) or not self.within_cap(moved_id, third):
                    continue
                if self.count[third] + moved.cases > problem.max_cases[third]:
                    continue
                if _below(self.load[third] + moved.points, problem.capacity[third], level):
                    return moved_id, third
        return None

    def _shift(self, unit_id: str, source: str, receiver: str) -> None:
        self._put(unit_id, receiver)
        self.held[source].remove(unit_id)
        self.held[receiver].append(unit_id)

    def _candidates(self, source: str, goal: int | None, strategy: Strategy) -> list[str]:
        units = self.problem.units
        held = [unit_id for unit_id in self.held[source]
                if unit_id not in self.problem.loose and len(self.problem.receivers_of(unit_id)) > 1]
        if strategy == "smallest":
            return sorted(held, key=lambda unit_id: (units[unit_id].points, unit_id))
        capacity = self.problem.capacity[source]
        excess = self.load[source] - (capacity if goal is None else goal * capacity // PER_MILLE)
        clearing = sorted((u for u in held if units[u].points >= excess), key=lambda u: (units[u].points, u))
        partial = sorted((u for u in held if units[u].points < excess), key=lambda u: (-units[u].points, u))
        return clearing + partial

    def _receiver(self, unit_id: str, source: str, ceiling: int) -> str | None:
        problem = self.problem
        unit = problem.units[unit_id]
        best: tuple[float, int, str] | None = None
        for manager_id in problem.receivers_of(unit_id):
            if manager_id == source or self.count[manager_id] + unit.cases > problem.max_cases[manager_id]:
                continue
            if not self.within_cap(unit_id, manager_id):
                continue
            load_after = self.load[manager_id] + unit.points
            capacity = problem.capacity[manager_id]
            # The receiver must end below the source's current level (else the peak would not fall)
            # unless the source is only over its case-count limit; either way never above the peak.
            below_source = load_after * problem.capacity[source] < self.load[source] * capacity
            if not below_source and self.count[source] <= problem.max_cases[source]:
                continue
            if PER_MILLE * load_after > ceiling * capacity:
                continue
            key = (load_after / capacity, problem.mismatches(unit, manager_id), manager_id)
            if best is None or key < best:
                best = key
        return None if best is None else best[2]


def _below(load: int, capacity: int, level: tuple[int, int]) -> bool:
    """load / capacity < level[0] / level[1], in integers."""
    return load * level[1] < level[0] * capacity
