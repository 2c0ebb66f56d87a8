"""Atomic writes, formula-safe CSV cells and safe file names."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from export.files import csv_text, safe_cell, safe_file_stem, write_atomic


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),  # a formula a spreadsheet would run
        ("+1", "'+1"),  # a leading plus is a formula too
        ("-2+3", "'-2+3"),  # so is a leading minus in text
        ("@SUM(A1)", "'@SUM(A1)"),  # and the at sign
        ("\tcell", "'\tcell"),  # a tab can hide a formula after it
        ("Ana", "Ana"),  # plain text is untouched
        (-3.5, "-3.5"),  # a negative number is data, not a formula
        (None, ""),  # missing values are empty cells
        (True, "true"),
    ],
)
def test_safe_cell_neutralises_formulas(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_csv_text_applies_safe_cells() -> None:
    assert csv_text(["a", "b"], [["=1", 2]]) == "a,b\n'=1,2\n"


def test_write_atomic_replaces_whole_file_and_leaves_no_temporaries(tmp_path: Path) -> None:
    target = tmp_path / "out" / "plan.json"
    write_atomic(target, "old")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert [path.name for path in target.parent.iterdir()] == ["plan.json"]


def test_safe_file_stem_cannot_escape_the_folder() -> None:
    assert safe_file_stem("m-ana") == "m-ana"
    stem = safe_file_stem("../../etc/passwd")
    assert "/" not in stem and not stem.startswith(".")
    assert safe_file_stem("m/a") != safe_file_stem("m_a")


def test_write_atomic_gives_outputs_the_umask_mode_not_private(tmp_path: Path) -> None:
    # Regression: mkstemp's 0600 leaked into outputs other staff could not read.
    previous = os.umask(0o022)
    try:
        target = tmp_path / "report.csv"
        write_atomic(target, "x")
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
    finally:
        os.umask(previous)
