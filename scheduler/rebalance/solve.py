"""Reassignment proposals: the fewest moves that relieve overloaded managers, and the trade-off curve.

Stages, each one CP-SAT solve of the same model (scheduler/rebalance/model.py), warm-started from
the one before:

1. placement (only when there is intake, a case count over a limit, or a case its manager may no
   longer carry): the fewest unassigned intake points, then the fewest cases beyond max_cases;
2. best: the lowest peak utilisation any reassignment reaches (within --max-moves);
3. proposal: the fewest moves that bring every manager to the goal — the target utilisation
   (default 100 %) but no more than `policy.balance_tolerance` above the best — then, among those,
   the least continuity lost, the fewest cases outside their client's region and away from the manager
   their client prefers;
4. curve: for descending peak thresholds, the fewest moves that reach each (then the lowest peak
   for that many moves), until more moves stop helping.

Every result comes back through `_plan_for` into a `models.Plan` (scheduler/core/planbuild.py).
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from models.organisation import Case, Config
from models.plan import ManagerLoad, Move, Plan, SolverStats
from models.proposals import CurvePoint, Proposals
from models.reasons import destination_text, manager_label, phrase, reason_text
from models.result import Result
from scheduler.assign import assign_cases
from scheduler.core.budget import MIN_STEP_S, Budget
from scheduler.core.clock import BACKSTOP_NOTE
from scheduler.core.eligibility import Eligibility, tied_household_refusal
from scheduler.core.options import SolveOptions
from scheduler.core.planbuild import build_plan, current_assignment
from scheduler.core.reasons import Reason, default_reason, exclusion_reason, move_rule
from scheduler.rebalance.greedy import Strategy, greedy_rebalance
from scheduler.rebalance.model import PER_MILLE, RebalanceModel, Solution, StageLimits, solution_from_units
from scheduler.rebalance.units import POINT_SCALE, RebalanceProblem, build_problem, peak_lower_bound

_NO_GOAL = 10**9
"""A goal nobody misses: the greedy then only places intake and relieves case-count excess."""

_STRATEGIES: tuple[Strategy, ...] = ("relief", "smallest")

CURVE_STEP = 50
"""Curve thresholds fall on multiples of 5 percentage points, plus 100 %, the goal and the best."""

MAX_CURVE_POINTS = 40
# The curve's time is planned for about this many points (a peak from 150 % down to 90 % in 5-point
# steps); a point that finishes early leaves its time to the next.
CURVE_SOLVES_PLANNED = 12

_RULE_ORDER: Mapping[str, int] = MappingProxyType(
    {"not_eligible": 0, "over_capacity": 1, "household_reunited": 2, "balance": 3, "new_intake": 4})


@dataclass(frozen=True)
class FewestMoves:
    """The fewest moves found to bring every manager to a peak, from a given start."""

    status: str
    moves: int
    peak: float
    bound: float | None
    runtime_s: float


def rebalance(config: Config, options: SolveOptions, *, max_moves: int | None = None,
              target_utilisation: float | None = None, curve: bool = True) -> Result[Proposals]:
    """Proposals for `config`'s current assignment (see the module docstring for the stages).

    `options.time_limit_s` is the whole call's: the proposal's stages and the curve's points share it
    (scheduler/core/budget.py), measured in work unless `options.deterministic` is off.
    """
    started = time.perf_counter()
    budget = Budget("rebalance", options, without=() if curve else ("curve",))
    eligibility = Eligibility(config)
    problem = build_problem(config, eligibility)
    weights = config.policy.weights
    model = RebalanceModel(problem, continuity_weight=_weight(weights.moves), region_weight=_weight(weights.region),
                           preference_weight=_weight(weights.preference), budget=budget)
    before = build_plan(config, current_assignment(config), eligibility=eligibility)
    stats: list[SolverStats] = []
    if max_moves is not None:
        # The cap is on moves a supervisor could decline; moves no plan avoids come on top.
        max_moves += problem.mandatory_moves
    limits, hint = _placement_limits(model, problem, before, max_moves, budget.options_for("placement"), stats)
    if hint is None:
        return _failed(stats, "no assignment was found within the time limit", time.perf_counter() - started)
    best_options = budget.options_for("best")
    floor = peak_lower_bound(problem)
    best = _best_peak(model, problem, limits, best_options, hint, max_moves, floor)
    if not best.found:
        return _failed(stats, "no assignment was found within the time limit", time.perf_counter() - started)
    stats.append(_stats("rebalance:best", best, best_options, {"peak_per_mille": best.peak}))
    goal = _goal(best, floor, target_utilisation, config.policy.balance_tolerance)
    starts = [best, *_assignment_start(problem, budget, limits)]
    chosen = _proposal(model, problem, limits, goal, starts, budget, stats)
    if chosen is not None and chosen.over_goal > 0 and goal < best.peak:
        # The optimistic goal (from the best peak's proven bound) was not reached: aim for the best found.
        goal = best.peak
        chosen = _proposal(model, problem, limits, goal, starts, budget, stats)
    if chosen is None:
        return _failed(stats, "no proposal was found within the time limit", time.perf_counter() - started)
    converter = _Converter(problem, eligibility, before, goal / PER_MILLE)
    plan = converter.plan(chosen, list(stats))
    proposal_runtime = time.perf_counter() - started
    fewest_start = _greedy_hint(problem, _NO_GOAL, max_moves)
    if not _fits(limits, fewest_start) or not _within_caps(problem, fewest_start):
        fewest_start = chosen
    points = _curve(model, converter, limits, best.peak, goal, budget, fewest_start, chosen) if curve else []
    proposals = Proposals(
        goal_utilisation=goal / PER_MILLE,
        best_utilisation=best.peak / PER_MILLE,
        before=before,
        plan=plan,
        curve=points,
        proposal_runtime_s=round(proposal_runtime, 3),
        curve_runtime_s=round(time.perf_counter() - started - proposal_runtime, 3),
    )
    return _result(proposals, stats, time.perf_counter() - started, budget.clock.cut_by_backstop)


def fewest_moves_within(problem: RebalanceProblem, options: SolveOptions, peak: int,
                        start: Mapping[str, str]) -> FewestMoves:
    """The fewest moves that bring every manager within `peak` (thousandths), warm-started from a unit ->
    manager choice such as a greedy's; for comparing heuristics with the solver (bench/rebalance.py)."""
    weights = problem.config.policy.weights
    model = RebalanceModel(problem, continuity_weight=_weight(weights.moves), region_weight=_weight(weights.region),
                           preference_weight=_weight(weights.preference))
    hint = solution_from_units(problem, start)
    limits = StageLimits(excess_cases=hint.excess_cases, unplaced=hint.unplaced_units, goal=peak)
    solution = model.minimise_moves(limits, options, hint)
    if not solution.found or solution.over_goal > 0:
        return FewestMoves("feasible", hint.moves, max(hint.load_by_manager[m] / problem.capacity[m]
                                                       for m in problem.manager_ids), None, solution.runtime_s)
    peak_reached = max(solution.load_by_manager[m] / problem.capacity[m] for m in problem.manager_ids)
    return FewestMoves(solution.status, solution.moves, peak_reached, solution.bound, solution.runtime_s)


