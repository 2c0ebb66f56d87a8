"""The assignment objective's terms (scheduler/assign/terms.py): named once, read by the model, the
scorer, the stage's evaluation of counts and the local search."""

from __future__ import annotations

from dataclasses import fields

import pytest

from models.organisation import Config
from models.policy import Weights
from scheduler.assign.data import AssignmentData, Counts, build_data
from scheduler.assign.greedy import greedy_counts
from scheduler.assign.model import AssignmentModel, Coefficients, CpSatBackend
from scheduler.assign.score import score_assignment
from scheduler.assign.search import LocalSearch
from scheduler.assign.solve import _WEIGHED, evaluate
from scheduler.assign.terms import TERM_NAMES, TERMS, term_weights
from scheduler.core.clock import Clock
from tests.scheduler.assign.instances import case, client, manager, organisation


def _office(**weights: float) -> Config:
    """m-a (north, capacity 4, one hour a week) carries K-1 and K-2 (4 points, two 45-minute calls),
    m-b (south, capacity 3) K-3 (1 point); K-4 (2 points) is new intake, its client prefers m-b; K-5 is too
    complex for a junior. Every term can be non-zero here."""
    call = [{"mode": "phone", "minutes": 45, "frequency": "weekly"}]
    return organisation(
        [manager("m-a", region="north", fte=0.4, availability={"mon": ["09:00-10:00"]}),
         manager("m-b", region="south", fte=0.3)],
        [client("c1", region="north"), client("c2", region="north"), client("c3", region="south"),
         client("c4", region="north", preferred_manager="m-b"), client("c5", region="north")],
        [case("K-1", "c1", "moderate", manager="m-a", contacts=call),
         case("K-2", "c2", "moderate", manager="m-a", contacts=call),
         case("K-3", "c3", "low", manager="m-b"), case("K-4", "c4", "moderate", contacts=call),
         case("K-5", "c5", "high")],
        weights={**{name: 1.0 for name in TERM_NAMES}, **weights},
    )


def _model(config: Config) -> AssignmentModel:
    data = build_data(config)
    model = AssignmentModel(data, CpSatBackend(), Coefficients.from_weights(config.policy.weights))
    model.add_variables()
    model.add_conservation()
    model.add_capacity()
    model.add_peaks()
    return model


def test_the_terms_are_listed_once_most_important_first_with_the_policy_weights() -> None:
    assert TERM_NAMES == ("unassigned", "overload", "balance", "moves", "region", "preference", "overtime")
    assert tuple(Weights.model_fields) == TERM_NAMES  # the policy names its weights in the same order
    weights = Weights(unassigned=7, overload=5, balance=3, moves=2, region=0.5, preference=6, overtime=4)
    assert term_weights(weights) == {"unassigned": 7, "overload": 5, "balance": 3, "moves": 2, "region": 0.5,
                                     "preference": 6, "overtime": 4}
    assert all(term.meaning for term in TERMS)


def test_every_reader_writes_exactly_the_listed_terms() -> None:
    config = _office()
    assert tuple(_model(config)._term_builders()) == TERM_NAMES
    assert tuple(_WEIGHED) == TERM_NAMES
    assert tuple(field.name for field in fields(Coefficients) if field.name != "excess") == TERM_NAMES
    score = score_assignment(config, {})
    assert [name for name in score if name in TERM_NAMES] == list(TERM_NAMES)
    assert [name for name in score if name.endswith("_raw")] == [f"{name}_raw" for name in TERM_NAMES]


@pytest.mark.parametrize("name", TERM_NAMES)
def test_a_term_with_weight_0_is_not_added_to_the_model(name: str) -> None:
    weighted = _model(_office())
    assert weighted.term(name)[0], f"{name}: weight 1 adds the term"
    left_out = _model(_office(**{name: 0}))
    assert left_out.term(name) == ([], 0)
    assert left_out.coefficients.of(name) == 0


def test_a_name_outside_the_list_is_refused() -> None:
    with pytest.raises(KeyError):
        Coefficients.from_weights(Weights()).of("travel")


def _moves(data: AssignmentData, search: LocalSearch) -> list[tuple[int, int | None, int | None]]:
    """Every single-bundle move the search may make from `search`'s current counts."""
    found: list[tuple[int, int | None, int | None]] = []
    for item in data.types:
        sources: list[int | None] = [m for m in range(len(data.managers)) if search.at[m].get(item.index, 0) > 0]
        if search.unassigned[item.index] > 0:
            sources.append(None)
        for source in sources:
            targets: list[int | None] = [m for m in search.targets[item.index]
                                         if m != source and search._may_take(item, m)]
            if source is not None:
                targets.append(None)
            found += [(item.index, source, target) for target in targets]
    return found


@pytest.mark.parametrize("name", TERM_NAMES)
def test_the_search_weighs_each_term_as_the_model_does(name: str) -> None:
    """With only `name` weighted, every move's delta in the local search is the change of the model's
    arithmetic (solve.evaluate) on the counts."""
    config = _office(**{other: 0 for other in TERM_NAMES if other != name})
    data = build_data(config)
    coefficients = Coefficients.from_weights(config.policy.weights)
    nobody = Counts(unassigned={item.index: item.total for item in data.types})
    deltas = []
    for start in (greedy_counts(data), nobody):
        search = LocalSearch(data, coefficients, start, Clock())
        for index, source, target in _moves(data, search):
            item = data.types[index]
            before = evaluate(data, coefficients, search.counts(), TERM_NAMES)
            delta = search.move_delta(item, source, target)
            search.apply(item, source, target)
            after = evaluate(data, coefficients, search.counts(), TERM_NAMES)
            search.apply(item, target, source)
            assert after - before == delta, (name, index, source, target)
            deltas.append(delta)
    assert len(deltas) >= 8 and any(deltas), "the moves change the term"
