"""`caseload assign CONFIG -o DIR` end to end on the tiny fixture."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli import main

TINY = Path(__file__).parent / "data" / "tiny.yaml"


def test_assign_writes_plan_and_assignments(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["assign", str(TINY), "-o", str(tmp_path), "--workers", "1",
                                       "--time-limit", "10", "--seed", "0"])
    assert result.exit_code == 0, result.output
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert {item["case_id"]: item["manager_id"] for item in plan["assignments"]} == {
        "K-1": "m-ana", "K-2": "m-ana", "K-3": "m-ana", "K-4": "m-cy", "K-5": "m-cy"}
    stats = plan["solver"][0]
    assert (stats["stage"], stats["status"], stats["objective"], stats["workers"], stats["seed"]) == (
        "assignment", "optimal", 2754.0, 1, 0)
    rows = (tmp_path / "assignments.csv").read_text().splitlines()
    assert rows[0] == "case,client,manager,previous_manager,moved,reason,points"
    assert rows[2] == "K-2,c-2,m-ana,m-ben,true,household reunited with m-ana,1.0"
    assert "Caseload by level" in result.output
