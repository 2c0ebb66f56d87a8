"""Blocked time and appointments in the CSV files (models/loader.py): the cells, and their located errors."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from models.loader import load_config
from models.problems import ConfigError
from tests.conftest import DATA


def csv_config(tmp_path: Path, managers_extra: str, cases_extra: str) -> Path:
    """tiny_csv with a `blocked` column on managers.csv (Ana's cell given) and `appointments` on cases.csv
    (K-2's cell given)."""
    folder = tmp_path / "org"
    shutil.copytree(DATA / "tiny_csv", folder)
    for name, owner, cell in (("managers.csv", "m-ana", managers_extra), ("cases.csv", "K-2", cases_extra)):
        path = folder / name
        lines = path.read_text(encoding="utf-8").splitlines()
        column = "blocked" if name == "managers.csv" else "appointments"
        rows = [lines[0] + "," + column] + [line + "," + (f'"{cell}"' if line.startswith(owner + ",") else "")
                                             for line in lines[1:]]
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder / "tiny.yaml"


def test_blocked_and_appointment_cells_are_read(tmp_path: Path) -> None:
    config = load_config(csv_config(tmp_path, "2026-12-01=09:00-11:00=court;2026-12-03=14:00-15:00",
                                    "0=2026-12-02=10:00"))
    ana, k2 = config.managers_by_id["m-ana"], config.cases_by_id["K-2"]
    assert [(block.day, block.start, block.end, block.reason) for block in ana.blocked] == [
        (date(2026, 12, 1), 540, 660, "court"), (date(2026, 12, 3), 840, 900, "")]
    assert [(item.contact, item.day, item.start) for item in k2.appointments] == [(0, date(2026, 12, 2), 600)]


def test_a_malformed_cell_is_located(tmp_path: Path) -> None:
    path = csv_config(tmp_path, "2026-12-01 09:00", "2026-12-02=10:00")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [(Path(problem.file).name, problem.line, problem.field, problem.message)
            for problem in caught.value.problems] == [
        ("managers.csv", 2, "blocked", "'2026-12-01 09:00' is not day=HH:MM-HH:MM[=reason], e.g. "
                                       "2026-12-01=09:00-11:00=court"),
        ("cases.csv", 3, "appointments", "'2026-12-02=10:00' is not contact=day=HH:MM, e.g. 0=2026-12-02=10:00"),
    ]
