"""A valid lower bound from the LP relaxation (GLOP), by column generation over receivers.

The LP starts with the candidate receivers the CP-SAT model uses (same region first) and prices
every other eligible received[m, t] column with the duals; columns with a negative reduced cost
are added and the LP is solved again. When no column prices out, the LP optimum is the optimum of
the relaxation of the *exact* model (every eligible receiver), so it is a valid bound even when
CP-SAT only saw the candidates. The priced columns are handed back: they are the cross-region
options worth giving CP-SAT (the coordinating step of the regional decomposition).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp

from scheduler.assign.data import UTILISATION_UNITS, AssignmentData, Counts
from scheduler.assign.model import AssignmentModel, Coefficients, GlopBackend
from scheduler.core.clock import Clock

_PRICE_EPSILON = 1e-6
_MAX_ROUNDS = 50
_COLUMNS_PER_TYPE = 5


@dataclass(frozen=True)
class LpBound:
    bound: int | None  # objective units, rounded up (the integer model's objective is integral)
    added: dict[int, list[int]]  # type -> managers priced in
    rounded: Counts | None  # the LP solution rounded down (a partial solution to complete)
    rounds: int
    seconds: float


def lp_bound(data: AssignmentData, coefficients: Coefficients, model_steps: Callable[[AssignmentModel], None],
             candidates: Mapping[int, Sequence[int]], time_limit_s: float, clock: Clock | None = None) -> LpBound:
    """Solve the LP of `model_steps` (variables, constraints, objective) with column generation.

    `model_steps` may add extra rows over unassigned, over/excess and peak variables only (rows
    over received columns would need pricing here too).
    """
    start = time.monotonic()
    clock = clock or Clock()
    began = clock.now()
    current = {index: list(managers) for index, managers in candidates.items()}
    added: dict[int, list[int]] = {}
    backend = GlopBackend()
    model = AssignmentModel(data, backend, coefficients, current)
    model_steps(model)
    rounded: Counts | None = None
    pricer = _Pricer(model)
    solved = 0
    for rounds in range(1, _MAX_ROUNDS + 1):
        remaining = time_limit_s - (clock.now() - began)
        if remaining <= 0:
            break
        clock.limit_lp(backend.solver, remaining)
        outcome = backend.solver.Solve()
        clock.charge_lp(backend.solver)
        if outcome != pywraplp.Solver.OPTIMAL:
            break
        solved = rounds
        rounded = model.counts(lambda var: math.floor(var.solution_value() + 1e-6))
        new = pricer.priced(backend)
        if not new:
            value = backend.solver.Objective().Value()
            return LpBound(math.ceil(value - 1e-6 * max(1.0, abs(value))), added, rounded, rounds,
                           time.monotonic() - start)
        for index, manager in new:
            _add_column(model, backend, index, manager)
            added.setdefault(index, []).append(manager)
    # Not converged: no valid bound, but the last LP solution still makes a good start.
    return LpBound(None, added, rounded, solved, time.monotonic() - start)


def _add_column(model: AssignmentModel, backend: GlopBackend, index: int, manager: int) -> None:
    """A priced-in received[m, t] column, with its coefficient in every row it belongs to."""
    item = model.data.types[index]
    var = model.add_receiver(item, manager)
    rows = backend.rows
    for name, coefficient in ((f"conserve[{index}]", 1), (f"cap[{manager}]", item.points),
                              (f"cases[{manager}]", item.cases),
                              (f"intake[{manager}]", item.new_at(manager)),
                              (f"peak[{manager}]", UTILISATION_UNITS * item.points),
                              (f"minutes[{manager}]", item.minutes_at(manager)),
                              (f"contacts[{manager}]", item.contacts * model.data.managers[manager].minutes)):
        row = rows.get(name)
        if row is not None:
            row.SetCoefficient(var, coefficient)
    backend.solver.Objective().SetCoefficient(var, model.column_cost(item, manager))


class _Pricer:
    """Reduced costs of every eligible received[m, t] column, vectorised per type (numpy)."""

    def __init__(self, model: AssignmentModel) -> None:
        data = model.data
        self.model = model
        self.receivers = [np.array(item.receivers, dtype=np.int64) for item in data.types]
        names = sorted({m.region for m in data.managers if m.region is not None}
                       | {region for item in data.types for region in item.regions if region is not None})
        self.region_code = {name: code for code, name in enumerate(names)}
        self.region_ids = np.array([-1 if m.region is None else self.region_code[m.region] for m in data.managers],
                                   dtype=np.int64)
        self.costs = [self._costs(item.index) for item in data.types]
        # Minutes of one bundle on each receiver (contacts and that receiver's drives).
        self.minutes = [np.array([item.minutes_at(m) for m in item.receivers], dtype=np.float64)
                        for item in data.types]
        # Coefficient of one bundle in each receiver's contact-slot row (contacts x the week's minutes).
        week_minutes = np.array([m.minutes for m in data.managers], dtype=np.float64)
        self.slot_use = [item.contacts * week_minutes[np.array(item.receivers, dtype=np.int64)]
                         for item in data.types]
        self.present = [np.isin(self.receivers[item.index],
                                np.array(model.candidates.get(item.index, ()), dtype=np.int64))
                        for item in data.types]

    def _costs(self, index: int) -> np.ndarray:
        """column_cost of every receiver of a type: region mismatches (and moves, split households; preference
        misses)."""
        model = self.model
        item = model.data.types[index]
        if item.split_moves is not None or (item.preferred and model.coefficients.preference):
            return np.array([model.column_cost(item, m) for m in item.receivers], dtype=np.float64)
        regions = self.region_ids[self.receivers[index]]
        mismatches = np.zeros(len(regions), dtype=np.int64)
        for region in item.regions:
            if region is not None:
                mismatches += (regions >= 0) & (regions != self.region_code[region])
        return (model.coefficients.region * mismatches).astype(np.float64)

    def priced(self, backend: GlopBackend) -> list[tuple[int, int]]:
        """Columns not in the LP whose reduced cost is negative (marked present from now on)."""
        rows = backend.rows
        data = self.model.data

        def duals(prefix: str, count: int) -> np.ndarray:
            return np.array([_dual(rows, f"{prefix}[{index}]") for index in range(count)], dtype=np.float64)

        managers = len(data.managers)
        cap, cases, peak = duals("cap", managers), duals("cases", managers), duals("peak", managers)
        minutes, contacts = duals("minutes", managers), duals("contacts", managers)
        new: list[tuple[int, int]] = []
        for item in data.types:
            receivers = self.receivers[item.index]
            if receivers.size == 0:
                continue
            conserve = _dual(rows, f"conserve[{item.index}]")
            reduced = (self.costs[item.index] - conserve - cap[receivers] * item.points
                       - cases[receivers] * item.cases - peak[receivers] * (UTILISATION_UNITS * item.points)
                       - minutes[receivers] * self.minutes[item.index]
                       - contacts[receivers] * self.slot_use[item.index])
            wanted = np.flatnonzero((reduced < -_PRICE_EPSILON * max(1.0, abs(conserve)))
                                    & ~self.present[item.index])
            # The most negative few per type and round: degenerate duals price in thousands of
            # columns the LP never uses.
            chosen = wanted[np.argsort(reduced[wanted], kind="stable")[:_COLUMNS_PER_TYPE]]
            for position in sorted(chosen.tolist()):
                new.append((item.index, int(receivers[position])))
            self.present[item.index][chosen] = True
        return new


def _dual(rows: Mapping[str, Any], name: str) -> float:
    row = rows.get(name)
    return float(row.dual_value()) if row is not None else 0.0
