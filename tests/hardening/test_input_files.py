"""The files `apply` and `roll` read besides the config: a proposals file, an actuals CSV, a plan
(issue 21, findings 4, 5, 8, 9, 16 and the minor `format_version: 999`).

Each attack ends in located problems and exit 1, never a hang, a MemoryError or exit 4: a FIFO or
/dev/zero as the proposals file; an actuals file read whole (83 MB peaked at 1.7 GB); a proposals.json
nested 100,000 deep or holding a 5,000-digit number; a requirement `²`; an unclosed quote blamed on the
line after it; a proposals.json keyed `case_id` that said only "case is empty"; a plan of format 999.
"""

from __future__ import annotations

import json
import os
import shutil
import tracemalloc
from pathlib import Path

import pytest
from click.testing import Result

from models.loader import load_config
from models.roll import read_actuals
from tests.hardening.helpers import DATA, TINY, plan_tiny, run
from tests.models.test_roll import AS_IS, WED, contact, week


def refused(result: Result, *lines: str) -> None:
    """Exit 1 with exactly these problem lines, then the count."""
    assert result.exit_code == 1, result.output
    count = len(lines)
    assert result.output.splitlines() == [*lines, f"{count} problem{'s' if count != 1 else ''} found; nothing was "
                                                  "written."]


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return plan_tiny(tmp_path_factory.mktemp("planned") / "out")


# --- finding 4: the proposals file is a regular file within the size limits --------------------------------


def test_apply_refuses_a_fifo_as_its_proposals_instead_of_waiting_forever(tmp_path: Path) -> None:
    fifo = tmp_path / "proposals.csv"
    os.mkfifo(fifo)
    refused(run("apply", str(TINY), str(fifo), "-o", str(tmp_path / "next.yaml")),
            f"{fifo}: proposals file {fifo} is not a file")


def test_apply_refuses_dev_zero_as_its_proposals_instead_of_reading_it_forever(tmp_path: Path) -> None:
    refused(run("apply", str(TINY), "/dev/zero", "-o", str(tmp_path / "next.yaml")),
            "/dev/zero: proposals file /dev/zero is not a file")


