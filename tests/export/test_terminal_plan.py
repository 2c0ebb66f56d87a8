"""The plan summary on the terminal: per-manager contact counts."""

from __future__ import annotations

from models.organisation import Config
from scheduler.core.options import SolveOptions
from scheduler.pipeline import schedule_current_assignment


def test_plan_summary_lists_contacts_per_manager(tiny_config: Config, capsys) -> None:  # type: ignore[no-untyped-def]
    from export.terminal import print_plan_summary

    plan = schedule_current_assignment(tiny_config, SolveOptions(time_limit_s=10, workers=1, seed=0)).plan
    print_plan_summary(plan)
    output = capsys.readouterr().out
    assert "Contacts by manager" in output
    # Ana (K-1, a monthly visit) and Ben (K-2, a weekly call) each have one contact; Cy none due.
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in output.splitlines()]
    rows = {row[0]: row[4:6] for row in cells if row and row[0].startswith("m-")}
    assert rows == {"m-ana": ["1", "0"], "m-ben": ["1", "0"]}
    # The week's hours: Ana's visit (60 min) of 2,040 available minutes is 3 %.
    assert [row[3] for row in cells if row and row[0] == "m-ana"] == ["3%"]


def test_the_summary_gives_the_months_visits_in_one_line(capsys) -> None:  # type: ignore[no-untyped-def]
    """tests/data/month_end.yaml (figures in tests/scheduler/core/test_compliance.py)."""
    from export.terminal import print_plan_summary
    from models.loader import load_config
    from tests.conftest import DATA

    config = load_config(DATA / "month_end.yaml")
    plan = schedule_current_assignment(config, SolveOptions(time_limit_s=5, workers=1, seed=0)).plan
    print_plan_summary(plan)
    lines = " ".join(capsys.readouterr().out.split())  # the terminal wraps long lines
    assert ("monthly visits 2026-11 (due by 2026-11-30): 6 case(s); 3 visited, 2 planned this week, 0 to come, 1 at "
            "risk; 83% in residence (target 50%)") in lines
