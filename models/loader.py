"""Loading a config (YAML plus the CSV files it names) into a validated `Config`, with located errors.

Every problem found in one run is raised together as a `ConfigError`, each pinned to a place:
`FILE:LINE:COL: field.path: message` for YAML, `FILE:ROW: column: message` for CSV rows.

YAML is read event by event (libyaml when available) and the plain data is built here, not by
PyYAML's constructor, so that (a) every value keeps its line and column, (b) nothing but plain
scalars, lists and mappings can come in (no python tags, no anchors or aliases, so no alias
bombs), (c) duplicate keys are caught, and (d) deep nesting is refused before it can exhaust the
stack. Inputs are only ever read.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import gc
import io
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from types import MappingProxyType, UnionType
from typing import Annotated, Any, BinaryIO, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from models.json_positions import top_level_positions
from models.organisation import Config
from models.plan import Plan
from models.problems import ConfigError, FieldPath, LocatedProblem, format_path
from models.text import shown
from models.validation import find_problems

MAX_YAML_BYTES = 50 * 1024 * 1024
MAX_CSV_BYTES = 200 * 1024 * 1024
MAX_PLAN_BYTES = 1024 * 1024 * 1024
MAX_DEPTH = 32
_TOO_DEEP = f"the data nests more than {MAX_DEPTH} levels deep; a caseload config needs only a few"
LIST_KEYS = ("managers", "clients", "cases")

# The CSV columns of each list; multi-valued cells separate their items with ';'.
MANAGER_COLUMNS = ("id", "name", "level", "fte", "region", "office", "lat", "lon", "languages", "skills",
                   "availability", "leave", "accepts_new_cases", "max_new_cases", "email", "phone", "blocked")
CLIENT_COLUMNS = ("id", "name", "household", "language", "region", "lat", "lon", "availability", "phone", "email",
                  "excluded_managers", "preferred_manager")
CASE_COLUMNS = ("id", "client", "type", "complexity", "opened", "manager", "locked", "escalate", "points",
                "contacts", "appointments")
CSV_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "managers": MANAGER_COLUMNS,
    "clients": CLIENT_COLUMNS,
    "cases": CASE_COLUMNS,
})
REQUIRED_CSV_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "managers": ("id", "level"),
    "clients": ("id",),
    "cases": ("id", "client", "type", "complexity"),
})
# lat/lon cells become this nested point of the item.
_POINT_FIELD: Mapping[str, str] = MappingProxyType({"managers": "base", "clients": "location"})

_SAFE_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "str", "timestamp")
)
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAP_TAGS = frozenset({None, "!", "tag:yaml.org,2002:map"})
_SEQ_TAGS = frozenset({None, "!", "tag:yaml.org,2002:seq"})
_PLAIN_TOKEN = re.compile(r"[^,\]}#\n]*")

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Position = tuple[int, int]


# --------------------------------------------------------------------------------------------
# Where things came from
# --------------------------------------------------------------------------------------------


@dataclass
class CsvSource:
    """A list read from a CSV file: the file and the line of each row (the header is line 1)."""

    file: str
    lines: list[int]


@dataclass
class SourceMap:
    """Field path → place in the input, for turning a field path into `FILE:LINE:COL`."""

    file: str
    text: str = ""
    positions: dict[FieldPath, Position] = field(default_factory=dict)
    key_positions: dict[FieldPath, Position] = field(default_factory=dict)
    csv: dict[str, CsvSource] = field(default_factory=dict)

    def csv_row(self, path: FieldPath) -> tuple[CsvSource, int] | None:
        if len(path) >= 2 and isinstance(path[0], str) and isinstance(path[1], int) and path[0] in self.csv:
            source = self.csv[path[0]]
            if 0 <= path[1] < len(source.lines):
                return source, source.lines[path[1]]
        return None

    def position(self, path: FieldPath, at_key: bool = False) -> Position | None:
        """The value at `path` (its key when `at_key`), else the nearest enclosing value given."""
        if at_key and path in self.key_positions:
            return self.key_positions[path]
        for end in range(len(path), -1, -1):
            found = self.positions.get(path[:end])
            if found is not None:
                return found
        return None

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def plain_text_at(self, path: FieldPath) -> str | None:
        """The unquoted source text of the scalar at `path` (for 'put it in quotes' hints)."""
        where = self.positions.get(path)
        if where is None or not self.text:
            return None
        lines = self.lines
        if where[0] > len(lines):
            return None
        match = _PLAIN_TOKEN.match(lines[where[0] - 1], where[1] - 1)
        return match.group(0).strip() if match else None

    def locate(self, path: FieldPath, message: str, at_key: bool = False) -> LocatedProblem:
        row = self.csv_row(path)
        if row is not None:
            source, line = row
            return plain_problem(source.file, line, None, csv_column(path), message)
        where = self.position(path, at_key)
        if where is None:
            return plain_problem(self.file, None, None, format_path(path), message)
        return plain_problem(self.file, where[0], where[1], format_path(path), message)


def plain_problem(file: str, line: int | None, column: int | None, field: str, message: str) -> LocatedProblem:
    """A located problem whose field and message may quote the input (an unknown key, a time zone, a
    cell): control and invisible characters are written as escapes, so none reaches a terminal."""
    return LocatedProblem(file, line, column, shown(field), shown(message))


def csv_column(path: FieldPath) -> str:
    """The CSV column that holds the field at `path` (managers/clients/cases, row, field, ...)."""
    if len(path) < 3:
        return ""
    name = str(path[2])
    if name in _POINT_FIELD.values():
        return str(path[3]) if len(path) > 3 else "lat"
    return name


class UnreadableInput(ConfigError):
    """Problems after which an input cannot be read any further (syntax, encoding, size, CSV header)."""


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def load_config(path: Path) -> Config:
    """Read, check and cross-reference a config; raise `ConfigError` listing every problem."""
    return load_config_files(path).config


@dataclass(frozen=True)
class LoadedConfig:
    """A config and the files it was read from: the YAML, then every CSV file it names."""

    config: Config
    files: tuple[Path, ...]
    """A command's inputs, which no output of it may replace (export.output_set's `protect`)."""


def load_config_files(path: Path) -> LoadedConfig:
    """`load_config`, also saying which files the config was read from."""
    with _collector_paused():
        return _load_config(path)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large input is read.

    Loading builds hundreds of thousands of acyclic objects; each allocation burst would otherwise
    trigger collection passes over the growing heap (XL: 19 s with them, 6 s without).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_config(path: Path) -> LoadedConfig:
    data, source, problems = read_yaml(path, "config")
    if not isinstance(data, dict):
        found = "nothing" if data is None else f"a {_kind(data)}"
        raise ConfigError([LocatedProblem(str(path), 1, 1, "", (
            f"the top level must be a mapping (week_start:, policy:, managers:, ...), but the file holds {found}"
        ))])
    data, file_problems, row_problems = _read_csv_lists(data, path, source)
    if file_problems:
        # A missing or malformed CSV file would make every reference to its rows look wrong.
        raise ConfigError(ordered_problems([*problems, *file_problems, *row_problems], source))
    config, validation_problems = validate_config(data, source)
    problems.extend(row_problems)
    problems.extend(validation_problems)
    if config is None or problems:
        raise ConfigError(ordered_problems(problems, source))
    return LoadedConfig(config, (path, *(Path(csv_source.file) for csv_source in source.csv.values())))


def load_plan(path: Path) -> Plan:
    """Read a plan.json; raise `ConfigError` with located problems when it is not a valid plan."""
    file = str(path)
    text = read_text(path, MAX_PLAN_BYTES, "plan")
    data = parse_json(text, file, "plan")
    try:
        with _collector_paused():
            plan = Plan.model_validate(data)
    except ValidationError as error:
        raise ConfigError(located_validation_problems(error, _json_source_map(text, file), Plan)) from None
    check_format_version(plan.format_version, PLAN_FORMAT_VERSION, text, file, "plan")
    return plan


# The plan.json format this caseload writes and reads (models.plan.Plan.format_version's default).
PLAN_FORMAT_VERSION: int = Plan.model_fields["format_version"].default


def parse_json(text: str, file: str, what: str) -> Any:
    """json.loads, with every way it can fail a located problem: a syntax error, nesting deeper than
    the recursion limit, an integer of more digits than Python converts (4,300). `what` names the
    file in the messages ("plan", "proposals file")."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError([LocatedProblem(file, error.lineno, error.colno, "", f"JSON syntax error: {error.msg}")
                           ]) from None
    except RecursionError:
        where = _too_deep_json(text)
        raise ConfigError([LocatedProblem(file, where[0] if where else None, where[1] if where else None, "",
                                          f"the JSON nests too deeply to be a {what}")]) from None
    except ValueError:  # an integer of more digits than Python converts: no plan or proposal holds one
        raise ConfigError([_long_number(text, file, what)]) from None