def test_roll_refuses_a_fifo_as_its_actuals(planned: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "actuals.csv"
    os.mkfifo(fifo)
    refused(run("roll", str(TINY), str(planned), "-o", str(tmp_path / "next.yaml"), "--actuals", str(fifo)),
            f"{fifo}: actuals CSV file {fifo} is not a file")


# --- finding 5: actuals streamed, memory bounded by the config, not the file ---------------------------------


def test_a_large_actuals_file_is_read_in_bounded_memory(tmp_path: Path) -> None:
    config = load_config(TINY)
    plan = week(config, [contact("K-2", WED, "phone", "m-ben")], AS_IS)
    actuals = tmp_path / "actuals.csv"
    rows = 100_000  # about 3.4 MB; read whole, the text alone is that much, and each row's objects more
    with actuals.open("w") as stream:
        stream.write("case,date,mode,status\n")
        stream.writelines("K-2,2026-12-02,phone,done\n" for _ in range(rows))
    size = actuals.stat().st_size
    tracemalloc.start()
    try:
        read = read_actuals(actuals, config, plan)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(read) == 1  # one row per contact kept: the last one says what happened
    assert (read[0].case_id, read[0].status, read[0].line) == ("K-2", "done", rows + 1)
    assert peak < size / 4, f"peak {peak:,} bytes for a {size:,}-byte file"


# --- finding 8: a proposals.json nested deep or with a huge number: located, exit 1 --------------------------


def test_a_deeply_nested_proposals_json_is_a_located_problem(tmp_path: Path) -> None:
    proposals = tmp_path / "proposals.json"
    proposals.write_text('{"moves": ' + "[" * 100_000 + "]" * 100_000 + "}")
    refused(run("apply", str(TINY), str(proposals), "-o", str(tmp_path / "next.yaml")),
            f"{proposals}:1:42: the JSON nests too deeply to be a proposals file")


def test_a_proposals_json_with_a_5000_digit_number_is_a_located_problem(tmp_path: Path) -> None:
    proposals = tmp_path / "proposals.json"
    proposals.write_text('{"moves": [\n  {"case": ' + "9" * 5000 + ', "to_manager": "m-ana"}\n]}')
    refused(run("apply", str(TINY), str(proposals), "-o", str(tmp_path / "next.yaml")),
            f"{proposals}:2:12: a number of 5,000 digits is too long to be part of a proposals file")


def test_a_proposals_json_id_that_is_not_text_is_a_located_problem(tmp_path: Path) -> None:
    proposals = tmp_path / "proposals.json"
    proposals.write_text('{"moves": [\n  {"case": [1, [2]], "to_manager": "m-ana"}\n]}')
    refused(run("apply", str(TINY), str(proposals), "-o", str(tmp_path / "next.yaml")),
            f"{proposals}:2: moves[0].case: case must be text (an id), not a list or an object")


# --- finding 9: a requirement '²' ------------------------------------------------------------------------


def test_a_superscript_two_as_a_requirement_is_a_located_problem(planned: Path, tmp_path: Path) -> None:
    actuals = tmp_path / "actuals.csv"
    actuals.write_text("case,date,mode,status,requirement\nK-2,2026-12-02,phone,done,\u00b2\n", encoding="utf-8")
    refused(run("roll", str(TINY), str(planned), "-o", str(tmp_path / "next.yaml"), "--actuals", str(actuals)),
            f"{actuals}:2: requirement: '\u00b2' is not a requirement number (0 for the case's first contact "
            "requirement)")


# --- finding 16: blamed on the right line, and the key a move needs ---------------------------------------


def test_an_unclosed_quote_in_actuals_is_blamed_on_the_line_that_opens_it(planned: Path, tmp_path: Path) -> None:
    actuals = tmp_path / "actuals.csv"
    actuals.write_text('case,date,mode,status\n"K-2,2026-12-02,phone,done\nK-1,2026-12-02,in_person,done\n')
    refused(run("roll", str(TINY), str(planned), "-o", str(tmp_path / "next.yaml"), "--actuals", str(actuals)),
            f'{actuals}:2: CSV syntax error: a quoted cell opened on this row is never closed (a missing ")')


def test_an_unclosed_quote_in_proposals_is_blamed_on_the_line_that_opens_it(tmp_path: Path) -> None:
    proposals = tmp_path / "proposals.csv"
    proposals.write_text('case,from_manager,to_manager\n"K-2,m-ben,m-ana\nK-1,m-ana,m-ben\n')
    refused(run("apply", str(TINY), str(proposals), "-o", str(tmp_path / "next.yaml")),
            f'{proposals}:2: CSV syntax error: a quoted cell opened on this row is never closed (a missing ")')


def test_a_proposals_json_keyed_case_id_names_the_key_it_needs(tmp_path: Path) -> None:
    proposals = tmp_path / "proposals.json"
    proposals.write_text(json.dumps({"format_version": 1, "moves": [
        {"case_id": "K-2", "from_manager": "m-ben", "to_manager": "m-ana"}]}, indent=2))
    refused(run("apply", str(TINY), str(proposals), "-o", str(tmp_path / "next.yaml")),
            f"{proposals}:4: moves[0].case: missing key 'case'; a proposals.json move names its case 'case', and "
            "this one has 'case_id' (a plan.json spelling): rename it 'case'")


# --- minor: a plan or proposals file of another format -------------------------------------------------------


def test_a_plan_of_format_999_is_refused_at_its_format_version(planned: Path, tmp_path: Path) -> None:
    plan_json = tmp_path / "plan.json"
    plan_json.write_text((planned / "plan.json").read_text().replace('"format_version": 1', '"format_version": 999',
                                                                     1))
    refused(run("check", str(TINY), str(plan_json)),
            f"{plan_json}:2:21: format_version: this plan is in format 999; this caseload reads format 1 (make the "
            "plan again with this caseload)")


def test_a_proposals_file_of_format_999_is_refused_at_its_format_version(tmp_path: Path) -> None:
    proposals = tmp_path / "proposals.json"
    proposals.write_text('{\n  "format_version": 999,\n  "moves": []\n}\n')
    refused(run("apply", str(TINY), str(proposals), "-o", str(tmp_path / "next.yaml")),
            f"{proposals}:2:21: format_version: this proposals file is in format 999; this caseload reads format 1 "
            "(make the proposals file again with this caseload)")


def test_report_refuses_the_config_of_another_organisation(planned: Path, tmp_path: Path) -> None:
    other = DATA / "report" / "org.yaml"
    shutil.copy(other, tmp_path / "org.yaml")
    result = run("report", str(planned / "plan.json"), "-o", str(tmp_path / "report.html"), "--config",
                 str(tmp_path / "org.yaml"))
    # tests/data/report/org.yaml has managers of the same ids but other cases.
    assert result.exit_code == 1, result.output
    (problem, count) = result.output.splitlines()
    assert problem.endswith(": assignments[0].case_id: 5 cases of the plan are not in the config (K-1, K-2, K-3, "
                            "K-4, K-5); is this the plan of another organisation?")
    assert problem.startswith(f"{planned / 'plan.json'}:")
    assert count == "1 problem found; nothing was written."
    assert not (tmp_path / "report.html").exists()