def _weight(value: float) -> int:
    """Policy weights are decimals; the solver wants integers (hundredths keep 2 decimals)."""
    return round(value * 100)


def _goal(best: Solution, floor: int, target: float | None, tolerance: float) -> int:
    """Within capacity (or the target), and within the tolerance of the best peak.

    When the best peak is proven it is the reference. When it is not, the reference is the
    solver-free floor: it does not depend on the current assignment, so applying a proposal and
    rebalancing again aims at the same goal (and proposes nothing). If that goal proves out of
    reach, the proposal falls back to the best peak found (see `rebalance`).
    """
    target_per_mille = PER_MILLE if target is None else round(target * PER_MILLE)
    allowance = round(tolerance * PER_MILLE)
    proven = best.bound is not None and math.ceil(best.bound - 1e-9) >= best.peak
    reference = best.peak if proven else floor
    return max(reference, min(target_per_mille, reference + allowance))


def _placement_limits(model: RebalanceModel, problem: RebalanceProblem, before: Plan, max_moves: int | None,
                      options: SolveOptions, stats: list[SolverStats]) -> tuple[StageLimits, Solution | None]:
    """The bounds on units left unplaced (intake caps) and cases beyond max_cases every later stage keeps
    (solved only when some may be needed: intake to place, counts over a limit today, cases that must
    leave their manager, or intake caps)."""
    count_excess = any(load.cases > load.max_cases for load in before.managers)
    forced = any(bucket.forced for bucket in problem.buckets)
    capped = any(cap is not None for cap in problem.intake_cap.values())
    if not problem.pools and not count_excess and not forced and not problem.loose and not capped:
        return StageLimits(moves=max_moves, excess_cases=0, unplaced=0), model.current_solution()
    start = _greedy_hint(problem, _NO_GOAL, max_moves)
    within_moves = max_moves is None or start.moves <= max_moves
    if start.excess_cases == 0 and start.unplaced_units == 0 and within_moves and _within_caps(problem, start):
        # Nothing can beat no excess and nothing unplaced.
        return StageLimits(moves=max_moves, excess_cases=0, unplaced=0), start
    placement = model.minimise_excess_cases(StageLimits(moves=max_moves), options, start)
    if not placement.found:
        if within_moves and _within_caps(problem, start):
            return StageLimits(moves=max_moves, excess_cases=start.excess_cases, unplaced=start.unplaced_units), start
        return StageLimits(moves=max_moves), None
    stats.append(_stats("rebalance:placement", placement, options, {
        "unplaced_units": placement.unplaced_units, "excess_cases": placement.excess_cases}))
    return StageLimits(moves=max_moves, excess_cases=placement.excess_cases,
                       unplaced=placement.unplaced_units), placement


