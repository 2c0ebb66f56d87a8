"""Write every output of a plan to a folder, as one set (export/output_set.py)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from export.calendar import calendar_files
from export.files import plan_json, safe_file_stem
from export.html import render_report
from export.notifications import notifications_csv
from export.output_set import OwnedNames, write_output_set
from export.tables import assignments_csv, schedule_csv
from models.organisation import Config
from models.plan import Plan


def write_outputs(plan: Plan, config: Config, out_dir: Path, *, full_names: bool = False, force: bool = False,
                  protect: Iterable[Path] = (), command: str = "plan") -> list[Path]:
    """plan.json, assignments.csv, report.html and, once scheduled, schedule.csv and
    calendars/<manager>.ics, written as one set: the earlier set stays whole if anything fails, and
    only files an earlier run recorded are removed (`export.output_set`). `force` overwrites files
    caseload did not write; `protect` (the inputs) are never replaced.
    """
    return write_output_set(out_dir, render_outputs(plan, config, out_dir, full_names=full_names), command,
                            force=force, protect=protect, owned=OwnedNames.for_managers(config.managers_by_id))


def render_outputs(plan: Plan, config: Config, out_dir: Path, *, full_names: bool = False) -> dict[Path, str | bytes]:
    """Every output file of a plan (path under `out_dir` -> content), rendered in memory."""
    files: dict[Path, str | bytes] = {
        out_dir / "plan.json": plan_json(plan),
        out_dir / "assignments.csv": assignments_csv(plan),
        out_dir / "notifications.csv": notifications_csv(plan, config),
        out_dir / "report.html": render_report(plan, config),
    }
    if plan.was_scheduled:
        files[out_dir / "schedule.csv"] = schedule_csv(plan, config)
        for manager_id, calendar in calendar_files(plan, config, full_names=full_names).items():
            files[out_dir / "calendars" / f"{safe_file_stem(manager_id)}.ics"] = calendar
    return files
