"""Rebalancing benchmark: the proposal against the greedy heuristic and a full re-balance, per tier.

    python -m bench.rebalance --tiers S,M --time-limit 3
    python -m bench.rebalance --tiers L --time-limit 15

On a generated organisation (`models.generator.generate_organisation(managers, cases, seed)`, whose
current assignment is as uneven as real ones: some managers far over capacity, intake waiting):

- proposal: `scheduler.rebalance.solve.rebalance` — reassignments (intake placements counted apart),
  peak utilisation before/after, the goal, the best peak found and its proven floor, wall time of the
  proposal and of the trade-off curve;
- greedy: "move the smallest case of the most loaded manager to the roomiest eligible one"
  (`scheduler.rebalance.greedy`, strategy `smallest`, no chains) run to the proposal's goal; then
  the solver's fewest moves to reach the greedy's final peak, warm-started from the greedy;
- full re-balance: `scheduler.assign.solve.assign_cases` from scratch: how many cases it moves.

Prints a markdown table; every plan is verified with `models.check.check_plan`.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from typing import Any

TIERS: dict[str, tuple[int, int]] = {"S": (15, 300), "M": (100, 2_500), "L": (1_000, 25_000)}


def run_tier(tier: str, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    from models.check import check_plan
    from models.generator import generate_organisation
    from scheduler.assign.solve import assign_cases
    from scheduler.core.options import SolveOptions
    from scheduler.rebalance.greedy import greedy_rebalance
    from scheduler.rebalance.solve import fewest_moves_within, rebalance
    from scheduler.rebalance.units import build_problem

    managers, cases = TIERS[tier]
    config = generate_organisation(managers, cases, seed).to_config()
    options = SolveOptions(time_limit_s=time_limit, workers=workers, seed=seed)
    result = rebalance(config, options, curve=tier != "L")
    assert result.plan is not None, result.message
    proposals = result.plan
    plan = proposals.plan
    best = next(stats for stats in result.stages if stats.stage == "rebalance:best")
    figures: dict[str, Any] = {
        "tier": tier, "managers": managers, "cases": cases,
        "before_peak": proposals.before.summary.max_utilisation,
        "before_overloaded": proposals.before.summary.overloaded_managers,
        "moves": sum(1 for move in plan.moves if move.from_manager is not None),
        "placed": sum(1 for move in plan.moves if move.from_manager is None),
        "after_peak": plan.summary.max_utilisation,
        "after_overloaded": plan.summary.overloaded_managers,
        "goal": proposals.goal_utilisation, "best": proposals.best_utilisation,
        "best_floor": (best.bound or 0) / 1000,
        "status": result.status,
        "moves_bound": next((stats.bound for stats in result.stages if stats.stage == "rebalance:fewest-moves"),
                            None),
        "proposal_s": proposals.proposal_runtime_s, "curve_s": proposals.curve_runtime_s,
        "curve": ", ".join(f"{point.moves}->{point.max_utilisation:.0%}" for point in proposals.curve),
        "violations": len(check_plan(config, plan)) + sum(len(check_plan(config, point.plan))
                                                         for point in proposals.curve),
    }
    problem = build_problem(config)
    started = time.perf_counter()
    greedy = greedy_rebalance(problem, round(proposals.goal_utilisation * 1000), strategy="smallest")
    figures["greedy_s"] = time.perf_counter() - started
    figures["greedy_moves"] = greedy.moves
    figures["greedy_peak"] = greedy.peak / 1000
    same = fewest_moves_within(problem, options, greedy.peak, greedy.destination)
    figures["solver_moves_at_greedy_peak"] = same.moves
    figures["solver_at_greedy_peak_s"] = same.runtime_s
    figures["solver_at_greedy_peak_status"] = same.status
    started = time.perf_counter()
    full = assign_cases(config, options)
    figures["full_s"] = time.perf_counter() - started
    if full.plan is not None:
        figures["full_moves"] = sum(1 for move in full.plan.moves if move.from_manager is not None)
        figures["full_peak"] = full.plan.summary.max_utilisation
    return figures


def table(rows: list[dict[str, Any]]) -> str:
    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    lines = [
        "| tier | peak before (overloaded) | proposal: moves + intake | peak after (overloaded) | goal | best found "
        "/ proven floor | moves lower bound | status | proposal s | curve s | greedy: moves -> peak | solver "
        "moves to greedy's peak | full re-balance: moves, peak, s | checker violations |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        bound = row["moves_bound"]
        lines.append(
            f"| {row['tier']} ({row['managers']}/{row['cases']}) | {pct(row['before_peak'])} "
            f"({row['before_overloaded']}) | {row['moves']} + {row['placed']} | {pct(row['after_peak'])} "
            f"({row['after_overloaded']}) | {pct(row['goal'])} | {pct(row['best'])} / {pct(row['best_floor'])} | "
            f"{'-' if bound is None else math.ceil(bound - 1e-9)} | {row['status']} | {row['proposal_s']:.1f} | "
            f"{row['curve_s']:.1f} | {row['greedy_moves']} -> {pct(row['greedy_peak'])} | "
            f"{row['solver_moves_at_greedy_peak']} ({row['solver_at_greedy_peak_status']}) | "
            f"{row.get('full_moves', '-')}, {pct(row.get('full_peak'))}, {row['full_s']:.1f} | "
            f"{row['violations']} |"
        )
    lines.append("")
    for row in rows:
        if row["curve"]:
            lines.append(f"- {row['tier']} trade-off curve (reassignments -> peak): {row['curve']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiers", default="S,M")
    parser.add_argument("--time-limit", type=float, default=3.0, help="seconds per solve stage")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()}")
    rows = [run_tier(tier, args.time_limit, args.workers, args.seed) for tier in args.tiers.split(",")]
    print(f"load after: {os.getloadavg()}")
    print(table(rows))


if __name__ == "__main__":
    main()
