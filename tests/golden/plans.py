"""Golden plans: the exact plans (everything but wall-clock runtimes) of the example configs and of
generated S and M organisations, recorded before a refactor and compared after it.

Record (only when a behaviour change is intended, and say so in the commit):
    python -m tests.golden.plans --record
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export.organisation import write_organisation
from models.generator import generate_organisation
from models.loader import load_config
from models.organisation import Config
from models.plan import Plan
from scheduler import pipeline
from scheduler.core.options import SolveOptions

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "data"
# A loose wall backstop: the work clock alone decides how far each search goes, so the plan repeats
# on a busy machine. The feedback rounds get tenths of a second of work, which 8x left at about a second
# of wall clock: in one full suite run beside a CPU-bound process (shared/tools/with-load) the S plan's
# first round took another path (alone, under the same load, it repeated). 40x leaves them seconds.
BACKSTOP = 40.0


@dataclass(frozen=True)
class GoldenCase:
    name: str
    load: Callable[[Path], Config]
    time_limit_s: float
    stage: str  # "plan" (balance then schedule) or "schedule" (current assignment)


def _example(relative: str) -> Callable[[Path], Config]:
    return lambda _tmp: load_config(ROOT / relative)


def _generated(managers: int, cases: int, seed: int) -> Callable[[Path], Config]:
    def load(tmp: Path) -> Config:
        return load_config(write_organisation(generate_organisation(managers, cases, seed), tmp / f"org-{managers}"))
    return load


CASES = (
    GoldenCase("child-welfare-plan", _example("configs/child-welfare.yaml"), 10.0, "plan"),
    GoldenCase("home-health-plan", _example("configs/home-health/home-health.yaml"), 10.0, "plan"),
    GoldenCase("child-welfare-schedule", _example("configs/child-welfare.yaml"), 5.0, "schedule"),
    GoldenCase("S-plan", _generated(12, 250, 1), 5.0, "plan"),
    GoldenCase("M-plan", _generated(100, 2_500, 1), 10.0, "plan"),
)


def solve(case: GoldenCase, tmp: Path) -> Plan:
    config = case.load(tmp)
    options = SolveOptions(time_limit_s=case.time_limit_s, workers=2, seed=0, deterministic=True,
                           wall_clock_backstop=BACKSTOP)
    if case.stage == "schedule":
        return pipeline.schedule_current_assignment(config, options).plan
    plan = pipeline.plan_week(config, options).plan
    assert plan is not None, f"{case.name}: no plan"
    return plan


def canonical(plan: Plan) -> dict[str, Any]:
    """The plan as JSON data without what measures the machine: runtimes and solver notes."""
    data = plan.model_dump(mode="json")
    data["solver"] = [{key: stats[key] for key in ("stage", "status", "objective", "bound")}
                      for stats in data["solver"]]
    return data


def golden_path(case: GoldenCase) -> Path:
    return GOLDEN / f"{case.name}.json.gz"


def read_golden(case: GoldenCase) -> dict[str, Any]:
    with gzip.open(golden_path(case), "rt", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def record(case: GoldenCase, tmp: Path) -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    text = json.dumps(canonical(solve(case, tmp)), sort_keys=True, indent=0)
    # mtime=0: the file's bytes depend on the plan alone.
    with open(golden_path(case), "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(text.encode("utf-8"))


def main() -> None:
    import tempfile  # only the recorder needs a scratch folder

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", action="store_true", required=True)
    parser.add_argument("names", nargs="*", help="cases to record (default: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        for case in CASES:
            if not args.names or case.name in args.names:
                record(case, Path(scratch))
                print(f"recorded {golden_path(case).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
