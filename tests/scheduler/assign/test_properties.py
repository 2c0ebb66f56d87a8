"""Property tests: every plan of a generated organisation passes the independent checker and scores
no worse than the supervisor's greedy plan on the same objective."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.check import check_plan
from models.generator import generate_organisation
from scheduler.assign.greedy import greedy_plan
from scheduler.assign.score import score_plan
from scheduler.assign.solve import assign_cases
from scheduler.core.options import SolveOptions


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(managers=st.integers(min_value=1, max_value=6), cases=st.integers(min_value=0, max_value=40),
       seed=st.integers(min_value=0, max_value=10_000))
def test_plans_pass_the_checker_and_beat_the_greedy(managers: int, cases: int, seed: int) -> None:
    config = generate_organisation(managers, cases, seed).to_config()
    result = assign_cases(config, SolveOptions(time_limit_s=2, workers=1, seed=seed))
    assert result.plan is not None
    assert check_plan(config, result.plan) == []
    ours = score_plan(config, result.plan)["objective"]
    assert result.objective == ours
    assert ours <= score_plan(config, greedy_plan(config))["objective"] + 1e-6
    assert result.bound is None or result.bound <= ours + 1e-6