def _within_caps(problem: RebalanceProblem, start: Solution) -> bool:
    """Whether a warm start keeps every manager within their intake cap (a greedy cannot always: intake
    of a household its holder keeps, a split household whose every receiver is at its cap)."""
    if all(cap is None for cap in problem.intake_cap.values()):
        return True
    new = Counter[str]()
    chosen = solution_assignment(problem, start)
    for case in problem.config.cases:
        manager_id = chosen.get(case.id)
        if manager_id is not None and manager_id != case.manager:
            new[manager_id] += 1
    return all(cap is None or new[manager_id] <= cap for manager_id, cap in problem.intake_cap.items())


def _fits(limits: StageLimits, start: Solution) -> bool:
    """Whether a warm start keeps the placement stage's bounds (cases beyond max_cases, units unplaced)."""
    return start.excess_cases <= (limits.excess_cases or 0) and start.unplaced_units <= (limits.unplaced or 0)


def _greedy_hint(problem: RebalanceProblem, goal: int | None, max_moves: int | None) -> Solution:
    """The better warm start of the two greedy orders (with ejection chains): within the goal first,
    then fewer moves; with no goal, the lower peak."""
    # Without a goal (the lowest peak) the two orders end alike and the run is the costliest: one will do.
    strategies = _STRATEGIES if goal is not None else _STRATEGIES[:1]
    starts = [solution_from_units(problem, greedy_rebalance(problem, goal, strategy=strategy, max_moves=max_moves,
                                                            chains=True).destination)
              for strategy in strategies]
    if goal is None:
        return min(starts, key=lambda start: (start.unplaced_units, start.excess_cases, start.peak, start.moves))
    return min(starts, key=lambda start: (start.unplaced_units, start.excess_cases, start.peak > goal, start.moves,
                                          start.peak))


