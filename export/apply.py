"""Write a config with accepted moves applied, changing nothing else.

The YAML is edited in ruamel.yaml's round-trip mode, so comments, key order, quoting, flow style and
indentation survive; only the `manager:` values of moved cases change (a `manager:` key is added to
intake that had none). When the cases live in a CSV file, a new CSV is written beside the new config
with only the manager cells changed, and the new YAML names it. The input is never overwritten.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from export.files import write_atomic
from models.problems import ConfigError, LocatedProblem

_CSV_KEYS = ("managers", "clients", "cases")
_DASH = re.compile(r"^( *)- ")
_KEY = re.compile(r"^( *)[^\s#-][^:]*:\s*(#.*)?$")


def applied_files(config_path: Path, new_moves: Mapping[str, str], output: Path) -> dict[Path, str]:
    """Path -> new content: the new config (and its new cases CSV, when cases come from a CSV)."""
    _refuse_overwrite(config_path, output)
    text = config_path.read_text(encoding="utf-8")
    yaml = _round_trip_yaml(text)
    document = yaml.load(text)
    files: dict[Path, str] = {}
    cases = document.get("cases")
    _keep_csv_references(document, config_path.parent, output.parent)
    if isinstance(cases, str):
        source = config_path.parent / cases
        target = output.parent / f"{output.stem}-{Path(cases).name}"
        _refuse_overwrite(source, target)
        files[target] = _applied_csv(source, new_moves)
        document["cases"] = target.name
    else:
        _apply_to_yaml_cases(cases or [], new_moves)
    stream = io.StringIO()
    yaml.dump(document, stream)
    files[output] = stream.getvalue()
    return files


def write_applied(config_path: Path, new_moves: Mapping[str, str], output: Path) -> list[Path]:
    files = applied_files(config_path, new_moves, output)
    for path, content in files.items():
        write_atomic(path, content)
    return list(files)


def _refuse_overwrite(source: Path, target: Path) -> None:
    if target.resolve() == source.resolve():
        raise ConfigError([LocatedProblem(str(target), None, None, "",
                                          f"refusing to overwrite the input {source.name}; write the new "
                                          "config to another file with -o")])


def _round_trip_yaml(text: str) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100_000  # never re-wrap a long line (flow mappings of one case stay on one line)
    offset = _sequence_offset(text)
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    return yaml


def _sequence_offset(text: str) -> int:
    """How far list dashes sit inside their parent key in this file (0 or 2 in practice)."""
    previous_key_indent: int | None = None
    for line in text.splitlines():
        dash = _DASH.match(line)
        if dash and previous_key_indent is not None:
            return max(0, len(dash.group(1)) - previous_key_indent)
        key = _KEY.match(line)
        previous_key_indent = len(key.group(1)) if key else None
    return 2


def _apply_to_yaml_cases(cases: list[Any], new_moves: Mapping[str, str]) -> None:
    for item in cases:
        if not isinstance(item, CommentedMap) or str(item.get("id")) not in new_moves:
            continue
        manager = new_moves[str(item.get("id"))]
        if "manager" in item:
            item["manager"] = manager
        else:
            keys = list(item.keys())
            after = next((key for key in ("opened", "complexity", "type", "client") if key in keys), keys[-1])
            item.insert(keys.index(after) + 1, "manager", manager)


def _applied_csv(source: Path, new_moves: Mapping[str, str]) -> str:
    text = source.read_text(encoding="utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0] if rows else []
    stripped = [cell.strip() for cell in header]
    id_column = stripped.index("id")
    if "manager" in stripped:
        manager_column = stripped.index("manager")
    else:
        manager_column = len(header)
        header.append("manager")
    for row in rows[1:]:
        if len(row) > id_column and row[id_column].strip() in new_moves:
            row.extend([""] * (manager_column + 1 - len(row)))
            row[manager_column] = new_moves[row[id_column].strip()]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    return buffer.getvalue()


def _keep_csv_references(document: Any, source_dir: Path, target_dir: Path) -> None:
    """CSV paths are relative to the YAML; a config written elsewhere must still find them."""
    if source_dir.resolve() == target_dir.resolve():
        return
    for key in _CSV_KEYS:
        value = document.get(key)
        if isinstance(value, str):
            document[key] = os.path.relpath((source_dir / value).resolve(), target_dir.resolve())
