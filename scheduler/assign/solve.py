"""Caseload balancing: which manager carries each open case. Public API: `assign_cases`.

How it solves (docs/readme/assign.md has the long form):

1. Aggregate (`assign_data`): households become bundles, interchangeable bundles one item type;
   the model counts bundles per (manager, type) instead of deciding per case.
2. One weighted objective (`assign_score`): the named terms of `terms.TERMS` (unassigned points,
   overload, balance (peak per level and overall), moves, region mismatches), with the policy's weights.
3. LP relaxation (`assign_bound`, GLOP): the valid bound. Large instances start from same-region
   receivers and price every other eligible column in (column generation: the coordinating step
   between regions); the LP solution, rounded down and completed greedily, is a start.
4. Local search (`assign_search`) from the better of that and the greedy least-loaded plan.
5. CP-SAT (`assign_model`) on the aggregated model, hinted with the local-search plan, for the time
   left (models up to CP_SAT_COLUMNS receiver columns).
6. The stability pass (`stability`): within the balance tolerance of that solution's peaks and no
   worse in unassigned points, overload and overtime, the fewest moves (local search, then CP-SAT).
   The two passes share the stage's limit (`core.budget.SHARES["assign"]`).
7. Counts become case ids and reasons in `assign_plan`, then a `models.Plan` via `build_plan`.

The reported objective is `assign_score.score_plan` of the final plan; the bound is CP-SAT's when
it saw the exact model and proved more, else the LP's (a bound of the weighted objective: the gap
includes what the stability pass gave up in balance for fewer moves).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

from ortools.sat.python import cp_model

from models.organisation import Config
from models.plan import Plan, SolverStats
from models.result import Result
from scheduler.assign.bound import LpBound, lp_bound
from scheduler.assign.convert import counts_from_chosen, plan_from_counts
from scheduler.assign.data import AssignmentData, Counts, build_data
from scheduler.assign.greedy import complete, greedy_counts, relieved_counts
from scheduler.assign.model import OBJECTIVE_SCALE, AssignmentModel, Coefficients, CpSatBackend
from scheduler.assign.peaks import peak_search
from scheduler.assign.relaxation import class_relaxation
from scheduler.assign.score import score_plan
from scheduler.assign.search import polish
from scheduler.assign.stability import ceilings, settle, stability_coefficients, stability_steps, tolerance_units
from scheduler.assign.terms import TERM_NAMES
from scheduler.core.budget import SHARES
from scheduler.core.clock import BACKSTOP_NOTE, Clock, clock_for
from scheduler.core.cpsat import new_solver
from scheduler.core.options import SolveOptions

# Above this many eligible received[m, t] columns, CP-SAT gets same-region candidates + priced ones.
EXACT_MODEL_COLUMNS = 40_000
# Up to this many variables CP-SAT runs one worker on deterministic time: same seed, same plan.
DETERMINISTIC_VARIABLES = 2_000
# The LP (bound and start) may use half of the time: at XL its column generation needs it.
_LP_SHARE = 0.5
# Above this many receiver columns CP-SAT does not pay within the time limits of DESIGN.md 7
# (presolve alone takes most of it); the local search then has all the remaining time.
CP_SAT_COLUMNS = 60_000
# Exact models up to this many receiver columns (offices of a few managers; S has about 300) get a
# plain CP-SAT try before the peak search: this share of the time left, at most this many seconds.
_PLAIN_FIRST_COLUMNS = 150
_PLAIN_FIRST_SHARE = 0.2
_PLAIN_FIRST_S = 0.3
# Work estimates (seconds on an idle 2-core machine): aggregating the cases and the starts, per case and
# per case and manager (the pair rules judge the drive limit and meeting with travel for every manager:
# 0.94 s at M, 2,500 cases x 100 managers; 13 s at L, 25,000 x 1,000); building the LP, per receiver
# column (L: 71,600 columns).
_BUILD_SECONDS_PER_CASE = 3.6e-4
_BUILD_SECONDS_PER_CASE_AND_MANAGER = 1.6e-7
_LP_BUILD_SECONDS_PER_COLUMN = 2.6e-5
# Building the stability pass's CP-SAT model, per receiver column (0.8 s at M, 33,000 columns): it runs
# only with twice that left, and the work clock is charged the estimate.
_CP_SAT_BUILD_SECONDS_PER_COLUMN = 2.5e-5
# The ladder of passes (`_ladder`): each pass has this many times the limit of the one before, and
# a pass runs only with at least this many seconds of its own.
_PASS_RATIO = 4
_PASS_MIN_S = 0.5
# This share of the limit is kept for the class relaxation's LP (its bound: 4.4 s at L, 2,228 types x 137
# classes; 0.2 s at M) and building it, per item type of the real model (0.8 s at L).
_COARSE_SHARE = 0.15
# From this many eligible columns (M has 34,000, S 800) the passes' own LP may not get its time.
_COARSE_FROM_COLUMNS = 5_000
_COARSE_BUILD_SECONDS_PER_TYPE = 5.5e-5
_LADDER_NOTE = f"passes with limits growing {_PASS_RATIO}-fold"

Steps = Callable[[AssignmentModel], None]


@dataclass(frozen=True)
class StageOutcome:
    status: str
    counts: Counts
    objective: int | None  # objective units
    bound: int | None
    seconds: float
    columns: int


def assign_cases(config: Config, options: SolveOptions, *, minutes_held: Mapping[str, int] | None = None,
                 warm_start: Mapping[str, str | None] | None = None) -> Result[Plan]:
    """Balance caseloads: the plan of which manager carries each open case (no contacts yet).

    `minutes_held` cuts some managers' weeks to what the schedule found they really hold (the schedule
    feedback of `caseload plan`); `warm_start` is a case -> manager assignment to start from (a warm start:
    the plan before the cut), used when it scores better than the greedy one."""
    start = time.monotonic()
    coefficients = Coefficients.from_weights(config.policy.weights)
    # Without a balance or a moves term there is nothing to trade: the balancing pass takes all the time.
    stable = coefficients.balance > 0 and coefficients.moves > 0
    clock = clock_for(options)
    origin = clock.now()
    deadline = origin + clock.budget(options.time_limit_s)
    data = build_data(config, minutes_held=minutes_held)
    # The start: the best of the supervisor's greedy, the relieved placement and the warm start.
    starts = [greedy_counts(data), relieved_counts(data)]
    if warm_start is not None:
        warm = counts_from_chosen(data, warm_start)
        if data.within_intake_caps(warm):  # every start keeps the hard rules; the searches never repair one
            starts.append(warm)
    greedy = min(starts, key=lambda counts: evaluate(data, coefficients, counts, TERM_NAMES))
    clock.charge_estimate(len(config.cases) * (_BUILD_SECONDS_PER_CASE
                                               + _BUILD_SECONDS_PER_CASE_AND_MANAGER * len(config.managers)))
    columns = sum(len(item.receivers) for item in data.types)
    exact = columns <= EXACT_MODEL_COLUMNS
    setting = _Setting(data, coefficients, options, clock, stable, exact,
                       tolerance_units(config.policy.balance_tolerance), origin, minutes_held)
    notes: list[str] = [f"{len(data.types)} item types from {len(config.cases)} cases"]
    if clock.deterministic:
        notes.append("time limit measured in work, so the plan repeats; CP-SAT ran one thread "
                     "(--wall-clock: the wall clock and every worker)")
    # Where the passes' LP may not be built in time, the class relaxation's LP (`relaxation.py`) gives a
    # bound, first, so a wall-clock backstop cannot cut it off. Its work is deterministic: the ladder's
    # passes still repeat exactly whenever it converges within the shorter limit too.
    coarse: int | None = None
    if columns > _COARSE_FROM_COLUMNS:
        coarse, note = _coarse_bound(setting, _COARSE_SHARE * (deadline - origin))
        notes.append(note)
    best = _ladder(setting, greedy, _initial_candidates(data, greedy, exact), deadline)
    notes.extend(best.notes)
    if coarse is not None and (best.bound is None or coarse > best.bound):
        best = replace(best, bound=coarse)
    if clock.cut_by_backstop:
        notes = [BACKSTOP_NOTE if note.startswith("time limit measured in work") else note for note in notes]
    plan, score = best.plan, best.score
    objective = score["objective"]
    bound = None if best.bound is None else min(best.bound / OBJECTIVE_SCALE, objective)
    gap = None if bound is None else (objective - bound) / max(1.0, abs(objective))
    status = "optimal" if gap is not None and gap <= 1e-9 else "feasible"
    runtime = time.monotonic() - start
    stats = SolverStats(
        stage="assignment", status=status, objective=objective, bound=bound,
        gap=None if gap is None else round(gap, 9), runtime_s=round(runtime, 3), workers=options.workers,
        seed=options.seed, objective_terms={name: round(score[name], 6) for name in TERM_NAMES}, notes=notes,
    )
    plan = plan.model_copy(update={"solver": [stats]})
    return Result.from_stats(stats, plan)


@dataclass(frozen=True)
class _Setting:
    """What every pass of one `assign_cases` call shares."""

    data: AssignmentData
    coefficients: Coefficients
    options: SolveOptions
    clock: Clock
    stable: bool  # a stability pass follows the balancing pass
    exact: bool  # the model has every eligible receiver column
    tolerance: int  # the balance tolerance in utilisation units
    origin: float  # the clock when the call began (the ladder's deadlines are fractions from it)
    minutes_held: Mapping[str, int] | None


@dataclass(frozen=True)
class _Pass:
    """The best of the ladder's passes up to some deadline: a balancing pass and its stability pass."""

    plan: Plan  # the plan (after the stability pass), without solver statistics
    score: Mapping[str, float]  # its `score_plan`: the reported objective and terms
    balanced: Counts  # the balancing pass's solution (the next pass's start)
    lp: LpBound
    candidates: dict[int, list[int]]
    bound: int | None  # the best valid bound any pass proved (objective units)
    notes: list[str]
    values: tuple[float, ...]  # every pass's plan objective, in order (for the note)

    @property
    def value(self) -> float:
        return self.score["objective"]


