"""One way to make a CP-SAT solver, so every stage gets the same safe settings."""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.core.clock import Clock


def new_solver(*, workers: int, seed: int, time_limit_s: float, log: bool = False,
               clock: Clock | None = None) -> cp_model.CpSolver:
    """A solver with explicit threads, seed and limit: wall-clock seconds, or `time_limit_s` on
    `clock` (a work clock makes it one worker stopped by deterministic time).

    CP-SAT would otherwise install its own Ctrl-C handler: it ends only the current solve (the run
    goes on and writes a plan) and then resets SIGINT to the default, so a later Ctrl-C kills the
    process with no clean-up. With it off, Ctrl-C and SIGTERM reach the command line as they should.
    """
    solver = cp_model.CpSolver()
    parameters = solver.parameters
    parameters.num_workers = workers
    parameters.random_seed = seed
    parameters.log_search_progress = log
    parameters.catch_sigint_signal = False
    (clock or Clock()).limit_cp_sat(solver, time_limit_s)
    return solver
