"""Bounded work: the problem list is capped, lists and organisations have documented size caps
(models/limits.py), and `generate` refuses sizes beyond them, each with a message instead of hours
of work or gigabytes of output.

The issue's case: 600,000 bad holidays gave 600,025 problem lines and 1.35 GB of memory; a 50 MB file
would have needed ~37 GB.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from models.generator import generate_organisation
from models.limits import MAX_CASES, MAX_LIST, MAX_MANAGERS, MAX_PROBLEMS_SHOWN
from tests.hardening.helpers import DATA, LOCATED_LINE, MORE_LINE, SUMMARY_LINE

TINY = DATA / "tiny.yaml"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def with_bad_holidays(tmp_path: Path, count: int) -> Path:
    holidays = "holidays:\n" + "".join(f"  - 2026-13-{index % 28 + 1:02d}\n" for index in range(count))
    path = tmp_path / "holidays.yaml"
    path.write_text(TINY.read_text(encoding="utf-8").replace("holidays: []\n", holidays), encoding="utf-8")
    return path


def test_the_problem_list_shows_the_first_100_then_a_count(tmp_path: Path) -> None:
    result = run("validate", str(with_bad_holidays(tmp_path, 900)))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == MAX_PROBLEMS_SHOWN + 2
    assert all(LOCATED_LINE.match(line) for line in lines[:MAX_PROBLEMS_SHOWN])
    assert MORE_LINE.match(lines[-2]) and lines[-2] == "... and 800 more"
    assert SUMMARY_LINE.match(lines[-1]) and lines[-1] == "900 problems found; nothing was written."


def test_a_list_past_its_cap_is_one_problem_found_quickly(tmp_path: Path) -> None:
    # 50,000 bad holidays (the issue used 600,000): one located line, not one per holiday.
    path = with_bad_holidays(tmp_path, 50_000)
    started = time.process_time()
    result = run("validate", str(path))
    assert time.process_time() - started < 30  # CPU seconds, whatever else runs on the machine
    assert result.exit_code == 1
    line = 1 + next(number for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                    if text == "holidays:")  # the list's first entry
    assert result.output.splitlines() == [
        f"{path}:{line}:3: holidays: List should have at most {MAX_LIST} items after validation, not 50000 "
        "(got a list)", "1 problem found; nothing was written."]


def test_more_managers_than_the_cap_is_a_located_problem(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    shutil.copytree(DATA / "tiny_csv", folder)
    rows = "".join(f"m-{index},,junior,,north,,,,,,,,,,\n" for index in range(MAX_MANAGERS + 1))
    (folder / "managers.csv").write_text(
        "id,name,level,fte,region,office,lat,lon,languages,skills,availability,leave,accepts_new_cases,email,phone\n"
        + rows, encoding="utf-8")
    result = run("validate", str(folder / "tiny.yaml"))
    assert result.exit_code == 1, result.output
    assert f"managers: List should have at most {MAX_MANAGERS} items after validation, not {MAX_MANAGERS + 1}" \
        in result.output.splitlines()[0]


@pytest.mark.parametrize(("managers", "cases"), [(MAX_MANAGERS + 1, 1), (1, MAX_CASES + 1)])
def test_generate_refuses_sizes_past_the_caps(tmp_path: Path, managers: int, cases: int) -> None:
    result = run("generate", "--managers", str(managers), "--cases", str(cases), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2 and "is not in the range" in result.output  # a usage error, before any work
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="caseload plans at most 20,000 managers and 500,000 cases"):
        generate_organisation(managers, cases, 1)
