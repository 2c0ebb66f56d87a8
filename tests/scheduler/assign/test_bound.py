"""The LP bound by column generation equals the LP over every eligible column."""

from __future__ import annotations

from models.generator import generate_organisation
from scheduler.assign.bound import lp_bound
from scheduler.assign.data import build_data
from scheduler.assign.greedy import greedy_counts
from scheduler.assign.model import Coefficients
from scheduler.assign.solve import _initial_candidates, _stage_steps
from scheduler.assign.terms import TERM_NAMES


def test_pricing_from_same_region_columns_reaches_the_full_lp() -> None:
    # 150 managers: two regions, so same-region candidates leave cross-region columns out.
    config = generate_organisation(150, 1_200, seed=2).to_config()
    data = build_data(config)
    coefficients = Coefficients.from_weights(config.policy.weights)
    steps = _stage_steps(TERM_NAMES)
    greedy = greedy_counts(data)
    full = lp_bound(data, coefficients, steps, _initial_candidates(data, greedy, exact=True), 60)
    priced = lp_bound(data, coefficients, steps, _initial_candidates(data, greedy, exact=False), 60)
    assert full.bound is not None
    assert full.added == {}
    assert priced.bound == full.bound
