"""The mutation fuzzer: corrupted example configs through `caseload validate` (in process).

Every mutated config (tests/hardening/mutations.py: types, references, missing fields, truncation,
random bytes, huge numbers, unicode, deep nesting, duplicate keys, aliases, long strings, empty
files, CSV cells) must end in exit 0 (the mutation happened to leave a valid config) or exit 1 with
every problem on a located line (FILE:LINE[:COL]: ...) and the count line after them. Never a
traceback, never another exit code.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from models import loader
from models.limits import MAX_PROBLEMS_SHOWN
from models.loader import load_config
from models.problems import ConfigError
from tests.hardening.helpers import DATA, LOCATED_LINE, MORE_LINE, SUMMARY_LINE
from tests.hardening.mutations import mutated_case

FUZZ_CASES = 520
# A hang guard, not a benchmark: one validation of the largest example takes well under a second.
HANG_GUARD_S = 20.0
VALID_ONES_PLANNED = 3


def _validate(config: Path) -> Result:
    return CliRunner().invoke(main, ["validate", str(config)])


def _assert_clean_ending(result: Result, context: str) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{context}: {type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output, context
    assert result.exit_code in (0, 1), f"{context}: exit {result.exit_code}\n{result.output}"


@pytest.mark.parametrize("index", range(FUZZ_CASES))
def test_mutated_config_is_valid_or_every_problem_is_located(tmp_path: Path, index: int) -> None:
    case = mutated_case(index)
    config = case.write(tmp_path)
    context = f"fuzz case {index} ({case.source}, {case.mutation})"
    started = time.process_time()  # CPU seconds: another job on the machine does not move them
    result = _validate(config)
    elapsed = time.process_time() - started
    _assert_clean_ending(result, context)
    assert elapsed < HANG_GUARD_S, f"{context}: took {elapsed:.1f} CPU seconds"
    if result.exit_code == 1:
        lines = result.stderr.splitlines()
        assert lines and SUMMARY_LINE.match(lines[-1]), f"{context}: {result.stderr}"
        shown = lines[:-2] if len(lines) > 2 and MORE_LINE.match(lines[-2]) else lines[:-1]
        unlocated = [line for line in shown if not LOCATED_LINE.match(line)]
        assert shown and not unlocated, f"{context}: unlocated lines {unlocated}"
        assert len(shown) <= MAX_PROBLEMS_SHOWN, f"{context}: {len(shown)} problems shown"


def test_a_few_mutated_but_valid_configs_also_plan(tmp_path: Path) -> None:
    planned = 0
    for index in range(FUZZ_CASES):
        case = mutated_case(index)
        if case.source == "child-welfare":
            continue
        config = case.write(tmp_path / f"case-{index}")
        try:
            load_config(config)
        except ConfigError:
            continue
        out = tmp_path / f"out-{index}"
        result = CliRunner().invoke(main, ["plan", str(config), "-o", str(out), "--time-limit", "2",
                                           "--workers", "1", "--quiet"])
        _assert_clean_ending(result, f"plan of fuzz case {index} ({case.source}, {case.mutation})")
        assert result.exit_code == 0, result.output
        assert (out / "plan.json").is_file()
        planned += 1
        if planned == VALID_ONES_PLANNED:
            break
    assert planned == VALID_ONES_PLANNED


# --- oversized inputs (alias bombs and oversized CSV files: tests/models/test_loader.py) -------------


def test_oversized_config_is_refused_before_it_is_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_YAML_BYTES", 1024 * 1024)
    config = tmp_path / "huge.yaml"
    padding = "# " + "x" * 1000 + "\n"
    config.write_text((DATA / "tiny.yaml").read_text(encoding="utf-8") + padding * 2200, encoding="utf-8")
    result = _validate(config)
    _assert_clean_ending(result, "oversized config")
    assert result.exit_code == 1
    # A whole-file problem has no line to point at: FILE: message.
    assert result.stderr.splitlines() == [
        f"{config}: config file is 2 MB, larger than the 1 MB limit; split it or check that it is the right file",
        "1 problem found; nothing was written.",
    ]


def test_oversized_plan_is_refused_by_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_PLAN_BYTES", 1024 * 1024)
    plan = tmp_path / "plan.json"
    plan.write_text("[" + " " * (3 * 1024 * 1024) + "]", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(DATA / "tiny.yaml"), str(plan)])
    _assert_clean_ending(result, "oversized plan")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{plan}: plan file is 3 MB, larger than the 1 MB limit; split it or check that it is the right file")
