"""The CP-SAT model of rebalancing: how many units of each bucket leave, how many of each kind arrive.

Built once, in named steps (variables, one function per constraint group); each stage of a
rebalance then only tightens the bounds of a few summary variables (peak utilisation, moves,
excess cases) and sets its own objective, warm-started from the previous stage.
Nothing CP-SAT leaves this module: `solve` returns a plain `Solution`.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ortools.sat.python import cp_model

from scheduler.core.budget import MIN_STEP_S, Budget
from scheduler.core.cpsat import new_solver
from scheduler.core.options import SolveOptions
from scheduler.rebalance.units import PEAK_SCALE, Kind, RebalanceProblem, Unit

PER_MILLE = PEAK_SCALE

LOCAL_SEARCH_COLUMNS = 2_000

_SLOW_SUBSOLVERS = ("rnd_var_lns", "rnd_cst_lns", "graph_var_lns", "graph_arc_lns", "graph_cst_lns",
                    "graph_dec_lns", "rins/rens", "feasibility_pump")

_STATUS: Mapping[cp_model.CpSolverStatus, str] = MappingProxyType({
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "unknown",
    cp_model.UNKNOWN: "unknown",
})


@dataclass(frozen=True)
class Solution:
    """One stage's answer in plain numbers."""

    status: str
    objective: float | None
    bound: float | None
    runtime_s: float
    released: tuple[int, ...] = ()
    """Per bucket: how many of its units leave their holder."""
    received: Mapping[tuple[str, int], int] = field(default_factory=dict)
    """(manager, kind) -> units of that kind the manager receives."""
    loose_choice: Mapping[str, str] = field(default_factory=dict)
    """Loose unit -> the manager it goes to."""
    peak: int = 0
    moves: int = 0
    excess_by_manager: Mapping[str, int] = field(default_factory=dict)
    load_by_manager: Mapping[str, int] = field(default_factory=dict)
    over_goal: int = 0
    """Scaled points above the stage's goal, summed over managers (0: the goal is reached)."""
    excess_cases: int = 0
    unplaced: Mapping[int, int] = field(default_factory=dict)
    """Kind -> units of intake, or forced off their holder, left unassigned (every taker at its intake cap)."""
    loose_unplaced: tuple[str, ...] = ()
    """Split households left unassigned (every receiver at its intake cap); their locked cases stay."""
    secondary: int = 0

    @property
    def found(self) -> bool:
        return self.status in ("optimal", "feasible")

    @property
    def unplaced_units(self) -> int:
        return sum(self.unplaced.values()) + len(self.loose_unplaced)


@dataclass(frozen=True)
class StageLimits:
    """Upper bounds a stage imposes; None leaves a bound open."""

    peak: int | None = None
    moves: int | None = None
    excess_cases: int | None = None
    unplaced: int | None = None
    """Units left unassigned (only intake, or units forced off their holder, when intake caps leave no taker)."""
    goal: int | None = None
    """The utilisation (thousandths) the elastic stages aim for; load above it is counted, not refused."""


