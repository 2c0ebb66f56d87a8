"""Shared pieces of the hardening tests: tiny generated organisations, running the CLI as a real
process, and reading an output folder back."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from cli import main
from export.organisation import write_organisation
from models.generator import GeneratedOrganisation, generate_organisation
from models.loader import load_config, load_plan

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
CONFIGS = ROOT / "configs"
TINY = DATA / "tiny.yaml"
# A quick, repeatable solve for tests that need a plan, not a good one.
QUICK = ["--workers", "1", "--time-limit", "5", "--seed", "0", "--quiet"]

# One located problem line: FILE:LINE[:COL]: ... (YAML and CSV rows alike).
LOCATED_LINE = re.compile(r"^[^:]+:\d+(:\d+)?: ")
SUMMARY_LINE = re.compile(r"^\d+ problems? found; nothing was written\.$")
# Past the first 100 problems (models/limits.py MAX_PROBLEMS_SHOWN), the rest are counted on one line.
MORE_LINE = re.compile(r"^\.\.\. and \d+ more$")
# Solver fields that measure wall-clock time, not the plan: normalised before byte comparisons.
WALL_CLOCK_FIELDS = ("runtime_s",)


def normalised_plan_json(text: str) -> str:
    """plan.json with the wall-clock fields of every solver stage set to 0 (everything else kept)."""
    data = json.loads(text)
    for stats in data.get("solver", []):
        for name in WALL_CLOCK_FIELDS:
            if name in stats:
                stats[name] = 0
    return json.dumps(data, indent=2, sort_keys=True)


def run(*args: str) -> Result:
    """The CLI in this process; any exception but a clean exit fails the test."""
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def plan_tiny(out: Path) -> Path:
    """tests/data/tiny.yaml planned into `out`."""
    result = run("plan", str(TINY), "-o", str(out), *QUICK)
    assert result.exit_code == 0, result.output
    return out


def caseload(args: list[str], *, timeout: float = 300, env: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
    """Run `caseload ARGS` as its own process (the way a user or a cron job does)."""
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=child_env(env), check=False)


def popen_caseload(args: list[str]) -> subprocess.Popen[str]:
    """Start `caseload ARGS` without waiting (for the interrupt tests)."""
    return subprocess.Popen([sys.executable, "-m", "cli", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env(None))


def child_env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    env.update(extra or {})
    return env


def write_generated(managers: int, cases: int, seed: int, folder: Path) -> Path:
    """A generated organisation written as YAML plus CSVs; returns the YAML path."""
    return write_organisation(generate_organisation(managers, cases, seed), folder)


def with_marked_client_names(org: GeneratedOrganisation) -> tuple[GeneratedOrganisation, list[str]]:
    """The organisation with every client renamed to a unique marker string (to search outputs for)."""
    markers = [f"Zqx{index:04d} Privatename{index:04d}" for index in range(len(org.clients))]
    clients = [replace(client, name=marker) for client, marker in zip(org.clients, markers, strict=True)]
    return replace(org, clients=clients), markers


def with_formula_ids(org: GeneratedOrganisation) -> GeneratedOrganisation:
    """Ids that a spreadsheet would run as formulas: managers '@', clients '=', cases '+', '-'."""
    managers = {row.id: f"@{row.id}" for row in org.managers}
    clients = {row.id: f"={row.id}" for row in org.clients}
    prefixes = ("+", "-")
    cases = {row.id: f"{prefixes[index % 2]}{row.id}" for index, row in enumerate(org.cases)}
    return replace(
        org,
        managers=[replace(row, id=managers[row.id]) for row in org.managers],
        clients=[replace(row, id=clients[row.id]) for row in org.clients],
        cases=[replace(row, id=cases[row.id], client=clients[row.client],
                       manager=managers[row.manager] if row.manager else None) for row in org.cases],
    )


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def assert_complete_output(config_path: Path, out_dir: Path) -> dict[str, Any]:
    """Every file of a `plan` output parses and plan.json passes the checker; returns plan.json's data."""
    from models.check import check_plan

    config = load_config(config_path)
    plan = load_plan(out_dir / "plan.json")
    assert check_plan(config, plan) == []
    assignments = csv_rows(out_dir / "assignments.csv")
    assert len(assignments) == len(plan.assignments) + 1
    assert (out_dir / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    if any(stats.stage == "schedule" for stats in plan.solver):
        assert len(csv_rows(out_dir / "schedule.csv")) == len(plan.contacts) + 1
        for calendar in sorted((out_dir / "calendars").glob("*.ics")):
            text = calendar.read_text(encoding="utf-8")
            assert text.startswith("BEGIN:VCALENDAR") and text.rstrip().endswith("END:VCALENDAR"), calendar
    data: dict[str, Any] = json.loads((out_dir / "plan.json").read_text(encoding="utf-8"))
    return data


def leftover_temporaries(out_dir: Path) -> list[Path]:
    """Temporary files of export.files.write_atomic that an interrupted run left behind."""
    return sorted(path for path in out_dir.rglob(".*.tmp"))