def _best_peak(model: RebalanceModel, problem: RebalanceProblem, limits: StageLimits, options: SolveOptions,
               placed: Solution, max_moves: int | None, floor: int) -> Solution:
    """The lowest peak, started from the greedy's; its bound is at least the solver-free Hall bound.
    When the solver finds nothing in time (a state agency on a busy machine), the start stands."""
    hint = _greedy_hint(problem, None, max_moves)
    if not _fits(limits, hint) or (max_moves is not None and hint.moves > max_moves) or \
            not _within_caps(problem, hint):
        hint = placed
    solution = model.minimise_peak(limits, options, hint)
    if not solution.found:
        solution = replace(hint, status="feasible", objective=float(hint.peak), runtime_s=solution.runtime_s)
    bound = max(solution.bound or 0.0, float(floor))
    return replace(solution, bound=bound, status="optimal" if bound >= solution.peak else solution.status)


def _assignment_start(problem: RebalanceProblem, budget: Budget, limits: StageLimits) -> list[Solution]:
    """A full re-balance by the assignment engine (scheduler/assign/solve.py), as one more warm start: its
    model weighs moves too, and its LP rounding and local search often land near the fewest moves.
    Only for models that are not narrowed (a county office, not a state agency)."""
    if problem.narrowed:
        return []
    options = budget.options_for("assignment_start")
    result = assign_cases(problem.config, options)
    # The assignment stage measures its own work on its own clock; this budget is charged its share.
    budget.clock.charge_estimate(options.time_limit_s)
    if result.plan is None:
        return []
    chosen = {item.case_id: item.manager_id for item in result.plan.assignments}
    destination: dict[str, str] = {}
    for unit_id in problem.kind_of.keys() | set(problem.loose):
        managers = {chosen.get(case_id) for case_id in problem.units[unit_id].case_ids}
        manager_id = managers.pop() if len(managers) == 1 else None
        if manager_id is None or manager_id not in problem.receivers_of(unit_id) + \
                problem.units[unit_id].assigned_holders:
            return []
        destination[unit_id] = manager_id
    start = solution_from_units(problem, destination)
    if not _fits(limits, start) or not _within_caps(problem, start) or \
            (limits.moves is not None and start.moves > limits.moves):
        return []
    return [start]


def _proposal(model: RebalanceModel, problem: RebalanceProblem, limits: StageLimits, goal: int,
              starts: list[Solution], budget: Budget, stats: list[SolverStats]) -> Solution | None:
    options = budget.options_for("proposal")
    greedy = _greedy_hint(problem, goal, limits.moves)
    starts = starts + ([greedy] if _fits(limits, greedy) and _within_caps(problem, greedy) else [])
    hint = min(starts, key=lambda start: (start.peak > goal, start.moves))
    fewest = model.minimise_moves(replace(limits, goal=goal), options, hint)
    if not fewest.found:
        # Nothing better in time: the warm start itself is a valid answer (its status says so).
        fewest = replace(hint, status="feasible", runtime_s=fewest.runtime_s,
                         over_goal=0 if hint.peak <= goal else 1)
    stats.append(_stats("rebalance:fewest-moves", fewest, options, {
        "moves": fewest.moves, "over_goal_points": fewest.over_goal / POINT_SCALE}))
    if fewest.over_goal > 0 or not model.has_secondary_terms:
        # The goal was not reached in time, or nothing is left to choose (both tie-break weights 0).
        return fewest
    tie_break = budget.options_for("tie_break")
    kindest = model.minimise_secondary(replace(limits, peak=goal, moves=fewest.moves), tie_break, fewest)
    if not kindest.found:
        return fewest
    stats.append(_stats("rebalance:continuity", kindest, tie_break, {
        "continuity_and_region": kindest.secondary, "moves": kindest.moves}))
    return kindest


