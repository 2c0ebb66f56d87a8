"""What a stage's time limit is measured in: the wall clock, or work done (repeatable runs).

With the wall clock, how far a search gets before its limit depends on the machine's load, so a
time-limited run may not repeat. A `WorkClock` counts work instead: one tick per check of the
clock by the local searches, and the solvers' own deterministic measures (CP-SAT's deterministic
time, GLOP's simplex iterations) for their solves. The same input and seed then take the same path
on any machine, busy or idle: what-if runs give the same rows in one process, in a process pool and
on a Dask cluster. The wall clock stays a backstop: past `backstop_s` every deadline has passed
(`SolveOptions.wall_clock_backstop`: the CLI keeps --time-limit within 10 %; what-if allows more).

The work units are calibrated so that a work second takes about a wall second on an idle 2-core
machine (bench/results/whatif.md has the measurement).
"""

from __future__ import annotations

import math
import time

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from scheduler.core.options import SolveOptions

# Work seconds per clock check in the local searches (about this many checks per wall second:
# 107,000 at M, 145,000 at L).
SECONDS_PER_TICK = 1 / 100_000
# Work seconds per GLOP simplex iteration, per square root of the LP's variables (an iteration took
# 91 us with 10,000 columns, 250 us with 72,000).
SECONDS_PER_LP_ITERATION_PER_ROOT_VARIABLE = 9.2e-7
# Work seconds per second of CP-SAT deterministic time.
SECONDS_PER_CP_SAT_UNIT = 2.0
# The work estimates are good to about 10 % (1.55-2.0 wall seconds per CP-SAT unit, measured), so a
# deterministic stage plans for this share of its limit.
WORK_SHARE = 0.92
# Added to the backstop: interpreter jitter must not decide a short stage.
BACKSTOP_EXTRA_S = 0.5


class Clock:
    """Wall-clock seconds since the clock was made."""

    deterministic = False
    # Whether the wall-clock backstop cut a deterministic run (never, on the wall clock itself).
    cut_by_backstop = False

    def __init__(self) -> None:
        self._started = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self._started

    def charge_cp_sat(self, solver: cp_model.CpSolver) -> None:
        """Account for a CP-SAT solve (the wall clock saw it already)."""

    def charge_lp(self, solver: pywraplp.Solver) -> None:
        """Account for a GLOP solve (the wall clock saw it already)."""

    def charge_estimate(self, seconds: float) -> None:
        """Account for work estimated from its size (building data or a model; the wall clock saw it)."""

    def budget(self, limit_s: float) -> float:
        """Seconds on this clock a stage with `limit_s` may plan for."""
        return limit_s

    def hold_back(self, share: float) -> None:
        """Keep `share` of the wall-clock backstop for the steps after the current one (0: release it).

        The wall clock has no backstop: its deadlines already fall where the shares put them."""

    def limit_cp_sat(self, solver: cp_model.CpSolver, seconds: float) -> None:
        solver.parameters.max_time_in_seconds = max(0.01, seconds)

    def limit_lp(self, solver: pywraplp.Solver, seconds: float) -> None:
        solver.SetTimeLimit(max(1, int(seconds * 1000)))


class WorkClock(Clock):
    """Seconds of work since the clock was made; the wall clock only as a backstop."""

    deterministic = True

    def __init__(self, backstop_s: float) -> None:
        super().__init__()
        self._work = 0.0
        self._backstop_s = backstop_s
        self._held = 0.0

    def now(self) -> float:
        self._work += SECONDS_PER_TICK
        if self.past_backstop():
            # Past the backstop every deadline has passed: the run is cut on the wall clock, so it
            # may not repeat; the stages say so in their notes.
            self.cut_by_backstop = True
            return math.inf
        return self._work

    def hold_back(self, share: float) -> None:
        """A step whose work is under-measured (a busy or slow machine) reaches the backstop early; held
        back, the backstop falls at (1 - share) of its time for it, so the steps after it still get
        their share of the wall clock (the assignment's stability pass after its balancing pass)."""
        self._held = share

    def _backstop(self) -> float:
        return self._backstop_s * (1.0 - self._held)

    def past_backstop(self) -> bool:
        return time.monotonic() - self._started > self._backstop()

    def wall_left(self) -> float:
        return max(0.01, self._backstop() - (time.monotonic() - self._started))

    def charge_estimate(self, seconds: float) -> None:
        self._work += seconds

    def budget(self, limit_s: float) -> float:
        return WORK_SHARE * limit_s

    def charge_cp_sat(self, solver: cp_model.CpSolver) -> None:
        self._work += solver.response_proto.deterministic_time * SECONDS_PER_CP_SAT_UNIT

    def charge_lp(self, solver: pywraplp.Solver) -> None:
        self._work += solver.iterations() * _seconds_per_iteration(solver)

    def limit_cp_sat(self, solver: cp_model.CpSolver, seconds: float) -> None:
        # One worker: parallel CP-SAT workers race, so even a deterministic limit would not repeat.
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = max(0.001, seconds / SECONDS_PER_CP_SAT_UNIT)
        solver.parameters.max_time_in_seconds = self.wall_left()

    def limit_lp(self, solver: pywraplp.Solver, seconds: float) -> None:
        solver.SetTimeLimit(max(1, int(self.wall_left() * 1000)))
        # GLOP stops on its own measure of work too; iterations are what this clock is charged.
        solver.SetSolverSpecificParametersAsString(
            f"max_number_of_iterations: {max(1, int(seconds / _seconds_per_iteration(solver)))}")


def _seconds_per_iteration(solver: pywraplp.Solver) -> float:
    return SECONDS_PER_LP_ITERATION_PER_ROOT_VARIABLE * math.sqrt(max(1, solver.NumVariables()))


# What the schedule stage's notes say, after a count, of manager weeks the wall clock stopped.
WALL_CLOCK_WEEKS_NOTE = ("manager week(s) were stopped by the wall clock rather than the deterministic limit (a "
                         "busy machine or a tight --time-limit): a rerun may differ slightly")

# What a stage's notes say when the backstop cut its deterministic run.
BACKSTOP_NOTE = ("the wall-clock backstop cut this run before its work limit (a busy or slow machine): "
                 "a rerun may give another plan")


def clock_for(options: SolveOptions) -> Clock:
    """The clock `options` asks for: work (with its wall-clock backstop) or the wall clock."""
    if not options.deterministic:
        return Clock()
    return WorkClock(backstop_seconds(options, options.time_limit_s))


def backstop_seconds(options: SolveOptions, seconds: float) -> float:
    """Wall-clock seconds after which a deterministic run's `seconds` of work are cut anyway."""
    return options.wall_clock_backstop * seconds + BACKSTOP_EXTRA_S
