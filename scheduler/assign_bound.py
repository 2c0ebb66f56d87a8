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

from ortools.linear_solver import pywraplp

from scheduler.assign_data import UTILISATION_UNITS, AssignmentData, Counts
from scheduler.assign_model import AssignmentModel, Coefficients, GlopBackend

_PRICE_EPSILON = 1e-6
_MAX_ROUNDS = 30


@dataclass(frozen=True)
class LpBound:
    bound: int | None  # objective units, rounded up (the integer model's objective is integral)
    added: dict[int, list[int]]  # type -> managers priced in
    rounded: Counts | None  # the LP solution rounded down (a partial solution to complete)
    rounds: int
    seconds: float


def lp_bound(data: AssignmentData, coefficients: Coefficients, model_steps: Callable[[AssignmentModel], None],
             candidates: Mapping[int, Sequence[int]], time_limit_s: float) -> LpBound:
    """Solve the LP of `model_steps` (variables, constraints, objective) with column generation.

    `model_steps` may add extra rows over unassigned, over/excess and peak variables only (rows
    over received columns would need pricing here too).
    """
    start = time.monotonic()
    current = {index: list(managers) for index, managers in candidates.items()}
    added: dict[int, list[int]] = {}
    backend = GlopBackend()
    model = AssignmentModel(data, backend, coefficients, current)
    model_steps(model)
    rounded: Counts | None = None
    for rounds in range(1, _MAX_ROUNDS + 1):
        remaining = time_limit_s - (time.monotonic() - start)
        if remaining <= 0:
            break
        backend.solver.SetTimeLimit(int(remaining * 1000))
        if backend.solver.Solve() != pywraplp.Solver.OPTIMAL:
            break
        rounded = model.counts(lambda var: math.floor(var.solution_value() + 1e-6))
        new = _priced_columns(model, backend)
        if not new:
            value = backend.solver.Objective().Value()
            return LpBound(math.ceil(value - 1e-6 * max(1.0, abs(value))), added, rounded, rounds,
                           time.monotonic() - start)
        for index, manager in new:
            _add_column(model, backend, index, manager)
            added.setdefault(index, []).append(manager)
    # Not converged: no valid bound, but the last LP solution still makes a good start.
    return LpBound(None, added, rounded, _MAX_ROUNDS, time.monotonic() - start)


def _add_column(model: AssignmentModel, backend: GlopBackend, index: int, manager: int) -> None:
    """A priced-in received[m, t] column, with its coefficient in every row it belongs to."""
    item = model.data.types[index]
    var = model.add_receiver(item, manager)
    rows = backend.rows
    for name, coefficient in ((f"conserve[{index}]", 1), (f"cap[{manager}]", item.points),
                              (f"cases[{manager}]", item.cases),
                              (f"peak[{manager}]", UTILISATION_UNITS * item.points)):
        row = rows.get(name)
        if row is not None:
            row.SetCoefficient(var, coefficient)
    backend.solver.Objective().SetCoefficient(var, model.column_cost(item, manager))


def _priced_columns(model: AssignmentModel, backend: GlopBackend) -> list[tuple[int, int]]:
    """Eligible received[m, t] columns not in the LP whose reduced cost is negative."""
    rows = backend.rows

    def dual(name: str) -> float:
        row = rows.get(name)
        return row.dual_value() if row is not None else 0.0

    cap = {manager.index: dual(f"cap[{manager.index}]") for manager in model.data.managers}
    cases = {manager.index: dual(f"cases[{manager.index}]") for manager in model.data.managers}
    peak = {manager.index: dual(f"peak[{manager.index}]") for manager in model.data.managers}
    new: list[tuple[int, int]] = []
    for item in model.data.types:
        conserve = dual(f"conserve[{item.index}]")
        for manager in item.receivers:
            if (manager, item.index) in model.received:
                continue
            reduced = (model.column_cost(item, manager) - conserve - cap[manager] * item.points
                       - cases[manager] * item.cases - peak[manager] * UTILISATION_UNITS * item.points)
            if reduced < -_PRICE_EPSILON * max(1.0, abs(conserve)):
                new.append((item.index, manager))
    return new