def _curve(model: RebalanceModel, converter: _Converter, limits: StageLimits, best_peak: int, goal: int,
           budget: Budget, first: Solution, proposal: Solution) -> list[CurvePoint]:
    """Pareto points (moves, peak) from no bound down to the best peak, each the fewest moves for it.

    Each point starts from the best of: the point before (a few moves away), the greedy run to the
    new threshold, and the proposal. When the solver finds nothing in time, that start is the point
    (reported as not proven). The points share the curve's part of the budget; the curve stops
    early when the budget is spent."""
    found: list[tuple[int | None, Solution, SolverStats]] = []
    threshold: int | None = None
    peak: int | None = None
    previous = first
    curve_end = budget.clock.now() + budget.share("curve")
    while len(found) < MAX_CURVE_POINTS and not budget.expired():
        # This point's part of the curve's time left: a point that finished early leaves its time to the next.
        points_left = max(1, CURVE_SOLVES_PLANNED - len(found))
        options = replace(budget.options, time_limit_s=max(MIN_STEP_S, min(
            (curve_end - budget.clock.now()) / points_left, budget.remaining())))
        starts = [previous, proposal]
        if threshold is not None:
            starts.append(_greedy_hint(model.problem, threshold, limits.moves))
        starts = [item for item in starts if _fits(limits, item) and _within_caps(model.problem, item)
                  and (peak is None or item.peak <= peak)] or [previous]
        start = min(starts, key=lambda item: (threshold is not None and item.peak > threshold, item.moves, item.peak))
        stage_limits = replace(limits, goal=threshold, peak=peak)
        solution = model.minimise_moves_then_peak(stage_limits, options, start)
        if not solution.found and (threshold is None or start.peak <= threshold) and \
                (peak is None or start.peak <= peak):
            solution = replace(start, status="feasible", runtime_s=solution.runtime_s)
        if not solution.found or solution.over_goal > 0:
            break
        label = "none" if threshold is None else f"{threshold / 10:g}%"
        proven = solution.status == "optimal" or model.proven_moves(solution, stage_limits) == solution.moves
        found.append((threshold, solution, _stats(f"rebalance:curve:{label}", solution, options, {
            "moves": solution.moves, "peak_per_mille": solution.peak, "moves_proven_minimal": float(proven)})))
        if solution.peak <= best_peak:
            break
        threshold = _next_threshold(solution.peak, best_peak, goal)
        peak = solution.peak
        previous = solution
    return [
        converter.curve_point(solution, threshold, stats_item)
        for threshold, solution, stats_item in _pareto(found)
    ]


def _next_threshold(peak: int, best_peak: int, goal: int) -> int:
    below_grid = (peak - 1) // CURVE_STEP * CURVE_STEP
    candidates = [value for value in (below_grid, PER_MILLE, goal, best_peak) if best_peak <= value < peak]
    return max(candidates)


def _pareto(found: list[tuple[int | None, Solution, SolverStats]]) -> list[tuple[int | None, Solution,
                                                                                 SolverStats]]:
    """Drop points another point beats on both moves and peak (possible only when a solve timed out)."""
    kept = []
    for index, item in enumerate(found):
        solution = item[1]
        dominated = any(
            other[1].moves <= solution.moves and other[1].peak <= solution.peak
            and (other[1].moves, other[1].peak) != (solution.moves, solution.peak)
            for other in found
        )
        repeated = any(other[1].moves == solution.moves and other[1].peak == solution.peak
                       for other in found[:index])
        if not dominated and not repeated:
            kept.append(item)
    return kept


def _stats(stage: str, solution: Solution, options: SolveOptions, terms: Mapping[str, float]) -> SolverStats:
    gap = None
    if solution.objective is not None and solution.bound is not None:
        gap = round((solution.objective - solution.bound) / max(1.0, abs(solution.objective)), 6)
    return SolverStats(
        stage=stage, status=solution.status,
        objective=solution.objective, bound=solution.bound, gap=gap, runtime_s=round(solution.runtime_s, 3),
        workers=options.workers, seed=options.seed, objective_terms=dict(terms),
    )


