"""What-if benchmark: 50 scenarios on the M tier, locally with 1 and 2 processes and on a Dask
LocalCluster (2 worker processes, 1 thread each); then staffing on M and L.

    python -m bench.whatif                                  # everything, defaults below
    python -m bench.whatif --scenarios 10 --skip-staffing   # a quick look

Each scenario is planned like the base (balance, then schedule: `scheduler.pipeline.plan_week`)
with `--time-limit` seconds and one CP-SAT thread. Reports wall time per run mode and whether the
comparison rows (and plans, solver timings aside) are identical across modes. Prints markdown.
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from typing import Any

from models.organisation import Config
from models.scenario import Scenario, ScenarioOutcome

TIERS: dict[str, tuple[int, int]] = {"S": (12, 250), "M": (100, 2_500), "L": (1_000, 25_000)}


def organisation(tier: str, seed: int) -> Config:
    from models.generator import generate_organisation

    managers, cases = TIERS[tier]
    return generate_organisation(managers, cases, seed).to_config()


def sweep(config: Config, count: int) -> list[Scenario]:
    """`count` scenarios cycling through every change kind with growing sizes (deterministic)."""
    levels = [level.name for level in config.policy.levels]
    regions = sorted({manager.region for manager in config.managers if manager.region is not None})
    made: list[Scenario] = []
    for index in range(count):
        level, region, step = levels[index % len(levels)], regions[index % len(regions)], index // 6 + 1
        matching = sum(1 for m in config.managers if m.level == level and m.region == region)
        kind = index % 6
        if kind == 0:
            change: dict[str, Any] = {"leave": {"filter": {"level": level, "region": region},
                                                "count": min(step, matching), "all_week": True}}
        elif kind == 1:
            change = {"add_managers": {"count": step, "level": level, "region": region, "languages": ["en", "es"]}}
        elif kind == 2:
            change = {"cases": {"factor": round(1 + 0.03 * step, 2)}}
        elif kind == 3:
            change = {"remove_managers": {"filter": {"level": level, "region": region},
                                          "count": min(step, matching)}}
        elif kind == 4:
            change = {"fte": {"filter": {"level": level, "region": region}, "fte": round(1 - 0.05 * step, 2)}}
        else:
            capacity = config.policy.level(level).capacity_points
            change = {"policy": {"overrides": {f"levels.{level}.capacity_points": round(capacity * (1 - 0.02 * step))}}}
        made.append(Scenario.model_validate({"name": f"s{index:02d} {next(iter(change))} {level} {region}",
                                             "changes": [change]}))
    return made


def comparable(outcomes: list[ScenarioOutcome]) -> list[Any]:
    return [(o.row.model_dump(), o.plan.model_dump(exclude={"solver"}) if o.plan else None) for o in outcomes]


def differences(reference: list[ScenarioOutcome], other: list[ScenarioOutcome]) -> str:
    """How many rows differ from the reference run, and by how much (largest absolute difference)."""
    differing = 0
    largest: dict[str, float] = {}
    for a, b in zip(reference, other, strict=True):
        if comparable([a]) == comparable([b]):
            continue
        differing += 1
        first, second = a.row.model_dump(), b.row.model_dump()
        for name, value in first.items():
            if isinstance(value, int | float) and value != second[name]:
                largest[name] = max(largest.get(name, 0.0), abs(float(value) - float(second[name])))
    if not differing:
        return "none: every row and plan identical"
    spread = ", ".join(f"{name} ±{value:g}" for name, value in sorted(largest.items()))
    return f"{differing} of {len(reference)} ({spread or 'plans only'})"


def run_modes(config: Config, scenarios: list[Scenario], time_limit: float, seed: int,
              skip_cluster: bool, only: set[str] | None = None) -> list[dict[str, Any]]:
    from scheduler.whatif import WhatIfOptions, run_scenarios

    results: list[dict[str, Any]] = []
    reference: list[ScenarioOutcome] | None = None
    modes: list[tuple[str, dict[str, Any]]] = [("local, --jobs 1", {"jobs": 1}), ("local, --jobs 2", {"jobs": 2})]
    if not skip_cluster:
        modes.append(("Dask LocalCluster (2 processes x 1 thread)", {"cluster": "local"}))
    keys = ["jobs1", "jobs2", "cluster"]
    modes = [mode for key, mode in zip(keys, modes, strict=False) if only is None or key in only]
    for label, settings in modes:
        cluster = None
        if settings.get("cluster") == "local":
            distributed: Any = importlib.import_module("distributed")
            cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                               dashboard_address=None)
            settings = {"cluster": cluster.scheduler_address}
        started = time.monotonic()
        outcomes = run_scenarios(config, scenarios, WhatIfOptions(time_limit_s=time_limit, seed=seed, **settings))
        wall = time.monotonic() - started
        if cluster is not None:
            cluster.close()
        reference = reference or outcomes
        statuses = sorted({o.row.status for o in outcomes})
        differ = differences(reference, outcomes)
        print(f"| {label} | {wall:.1f} s | {differ} | {', '.join(statuses)} |", flush=True)
        results.append({"mode": label, "wall_s": wall, "differ": differ, "statuses": statuses})
    return results


def run_staffing(tier: str, target: float, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    from models.check import check_plan
    from scheduler.core.options import SolveOptions
    from scheduler.staffing import plan_staffing

    config = organisation(tier, seed)
    started = time.monotonic()
    result = plan_staffing(config, target, SolveOptions(time_limit_s=time_limit, workers=workers, seed=seed))
    wall = time.monotonic() - started
    answer = result.plan
    assert answer is not None, result.message
    return {"tier": tier, "target": target, "wall_s": wall, "status": result.status, "hires": answer.total_hires,
            "bound": answer.hires_lower_bound, "by_level": answer.hires_by_level,
            "unservable": len(answer.unservable), "freed": len(answer.freed),
            "violations": len(check_plan(answer.config, answer.plan)),
            "max_utilisation": answer.plan.summary.max_utilisation}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", type=int, default=50)
    parser.add_argument("--tier", default="M", choices=sorted(TIERS))
    parser.add_argument("--time-limit", type=float, default=4.0, help="seconds per scenario (both stages)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-cluster", action="store_true")
    parser.add_argument("--modes", default="jobs1,jobs2,cluster", help="which of jobs1,jobs2,cluster to run; "
                        "differences are against the first one run")
    parser.add_argument("--skip-whatif", action="store_true")
    parser.add_argument("--skip-staffing", action="store_true")
    parser.add_argument("--staffing-tiers", default="M,L")
    parser.add_argument("--target", type=float, default=0.85)
    parser.add_argument("--staffing-time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT threads for staffing")
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} (1-minute average), {os.cpu_count()} CPUs\n")
    if not args.skip_whatif:
        config = organisation(args.tier, args.seed)
        scenarios = sweep(config, args.scenarios)
        print(f"## What-if: {len(scenarios)} scenarios + base on {args.tier} "
              f"({len(config.managers)} managers, {len(config.cases)} cases), {args.time_limit:g} s each\n")
        print("| mode | wall time | rows differing from the first mode | solver statuses |")
        print("| --- | --- | --- | --- |", flush=True)
        run_modes(config, scenarios, args.time_limit, args.seed, args.skip_cluster, set(args.modes.split(",")))
        print(f"\nload after: {os.getloadavg()[0]:.2f}\n")
    if not args.skip_staffing:
        print(f"## Staffing at {args.target:.0%} ({args.staffing_time_limit:g} s limit, {args.workers} workers)\n")
        print("| tier | wall time | status | hires | lower bound | by level | unservable | could be freed "
              "| check violations | max utilisation |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for tier in args.staffing_tiers.split(","):
            r = run_staffing(tier, args.target, args.staffing_time_limit, args.workers, args.seed)
            levels = ", ".join(f"{level} {count}" for level, count in r["by_level"].items())
            print(f"| {tier} | {r['wall_s']:.1f} s | {r['status']} | {r['hires']} | {r['bound']} | {levels} "
                  f"| {r['unservable']} | {r['freed']} | {r['violations']} | {r['max_utilisation']:.3f} |")
        print(f"\nload after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
