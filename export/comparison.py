"""The what-if comparison: comparison.csv, comparison.md, each scenario's plan folder, a terminal table.

Plain functions over `ScenarioRow`s and plans. The CSV and Markdown hold no timings, so the same
inputs and seed give the same bytes whichever way the scenarios were run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from export.bundle import render_outputs
from export.files import csv_text
from export.html import render_comparison
from export.output_set import OutputSet, OwnedNames
from export.terminal import console_for_output
from models.organisation import Config
from models.result import Result
from models.scenario import Scenario, ScenarioOutcome, ScenarioRow, apply_scenario, base_scenario
from models.staffing import StaffingAnswer

_TOTAL_COLUMNS = ("demand_points", "capacity_points", "max_utilisation", "overloaded_managers", "cases",
                  "unassigned_cases", "unassigned_points", "moves", "contacts_due", "contacts_scheduled",
                  "travel_hours")


def level_names(rows: Sequence[ScenarioRow]) -> list[str]:
    """Level names in policy order, as the rows carry them."""
    names: list[str] = []
    for row in rows:
        names.extend(name for name in row.managers_by_level if name not in names)
    return names


def comparison_columns(levels: Sequence[str]) -> list[str]:
    per_level = [f"{field}_{level}" for level in levels
                 for field in ("managers", "capacity", "max_utilisation", "mean_utilisation")]
    return ["scenario", "description", "status", "managers", "managers_on_leave", *per_level, *_TOTAL_COLUMNS]


def _row_cells(row: ScenarioRow, levels: Sequence[str]) -> list[object]:
    per_level: list[object] = []
    for level in levels:
        per_level += [row.managers_by_level.get(level, 0), row.capacity_by_level.get(level, 0.0),
                      row.max_utilisation_by_level.get(level, 0.0), row.mean_utilisation_by_level.get(level, 0.0)]
    totals = [getattr(row, column) for column in _TOTAL_COLUMNS]
    return [row.name, row.description, row.status, row.managers, row.managers_on_leave, *per_level, *totals]


def comparison_csv(rows: Sequence[ScenarioRow]) -> str:
    levels = level_names(rows)
    return csv_text(comparison_columns(levels), (_row_cells(row, levels) for row in rows))


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------


def comparison_md(rows: Sequence[ScenarioRow]) -> str:
    """Two tables (totals, then per level) with each scenario's change against the base."""
    levels = level_names(rows)
    base = rows[0] if rows else None
    lines = ["# What-if comparison", "",
             "The first row is the organisation as configured; (±n) is the change against it.", ""]
    lines += _md_table(
        ["scenario", "status", "managers", "demand pts", "capacity pts", "max util", "overloaded",
         "unassigned cases", "unassigned pts", "moves", "contacts due", "scheduled", "travel h"],
        [[_md_text(row.name), row.status,
          _with_delta(row.managers, base.managers if base else None),
          _number(row.demand_points), _with_delta(row.capacity_points, base.capacity_points if base else None),
          _percent(row.max_utilisation), _with_delta(row.overloaded_managers,
                                                     base.overloaded_managers if base else None),
          _with_delta(row.unassigned_cases, base.unassigned_cases if base else None),
          _number(row.unassigned_points), str(row.moves), str(row.contacts_due),
          _with_delta(row.contacts_scheduled, base.contacts_scheduled if base else None),
          _number(row.travel_hours)]
         for row in rows])
    lines += ["", "## By level", "", "managers / capacity points / max utilisation / mean utilisation", ""]
    lines += _md_table(["scenario", *levels], [
        [_md_text(row.name), *(_level_cell(row, level) for level in levels)] for row in rows
    ])
    described = [row for row in rows if row.description]
    if described:
        lines += ["", "## Scenarios", ""]
        lines += [f"- **{_md_text(row.name)}** (`{row.slug}/`): {_md_text(row.description)}" for row in described]
    return "\n".join(lines) + "\n"


