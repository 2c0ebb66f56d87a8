"""Write every output of a plan to a folder; each file lands atomically."""

from __future__ import annotations

from pathlib import Path

from export.files import plan_json, safe_file_stem, write_atomic
from export.tables import assignments_csv, schedule_csv
from models.organisation import Config
from models.plan import Plan


def write_outputs(plan: Plan, config: Config, out_dir: Path, *, full_names: bool = False) -> list[Path]:
    """plan.json, assignments.csv, report.html and, once scheduled, schedule.csv and
    calendars/<manager>.ics.

    Everything is rendered in memory first, so a failure while rendering writes nothing.
    """
    from export.html import render_report

    files: dict[Path, str | bytes] = {
        out_dir / "plan.json": plan_json(plan),
        out_dir / "assignments.csv": assignments_csv(plan),
        out_dir / "report.html": render_report(plan, config),
    }
    if _was_scheduled(plan):
        from export.calendar import calendar_files

        files[out_dir / "schedule.csv"] = schedule_csv(plan, config)
        for manager_id, calendar in calendar_files(plan, config, full_names=full_names).items():
            files[out_dir / "calendars" / f"{safe_file_stem(manager_id)}.ics"] = calendar
    for path, content in files.items():
        write_atomic(path, content)
    return list(files)


def _was_scheduled(plan: Plan) -> bool:
    return any(stats.stage == "schedule" for stats in plan.solver)
