"""Reading moves back for `caseload apply`: the rows a supervisor kept in proposals.csv (or
proposals.json), or the moves of a plan (its plan.json, or the `moved` rows of its assignments.csv).

Of a proposals file only `case`, `from_manager` and `to_manager` matter; every other column is there
for the reader. Of a plan.json, each of its `moves` (case_id, from_manager, to_manager); of an
assignments.csv, each row whose `moved` is true (case, previous_manager, manager). Each move
remembers its line, so a refusal can point at it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.json_positions import top_level_positions
from models.plan import Plan
from models.problems import ConfigError, LocatedProblem

REQUIRED_COLUMNS = ("case", "from_manager", "to_manager")
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
        return LocatedProblem(self.file, self.line, None, field, f"case {self.case_id}: {message}")


def read_proposals(path: Path) -> list[ProposedMove]:
    """The moves of a proposals.csv or proposals.json, or of a plan's plan.json or assignments.csv;
    every malformed row is reported at once."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([LocatedProblem(str(path), None, None, "", f"cannot read the file: {error}")]) from None
    if path.suffix.lower() == ".json":
        return _json_moves(text, str(path))
    return _csv_moves(text, str(path))


def _csv_moves(text: str, file: str) -> list[ProposedMove]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if "moved" in header and "to_manager" not in header:
            return _assignment_moves(header, reader, file)
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            raise ConfigError([LocatedProblem(file, 1, None, column, f"missing column '{column}'; a proposals "
                                              f"file needs {', '.join(REQUIRED_COLUMNS)}") for column in missing])
        moves: list[ProposedMove] = []
        problems: list[LocatedProblem] = []
        for line, row in _rows(header, reader):
            _add_move(row, file, line, moves, problems)
    except csv.Error as error:
        raise ConfigError([LocatedProblem(file, reader.line_num, None, "", f"CSV syntax error: {error}")]) from None
    if problems:
        raise ConfigError(problems)
    return moves


def _assignment_moves(header: list[str], reader: Any, file: str) -> list[ProposedMove]:
    """The `moved` rows of an assignments.csv (of `caseload plan` or `assign`): previous_manager -> manager."""
    missing = [column for column in ASSIGNMENT_COLUMNS if column not in header]
    if missing:
        raise ConfigError([LocatedProblem(file, 1, None, column, f"missing column '{column}'; an assignments file "
                                          f"needs {', '.join(ASSIGNMENT_COLUMNS)}") for column in missing])
    moves: list[ProposedMove] = []
    problems: list[LocatedProblem] = []
    for line, row in _rows(header, reader):
        moved = row.get("moved", "").lower()
        if moved not in _TRUE + _FALSE:
            problems.append(LocatedProblem(file, line, None, "moved", f"'{row.get('moved')}' is not true or false"))
        elif moved in _TRUE and not (row.get("case") and row.get("manager")):
            column = "manager" if row.get("case") else "case"
            problems.append(LocatedProblem(file, line, None, column, f"{column} is empty in a moved row"))
        elif moved in _TRUE:
            _add_move({"case": row.get("case", ""), "from_manager": row.get("previous_manager", ""),
                       "to_manager": row.get("manager", "")}, file, line, moves, problems)
    if problems:
        raise ConfigError(problems)
    return moves


def _rows(header: list[str], reader: Any) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, cells by column) of every non-blank row after the header, formula guards undone."""
    line = reader.line_num + 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            yield line, dict(zip(header, (_unneutralised(cell.strip()) for cell in cells), strict=False))
        line = reader.line_num + 1


def _unneutralised(cell: str) -> str:
    """Undo export.files.safe_cell: a leading apostrophe that only guarded a formula character."""
    if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS):
        return cell[1:]
    return cell


def _json_moves(text: str, file: str) -> list[ProposedMove]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError([LocatedProblem(file, error.lineno, error.colno, "", f"JSON syntax error: {error.msg}")
                           ]) from None
    rows = document.get("moves") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise ConfigError([LocatedProblem(file, None, None, "moves", "a proposals.json (or a plan.json) needs a "
                                                                     "'moves' list")])
    from_plan = isinstance(document, dict) and "assignments" in document
    lines = {path[1]: position[0] for path, position in top_level_positions(text, ("moves",)).items()
             if from_plan and len(path) == 2}
    moves: list[ProposedMove] = []
    problems: list[LocatedProblem] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            problems.append(LocatedProblem(file, lines.get(index), None, f"moves[{index}]",
                                           "each move must be an object"))
            continue
        cleaned = {key: "" if value is None else str(value) for key, value in row.items()}
        if from_plan:  # a plan's move names its case `case_id`
            cleaned["case"] = cleaned.pop("case_id", "")
        _add_move(cleaned, file, lines.get(index), moves, problems, field_prefix=f"moves[{index}].")
    if problems:
        raise ConfigError(problems)
    return moves


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