# Strings (skipped whole, escapes and all) and brackets: enough to follow a JSON text's nesting.
_JSON_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _too_deep_json(text: str) -> Position | None:
    """Where a JSON text first nests more than MAX_DEPTH levels (None when it never does)."""
    depth = 0
    for match in _JSON_NESTING.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return _line_col(text, match.start())
        elif token in "]}":
            depth -= 1
    return None


def check_format_version(found: object, expected: int, text: str, file: str, what: str) -> None:
    """A file written by another version of caseload is refused, not read as if it were this one's."""
    if found == expected:
        return
    where = top_level_positions(text).get(("format_version",))
    raise ConfigError([LocatedProblem(file, where[0] if where else None, where[1] if where else None,
                                      "format_version", f"this {what} is in format {shown(str(found))}; this "
                                      f"caseload reads format {expected} (make the {what} again with this caseload)")])


def _long_number(text: str, file: str, what: str) -> LocatedProblem:
    match = re.search(r"\d{100,}", text)
    if match is None:
        return LocatedProblem(file, None, None, "", "a number in the JSON is too long to be read")
    line, column = _line_col(text, match.start())
    return LocatedProblem(file, line, column, "", f"a number of {match.end() - match.start():,} digits is too long "
                                                  f"to be part of a {what}")


