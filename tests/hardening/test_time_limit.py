"""`--time-limit T` is honoured within 10 % + 1 s, and a cut search still writes its best plan.

The figure checked is the solve time plan.json reports (the sum of the stages' `runtime_s`), which
is what the limit governs; interpreter start, loading and writing come on top (bench/time_limit.py
reports both, per tier). The organisation is the M tier (60 managers, 1,500 cases): its assignment
is not proven optimal within a minute on an idle machine (about 4 % gap), so a 1-2 s limit always
cuts the search and the plan written must be the best found: status 'feasible', passing the
independent checker. (The S tier is no use here: since the small-office plain CP-SAT try it is
proven optimal in under a second.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.generator import generate_organisation
from scheduler.core.options import SolveOptions
from scheduler.pipeline import schedule_current_assignment
from tests.hardening.helpers import assert_complete_output, caseload, write_generated

M_TIER = (60, 1500)


def _bound(limit: float) -> float:
    return limit * 1.1 + 1.0


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_generated(*M_TIER, 1, tmp_path_factory.mktemp("team"))


@pytest.mark.parametrize(("command", "limit"), [("plan", 2.0), ("assign", 1.0)])
def test_time_limit_is_honoured_and_the_best_plan_found_is_written(team: Path, tmp_path: Path, command: str,
                                                                   limit: float) -> None:
    out = tmp_path / "out"
    result = caseload([command, str(team), "-o", str(out), "--time-limit", f"{limit:g}", "--workers", "1",
                       "--seed", "1", "--quiet"])
    assert result.returncode == 0, result.stderr
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    stages = {stage["stage"]: stage for stage in plan["solver"]}
    assert sum(stage["runtime_s"] for stage in plan["solver"]) <= _bound(limit), stages
    assert stages["assignment"]["status"] == "feasible"  # cut by the limit, not proven
    if command == "plan":
        assert stages["schedule"]["status"] in ("optimal", "feasible")
    assert_complete_output(team, out)


def test_schedule_stage_honours_a_small_time_limit_for_a_larger_office() -> None:
    """Regression: every week ran its heuristics, local search and a CP-SAT call whatever the stage's
    deadline, so a 60-manager office given 0.2 s took several seconds (M `plan --time-limit 5`: 15 s)."""
    config = generate_organisation(60, 1500, 1).to_config()
    limit = 0.2
    plan = schedule_current_assignment(config, SolveOptions(time_limit_s=limit, workers=1, seed=1)).plan
    (stage,) = [stats for stats in plan.solver if stats.stage == "schedule"]
    assert stage.runtime_s <= _bound(limit)