def _ladder(setting: _Setting, start: Counts, candidates: dict[int, list[int]], deadline: float) -> _Pass:
    """More time is never worse: a call with deadline T first makes exactly the plan a call with a
    quarter of the limit makes (the same passes on the work clock), then one more pass warm-started
    from it, and keeps the better. So limits 1x, 4x, 16x, ... never give a worse objective.

    The earlier passes cost a quarter of the limit; the last pass goes on from their best plan and
    reuses a proven LP (the same relaxation), so little is solved twice."""
    clock = setting.clock
    inner = setting.origin + (deadline - setting.origin) / _PASS_RATIO
    earlier: _Pass | None = None
    known_lp: LpBound | None = None
    if inner - clock.now() >= _PASS_MIN_S:
        earlier = _ladder(setting, start, candidates, inner)
        if earlier.bound is not None and earlier.value <= earlier.bound / OBJECTIVE_SCALE:
            return earlier  # proven optimal: nothing to gain
        if evaluate(setting.data, setting.coefficients, earlier.balanced, TERM_NAMES) <= evaluate(
                setting.data, setting.coefficients, start, TERM_NAMES):
            start = earlier.balanced
        candidates = earlier.candidates
        known_lp = earlier.lp if earlier.lp.bound is not None else None
    latest = _one_pass(setting, start, candidates, deadline, known_lp)
    if earlier is None:
        return latest
    bound = max((b for b in (earlier.bound, latest.bound) if b is not None), default=None)
    values = (*earlier.values, latest.value)
    chosen = latest if latest.value <= earlier.value else earlier
    shown = " -> ".join(f"{value:g}" for value in values)
    note = (f"{len(values)} {_LADDER_NOTE}, each from the best plan so far (objectives "
            f"{shown}): kept pass {values.index(chosen.value) + 1}")
    notes = [line for line in chosen.notes if _LADDER_NOTE not in line] + [note]
    return replace(chosen, bound=bound, notes=notes, values=values,
                   lp=latest.lp if latest.lp.bound is not None else earlier.lp, candidates=latest.candidates)