def read_text(path: Path, limit: int, what: str, blame: LocatedProblem | None = None) -> str:
    """The file as text, refusing what is missing, too large or not UTF-8 (a leading BOM is fine).

    `blame` is where a missing file is reported (the YAML line that names a CSV file).
    """
    with open_input(path, limit, what, blame) as stream:
        try:
            data = stream.read()
        except OSError as error:
            raise _unreadable(path, blame, None, None, f"cannot read {what} file {path}: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        raise _unreadable(path, blame, data.count(b"\n", 0, error.start) + 1, error.start - line_start + 1,
                          _not_utf8(data[error.start])) from None


def open_input(path: Path, limit: int, what: str, blame: LocatedProblem | None = None) -> BinaryIO:
    """The input file opened for reading (binary), once it is known to be a regular file of at most
    `limit` bytes: a FIFO would block forever, /dev/zero never end. Opened without blocking and
    checked on the open file, so nothing can be swapped in between the check and the read."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise _unreadable(path, blame, None, None, f"{what} file {path} not found") from None
    except OSError as error:
        raise _unreadable(path, blame, None, None, f"cannot read {what} file {path}: {error.strerror}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise _unreadable(path, blame, None, None, f"{what} file {path} is not a file")
        if info.st_size > limit:
            raise _unreadable(path, blame, None, None, f"{what} file is {info.st_size / 2**20:.0f} MB, larger than "
                                                       f"the {limit // 2**20} MB limit; split it or check that it "
                                                       "is the right file")
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _unreadable(path: Path, blame: LocatedProblem | None, line: int | None, column: int | None,
                message: str) -> UnreadableInput:
    if blame is not None and line is None:
        return UnreadableInput([LocatedProblem(blame.file, blame.line, blame.column, blame.field, message)])
    return UnreadableInput([LocatedProblem(str(path), line, column, "", message)])


def _not_utf8(byte: int) -> str:
    return f"byte 0x{byte:02x} is not UTF-8 text; save the file as UTF-8"


def text_lines(stream: BinaryIO, file: str) -> Iterator[str]:
    """The lines of an open input as text, one at a time (a large CSV is never held whole): a leading
    BOM dropped, a byte that is not UTF-8 refused at its line and column."""
    for number, raw in enumerate(stream, start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise UnreadableInput([LocatedProblem(file, number, error.start + 1, "", _not_utf8(raw[error.start]))
                                   ]) from None
        yield text


def csv_records(lines: Iterable[str], file: str) -> Iterator[tuple[int, list[str]]]:
    """(the line a record starts on, its cells) for each record of a CSV text; a syntax error is blamed
    on the line its record starts on (an unclosed quote runs to the end of the file, where the reader
    notices it)."""
    reader = csv.reader(lines, strict=True)
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as error:
        message = ("CSV syntax error: a quoted cell opened on this row is never closed (a missing \")"
                   if "unexpected end of data" in str(error) else f"CSV syntax error: {error}")
        raise UnreadableInput([LocatedProblem(file, line, None, "", message)]) from None


# --------------------------------------------------------------------------------------------
# YAML: events → plain data plus positions
# --------------------------------------------------------------------------------------------


@dataclass
class _Frame:
    """An open list or mapping while its events stream in."""

    value: list[Any] | dict[str, Any]
    path: FieldPath
    key: str | None = None
    key_position: Position | None = None


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap, list[LocatedProblem]]:
    """Plain data from one YAML document, its source map, and problems that do not stop reading.

    Raises `UnreadableInput` for syntax errors, anchors, aliases, unsafe tags on collections and deep nesting.
    """
    source = SourceMap(file, text)
    builder = _YamlBuilder(source)
    loader = _Loader(text)
    try:
        while loader.check_event():
            builder.feed(loader.get_event())  # type: ignore[no-untyped-call]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if mark is not None and "nesting depth" in str(error.problem):
            raise _too_deep(text[:mark.index], file, (mark.line + 1, mark.column + 1)) from None
        message = "YAML syntax error: " + " ".join(
            part for part in (error.problem, f"({error.context})" if error.context else None) if part
        )
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        raise UnreadableInput([LocatedProblem(file, line, column, "", message)]) from None
    except yaml.YAMLError as error:  # reader errors: control characters and the like
        position = getattr(error, "position", None)
        line, column = _line_col(text, position) if isinstance(position, int) else (None, None)
        reason = getattr(error, "reason", str(error))
        raise UnreadableInput([LocatedProblem(file, line, column, "", f"cannot read the file: {reason}")]) from None
    finally:
        loader.dispose()
    return builder.root, source, builder.problems


def _too_deep(head: str, file: str, fallback: Position) -> UnreadableInput:
    """The located depth problem of a text PyYAML refused as nested too deeply.

    PyYAML 6.0.4 and later stop at 1,000 levels while scanning ahead, before the builder has seen
    level MAX_DEPTH; the text up to where PyYAML stopped is read again, and the builder then stops
    where our own limit was passed, as it does with older PyYAML.
    """
    try:
        parse_yaml(head, file)
    except UnreadableInput as error:
        if any(problem.message == _TOO_DEEP for problem in error.problems):
            return error
    return UnreadableInput([LocatedProblem(file, fallback[0], fallback[1], "", _TOO_DEEP)])


def _short_tag(tag: str | None) -> str:
    prefix = "tag:yaml.org,2002:"
    return f"!!{tag[len(prefix):]}" if tag and tag.startswith(prefix) else str(tag)


def _line_col(text: str, index: int) -> Position:
    index = min(index, len(text))
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


class _YamlBuilder:
    """Turns parser events into lists, dicts and scalars, recording where each value starts."""

    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self.root: Any = None
        self.problems: list[LocatedProblem] = []
        self.stack: list[_Frame] = []
        self.documents = 0
        self.scalars = yaml.SafeLoader("")  # only its scalar constructors are used

    def feed(self, event: yaml.Event) -> None:
        mark = event.start_mark
        position = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self._fatal(position, "", "only one YAML document is allowed per file (found a second '---')")
        elif isinstance(event, yaml.AliasEvent):
            self._fatal(position, self._next_path_text(),
                        f"YAML aliases (*{event.anchor}) are not allowed; repeat the value instead")
        elif isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
            if event.anchor is not None:
                self._fatal(position, self._next_path_text(),
                            f"YAML anchors (&{event.anchor}) and aliases are not allowed; repeat the value instead")
            if isinstance(event, yaml.ScalarEvent):
                self._add(self._scalar(event, position), position, event)
            else:
                self._open(event, position)
        elif isinstance(event, yaml.CollectionEndEvent):
            self.stack.pop()

    def _fatal(self, position: Position, field_text: str, message: str) -> None:
        raise UnreadableInput([plain_problem(self.source.file, position[0], position[1], field_text, message)])

    def _next_path_text(self) -> str:
        if not self.stack:
            return ""
        frame = self.stack[-1]
        if isinstance(frame.value, list):
            return format_path((*frame.path, len(frame.value)))
        return format_path((*frame.path, frame.key) if frame.key is not None else frame.path)

    def _scalar(self, event: yaml.ScalarEvent, position: Position) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.scalars.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
        if tag == _STR_TAG:
            return event.value
        if tag == _MERGE_TAG:
            frame = self.stack[-1] if self.stack else None
            if frame is not None and isinstance(frame.value, dict) and frame.key is None:  # `<<:` as a key
                self.problems.append(LocatedProblem(self.source.file, position[0], position[1],
                                                    format_path((*frame.path, "<<")),
                                                    "YAML merge keys (<<) are not supported; write the keys out"))
            return event.value  # as a value, '<<' is just text
        if tag not in _SAFE_SCALAR_TAGS:
            message = f"YAML tag '{_short_tag(event.tag)}' is not allowed; write plain values"
            self.problems.append(LocatedProblem(self.source.file, position[0], position[1],
                                                self._next_path_text(), message))
            return event.value
        node = yaml.ScalarNode(tag, event.value, None, None, event.style)
        try:
            return self.scalars.yaml_constructors[tag](self.scalars, node)
        except (ValueError, OverflowError, yaml.YAMLError):
            # e.g. 2026-02-30 looks like a date but is none: keep the text, validation says why
            return event.value

    def _open(self, event: yaml.CollectionStartEvent, position: Position) -> None:
        is_mapping = isinstance(event, yaml.MappingStartEvent)
        if event.tag not in (_MAP_TAGS if is_mapping else _SEQ_TAGS):
            self._fatal(position, self._next_path_text(),
                        f"YAML tag '{_short_tag(event.tag)}' is not allowed; write plain values")
        if len(self.stack) >= MAX_DEPTH:
            self._fatal(position, "", _TOO_DEEP)
        container: list[Any] | dict[str, Any] = {} if is_mapping else []
        path = self._add(container, position, event)
        if path is not None:
            self.stack.append(_Frame(container, path))

    def _add(self, value: Any, position: Position, event: yaml.NodeEvent) -> FieldPath | None:
        """Place a value in the open container; returns its path, or None when it was a key."""
        if not self.stack:
            self.root = value
            self.source.positions[()] = position
            return ()
        frame = self.stack[-1]
        if isinstance(frame.value, list):
            path: FieldPath = (*frame.path, len(frame.value))
            frame.value.append(value)
        elif frame.key is None:
            self._take_key(frame, event, position)
            return None
        else:
            path = (*frame.path, frame.key)
            frame.value[frame.key] = value
            if frame.key_position is not None:
                self.source.key_positions[path] = frame.key_position
            frame.key = None
        self.source.positions[path] = position
        return path

    def _take_key(self, frame: _Frame, event: yaml.NodeEvent, position: Position) -> None:
        # Keys are kept as the text written (so `on:` or `2026-01-01:` stay text, as every key here is).
        if not isinstance(event, yaml.ScalarEvent):
            self._fatal(position, format_path(frame.path), "a key must be plain text, not a list or mapping")
            return
        key = event.value
        assert isinstance(frame.value, dict)
        if key in frame.value:
            first = self.source.key_positions.get((*frame.path, key))
            where = f" (first at line {first[0]})" if first else ""
            self.problems.append(plain_problem(
                self.source.file, position[0], position[1], format_path((*frame.path, key)),
                f"duplicate key '{key}'{where}; each key may appear once in a mapping",
            ))
        frame.key = key
        frame.key_position = position


def _json_source_map(text: str, file: str) -> SourceMap:
    """Positions for a JSON file (JSON is YAML flow style); empty when the YAML reader disagrees."""
    try:
        return parse_yaml(text, file)[1]
    except UnreadableInput:
        return SourceMap(file)


# --------------------------------------------------------------------------------------------
# CSV lists
# --------------------------------------------------------------------------------------------


def _read_csv_lists(data: dict[str, Any], yaml_path: Path,
                    source: SourceMap) -> tuple[dict[str, Any], list[LocatedProblem], list[LocatedProblem]]:
    """A copy of `data` with every CSV-named list read in, problems with the files, problems in rows."""
    problems: list[LocatedProblem] = []
    cell_problems: list[LocatedProblem] = []
    result = dict(data)
    for key in LIST_KEYS:
        name = data.get(key)
        if not isinstance(name, str):
            continue
        blame = source.locate((key,), "")
        csv_path = yaml_path.parent / name
        outside = _outside_the_folder(name, yaml_path.parent)
        if outside is not None:
            problems.append(source.locate((key,), outside))
            continue
        try:
            rows, row_problems = read_csv_rows(key, csv_path, blame)
        except UnreadableInput as unreadable:
            problems.extend(unreadable.problems)
            continue
        cell_problems.extend(row_problems)
        result[key] = [row for _, row in rows]
        source.csv[key] = CsvSource(str(csv_path), [line for line, _ in rows])
    return result, problems, cell_problems


def _outside_the_folder(name: str, folder: Path) -> str | None:
    """Why a CSV path named in a config may not be read: it must lie in the config's folder or below
    (no absolute path, no '..' or link climbing out), so a config cannot make caseload read, and echo
    in its messages, any file on the machine."""
    if Path(name).is_absolute() or re.match(r"^[A-Za-z]:[\\/]", name):
        return (f"'{shown(name)}' is an absolute path; CSV files must be in the config's folder or below it, "
                "named relative to it (e.g. managers.csv)")
    try:
        (folder / name).resolve().relative_to(folder.resolve())
    except ValueError:
        return (f"'{shown(name)}' is outside the config's folder; CSV files must be in the config's folder or "
                "below it (copy the file there)")
    except (OSError, RuntimeError):
        return f"'{shown(name)}' cannot be resolved to a file in the config's folder"
    return None


_Converter = Callable[[str], Any]


def read_csv_rows(key: str, path: Path, blame: LocatedProblem | None = None
                  ) -> tuple[list[tuple[int, dict[str, Any]]], list[LocatedProblem]]:
    """(line, item) for each row of a managers/clients/cases CSV, and problems with cells.

    Raises `UnreadableInput` when the file cannot be read or its header is wrong (missing or unknown
    columns): validating rows against a wrong header would only bury the cause in noise.
    """
    text = read_text(path, MAX_CSV_BYTES, f"{key} CSV", blame)
    file = str(path)
    records = csv_records(io.StringIO(text, newline=""), file)
    header = [name.strip().lower() for name in next(records, (1, []))[1]]
    _check_header(key, header, file)
    converters = [_CONVERTERS.get(name, _text) for name in header]
    rows: list[tuple[int, dict[str, Any]]] = []
    problems: list[LocatedProblem] = []
    for line, cells in records:
        if any(cell.strip() for cell in cells):
            rows.append((line, _row_item(key, header, converters, cells, file, line, problems)))
    return rows, problems


def _check_header(key: str, header: list[str], file: str) -> None:
    columns = CSV_COLUMNS[key]
    listing = ", ".join(columns)
    problems: list[tuple[str, str]] = []  # (column, message)
    if not any(header):
        message = f"the file is empty; the first line must name the columns ({listing})"
        raise UnreadableInput([LocatedProblem(file, 1, None, "", message)])
    for index, name in enumerate(header):
        if not name:
            continue  # spreadsheets often export trailing unnamed, empty columns
        if name not in columns:
            close = difflib.get_close_matches(name, columns, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append((shown(name), f"unknown column '{shown(name)}'; {hint}{key} columns are {listing}"))
        elif name in header[:index]:
            problems.append((shown(name), f"column '{shown(name)}' appears twice"))
    for name in REQUIRED_CSV_COLUMNS[key]:
        if name not in header:
            problems.append((name, f"missing required column '{name}'"))
    if problems:
        raise UnreadableInput([LocatedProblem(file, 1, None, column, message) for column, message in problems])


def _row_item(key: str, header: list[str], converters: list[_Converter], cells: list[str], file: str,
              line: int, problems: list[LocatedProblem]) -> dict[str, Any]:
    if len(cells) != len(header):  # a short row is not padded: a missing comma shifts every cell after it
        problems.append(LocatedProblem(file, line, None, "", f"the row has {len(cells)} cells but the header "
                                                            f"names {len(header)} columns"))
    item: dict[str, Any] = {}
    point: dict[str, str] = {}
    cells_by_column = zip(header, converters, cells, strict=False)
    for number, (name, convert, cell) in enumerate(cells_by_column, start=1):
        value = cell.strip()
        if not value:
            continue  # an empty cell means "not given"
        if not name:
            problems.append(LocatedProblem(file, line, None, "", f"column {number} has a value but no name "
                                                                "in the header"))
            continue
        if name in ("lat", "lon"):
            point[name] = value
            continue
        try:
            item[name] = convert(value)
        except ValueError as error:
            problems.append(plain_problem(file, line, None, name, str(error)))
    if point:
        item[_POINT_FIELD[key]] = point
    return item


def _text(cell: str) -> str:
    return cell


def _items(cell: str) -> list[str]:
    """'en;es' → ['en', 'es']."""
    return [part for part in (piece.strip() for piece in cell.split(";")) if part]


def _availability(cell: str) -> dict[str, list[str]]:
    """'mon=08:30-17:00;tue=08:30-12:00,13:00-17:00' → {'mon': [...], 'tue': [..., ...]}."""
    days: dict[str, list[str]] = {}
    for part in _items(cell):
        day, sep, windows = part.partition("=")
        day = day.strip().lower()
        if not sep or not day:
            raise ValueError(f"'{part}' is not day=HH:MM-HH:MM; write e.g. mon=08:30-17:00;tue=08:30-12:00,"
                             "13:00-17:00")
        if day in days:
            raise ValueError(f"day '{day}' is given twice; list all its windows once, separated by ','")
        days[day] = [window.strip() for window in windows.split(",") if window.strip()]
    return days


def _contacts(cell: str) -> list[dict[str, str]]:
    """'in_person:60:monthly:2026-11-05;phone:15:weekly' → contact requirements."""
    contacts: list[dict[str, str]] = []
    for part in _items(cell):
        fields = [piece.strip() for piece in part.split(":")]
        if len(fields) not in (3, 4) or not all(fields):
            raise ValueError(f"'{part}' is not mode:minutes:frequency[:last], e.g. in_person:60:monthly:"
                             "2026-11-05")
        contacts.append(dict(zip(("mode", "minutes", "frequency", "last"), fields, strict=False)))
    return contacts


def _blocked(cell: str) -> list[dict[str, str]]:
    """'2026-12-01=09:00-11:00=court;2026-12-03=14:00-15:00' → blocked time (the reason optional)."""
    blocks: list[dict[str, str]] = []
    for part in _items(cell):
        fields = [piece.strip() for piece in part.split("=")]
        start, dash, end = fields[1].partition("-") if len(fields) > 1 else ("", "", "")
        if len(fields) not in (2, 3) or not fields[0] or not dash:
            raise ValueError(f"'{part}' is not day=HH:MM-HH:MM[=reason], e.g. 2026-12-01=09:00-11:00=court")
        blocks.append({"day": fields[0], "start": start.strip(), "end": end.strip(),
                       **({"reason": fields[2]} if len(fields) == 3 else {})})
    return blocks


def _appointments(cell: str) -> list[dict[str, str]]:
    """'0=2026-12-02=10:00' → an appointment of contact requirement 0."""
    appointments: list[dict[str, str]] = []
    for part in _items(cell):
        fields = [piece.strip() for piece in part.split("=")]
        if len(fields) != 3 or not all(fields):
            raise ValueError(f"'{part}' is not contact=day=HH:MM, e.g. 0=2026-12-02=10:00")
        appointments.append(dict(zip(("contact", "day", "start"), fields, strict=True)))
    return appointments


_CONVERTERS: Mapping[str, _Converter] = MappingProxyType({
    "languages": _items,
    "skills": _items,
    "leave": _items,
    "excluded_managers": _items,
    "availability": _availability,
    "contacts": _contacts,
    "blocked": _blocked,
    "appointments": _appointments,
})


# --------------------------------------------------------------------------------------------
# Validation: structure (pydantic), then cross-references
# --------------------------------------------------------------------------------------------


def validate_config(data: dict[str, Any], source: SourceMap) -> tuple[Config | None, list[LocatedProblem]]:
    """The validated config and every located problem.

    When only some managers, clients or cases are malformed, the rest are still cross-checked,
    so that one run reports both kinds of problem.
    """
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        details = error.errors()
        problems = [_error_problem(detail, source, Config) for detail in details]
        problems.extend(_cross_check_valid_items(data, details, source))
        return None, problems
    return config, [source.locate(problem.path, problem.message) for problem in find_problems(config)]


def _cross_check_valid_items(data: dict[str, Any], details: Sequence[ErrorDetails],
                             source: SourceMap) -> Iterator[LocatedProblem]:
    bad: dict[str, set[int]] = {key: set() for key in LIST_KEYS}
    for detail in details:
        loc = detail["loc"]
        if len(loc) < 2 or loc[0] not in bad or not isinstance(loc[1], int):
            return  # the policy or the week itself is wrong: cross-checks would mislead
        bad[str(loc[0])].add(loc[1])
    reduced = dict(data)
    # original index of each item kept, and for stand-ins the fields whose problems are real
    kept: dict[str, list[int]] = {}
    trusted: dict[tuple[str, int], set[str]] = {}
    for key, indexes in bad.items():
        items = data.get(key)
        if not indexes or not isinstance(items, list):
            continue
        kept[key], reduced[key] = [], []
        for index, item in enumerate(items):
            stand_in = _stand_in(key, item) if index in indexes else (item, None)
            if stand_in is None:
                continue  # no usable id: nothing can refer to it
            kept[key].append(index)
            reduced[key].append(stand_in[0])
            if stand_in[1] is not None:
                trusted[(key, index)] = stand_in[1]
    try:
        config = Config.model_validate(reduced)
    except ValidationError:
        return
    for problem in find_problems(config):
        path = problem.path
        if len(path) >= 2 and path[0] in kept and isinstance(path[1], int):
            path = (path[0], kept[str(path[0])][path[1]], *path[2:])
            fields = trusted.get((str(path[0]), int(path[1])))
            if fields is not None and (len(path) < 3 or path[2] not in fields):
                continue  # a problem of the stand-in's filler, not of the input
        yield source.locate(path, problem.message)


# Fields a stand-in copies from a malformed item (when they are text) because others check them,
# and the filler that keeps it valid otherwise.
_REFERENCE_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "managers": ("level",),
    "clients": (),
    "cases": ("client", "type", "complexity", "manager"),
})
_FILLERS: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType({
    "managers": (("level", ""),),
    "clients": (),
    "cases": (("client", ""), ("type", ""), ("complexity", "")),
})


def _stand_in(key: str, item: Any) -> tuple[dict[str, Any], set[str]] | None:
    """A valid item in place of a malformed one, so its id still counts for references and duplicates.

    Returns the stand-in and the fields copied from the input (their cross-reference problems are
    real); None when the item has no usable id.
    """
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        return None
    stand_in: dict[str, Any] = {"id": item["id"], **dict(_FILLERS[key])}
    copied = {"id"}
    for name in _REFERENCE_FIELDS[key]:
        if isinstance(item.get(name), str):
            stand_in[name] = item[name]
            copied.add(name)
    return stand_in, copied


def _error_problem(detail: ErrorDetails, source: SourceMap, root: type[BaseModel]) -> LocatedProblem:
    loc: FieldPath = tuple(detail["loc"])
    from_csv = source.csv_row(loc) is not None
    kind = detail["type"]
    if loc and loc[-1] == "[key]":
        return source.locate(loc[:-1], _plain_message(detail), at_key=True)
    if kind == "missing":
        name = loc[-1] if loc else "?"
        message = "required, but the cell is empty" if from_csv else f"'{name}' is required but missing"
        problem = source.locate(loc[:-1], message)
        return LocatedProblem(problem.file, problem.line, problem.column,
                              csv_column(loc) if from_csv else format_path(loc), message)
    if kind == "extra_forbidden":
        return source.locate(loc, _unknown_key_message(loc, root), at_key=True)
    message = _plain_message(detail)
    if kind == "string_type" and not from_csv:
        message = _quote_hint(detail, loc, source) or message
    return source.locate(loc, message)


def _plain_message(detail: ErrorDetails) -> str:
    message = detail["msg"]
    if message.startswith("Value error, "):
        return message[len("Value error, "):]
    return f"{message} (got {_shown(detail.get('input'))})"


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, int | float | date):
        return str(value)
    return f"a {_kind(value)}"


def _quote_hint(detail: ErrorDetails, loc: FieldPath, source: SourceMap) -> str | None:
    """YAML reads unquoted yes/no/1001/2026-01-01 as non-text; say so and how to fix it."""
    value = detail.get("input")
    if value is None or isinstance(value, str | list | dict):
        return None
    raw = source.plain_text_at(loc) or str(value)
    kind = "true/false" if isinstance(value, bool) else "a date" if isinstance(value, date) else "a number"
    return f"expected text, but YAML reads {raw} as {kind}; put it in quotes: \"{raw}\""


def _unknown_key_message(loc: FieldPath, root: type[BaseModel]) -> str:
    name = str(loc[-1]) if loc else "?"
    model = _model_at(root, loc[:-1])
    if model is None:
        return f"unknown key '{name}'"
    known = list(model.model_fields)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown key '{name}'; {hint}keys here are {', '.join(known)}"


def _model_at(root: type[BaseModel], path: FieldPath) -> type[BaseModel] | None:
    """The model class that validates the mapping at `path`, following the field annotations."""
    annotation: Any = root
    for part in path:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = annotation.model_fields
            if not isinstance(part, str) or part not in fields:
                return None
            annotation = fields[part].annotation
        elif get_origin(annotation) is list and isinstance(part, int):
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            return None
    annotation = _unwrap(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and `X | None` down to X."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            options = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, bool):
        return "true/false value"
    if isinstance(value, int | float):
        return "number"
    return "text" if isinstance(value, str) else type(value).__name__


def ordered_problems(problems: list[LocatedProblem], source: SourceMap) -> list[LocatedProblem]:
    """The YAML file's problems first, then each CSV file's, each in line order."""
    files = [source.file, *(csv_source.file for csv_source in source.csv.values())]

    def key(problem: LocatedProblem) -> tuple[int, str, int, int]:
        rank = files.index(problem.file) if problem.file in files else len(files)
        return rank, problem.file, problem.line or 0, problem.column or 0

    return sorted(problems, key=key)


# --------------------------------------------------------------------------------------------
# For other YAML inputs (scenario files): the same reading, positions and messages
# --------------------------------------------------------------------------------------------


def read_yaml(path: Path, what: str) -> tuple[Any, SourceMap, list[LocatedProblem]]:
    """Plain data, its source map and non-fatal problems of a YAML file; fatal ones raise `ConfigError`."""
    return parse_yaml(read_text(path, MAX_YAML_BYTES, what), str(path))


def located_validation_problems(error: ValidationError, source: SourceMap,
                                root: type[BaseModel]) -> list[LocatedProblem]:
    """A pydantic error of `root` as located problems, in file order, worded like the config's."""
    return ordered_problems([_error_problem(detail, source, root) for detail in error.errors()], source)

