"""A command's own inputs are never its outputs, not even with --force (issue 21, finding 1), and an
output of the wrong kind, a file where a folder goes or the reverse, is a refused output (exit 1), not a
usage error (finding 11).

The red team's reproduction: copy tests/data/tiny_csv to a folder, plan it, then `roll tiny.yaml out -o
cases.csv --force`; roll overwrote cases.csv with next week's config and `validate` failed. Inputs are
compared by real path and by file identity, so another spelling of the path is caught too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import Result

from tests.hardening.helpers import DATA, QUICK, run

INPUT_REFUSED = "is an input of this command; caseload never overwrites its inputs: write the outputs somewhere else"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


@pytest.fixture(scope="module")
def planned_csv_org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/data/tiny_csv planned once: the folder holds tiny.yaml, its CSV files and out/."""
    folder = tmp_path_factory.mktemp("org")
    shutil.copytree(DATA / "tiny_csv", folder, dirs_exist_ok=True)
    result = run("plan", str(folder / "tiny.yaml"), "-o", str(folder / "out"), *QUICK)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def org(planned_csv_org: Path, tmp_path: Path) -> Path:
    shutil.copytree(planned_csv_org, tmp_path, dirs_exist_ok=True)
    return tmp_path


def assert_refused_as_input(result: Result, path: Path) -> None:
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [f"{path}: {INPUT_REFUSED}", "1 problem found; nothing was written."]


def test_roll_force_onto_the_configs_cases_csv_is_refused(org: Path) -> None:
    before = snapshot(org)
    result = run("roll", str(org / "tiny.yaml"), str(org / "out"), "-o", str(org / "cases.csv"), "--force")
    assert_refused_as_input(result, org / "cases.csv")
    assert snapshot(org) == before
    assert run("validate", str(org / "tiny.yaml")).exit_code == 0


def test_apply_force_onto_the_configs_managers_csv_is_refused(org: Path) -> None:
    before = snapshot(org)
    result = run("apply", str(org / "tiny.yaml"), str(org / "out" / "plan.json"), "-o", str(org / "managers.csv"),
                 "--force")
    assert_refused_as_input(result, org / "managers.csv")
    assert snapshot(org) == before


def test_apply_force_onto_its_proposals_file_is_refused(org: Path) -> None:
    proposals = org / "out" / "assignments.csv"
    before = proposals.read_bytes()
    result = run("apply", str(org / "tiny.yaml"), str(proposals), "-o", str(proposals), "--force")
    assert_refused_as_input(result, proposals)
    assert proposals.read_bytes() == before


def test_roll_force_onto_the_plan_it_reads_is_refused(org: Path) -> None:
    plan_json = org / "out" / "plan.json"
    before = plan_json.read_bytes()
    result = run("roll", str(org / "tiny.yaml"), str(org / "out"), "-o", str(plan_json), "--force")
    assert_refused_as_input(result, plan_json)
    assert plan_json.read_bytes() == before


def test_plan_force_into_the_configs_folder_never_replaces_a_csv_it_reads(org: Path) -> None:
    # The config names its cases file assignments.csv, which is also an output name of `plan`.
    (org / "cases.csv").rename(org / "assignments.csv")
    config = org / "tiny.yaml"
    config.write_text(config.read_text().replace("cases: cases.csv", "cases: assignments.csv"))
    before = snapshot(org)
    result = run("plan", str(config), "-o", str(org), "--force", *QUICK)
    assert_refused_as_input(result, org / "assignments.csv")
    assert snapshot(org) == before


def test_an_input_named_by_another_path_is_still_an_input(org: Path) -> None:
    # Through a link to the folder: a different path, the same file.
    (org / "alias").symlink_to(org, target_is_directory=True)
    before = snapshot(org)
    result = run("roll", str(org / "tiny.yaml"), str(org / "out"), "-o", str(org / "alias" / "cases.csv"), "--force")
    assert_refused_as_input(result, org / "alias" / "cases.csv")
    assert snapshot(org) == before


# --- finding 11: a file where a folder goes, or the reverse: exit 1 with the reason, as documented ----------


def test_plan_into_a_file_is_a_refused_output_not_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    result = run("plan", str(DATA / "tiny.yaml"), "-o", str(target), *QUICK)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [f"{target}: is a file, not a folder; choose a folder for the outputs",
                                          "1 problem found; nothing was written."]
    assert target.read_text() == "mine"


@pytest.mark.parametrize("command", ["apply", "roll", "report"])
def test_a_single_file_output_onto_a_folder_is_a_refused_output_not_a_usage_error(org: Path, command: str) -> None:
    target = org / "a-folder"
    target.mkdir()
    arguments = {
        "apply": [str(org / "tiny.yaml"), str(org / "out" / "plan.json")],
        "roll": [str(org / "tiny.yaml"), str(org / "out")],
        "report": [str(org / "out" / "plan.json")],
    }[command]
    result = run(command, *arguments, "-o", str(target))
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        f"{target}: is a folder, not a regular file; caseload replaces only regular files: move it away or choose "
        "another output", "1 problem found; nothing was written."]
    assert list(target.iterdir()) == []
