"""Reading reviewed proposals back: only case/from/to matter, rows keep their line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.problems import ConfigError
from models.proposals import ProposedMove, read_proposals

HEADER = "rank,case,client_initials,moves_with,from_manager,to_manager,points,rule,reason\n"


def write(tmp_path: Path, text: str, name: str = "proposals.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_left_after_review_are_read_with_their_lines(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "1,K-3,F.J.,,m-ana,m-ben,3.0,over_capacity,\"a, b\"\n\n"
                                    "3,K-8,G.B.,,,m-cy,1.0,new_intake,x\n")
    assert read_proposals(path) == [
        ProposedMove("K-3", "m-ana", "m-ben", str(path), 2),
        ProposedMove("K-8", None, "m-cy", str(path), 4),
    ]


def test_a_formula_guard_apostrophe_is_removed(tmp_path: Path) -> None:
    # export.files.safe_cell writes '-K1 for an id starting with '-'; reading it back gives -K1.
    path = write(tmp_path, "case,from_manager,to_manager\n'-K1,m-a,'=m-b\n")
    assert [(move.case_id, move.to_manager) for move in read_proposals(path)] == [("-K1", "=m-b")]


def test_json_proposals(tmp_path: Path) -> None:
    document = {"moves": [{"case": "K-3", "from_manager": "m-ana", "to_manager": "m-ben", "points": 3.0},
                          {"case": "K-8", "from_manager": "", "to_manager": "m-cy"}]}
    path = write(tmp_path, json.dumps(document, indent=1), "proposals.json")
    # Each move remembers the line its object starts on, as a plan.json's moves do.
    assert [(m.case_id, m.from_manager, m.to_manager, m.line) for m in read_proposals(path)] == [
        ("K-3", "m-ana", "m-ben", 3), ("K-8", None, "m-cy", 9)]


@pytest.mark.parametrize(("text", "expected"), [
    # the to_manager column was deleted along with a rejected move's cells
    ("case,from_manager\nK-1,m-a\n",
     "proposals.csv:1: to_manager: missing column 'to_manager'; a proposals file needs case, from_manager, to_manager"),
    # a row whose destination was blanked instead of deleting the row
    ("case,from_manager,to_manager\nK-1,m-a,\n", "proposals.csv:2: to_manager: to_manager is empty"),
    # a row without its case id
    ("case,from_manager,to_manager\n,m-a,m-b\n", "proposals.csv:2: case: case is empty"),
])
def test_malformed_rows_are_located(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        read_proposals(path)
    assert [str(problem) for problem in caught.value.problems] == [f"{tmp_path}/{expected}"]


# --- a plan's moves: plan.json and assignments.csv of `caseload plan` / `assign` ----------------------

PLAN_JSON = """{
  "format_version": 1,
  "week_start": "2026-11-30",
  "assignments": [],
  "moves": [
    {
      "case_id": "K-3",
      "client_id": "c-3",
      "from_manager": "m-ana",
      "to_manager": "m-ben"
    },
    {
      "case_id": "K-8",
      "client_id": "c-4",
      "from_manager": null,
      "to_manager": "m-cy"
    }
  ]
}
"""


def test_a_plan_json_gives_its_moves_with_their_lines(tmp_path: Path) -> None:
    path = write(tmp_path, PLAN_JSON, "plan.json")
    assert read_proposals(path) == [
        ProposedMove("K-3", "m-ana", "m-ben", str(path), 6),
        ProposedMove("K-8", None, "m-cy", str(path), 12),
    ]


def test_an_assignments_csv_gives_its_moved_rows(tmp_path: Path) -> None:
    # K-1 stays (moved false), K-3 moved, K-8 was intake (no previous manager).
    path = write(tmp_path, "case,client,manager,previous_manager,moved,reason,points\n"
                           "K-1,c-1,m-ana,m-ana,false,,1.0\nK-3,c-3,m-ben,m-ana,true,over capacity,3.0\n"
                           "K-8,c-4,m-cy,,true,new intake,1.0\n", "assignments.csv")
    assert read_proposals(path) == [
        ProposedMove("K-3", "m-ana", "m-ben", str(path), 3),
        ProposedMove("K-8", None, "m-cy", str(path), 4),
    ]


@pytest.mark.parametrize(("text", "expected"), [
    # a hand-edited moved cell
    ("case,client,manager,previous_manager,moved\nK-3,c-3,m-ben,m-ana,maybe\n",
     "assignments.csv:2: moved: 'maybe' is not true or false"),
    # a moved row whose new manager was blanked
    ("case,client,manager,previous_manager,moved\nK-3,c-3,,m-ana,true\n",
     "assignments.csv:2: manager: manager is empty in a moved row"),
    # the previous_manager column deleted
    ("case,client,manager,moved\nK-3,c-3,m-ben,true\n",
     "assignments.csv:1: previous_manager: missing column 'previous_manager'; an assignments file needs case, "
     "previous_manager, manager, moved"),
])
def test_malformed_assignment_rows_are_located(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text, "assignments.csv")
    with pytest.raises(ConfigError) as caught:
        read_proposals(path)
    assert [str(problem) for problem in caught.value.problems] == [f"{tmp_path}/{expected}"]
