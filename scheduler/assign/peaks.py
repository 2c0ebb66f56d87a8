"""Branching on the integer peaks (exact models only): better plans and a tighter bound.

The balance term makes the aggregated model hard: peaks are whole percents in a plan but
fractional in the LP, and CP-SAT's relaxation of the `peak >= utilisation` rows is weak. With
every level's peak *fixed* to an integer, what is left is a transportation-like problem whose LP
is nearly integral: CP-SAT proves one such S model optimal in under a second.

Best-first branch and bound over boxes of peak ranges (one [low, high] per level): GLOP solves the
exact model's LP with the peaks bounded to the box; a box whose LP cannot beat the incumbent is
dropped; otherwise it is split on a fractional LP peak (or, when the LP peaks are integral, around
them on the widest range) until it is a single peak vector, which CP-SAT solves with the peaks
fixed, the incumbent as hint and a cutoff row (objective < incumbent: a vector that cannot beat it
is proven infeasible fast).

Bound: the boxes partition the integer peak vectors, so the minimum over the open boxes' LP values,
the CP-SAT bounds of vectors not closed, and the incumbent is a valid lower bound of the exact
model (it needs the candidates to be every eligible receiver).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from scheduler.assign.data import UTILISATION_UNITS, AssignmentData, Counts
from scheduler.assign.model import AssignmentModel, Coefficients, CpSatBackend, GlopBackend
from scheduler.core.clock import Clock
from scheduler.core.cpsat import new_solver

Evaluate = Callable[[Counts], int]


@dataclass(frozen=True)
class PeakSearch:
    counts: Counts
    objective: int  # objective units of `counts`
    bound: int | None  # objective units; None when the search did not cover every peak vector
    boxes: int  # LPs solved (boxes of peak ranges)
    solved: int  # CP-SAT solves (single peak vectors)


class _PeakLp:
    """The exact model's LP with one bound row per level peak (and the overall peak)."""

    def __init__(self, data: AssignmentData, coefficients: Coefficients, steps: Callable[[AssignmentModel], None],
                 candidates: Mapping[int, Sequence[int]]) -> None:
        self.backend = GlopBackend()
        self.model = AssignmentModel(data, self.backend, coefficients, candidates)
        steps(self.model)
        assert self.model.peak_all is not None
        self.rows = {rank: self.backend.constraint([(self.model.peak[rank], 1)], None, None, f"fix[{rank}]")
                     for rank in data.levels}
        self.row_all = self.backend.constraint([(self.model.peak_all, 1)], None, None, "fix_all")

    def value(self, bounds: Mapping[int, tuple[float, float]], overall: tuple[float, float]) -> float:
        """LP optimum with peak[rank] in bounds[rank] (others free); +inf when infeasible, NaN when
        GLOP ends otherwise (then nothing is proven about the box)."""
        infinity = self.backend.solver.infinity()
        for rank, row in self.rows.items():
            low, high = bounds.get(rank, (-infinity, infinity))
            row.SetBounds(low, high)
        self.row_all.SetBounds(*overall)
        status = self.backend.solver.Solve()
        if status == pywraplp.Solver.INFEASIBLE:
            return math.inf
        if status != pywraplp.Solver.OPTIMAL:
            return math.nan
        value = float(self.backend.solver.Objective().Value())
        return float(math.ceil(value - 1e-6 * max(1.0, abs(value))))


class _FixedPeakCpSat:
    """The exact CP-SAT model once, with the peaks fixed per solve by changing row domains."""

    def __init__(self, data: AssignmentData, coefficients: Coefficients, steps: Callable[[AssignmentModel], None],
                 candidates: Mapping[int, Sequence[int]], names: Sequence[str]) -> None:
        self.backend = CpSatBackend()
        self.model = AssignmentModel(data, self.backend, coefficients, candidates)
        steps(self.model)
        assert self.model.peak_all is not None
        self.rows = {rank: self.backend.constraint([(self.model.peak[rank], 1)], 0, 0, f"fix[{rank}]")
                     for rank in data.levels}
        self.row_all = self.backend.constraint([(self.model.peak_all, 1)], 0, 0, "fix_all")
        # Only solutions better than the incumbent are wanted: a cutoff row makes the others
        # infeasible, which CP-SAT proves fast.
        terms, self.constant = self.model.weighted(names)
        self.cutoff = self.backend.constraint(terms, None, None, "cutoff")
        self.variables = len(self.backend.model.Proto().variables)

    def solve(self, peaks: Mapping[int, int], hint: Counts, below: int, time_limit_s: float, workers: int, seed: int,
              deterministic: bool, clock: Clock) -> tuple[str, Counts | None, float]:
        """(status, counts or None, proven bound in objective units) with the peaks fixed, for
        solutions of objective below `below` ("infeasible": none is)."""
        for rank, row in self.rows.items():
            _set_domain(row, peaks[rank], peaks[rank])
        _set_domain(self.row_all, max(peaks.values()), max(peaks.values()))
        _set_domain(self.cutoff, cp_model.INT_MIN, below - 1 - self.constant)
        self.backend.model.clear_hints()  # type: ignore[no-untyped-call]
        self.model.hint(hint)
        solver = new_solver(workers=1 if deterministic else workers, seed=seed, time_limit_s=time_limit_s,
                            clock=clock)
        if deterministic:
            if not clock.deterministic:
                solver.parameters.max_deterministic_time = time_limit_s
            # One worker: core-based search proved the fixed-peak S model (generated, seed 1) about
            # twice as fast as the defaults, and with it S seeds 1-5 at 1 s are never worse.
            solver.parameters.optimize_with_core = True
        else:
            # The fixed-peak model is transportation-like: its full linear relaxation is nearly exact.
            solver.parameters.linearization_level = 2
        status = solver.Solve(self.backend.model)
        clock.charge_cp_sat(solver)
        if status == cp_model.OPTIMAL:
            return "optimal", self.model.counts(solver.Value), solver.ObjectiveValue()
        if status == cp_model.FEASIBLE:
            return "feasible", self.model.counts(solver.Value), solver.BestObjectiveBound()
        if status == cp_model.INFEASIBLE:
            return "infeasible", None, math.inf
        return "unknown", None, -math.inf


