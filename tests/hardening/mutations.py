"""A seeded mutation fuzzer for config files: takes a valid example organisation and corrupts it.

`mutated_case(index)` is deterministic: the same index gives the same files on every machine
(random.Random seeded with a string is stable across runs and platforms).

Mutations, each chosen by name so a failure says what was done:
  text level (YAML or one CSV file): truncate, random bytes, tricky scalar, duplicate line (duplicate
  keys), drop line (missing fields), swap lines, anchor + alias, deep nesting, re-indent, empty file;
  data level (YAML parsed, changed, dumped again): change a value's type, drop a field, break a
  reference, tricky value anywhere, wrap in lists; CSV level: corrupt a cell, drop or rename a column,
  add or remove cells.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.hardening.helpers import CONFIGS, DATA

Files = dict[str, bytes]

# (name, main YAML file, the other files the YAML names) of each seed config.
SOURCES: tuple[tuple[str, Path, tuple[Path, ...]], ...] = (
    ("tiny", DATA / "tiny.yaml", ()),
    ("home-health", CONFIGS / "home-health" / "home-health.yaml",
     tuple(CONFIGS / "home-health" / name for name in ("managers.csv", "clients.csv", "cases.csv"))),
    ("child-welfare", CONFIGS / "child-welfare.yaml", ()),
)
# child-welfare is 100 kB and slower to validate: picked less often.
SOURCE_WEIGHTS = (0.45, 0.4, 0.15)

TRICKY_SCALARS = (
    "1e308", "-1e308", "1e309", "1" + "0" * 400, "-" + "9" * 400, "10**400", "-1", "-0.0", "0", ".nan", ".inf",
    "-.inf", "0x1F", "0o17", "1_000", "2026-02-30", "2026-11-31", "9999-12-31", "0001-01-01", "25:61",
    "08:00-07:00", "~", "null", "''", '""', "[]", "{}", "yes", "no", "on", "true", "=1+1", "+cmd", "@SUM(A1)",
    "-2+3", "\u202eevil\u202c", "\U0001f600\U0001f4a5", "\u0000", "\x00nul", "x" * 100_000, "é" * 5000,
    "a: b", "- item", "&anchor", "*alias", "!!python/object/apply:os.system ['true']", "!custom x",
    "'unclosed", '"unclosed', "{a: 1", "[1, 2", "|", ">", "%YAML 1.1", "---", "...", "#", "\t",
    "m-ana", "c-1", "K-1", "senior", "in_person", "weekly", "2/week", "0/week", "999999/week",
)


@dataclass(frozen=True)
class MutatedCase:
    """One mutated organisation: which seed config, which mutation, and the files to write."""

    index: int
    source: str
    mutation: str
    main: str
    files: Files

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in self.files.items():
            (folder / name).write_bytes(content)
        return folder / self.main


def mutated_case(index: int) -> MutatedCase:
    rng = random.Random(f"caseload-fuzz-{index}")
    source, main_path, others = rng.choices(SOURCES, weights=SOURCE_WEIGHTS)[0]
    files: Files = {main_path.name: main_path.read_bytes()}
    files.update({path.name: path.read_bytes() for path in others})
    csv_names = [path.name for path in others]
    if csv_names and rng.random() < 0.45:
        target = rng.choice(csv_names)
        name, mutate = rng.choice(CSV_MUTATIONS)
    else:
        target = main_path.name
        name, mutate = rng.choice(YAML_MUTATIONS)
    files[target] = mutate(files[target], rng)
    return MutatedCase(index, source, f"{target}:{name}", main_path.name, files)


# --- text level (any file) ------------------------------------------------------------------


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _random_bytes(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    noise = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return data[:at] + noise + data[at:]


def _empty(data: bytes, rng: random.Random) -> bytes:
    return rng.choice((b"", b"\n", b"   \n\t\n", b"\xef\xbb\xbf", b"# only a comment\n", b"\x00"))


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8").splitlines(keepends=True)


def _duplicate_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    at = rng.randrange(len(lines))
    lines.insert(at, lines[at])
    return "".join(lines).encode("utf-8")


def _drop_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return "".join(lines).encode("utf-8")


def _swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    first, second = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[first], lines[second] = lines[second], lines[first]
    return "".join(lines).encode("utf-8")


def _reindent(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    at = rng.randrange(len(lines))
    lines[at] = rng.choice((" ", "  ", "\t", "")) + lines[at].lstrip(" ") if rng.random() < 0.5 else " " + lines[at]
    return "".join(lines).encode("utf-8")


def _value_spans(text: str) -> list[tuple[int, int]]:
    """Start and end of the text after each `key: ` (a scalar or a flow collection, to the line end)."""
    spans = []
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        colon = body.find(": ")
        if colon >= 0 and not body.lstrip().startswith("#"):
            spans.append((offset + colon + 2, offset + len(body)))
        offset += len(line)
    return spans


def _tricky_scalar(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8")
    spans = _value_spans(text)
    if not spans:
        return _random_bytes(data, rng)
    start, end = rng.choice(spans)
    # Sometimes the whole rest of the line, sometimes just its first token.
    if rng.random() < 0.5:
        stops = [found for found in (text.find(mark, start, end) for mark in ",}] ") if found > start]
        end = min(stops, default=end)
    return (text[:start] + rng.choice(TRICKY_SCALARS) + text[end:]).encode("utf-8")


def _anchor_alias(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8")
    spans = _value_spans(text)
    if len(spans) < 2:
        return _random_bytes(data, rng)
    first, second = sorted(rng.sample(spans, 2))
    # alias after anchor so the YAML itself is well formed: the loader must refuse it by rule
    return (text[: first[0]] + "&a " + text[first[0]: second[0]] + "*a" + text[second[1]:]).encode("utf-8")


def _deep_nesting(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8")
    spans = _value_spans(text)
    if not spans:
        return _random_bytes(data, rng)
    start, end = rng.choice(spans)
    depth = rng.choice((20, 40, 200, 5000))
    opener, closer = rng.choice((("[", "]"), ("{a: ", "}")))
    return (text[:start] + opener * depth + "1" + closer * depth + text[end:]).encode("utf-8")


# --- data level (YAML parsed, changed, written again) -------------------------------------------


def _walk(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    found = [(path, node)]
    if isinstance(node, dict):
        for key in sorted(node, key=str):
            found.extend(_walk(node[key], (*path, key)))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found.extend(_walk(item, (*path, index)))
    return found


def _set(root: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = root
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return root


def _data_mutation(change: Callable[[Any, random.Random], Any]) -> Callable[[bytes, random.Random], bytes]:
    def mutate(data: bytes, rng: random.Random) -> bytes:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        tree = yaml.load(data.decode("utf-8"), Loader=loader)
        tree = change(tree, rng)
        text: str = yaml.dump(tree, Dumper=dumper, sort_keys=False, allow_unicode=rng.random() < 0.5)
        return text.encode("utf-8")

    return mutate


def _other_type(value: Any, rng: random.Random) -> Any:
    options: list[Any] = [None, True, 0, -1, 1e308, 10**400, -(10**30), float("nan"), float("inf"), "text", "",
                          [], {}, [1, 2], {"a": 1}, "2026-13-45", 3.5]
    return rng.choice([option for option in options if type(option) is not type(value)] or options)


def _change_type(tree: Any, rng: random.Random) -> Any:
    path, value = rng.choice(_walk(tree))
    return _set(tree, path, _other_type(value, rng))


def _drop_field(tree: Any, rng: random.Random) -> Any:
    node = rng.choice([node for _path, node in _walk(tree) if isinstance(node, dict) and node])
    del node[rng.choice(sorted(node, key=str))]
    return tree


def _break_reference(tree: Any, rng: random.Random) -> Any:
    references = [(path, node) for path, node in _walk(tree)
                  if path and path[-1] in ("manager", "client", "level", "type", "complexity", "household",
                                           "region", "max_complexity", "language") and isinstance(node, str)]
    if not references:
        return _change_type(tree, rng)
    path, node = rng.choice(references)
    return _set(tree, path, rng.choice((node + "-gone", node.upper(), "", " " + node, node + "\u200b")))


def _tricky_anywhere(tree: Any, rng: random.Random) -> Any:
    path, _value = rng.choice(_walk(tree))
    value = rng.choice((*TRICKY_SCALARS, 10**400, -(10**400), 1e308, -1e308, -5, 0, 2**63, -(2**63) - 1))
    return _set(tree, path, value)


def _wrap_in_lists(tree: Any, rng: random.Random) -> Any:
    path, value = rng.choice(_walk(tree))
    for _ in range(rng.choice((1, 2, 10, 31, 40))):
        value = [value]
    return _set(tree, path, value)


# --- CSV level --------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _corrupt_cell(data: bytes, rng: random.Random) -> bytes:
    rows = _csv_rows(data)
    row = rng.randrange(len(rows))
    if not rows[row]:
        return _random_bytes(data, rng)
    column = rng.randrange(len(rows[row]))
    rows[row][column] = rng.choice((*TRICKY_SCALARS, "a;b;c", "mon=", "in_person:60", "x:y:z:w:v",
                                    "in_person:-60:weekly", "phone:15:weekly:2026-99-01", "=cmd|' /C calc'!A0",
                                    "mon=08:00-07:00", "sun=00:00-24:00", ";;;", "\"", "\r\n"))
    return _csv_bytes(rows)


def _drop_column(data: bytes, rng: random.Random) -> bytes:
    rows = _csv_rows(data)
    column = rng.randrange(len(rows[0]))
    return _csv_bytes([[cell for index, cell in enumerate(row) if index != column] for row in rows])


def _rename_column(data: bytes, rng: random.Random) -> bytes:
    rows = _csv_rows(data)
    rows[0][rng.randrange(len(rows[0]))] = rng.choice(("", "ID", "id", "level ", "unknown", "name", "\U0001f600"))
    return _csv_bytes(rows)


def _ragged_row(data: bytes, rng: random.Random) -> bytes:
    rows = _csv_rows(data)
    row = rng.randrange(len(rows))
    if rng.random() < 0.5 and rows[row]:
        rows[row].pop()
    else:
        rows[row].extend(["extra"] * rng.randint(1, 3))
    return _csv_bytes(rows)


Mutation = Callable[[bytes, random.Random], bytes]

TEXT_MUTATIONS: tuple[tuple[str, Mutation], ...] = (
    ("truncate", _truncate),
    ("random-bytes", _random_bytes),
    ("empty", _empty),
    ("duplicate-line", _duplicate_line),
    ("drop-line", _drop_line),
    ("swap-lines", _swap_lines),
)
YAML_MUTATIONS: tuple[tuple[str, Mutation], ...] = (
    *TEXT_MUTATIONS,
    ("reindent", _reindent),
    ("tricky-scalar", _tricky_scalar),
    ("tricky-scalar", _tricky_scalar),
    ("anchor-alias", _anchor_alias),
    ("deep-nesting", _deep_nesting),
    ("change-type", _data_mutation(_change_type)),
    ("change-type", _data_mutation(_change_type)),
    ("drop-field", _data_mutation(_drop_field)),
    ("drop-field", _data_mutation(_drop_field)),
    ("break-reference", _data_mutation(_break_reference)),
    ("break-reference", _data_mutation(_break_reference)),
    ("tricky-anywhere", _data_mutation(_tricky_anywhere)),
    ("wrap-in-lists", _data_mutation(_wrap_in_lists)),
)
CSV_MUTATIONS: tuple[tuple[str, Mutation], ...] = (
    *TEXT_MUTATIONS,
    ("corrupt-cell", _corrupt_cell),
    ("corrupt-cell", _corrupt_cell),
    ("corrupt-cell", _corrupt_cell),
    ("drop-column", _drop_column),
    ("rename-column", _rename_column),
    ("ragged-row", _ragged_row),
)
