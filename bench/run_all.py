"""Regenerate bench/RESULTS.md from every benchmark, with the machine's description.

    python bench/run_all.py                 # the standard set (about 25 minutes on 2 cores)
    python bench/run_all.py --quick         # S and M tiers only, for a look

Each benchmark runs as its own process, one after the other (never two at once: they would share
the 2 cores and distort each other's times). Their markdown output is collected verbatim under the
exact command that produced it, so anyone can re-run a single line and compare.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STANDARD = [
    ("Generation and loading", "python bench/generate.py --tiers S,M,L,XL --validate"),
    ("Assignment", "python -m bench.assign --tiers S,M,L --repeat 3"),
    ("Assignment, XL", "python -m bench.assign --tiers XL --repeat 1 --engines caseload,greedy"),
    ("Weekly schedule", "python bench/schedule.py --tiers S,M"),
    ("Weekly schedule, L", "python bench/schedule.py --tiers L --no-speedup"),
    ("Rebalance", "python -m bench.rebalance --tiers M,L"),
    ("What-if and staffing", "python -m bench.whatif"),
]
QUICK = [
    ("Generation and loading", "python bench/generate.py --tiers S,M --validate"),
    ("Assignment", "python -m bench.assign --tiers S,M --repeat 1"),
    ("Weekly schedule", "python bench/schedule.py --tiers S,M"),
    ("Rebalance", "python -m bench.rebalance --tiers M"),
    ("What-if and staffing", "python -m bench.whatif --scenarios 10 --staffing-tiers M"),
]


def machine_description() -> str:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kilobytes = int(meminfo.read_text().split()[1])
        memory = f"{kilobytes / 1024 / 1024:.1f} GiB"
    versions = ", ".join(f"{name} {_version(name)}" for name in ("ortools", "highspy", "pydantic"))
    return (
        f"- machine: {platform.machine()}, {os.cpu_count()} cores ({cpu}), {memory} memory\n"
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}; {versions}\n"
        f"- load average before the run: {_load()}\n"
        f"- run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
    )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "(not installed)"


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def run(command: str) -> tuple[str, float, int]:
    started = time.perf_counter()
    completed = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, check=False)
    output = completed.stdout.strip()
    if completed.returncode != 0:
        output += f"\n\n(exit code {completed.returncode})\n```\n{completed.stderr.strip()[-2000:]}\n```"
    return output, time.perf_counter() - started, completed.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="S and M tiers only")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    arguments = parser.parse_args()
    sections = [
        "# Benchmark results\n",
        "Made by `python bench/run_all.py"
        + (" --quick" if arguments.quick else "")
        + "`; every section names the command that printed it.\n",
        "## Machine\n",
        machine_description(),
    ]
    failures = 0
    for title, command in QUICK if arguments.quick else STANDARD:
        print(f"running: {command}", file=sys.stderr, flush=True)
        output, seconds, code = run(command)
        failures += code != 0
        sections.append(f"## {title}\n\n`{command}` ({seconds:.0f} s in all)\n\n{output}\n")
    arguments.output.write_text("\n".join(sections), encoding="utf-8")
    print(f"wrote {arguments.output}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
