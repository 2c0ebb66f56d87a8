"""Loading a config (YAML plus the CSV files it names) into a validated `Config`.

MINIMAL VERSION: the loader helper replaces this with located errors (FILE:LINE:COL).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from models.organisation import Config
from models.plan import Plan
from models.problems import ConfigError, LocatedProblem, format_path
from models.validation import find_problems


def load_config(path: Path) -> Config:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("managers", "clients", "cases"):
        if isinstance(data.get(key), str):
            with (path.parent / data[key]).open(newline="", encoding="utf-8") as stream:
                data[key] = [_csv_row(row) for row in csv.DictReader(stream)]
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError([
            LocatedProblem(str(path), None, None, format_path(tuple(e["loc"])), e["msg"]) for e in error.errors()
        ]) from None
    problems = find_problems(config)
    if problems:
        raise ConfigError([LocatedProblem(str(path), None, None, p.dotted_path, p.message) for p in problems])
    return config


def _csv_row(row: dict[str, str]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if value != ""}


def load_plan(path: Path) -> Plan:
    return Plan.model_validate_json(path.read_text(encoding="utf-8"))
