"""The class relaxation's LP is a valid bound: never above the full LP (which is never above a plan)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.generator import generate_organisation
from models.loader import load_config
from scheduler.assign.bound import lp_bound
from scheduler.assign.data import build_data
from scheduler.assign.model import Coefficients
from scheduler.assign.relaxation import class_relaxation, manager_classes
from scheduler.assign.solve import _stage_steps, assign_cases
from scheduler.assign.terms import TERM_NAMES
from scheduler.core.options import SolveOptions
from tests.conftest import DATA


def _both_bounds(config) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    data = build_data(config)
    coefficients = Coefficients.from_weights(config.policy.weights)
    steps = _stage_steps(TERM_NAMES)
    full = lp_bound(data, coefficients, steps, {item.index: list(item.receivers) for item in data.types}, 60)
    coarse_data = class_relaxation(data)
    coarse = lp_bound(coarse_data, coefficients, steps,
                      {item.index: list(item.receivers) for item in coarse_data.types}, 60)
    assert full.bound is not None and coarse.bound is not None
    return coarse.bound, full.bound


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(managers=st.integers(min_value=1, max_value=12), cases=st.integers(min_value=0, max_value=120),
       seed=st.integers(min_value=0, max_value=10_000), messy=st.sampled_from([0.0, 0.3]),
       geography=st.sampled_from(["county", "state"]))
def test_the_class_bound_never_exceeds_the_full_lp(managers: int, cases: int, seed: int, messy: float,
                                                    geography: str) -> None:
    config = generate_organisation(managers, cases, seed, messy=messy, geography=geography).to_config()
    coarse, full = _both_bounds(config)
    assert coarse <= full


@pytest.mark.parametrize("seed", [1, 2])
def test_the_class_bound_on_s_is_below_the_full_lp_and_the_plan(seed: int) -> None:
    config = generate_organisation(10, 250, seed).to_config()
    coarse, full = _both_bounds(config)
    plan = assign_cases(config, SolveOptions(time_limit_s=1, workers=1, seed=0))
    assert coarse <= full <= round(plan.objective * 10_000)
    # Not vacuous: within 2 % of the full LP on S.
    assert coarse >= 0.98 * full


def test_managers_sharing_level_region_and_week_form_one_class() -> None:
    config = load_config(DATA / "tiny.yaml")
    data = build_data(config)
    classes, class_of = manager_classes(data)
    keys = {(m.level_rank, m.region, m.minutes, m.slots) for m in data.managers}
    assert len(classes) == len(keys)
    for group in classes:
        members = [m for m in data.managers if class_of[m.index] == group.index]
        assert group.fixed_load == sum(m.fixed_load for m in members)
        assert group.minutes == sum(m.minutes for m in members)
        assert group.capacity >= sum(m.capacity for m in members)
