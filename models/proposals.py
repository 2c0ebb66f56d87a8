"""Reading moves back for `caseload apply`: the rows a supervisor kept in proposals.csv (or
proposals.json), or the moves of a plan (its plan.json, or the `moved` rows of its assignments.csv).

Of a proposals file only `case`, `from_manager` and `to_manager` matter; every other column is there
for the reader. Of a plan.json, each of its `moves` (case_id, from_manager, to_manager); of an
assignments.csv, each row whose `moved` is true (case, previous_manager, manager). Each move
remembers its line, so a refusal can point at it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.json_positions import top_level_positions
from models.loader import (
    MAX_CSV_BYTES,
    MAX_PLAN_BYTES,
    check_format_version,
    csv_records,
    parse_json,
    plain_problem,
    read_text,
)
from models.plan import Plan
from models.problems import ConfigError, LocatedProblem

REQUIRED_COLUMNS = ("case", "from_manager", "to_manager")
# The proposals.json format `caseload rebalance` writes (export/proposals.py) and `apply` reads.
PROPOSALS_FORMAT_VERSION = 1
# The values of a JSON move that are read: ids, so text (a plan's moves also say `case_id`).
_JSON_ID_KEYS = ("case", "case_id", "from_manager", "to_manager")
ASSIGNMENT_COLUMNS = ("case", "previous_manager", "manager", "moved")
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0", "")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CurvePoint:
    """The fewest moves that reach a peak utilisation, as a concrete plan."""

    moves: int
    max_utilisation: float
    overloaded_managers: int
    threshold: float | None
    """The peak this point was asked to reach (None: no bound, i.e. the fewest moves at all)."""
    proven_minimal: bool
    plan: Plan


@dataclass(frozen=True)
class Proposals:
    """What `caseload rebalance` proposes: the plan after the moves, and the trade-off curve."""

    goal_utilisation: float
    best_utilisation: float
    before: Plan
    plan: Plan
    """The proposal: the current assignment with the proposed moves made."""
    curve: list[CurvePoint]
    proposal_runtime_s: float = 0.0
    curve_runtime_s: float = 0.0


@dataclass(frozen=True)
class ProposedMove:
    case_id: str
    from_manager: str | None
    """None: the case was unassigned intake."""
    to_manager: str
    file: str
    line: int | None

    def problem(self, field: str, message: str) -> LocatedProblem:
        return plain_problem(self.file, self.line, None, field, f"case {self.case_id}: {message}")


def read_proposals(path: Path) -> list[ProposedMove]:
    """The moves of a proposals.csv or proposals.json, or of a plan's plan.json or assignments.csv;
    every malformed row is reported at once. The file must be a regular file within the size limits
    of a plan (JSON) or a CSV list: a FIFO or /dev/zero is refused, not waited on or read forever."""
    is_json = path.suffix.lower() == ".json"
    text = read_text(path, MAX_PLAN_BYTES if is_json else MAX_CSV_BYTES, "proposals")
    if is_json:
        return _json_moves(text, str(path))
    return _csv_moves(text, str(path))


def _csv_moves(text: str, file: str) -> list[ProposedMove]:
    records = csv_records(io.StringIO(text, newline=""), file)
    header = [cell.strip() for cell in next(records, (1, []))[1]]
    if "moved" in header and "to_manager" not in header:
        return _assignment_moves(header, records, file)
    _require_columns(header, REQUIRED_COLUMNS, file, "a proposals file")
    moves: list[ProposedMove] = []
    problems: list[LocatedProblem] = []
    for line, row in _rows(header, records):
        _add_move(row, file, line, moves, problems)
    if problems:
        raise ConfigError(problems)
    return moves


def _require_columns(header: list[str], required: Sequence[str], file: str, what: str) -> None:
    """Every required column in the header, or one located problem per missing column."""
    missing = [column for column in required if column not in header]
    if missing:
        raise ConfigError([plain_problem(file, 1, None, column, f"missing column '{column}'; {what} needs "
                                         f"{', '.join(required)}") for column in missing])


def _assignment_moves(header: list[str], records: Iterator[tuple[int, list[str]]], file: str
                      ) -> list[ProposedMove]:
    """The `moved` rows of an assignments.csv (of `caseload plan` or `assign`): previous_manager -> manager."""
    _require_columns(header, ASSIGNMENT_COLUMNS, file, "an assignments file")
    moves: list[ProposedMove] = []
    problems: list[LocatedProblem] = []
    for line, row in _rows(header, records):
        moved = row.get("moved", "").lower()
        if moved not in _TRUE + _FALSE:
            problems.append(plain_problem(file, line, None, "moved", f"'{row.get('moved')}' is not true or false"))
        elif moved in _TRUE and not (row.get("case") and row.get("manager")):
            column = "manager" if row.get("case") else "case"
            problems.append(LocatedProblem(file, line, None, column, f"{column} is empty in a moved row"))
        elif moved in _TRUE:
            _add_move({"case": row.get("case", ""), "from_manager": row.get("previous_manager", ""),
                       "to_manager": row.get("manager", "")}, file, line, moves, problems)
    if problems:
        raise ConfigError(problems)
    return moves


def _rows(header: list[str], records: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, cells by column) of every non-blank row after the header, formula guards undone."""
    for line, cells in records:
        if any(cell.strip() for cell in cells):
            yield line, dict(zip(header, (_unneutralised(cell.strip()) for cell in cells), strict=False))


