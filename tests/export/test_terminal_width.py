"""Terminal output folds to 80 columns off a terminal (a pipe, a file, a CI log): no printed line of a
summary, a what-if comparison or a staffing answer is wider, however many levels or long the names."""

from __future__ import annotations

import pytest

from export.comparison import print_comparison, print_staffing
from export.terminal import PLAIN_WIDTH, print_config_summary, print_plan_summary
from models.generator import generate_organisation
from models.scenario import ScenarioRow
from scheduler.core.options import SolveOptions
from scheduler.pipeline import plan_week
from scheduler.staffing import plan_staffing


def widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def scenario_row(name: str, levels: list[str]) -> ScenarioRow:
    return ScenarioRow(
        name=name, slug=name.replace(" ", "-"), description="", status="feasible", managers=1234,
        managers_on_leave=12, managers_by_level=dict.fromkeys(levels, 411),
        capacity_by_level=dict.fromkeys(levels, 20_551.5), demand_points=61_234.25, capacity_points=61_654.5,
        max_utilisation_by_level=dict.fromkeys(levels, 1.2345), mean_utilisation_by_level=dict.fromkeys(levels, 0.9),
        max_utilisation=1.2345, overloaded_managers=321, cases=25_000, unassigned_cases=1_234,
        unassigned_points=3_456.5, moves=2_345, contacts_due=30_016, contacts_scheduled=29_876, travel_hours=12_345.25)


def test_the_what_if_table_fits_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    levels = ["trainee", "junior", "standard", "senior", "principal"]
    rows = [scenario_row("base", levels), scenario_row("two seniors on leave and intake up ten percent", levels),
            scenario_row("a-scenario-name-without-any-space-in-it-at-all-that-is-long", levels)]
    print_comparison(rows)
    out = capsys.readouterr().out
    assert widest(out) <= PLAIN_WIDTH, out
    assert "…" not in out  # folded, never cut
    assert "principal max" in out and "29876/30016" in out and "(1-3 of 3)" not in out


def test_the_summaries_and_the_staffing_answer_fit_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    config = generate_organisation(40, 300, 3).to_config()
    print_config_summary(config)
    result = plan_week(config, SolveOptions(time_limit_s=3, workers=1, seed=1))
    assert result.plan is not None
    print_plan_summary(result.plan)
    staffing = plan_staffing(config, 0.7, SolveOptions(time_limit_s=3, workers=1, seed=1), by_region=True)
    print_staffing(staffing)
    out = capsys.readouterr().out
    assert "…" not in out
    assert widest(out) <= PLAIN_WIDTH, "\n".join(line for line in out.splitlines() if len(line) > PLAIN_WIDTH)
