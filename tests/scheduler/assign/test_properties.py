"""Property tests: every plan of a generated organisation passes the independent checker and scores
no worse than the supervisor's greedy plan on the same objective, except where the stability pass
keeps more cases home than the balancing pass did at a balance cost within `policy.balance_tolerance`
(each level's peak within the band of the balancing pass's: the greedy may have a lower sum of peaks
by loading one level beyond that band)."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from models.check import check_plan
from models.generator import generate_organisation
from scheduler.assign.greedy import greedy_plan
from scheduler.assign.score import score_plan
from scheduler.assign.solve import assign_cases
from scheduler.assign.stability import tolerance_units
from scheduler.core.options import SolveOptions


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(managers=st.integers(min_value=1, max_value=6), cases=st.integers(min_value=0, max_value=40),
       seed=st.integers(min_value=0, max_value=10_000))
# Regression: the stability pass (fewer moves within the balance tolerance) scored 2796 against the
# greedy's 2792 here: 2 moves against 4, balance 279 against 278 (the balancing pass: 2769).
@example(managers=2, cases=36, seed=8194)
# Regression: 22,361 against the greedy's 22,321 with 7 moves each: the stability pass took the balancing
# pass's 8 moves to 7 keeping the junior peak at 54 % (the greedy's: 66 %, beyond the band) and the senior
# at 90 % (the greedy's: 82 %). The test had assumed the stability pass always ends with fewer moves than
# the greedy; found by a with-load run's random examples.
@example(managers=5, cases=29, seed=3157)
def test_plans_pass_the_checker_and_beat_the_greedy(managers: int, cases: int, seed: int) -> None:
    config = generate_organisation(managers, cases, seed).to_config()
    result = assign_cases(config, SolveOptions(time_limit_s=2, workers=1, seed=seed))
    assert result.plan is not None
    assert check_plan(config, result.plan) == []
    ours = score_plan(config, result.plan)["objective"]
    assert result.objective == ours
    greedy = score_plan(config, greedy_plan(config))
    if ours > greedy["objective"] + 1e-6:
        # Only the stability pass may cost objective: it keeps more cases home, and each level's peak
        # and the overall peak rise by at most the tolerance over the balancing pass's (which the
        # greedy does not beat).
        levels = len({manager.level for manager in config.managers})
        band = tolerance_units(config.policy.balance_tolerance) * (levels + 1)
        before, after = _stability_moves(result.plan.solver[0].notes)
        assert after < before  # the cost bought moves the balancing pass made
        assert ours <= greedy["objective"] + config.policy.weights.balance * band + 1e-6
    assert result.bound is None or result.bound <= ours + 1e-6


def _stability_moves(notes: list[str]) -> tuple[int, int]:
    """(cases leaving their manager after the balancing pass, after the stability pass), from the note
    "stability pass (...): cases leaving their manager 8 -> 7, ..."."""
    (note,) = [note for note in notes if note.startswith("stability pass")]
    before, after = note.split("cases leaving their manager ")[1].split(",")[0].split(" -> ")
    return int(before), int(after)
