"""The flat MIP peer in HiGHS: one binary per (bundle, eligible manager), the same objective.

What an engineer would otherwise write: no aggregation, no decomposition. Bundles (households
kept together) are the unit, exactly as in the engine; the objective coefficients are the engine's
(`assign_model.Coefficients`), so the HiGHS objective is `score_plan` of its plan. Bench only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from models.organisation import Config
from scheduler.assign.data import UTILISATION_UNITS, Bundle, ItemType, build_data
from scheduler.assign.model import OBJECTIVE_SCALE, Coefficients


@dataclass(frozen=True)
class FlatResult:
    chosen: dict[str, str | None] | None
    objective: float | None  # score units (HiGHS's own objective / OBJECTIVE_SCALE)
    bound: float | None
    status: str
    seconds: float
    columns: int


def solve_flat(config: Config, time_limit_s: float, threads: int, seed: int,
               fixed: dict[str, str | None] | None = None) -> FlatResult:
    """The flat MIP; `fixed` (case -> manager) pins the assignment, to score a plan on this model."""
    started = time.monotonic()
    data = build_data(config)
    coefficients = Coefficients.from_weights(config.policy.weights)
    bundles: list[tuple[Bundle, ItemType]] = [(bundle, item) for item in data.types for bundle in item.bundles]
    columns: list[tuple[int, int]] = []  # (bundle number, manager)
    costs: list[float] = []
    rows: dict[str, list[tuple[int, float]]] = {}
    managers = data.managers
    levels = data.levels

    def row(name: str) -> list[tuple[int, float]]:
        return rows.setdefault(name, [])

    for number, (bundle, item) in enumerate(bundles):
        options = set(item.receivers)
        if bundle.holder is not None and bundle.holder in item.keepers:
            options.add(bundle.holder)
        for manager in sorted(options):
            column = len(columns)
            columns.append((number, manager))
            moves = _moves(bundle, item, manager)
            costs.append(coefficients.moves * moves
                         + coefficients.region * data.region_mismatches(item, manager))
            row(f"b{number}").append((column, 1))
            row(f"cap{manager}").append((column, item.points))
            row(f"cases{manager}").append((column, item.cases))
            row(f"peak{manager}").append((column, UTILISATION_UNITS * item.points))
    x_count = len(columns)
    unassigned_start = x_count
    for number, (bundle, item) in enumerate(bundles):
        costs.append(coefficients.unassigned * item.points + coefficients.moves * _moves(bundle, item, None))
        row(f"b{number}").append((unassigned_start + number, 1))
    over_start = unassigned_start + len(bundles)
    peak_start = over_start + 2 * len(managers)
    for info in managers:
        over, excess = over_start + 2 * info.index, over_start + 2 * info.index + 1
        costs += [coefficients.overload, coefficients.excess]
        row(f"cap{info.index}").append((over, -1))
        row(f"cases{info.index}").append((excess, -1))
        row(f"peak{info.index}").append((peak_start + levels.index(info.level_rank), -info.capacity))
    for position, _ in enumerate(levels):
        costs.append(coefficients.balance)
        row(f"all{position}").extend([(peak_start + len(levels), 1), (peak_start + position, -1)])
    costs.append(coefficients.balance)
    total = len(costs)
    infinity = highspy.kHighsInf
    lower = np.zeros(total)
    upper = np.full(total, infinity)
    upper[:over_start] = 1.0
    if fixed is not None:
        for column, (number, manager) in enumerate(columns):
            value = float(fixed.get(bundles[number][0].case_ids[0]) == managers[manager].id)
            lower[column] = upper[column] = value
        for number, (bundle, _) in enumerate(bundles):
            value = float(fixed.get(bundle.case_ids[0]) is None)
            lower[unassigned_start + number] = upper[unassigned_start + number] = value
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", max(0.1, time_limit_s - (time.monotonic() - started)))
    highs.setOptionValue("threads", threads)
    highs.setOptionValue("random_seed", seed)
    highs.addCols(total, np.array(costs, dtype=float), lower, upper, 0, np.array([], dtype=np.int32),
                  np.array([], dtype=np.int32), np.array([], dtype=float))
    highs.changeColsIntegrality(over_start, np.arange(over_start, dtype=np.int32),
                                np.full(over_start, highspy.HighsVarType.kInteger))
    bounds_low: list[float] = []
    bounds_high: list[float] = []
    starts: list[int] = []
    indices: list[int] = []
    values: list[float] = []
    for name, entries in rows.items():
        low, high = _row_bounds(name, data, infinity)
        bounds_low.append(low)
        bounds_high.append(high)
        starts.append(len(indices))
        for column, value in entries:
            indices.append(column)
            values.append(value)
    highs.addRows(len(starts), np.array(bounds_low), np.array(bounds_high), len(indices),
                  np.array(starts, dtype=np.int32), np.array(indices, dtype=np.int32), np.array(values))
    highs.run()
    seconds = time.monotonic() - started
    result = highs.getInfo()
    status = highs.modelStatusToString(highs.getModelStatus())
    if result.primal_solution_status != 2:  # no feasible point
        return FlatResult(None, None, None, status, seconds, x_count)
    solution = highs.getSolution().col_value
    chosen: dict[str, str | None] = {case.id: case.manager for case in config.cases if case.locked}
    for column, (number, manager) in enumerate(columns):
        if solution[column] > 0.5:
            for case_id in bundles[number][0].case_ids:
                chosen[case_id] = managers[manager].id
    for case in config.cases:
        chosen.setdefault(case.id, None)
    return FlatResult(chosen, result.objective_function_value / OBJECTIVE_SCALE,
                      result.mip_dual_bound / OBJECTIVE_SCALE, status, seconds, x_count)


def _moves(bundle: Bundle, item: ItemType, manager: int | None) -> int:
    """Cases of `bundle` that change manager when it ends at `manager` (None: unassigned)."""
    if bundle.holder is not None:
        return 0 if manager == bundle.holder else item.cases
    return sum(count for holder, count in bundle.current if holder != manager)


def _row_bounds(name: str, data: object, infinity: float) -> tuple[float, float]:
    from scheduler.assign.data import AssignmentData

    assert isinstance(data, AssignmentData)
    if name.startswith("b"):
        return 1.0, 1.0
    if name.startswith("all"):
        return 0.0, infinity
    if name.startswith("cap"):
        manager = data.managers[int(name[3:])]
        return -infinity, float(max(0, manager.capacity - manager.fixed_load))
    if name.startswith("cases"):
        manager = data.managers[int(name[5:])]
        return -infinity, float(max(0, manager.max_cases - manager.fixed_cases))
    manager = data.managers[int(name[4:])]  # peak
    return -infinity, float(-UTILISATION_UNITS * manager.fixed_load)
