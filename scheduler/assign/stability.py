"""The stability pass: the fewest moves within the balance tolerance (DESIGN.md 5, "Week after week").

The balancing pass (`solve`) minimises the weighted objective of `terms.TERMS`, where at the default
weights one percentage point of peak utilisation is worth 3.3 moves: left alone, it moves cases for
small balance gains, and re-planning a balanced organisation would shuffle it. A case should change
manager only when a rule requires it (eligibility, household, lock), to relieve overload (points,
cases or minutes over the week's), or for a balance gain beyond `policy.balance_tolerance`. So a
second, lexicographic pass starts from the balancing pass's solution and, within

* every level's peak utilisation, and the overall peak, at most the balancing pass's plus the
  tolerance in whole percent (0.05: 5 points; `AssignmentModel.add_band`), and
* unassigned points, points over capacity, cases over max_cases and overtime minutes no more than
  the balancing pass's (`Ceilings`),

minimises moves (and preference misses, at the policy's ratio to a move) first, then the rest of the
objective (balance and region keep their weights' ratio;
unassigned, overload and overtime keep their weights, which outweigh a move). One move is worth
more than any balance and region change inside the band (`stability_coefficients`), so a move
survives only where no plan within the ceilings does without it: the moves a rule or overload relief
needs, and those whose balance gain exceeds the tolerance.

Two steps, both started from the balancing pass's solution (feasible by construction): a local
search that accepts only steps keeping every ceiling (`settle`; any size), then CP-SAT on the
aggregated model with the band and ceiling rows, hinted with that (`stability_steps`; sizes where
CP-SAT pays, as in the balancing pass).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from scheduler.assign.data import UTILISATION_UNITS, AssignmentData, Counts, ItemType, ManagerData
from scheduler.assign.model import AssignmentModel, Coefficients
from scheduler.assign.search import LocalSearch
from scheduler.assign.terms import TERM_NAMES
from scheduler.core.clock import Clock

# A manager's change: (scaled points, cases, minutes, contacts).
Change4 = tuple[int, int, int, int]

# A step the local search may not take (it would break a ceiling).
_FORBIDDEN = 1 << 62


def tolerance_units(tolerance: float) -> int:
    """`policy.balance_tolerance` (a share of capacity) in utilisation units (whole percent, rounded down)."""
    return math.floor(tolerance * UTILISATION_UNITS + 1e-9)


@dataclass(frozen=True)
class Ceilings:
    """What the stability pass may not exceed, in the model's own units."""

    peaks: Mapping[int, int]  # level rank -> highest utilisation (units), tolerance included
    overall: int  # the overall peak, tolerance included
    unassigned: int  # scaled points left unassigned
    over: int  # scaled points over capacity, summed over managers (as the model counts them)
    excess: int  # cases over max_cases, summed
    overtime: int  # minutes beyond the weeks (their minutes, or contacts beyond their slots), summed


def manager_excess(manager: ManagerData, load: int, cases: int) -> tuple[int, int]:
    """(points over capacity, cases over max_cases) of one manager as the model's capacity rows count
    them: over what the locked cases leave (locked cases alone over capacity are not counted)."""
    room = max(manager.capacity - manager.fixed_load, 0)
    case_room = max(manager.max_cases - manager.fixed_cases, 0)
    return (max(0, load - manager.fixed_load - room), max(0, cases - manager.fixed_cases - case_room))


def ceilings(data: AssignmentData, counts: Counts, tolerance: int) -> Ceilings:
    """The ceilings of the stability pass around `counts` (the balancing pass's solution)."""
    peaks, overall = data.peaks(counts)
    load, cases = data.loads(counts)
    over = excess = 0
    for manager in data.managers:
        points, count = manager_excess(manager, load[manager.index], cases[manager.index])
        over += points
        excess += count
    unassigned = sum(count * data.types[index].points for index, count in counts.unassigned.items())
    overtime = data.overtime(counts)
    return Ceilings(peaks={rank: peak + tolerance for rank, peak in peaks.items()}, overall=overall + tolerance,
                    unassigned=unassigned, over=over, excess=excess, overtime=overtime)


