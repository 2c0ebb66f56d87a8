"""Short summaries for the terminal (rich tables): of a config, and of a plan.

Plain functions over model objects; they print and return nothing. Client names never appear.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from rich.console import Console
from rich.table import Table

from models.organisation import Config
from models.plan import ComplianceSummary, Plan

# Off a terminal (a pipe, a file, a CI log) output is folded to this width.
PLAIN_WIDTH = 80


class _FoldingConsole(Console):
    """Tables fold a cell (or a heading) that does not fit onto more lines instead of cutting it with '…'."""

    def print(self, *objects: Any, **options: Any) -> None:
        for item in objects:
            if isinstance(item, Table):
                for column in item.columns:
                    column.overflow = "fold"
        super().print(*objects, **options)


def console_for_output() -> Console:
    """A console for the current stdout that folds tables and wraps lines to its width: the terminal's
    own, else PLAIN_WIDTH; no printed line is wider. A fresh one per call: it picks up the current stdout
    (click's test runner swaps it)."""
    console = _FoldingConsole(highlight=False)
    return console if console.is_terminal else _FoldingConsole(highlight=False, width=PLAIN_WIDTH)


def _console() -> Console:
    return console_for_output()


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole > 0 else "-"


# --------------------------------------------------------------------------------------------
# Config summary (`caseload validate`)
# --------------------------------------------------------------------------------------------


def print_config_summary(config: Config) -> None:
    """Managers by level, cases by complexity, load against capacity and the week's contacts."""
    console = _console()
    households = {client.household_key for client in config.clients}
    console.print(
        f"[bold]valid[/bold]: week of {config.week_start} ({config.timezone}), "
        f"{len(config.managers)} managers, {len(config.clients)} clients in {len(households)} households, "
        f"{len(config.cases)} cases"
    )
    points = [config.case_points(case) for case in config.cases]  # once: the tables and totals share it
    console.print(_levels_table(config))
    console.print(_complexities_table(config, points))
    for line in _totals(config, points):
        console.print(line)


def _levels_table(config: Config) -> Table:
    table = Table(title="Managers by level", title_justify="left")
    for heading in ("level", "managers", "FTE", "capacity points", "case limit"):
        table.add_column(heading, justify="left" if heading == "level" else "right")
    count: Counter[str] = Counter()
    fte: defaultdict[str, float] = defaultdict(float)
    capacity: defaultdict[str, float] = defaultdict(float)
    case_limit: Counter[str] = Counter()
    for manager in config.managers:
        count[manager.level] += 1
        fte[manager.level] += manager.fte
        capacity[manager.level] += config.capacity_points(manager)
        case_limit[manager.level] += config.max_cases(manager)
    for level in config.policy.levels:
        table.add_row(level.name, str(count[level.name]), f"{fte[level.name]:.1f}",
                      f"{capacity[level.name]:.1f}", str(case_limit[level.name]))
    table.add_row("total", str(len(config.managers)), f"{sum(fte.values()):.1f}",
                  f"{sum(capacity.values()):.1f}", str(sum(case_limit.values())), style="bold")
    return table


def _complexities_table(config: Config, case_points: list[float]) -> Table:
    table = Table(title="Cases by complexity", title_justify="left")
    for heading in ("complexity", "cases", "points", "unassigned", "locked"):
        table.add_column(heading, justify="left" if heading == "complexity" else "right")
    count: Counter[str] = Counter()
    points: defaultdict[str, float] = defaultdict(float)
    unassigned: Counter[str] = Counter()
    locked: Counter[str] = Counter()
    for case, case_point in zip(config.cases, case_points, strict=True):
        count[case.complexity] += 1
        points[case.complexity] += case_point
        unassigned[case.complexity] += case.manager is None
        locked[case.complexity] += case.locked
    for complexity in config.policy.complexities:
        name = complexity.name
        table.add_row(name, str(count[name]), f"{points[name]:.1f}", str(unassigned[name]), str(locked[name]))
    table.add_row("total", str(len(config.cases)), f"{sum(points.values()):.1f}",
                  str(sum(unassigned.values())), str(sum(locked.values())), style="bold")
    return table


def _totals(config: Config, case_points: list[float]) -> list[str]:
    load = sum(case_points)
    capacity = sum(config.capacity_points(manager) for manager in config.managers)
    due = [contact for case in config.cases for contact in config.due_contacts(case)]
    overdue = sum(contact.overdue for contact in due)
    intake = sum(case.manager is None for case in config.cases)
    locked = sum(case.locked for case in config.cases)
    return [
        f"workload: {load:.1f} points against a capacity of {capacity:.1f} "
        f"(utilisation {_percent(load, capacity)})",
        f"contacts due this week: {len(due)} ({overdue} overdue, {sum(c.minutes for c in due) / 60:.0f} hours)",
        f"unassigned intake: {intake} cases; locked to their manager: {locked} cases",
    ]


# --------------------------------------------------------------------------------------------
# Plan summary (`caseload assign|schedule|plan`): print_plan_summary(plan: Plan) -> None
# goes below this line; it is written by the plan-output helper.
# --------------------------------------------------------------------------------------------


def print_plan_summary(plan: Plan) -> None:
    """Per level: managers, cases, load/capacity, peak and mean utilisation; then the headline."""
    console = _console()
    console.print(_plan_levels_table(plan))
    if plan.contacts or plan.unscheduled:
        console.print(_contacts_by_manager_table(plan))
    for line in _plan_headline(plan):
        console.print(line)


# A terminal table of a state agency's 1,000 managers helps no one: past this, the rows shown are
# the managers with the most contacts left unscheduled (then the busiest); the files hold them all.
MANAGER_ROWS_SHOWN = 25


def _contacts_by_manager_table(plan: Plan) -> Table:
    scheduled: dict[str, int] = {}
    travel: dict[str, int] = {}
    for contact in plan.contacts:
        scheduled[contact.manager_id] = scheduled.get(contact.manager_id, 0) + 1
        travel[contact.manager_id] = travel.get(contact.manager_id, 0) + contact.travel_minutes_before
    unscheduled: dict[str, int] = {}
    for missing in plan.unscheduled:
        if missing.manager_id is not None:
            unscheduled[missing.manager_id] = unscheduled.get(missing.manager_id, 0) + 1
    managers = [load for load in plan.managers if load.manager_id in scheduled or load.manager_id in unscheduled]
    managers.sort(key=lambda load: (-unscheduled.get(load.manager_id, 0), -scheduled.get(load.manager_id, 0),
                                    load.manager_id))
    shown = managers[:MANAGER_ROWS_SHOWN]
    title = "Contacts by manager"
    if len(managers) > len(shown):
        title += f" ({len(shown)} of {len(managers)}: most unscheduled first; schedule.csv has all)"
    table = Table(title=title, title_justify="left")
    for heading in ("manager", "level", "utilisation", "hours", "scheduled", "unscheduled", "travel h"):
        table.add_column(heading, justify="left" if heading in ("manager", "level") else "right")
    for load in shown:
        table.add_row(load.manager_id, load.level, f"{load.utilisation:.0%}", f"{load.minutes_utilisation:.0%}",
                      str(scheduled.get(load.manager_id, 0)), str(unscheduled.get(load.manager_id, 0)),
                      f"{travel.get(load.manager_id, 0) / 60:.1f}")
    return table


def _plan_levels_table(plan: Plan) -> Table:
    table = Table(title="Caseload by level", title_justify="left")
    for heading in ("level", "managers", "cases", "load / capacity", "max util.", "mean util.", "max hours"):
        table.add_column(heading, justify="left" if heading == "level" else "right")
    for level in plan.levels:
        table.add_row(level.level, str(level.managers), str(level.cases), f"{level.load:.1f} / {level.capacity:.1f}",
                      f"{level.max_utilisation:.0%}", f"{level.mean_utilisation:.0%}",
                      f"{level.max_minutes_utilisation:.0%}")
    summary = plan.summary
    table.add_row("total", str(summary.managers), str(summary.assigned_cases),
                  f"{summary.total_load:.1f} / {summary.total_capacity:.1f}", f"{summary.max_utilisation:.0%}",
                  _percent(summary.total_load, summary.total_capacity),
                  f"{max((level.max_minutes_utilisation for level in plan.levels), default=0.0):.0%}", style="bold")
    return table


def compliance_line(compliance: ComplianceSummary) -> str:
    """Calendar-month visits in one line: the month, its four counts, the share in residence."""
    share = "-" if compliance.in_residence_share is None else f"{compliance.in_residence_share:.0%}"
    return (f"monthly visits {compliance.month} (due by {compliance.last_working_day}): {compliance.cases_due} "
            f"case(s); {compliance.visited} visited, {compliance.planned} planned this week, {compliance.to_come} "
            f"to come, {compliance.at_risk} at risk; {share} in residence (target "
            f"{compliance.in_residence_target:.0%})")


def _plan_headline(plan: Plan) -> list[str]:
    summary = plan.summary
    lines = [
        f"assigned {summary.assigned_cases} of {summary.cases} cases; unassigned {summary.unassigned_cases} "
        f"({summary.unassigned_points:.1f} points); overloaded managers {summary.overloaded_managers} "
        f"({summary.overload_points:.1f} points over); moves {summary.moves}, intake placed {summary.placements}; "
        f"region mismatches {summary.region_mismatches}",
    ]
    if summary.overtime_minutes:
        lines.append(f"hours: {summary.managers_over_minutes} manager(s) need {summary.overtime_minutes / 60:.1f} "
                     "hours more than their weeks hold for contacts (see plan.json managers)")
    if summary.contacts_due or plan.contacts:
        lines.append(f"contacts scheduled {summary.contacts_scheduled} of {summary.contacts_due} due "
                     f"({summary.contacts_on_time} on time, {summary.contacts_late} late); "
                     f"travel {summary.travel_minutes / 60:.1f} hours")
    if summary.compliance is not None:
        lines.append(compliance_line(summary.compliance))
    for stats in plan.solver:
        objective = "-" if stats.objective is None else f"{stats.objective:g}"
        bound = "-" if stats.bound is None else f"{stats.bound:g}"
        gap = "-" if stats.gap is None else f"{stats.gap:.2%}"
        lines.append(f"{stats.stage}: {stats.status}, objective {objective}, bound {bound}, gap {gap}, "
                     f"{stats.runtime_s:.1f} s")
    return lines