def _coarse_bound(setting: _Setting, seconds: float) -> tuple[int | None, str]:
    """The class relaxation's LP optimum (objective units), a valid bound, and a note."""
    clock = setting.clock
    began = clock.now()
    coarse = class_relaxation(setting.data)
    clock.charge_estimate(_COARSE_BUILD_SECONDS_PER_TYPE * len(setting.data.types))
    every = {item.index: list(item.receivers) for item in coarse.types}
    columns = sum(len(managers) for managers in every.values())
    left = seconds - (clock.now() - began)
    found = lp_bound(coarse, setting.coefficients, _stage_steps(TERM_NAMES), every, left, clock) if left > 0 \
        else LpBound(None, {}, None, 0, 0.0)
    shown = "not proven in time" if found.bound is None else f"{found.bound / OBJECTIVE_SCALE:g}"
    return found.bound, (f"class LP bound: {shown} ({len(coarse.managers)} manager classes, {len(coarse.types)} "
                         f"item types, {columns} columns)")


def _one_pass(setting: _Setting, start: Counts, candidates: dict[int, list[int]], deadline: float,
              known_lp: LpBound | None) -> _Pass:
    """A balancing pass from `start`, then the stability pass from its solution, by `deadline`."""
    data, clock, coefficients = setting.data, setting.clock, setting.coefficients
    began = clock.now()
    window = deadline - began
    balancing_s = window * (SHARES["assign"]["balance"] if setting.stable else 1.0) - _reserve(data)
    if setting.stable:
        # Under load the work measure falls behind the wall clock: the backstop must not cut the
        # stability pass's share off too.
        clock.hold_back(SHARES["assign"]["stability"])
    two, candidates, lp = _solve_stage(data, coefficients, TERM_NAMES, candidates, start, balancing_s,
                                       setting.options, setting.exact, clock, known_lp)
    clock.hold_back(0.0)
    priced = sum(len(managers) for managers in lp.added.values())
    notes = [f"LP bound: {'found' if lp.bound is not None else 'not proven'} in {lp.rounds} round(s), "
             f"{priced} column(s) priced in" + (" (an earlier pass's)" if known_lp is not None else "")]
    finisher = {"local search": "local search",
                "start": "its start (the time limit had passed before the search began)"}.get(
        two.status, f"CP-SAT ({two.status})")
    notes.append(f"finished by {finisher}; {two.columns} receiver columns"
                 + ("" if setting.exact else " (same region + LP-priced)"))
    final = two.counts
    if setting.stable:
        final, note = _stability_pass(data, coefficients, final, setting.tolerance, candidates,
                                      deadline - clock.now() - _reserve(data), setting.options, clock)
        notes.append(note)
    # Passes are compared on the reported objective (the scorer's exact drives, where the model has
    # its item types' mean), so the plan is made and scored here; the work clock is charged for it.
    plan = plan_from_counts(data, final, solver=[])
    score = score_plan(data.config, plan, setting.minutes_held)
    clock.charge_estimate(_reserve(data))
    found = _best_bound(two, lp.bound, setting.exact)
    return _Pass(plan, score, two.counts, lp, candidates, found, notes, (score["objective"],))