def stability_coefficients(data: AssignmentData, coefficients: Coefficients, limits: Ceilings) -> Coefficients:
    """The objective of the stability pass: a move outweighs any balance and region change inside the band.

    Balance and region keep their weights' ratio, divided by their greatest common divisor (small
    numbers); a move costs one more than the largest balance and region terms any plan within the
    ceilings can have; a case away from its preferred manager costs what the policy's weights say
    against a move. Unassigned, overload and overtime keep their coefficients (at sane weights far above
    a move's: one hundredth of a point over capacity outweighs it)."""
    divisor = math.gcd(coefficients.balance, coefficients.region) or 1
    balance = coefficients.balance // divisor
    region = coefficients.region // divisor
    balance_span = sum(limits.peaks.values()) + limits.overall
    region_span = sum(item.cases * item.total for item in data.types)
    moves = balance * balance_span + region * region_span + 1
    # A case away from its preferred manager weighs against a move as the policy says (5 against 3: a case
    # goes back to them), both above any balance and region change inside the band.
    preference = -(-coefficients.preference * moves // coefficients.moves) if coefficients.moves else \
        coefficients.preference // divisor
    return replace(coefficients, balance=balance, region=region, preference=preference, moves=moves)


def stability_steps(limits: Ceilings) -> Callable[[AssignmentModel], None]:
    """The model of the stability pass: the balancing model's rows, the band and the ceilings."""

    def steps(model: AssignmentModel) -> None:
        model.add_variables()
        model.add_conservation()
        model.add_capacity()
        model.add_peaks()
        # add_band takes tolerance on top of `peaks`: the ceilings already hold it.
        model.add_band(limits.peaks, limits.overall, 0)
        add_ceilings(model, limits)
        model.minimize(TERM_NAMES)

    return steps


def add_ceilings(model: AssignmentModel, limits: Ceilings) -> None:
    """Unassigned points, overload and overtime no more than `limits` (rows over the model's variables)."""
    backend = model.backend
    types = model.data.types
    backend.constraint([(model.unassigned[item.index], item.points) for item in types], None, limits.unassigned,
                       "ceiling[unassigned]")
    if model.over:
        backend.constraint([(model.over[m], 1) for m in sorted(model.over)], None, limits.over, "ceiling[over]")
        backend.constraint([(model.excess[m], 1) for m in sorted(model.excess)], None, limits.excess,
                           "ceiling[excess]")
    if model.overtime:
        backend.constraint([(model.overtime[m], 1) for m in sorted(model.overtime)], None, limits.overtime,
                           "ceiling[overtime]")


class BandSearch(LocalSearch):
    """The local search of `search.LocalSearch`, refusing every step that breaks a ceiling."""

    def __init__(self, data: AssignmentData, coefficients: Coefficients, counts: Counts, clock: Clock,
                 candidates: Mapping[int, Sequence[int]] | None, limits: Ceilings) -> None:
        super().__init__(data, coefficients, counts, clock, candidates)
        self.limits = limits
        start = ceilings(data, counts, 0)
        self.totals = [start.unassigned, start.over, start.excess, start.overtime]

    def _totals_after(self, change: Mapping[int, Change4], pool_points: int) -> list[int]:
        """The totals (unassigned, over, excess, overtime) after `change` (manager -> load, cases,
        minutes, contacts) and `pool_points` more unassigned."""
        totals = list(self.totals)
        totals[0] += pool_points
        for manager, (load, cases, minutes, contacts) in change.items():
            info = self.data.managers[manager]
            before = manager_excess(info, self.load[manager], self.cases[manager])
            after = manager_excess(info, self.load[manager] + load, self.cases[manager] + cases)
            totals[1] += after[0] - before[0]
            totals[2] += after[1] - before[1]
            totals[3] += (info.overtime(self.minutes[manager] + minutes, self.contacts[manager] + contacts)
                          - info.overtime(self.minutes[manager], self.contacts[manager]))
        return totals

    def _allowed(self, change: Mapping[int, Change4], pool_points: int) -> bool:
        """Whether `change` keeps every peak within the band and every total within its ceiling."""
        for manager, (load, _, _, _) in change.items():
            if load > 0:
                units = self._units(manager, self.load[manager] + load)
                if units > self.limits.peaks[self.data.managers[manager].level_rank] or units > self.limits.overall:
                    return False
        totals = self._totals_after(change, pool_points)
        ceiling = (self.limits.unassigned, self.limits.over, self.limits.excess, self.limits.overtime)
        return all(value <= limit for value, limit in zip(totals, ceiling, strict=True))

    @staticmethod
    def _move_change(item: ItemType, source: int | None,
                     target: int | None) -> tuple[dict[int, Change4], int]:
        change: dict[int, Change4] = {}
        pool = 0
        for manager, sign in ((source, -1), (target, 1)):
            if manager is None:
                pool += sign * item.points
                continue
            load, cases, minutes, contacts = change.get(manager, (0, 0, 0, 0))
            change[manager] = (load + sign * item.points, cases + sign * item.cases,
                               minutes + sign * item.minutes_at(manager), contacts + sign * item.contacts)
        return change, pool

    def move_delta(self, item: ItemType, source: int | None, target: int | None) -> int:
        change, pool = self._move_change(item, source, target)
        if not self._allowed(change, pool):
            return _FORBIDDEN
        return super().move_delta(item, source, target)

    def swap_delta(self, first: ItemType, a: int, second: ItemType, b: int) -> int:
        change = {a: (second.points - first.points, second.cases - first.cases,
                      second.minutes_at(a) - first.minutes_at(a), second.contacts - first.contacts),
                  b: (first.points - second.points, first.cases - second.cases,
                      first.minutes_at(b) - second.minutes_at(b), first.contacts - second.contacts)}
        if not self._allowed(change, 0):
            return _FORBIDDEN
        return super().swap_delta(first, a, second, b)

    def _improve_once(self, deadline: float) -> int:
        """Only steps that bring bundles home: the balancing pass's search has done the rest."""
        return self._return_home(deadline)

    def _swap_home(self, item: ItemType, source: int, home: int) -> bool:
        """`item` back home from `source`: in exchange for one of home's bundles (`search`), else making
        room by passing a bundle home received (not one of its own) on to a third manager."""
        return super()._swap_home(item, source, home) or self._chain_home(item, source, home)

    def _chain_home(self, item: ItemType, source: int, home: int) -> bool:
        types = self.data.types
        passed = sorted(index for index, count in self.at[home].items()
                        if count > self._keeps(types[index], home) and index != item.index)
        for index in passed:
            other = types[index]
            for target in self.targets[index]:
                if target in (home, source) or not self._may_take(other, target):
                    continue
                change = {source: (-item.points, -item.cases, -item.minutes_at(source), -item.contacts),
                          home: (item.points - other.points, item.cases - other.cases,
                                 item.minutes_at(home) - other.minutes_at(home), item.contacts - other.contacts),
                          target: (other.points, other.cases, other.minutes_at(target), other.contacts)}
                if not self._allowed(change, 0):
                    continue
                first = self.move_delta(other, home, target)
                self.apply(other, home, target)
                if first + self.move_delta(item, source, home) < 0:
                    self.apply(item, source, home)
                    return True
                self.apply(other, target, home)
        return False

    def apply(self, item: ItemType, source: int | None, target: int | None) -> None:
        # Undoing a refused sequence (`_lower_peak`) passes through states above a ceiling: counted too.
        change, pool = self._move_change(item, source, target)
        self.totals = self._totals_after(change, pool)
        super().apply(item, source, target)


def settle(data: AssignmentData, coefficients: Coefficients, counts: Counts, limits: Ceilings, deadline: float,
           clock: Clock, candidates: Mapping[int, Sequence[int]] | None = None) -> Counts:
    """`counts` improved by the local search within `limits` (`coefficients`: `stability_coefficients`)."""
    search = BandSearch(data, coefficients, counts, clock, candidates, limits)
    search.run(deadline)
    return search.counts()

