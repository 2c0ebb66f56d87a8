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
_PLAIN_END = re.compile(r"[,}\]]| #")
_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9._/][A-Za-z0-9_.@/-]*$")
_KEYS_AFTER_MANAGER = ("locked", "escalate", "points", "contacts")


def applied_files(config_path: Path, new_moves: Mapping[str, str], output: Path) -> dict[Path, str]:
    """Path -> new content: the new config (and its new cases CSV, when cases come from a CSV)."""
    _refuse_overwrite(config_path, output)
    text = config_path.read_text(encoding="utf-8")
    document = YAML(typ="rt").load(text)
    editor = _TextEditor(text)
    files: dict[Path, str] = {}
    cases = document.get("cases")
    _keep_csv_references(document, editor, config_path.parent, output.parent)
    if isinstance(cases, str):
        source = config_path.parent / cases
        target = output.parent / f"{output.stem}-{Path(cases).name}"
        _refuse_overwrite(source, target)
        files[target] = _applied_csv(source, new_moves)
        editor.replace_value(document, "cases", target.name)
    else:
        for item in cases or []:
            if isinstance(item, CommentedMap) and str(item.get("id")) in new_moves:
                _set_manager(editor, item, new_moves[str(item.get("id"))])
    files[output] = editor.text()
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


class _TextEditor:
    """Edits at positions ruamel.yaml reports, applied to the original text (last first), so every
    byte not edited stays as it was: comments, spacing inside flow mappings, quoting, blank lines."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True)
        self.edits: list[tuple[int, int, int, str]] = []  # line, start column, end column, new text

    def text(self) -> str:
        lines = list(self.lines)
        for line, start, end, new in sorted(self.edits, reverse=True):
            lines[line] = lines[line][:start] + new + lines[line][end:]
        return "".join(lines)

    def replace_value(self, mapping: CommentedMap, key: str, value: str) -> None:
        line, column = mapping.lc.value(key)
        end = _scalar_end(self.lines[line], column)
        quote = self.lines[line][column]
        self.edits.append((line, column, end, _scalar(value, quote if quote in "'\"" else "")))

    def insert(self, line: int, column: int, new: str) -> None:
        self.edits.append((line, column, column, new))


def _scalar_end(line: str, column: int) -> int:
    """Where the scalar starting at `column` ends (a quoted one at its closing quote)."""
    if line[column] in "'\"":
        quote = line[column]
        end = column + 1
        while end < len(line):
            if line[end] == quote and not (quote == "'" and line[end + 1:end + 2] == "'"):
                return end + 1
            end += 2 if quote == "'" and line[end:end + 2] == "''" else 1
        return end
    match = _PLAIN_END.search(line, column)
    end = match.start() if match else len(line.rstrip("\r\n"))
    return len(line[:end].rstrip())


def _scalar(value: str, quote: str) -> str:
    if quote == "'" or (not quote and not _PLAIN_SAFE.match(value)):
        return "'" + value.replace("'", "''") + "'"
    if quote == '"':
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def _set_manager(editor: _TextEditor, case: CommentedMap, manager: str) -> None:
    if "manager" in case:
        editor.replace_value(case, "manager", manager)
        return
    keys = list(case.keys())
    following = next((key for key in _KEYS_AFTER_MANAGER if key in keys), None)
    if case.fa.flow_style():
        if following is not None:
            line, column = case.lc.key(following)
            editor.insert(line, column, f"manager: {_scalar(manager, '')}, ")
        else:
            line, column = case.lc.value(keys[-1])
            editor.insert(line, _scalar_end(editor.lines[line], column), f", manager: {_scalar(manager, '')}")
        return
    indent = " " * case.lc.key(keys[0])[1]
    if following is not None and following != keys[0]:
        line = case.lc.key(following)[0]
        editor.insert(line, 0, f"{indent}manager: {_scalar(manager, '')}\n")
        return
    line = case.lc.value(keys[-1])[0]  # a scalar value: the case's last line
    text = editor.lines[line]
    newline = "" if text.endswith("\n") else "\n"
    editor.insert(line, len(text), f"{newline}{indent}manager: {_scalar(manager, '')}\n")


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


def _keep_csv_references(document: Any, editor: _TextEditor, source_dir: Path, target_dir: Path) -> None:
    """CSV paths are relative to the YAML; a config written elsewhere must still find them."""
    if source_dir.resolve() == target_dir.resolve():
        return
    for key in _CSV_KEYS:
        value = document.get(key)
        if isinstance(value, str) and key != "cases":
            editor.replace_value(document, key, os.path.relpath((source_dir / value).resolve(), target_dir.resolve()))
