"""The one CP-SAT solver factory (scheduler/core/cpsat.py): explicit threads, seed and limit, Ctrl-C left
to the command line, and a work clock's one deterministic worker."""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.core.clock import SECONDS_PER_CP_SAT_UNIT, WorkClock
from scheduler.core.cpsat import new_solver


def test_wall_clock_solver_takes_the_given_threads_seed_and_limit() -> None:
    solver = new_solver(workers=2, seed=7, time_limit_s=3.0)
    parameters = solver.parameters
    assert (parameters.num_workers, parameters.random_seed, parameters.max_time_in_seconds) == (2, 7, 3.0)
    assert parameters.catch_sigint_signal is False  # Ctrl-C reaches the command line
    assert parameters.log_search_progress is False


def test_a_work_clock_makes_one_worker_stopped_by_deterministic_time() -> None:
    solver = new_solver(workers=2, seed=0, time_limit_s=4.0, clock=WorkClock(backstop_s=60.0))
    assert solver.parameters.num_workers == 1
    assert solver.parameters.max_deterministic_time == 4.0 / SECONDS_PER_CP_SAT_UNIT
    assert 0 < solver.parameters.max_time_in_seconds <= 60.0  # the wall clock only as a backstop


def test_the_solver_solves() -> None:
    model = cp_model.CpModel()
    x = model.new_int_var(0, 10, "x")
    model.add(x >= 3)
    model.minimize(x)
    solver = new_solver(workers=1, seed=0, time_limit_s=5.0)
    assert solver.Solve(model) == cp_model.OPTIMAL
    assert solver.Value(x) == 3
