"""Property tests over generated organisations: the solver never crashes, every plan passes the
independent checker (models/check.py), and the same seed gives a byte-identical plan.json.

plan.json carries each solve stage's wall-clock `runtime_s`, which differs from run to run; the
determinism checks compare plan.json with those fields set to 0 (helpers.normalised_plan_json) and
every other byte as written.

Time limits are generous on purpose: these organisations solve (and CP-SAT proves optimality) in a
fraction of a second, and a solve the clock cuts short is not expected to be reproducible.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from export.files import plan_json
from models.check import check_plan
from models.generator import generate_organisation
from scheduler.assign.solve import assign_cases
from scheduler.core.options import SolveOptions
from scheduler.pipeline import plan_week
from tests.hardening.helpers import normalised_plan_json

# 200 organisations for the assignment stage (the CI figure), fewer end to end (each also
# schedules every manager's week, twice).
ASSIGNMENT_EXAMPLES = 200
REPEAT_EXAMPLES = 40
END_TO_END_EXAMPLES = 30
GENEROUS_LIMIT_S = 20.0

SEEDS = st.integers(min_value=0, max_value=2**31 - 1)


def _options(seed: int) -> SolveOptions:
    return SolveOptions(time_limit_s=GENEROUS_LIMIT_S, workers=1, seed=seed % 1000)


@settings(max_examples=ASSIGNMENT_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(managers=st.integers(min_value=2, max_value=6), cases=st.integers(min_value=5, max_value=40), seed=SEEDS)
def test_assignment_of_any_generated_organisation_passes_check(managers: int, cases: int, seed: int) -> None:
    config = generate_organisation(managers, cases, seed).to_config()
    result = assign_cases(config, _options(seed))
    assert result.plan is not None, result.message
    assert check_plan(config, result.plan, schedule=False) == []


@settings(max_examples=REPEAT_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(managers=st.integers(min_value=2, max_value=6), cases=st.integers(min_value=5, max_value=40), seed=SEEDS)
def test_assignment_with_the_same_seed_gives_the_same_plan_json(managers: int, cases: int, seed: int) -> None:
    config = generate_organisation(managers, cases, seed).to_config()
    first = assign_cases(config, _options(seed))
    assert first.plan is not None
    again = assign_cases(config, _options(seed))
    assert again.plan is not None
    assert normalised_plan_json(plan_json(again.plan)) == normalised_plan_json(plan_json(first.plan))


@settings(max_examples=END_TO_END_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(managers=st.integers(min_value=2, max_value=5), cases=st.integers(min_value=5, max_value=25), seed=SEEDS)
def test_plan_week_of_any_generated_organisation_passes_check_and_repeats(managers: int, cases: int,
                                                                         seed: int) -> None:
    config = generate_organisation(managers, cases, seed).to_config()
    first = plan_week(config, _options(seed)).plan
    assert first is not None
    assert check_plan(config, first, schedule=True) == []
    again = plan_week(config, _options(seed)).plan
    assert again is not None
    assert normalised_plan_json(plan_json(again)) == normalised_plan_json(plan_json(first))
