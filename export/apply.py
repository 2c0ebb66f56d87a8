"""Write a config with changes applied — accepted moves (`apply`), next week (`roll`) — changing nothing else.

The YAML is read in ruamel.yaml's round-trip mode only to learn where each value sits; the edits are
made to the original text at those positions, so comments, key order, quoting, flow style and
indentation survive. What can change (models.changes.ConfigChanges): `week_start`; a case's
`manager:` (added to intake that had none, removed from a case left without one); a contact
requirement's `last:` (added when missing); a manager's `leave:` list. When cases (or, for leave,
managers) live in a CSV file, a new CSV is written beside the new config with only those cells
changed, and the new YAML names it; another CSV file is named relative to the new folder when it lies
below it, else copied beside the new config (a config names only CSV files in its folder). The
input is never overwritten.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from export.output_set import write_output_set
from models.changes import ConfigChanges, MonthCount
from models.organisation import Appointment
from models.problems import ConfigError, LocatedProblem
from models.timeutil import format_clock

log = logging.getLogger("caseload")

_CSV_KEYS = ("managers", "clients", "cases")
_PLAIN_END = re.compile(r"[,}\]]| #")
_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9._/][A-Za-z0-9_.@/-]*$")
_KEYS_AFTER_MANAGER = ("locked", "escalate", "points", "contacts")
_BOM = "\ufeff"


def applied_files(config_path: Path, new_moves: Mapping[str, str], output: Path) -> dict[Path, str]:
    """Path -> new content: the new config (and its new cases CSV, when cases come from a CSV)."""
    return changed_files(config_path, ConfigChanges.moves(new_moves), output)


def write_applied(config_path: Path, new_moves: Mapping[str, str], output: Path, *, force: bool = False,
                  protect: Iterable[Path] = ()) -> list[Path]:
    return write_changed(config_path, ConfigChanges.moves(new_moves), output, force=force, protect=protect)


def write_changed(config_path: Path, changes: ConfigChanges, output: Path, *, force: bool = True,
                  protect: Iterable[Path] = ()) -> list[Path]:
    """Write the changed config (and CSVs); without `force`, refuse (ConfigError) to replace any file.

    The files land as one set (export/output_set.py): all of them or, on a failure, none. The config and
    every CSV file it names are never replaced, `force` or not, nor anything in `protect` (the command's
    other inputs: a plan, an actuals or proposals file).
    """
    changed, inputs = _changed(config_path, changes, output, force=force)
    files: dict[Path, str | bytes] = dict(changed)
    return write_output_set(output.parent, files, "config", in_set=False, force=force,
                            protect=[*inputs, *protect])


def changed_files(config_path: Path, changes: ConfigChanges, output: Path, *, force: bool = True) -> dict[Path, str]:
    """Path -> new content of the config with `changes` made (and of the CSV files it now names)."""
    return _changed(config_path, changes, output, force=force)[0]


def _changed(config_path: Path, changes: ConfigChanges, output: Path, *, force: bool
             ) -> tuple[dict[Path, str], list[Path]]:
    """`changed_files`, and the files the config was read from (the YAML, the CSV files it names)."""
    _refuse_overwrite(config_path, output)
    text = config_path.read_text(encoding="utf-8")
    document = YAML(typ="rt").load(text)
    inputs = [config_path, *(config_path.parent / document[key] for key in _CSV_KEYS
                             if isinstance(document.get(key), str))]
    editor = _TextEditor(text)
    files: dict[Path, str] = {}
    if changes.week_start is not None:
        editor.replace_value(document, "week_start", changes.week_start.isoformat())
    for key in _CSV_KEYS:
        value = document.get(key)
        if isinstance(value, str) and (key == "cases" or (key == "managers" and (changes.leave
                                                                                  or changes.blocked_cleared))):
            source = config_path.parent / value
            if key == "cases" and changes.month_counts:
                log.warning("warning: the cases are in %s: a CSV contacts cell has no place for the month's visit "
                            "counts, so %d are not carried (write the cases in the YAML to carry them)", value,
                            len(changes.month_counts))
            target = output.parent / f"{output.stem}-{Path(value).name}"
            _refuse_overwrite(source, target)
            files[target] = _changed_csv(key, source, changes)
            editor.replace_value(document, key, target.name)
        elif isinstance(value, str):
            copied = _keep_csv_reference(document, key, editor, config_path.parent, output)
            if copied is not None:
                files[copied[0]] = copied[1]
        elif key == "managers":
            _edit_managers(editor, value, changes)
        elif key == "cases":
            _edit_cases(editor, value, changes)
    files[output] = editor.text()
    if not force:
        _refuse_existing(files)
    return files, inputs


def _refuse_overwrite(source: Path, target: Path) -> None:
    if target.resolve() == source.resolve():
        raise ConfigError([LocatedProblem(str(target), None, None, "",
                                          f"refusing to overwrite the input {source.name}; write the new "
                                          "config to another file with -o")])


def _refuse_existing(files: Mapping[Path, str]) -> None:
    # Only regular files: --force replaces those; a folder, a link or a device is refused by the output
    # set with its own message (--force or not), which would be the wrong advice here.
    existing = [path for path in files if path.is_file() and not path.is_symlink()]
    if existing:
        raise ConfigError([LocatedProblem(str(path), None, None, "", f"{path.name} already exists; choose another "
                                          "-o, or pass --force to overwrite it") for path in existing])


# --------------------------------------------------------------------------------------------
# Edits to the YAML text
# --------------------------------------------------------------------------------------------


class _TextEditor:
    """Edits at positions ruamel.yaml reports, applied to the original text, so every byte not edited
    stays as it was: comments, spacing inside flow mappings, quoting, blank lines."""

    def __init__(self, text: str) -> None:
        self.source = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.edits: list[tuple[int, int, str]] = []  # start offset, end offset, new text

    def text(self) -> str:
        pieces: list[str] = []
        done = 0
        for start, end, new in sorted(self.edits, key=lambda edit: (edit[0], edit[1])):
            if start < done:
                raise ValueError("overlapping edits of the config")  # a bug in this module, never the input
            pieces.extend((self.source[done:start], new))
            done = end
        pieces.append(self.source[done:])
        return "".join(pieces)

    def offset(self, line: int, column: int) -> int:
        return self.starts[line] + column

    def replace(self, line: int, start: int, end: int, new: str) -> None:
        self.edits.append((self.offset(line, start), self.offset(line, end), new))

    def replace_value(self, mapping: CommentedMap, key: str, value: str) -> None:
        line, column = mapping.lc.value(key)
        end = _scalar_end(self.lines[line], column)
        quote = self.lines[line][column]
        self.replace(line, column, end, _scalar(value, quote if quote in "'\"" else ""))

    def insert(self, line: int, column: int, new: str) -> None:
        self.replace(line, column, column, new)

    def delete_line(self, line: int) -> None:
        self.edits.append((self.starts[line], self.starts[line + 1], ""))


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


def _edit_managers(editor: _TextEditor, managers: Any, changes: ConfigChanges) -> None:
    for item in managers or []:
        if isinstance(item, CommentedMap) and str(item.get("id")) in changes.leave:
            _set_leave(editor, item, changes.leave[str(item.get("id"))])
        if isinstance(item, CommentedMap) and str(item.get("id")) in changes.blocked_cleared:
            _clear_list(editor, item, "blocked")


def _edit_cases(editor: _TextEditor, cases: Any, changes: ConfigChanges) -> None:
    last_by_case = _last_by_case(changes)
    counts_by_case: dict[str, dict[int, MonthCount]] = defaultdict(dict)
    for (case_id, index), count in changes.month_counts.items():
        counts_by_case[case_id][index] = count
    for item in cases or []:
        if not isinstance(item, CommentedMap):
            continue
        case_id = str(item.get("id"))
        if case_id in changes.appointments_kept:
            _replace_list(editor, item, "appointments", _appointments_flow(changes.appointments_kept[case_id]))
        if case_id in changes.managers:
            manager = changes.managers[case_id]
            if manager is not None:
                _set_value(editor, item, "manager", manager, _KEYS_AFTER_MANAGER)
            elif "manager" in item:
                _remove_value(editor, item, "manager")
        requirements = item.get("contacts")
        for index, last in last_by_case.get(case_id, {}).items():
            if isinstance(requirements, CommentedSeq) and isinstance(requirements[index], CommentedMap):
                _set_value(editor, requirements[index], "last", last.isoformat(), ())
        for index, count in counts_by_case.get(case_id, {}).items():
            if isinstance(requirements, CommentedSeq) and isinstance(requirements[index], CommentedMap):
                for key, value in (("month", count.month), ("month_visits", str(count.visits)),
                                   ("month_in_residence", str(count.in_residence))):
                    _set_value(editor, requirements[index], key, value, ())


def _last_by_case(changes: ConfigChanges) -> dict[str, dict[int, date]]:
    by_case: dict[str, dict[int, date]] = defaultdict(dict)
    for (case_id, index), last in changes.last.items():
        by_case[case_id][index] = last
    return by_case


def _set_value(editor: _TextEditor, mapping: CommentedMap, key: str, value: str, following_keys: tuple[str, ...],
               *, raw: bool = False) -> None:
    """Replace the (scalar) value of `key`, or add the key before the first of `following_keys` present (else
    last); `raw`: `value` is YAML text already (a flow list), written as it is."""
    if key in mapping:
        editor.replace_value(mapping, key, value)
        return
    keys = list(mapping.keys())
    following = next((name for name in following_keys if name in keys), None)
    entry = f"{key}: {value if raw else _scalar(value, '')}"
    if mapping.fa.flow_style():
        if following is not None:
            line, column = mapping.lc.key(following)
            editor.insert(line, column, f"{entry}, ")
        else:
            editor.edits.append((_value_end(editor, mapping, keys[-1]), _value_end(editor, mapping, keys[-1]),
                                 f", {entry}"))
        return
    indent = " " * mapping.lc.key(keys[0])[1]
    if following is not None and following != keys[0]:
        line = mapping.lc.key(following)[0]
        editor.insert(line, 0, f"{indent}{entry}\n")
        return
    line = mapping.lc.value(keys[-1])[0]  # a scalar value: the mapping's last line
    text = editor.lines[line]
    newline = "" if text.endswith("\n") else "\n"
    editor.insert(line, len(text), f"{newline}{indent}{entry}\n")


def _value_end(editor: _TextEditor, mapping: CommentedMap, key: str) -> int:
    """The offset just after the value of `key`: a scalar, or a flow list or mapping (its closing bracket)."""
    line, column = mapping.lc.value(key)
    if not isinstance(mapping[key], CommentedSeq | CommentedMap):
        return editor.offset(line, _scalar_end(editor.lines[line], column))
    return _closing_bracket(editor.source, editor.offset(line, column)) + 1


def _closing_bracket(text: str, start: int) -> int:
    """The offset of the bracket that closes the flow collection opening at `start` (quotes skipped)."""
    depth = 0
    index = start
    while index < len(text):
        character = text[index]
        if character in "'\"":
            index = text.index(character, index + 1)  # doubled '' inside single quotes: two quoted runs
        elif character in "[{":
            depth += 1
        elif character in "]}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError("unclosed flow collection")  # ruamel.yaml parsed it, so never for a loaded config


def _remove_value(editor: _TextEditor, mapping: CommentedMap, key: str) -> None:
    """Take `key: value` (a scalar) out of the mapping; where that cannot be done cleanly, say null."""
    keys = list(mapping.keys())
    position = keys.index(key)
    key_line, key_column = mapping.lc.key(key)
    value_line, value_column = mapping.lc.value(key)
    if mapping.fa.flow_style():
        if position + 1 < len(keys):
            next_line, next_column = mapping.lc.key(keys[position + 1])
            editor.edits.append((editor.offset(key_line, key_column), editor.offset(next_line, next_column), ""))
            return
        comma = editor.lines[key_line].rfind(",", 0, key_column)
        if comma >= 0 and value_line == key_line:
            editor.replace(key_line, comma, _scalar_end(editor.lines[key_line], value_column), "")
            return
    elif value_line == key_line and not editor.lines[key_line][:key_column].strip():
        editor.delete_line(key_line)
        return
    editor.replace_value(mapping, key, "null")


def _set_leave(editor: _TextEditor, manager: CommentedMap, days: tuple[date, ...]) -> None:
    leave = manager.get("leave")
    flow = "[" + ", ".join(day.isoformat() for day in days) + "]"
    if not isinstance(leave, CommentedSeq):
        if days:
            _set_value(editor, manager, "leave", flow, (), raw=True)
        return
    if leave.fa.flow_style():
        end = _value_end(editor, manager, "leave")
        line, column = manager.lc.value("leave")
        editor.edits.append((editor.offset(line, column), end, flow))
        return
    kept = set(days)
    for index, item in enumerate(leave):
        if _as_date(item) not in kept:
            editor.delete_line(leave.lc.item(index)[0])
    if not kept:
        line, column = manager.lc.key("leave")
        colon = editor.lines[line].index(":", column)
        editor.insert(line, colon + 1, " []")


def _clear_list(editor: _TextEditor, mapping: CommentedMap, key: str) -> None:
    """`key: []`: a flow list replaced, a block list's lines taken out (the items' own comments with them)."""
    _replace_list(editor, mapping, key, "[]")


def _appointments_flow(appointments: tuple[Appointment, ...]) -> str:
    entries = (f'{{contact: {item.contact}, day: {item.day.isoformat()}, start: "{format_clock(item.start)}"}}'
               for item in appointments)
    return "[" + ", ".join(entries) + "]"


def _replace_list(editor: _TextEditor, mapping: CommentedMap, key: str, flow: str) -> None:
    """`key: FLOW`: a flow list replaced, a block list's lines taken out (the items' own comments with them)
    and FLOW written after the key."""
    items = mapping.get(key)
    if not isinstance(items, CommentedSeq) or not items:
        return
    if items.fa.flow_style():
        line, column = mapping.lc.value(key)
        editor.edits.append((editor.offset(line, column), _value_end(editor, mapping, key), flow))
        return
    last = 0
    for index, item in enumerate(items):
        last = max(last, items.lc.item(index)[0])
        if isinstance(item, CommentedMap) and not item.fa.flow_style():
            last = max([last, *(item.lc.value(name)[0] for name in item)])
    for line in range(items.lc.item(0)[0], last + 1):
        editor.delete_line(line)
    line, column = mapping.lc.key(key)
    colon = editor.lines[line].index(":", column)
    editor.insert(line, colon + 1, f" {flow}")


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _keep_csv_reference(document: Any, key: str, editor: _TextEditor, source_dir: Path,
                        output: Path) -> tuple[Path, str] | None:
    """CSV paths are relative to the YAML and stay inside its folder (models/loader.py refuses a path
    that climbs out): a config written elsewhere names the same file by its new relative path when it
    lies below the new folder, else gets a copy beside it (`<new-config-stem>-<file>`), returned here."""
    target_dir = output.parent
    if source_dir.resolve() == target_dir.resolve():
        return None
    source = (source_dir / document[key]).resolve()
    relative = os.path.relpath(source, target_dir.resolve())
    if os.pardir not in Path(relative).parts:
        editor.replace_value(document, key, Path(relative).as_posix())
        return None
    target = target_dir / f"{output.stem}-{source.name}"
    _refuse_overwrite(source, target)
    editor.replace_value(document, key, target.name)
    return target, source.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Edits to a CSV file: only the cells that change
# --------------------------------------------------------------------------------------------


def _changed_csv(key: str, source: Path, changes: ConfigChanges) -> str:
    text = source.read_text(encoding="utf-8")
    bom = _BOM if text.startswith(_BOM) else ""
    text = text[len(bom):]
    newline = "\r\n" if "\r\n" in text else "\n"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0] if rows else []
    columns = [cell.strip().lower() for cell in header]
    id_column = columns.index("id")
    last_by_case = _last_by_case(changes)
    for row in rows[1:]:
        if len(row) <= id_column:
            continue
        row_id = row[id_column].strip()
        if key == "managers" and row_id in changes.leave:
            _set_cell(header, columns, row, "leave", ";".join(day.isoformat() for day in changes.leave[row_id]))
        if key == "managers" and row_id in changes.blocked_cleared and "blocked" in columns:
            _set_cell(header, columns, row, "blocked", "")
        if key == "cases" and row_id in changes.appointments_kept and "appointments" in columns:
            _set_cell(header, columns, row, "appointments", ";".join(
                f"{item.contact}={item.day.isoformat()}={format_clock(item.start)}"
                for item in changes.appointments_kept[row_id]))
        if key == "cases" and row_id in changes.managers:
            _set_cell(header, columns, row, "manager", changes.managers[row_id] or "")
        if key == "cases" and row_id in last_by_case and "contacts" in columns:
            cell = row[columns.index("contacts")] if len(row) > columns.index("contacts") else ""
            _set_cell(header, columns, row, "contacts", _contacts_cell(cell, last_by_case[row_id]))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    return bom + buffer.getvalue()


def _set_cell(header: list[str], columns: list[str], row: list[str], column: str, value: str) -> None:
    if column not in columns:
        columns.append(column)
        header.append(column)
    index = columns.index(column)
    row.extend([""] * (index + 1 - len(row)))
    row[index] = value


def _contacts_cell(cell: str, last: Mapping[int, date]) -> str:
    """'in_person:60:monthly:2026-11-05;phone:15:weekly' with new last dates for some requirements
    (numbered as the loader numbers them: the non-empty items, in order)."""
    items = [part.strip() for part in cell.split(";") if part.strip()]
    for index, day in last.items():
        if index < len(items):
            fields = [piece.strip() for piece in items[index].split(":")]
            items[index] = ":".join([*fields[:3], day.isoformat()])
    return ";".join(items)
