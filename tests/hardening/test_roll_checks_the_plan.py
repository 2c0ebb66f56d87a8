"""`roll` builds next week only on a plan that `caseload check` passes (issue 21, finding 12).

The red team hand-edited plan.json: a contact dated 2099 became `last: 2099-12-31` in next week's
config, and a locked case reassigned in the plan was moved. Both plans now end in exit 1 naming the
broken check, and no next config is written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.hardening.helpers import TINY, plan_tiny, run


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return plan_tiny(tmp_path_factory.mktemp("planned") / "out")


def edited_plan(planned: Path, folder: Path, edit: Any) -> Path:
    out = folder / "out"
    shutil.copytree(planned, out)
    data = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    edit(data)
    (out / "plan.json").write_text(json.dumps(data), encoding="utf-8")
    return out


def roll_refused(out: Path, folder: Path, rule: str) -> None:
    next_config = folder / "next.yaml"
    result = run("roll", str(TINY), str(out), "-o", str(next_config))
    assert result.exit_code == 1, result.output
    assert rule in result.stderr
    assert "caseload check" in result.stderr
    assert not next_config.exists()


def test_roll_refuses_a_plan_with_a_contact_dated_2099(planned: Path, tmp_path: Path) -> None:
    def date_2099(data: dict[str, Any]) -> None:
        data["contacts"][0]["day"] = "2099-12-31"

    roll_refused(edited_plan(planned, tmp_path, date_2099), tmp_path, "working_day: K-1#0.0: 2099-12-31")


def test_roll_refuses_a_plan_that_moves_a_locked_case(planned: Path, tmp_path: Path) -> None:
    def move_locked_k4(data: dict[str, Any]) -> None:
        for entry in data["assignments"]:
            if entry["case_id"] == "K-4":
                entry["manager_id"] = "m-ben"

    roll_refused(edited_plan(planned, tmp_path, move_locked_k4), tmp_path, "locked")


def test_roll_takes_the_plan_as_written(planned: Path, tmp_path: Path) -> None:
    next_config = tmp_path / "next.yaml"
    result = run("roll", str(TINY), str(planned), "-o", str(next_config))
    assert result.exit_code == 0, result.output
    assert next_config.exists()