def _unneutralised(cell: str) -> str:
    """Undo export.files.safe_cell: a leading apostrophe that only guarded a formula character."""
    if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS):
        return cell[1:]
    return cell


def _json_moves(text: str, file: str) -> list[ProposedMove]:
    document = parse_json(text, file, "proposals file")
    positions = top_level_positions(text, ("moves",))
    rows = document.get("moves") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        at = positions.get(("moves",))
        raise ConfigError([LocatedProblem(file, at[0] if at else None, at[1] if at else None, "moves",
                                          "a proposals.json (or a plan.json) needs a 'moves' list")])
    from_plan = "assignments" in document  # a plan's move names its case `case_id`
    if not from_plan:
        check_format_version(document.get("format_version", PROPOSALS_FORMAT_VERSION), PROPOSALS_FORMAT_VERSION,
                             text, file, "proposals file")
    lines = {path[1]: position[0] for path, position in positions.items() if len(path) == 2}
    moves: list[ProposedMove] = []
    problems: list[LocatedProblem] = []
    for index, row in enumerate(rows):
        where = f"moves[{index}]."
        if not isinstance(row, dict):
            problems.append(LocatedProblem(file, lines.get(index), None, f"moves[{index}]",
                                           "each move must be an object"))
            continue
        cleaned = _json_cells(row, file, lines.get(index), where, problems)
        if cleaned is None:
            continue
        case_key = "case_id" if from_plan else "case"
        if case_key not in cleaned:
            problems.append(plain_problem(file, lines.get(index), None, f"{where}{case_key}",
                                          _missing_key(case_key, cleaned, from_plan)))
            continue
        cleaned["case"] = cleaned.pop(case_key)
        _add_move(cleaned, file, lines.get(index), moves, problems, field_prefix=where)
    if problems:
        raise ConfigError(problems)
    return moves


def _json_cells(row: dict[str, Any], file: str, line: int | None, where: str,
                problems: list[LocatedProblem]) -> dict[str, str] | None:
    """A move's values as text (null: empty); None, with a problem, when one that is read is not text."""
    cleaned: dict[str, str] = {}
    for key, value in row.items():
        if value is None:
            cleaned[key] = ""
        elif isinstance(value, str):
            cleaned[key] = value
        elif key in _JSON_ID_KEYS:
            kind = "a list or an object" if isinstance(value, list | dict) else "a number or true/false"
            problems.append(plain_problem(file, line, None, f"{where}{key}", f"{key} must be text (an id), not {kind}"))
            return None
    return cleaned


def _missing_key(key: str, row: dict[str, str], from_plan: bool) -> str:
    """The message for a move without its case key, naming what it has instead."""
    other = "case" if from_plan else "case_id"
    kind = "a plan.json's move" if from_plan else "a proposals.json move"
    if other in row:
        return (f"missing key '{key}'; {kind} names its case '{key}', and this one has '{other}' "
                f"({'a proposals.json' if from_plan else 'a plan.json'} spelling): rename it '{key}'")
    keys = ", ".join(sorted(row)) or "none"
    return f"missing key '{key}'; {kind} needs {key}, from_manager and to_manager (its keys: {keys})"


def _add_move(row: dict[str, Any], file: str, line: int | None, moves: list[ProposedMove],
              problems: list[LocatedProblem], field_prefix: str = "") -> None:
    case_id = row.get("case", "")
    to_manager = row.get("to_manager", "")
    for column, value in (("case", case_id), ("to_manager", to_manager)):
        if not value:
            problems.append(LocatedProblem(file, line, None, field_prefix + column, f"{column} is empty"))
    if case_id and to_manager:
        moves.append(ProposedMove(case_id=case_id, from_manager=row.get("from_manager") or None,
                                  to_manager=to_manager, file=file, line=line))
