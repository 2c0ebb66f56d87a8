"""The what-if comparison: comparison.csv, comparison.md, each scenario's plan folder, a terminal table.

Plain functions over `ScenarioRow`s and plans. The CSV and Markdown hold no timings, so the same
inputs and seed give the same bytes whichever way the scenarios were run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from export.bundle import write_outputs
from export.files import csv_text, write_atomic
from models.organisation import Config
from models.scenario import Scenario, ScenarioOutcome, ScenarioRow, apply_scenario, base_scenario

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
                     out_dir: Path, seed: int) -> list[Path]:
    """comparison.csv, comparison.md, comparison.html and, per scenario with a plan, its outputs
    (plan.json, assignments.csv, report.html, schedule.csv, calendars) in <out_dir>/<slug>/.

    Each scenario's organisation is re-derived from the base (deterministic) for the calendars.
    """
    from export.html import render_comparison

    rows = [outcome.row for outcome in outcomes]
    written = [out_dir / "comparison.csv", out_dir / "comparison.md", out_dir / "comparison.html"]
    write_atomic(written[0], comparison_csv(rows))
    write_atomic(written[1], comparison_md(rows))
    write_atomic(written[2], render_comparison(rows))
    for scenario, outcome in zip([base_scenario(), *scenarios], outcomes, strict=True):
        if outcome.plan is not None:
            scenario_config = apply_scenario(config, scenario, seed)
            written += write_outputs(outcome.plan, scenario_config, out_dir / scenario.slug)
    return written


# --------------------------------------------------------------------------------------------
# Terminal
# --------------------------------------------------------------------------------------------


def comparison_table(rows: Sequence[ScenarioRow]) -> Table:
    levels = level_names(rows)
    table = Table(title="What-if comparison", title_justify="left")
    headings = ["scenario", "managers", *(f"{level} max/mean" for level in levels), "demand", "capacity",
                "overloaded", "unassigned", "moves", "scheduled/due", "travel h", "status"]
    for heading in headings:
        table.add_column(heading, justify="left" if heading in ("scenario", "status") else "right")
    for row in rows:
        table.add_row(*_terminal_cells(row, levels))
    return table


def _terminal_cells(row: ScenarioRow, levels: Sequence[str]) -> Iterator[str]:
    yield row.name
    yield str(row.managers)
    for level in levels:
        yield (f"{_percent(row.max_utilisation_by_level.get(level, 0.0))}/"
               f"{_percent(row.mean_utilisation_by_level.get(level, 0.0))}")
    yield _number(row.demand_points)
    yield _number(row.capacity_points)
    yield str(row.overloaded_managers)
    yield f"{row.unassigned_cases} ({_number(row.unassigned_points)} pts)"
    yield str(row.moves)
    yield f"{row.contacts_scheduled}/{row.contacts_due}"
    yield _number(row.travel_hours)
    yield row.status


def print_comparison(rows: Sequence[ScenarioRow]) -> None:
    Console(highlight=False, soft_wrap=True).print(comparison_table(rows))
