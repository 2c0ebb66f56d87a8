"""The greedy rebalancing heuristic (bench peer and warm start): exact moves on tiny instances."""

from __future__ import annotations

from scheduler.rebalance.greedy import greedy_rebalance
from scheduler.rebalance.units import build_problem
from tests.scheduler.rebalance.instances import case, client, config, manager


def test_smallest_moves_the_smallest_case_of_the_most_loaded_to_the_roomiest() -> None:
    cfg = config(
        [manager("m-a"), manager("m-b"), manager("m-c")],
        [client(f"c{i}") for i in range(5)],
        [case("K-0", "c0", 6, "m-a"), case("K-1", "c1", 3, "m-a"), case("K-2", "c2", 2, "m-a"),
         case("K-3", "c3", 4, "m-b"), case("K-4", "c4", 1, "m-c")],
    )
    problem = build_problem(cfg)
    result = greedy_rebalance(problem, 1000, strategy="smallest")
    # m-a (11/10) gives up its smallest case (2 points) to the roomiest eligible manager, m-c (1/10).
    assert result.destination["client:c2"] == "m-c"
    moved = {unit: manager for unit, manager in result.destination.items()
             if manager not in problem.units[unit].assigned_holders}
    assert moved == {"client:c2": "m-c"}
    assert (result.moves, result.peak, result.reached_goal) == (1, 900, True)


def test_smallest_stops_when_nothing_fits_and_says_so() -> None:
    # m-a's only movable case (8 points) fits nowhere below m-a's own level.
    cfg = config(
        [manager("m-a"), manager("m-b")],
        [client("c0"), client("c1"), client("c2")],
        [case("K-0", "c0", 4, "m-a", locked=True), case("K-1", "c1", 8, "m-a"), case("K-2", "c2", 9, "m-b")],
    )
    result = greedy_rebalance(build_problem(cfg), 1000, strategy="smallest")
    assert (result.moves, result.peak, result.reached_goal) == (0, 1200, False)


def test_a_chain_makes_room_where_a_single_move_cannot() -> None:
    # The high-complexity case only fits a senior; the other senior (9/10) would end at m-a's own level
    # (12/10), so it first hands its largest low case to the junior.
    cfg = config(
        [manager("m-a"), manager("m-b"), manager("m-j", level="junior")],
        [client(f"c{i}") for i in range(5)],
        [case("K-0", "c0", 9, "m-a", locked=True), case("K-1", "c1", 3, "m-a", complexity="high"),
         case("K-2", "c2", 4, "m-b"), case("K-3", "c3", 5, "m-b"), case("K-4", "c4", 1, "m-j")],
    )
    problem = build_problem(cfg)
    plain = greedy_rebalance(problem, 1000, strategy="smallest")
    chained = greedy_rebalance(problem, 1000, strategy="smallest", chains=True)
    assert (plain.moves, plain.reached_goal) == (0, False)
    assert (chained.moves, chained.reached_goal) == (2, True)
    assert (chained.destination["client:c1"], chained.destination["client:c3"]) == ("m-b", "m-j")
