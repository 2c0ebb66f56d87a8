"""Client data stays out of logs and outputs; CSV outputs cannot run as spreadsheet formulas.

Client names: every client of a generated organisation is renamed to a unique marker string, then
`caseload plan` runs as a real process at each verbosity; no marker (nor either of its words) may
appear in stdout, stderr, plan.json, assignments.csv, schedule.csv, report.html or the calendars.
Calendars carry initials by default and full names only with --full-names.

Formula cells: ids starting with = + - @ (and the reasons that quote them) must reach
assignments.csv, schedule.csv, proposals.csv and curve.csv behind export.files.safe_cell's apostrophe.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from export.organisation import write_organisation
from models.generator import GeneratedOrganisation, generate_organisation
from tests.hardening.helpers import caseload, csv_rows, with_formula_ids, with_marked_client_names

MANAGERS, CASES, SEED = 4, 24, 5
PLAN_ARGS = ("--time-limit", "10", "--workers", "1", "--seed", "1")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
OUTPUT_TEXT_FILES = ("plan.json", "assignments.csv", "schedule.csv", "report.html")


@pytest.fixture(scope="module")
def marked_org(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    org, markers = with_marked_client_names(generate_organisation(MANAGERS, CASES, SEED))
    return write_organisation(org, tmp_path_factory.mktemp("marked")), markers


def _marker_words(markers: list[str]) -> list[str]:
    return sorted({word for marker in markers for word in marker.split()})


def _leaks(text: str, words: list[str]) -> list[str]:
    return [word for word in words if word in text]


@pytest.mark.parametrize("verbosity", [[], ["--quiet"], ["--verbose"]], ids=["default", "quiet", "verbose"])
def test_no_client_name_in_logs_or_outputs(marked_org: tuple[Path, list[str]], tmp_path: Path,
                                           verbosity: list[str]) -> None:
    config, markers = marked_org
    words = _marker_words(markers)
    out = tmp_path / "out"
    result = caseload(["plan", str(config), "-o", str(out), *PLAN_ARGS, *verbosity])
    assert result.returncode == 0, result.stderr
    if verbosity != ["--quiet"]:
        assert result.stdout.strip()  # the summary table: there is something to search
    assert _leaks(result.stdout, words) == []
    assert _leaks(result.stderr, words) == []
    for name in OUTPUT_TEXT_FILES:
        assert _leaks((out / name).read_text(encoding="utf-8"), words) == [], name
    calendars = sorted((out / "calendars").glob("*.ics"))
    assert calendars
    for calendar in calendars:
        text = calendar.read_text(encoding="utf-8")
        assert _leaks(text, words) == [], calendar.name
    # Initials ("Z.P.") stand in for the names: the default calendars do name clients that way.
    assert any("Z.P." in calendar.read_text(encoding="utf-8") for calendar in calendars)


def test_full_names_appear_only_in_calendars_and_only_when_asked(marked_org: tuple[Path, list[str]],
                                                                 tmp_path: Path) -> None:
    config, markers = marked_org
    words = _marker_words(markers)
    out = tmp_path / "out"
    result = caseload(["plan", str(config), "-o", str(out), *PLAN_ARGS, "--full-names", "--verbose"])
    assert result.returncode == 0, result.stderr
    assert _leaks(result.stdout + result.stderr, words) == []
    for name in OUTPUT_TEXT_FILES:
        assert _leaks((out / name).read_text(encoding="utf-8"), words) == [], name
    calendar_text = "".join(path.read_text(encoding="utf-8") for path in (out / "calendars").glob("*.ics"))
    assert any(marker in calendar_text for marker in markers)


# --- formula-like cells -----------------------------------------------------------------------


def _write_inline(org: GeneratedOrganisation, folder: Path) -> Path:
    """One inline YAML document (the CSV writer would itself guard the ids we want to test)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "organisation.yaml"
    path.write_text(yaml.safe_dump(org.config_data(), sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def formula_org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_inline(with_formula_ids(generate_organisation(MANAGERS, CASES, SEED)),
                         tmp_path_factory.mktemp("formula"))


def _unsafe_cells(path: Path) -> list[str]:
    """Cells a spreadsheet would evaluate: a formula start that is not simply a number."""
    unsafe = []
    for row in csv_rows(path)[1:]:
        for cell in row:
            if cell.startswith(FORMULA_STARTS):
                try:
                    float(cell)
                except ValueError:
                    unsafe.append(cell)
    return unsafe


def _guarded_cells(path: Path) -> list[str]:
    return [cell for row in csv_rows(path)[1:] for cell in row if cell.startswith("'") and cell[1:2] in "=+-@"]


def test_plan_csv_cells_with_formula_starts_are_guarded(formula_org: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = caseload(["plan", str(formula_org), "-o", str(out), *PLAN_ARGS, "--quiet"])
    assert result.returncode == 0, result.stderr
    for name in ("assignments.csv", "schedule.csv"):
        assert _unsafe_cells(out / name) == [], name
    guarded = _guarded_cells(out / "assignments.csv")
    # Every row's case id (+K / -K) and client id (=c) is guarded; so are manager ids (@m).
    assert {cell[:2] for cell in guarded} >= {"'+", "'-", "'=", "'@"}
    assert _guarded_cells(out / "schedule.csv")


def test_rebalance_csv_cells_with_formula_starts_are_guarded(formula_org: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = caseload(["rebalance", str(formula_org), "-o", str(out), *PLAN_ARGS, "--quiet"])
    assert result.returncode == 0, result.stderr
    for name in ("proposals.csv", "curve.csv", "assignments.csv"):
        assert _unsafe_cells(out / name) == [], name
    assert _guarded_cells(out / "proposals.csv")
