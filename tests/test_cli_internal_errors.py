"""Exit code 4: an engine bug never passes for a plan. A plan that breaks a hard rule is refused
before anything is written, with the violations listed; an unexpected error is a short message."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import scheduler.pipeline
from cli import main
from models.organisation import Config
from models.plan import Plan
from models.result import Result
from scheduler.core.options import SolveOptions

TINY = Path(__file__).parent / "data" / "tiny.yaml"
ARGS = ["--workers", "1", "--time-limit", "5", "--seed", "0"]


def test_a_plan_that_breaks_a_hard_rule_exits_4_and_writes_nothing(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    real = scheduler.pipeline.plan_week

    def breaking(config: Config, options: SolveOptions) -> Result[Plan]:
        result = real(config, options)
        assert result.plan is not None
        assignments = [item.model_copy(update={"manager_id": "m-cy"}) if item.case_id == "K-1" else item
                       for item in result.plan.assignments]
        return Result.from_stats(result.stages[0], result.plan.model_copy(update={"assignments": assignments}))

    monkeypatch.setattr(scheduler.pipeline, "plan_week", breaking)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["plan", str(TINY), "-o", str(out), *ARGS])
    assert result.exit_code == 4, result.output
    assert "internal error: the plan breaks" in result.output
    assert "K-1" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_an_unexpected_error_exits_4_with_a_short_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(config: Config, options: SolveOptions) -> Result[Plan]:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(scheduler.pipeline, "plan_week", failing)
    result = CliRunner().invoke(main, ["plan", str(TINY), "-o", str(tmp_path / "out"), *ARGS])
    assert result.exit_code == 4
    assert "internal error: ZeroDivisionError: division by zero" in result.output
    assert "Traceback" not in result.output
