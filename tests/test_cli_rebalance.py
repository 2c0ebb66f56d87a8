"""`caseload rebalance` and `caseload apply` end to end: files, the round trip, refusals."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from click.testing import CliRunner, Result

from cli import main
from models.check import check_plan
from models.loader import load_config, load_plan

DATA = Path(__file__).parent / "data"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_rebalance_apply_rebalance_proposes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "org.yaml"
    shutil.copy(DATA / "rebalance.yaml", config)
    first = run("rebalance", str(config), "-o", str(tmp_path / "out"), "--workers", "1", "--time-limit", "10")
    assert first.exit_code == 0, first.output
    assert first.output.startswith("1 move(s) and 1 intake placement(s): peak utilisation 125% -> 88%")
    organisation = load_config(config)
    for plan_file in [tmp_path / "out" / "plan.json", *sorted((tmp_path / "out" / "curve").glob("*.json"))]:
        assert check_plan(organisation, load_plan(plan_file)) == []
    applied = run("apply", str(config), str(tmp_path / "out" / "proposals.csv"), "-o", str(tmp_path / "next.yaml"))
    assert applied.exit_code == 0, applied.output
    assert "# siblings stay together" in (tmp_path / "next.yaml").read_text()
    again = run("rebalance", str(tmp_path / "next.yaml"), "-o", str(tmp_path / "again"), "--workers", "1")
    assert again.exit_code == 0, again.output
    assert again.output.startswith("0 move(s) and 0 intake placement(s)")
    with (tmp_path / "again" / "proposals.csv").open() as stream:
        assert list(csv.DictReader(stream)) == []


def test_apply_after_deleting_a_row_applies_the_rest(tmp_path: Path) -> None:
    run("rebalance", str(DATA / "rebalance.yaml"), "-o", str(tmp_path / "out"), "--workers", "1")
    proposals = tmp_path / "out" / "proposals.csv"
    lines = proposals.read_text().splitlines()
    proposals.write_text("\n".join(line for line in lines if ",K-8," not in line) + "\n")
    result = run("apply", str(DATA / "rebalance.yaml"), str(proposals), "-o", str(tmp_path / "next.yaml"))
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "next.yaml")
    assert (config.cases_by_id["K-3"].manager, config.cases_by_id["K-8"].manager) == ("m-ben", None)


def test_apply_refuses_stale_rows_and_writes_nothing(tmp_path: Path) -> None:
    proposals = tmp_path / "proposals.csv"
    proposals.write_text("case,from_manager,to_manager\nK-3,m-ana,m-ben\nK-5,m-ana,m-ben\nK-99,m-ana,m-ben\n")
    result = run("apply", str(DATA / "rebalance.yaml"), str(proposals), "-o", str(tmp_path / "next.yaml"))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{proposals}:3: case: case K-5: the case is locked to m-ana",
        f"{proposals}:4: case: case K-99: the case is no longer in the config",
        "2 problems found; nothing was written.",
    ]
    assert not (tmp_path / "next.yaml").exists()


def test_apply_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    config = tmp_path / "org.yaml"
    shutil.copy(DATA / "rebalance.yaml", config)
    proposals = tmp_path / "proposals.csv"
    proposals.write_text("case,from_manager,to_manager\nK-3,m-ana,m-ben\n")
    result = run("apply", str(config), str(proposals), "-o", str(config), "--force")  # not even with --force
    assert result.exit_code == 1
    assert f"{config}: is an input of this command; caseload never overwrites its inputs" in result.output
    assert config.read_text() == (DATA / "rebalance.yaml").read_text()


def test_apply_takes_the_moves_of_a_plan_from_its_plan_json_or_assignments_csv(tmp_path: Path) -> None:
    planned = run("plan", str(DATA / "rebalance.yaml"), "-o", str(tmp_path / "out"), "--workers", "1",
                  "--time-limit", "5", "--quiet")
    assert planned.exit_code == 0, planned.output
    plan = load_plan(tmp_path / "out" / "plan.json")
    expected = {move.case_id: move.to_manager for move in plan.moves}
    assert expected  # the fixture's plan moves at least m-ana's overload and places the intake
    for source in ("plan.json", "assignments.csv"):
        output = tmp_path / f"from-{source}.yaml"
        applied = run("apply", str(DATA / "rebalance.yaml"), str(tmp_path / "out" / source), "-o", str(output))
        assert applied.exit_code == 0, applied.output
        assert applied.output.startswith(f"applied {len(expected)} move(s)")
        config = load_config(output)
        assert {case_id: config.cases_by_id[case_id].manager for case_id in expected} == expected
    assert (tmp_path / "from-plan.json.yaml").read_text() == (tmp_path / "from-assignments.csv.yaml").read_text()


def test_apply_refuses_a_plan_of_another_organisation_with_the_plan_json_line(tmp_path: Path) -> None:
    planned = run("plan", str(DATA / "rebalance.yaml"), "-o", str(tmp_path / "out"), "--workers", "1",
                  "--time-limit", "5", "--quiet")
    assert planned.exit_code == 0, planned.output
    result = run("apply", str(DATA / "tiny.yaml"), str(tmp_path / "out" / "plan.json"), "-o",
                 str(tmp_path / "next.yaml"))
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith(f"{tmp_path / 'out' / 'plan.json'}:")
    assert first.split(":")[1].isdigit()  # the line of the move in plan.json
    assert not (tmp_path / "next.yaml").exists()