def _reserve(data: AssignmentData) -> float:
    """Seconds kept back for turning counts into a plan (grows with the case count), and charged to the
    work clock for each pass's plan. At S it takes 0.04 s; 0.085 s reserved lets the peak search prove S
    optimal within 1 s. At L it takes about 4 s of the 1.3 reserved (the wall-clock backstop covers it)."""
    return 0.06 + len(data.config.cases) * 5e-5


def _initial_candidates(data: AssignmentData, greedy: Counts, exact: bool) -> dict[int, list[int]]:
    """Every eligible receiver (exact), else same-region receivers plus the greedy's choices."""
    candidates: dict[int, list[int]] = {}
    for item in data.types:
        if exact:
            candidates[item.index] = list(item.receivers)
            continue
        regions = {region for region in item.regions if region is not None}
        local = [m for m in item.receivers if data.managers[m].region in regions] if regions else []
        candidates[item.index] = local or list(item.receivers)
    if not exact:
        for manager, index in sorted(greedy.received):
            if manager not in candidates[index]:
                candidates[index].append(manager)
    return candidates


def _stage_steps(names: Sequence[str]) -> Steps:
    def steps(model: AssignmentModel) -> None:
        model.add_variables()
        model.add_conservation()
        model.add_capacity()
        if model.coefficients.balance > 0:
            model.add_peaks()
        model.minimize(names)

    return steps


