"""Which reviewed moves may be applied: one refusal per rule, each pointing at its row."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.loader import load_config
from models.organisation import Config
from models.proposals import ProposedMove
from scheduler.rebalance.apply import refused_moves

DATA = Path(__file__).parents[2] / "data"


def move(case_id: str, from_manager: str | None, to_manager: str, line: int = 2) -> ProposedMove:
    return ProposedMove(case_id, from_manager, to_manager, "proposals.csv", line)


def test_the_proposed_moves_are_accepted() -> None:
    config = load_config(DATA / "rebalance.yaml")
    assert refused_moves(config, [move("K-3", "m-ana", "m-ben"), move("K-8", None, "m-cy", 3)]) == []


def test_a_household_moved_whole_is_accepted() -> None:
    config = load_config(DATA / "rebalance.yaml")
    assert refused_moves(config, [move("K-1", "m-ana", "m-ben"), move("K-2", "m-ana", "m-ben", 3)]) == []


@pytest.mark.parametrize(("moves", "expected"), [
    # the case was closed since the proposal was made
    ([move("K-99", "m-ana", "m-ben")], "proposals.csv:2: case: case K-99: the case is no longer in the config"),
    # the case is locked to its manager
    ([move("K-5", "m-ana", "m-ben")], "proposals.csv:2: case: case K-5: the case is locked to m-ana"),
    # the destination left the organisation
    ([move("K-3", "m-ana", "m-zed")], "proposals.csv:2: to_manager: case K-3: manager m-zed is no longer in "
                                      "the config"),
    # the destination may not carry the case (a junior, and no Spanish)
    ([move("K-3", "m-ana", "m-cy")], "proposals.csv:2: to_manager: case K-3: m-cy may not carry it: the "
                                     "manager's level may not carry this complexity"),
    # someone already moved the case elsewhere
    ([move("K-7", "m-ana", "m-cy")], "proposals.csv:2: from_manager: case K-7: the case is now with m-ben, not "
                                     "m-ana as proposed"),
    # the supervisor kept one sibling's row and deleted the other's
    ([move("K-1", "m-ana", "m-ben")], "proposals.csv:2: case: case K-1: moving it without K-2 splits the "
                                      "household; keep or delete the household's rows together"),
    # the same case twice
    ([move("K-3", "m-ana", "m-ben"), move("K-3", "m-ana", "m-ben", 5)],
     "proposals.csv:5: case: case K-3: the case is listed twice (line 2); keep one row"),
])
def test_invalid_moves_are_refused_with_a_located_reason(moves: list[ProposedMove], expected: str) -> None:
    config = load_config(DATA / "rebalance.yaml")
    assert [str(problem) for problem in refused_moves(config, moves)] == [expected]


def test_a_move_to_a_manager_the_client_excludes_is_refused() -> None:
    config = load_config(DATA / "rebalance.yaml")
    data = config.model_dump()
    next(item for item in data["clients"] if item["id"] == "c-3")["excluded_managers"] = ["m-ben"]
    config = Config.model_validate(data)
    assert [str(problem) for problem in refused_moves(config, [move("K-3", "m-ana", "m-ben")])] == [
        "proposals.csv:2: to_manager: case K-3: m-ben may not carry it: the client's record excludes manager m-ben "
        "from their cases"]


@pytest.mark.parametrize(("cap", "expected"), [
    (2, []),  # two new cases for m-ben: within his cap
    (1, ["proposals.csv:2: to_manager: case K-1: m-ben may not carry it: the manager may take 1 new case(s) this "
         "week and would take 2",
         "proposals.csv:3: to_manager: case K-2: m-ben may not carry it: the manager may take 1 new case(s) this "
         "week and would take 2"]),
])
def test_moves_beyond_the_destinations_intake_cap_are_refused(cap: int, expected: list[str]) -> None:
    config = load_config(DATA / "rebalance.yaml")
    data = config.model_dump()
    next(item for item in data["managers"] if item["id"] == "m-ben")["max_new_cases"] = cap
    config = Config.model_validate(data)
    moves = [move("K-1", "m-ana", "m-ben"), move("K-2", "m-ana", "m-ben", 3)]  # a household, moved whole
    assert [str(problem) for problem in refused_moves(config, moves)] == expected
