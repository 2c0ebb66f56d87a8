"""Write every output of a plan to a folder; each file lands atomically."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

from export.calendar import calendar_files
from export.files import plan_json, safe_file_stem, write_atomic
from export.html import render_report
from export.tables import assignments_csv, schedule_csv
from models.organisation import Config
from models.plan import Plan


def write_outputs(plan: Plan, config: Config, out_dir: Path, *, full_names: bool = False) -> list[Path]:
    """plan.json, assignments.csv, report.html and, once scheduled, schedule.csv and
    calendars/<manager>.ics.

    Everything is rendered in memory first, so a failure while rendering writes nothing.
    """
    files: dict[Path, str | bytes] = {
        out_dir / "plan.json": plan_json(plan),
        out_dir / "assignments.csv": assignments_csv(plan),
        out_dir / "report.html": render_report(plan, config),
    }
    if plan.was_scheduled:
        files[out_dir / "schedule.csv"] = schedule_csv(plan, config)
        for manager_id, calendar in calendar_files(plan, config, full_names=full_names).items():
            files[out_dir / "calendars" / f"{safe_file_stem(manager_id)}.ics"] = calendar
    stale = _stale_outputs(out_dir, set(files))
    with _interrupts_held():
        for path, content in files.items():
            write_atomic(path, content)
        for path in stale:
            path.unlink(missing_ok=True)
    return list(files)


def _stale_outputs(out_dir: Path, fresh: set[Path]) -> list[Path]:
    """Outputs of an earlier run that this plan does not replace (an unscheduled plan, a manager gone).

    Only names this writer itself produces are removed, so a folder never mixes two runs and nothing
    else a user keeps there is touched.
    """
    candidates = [out_dir / "schedule.csv", *sorted((out_dir / "calendars").glob("*.ics"))]
    return [path for path in candidates if path.is_file() and path not in fresh]


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the files land, then let them act.

    Each file is atomic on its own; holding interrupts while the rendered files are written (well under
    a second for a county office) makes the set atomic too: an interrupted run leaves the earlier
    outputs or the complete new set, never a mix.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, lambda signum, _frame: caught.append(signum)) for number in held}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        if caught:
            signal.raise_signal(caught[0])