def _solve_stage(data: AssignmentData, coefficients: Coefficients, names: Sequence[str],
                 candidates: dict[int, list[int]], hint: Counts, budget: float, options: SolveOptions,
                 exact: bool, clock: Clock, known_lp: LpBound | None = None
                 ) -> tuple[StageOutcome, dict[int, list[int]], LpBound]:
    """LP (bound, pricing, rounding; `known_lp` when an earlier pass proved it), local search from the
    better of `hint` and the completed LP rounding, then CP-SAT warm-started from the result when the
    model is small enough."""
    started = clock.now()
    steps = _stage_steps(names)
    columns = sum(len(managers) for managers in candidates.values())
    if math.isinf(started):
        # Past the work clock's wall-clock backstop every deadline has passed (and `started + budget` is no
        # deadline: inf - inf made the time left NaN, which let the peak search build and solve its LP,
        # 4 s on M at --time-limit 1): the start stands.
        return (StageOutcome("start", hint, None, None, 0.0, columns), candidates,
                known_lp or LpBound(None, {}, None, 0, 0.0))
    lp_seconds = _LP_SHARE * budget
    if known_lp is not None:
        lp = known_lp
    elif lp_seconds >= 2 * _LP_BUILD_SECONDS_PER_COLUMN * columns:
        clock.charge_estimate(_LP_BUILD_SECONDS_PER_COLUMN * columns)
        lp = lp_bound(data, coefficients, steps, candidates, max(0.1, lp_seconds), clock)
    else:
        # Building the LP alone would take most of its share (a large office on a short limit):
        # no bound, and the local search gets the time.
        lp = LpBound(None, {}, None, 0, 0.0)
    if not exact:
        candidates = {index: sorted({*managers, *lp.added.get(index, [])})
                      for index, managers in candidates.items()}
    starts = [hint]
    if lp.rounded is not None and known_lp is None:
        starts.append(complete(data, lp.rounded))
    starts.sort(key=lambda start: evaluate(data, coefficients, start, names))
    columns = sum(len(managers) for managers in candidates.values())
    use_cp_sat = columns <= CP_SAT_COLUMNS
    # The local search runs to a local optimum (or the limit) from the better start, then, if time
    # is left, from the other one (the greedy keeps far more cases home); CP-SAT gets what is left.
    hint = starts[0]
    for start in starts:
        search_until = started + budget
        found = polish(data, coefficients, start, search_until, clock, candidates)
        if start is starts[0] or evaluate(data, coefficients, found, names) < evaluate(data, coefficients, hint,
                                                                                       names):
            hint = found
        if clock.now() >= search_until:
            break
    if not exact:
        for manager, index in sorted(hint.received):
            if manager not in candidates[index]:
                candidates[index] = sorted([*candidates[index], manager])
    remaining = budget - (clock.now() - started)
    if not use_cp_sat or remaining <= 0.05:
        return StageOutcome("local search", hint, None, None, 0.0, columns), candidates, lp
    if exact and coefficients.balance > 0 and "balance" in names:
        if columns <= _PLAIN_FIRST_COLUMNS:
            # Plain CP-SAT proves a small office optimal in hundredths of a second where the peak
            # branching spends seconds on weak LP boxes (4 managers, 5 cases: 0.01 s against 9 s), so
            # it gets a short first try; the peak search goes on from its plan if it does not prove.
            first_try_s = min(_PLAIN_FIRST_S, _PLAIN_FIRST_SHARE * remaining)
            first = _cp_sat(data, coefficients, steps, candidates, hint, first_try_s, options, clock)
            if first.status == "optimal":
                return first, candidates, lp
            if evaluate(data, coefficients, first.counts, names) < evaluate(data, coefficients, hint, names):
                hint = first.counts
        return _peak_search(data, coefficients, steps, candidates, names, hint, started + budget, options,
                            columns, clock), candidates, lp
    outcome = _cp_sat(data, coefficients, steps, candidates, hint, remaining, options, clock)
    return outcome, candidates, lp


