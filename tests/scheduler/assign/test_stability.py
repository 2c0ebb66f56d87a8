"""The stability pass: a case changes manager only for a rule, to relieve overload, or for a balance
gain beyond policy.balance_tolerance. Two juniors of capacity 10 (tests/scheduler/assign/instances.py)."""

from __future__ import annotations

from typing import Any

import pytest

from models.organisation import Config
from scheduler.assign.data import Counts, build_data
from scheduler.assign.model import Coefficients
from scheduler.assign.stability import ceilings, stability_coefficients, tolerance_units
from tests.scheduler.assign.instances import WEEK, case, chosen, client, manager, organisation, solve


def two_juniors(extra_points: list[float], tolerance: float, **m_a: Any) -> Config:
    """m-a (with `m_a`) holds a 5-point case and `extra_points` more (K-0, K-1, ... opened in that order);
    m-b a 5-point case."""
    cases = [case("K-a", "c-a", manager="m-a", points=5, opened="2020-01-01"),
             case("K-b", "c-b", manager="m-b", points=5, opened="2020-01-01")]
    cases += [case(f"K-{i}", f"c-{i}", manager="m-a", points=points, opened=f"2021-01-0{i + 1}")
              for i, points in enumerate(extra_points)]
    return organisation([manager("m-a", **m_a), manager("m-b")], [client(item["client"]) for item in cases], cases,
                        balance_tolerance=tolerance)


def utilisation(config: Config) -> tuple[dict[str, str | None], dict[str, float], list[tuple[str, str]]]:
    plan = solve(config)
    return (chosen(plan), {load.manager_id: load.utilisation for load in plan.managers},
            [(move.case_id, move.rule) for move in plan.moves])


def test_a_gain_within_the_tolerance_moves_nothing() -> None:
    # 55 % and 50 %: moving K-1 (0.25) evens them at 52.5 % (53 whole points): 2 points of peak, within 5.
    _, loads, moves = utilisation(two_juniors([0.25, 0.25], tolerance=0.05))
    assert (loads, moves) == ({"m-a": 0.55, "m-b": 0.5}, [])


def test_without_tolerance_the_same_gain_moves_one_case() -> None:
    # The balancing pass's trade: 2 points of peak (junior and overall, x weight 10) = 40 against one move (3).
    _, loads, moves = utilisation(two_juniors([0.25, 0.25], tolerance=0.0))
    assert (loads, moves) == ({"m-a": 0.525, "m-b": 0.525}, [("K-1", "balance")])


def test_a_gain_beyond_the_tolerance_moves_one_case() -> None:
    # 70 % and 50 %: the band is 60 + 5 = 65 %, so m-a must shed one point: one move (K-1, the most
    # recently opened of the two alike), and the peaks even out at 60 %.
    assignment, loads, moves = utilisation(two_juniors([1, 1], tolerance=0.05))
    assert (loads, moves) == ({"m-a": 0.6, "m-b": 0.6}, [("K-1", "balance")])
    assert assignment["K-0"] == "m-a"


def test_overload_is_relieved_whatever_the_tolerance() -> None:
    # m-a at 120 % (5 + 5 + 1 + 1 on 10); a tolerance of 100 points does not excuse overload: the
    # fewest moves that end it is one 5-point case (K-0: K-a, opened earlier, stays), not the two 1-point ones.
    _, loads, moves = utilisation(two_juniors([5, 1, 1], tolerance=1.0))
    assert (loads, moves) == ({"m-a": 0.7, "m-b": 1.0}, [("K-0", "over_capacity")])


def test_a_rule_moves_a_case_whatever_the_tolerance() -> None:
    # m-a is on leave all week: K-a and K-0 go to m-b, even though that overloads m-b (110 %).
    _, loads, moves = utilisation(two_juniors([1], tolerance=1.0, leave=WEEK))
    assert (loads, moves) == ({"m-a": 0.0, "m-b": 1.1}, [("K-a", "not_eligible"), ("K-0", "not_eligible")])


@pytest.mark.parametrize(("tolerance", "units"), [(0.0, 0), (0.05, 5), (0.049, 4), (0.07, 7), (1.0, 100)])
def test_the_tolerance_in_whole_points_rounded_down(tolerance: float, units: int) -> None:
    assert tolerance_units(tolerance) == units


def test_ceilings_and_a_move_outweighing_the_whole_band() -> None:
    config = two_juniors([1, 1], tolerance=0.05)
    data = build_data(config)
    nothing_moves = Counts(kept={(manager.index, item.index): item.held[manager.index]
                                 for item in data.types for manager in data.managers if manager.index in item.held})
    limits = ceilings(data, nothing_moves, 5)
    # m-a at 70 %: junior and overall peaks 70, plus 5; nothing unassigned, over capacity or over time.
    assert (dict(limits.peaks), limits.overall) == ({0: 75}, 75)
    assert (limits.unassigned, limits.over, limits.excess, limits.overtime) == (0, 0, 0, 0)
    coefficients = stability_coefficients(data, Coefficients.from_weights(config.policy.weights), limits)
    # Balance 10 : region 1 (per point, per case); a move costs more than the band (75 + 75 points x 10)
    # and every case outside its region (4 x 1): 1,505.
    assert (coefficients.balance, coefficients.region, coefficients.moves) == (10, 1, 1505)