def _failed(stats: list[SolverStats], message: str, runtime_s: float) -> Result[Proposals]:
    return Result.failed("rebalance", "unknown", message, runtime_s, stats)


def _result(proposals: Proposals, stats: list[SolverStats], runtime_s: float, cut: bool) -> Result[Proposals]:
    """Objective and bound of the fewest-moves solve behind the proposal; every stage's statistics."""
    final = [item for item in stats if item.stage == "rebalance:fewest-moves"][-1]
    proven = all(item.status == "optimal" for item in stats)
    summary = proposals.plan.summary
    return Result(
        status="optimal" if proven else "feasible", objective=final.objective, bound=final.bound, gap=final.gap,
        runtime_s=runtime_s, terms=MappingProxyType(dict(final.objective_terms)),
        notes=(*(note for item in stats for note in item.notes), *([BACKSTOP_NOTE] if cut else [])), plan=proposals,
        message=f"{summary.moves} move(s) and {summary.placements} intake placement(s) bring the peak to "
                f"{summary.max_utilisation:.0%}", stages=tuple(stats),
    )


# --- from counts back to cases: the one place solutions become plans ----------------------------------


class _Converter:
    def __init__(self, problem: RebalanceProblem, eligibility: Eligibility, before: Plan, goal: float) -> None:
        self.problem = problem
        self.eligibility = eligibility
        self.before = before
        self.goal = goal

    def plan(self, solution: Solution, stats: list[SolverStats]) -> Plan:
        chosen = solution_assignment(self.problem, solution)
        config = self.problem.config
        after = build_plan(config, chosen, eligibility=self.eligibility)
        reasons = self._reasons(chosen, after)
        unassigned = self._unassigned_reasons(chosen)
        plan = build_plan(config, chosen, move_reasons=reasons, unassigned_reasons=unassigned, solver=stats,
                          eligibility=self.eligibility)
        return plan.model_copy(update={"moves": self._ranked(plan.moves)})

    def curve_point(self, solution: Solution, threshold: int | None, stats: SolverStats) -> CurvePoint:
        plan = self.plan(solution, [stats])
        return CurvePoint(
            moves=solution.moves,
            max_utilisation=plan.summary.max_utilisation,
            overloaded_managers=plan.summary.overloaded_managers,
            threshold=None if threshold is None else threshold / PER_MILLE,
            proven_minimal=stats.status == "optimal" or stats.objective_terms.get("moves_proven_minimal") == 1.0,
            plan=plan,
        )

    def _unassigned_reasons(self, chosen: Mapping[str, str | None]) -> dict[str, Reason]:
        reasons = self._unplaced_reasons(chosen)
        config = self.problem.config
        for case in config.cases:
            exclusion = self.eligibility.exclusion(case)
            if exclusion is not None:
                reasons[case.id] = exclusion_reason(exclusion)
        for unit_id in self.problem.stranded:
            household = [config.cases_by_id[case_id] for case_id in self.problem.units[unit_id].case_ids]
            for case in household:
                if case.id in reasons:
                    continue
                tied = tied_household_refusal(self.eligibility, case, self._household(case))
                reasons[case.id] = (exclusion_reason(tied) if tied is not None
                                    else default_reason("household_conflict"))
        return reasons

    def _unplaced_reasons(self, chosen: Mapping[str, str | None]) -> dict[str, Reason]:
        """Intake, and units forced off their holder, left unplaced: every manager who may take them is at
        capacity or at their intake cap (the model leaves a unit unplaced for nothing else; planbuild then
        checks the claim against the loads)."""
        problem = self.problem
        config = problem.config
        reasons: dict[str, Reason] = {}
        for unit_id, unit in problem.units.items():
            unlocked = [case_id for case_id in unit.case_ids if not config.cases_by_id[case_id].locked]
            if unit_id in problem.fixed or unit_id in problem.stranded or not unlocked or \
                    any(chosen.get(case_id) is not None for case_id in unlocked):
                continue
            count = len(problem.receivers_of(unit_id))
            reason = Reason("capacity_exhausted", reason_text("capacity_exhausted", "intake_cap", count=count))
            reasons.update(dict.fromkeys(unlocked, reason))
        return reasons

    def _household(self, case: Case) -> list[Case]:
        config = self.problem.config
        if not config.policy.households_together:
            return [case]
        return config.cases_by_household[config.clients_by_id[case.client].household_key]

    def _reasons(self, chosen: Mapping[str, str | None], after: Plan) -> dict[str, Reason]:
        config = self.problem.config
        before = {load.manager_id: load for load in self.before.managers}
        later = {load.manager_id: load for load in after.managers}
        unit_of = {case_id: unit for unit in self.problem.units.values() for case_id in unit.case_ids}
        reasons: dict[str, Reason] = {}
        for case in config.cases:
            destination = chosen.get(case.id)
            if destination is None or destination == case.manager:
                continue
            unit = unit_of[case.id]
            companions = [other for other in unit.case_ids
                          if other != case.id and chosen.get(other) == destination
                          and config.cases_by_id[other].manager != destination]
            rule, source_text = self._source_reason(case, unit.id in self.problem.loose, before)
            text = f"{source_text}; {self._destination_text(case, destination, before, later)}"
            if companions:
                text += phrase("moves_with", cases=", ".join(companions))
            reasons[case.id] = Reason(rule, text)
        return reasons

    def _source_reason(self, case: Case, split_household: bool,
                       before: Mapping[str, ManagerLoad]) -> tuple[str, str]:
        """The rule that moves the case (`core.reasons.move_rule`) and, in words, what it says of the
        manager the case leaves."""
        source = None if case.manager is None else before[case.manager]
        refusal = None if case.manager is None else self.eligibility.refusal(case, case.manager)
        rule = move_rule(source, refusal, household=split_household)
        if source is None:
            return rule, reason_text(rule, "without_manager")
        who = _who(self.problem.config, source.manager_id)
        if refusal is not None:
            return rule, reason_text(rule, "may_not_carry", who=who, refusal=refusal.reason)
        if rule == "household_reunited":
            return rule, reason_text(rule, "split_today")
        if rule == "over_capacity":
            variant = "over_cases" if source.cases > source.max_cases else "over_points"
            return rule, reason_text(rule, variant, who=who, cases=source.cases, max_cases=source.max_cases,
                                     utilisation=source.utilisation)
        variant = "above_goal" if source.utilisation > self.goal + 1e-9 else "makes_room"
        return rule, reason_text(rule, variant, who=who, utilisation=source.utilisation, goal=self.goal)

    def _destination_text(self, case: Case, destination: str, before: Mapping[str, ManagerLoad],
                          after: Mapping[str, ManagerLoad]) -> str:
        config = self.problem.config
        manager = config.managers_by_id[destination]
        client = config.clients_by_id[case.client]
        return destination_text(_who(config, destination), manager.level, manager.region, client.region,
                                client.language, config.policy.case_type(case.type).skills,
                                before[destination].utilisation, after[destination].utilisation)

    def _ranked(self, moves: list[Move]) -> list[Move]:
        """Must-moves first, then relief of the most loaded source, households together."""
        before = {load.manager_id: load for load in self.before.managers}
        unit_of = {case_id: unit.id for unit in self.problem.units.values() for case_id in unit.case_ids}
        by_unit: dict[str, list[Move]] = defaultdict(list)
        for move in moves:
            by_unit[unit_of[move.case_id]].append(move)

        def benefit(unit_id: str) -> tuple[int, float, float, str]:
            lead = min(by_unit[unit_id], key=lambda move: _RULE_ORDER.get(move.rule, 9))
            source = before[lead.from_manager].utilisation if lead.from_manager else 0.0
            points = sum(move.points for move in by_unit[unit_id])
            return (_RULE_ORDER.get(lead.rule, 9), -source, -points, unit_id)

        return [move for unit_id in sorted(by_unit, key=benefit)
                for move in sorted(by_unit[unit_id], key=lambda move: move.case_id)]