def _md_table(header: list[str], body: list[list[str]]) -> list[str]:
    return [_md_row(header), _md_row(["---"] * len(header)), *(_md_row(cells) for cells in body)]


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _md_text(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _level_cell(row: ScenarioRow, level: str) -> str:
    return (f"{row.managers_by_level.get(level, 0)} / {_number(row.capacity_by_level.get(level, 0.0))} / "
            f"{_percent(row.max_utilisation_by_level.get(level, 0.0))} / "
            f"{_percent(row.mean_utilisation_by_level.get(level, 0.0))}")


def _number(value: float) -> str:
    return f"{value:.1f}" if value != int(value) else str(int(value))


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _with_delta(value: float, base: float | None) -> str:
    text = _number(value)
    if base is None or abs(value - base) < 1e-9:
        return text
    return f"{text} ({'+' if value > base else '-'}{_number(abs(value - base))})"


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def write_comparison(config: Config, scenarios: Sequence[Scenario], outcomes: Sequence[ScenarioOutcome],
                     out_dir: Path, seed: int, *, force: bool = False, protect: Iterable[Path] = ()) -> list[Path]:
    """comparison.csv, comparison.md, comparison.html and, per scenario with a plan, its outputs
    (plan.json, assignments.csv, report.html, schedule.csv, calendars) in <out_dir>/<slug>/, written
    as one set (`export.output_set`): a scenario folder of an earlier run is removed with that run's set.

    Each scenario's organisation is re-derived from the base (deterministic) for the calendars; each
    scenario's files are staged as soon as they are rendered (one plan in memory at a time).
    """
    rows = [outcome.row for outcome in outcomes]
    # What an earlier run's records may be removed under: the scenario folders of this file, and there the
    # calendars of the base's managers and of every scenario's (hires included).
    managers = set(config.managers_by_id)
    folders = [scenario.slug for scenario in [base_scenario(), *scenarios]]
    with OutputSet(out_dir, "whatif", force=force, protect=protect) as output:
        output.add("comparison.csv", comparison_csv(rows))
        output.add("comparison.md", comparison_md(rows))
        output.add("comparison.html", render_comparison(rows))
        for scenario, outcome in zip([base_scenario(), *scenarios], outcomes, strict=True):
            if outcome.plan is not None:
                scenario_config = apply_scenario(config, scenario, seed)
                managers.update(scenario_config.managers_by_id)
                output.add_all(render_outputs(outcome.plan, scenario_config, out_dir / scenario.slug))
        output.owned = OwnedNames.for_managers(managers, folders)
    return output.written


# --------------------------------------------------------------------------------------------
# Terminal
# --------------------------------------------------------------------------------------------


def comparison_tables(rows: Sequence[ScenarioRow], width: int) -> list[Table]:
    """The comparison for a terminal `width` columns wide: one row per figure, one column per scenario,
    and as many tables as it takes for the scenarios to fit side by side (long names fold, no figure
    is cut)."""
    levels = level_names(rows)
    labels = ["status", "staff", *(f"{level} max" for level in levels), "demand pts", "capacity pts",
              "overloaded", "unassigned", "moves", "contacts", "travel h"]
    columns = [list(_terminal_cells(row, levels)) for row in rows]
    label_width = min(max(len(label) for label in labels), width // 3)
    column_width = max(10, *(len(cell) for cells in columns for cell in cells))
    per_table = max(1, (width - label_width - 4) // (column_width + 3))
    tables = []
    for first in range(0, len(rows), per_table):
        shown = range(first, min(first + per_table, len(rows)))
        title = "What-if comparison" + (f" ({first + 1}-{shown[-1] + 1} of {len(rows)})" if len(rows) > per_table
                                        else "")
        table = Table(title=title, title_justify="left")
        table.add_column("", justify="left", overflow="fold", max_width=label_width)
        for index in shown:
            table.add_column(rows[index].name, justify="right", overflow="fold")
        for line, label in enumerate(labels):
            table.add_row(label, *(columns[index][line] for index in shown))
        tables.append(table)
    return tables


def _terminal_cells(row: ScenarioRow, levels: Sequence[str]) -> Iterator[str]:
    yield row.status
    yield str(row.managers)
    for level in levels:
        yield _percent(row.max_utilisation_by_level.get(level, 0.0))
    yield _number(row.demand_points)
    yield _number(row.capacity_points)
    yield str(row.overloaded_managers)
    yield f"{row.unassigned_cases} ({_number(row.unassigned_points)} pts)"
    yield str(row.moves)
    yield f"{row.contacts_scheduled}/{row.contacts_due}"
    yield _number(row.travel_hours)


def print_comparison(rows: Sequence[ScenarioRow]) -> None:
    console = console_for_output()
    for table in comparison_tables(rows, console.width):
        console.print(table)


@contextmanager
def scenario_progress(total: int, quiet: bool) -> Iterator[Callable[[int, ScenarioOutcome], None]]:
    """A progress bar on stderr while scenarios run; yields the per-scenario callback."""
    if quiet:
        yield lambda _index, _outcome: None
        return
    progress = Progress(TextColumn("planning scenarios"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.description}"), console=Console(stderr=True), transient=True)
    with progress:
        task = progress.add_task("", total=total)

        def advance(_index: int, outcome: ScenarioOutcome) -> None:
            progress.update(task, advance=1, description=f"done: {outcome.row.name}")

        yield advance


# --------------------------------------------------------------------------------------------
# Staffing (`caseload staffing`)
# --------------------------------------------------------------------------------------------


def staffing_data(result: Result[StaffingAnswer]) -> dict[str, Any]:
    """The staffing answer as plain JSON data (the plan itself goes to plan.json)."""
    answer = _answer(result)
    return {
        "target_utilisation": answer.target_utilisation,
        "by_region": answer.by_region,
        "status": result.status,
        "total_hires": answer.total_hires,
        "hires_lower_bound": answer.hires_lower_bound,
        "hires_by_level": answer.hires_by_level,
        "hires": [
            {"level": hire.profile.level, "region": hire.profile.region, "languages": list(hire.profile.languages),
             "skills": list(hire.profile.skills), "count": hire.count, "manager_ids": list(hire.manager_ids)}
            for hire in answer.hires
        ],
        "unservable_cases": answer.unservable,
        "locked_over_target": answer.locked_over_target,
        "could_be_freed": answer.freed,
        "slack_status": answer.slack_status,
        "runtime_s": result.runtime_s,
        "notes": result.notes,
    }


def write_staffing(result: Result[StaffingAnswer], out_dir: Path, *, force: bool = False,
                   protect: Iterable[Path] = ()) -> list[Path]:
    """staffing.json plus the proof plan's outputs (plan.json, assignments.csv, report.html), as one set."""
    answer = _answer(result)
    with OutputSet(out_dir, "staffing", force=force, protect=protect,
                   owned=OwnedNames.for_managers(answer.config.managers_by_id)) as output:
        output.add("staffing.json", json.dumps(staffing_data(result), indent=2) + "\n")
        output.add_all(render_outputs(answer.plan, answer.config, out_dir))
    return output.written


def staffing_table(result: StaffingAnswer) -> Table:
    table = Table(title=f"Hires to serve every case within {_percent(result.target_utilisation)} utilisation",
                  title_justify="left")
    for heading in ("level", *(["region"] if result.by_region else []), "languages", "hires"):
        table.add_column(heading, justify="right" if heading == "hires" else "left")
    for hire in result.hires:
        table.add_row(hire.profile.level, *([hire.profile.region or "-"] if result.by_region else []),
                      ", ".join(hire.profile.languages), str(hire.count))
    return table


def print_staffing(result: Result[StaffingAnswer]) -> None:
    answer = _answer(result)
    console = console_for_output()
    proven = "proven minimal" if result.status == "optimal" else (
        f"not proven minimal: at least {answer.hires_lower_bound}" if answer.hires_lower_bound is not None
        else "not proven minimal")
    console.print(f"[bold]{answer.total_hires} hire{'s' if answer.total_hires != 1 else ''}[/bold] ({proven}); "
                  "by level: " + ", ".join(f"{level} {count}" for level, count in answer.hires_by_level.items()))
    if answer.hires:
        console.print(staffing_table(answer))
    summary = answer.plan.summary
    console.print(f"proof plan: {summary.assigned_cases} of {summary.cases} cases assigned, highest utilisation "
                  f"{_percent(summary.max_utilisation)}, {summary.overloaded_managers} overloaded")
    if answer.unservable:
        console.print(f"{len(answer.unservable)} case(s) no hire could carry within the target "
                      f"(see plan.json unassigned): {', '.join(answer.unservable[:10])}"
                      + (" ..." if len(answer.unservable) > 10 else ""))
    if answer.locked_over_target:
        console.print("over the target from locked cases alone: " + ", ".join(answer.locked_over_target))
    if answer.freed:
        console.print(f"slack: {len(answer.freed)} current manager(s) could be freed, their cases absorbed "
                      f"within the target: {', '.join(answer.freed)}")
    else:
        console.print("slack: no current manager could be freed" +
                      ("" if answer.slack_status in ("optimal", "feasible") else " (search ran out of time)"))


def _answer(result: Result[StaffingAnswer]) -> StaffingAnswer:
    assert result.plan is not None, "staffing always answers (no hire at all is an answer)"
    return result.plan