def _peak_search(data: AssignmentData, coefficients: Coefficients, steps: Steps,
                 candidates: Mapping[int, Sequence[int]], names: Sequence[str], hint: Counts, deadline: float,
                 options: SolveOptions, columns: int, clock: Clock) -> StageOutcome:
    """CP-SAT per integer peak vector (branching on the peaks with GLOP): better plans and bound."""
    started = time.monotonic()
    found = peak_search(data, coefficients, steps, candidates, names, hint,
                        lambda counts: evaluate(data, coefficients, counts, names), deadline,
                        options.workers, options.seed, DETERMINISTIC_VARIABLES, clock)
    status = "optimal" if found.bound is not None and found.bound >= found.objective else "feasible"
    return StageOutcome(status, found.counts, found.objective, found.bound, time.monotonic() - started, columns)


def _cp_sat(data: AssignmentData, coefficients: Coefficients, steps: Steps, candidates: Mapping[int, Sequence[int]],
            hint: Counts, time_limit_s: float, options: SolveOptions, clock: Clock) -> StageOutcome:
    started = time.monotonic()
    began = clock.now()
    backend = CpSatBackend()
    model = AssignmentModel(data, backend, coefficients, candidates)
    steps(model)
    model.hint(hint)
    # Building the model counts against the limit too.
    solver = new_solver(workers=options.workers, seed=options.seed, log=options.log, clock=clock,
                        time_limit_s=max(0.05, time_limit_s - (clock.now() - began)))
    parameters = solver.parameters
    variables = len(backend.model.Proto().variables)
    if variables <= DETERMINISTIC_VARIABLES and not clock.deterministic:
        # Reproducible plans for small models: one worker (parallel workers race to equal optima,
        # and interleaved workers proved 10-20x slower here) stopped by deterministic time; the
        # wall-clock limit stays the cap.
        parameters.num_workers = 1
        parameters.max_deterministic_time = parameters.max_time_in_seconds
    status = solver.Solve(backend.model)
    clock.charge_cp_sat(solver)
    seconds = time.monotonic() - started
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        counts = model.counts(solver.Value)
        return StageOutcome("optimal" if status == cp_model.OPTIMAL else "feasible", counts,
                            round(solver.ObjectiveValue()), math.ceil(solver.BestObjectiveBound() - 1e-6),
                            seconds, len(model.received))
    # No solution in time: the hint is feasible by construction, so it is the answer.
    return StageOutcome("unknown", hint, None, None, seconds, len(model.received))


def _stability_pass(data: AssignmentData, coefficients: Coefficients, counts: Counts, tolerance: int,
                    candidates: Mapping[int, Sequence[int]], budget: float, options: SolveOptions,
                    clock: Clock) -> tuple[Counts, str]:
    """The fewest moves within the tolerance of `counts`' peaks and no worse in unassigned points,
    overload and overtime (`stability`): local search, then CP-SAT hinted with it for the time left."""
    started = clock.now()
    limits = ceilings(data, counts, tolerance)
    stable = stability_coefficients(data, coefficients, limits)
    found = settle(data, stable, counts, limits, started + budget, clock, candidates)
    finisher = "local search"
    columns = sum(len(managers) for managers in candidates.values())
    remaining = budget - (clock.now() - started)
    building = _CP_SAT_BUILD_SECONDS_PER_COLUMN * columns
    if columns <= CP_SAT_COLUMNS and remaining > max(0.05, 2 * building):
        clock.charge_estimate(building)
        outcome = _cp_sat(data, stable, stability_steps(limits), candidates, found, remaining - building, options,
                          clock)
        if evaluate(data, stable, outcome.counts, TERM_NAMES) < evaluate(data, stable, found, TERM_NAMES):
            found = outcome.counts
        finisher = f"CP-SAT ({outcome.status})"
    before, after = _moves(data, counts), _moves(data, found)
    peaks, _ = data.peaks(counts)
    settled, _ = data.peaks(found)
    rise = max((settled[rank] - peaks[rank] for rank in peaks), default=0)
    balancing = evaluate(data, coefficients, counts, TERM_NAMES) / OBJECTIVE_SCALE
    return found, (f"stability pass (peaks within {tolerance} points of the balancing pass's, objective "
                   f"{balancing:g}): cases leaving their manager {before} -> {after}, highest level "
                   f"peak rise {rise} point(s); finished by {finisher}")