def _who(config: Config, manager_id: str) -> str:
    return manager_label(manager_id, config.managers_by_id[manager_id].name)


def solution_assignment(problem: RebalanceProblem, solution: Solution) -> dict[str, str | None]:
    """Case -> manager for a solution's counts: which units of a bucket leave and where each goes.

    Units of a bucket (and of a kind) are alike in everything the model weighs, so the choice among
    them is by id, for determinism.
    """
    config = problem.config
    chosen: dict[str, str | None] = {case.id: case.manager for case in config.cases}

    def put(unit_id: str, manager_id: str) -> None:
        for case_id in problem.units[unit_id].case_ids:
            chosen[case_id] = manager_id

    for unit_id, manager_id in problem.fixed.items():
        for case_id in problem.units[unit_id].case_ids:
            chosen[case_id] = config.cases_by_id[case_id].manager or manager_id
    for unit_id in problem.stranded:
        locked = {case.id for case in problem.locked_cases(unit_id)}
        for case_id in problem.units[unit_id].case_ids:
            if case_id not in locked:
                chosen[case_id] = None
    leaving: dict[int, list[tuple[str, str, bool]]] = defaultdict(list)
    for index, bucket in enumerate(problem.buckets):
        released = solution.released[index]
        for position, unit_id in enumerate(bucket.unit_ids):
            if position < released:
                leaving[bucket.kind].append((bucket.holder, unit_id, bucket.forced))
            else:
                put(unit_id, bucket.holder)
    slots: dict[int, dict[str, int]] = defaultdict(dict)
    for (manager_id, kind), count in sorted(solution.received.items()):
        slots[kind][manager_id] = count
    for kind in range(len(problem.kinds)):
        for unit_id in _hand_out(leaving[kind], problem.pools.get(kind, ()), slots[kind], put):
            for case_id in problem.units[unit_id].case_ids:
                chosen[case_id] = None
    for unit_id, manager_id in solution.loose_choice.items():
        put(unit_id, manager_id)
    for unit_id in solution.loose_unplaced:  # every receiver at its intake cap: its locked cases stay
        for case_id in problem.units[unit_id].case_ids:
            if not config.cases_by_id[case_id].locked:
                chosen[case_id] = None
    return chosen


def _hand_out(leaving: list[tuple[str, str, bool]], pool: tuple[str, ...], slots: dict[str, int],
              put: Callable[[str, str], None]) -> list[str]:
    """Give the leaving units (holder, unit, forced off its holder) and the intake pool their receivers;
    the units left over (unplaced: intake caps turned them away)."""
    receivers = [manager_id for manager_id in sorted(slots) for _ in range(slots[manager_id])]
    if len(leaving) + len(pool) > len(receivers):
        # Units that need not leave are handed out first: only intake and units forced off their holder
        # may stay unplaced (the model allows no other), and those go unassigned.
        leaving = sorted(leaving, key=lambda item: item[2])
    waiting: list[str] = []
    for holder, unit_id, _ in leaving:
        # A manager that gives up and takes a unit of the same kind simply keeps its own.
        if slots.get(holder, 0) > 0:
            slots[holder] -= 1
            put(unit_id, holder)
        else:
            waiting.append(unit_id)
    waiting.extend(pool)
    receivers = [manager_id for manager_id in sorted(slots) for _ in range(slots[manager_id])]
    for unit_id, manager_id in zip(waiting, receivers, strict=False):
        put(unit_id, manager_id)
    return waiting[len(receivers):]
