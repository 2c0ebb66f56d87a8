"""Benchmark: generate and write the DESIGN.md tiers; wall time, peak memory and file sizes.

    python bench/generate.py                      # S, M, L, XL
    python bench/generate.py --tiers S,M --validate

Each tier runs in a fresh child process, so the peak RSS reported is that tier's own (it includes
the Python interpreter and imports, about 40 MB). `--validate` also times `load_config` on the
written files: reading the CSVs, building and cross-checking the models. Targets (issue 2):
L generated in under 15 s, XL in under a minute, L loaded and validated in under 5 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIERS = {"S": (12, 250), "M": (100, 2_500), "L": (1_000, 25_000), "XL": (5_000, 125_000)}


def run_tier(tier: str, out_dir: Path, seed: int, validate: bool) -> dict[str, float]:
    """Generate and write one tier in this process; the figures as a dict."""
    from export.organisation import write_organisation
    from models.generator import generate_organisation

    managers, cases = TIERS[tier]
    start = time.perf_counter()
    path = write_organisation(generate_organisation(managers, cases, seed), out_dir)
    figures = {"wall_s": time.perf_counter() - start}
    figures["files_mb"] = sum(item.stat().st_size for item in out_dir.iterdir()) / 1e6
    if validate:
        from models.loader import load_config

        start = time.perf_counter()
        config = load_config(path)
        figures["load_s"] = time.perf_counter() - start
        figures["due_contacts"] = sum(len(config.due_contacts(case)) for case in config.cases)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return figures


def run_child(tier: str, seed: int, validate: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"caseload-gen-{tier}-") as folder:
        command = [sys.executable, __file__, "--child", tier, "--seed", str(seed), "--out", folder]
        if validate:
            command.append("--validate")
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    figures: dict[str, float] = json.loads(output)
    return figures


def print_table(rows: list[tuple[str, dict[str, float]]], validate: bool) -> None:
    header = f"{'tier':<4} {'managers':>8} {'cases':>8} {'wall s':>7} {'peak RSS MB':>11} {'files MB':>8}"
    if validate:
        header += f" {'load s':>7} {'due contacts':>12}"
    print(header)
    for tier, figures in rows:
        managers, cases = TIERS[tier]
        line = (f"{tier:<4} {managers:>8,} {cases:>8,} {figures['wall_s']:>7.2f} "
                f"{figures['peak_rss_mb']:>11.0f} {figures['files_mb']:>8.1f}")
        if validate:
            line += f" {figures['load_s']:>7.2f} {int(figures['due_contacts']):>12,}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiers", default="S,M,L,XL", help="comma-separated tiers (S, M, L, XL)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--validate", action="store_true", help="also time load_config on the files")
    parser.add_argument("--child", choices=sorted(TIERS), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_tier(args.child, args.out, args.seed, args.validate)))
        return
    tiers = [tier.strip().upper() for tier in args.tiers.split(",") if tier.strip()]
    unknown = [tier for tier in tiers if tier not in TIERS]
    if unknown:
        parser.error(f"unknown tier(s) {', '.join(unknown)}; choose from {', '.join(TIERS)}")
    print_table([(tier, run_child(tier, args.seed, args.validate)) for tier in tiers], args.validate)


if __name__ == "__main__":
    main()
