"""Does the week hold? `plan` end to end (balance, schedule, schedule feedback) on generated
organisations, against the same command with the week's hours ignored when balancing (overtime
weight 0: the points-only balancing of before) and without schedule feedback, in the same run.

Per run: contacts placed %, late, unplaced by reason, overtime, the highest share of a week's
contact hours used per level, travel hours, moves (reassignments), assignment objective/bound/gap,
wall time, peak memory, and the independent checker's verdict.

    python -m bench.week                      # S, M, M messy, M narrow (clients' narrow windows,
                                              # part-time days), defaults (the policy's time limit)
    python -m bench.week --tiers M --time-limit 60

Each run is its own process (peak memory is the process's). Time limits are measured in work, so the
plans repeat on a busy machine; wall seconds do not.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

TIERS = {"S": (12, 250), "M": (100, 2_500), "L": (1_000, 25_000)}
VARIANTS = ("engine", "points-only", "no-feedback")
NARROW_WINDOWS = (("mon", "tue", "wed", "thu", "fri"), ("15:00-17:00",))


def _organisation(tier: str, kind: str) -> Any:
    from models.generator import generate_organisation

    managers, cases = TIERS[tier]
    org = generate_organisation(managers, cases, 1, messy=0.2 if kind == "messy" else 0.0)
    if kind == "narrow":
        # A different population: 40 % of clients free only after school, 30 % of managers on three days.
        for index, client in enumerate(org.clients):
            if index % 5 < 2:
                client.availability = NARROW_WINDOWS
        for index, manager in enumerate(org.managers):
            if index % 10 < 3:
                manager.availability = (("mon", "wed", "thu"), ("08:30-16:30",))
    return org.to_config()


def run_one(tier: str, kind: str, variant: str, time_limit: float | None) -> dict[str, Any]:
    """One `plan` in this process; the figures as a dict."""
    import scheduler.pipeline as pipeline
    from models.check import check_plan
    from scheduler.core.options import SolveOptions

    config = _organisation(tier, kind)
    if variant == "points-only":
        config.policy.weights.overtime = 0.0
    if variant == "no-feedback":
        pipeline.FEEDBACK_ROUNDS = 0
    options = SolveOptions.from_settings(config.policy.solver, time_limit)
    started = time.perf_counter()
    result = pipeline.plan_week(config, options)
    wall = time.perf_counter() - started
    plan = result.plan
    assert plan is not None, result.message
    summary = plan.summary
    assignment = plan.solver[0]
    return {
        "tier": tier, "kind": kind, "variant": variant, "time_limit": options.time_limit_s,
        "due": summary.contacts_due, "placed": summary.contacts_scheduled,
        "placed_pct": round(100 * summary.contacts_scheduled / max(1, summary.contacts_due), 2),
        "late": summary.contacts_late, "unplaced": dict(Counter(item.rule for item in plan.unscheduled)),
        "overtime_h": round(summary.overtime_minutes / 60, 1), "over_minutes": summary.managers_over_minutes,
        "hours_used_max": {level.level: level.max_minutes_utilisation for level in plan.levels},
        "travel_h": round(summary.travel_minutes / 60, 1), "moves": summary.moves,
        "objective": assignment.objective, "bound": assignment.bound, "gap": assignment.gap,
        "flagged_no_common_availability": sum(1 for item in plan.assignments if item.flags),
        "violations": len(check_plan(config, plan)),
        "wall_s": round(wall, 1), "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiers", default="S,M")
    parser.add_argument("--kinds", default="tidy,messy,narrow", help="tidy, messy, narrow (M and L only)")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--time-limit", type=float, default=None, help="default: the policy's (30 s)")
    args = parser.parse_args()
    runs = [(tier, kind, variant) for tier in args.tiers.split(",") for kind in args.kinds.split(",")
            if kind == "tidy" or tier != "S" for variant in args.variants.split(",")]
    print("| tier | population | variant | placed % | late | unplaced by reason | overtime h | hours used max "
          "(by level) | travel h | moves | gap | checker | wall s | peak MB |")
    print("|" + " --- |" * 14)
    for tier, kind, variant in runs:
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            row = pool.submit(run_one, tier, kind, variant, args.time_limit).result()
        hours = ", ".join(f"{level} {share:.0%}" for level, share in row["hours_used_max"].items())
        unplaced = ", ".join(f"{rule} {count}" for rule, count in sorted(row["unplaced"].items())) or "-"
        gap = "-" if row["gap"] is None else f"{row['gap']:.2%}"
        print(f"| {tier} | {kind} | {variant} | {row['placed_pct']:.2f} ({row['placed']}/{row['due']}) | "
              f"{row['late']} | {unplaced} | {row['overtime_h']} ({row['over_minutes']} mgrs) | {hours} | "
              f"{row['travel_h']} | {row['moves']} | {gap} | {row['violations']} | {row['wall_s']} | "
              f"{row['peak_mb']} |", flush=True)
        with open("bench/results/week.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
