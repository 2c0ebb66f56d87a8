"""Benchmark: is `--time-limit T` honoured within 10 % + 1 s at every tier?

    python bench/time_limit.py                        # S, M, L; T = 5 s; plan and assign
    python bench/time_limit.py --tiers S,M --time-limit 3
    python bench/time_limit.py --xl                   # adds XL (125,000 cases; minutes to generate)
    python bench/time_limit.py --tiers ONE --time-limit 2 --commands plan   # one manager, 10,000 visits

For each tier an organisation is generated (`models.generator`, seed 1) and written as YAML plus
CSVs; then `caseload plan` and `caseload assign` run as their own processes with a small
`--time-limit T`, one after the other. Reported per run:

- solve: the sum of the solve stages' `runtime_s` from plan.json (what the time limit governs);
- wall: the whole command (interpreter start, loading, solving, rendering and writing every file);
- the bound T * 1.1 + 1 s and whether solve (and wall) stay within it;
- each stage's status (a time limit that cuts the search leaves a `feasible` plan, which is written);
- whether the written plan passes `caseload check` (models.check, independent of the solver).

Loading and writing grow with the organisation and are not part of the solve budget; the wall
column shows what a user waits in total.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TIERS = {"S": (12, 250), "M": (100, 2_500), "L": (1_000, 25_000), "XL": (5_000, 125_000)}
# The red team's week (issue 21, finding 6): one manager holding 10,000 cases, each with a weekly visit.
ONE_MANAGER_VISITS = 10_000
COMMANDS = ("plan", "assign")


@dataclass(frozen=True)
class Run:
    tier: str
    command: str
    limit: float
    solve_s: float
    wall_s: float
    statuses: str
    check: str
    peak_mb: float = float("nan")

    @property
    def bound(self) -> float:
        return self.limit * 1.1 + 1.0

    def row(self) -> str:
        solve_ok = "yes" if self.solve_s <= self.bound else "**no**"
        wall_ok = "yes" if self.wall_s <= self.bound else "no"
        return (f"| {self.tier} | {self.command} | {self.limit:g} | {self.bound:.1f} | {self.solve_s:.2f} | "
                f"{solve_ok} | {self.wall_s:.2f} | {wall_ok} | {self.peak_mb:.0f} | {self.statuses} | {self.check} |")


def generate(tier: str, folder: Path) -> Path:
    from export.organisation import write_organisation
    from models.generator import generate_organisation

    if tier == "ONE":
        return one_manager_week(folder / "one.yaml")

    managers, cases = TIERS[tier]
    return write_organisation(generate_organisation(managers, cases, seed=1), folder / tier)


def one_manager_week(path: Path) -> Path:
    """One manager, ONE_MANAGER_VISITS one-visit cases at distinct places around Chicago."""
    lines = ["week_start: 2026-11-30", "policy:", "  levels:",
             f"    - {{name: w, capacity_points: {ONE_MANAGER_VISITS}, max_cases: {ONE_MANAGER_VISITS}, "
             "max_complexity: low}", "  complexities:", "    - {name: low, points: 1}", "  case_types:",
             "    t: {factor: 1.0}", "managers:", "  - {id: m-1, level: w}", "clients:"]
    lines += [f"  - {{id: c-{index}, location: {{lat: 41.{index % 90:02d}, lon: -87.{index % 77:02d}}}}}"
              for index in range(ONE_MANAGER_VISITS)]
    lines.append("cases:")
    lines += [f"  - {{id: K-{index}, client: c-{index}, type: t, complexity: low, manager: m-1, "
              "contacts: [{mode: in_person, minutes: 30, frequency: weekly}]}" for index in range(ONE_MANAGER_VISITS)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_command(tier: str, command: str, config: Path, out: Path, limit: float, workers: int) -> Run:
    args = [sys.executable, "-m", "cli", command, str(config), "-o", str(out), "--time-limit", f"{limit:g}",
            "--workers", str(workers), "--seed", "1", "--quiet"]
    started = time.perf_counter()
    completed = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - started
    # The largest child so far (Linux: kilobytes); the commands run one at a time, largest tiers last.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if completed.returncode != 0:
        return Run(tier, command, limit, float("nan"), wall, f"exit {completed.returncode}",
                   completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "")
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    solve = sum(float(stage["runtime_s"]) for stage in plan["solver"])
    statuses = ", ".join(f"{stage['stage']} {stage['status']}" for stage in plan["solver"])
    return Run(tier, command, limit, solve, wall, statuses, check_verdict(config, out / "plan.json"), peak)


def check_verdict(config: Path, plan_file: Path) -> str:
    completed = subprocess.run([sys.executable, "-m", "cli", "check", str(config), str(plan_file)], cwd=ROOT,
                               capture_output=True, text=True, check=False,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    return "passes" if completed.returncode == 0 else f"{completed.stdout.count(chr(10))} violation(s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiers", default="S,M,L", help="comma-separated tiers among S, M, L, XL and ONE (one "
                        "manager with 10,000 weekly visits)")
    parser.add_argument("--xl", action="store_true", help="add the XL tier (slow to generate and load)")
    parser.add_argument("--time-limit", type=float, default=5.0, help="the T given to --time-limit")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--commands", default=",".join(COMMANDS))
    args = parser.parse_args()
    tiers = [tier.strip() for tier in args.tiers.split(",") if tier.strip()]
    if args.xl and "XL" not in tiers:
        tiers.append("XL")
    commands = [command.strip() for command in args.commands.split(",") if command.strip()]
    print(f"`--time-limit {args.time_limit:g}`, `--workers {args.workers}`; bound = T * 1.1 + 1 s; "
          f"load average before: {', '.join(f'{value:.2f}' for value in os.getloadavg())}\n")
    print("| tier | command | T (s) | bound (s) | solve (s) | solve within | wall (s) | wall within | peak MB | stages "
          "| check |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="caseload-time-limit-") as scratch:
        folder = Path(scratch)
        for tier in tiers:
            config = generate(tier, folder)
            for command in commands:
                run = run_command(tier, command, config, folder / f"out-{tier}-{command}", args.time_limit,
                                  args.workers)
                print(run.row(), flush=True)


if __name__ == "__main__":
    main()
