"""Assignment benchmark: our engine, the flat HiGHS MIP and the greedy, per tier (DESIGN.md 7).

    python -m bench.assign --tiers S,M --repeat 1
    python -m bench.assign --tiers L --time-limit 60

Each engine runs in its own subprocess on the same generated organisation
(`models.generator.generate_organisation(managers, cases, seed)`), so peak RSS is per engine.
Wall time is the engine's own (loading the organisation is not counted); all plans are scored with
`scheduler.assign.score.score_assignment`, the engine's objective. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

from scheduler.assign.terms import TERM_NAMES

TIERS: dict[str, tuple[int, int, float]] = {  # managers, cases, default time limit (s)
    "S": (12, 250, 1.0),
    "M": (100, 2_500, 5.0),
    "L": (1_000, 25_000, 60.0),
    "XL": (5_000, 125_000, 600.0),
}
ENGINES = ("caseload", "highs", "greedy")


def run_engine(engine: str, tier: str, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    """Run one engine in this process and return its figures (called in a child process)."""
    from models.generator import generate_organisation
    from scheduler.assign.score import score_assignment

    managers, cases, _ = TIERS[tier]
    config = generate_organisation(managers, cases, seed).to_config()
    from bench.highs_mip import solve_flat
    from scheduler.assign.greedy import greedy_plan
    from scheduler.assign.solve import assign_cases
    from scheduler.core.options import SolveOptions

    bound: float | None = None
    status = "feasible"
    chosen: dict[str, str | None] | None
    started = time.monotonic()  # imports and loading are not timed
    if engine == "caseload":
        result = assign_cases(config, SolveOptions(time_limit_s=time_limit, workers=workers, seed=seed))
        chosen = None if result.plan is None else {a.case_id: a.manager_id for a in result.plan.assignments}
        bound, status = result.bound, result.status
    elif engine == "highs":
        flat = solve_flat(config, time_limit, workers, seed)
        chosen, bound, status = flat.chosen, flat.bound, flat.status
    elif engine == "greedy":
        chosen = {a.case_id: a.manager_id for a in greedy_plan(config).assignments}
    else:
        raise ValueError(f"unknown engine {engine!r}")
    seconds = time.monotonic() - started
    figures: dict[str, Any] = {"engine": engine, "tier": tier, "status": status, "seconds": seconds,
                               "bound": bound, "peak_rss_mb": _peak_rss_mb()}
    if chosen is not None:
        score = score_assignment(config, chosen)
        figures["objective"] = score["objective"]
        figures.update({term: score[f"{term}_raw"] for term in TERM_NAMES})
        if bound is not None:
            figures["gap"] = (score["objective"] - bound) / max(1.0, abs(score["objective"]))
    return figures


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(engine: str, tier: str, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.assign", "--child", engine, "--tiers", tier,
               "--time-limit", str(time_limit), "--workers", str(workers), "--seed", str(seed)]
    # Generous outer limit: model building and plan conversion come on top of the solver's limit.
    done = subprocess.run(command, capture_output=True, text=True, timeout=time_limit * 3 + 600, check=False)
    if done.returncode != 0:
        return {"engine": engine, "tier": tier, "status": f"crashed: {done.stderr.strip()[-200:]}"}
    parsed: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return parsed


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time (its figures belong together)."""
    timed = sorted(runs, key=lambda run: run.get("seconds", float("inf")))
    return timed[len(timed) // 2]


def _cell(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def format_table(rows: list[dict[str, Any]]) -> str:
    header = ("tier", "engine", "status", "objective", "bound", "gap", "wall s", "peak MB", *TERM_NAMES)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        gap = row.get("gap")
        lines.append("| " + " | ".join([
            row["tier"], row["engine"], str(row.get("status", "-")), _cell(row.get("objective")),
            _cell(row.get("bound")), "-" if gap is None else f"{gap:.2%}", _cell(row.get("seconds"), 2),
            _cell(row.get("peak_rss_mb"), 0), *(_cell(row.get(term)) for term in TERM_NAMES),
        ]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiers", default="S,M", help="comma-separated tiers: S, M, L, XL")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds (default: the tier's target)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per engine; the median is reported")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: " + ", ".join(ENGINES))
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    tiers = [tier.strip().upper() for tier in args.tiers.split(",") if tier.strip()]
    unknown = [name for name in args.engines.split(",") if name not in ENGINES]
    if unknown:
        # An unknown name used to run the greedy under that name (run_all's XL line said "ours").
        parser.error(f"unknown engine(s) {', '.join(unknown)}; engines are {', '.join(ENGINES)}")
    if args.child is not None:
        tier = tiers[0]
        limit = args.time_limit if args.time_limit is not None else TIERS[tier][2]
        print(json.dumps(run_engine(args.child, tier, limit, args.workers, args.seed)))
        return
    rows: list[dict[str, Any]] = []
    for tier in tiers:
        limit = args.time_limit if args.time_limit is not None else TIERS[tier][2]
        for engine in args.engines.split(","):
            runs = [_child(engine, tier, limit, args.workers, args.seed) for _ in range(max(1, args.repeat))]
            rows.append(_median(runs))
            print(format_table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(format_table(rows))
    print(f"\nmedian of {args.repeat} run(s) per engine; time limit per tier: "
          + ", ".join(f"{tier} {args.time_limit or TIERS[tier][2]:g} s" for tier in tiers))


if __name__ == "__main__":
    main()
