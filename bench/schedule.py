"""Benchmark: the weekly contact schedule on the DESIGN.md tiers, against a greedy baseline.

    python bench/schedule.py                         # S and M, 1 and 2 workers
    python bench/schedule.py --tiers L --no-speedup  # L with 2 workers only
    python bench/schedule.py --assignment current    # schedule the generated (uneven) assignment

For each tier an organisation is generated (`models.generator`, seed 1), cases are assigned (by
default balanced with `scheduler.assign.solve.assign_cases`; `current` keeps the generated assignment,
which leaves some managers far over capacity) and the schedule stage alone is timed. Each run is
a fresh child process, so peak RSS (parent plus worker processes) is the run's own.

Reported: contacts due; scheduled %; placed % of the contacts that have any feasible slot (due
minus those of unassigned cases, without common availability or without a working day), and the
same leaving out contacts whose week is proven full (CP-SAT's bound shows no arrangement of that
week places more: part-time managers given more visits than their hours hold); the unscheduled by
reason; the contacts placed after their due day, by late rule (overdue: due before the week;
no_slot_by_due; days_full_by_due); total travel minutes (trips from and back to the base included);
travel against an exact peer: every manager-day's visits re-routed exactly (every order of up to 8
visits, the shortest whose visits can be timed in that order: client and manager windows, lunch,
the legs kept off lunch and outside-window time; the day's calls left out, so the peer can only be
shorter), as the ratio of the plan's travel to the peer's over all days, the mean of the daily
ratios, the worst day, and the ratio to the shortest tours ignoring time (a lower bound); wall time
of the schedule stage; peak RSS; the speed-up of 2 workers over 1; the checker's verdict; and the
greedy earliest-fit baseline (contacts in due order, each in the first feasible slot of the week,
what a manager does by hand) on the same weeks: its scheduled % and travel.
Targets (2 cores): M fully scheduled < 30 s, L < 5 min, >= 99.5 % of placeable contacts placed,
none after its due day where an on-time slot existed, each manager-day's route within 1 % of the
day's exact optimum, travel >= 20 % below the greedy baseline on M.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import time
from bisect import bisect_left
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TIERS = {"S": (12, 250), "M": (100, 2_500), "L": (1_000, 25_000)}
TIME_LIMITS = {"S": 5.0, "M": 30.0, "L": 300.0}
ASSIGN_LIMITS = {"S": 5.0, "M": 20.0, "L": 120.0}
NOT_PLACEABLE = ("case_unassigned", "no_common_availability", "no_working_day")


def run_schedule(tier: str, workers: int, time_limit: float, seed: int, assignment: str) -> dict[str, Any]:
    """One schedule run in this process; the figures as a dict."""
    from models.check import check_plan
    from models.generator import generate_organisation
    from scheduler.core.options import SolveOptions
    from scheduler.core.planbuild import build_plan, current_assignment
    from scheduler.schedule.solve import schedule_contacts

    managers, cases = TIERS[tier]
    config = generate_organisation(managers, cases, seed).to_config()
    if assignment == "balanced":
        from scheduler.assign.solve import assign_cases

        # One worker: both runs of a tier must schedule the very same assignment.
        result = assign_cases(config, SolveOptions(time_limit_s=ASSIGN_LIMITS[tier], workers=1, seed=0))
        if result.plan is None:
            raise SystemExit(f"{tier}: the assignment stage found no plan")
        plan = result.plan
    else:
        plan = build_plan(config, current_assignment(config))
    start = time.perf_counter()
    scheduled = schedule_contacts(config, plan, SolveOptions(time_limit_s=time_limit, workers=workers, seed=0)).plan
    wall = time.perf_counter() - start
    reasons = Counter(item.rule for item in scheduled.unscheduled)
    due = scheduled.summary.contacts_due
    placeable = due - sum(reasons[rule] for rule in NOT_PLACEABLE)
    # Proven: no arrangement of that manager's week places more (CP-SAT bound), so no scheduler could.
    proven_full = sum(1 for item in scheduled.unscheduled
                      if item.rule == "day_capacity_full" and "(proven" in item.reason)
    violations = [item for item in check_plan(config, scheduled, schedule=True)
                  if not item.rule.startswith(("eligibility", "household"))]
    late = Counter(item.late_rule for item in scheduled.contacts if item.late_days)
    figures: dict[str, Any] = {
        "tier": tier, "workers": workers, "managers": managers, "due": due,
        "scheduled": scheduled.summary.contacts_scheduled, "placeable": placeable, "proven_full": proven_full,
        "reasons": dict(sorted(reasons.items())), "late": dict(sorted(late.items())),
        "travel": scheduled.summary.travel_minutes,
        "wall_s": wall, "status": scheduled.solver[-1].status, "schedule_violations": len(violations),
        "peak_rss_mb": _peak_rss_mb(),
    }
    figures.update(exact_routes(config, scheduled))
    figures.update(greedy_baseline(config, plan))
    return figures


# The exact peer enumerates every order of a day's visits up to this many (8! = 40,320 orders).
EXACT_PEER_VISITS = 8


def exact_routes(config: Any, plan: Any) -> dict[str, Any]:
    """Each manager-day's visits of `plan` re-routed exactly: the shortest tour base -> visits -> base
    over every order whose visits can be timed in that order, and the shortest ignoring time."""
    from scheduler.schedule.data import prepare_week
    from scheduler.schedule.solve import manager_weeks

    by_day: dict[tuple[str, int], list[Any]] = {}
    for item in plan.contacts:
        if item.mode == "in_person":
            by_day.setdefault((item.manager_id, (item.day - config.week_start).days), []).append(item)
    planned = exact = untimed = days = skipped = 0
    ratios: list[float] = []
    for week in manager_weeks(config, plan):
        prepared = prepare_week(week)
        index = {contact.key: number for number, contact in enumerate(week.contacts)}
        for offset in prepared.day_offsets:
            items = sorted(by_day.get((week.manager_id, offset), []), key=lambda item: item.start)
            visits = [index[f"{item.case_id}#{item.requirement_index}.{item.occurrence}"] for item in items]
            if not visits:
                continue
            route = _tour(prepared, visits)
            if len(visits) > EXACT_PEER_VISITS:
                skipped += 1
                continue
            orders = sorted((_tour(prepared, list(order)), order) for order in itertools.permutations(visits))
            best = next((length for length, order in orders if _timeable(prepared, offset, list(order))), route)
            planned, exact, untimed, days = planned + route, exact + best, untimed + orders[0][0], days + 1
            ratios.append(route / best if best else 1.0)
    return {"route_travel": planned, "exact_travel": exact, "untimed_travel": untimed, "route_days": days,
            "route_days_skipped": skipped, "mean_day_ratio": sum(ratios) / max(1, len(ratios)),
            "worst_day_ratio": max(ratios, default=1.0)}


def _tour(prepared: Any, order: list[int]) -> int:
    legs = [prepared.base_travel[order[0]], prepared.base_travel[order[-1]]]
    legs.extend(prepared.travel[a][b] for a, b in itertools.pairwise(order))
    return sum(legs)


def _timeable(prepared: Any, offset: int, order: list[int]) -> bool:
    """Whether the visits can be taken in `order` on day `offset`: each at its earliest candidate start
    after the previous visit and the trip between them (earliest is best for every later visit), the
    first after the trip from the base, the last before the trip back, no trip over blocked time."""
    blocked = prepared.blocked[offset]
    ready = -10**9
    for position, visit in enumerate(order):
        leg = prepared.base_travel[visit] if position == 0 else prepared.travel[order[position - 1]][visit]
        home = prepared.base_travel[visit] if position == len(order) - 1 else 0
        minutes = prepared.week.contacts[visit].minutes
        options = prepared.starts[visit].get(offset, ())
        chosen = next((start for start in options[bisect_left(options, ready + leg):]
                       if not any(start - leg < end and begin < start for begin, end in blocked)
                       and not any(start + minutes < end and begin < start + minutes + home
                                   for begin, end in blocked)), None)
        if chosen is None:
            return False
        ready = chosen + minutes
    return True


def greedy_baseline(config: Any, plan: Any) -> dict[str, Any]:
    """Earliest fit on the same weeks: contacts placed and travel."""
    from scheduler.schedule.data import prepare_week, travel_of
    from scheduler.schedule.greedy import greedy_schedule
    from scheduler.schedule.solve import manager_weeks

    start = time.perf_counter()
    placed = travel = 0
    for week in manager_weeks(config, plan):
        prepared = prepare_week(week)
        placements = greedy_schedule(prepared)
        placed += len(placements)
        travel += travel_of(prepared, placements)[1]
    return {"greedy_scheduled": placed, "greedy_travel": travel, "greedy_wall_s": time.perf_counter() - start}


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024  # KiB on Linux; worker processes run side by side, so add them


def run_child(tier: str, workers: int, time_limit: float, seed: int, assignment: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", tier, "--workers", str(workers), "--time-limit",
               str(time_limit), "--seed", str(seed), "--assignment", assignment]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    figures: dict[str, Any] = json.loads(output.splitlines()[-1])
    return figures


def format_table(rows: list[dict[str, Any]], speedups: dict[str, float]) -> str:
    header = ("| tier | workers | due | scheduled % | placed % of placeable | unscheduled by reason "
              "| late by rule | travel min | travel / exact peer (all days; mean day; worst day) "
              "| travel / untimed shortest tours | placed % excl. proven-full weeks | wall s | peak RSS MB "
              "| speed-up 2 vs 1 | checker | greedy scheduled % | greedy travel min | travel vs greedy |")
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for row in rows:
        reasons = ", ".join(f"{rule} {count}" for rule, count in row["reasons"].items()) or "-"
        late = ", ".join(f"{rule} {count}" for rule, count in row["late"].items()) or "-"
        speedup = speedups.get(row["tier"]) if row["workers"] > 1 else None
        lines.append(
            f"| {row['tier']} | {row['workers']} | {row['due']} | {_pct(row['scheduled'], row['due'])} "
            f"| {_pct(row['scheduled'], row['placeable'])} | {reasons} | {late} | {row['travel']} "
            f"| {row['route_travel'] / max(1, row['exact_travel']):.4f}; {row['mean_day_ratio']:.4f}; "
            f"{row['worst_day_ratio']:.3f} | {row['route_travel'] / max(1, row['untimed_travel']):.4f} "
            f"| {_pct(row['scheduled'], row['placeable'] - row['proven_full'])} | {row['wall_s']:.1f} "
            f"| {row['peak_rss_mb']:.0f} | {'-' if speedup is None else f'{speedup:.2f}x'} "
            f"| {'ok' if row['schedule_violations'] == 0 else str(row['schedule_violations']) + ' violations'} "
            f"| {_pct(row['greedy_scheduled'], row['due'])} | {row['greedy_travel']} "
            f"| {100 * (row['travel'] / max(1, row['greedy_travel']) - 1):+.1f} % |")
    return "\n".join(lines)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}" if whole else "-"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiers", default="S,M", help="comma-separated tiers: S, M, L")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds (default: the tier's target)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--assignment", choices=("balanced", "current"), default="balanced")
    parser.add_argument("--no-speedup", action="store_true", help="skip the 1-worker run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        limit = args.time_limit or TIME_LIMITS[args.child]
        print(json.dumps(run_schedule(args.child, args.workers, limit, args.seed, args.assignment)))
        return
    rows: list[dict[str, Any]] = []
    speedups: dict[str, float] = {}
    for tier in args.tiers.split(","):
        limit = args.time_limit or TIME_LIMITS[tier]
        counts = [args.workers] if args.no_speedup else [1, args.workers]
        runs = [run_child(tier, workers, limit, args.seed, args.assignment) for workers in counts]
        if len(runs) == 2:
            speedups[tier] = runs[0]["wall_s"] / runs[1]["wall_s"]
        rows.extend(runs)
        print(f"{tier} done", file=sys.stderr)
    print(format_table(rows, speedups))


if __name__ == "__main__":
    main()
