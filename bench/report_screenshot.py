"""The report of the M example (100 managers, 2,500 cases) as a screenshot: bench/report-screenshot.png.

    python bench/report_screenshot.py                    # generate, plan, render, screenshot
    python bench/report_screenshot.py --plan out/plan.json --config org/organisation.yaml

Plans the generated county office (seed 1) like `caseload plan`, writes report.html beside the
plan in a temporary folder, and photographs its top (overview, load chart, manager table, spread
and one manager's week) in headless Chromium, with the network off. Prints the report's size and
the plan's figures.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WIDTH, HEIGHT = 1280, 3460  # the M report's "Each manager's week" section ends near 3,440 px
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", "--disable-dev-shm-usage",
)


def plan_m_example(work: Path, seed: int, time_limit_s: float, workers: int) -> tuple[Path, Path]:
    from export.files import plan_json, write_atomic
    from export.organisation import write_organisation
    from models.generator import generate_organisation
    from models.loader import load_config
    from scheduler.core.options import SolveOptions
    from scheduler.pipeline import plan_week

    config_path = write_organisation(generate_organisation(100, 2_500, seed), work / "org-m")
    config = load_config(config_path)
    start = time.perf_counter()
    plan = plan_week(config, SolveOptions.from_settings(config.policy.solver, time_limit_s, workers, seed)).plan
    if plan is None:
        raise SystemExit("no plan for the M example")
    print(f"planned in {time.perf_counter() - start:.1f} s: {plan.summary}")
    plan_path = work / "plan.json"
    write_atomic(plan_path, plan_json(plan))
    return plan_path, config_path


def screenshot(report: Path, png: Path, profile: Path) -> None:
    subprocess.run(
        ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}",
         f"--screenshot={png}", report.resolve().as_uri()],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, help="an existing plan.json (skips generating and planning)")
    parser.add_argument("--config", type=Path, help="the plan's config (with --plan)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("-o", "--output", type=Path, default=HERE / "report-screenshot.png")
    args = parser.parse_args()

    from export.html import render_report
    from models.loader import load_config, load_plan

    with tempfile.TemporaryDirectory(prefix="caseload-report-") as folder:
        work = Path(folder)
        plan_path, config_path = (args.plan, args.config) if args.plan else plan_m_example(
            work, args.seed, args.time_limit, args.workers)
        config = load_config(config_path) if config_path else None
        start = time.perf_counter()
        page = render_report(load_plan(plan_path), config)
        print(f"report.html: {len(page.encode()) / 1e3:.0f} kB, rendered in {time.perf_counter() - start:.2f} s")
        report = work / "report.html"
        report.write_text(page, encoding="utf-8")
        screenshot(report, args.output, work / "profile")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
