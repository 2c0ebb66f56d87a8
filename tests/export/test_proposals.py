"""proposals.csv / proposals.json / curve.csv: initials only, benefit order, before/after utilisation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from export.output_set import write_output_set
from export.proposals import curve_csv, initials, proposals_csv, proposals_json, write_proposals
from models.loader import load_config
from models.organisation import Config
from models.proposals import Proposals
from models.result import Result
from scheduler.core.options import SolveOptions
from scheduler.rebalance import rebalance

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture(scope="module")
def fixture() -> tuple[Config, Result[Proposals]]:
    config = load_config(DATA / "rebalance.yaml")
    return config, rebalance(config, SolveOptions(time_limit_s=10, workers=1))


@pytest.mark.parametrize(("name", "expected"), [
    ("Dana Smith", "D.S."),
    ("Mary-Ann de la Cruz", "M.d.l.C."),  # every word, hyphenated names by their first letter
    ("  Cher  ", "C."),  # one name, stray spaces
    ("", ""),  # no name on file
])
def test_initials(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_proposals_csv_rows(fixture: tuple[Config, Result[Proposals]]) -> None:
    config, result = fixture
    assert result.plan is not None
    rows = list(csv.DictReader(io.StringIO(proposals_csv(result.plan.plan, result.plan.before, config))))
    assert [(row["rank"], row["case"], row["client_initials"], row["from_manager"], row["to_manager"])
            for row in rows] == [("1", "K-3", "F.J.", "m-ana", "m-ben"), ("2", "K-8", "G.B.", "", "m-cy")]
    first = rows[0]
    assert first["rule"] == "over_capacity"
    assert first["reason"] == ("m-ana (Ana Ruiz) is at 125% of capacity; m-ben (Ben Okafor) is a senior in the "
                               "same region who speaks Spanish, at 38% (after: 75%)")
    assert (first["from_utilisation_before"], first["from_utilisation_after"]) == ("1.25", "0.875")
    assert (first["to_utilisation_before"], first["to_utilisation_after"]) == ("0.375", "0.75")
    text = proposals_csv(result.plan.plan, result.plan.before, config)
    for full_name in ("Fay Jones", "Gus Brown", "Jones"):
        assert full_name not in text


def test_proposals_json_and_curve(fixture: tuple[Config, Result[Proposals]]) -> None:
    config, result = fixture
    assert result.plan is not None
    document = json.loads(proposals_json(result, config))
    assert document["after"] == {"max_utilisation": 0.875, "overloaded_managers": 0, "moves": 1,
                                 "placed_intake": 1}
    assert [move["case"] for move in document["moves"]] == ["K-3", "K-8"]
    assert [(point["moves"], point["max_utilisation"]) for point in document["curve"]] == [
        (0, 1.25), (1, 0.875), (2, 0.833333), (4, 0.75)]
    rows = list(csv.DictReader(io.StringIO(curve_csv(result.plan.curve))))
    assert rows[-1] == {"moves": "4", "max_utilisation": "0.75", "overloaded_managers": "0", "threshold": "0.8",
                        "proven_minimal": "true", "plan": "curve/plan-0004-moves.json"}


def test_household_rows_name_each_other() -> None:
    config = load_config(DATA / "rebalance.yaml")
    config.cases_by_id["K-3"].locked = True  # now only the household (1 + 1) or K-6 (2) can go; K-6 is dearer
    config.cases_by_id["K-6"].locked = True
    result = rebalance(config, SolveOptions(time_limit_s=10, workers=1))
    assert result.plan is not None
    rows = list(csv.DictReader(io.StringIO(proposals_csv(result.plan.plan, result.plan.before, config))))
    assert [(row["case"], row["moves_with"]) for row in rows if row["from_manager"]] == [("K-1", "K-2"),
                                                                                         ("K-2", "K-1")]


def test_write_proposals_writes_every_file(fixture: tuple[Config, Result[Proposals]], tmp_path: Path) -> None:
    config, result = fixture
    # An earlier run's curve point (recorded in the folder's manifest) and a file of the user's own.
    write_output_set(tmp_path, {tmp_path / "curve" / "plan-0003-moves.json": "{}"}, "rebalance")
    (tmp_path / "curve" / "my-notes.json").write_text("{}")
    written = write_proposals(result, config, tmp_path)
    names = sorted(str(path.relative_to(tmp_path)) for path in written)
    assert names == ["assignments.csv", "curve.csv", "curve/plan-0000-moves.json", "curve/plan-0001-moves.json",
                     "curve/plan-0002-moves.json", "curve/plan-0004-moves.json", "plan.json", "proposals.csv",
                     "proposals.json"]
    assert sorted(path.name for path in (tmp_path / "curve").iterdir()) == [
        "my-notes.json", "plan-0000-moves.json", "plan-0001-moves.json", "plan-0002-moves.json", "plan-0004-moves.json"]
