"""One time budget per command (scheduler/core/budget.py): the shares, what is left, and that a
whole rebalance or staffing call spends no more work than its limit."""

from __future__ import annotations

import pytest

from models.generator import generate_organisation
from scheduler.core import budget as budget_module
from scheduler.core.budget import MIN_STEP_S, SHARES, Budget
from scheduler.core.clock import WORK_SHARE
from scheduler.core.options import SolveOptions
from scheduler.rebalance import rebalance
from scheduler.staffing import plan_staffing

WORK = SolveOptions(time_limit_s=10.0, workers=1, seed=0, deterministic=True, wall_clock_backstop=100.0)


@pytest.mark.parametrize("command", sorted(SHARES))
def test_every_commands_shares_add_up_to_the_whole(command: str) -> None:
    assert sum(SHARES[command].values()) == pytest.approx(1.0)


def test_a_step_gets_its_share_of_the_work_budget() -> None:
    budget = Budget("rebalance", WORK)
    assert budget.share("curve") == pytest.approx(10.0 * WORK_SHARE * 0.40)
    assert budget.seconds("curve", parts=4) == pytest.approx(10.0 * WORK_SHARE * 0.10)


def test_a_step_left_out_gives_its_share_to_the_others() -> None:
    budget = Budget("rebalance", WORK, without=("curve",))
    assert budget.share("proposal") == pytest.approx(10.0 * WORK_SHARE * 0.25 / 0.60)


def test_a_step_never_gets_more_than_what_is_left() -> None:
    budget = Budget("staffing", WORK)
    budget.clock.charge_estimate(9.0)  # 9 of the 9.2 work seconds spent
    assert budget.seconds("pool") == pytest.approx(10.0 * WORK_SHARE - 9.0, abs=1e-3)
    budget.clock.charge_estimate(5.0)
    assert budget.expired()
    assert budget.seconds("slack") == MIN_STEP_S


class _Recorder:
    """Sums the work every Budget of a call is charged (CP-SAT solves and estimates alike)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.budgets: list[Budget] = []
        real_init = Budget.__init__

        def init(budget: Budget, *args: object, **kwargs: object) -> None:
            real_init(budget, *args, **kwargs)  # type: ignore[arg-type]
            self.budgets.append(budget)

        monkeypatch.setattr(budget_module.Budget, "__init__", init)

    def spent(self) -> float:
        return sum(budget.clock.now() for budget in self.budgets)


def test_rebalance_with_its_curve_spends_no_more_work_than_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: each proposal stage and each of about ten curve points took the whole limit (214 s
    for a 30 s limit on 100 managers). The whole call now shares one limit."""
    recorder = _Recorder(monkeypatch)
    config = generate_organisation(30, 750, 4).to_config()
    options = SolveOptions(time_limit_s=2.0, workers=1, seed=0, deterministic=True, wall_clock_backstop=100.0)
    result = rebalance(config, options)
    assert result.plan is not None
    assert len(recorder.budgets) == 1
    # Every CP-SAT solve stops at the budget's end; the last may overrun it by one solve's granularity.
    assert recorder.spent() <= 2.0 * WORK_SHARE + 0.2


def test_staffing_spends_no_more_work_than_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _Recorder(monkeypatch)
    config = generate_organisation(12, 250, 2).to_config()
    options = SolveOptions(time_limit_s=1.0, workers=1, seed=0, deterministic=True, wall_clock_backstop=100.0)
    result = plan_staffing(config, 0.9, options)
    assert result.plan is not None
    assert recorder.spent() <= 1.0 * WORK_SHARE + 0.2