def _set_domain(constraint: Any, low: int, high: int) -> None:
    linear = constraint.proto.linear
    linear.domain.clear()
    linear.domain.extend([low, high])


def peak_search(data: AssignmentData, coefficients: Coefficients, steps: Callable[[AssignmentModel], None],
                candidates: Mapping[int, Sequence[int]], names: Sequence[str], incumbent: Counts, evaluate: Evaluate,
                deadline: float, workers: int, seed: int, deterministic_variables: int,
                clock: Clock | None = None) -> PeakSearch:
    """Improve `incumbent` and bound the exact model by best-first branching on the integer peaks
    (LP per box of peak ranges; CP-SAT once a box is a single peak vector). See the module doc."""
    clock = clock or Clock()
    best, best_value = incumbent, evaluate(incumbent)
    lp = _PeakLp(data, coefficients, steps, candidates)
    cp: _FixedPeakCpSat | None = None
    levels = list(data.levels)
    top = _top(data)
    queue: list[tuple[float, int, Box]] = []
    counter = itertools.count()
    boxes: dict[Box, dict[int, float]] = {}  # open box -> its LP's peaks
    explored = 0
    unproven = False  # a box GLOP did not solve was dropped: no bound

    def push(box: Box) -> None:
        nonlocal explored
        explored += 1
        nonlocal unproven
        value, peaks = _relax(lp, levels, box)
        clock.charge_lp(lp.backend.solver)
        if math.isnan(value):
            unproven = True
        elif value < best_value:
            heapq.heappush(queue, (value, next(counter), box))
            boxes[box] = peaks

    push(tuple((0, top) for _ in levels))
    leaves = 0
    proven_leaves = math.inf  # bounds of single-vector boxes not solved to optimality
    while queue and queue[0][0] < best_value and clock.now() < deadline:
        value, _, box = heapq.heappop(queue)
        peaks = boxes.pop(box)
        if all(low == high for low, high in box):
            if cp is None:
                cp = _FixedPeakCpSat(data, coefficients, steps, candidates, names)
            vector = {rank: low for rank, (low, _) in zip(levels, box, strict=True)}
            status, counts, proven = cp.solve(vector, best, best_value, deadline - clock.now(), workers, seed,
                                              cp.variables <= deterministic_variables, clock)
            leaves += 1
            if counts is not None and evaluate(counts) < best_value:
                best, best_value = counts, evaluate(counts)
            if status != "optimal" and status != "infeasible":
                proven_leaves = min(proven_leaves, max(value, proven))
            continue
        for child in _split(levels, box, peaks):
            push(child)
    open_bound = min((value for value, _, _ in queue), default=math.inf)
    bound = min(open_bound, proven_leaves, float(best_value))
    return PeakSearch(best, best_value, None if unproven else int(bound), explored, leaves)


Box = tuple[tuple[int, int], ...]


def _top(data: AssignmentData) -> int:
    """A peak no plan exceeds: everything on the smallest capacity (utilisation units)."""
    total = sum(item.points * item.total for item in data.types) + sum(m.fixed_load for m in data.managers)
    smallest = min((m.capacity for m in data.managers if m.capacity > 0), default=1)
    return -(-UTILISATION_UNITS * total // smallest) + 1


def _relax(lp: _PeakLp, levels: Sequence[int], box: Box) -> tuple[float, dict[int, float]]:
    bounds = {rank: (float(low), float(high)) for rank, (low, high) in zip(levels, box, strict=True)}
    if all(low == high for low, high in box):
        overall = float(max(low for low, _ in box))
        value = lp.value(bounds, (overall, overall))
    else:
        value = lp.value(bounds, (-math.inf, math.inf))
    peaks = {rank: lp.model.peak[rank].solution_value() for rank in levels} if math.isfinite(value) else {}
    return value, peaks


def _split(levels: Sequence[int], box: Box, peaks: Mapping[int, float]) -> list[Box]:
    """Two boxes covering every integer vector of `box`: on a fractional LP peak, else around an
    integral one on the widest level."""
    for position, rank in enumerate(levels):
        low, high = box[position]
        value = peaks[rank]
        if low < high and abs(value - round(value)) > 1e-6:
            cut = max(low, min(high - 1, math.floor(value)))
            return [_with(box, position, (low, cut)), _with(box, position, (cut + 1, high))]
    position = max(range(len(levels)), key=lambda at: (box[at][1] - box[at][0], -at))
    low, high = box[position]
    cut = max(low, min(high - 1, round(peaks[levels[position]])))
    # The LP's own value on one side alone: that side shrinks towards a single vector.
    if cut == low:
        return [_with(box, position, (low, low)), _with(box, position, (low + 1, high))]
    return [_with(box, position, (low, cut - 1)), _with(box, position, (cut, high))]


def _with(box: Box, position: int, bounds: tuple[int, int]) -> Box:
    return tuple(bounds if at == position else entry for at, entry in enumerate(box))