def _best_bound(outcome: StageOutcome, lp_value: int | None, exact: bool) -> int | None:
    """The best valid bound in objective units: the LP always, CP-SAT's only for the exact model."""
    bounds = [value for value in (lp_value, outcome.bound if exact else None) if value is not None]
    return max(bounds) if bounds else None


# --- evaluating counts (the model's own arithmetic, for stage limits) ------------------------------


def evaluate(data: AssignmentData, coefficients: Coefficients, counts: Counts, names: Sequence[str]) -> int:
    """The weighted terms `names` (of `terms.TERM_NAMES`) of a solution, in objective units.

    A term whose coefficient is 0 counts 0: the model leaves it out too."""
    return sum(_WEIGHED[name](data, coefficients, counts) for name in names if coefficients.of(name))


def _unassigned_value(data: AssignmentData, coefficients: Coefficients, counts: Counts) -> int:
    return coefficients.unassigned * sum(count * data.types[index].points for index, count in counts.unassigned.items())


def _overload_value(data: AssignmentData, coefficients: Coefficients, counts: Counts) -> int:
    load, cases = data.loads(counts)
    return sum(coefficients.overload * max(0, load[manager.index] - manager.capacity)
               + coefficients.excess * max(0, cases[manager.index] - manager.max_cases) for manager in data.managers)


def _overtime_value(data: AssignmentData, coefficients: Coefficients, counts: Counts) -> int:
    return coefficients.overtime * data.overtime(counts)


def _balance_value(data: AssignmentData, coefficients: Coefficients, counts: Counts) -> int:
    peaks, overall = data.peaks(counts)
    return coefficients.balance * (sum(peaks.values()) + overall)


def _moves_value(data: AssignmentData, coefficients: Coefficients, counts: Counts) -> int:
    return coefficients.moves * _moves(data, counts)


def _region_value(data: AssignmentData, coefficients: Coefficients, counts: Counts) -> int:
    return coefficients.region * sum(
        count * data.region_mismatches(data.types[index], manager)
        for source in (counts.kept, counts.received) for (manager, index), count in source.items())


def _preference_value(data: AssignmentData, coefficients: Coefficients, counts: Counts) -> int:
    return coefficients.preference * sum(
        count * data.preference_misses(data.types[index], manager)
        for source in (counts.kept, counts.received) for (manager, index), count in source.items())


# How each named term of `terms.TERMS` weighs counts (the model's own arithmetic).
_WEIGHED: Mapping[str, Callable[[AssignmentData, Coefficients, Counts], int]] = MappingProxyType({
    "unassigned": _unassigned_value,
    "overload": _overload_value,
    "balance": _balance_value,
    "moves": _moves_value,
    "region": _region_value,
    "preference": _preference_value,
    "overtime": _overtime_value,
})


def _moves(data: AssignmentData, counts: Counts) -> int:
    moves = sum(item.cases * sum(item.held.values()) for item in data.types)
    moves -= sum(count * data.types[index].cases for (_, index), count in counts.kept.items())
    for (manager, index), count in counts.received.items():
        if data.types[index].split_moves is not None:
            moves += count * data.types[index].moves_at(manager)
    for index, count in counts.unassigned.items():
        if data.types[index].split_moves is not None:
            moves += count * data.types[index].current_cases
    return moves