class RebalanceModel:
    """Counts of units kept, released and received, with loads, peak utilisation and move counts."""

    def __init__(self, problem: RebalanceProblem, *, continuity_weight: int, region_weight: int,
                 preference_weight: int = 0, budget: Budget | None = None) -> None:
        self.problem = problem
        # The command's budget: every solve is measured on its clock and never outlasts it.
        self.budget = budget
        self.model = cp_model.CpModel()
        self._continuity_weight = continuity_weight
        self._region_weight = region_weight
        self._preference_weight = preference_weight
        self._goal_value = 0
        self._add_variables()
        self._add_kind_conservation()
        self._add_loose_units_placed_once()
        self._add_manager_limits()
        self._add_intake_caps()
        self._add_summaries()

    # --- variables -------------------------------------------------------------------------------

    def _add_variables(self) -> None:
        problem = self.problem
        supply: dict[int, int] = defaultdict(int)
        for bucket in problem.buckets:
            supply[bucket.kind] += bucket.count
        for pool_kind, unit_ids in problem.pools.items():
            supply[pool_kind] += len(unit_ids)
        self.release = [
            self.model.new_int_var(bucket.count if bucket.forced else 0, bucket.count, f"release_{index}")
            for index, bucket in enumerate(problem.buckets)
        ]
        self.receive: dict[tuple[str, int], cp_model.IntVar] = {}
        for kind_index, receivers in enumerate(problem.receivers):
            for manager_id in receivers:
                self.receive[manager_id, kind_index] = self.model.new_int_var(
                    0, supply[kind_index], f"receive_{manager_id}_{kind_index}")
        self.loose: dict[str, dict[str, cp_model.IntVar]] = {
            unit_id: {manager_id: self.model.new_bool_var(f"loose_{unit_id}_{manager_id}")
                      for manager_id in problem.receivers_of(unit_id)}
            for unit_id in problem.loose
        }
        upper = _peak_upper_bound(problem)
        self.peak = self.model.new_int_var(0, upper, "peak_per_mille")
        total_cases = sum(unit.cases for unit in problem.units.values())
        self.moves = self.model.new_int_var(0, total_cases, "moves")
        self.excess = {
            manager_id: self.model.new_int_var(0, total_cases, f"excess_cases_{manager_id}")
            for manager_id in problem.manager_ids
        }
        self.excess_cases = self.model.new_int_var(0, total_cases * len(problem.manager_ids), "excess_cases")
        self.goal = self.model.new_int_var(0, upper, "goal_per_mille")
        self.over = {
            manager_id: self.model.new_int_var(0, problem.total_points, f"over_goal_{manager_id}")
            for manager_id in problem.manager_ids
        }
        self.over_goal = self.model.new_int_var(0, problem.total_points, "over_goal")
        self.unplaced = self._unplaced_variables(supply)
        # With intake caps a split household may find every receiver at its cap: it may then stay unplaced.
        capped = any(cap is not None for cap in problem.intake_cap.values())
        self.loose_unplaced: dict[str, cp_model.IntVar] = {
            unit_id: self.model.new_bool_var(f"loose_unplaced_{unit_id}") for unit_id in problem.loose if capped}
        self.unplaced_total = self.model.new_int_var(0, self._upper_unplaced(), "unplaced")

    def _unplaced_variables(self, supply: Mapping[int, int]) -> dict[int, cp_model.IntVar]:
        """Per kind, the units that may stay unplaced: intake and units forced off their holder, and only
        when some manager has an intake cap (without caps everyone may take them, over capacity if need be)."""
        problem = self.problem
        if all(cap is None for cap in problem.intake_cap.values()):
            return {}
        placeable: dict[int, int] = {kind: len(unit_ids) for kind, unit_ids in problem.pools.items()}
        for bucket in problem.buckets:
            if bucket.forced:
                placeable[bucket.kind] = placeable.get(bucket.kind, 0) + bucket.count
        return {kind: self.model.new_int_var(0, min(count, supply[kind]), f"unplaced_{kind}")
                for kind, count in sorted(placeable.items()) if count}

    def _upper_unplaced(self) -> int:
        return sum(int(variable.proto.domain[1]) for variable in self.unplaced.values()) + len(self.loose_unplaced)

    # --- constraints -----------------------------------------------------------------------------

    def _add_kind_conservation(self) -> None:
        """Every unit that leaves a manager, and every intake unit, arrives somewhere: units of one kind
        are interchangeable, so counts suffice. Intake that some manager may take is always placed
        (over a case-count limit if need be: unassigned work ranks first among the objectives), but
        for intake and units forced off their holder that every taker's intake cap turns away."""
        leaving: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for index, bucket in enumerate(self.problem.buckets):
            leaving[bucket.kind].append(self.release[index])
        arriving: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for (_, kind), variable in self.receive.items():
            arriving[kind].append(variable)
        for kind in range(len(self.problem.kinds)):
            pool = len(self.problem.pools.get(kind, ()))
            unplaced = self.unplaced.get(kind)
            self.model.add(sum(leaving[kind]) + pool == sum(arriving[kind]) + (0 if unplaced is None else unplaced))

    def _add_loose_units_placed_once(self) -> None:
        for unit_id, choices in self.loose.items():
            unplaced = self.loose_unplaced.get(unit_id)
            self.model.add_exactly_one([*choices.values(), *([] if unplaced is None else [unplaced])])

    def _add_manager_limits(self) -> None:
        """Load within peak x capacity; case count within max_cases plus a counted excess."""
        load, count = self._manager_terms()
        self.load = load
        for manager_id in self.problem.manager_ids:
            capacity = self.problem.capacity[manager_id]
            self.model.add(PER_MILLE * load[manager_id] <= capacity * self.peak)
            self.model.add(count[manager_id] <= self.problem.max_cases[manager_id] + self.excess[manager_id])
            # Elastic form of "within the goal": large neighbourhood search moves through states
            # that are not there yet, from any warm start.
            self.model.add(PER_MILLE * load[manager_id] <= capacity * self.goal + PER_MILLE * self.over[manager_id])

    def _add_intake_caps(self) -> None:
        """Hard: the cases new to a capped manager (intake joining a unit they keep or are locked to, units
        received, a split household's cases they do not hold) stay within their intake cap. A unit received
        back by its own holder counts as new: the model never prefers that to keeping it."""
        problem = self.problem
        capped = {manager_id: cap for manager_id, cap in problem.intake_cap.items() if cap is not None}
        if not capped:
            return
        fixed = problem.fixed_new_cases()
        new: dict[str, list[cp_model.LinearExprT]] = {manager_id: [] for manager_id in capped}
        for index, bucket in enumerate(problem.buckets):
            intake = problem.kinds[bucket.kind].cases - bucket.moved_cases
            if bucket.holder in new and intake:
                new[bucket.holder].append(intake * (bucket.count - self.release[index]))
        for (manager_id, kind_index), variable in self.receive.items():
            if manager_id in new:
                new[manager_id].append(problem.kinds[kind_index].cases * variable)
        for unit_id, choices in self.loose.items():
            for manager_id, chosen in choices.items():
                if manager_id in new and problem.new_cases(unit_id, manager_id):
                    new[manager_id].append(problem.new_cases(unit_id, manager_id) * chosen)
        for manager_id, cap in sorted(capped.items()):
            self.model.add(fixed[manager_id] + sum(new[manager_id]) <= cap)

    def _manager_terms(self) -> tuple[dict[str, cp_model.LinearExprT], dict[str, cp_model.LinearExprT]]:
        problem = self.problem
        fixed = problem.fixed_load()
        load: dict[str, list[cp_model.LinearExprT]] = {m: [fixed[m][0]] for m in problem.manager_ids}
        count: dict[str, list[cp_model.LinearExprT]] = {m: [fixed[m][1]] for m in problem.manager_ids}
        for index, bucket in enumerate(problem.buckets):
            kind = problem.kinds[bucket.kind]
            kept = bucket.count - self.release[index]
            load[bucket.holder].append(kind.points * kept)
            count[bucket.holder].append(kind.cases * kept)
        for (manager_id, kind_index), variable in self.receive.items():
            kind = problem.kinds[kind_index]
            load[manager_id].append(kind.points * variable)
            count[manager_id].append(kind.cases * variable)
        for unit_id, choices in self.loose.items():
            unit = problem.units[unit_id]
            for manager_id, chosen in choices.items():
                load[manager_id].append(unit.points * chosen)
                count[manager_id].append(unit.cases * chosen)
        return ({m: sum(terms) for m, terms in load.items()},
                {m: sum(terms) for m, terms in count.items()})

    def _add_summaries(self) -> None:
        problem = self.problem
        moved: list[cp_model.LinearExprT] = [
            bucket.moved_cases * self.release[index] for index, bucket in enumerate(problem.buckets)
        ]
        for unit_id, choices in self.loose.items():
            unit = problem.units[unit_id]
            moved.extend(unit.moved_cases(manager_id) * chosen for manager_id, chosen in choices.items())
        for unit_id, unplaced in self.loose_unplaced.items():
            moved.append(_unlocked_held(problem, unit_id) * unplaced)
        self.model.add(self.moves == sum(moved))
        self.model.add(self.excess_cases == sum(self.excess.values()))
        self.model.add(self.over_goal == sum(self.over.values()))
        self.model.add(self.unplaced_total == sum(self.unplaced.values()) + sum(self.loose_unplaced.values()))

    # --- objective terms ----------------------------------------------------------------------------

    def continuity_term(self) -> cp_model.LinearExprT:
        """Continuity lost by the cases that move (recent and uncontacted cases cost less)."""
        terms: list[cp_model.LinearExprT] = [
            bucket.continuity * self.release[index] for index, bucket in enumerate(self.problem.buckets)
        ]
        for unit_id, choices in self.loose.items():
            unit = self.problem.units[unit_id]
            terms.extend(unit.continuity(manager_id) * chosen for manager_id, chosen in choices.items())
        return sum(terms)

    def region_term(self) -> cp_model.LinearExprT:
        """Cases held outside their client's region afterwards (kept units count too: sending one
        home is worth something)."""
        return self._per_case_term(self.problem.mismatches)

    def preference_term(self) -> cp_model.LinearExprT:
        """Cases held afterwards by another manager than the one their client prefers, while that one may
        carry them (kept units count too, as in `region_term`)."""
        return self._per_case_term(self.problem.away_from_preferred)

    def _per_case_term(self, count: Callable[[Kind | Unit, str], int]) -> cp_model.LinearExprT:
        """count(kind or unit, manager) for every unit where it ends: kept by its holder, received, or a loose
        unit's choice."""
        problem = self.problem
        terms: list[cp_model.LinearExprT] = []
        for index, bucket in enumerate(problem.buckets):
            kept = count(problem.kinds[bucket.kind], bucket.holder)
            if kept:
                terms.append(kept * (bucket.count - self.release[index]))
        for (manager_id, kind_index), variable in self.receive.items():
            received = count(problem.kinds[kind_index], manager_id)
            if received:
                terms.append(received * variable)
        for unit_id, choices in self.loose.items():
            unit = problem.units[unit_id]
            terms.extend(count(unit, manager_id) * chosen for manager_id, chosen in choices.items()
                         if count(unit, manager_id))
        return sum(terms)

    @property
    def has_secondary_terms(self) -> bool:
        return bool(self._continuity_weight or self._region_weight or self._preference_weight)

    def secondary_term(self) -> cp_model.LinearExprT:
        """Among equally few moves: least continuity lost, fewest cases outside their region and away from
        their preferred manager, by the policy's weights. A term whose policy weight is 0 is left out."""
        terms: list[cp_model.LinearExprT] = []
        if self._continuity_weight:
            terms.append(self._continuity_weight * self.continuity_term())
        if self._region_weight:
            terms.append(self._region_weight * self.region_term())
        if self._preference_weight:
            terms.append(self._preference_weight * self.preference_term())
        return sum(terms)

    # --- stages -------------------------------------------------------------------------------------

    def minimise_excess_cases(self, limits: StageLimits, options: SolveOptions,
                              hint: Solution | None) -> Solution:
        """Units left unplaced (intake caps may force some) first, then cases beyond max_cases (intake and
        cases that must move may force some)."""
        weight = self._upper(self.excess_cases) + 1
        return self._solve(self.unplaced_total * weight + self.excess_cases, limits, options, hint)

    def minimise_peak(self, limits: StageLimits, options: SolveOptions, hint: Solution | None) -> Solution:
        return self._solve(self.peak, limits, options, hint)

    def proven_moves(self, solution: Solution, limits: StageLimits) -> int | None:
        """The move count `minimise_moves_then_peak` proved no solution below (None: nothing proven).
        With the goal met, the objective is moves x peak weight + peak, and the peak < its weight."""
        if solution.bound is None or solution.over_goal > 0:
            return None
        return math.floor(solution.bound + 1e-9) // self._peak_weight(limits)

    def _peak_weight(self, limits: StageLimits) -> int:
        return (limits.peak if limits.peak is not None else self._upper(self.peak)) + 1

    def minimise_moves_then_peak(self, limits: StageLimits, options: SolveOptions,
                                 hint: Solution | None) -> Solution:
        """Load above the goal first, then the fewest moves, then the lowest peak (each term's range is
        bounded by the limits, so the weights keep the order exact)."""
        peak_weight = self._peak_weight(limits)
        moves_range = (limits.moves if limits.moves is not None else self._upper(self.moves)) + 1
        objective = self.moves * peak_weight + self.peak
        if limits.goal is not None:
            objective += self.over_goal * (moves_range * peak_weight)
        return self._solve(objective, limits, options, hint)

    def minimise_moves(self, limits: StageLimits, options: SolveOptions, hint: Solution | None) -> Solution:
        """Load above `limits.goal` first (0 when the goal is reachable), then the fewest moves."""
        weight = self._upper(self.moves) + 1
        return self._solve(self.over_goal * weight + self.moves, limits, options, hint)

    def minimise_secondary(self, limits: StageLimits, options: SolveOptions,
                           hint: Solution | None) -> Solution:
        return self._solve(self.secondary_term(), limits, options, hint)

    # --- solving and reading back -------------------------------------------------------------------

    def _solve(self, objective: cp_model.LinearExprT, limits: StageLimits, options: SolveOptions,
               hint: Solution | None) -> Solution:
        self._set_limits(limits)
        self.model.minimize(objective)
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        if hint is not None and hint.found:
            self._add_hint(hint)
        limit = options.time_limit_s if self.budget is None else min(options.time_limit_s, self.budget.remaining())
        solver = new_solver(workers=options.workers, seed=options.seed, time_limit_s=max(MIN_STEP_S, limit),
                            log=options.log, clock=None if self.budget is None else self.budget.clock)
        # On a state agency's model presolve alone outlasts the stage; the warm start needs none.
        solver.parameters.cp_model_presolve = self.problem.narrowed is False
        if len(self.receive) > LOCAL_SEARCH_COLUMNS:
            # Measured on the M tier: violation local search improves a warm start 3-5x faster than
            # the large-neighbourhood workers on this counting model; the LP worker still proves bounds.
            # (On small models the neighbourhoods prove optimality quickly: they stay.)
            solver.parameters.ignore_subsolvers.extend(_SLOW_SUBSOLVERS)
        started = time.perf_counter()
        status = solver.solve(self.model)
        runtime = time.perf_counter() - started
        if self.budget is not None:
            self.budget.charge(solver)
        name = _STATUS.get(status, "unknown")
        if name not in ("optimal", "feasible"):
            return Solution(status=name, objective=None, bound=None, runtime_s=runtime)
        return self._read(solver, name, runtime)

    def _set_limits(self, limits: StageLimits) -> None:
        for variable, upper in ((self.peak, limits.peak), (self.moves, limits.moves),
                                (self.excess_cases, limits.excess_cases), (self.unplaced_total, limits.unplaced)):
            domain = variable.proto.domain
            domain[1] = self._upper(variable) if upper is None else max(domain[0], upper)
        goal = self._upper(self.peak) if limits.goal is None else limits.goal
        self.goal.proto.domain[0] = goal
        self.goal.proto.domain[1] = goal
        self._goal_value = goal

    def _upper(self, variable: cp_model.IntVar) -> int:
        """The widest upper bound of a summary variable (what a stage without a limit restores)."""
        uppers = {
            self.peak.index: _peak_upper_bound(self.problem),
            self.moves.index: sum(unit.cases for unit in self.problem.units.values()),
            self.excess_cases.index: sum(unit.cases for unit in self.problem.units.values())
            * len(self.problem.manager_ids),
            self.unplaced_total.index: self._upper_unplaced(),
        }
        return uppers[variable.index]

    def _add_hint(self, hint: Solution) -> None:
        for index, variable in enumerate(self.release):
            self.model.add_hint(variable, hint.released[index])
        for key, variable in self.receive.items():
            self.model.add_hint(variable, hint.received.get(key, 0))
        for unit_id, choices in self.loose.items():
            for manager_id, variable in choices.items():
                self.model.add_hint(variable, int(hint.loose_choice.get(unit_id) == manager_id))
        for kind, variable in self.unplaced.items():
            self.model.add_hint(variable, hint.unplaced.get(kind, 0))
        for unit_id, variable in self.loose_unplaced.items():
            self.model.add_hint(variable, int(unit_id in hint.loose_unplaced))
        if hint.load_by_manager:
            # A complete hint lets CP-SAT take it as its first solution at once.
            for manager_id, variable in self.excess.items():
                self.model.add_hint(variable, hint.excess_by_manager.get(manager_id, 0))
            self.model.add_hint(self.excess_cases, hint.excess_cases)
            self.model.add_hint(self.unplaced_total, hint.unplaced_units)
            self.model.add_hint(self.peak, hint.peak)
            self.model.add_hint(self.moves, hint.moves)
            self.model.add_hint(self.goal, self._goal_value)
            over = {manager_id: self._over(hint.load_by_manager[manager_id], manager_id)
                    for manager_id in self.problem.manager_ids}
            for manager_id, variable in self.over.items():
                self.model.add_hint(variable, over[manager_id])
            self.model.add_hint(self.over_goal, sum(over.values()))

    def _over(self, load: int, manager_id: str) -> int:
        above = PER_MILLE * load - self.problem.capacity[manager_id] * self._goal_value
        return max(0, -(-above // PER_MILLE))

    def _read(self, solver: cp_model.CpSolver, status: str, runtime: float) -> Solution:
        loads = {manager_id: int(solver.value(expression)) for manager_id, expression in self.load.items()}
        return Solution(
            status=status,
            objective=solver.objective_value,
            bound=solver.best_objective_bound,
            runtime_s=runtime,
            released=tuple(int(solver.value(variable)) for variable in self.release),
            received={key: value for key, variable in self.receive.items()
                      if (value := int(solver.value(variable)))},
            loose_choice={unit_id: manager_id for unit_id, choices in self.loose.items()
                          for manager_id, variable in choices.items() if solver.boolean_value(variable)},
            # The true peak of the answer (the variable is only an upper bound unless minimised).
            peak=_peak(self.problem, loads),
            excess_by_manager={manager_id: int(solver.value(variable))
                               for manager_id, variable in self.excess.items()},
            load_by_manager=loads,
            over_goal=int(solver.value(self.over_goal)),
            moves=int(solver.value(self.moves)),
            excess_cases=int(solver.value(self.excess_cases)),
            unplaced={kind: value for kind, variable in self.unplaced.items()
                      if (value := int(solver.value(variable)))},
            loose_unplaced=tuple(unit_id for unit_id, variable in self.loose_unplaced.items()
                                 if solver.boolean_value(variable)),
            secondary=int(solver.value(self.secondary_term())),
        )

    def current_solution(self) -> Solution:
        """Nobody moves and intake waits: always feasible, the first warm start."""
        problem = self.problem
        return Solution(
            status="feasible", objective=None, bound=None, runtime_s=0.0,
            released=tuple(bucket.count if bucket.forced else 0 for bucket in problem.buckets),
            received={},
            loose_choice={unit_id: _largest_holder(problem, unit_id) for unit_id in problem.loose},
        )


def solution_from_units(problem: RebalanceProblem, destination: Mapping[str, str]) -> Solution:
    """The counts of a unit -> manager choice (a heuristic's answer), to warm-start the solver. Intake and
    units forced off their holder missing from `destination` stay unplaced (intake caps turned them away)."""
    released = []
    received: dict[tuple[str, int], int] = defaultdict(int)
    unplaced: dict[int, int] = defaultdict(int)

    def arrive(unit_id: str, kind: int) -> None:
        manager_id = destination.get(unit_id)
        if manager_id is None:
            unplaced[kind] += 1
        else:
            received[manager_id, kind] += 1

    for bucket in problem.buckets:
        leaving = [unit_id for unit_id in bucket.unit_ids if destination.get(unit_id) != bucket.holder]
        released.append(len(leaving))
        for unit_id in leaving:
            arrive(unit_id, bucket.kind)
    for kind, unit_ids in problem.pools.items():
        for unit_id in unit_ids:
            arrive(unit_id, kind)
    fixed = problem.fixed_load()
    load = {manager_id: fixed[manager_id][0] for manager_id in problem.manager_ids}
    count = {manager_id: fixed[manager_id][1] for manager_id in problem.manager_ids}
    for unit_id, manager_id in destination.items():
        load[manager_id] += problem.units[unit_id].points
        count[manager_id] += problem.units[unit_id].cases
    excess = {m: max(0, count[m] - problem.max_cases[m]) for m in problem.manager_ids}
    return Solution(
        status="feasible", objective=None, bound=None, runtime_s=0.0, released=tuple(released),
        received=dict(received),
        loose_choice={unit_id: destination[unit_id] for unit_id in problem.loose if unit_id in destination},
        loose_unplaced=tuple(unit_id for unit_id in problem.loose if unit_id not in destination),
        peak=_peak(problem, load),
        # As the model counts them: a unit forced off its holder moves even when nobody may take it.
        moves=sum(problem.units[unit_id].moved_cases(manager_id) for unit_id, manager_id in destination.items())
        + sum(bucket.moved_cases for bucket in problem.buckets if bucket.forced
              for unit_id in bucket.unit_ids if unit_id not in destination)
        + sum(_unlocked_held(problem, unit_id) for unit_id in problem.loose if unit_id not in destination),
        excess_by_manager=excess,
        excess_cases=sum(excess.values()),
        unplaced=dict(unplaced),
        load_by_manager=load,
    )


def _unlocked_held(problem: RebalanceProblem, unit_id: str) -> int:
    """The unit's cases that have a manager and are not locked to them (those an unplaced unit takes away)."""
    return sum(1 for case_id in problem.units[unit_id].case_ids
               if (case := problem.config.cases_by_id[case_id]).manager is not None and not case.locked)


def _peak(problem: RebalanceProblem, load: Mapping[str, int]) -> int:
    return max((-(-PER_MILLE * load[m] // problem.capacity[m]) for m in problem.manager_ids), default=0)


def _largest_holder(problem: RebalanceProblem, unit_id: str) -> str:
    unit = problem.units[unit_id]
    allowed = problem.receivers_of(unit_id)
    ranked = sorted(((count, holder) for holder, count in unit.holders if holder in allowed),
                    key=lambda item: (-item[0], item[1] or ""))
    return ranked[0][1] or allowed[0] if ranked else allowed[0]


def _peak_upper_bound(problem: RebalanceProblem) -> int:
    """A peak no assignment can exceed: everything on the smallest capacity."""
    smallest = min(problem.capacity.values(), default=1)
    return -(-PER_MILLE * max(problem.total_points, 1) // max(smallest, 1))
