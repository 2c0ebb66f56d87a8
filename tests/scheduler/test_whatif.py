"""What-if runs on tiny.yaml: rows per scenario, the remove-everyone row, and identical results from
one process, a spawn pool of two and a Dask LocalCluster of two worker processes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from export.comparison import comparison_csv, comparison_md
from models.generator import generate_organisation
from models.loader import load_config
from models.organisation import Config
from models.scenario import Scenario, ScenarioOutcome
from scheduler.whatif import ClusterUnavailable, WhatIfOptions, base_assignment, run_scenarios, scenario_row

SCENARIOS = [
    Scenario.model_validate(data) for data in (
        {"name": "Ana on leave", "description": "the senior is away",
         "changes": [{"leave": {"ids": ["m-ana"], "all_week": True}}]},
        {"name": "hire a junior south",
         "changes": [{"add_managers": {"count": 1, "level": "junior", "region": "south",
                                       "languages": ["en", "es"], "skills": ["investigations"]}}]},
        {"name": "everyone leaves", "changes": [{"remove_managers": {"filter": {}}}]},
        {"name": "double intake", "changes": [{"cases": {"factor": 2}}]},
    )
]
OPTIONS = WhatIfOptions(time_limit_s=10, seed=0)


def comparable(outcomes: list[ScenarioOutcome]) -> list[dict[str, Any]]:
    """Rows and plans without solver timings (the only thing allowed to differ between runs)."""
    return [{"row": o.row.model_dump(), "plan": o.plan.model_dump(exclude={"solver"}) if o.plan else None}
            for o in outcomes]


@pytest.fixture(scope="module")
def local_run() -> list[ScenarioOutcome]:
    return run_scenarios(load_config(Path(__file__).parents[1] / "data" / "tiny.yaml"), SCENARIOS, OPTIONS)


def test_the_base_is_the_first_row_then_the_scenarios_in_order(local_run: list[ScenarioOutcome]) -> None:
    assert [o.row.name for o in local_run] == ["base", "Ana on leave", "hire a junior south", "everyone leaves",
                                               "double intake"]
    assert [o.row.slug for o in local_run] == ["base", "ana-on-leave", "hire-a-junior-south", "everyone-leaves",
                                               "double-intake"]


def test_base_row_figures(local_run: list[ScenarioOutcome]) -> None:
    base = local_run[0].row
    assert (base.managers, base.managers_on_leave, base.cases) == (3, 0, 5)
    assert base.managers_by_level == {"junior": 2, "senior": 1}
    assert base.capacity_by_level == {"junior": 8.0, "senior": 6.0}
    assert (base.demand_points, base.capacity_points) == (9.0, 14.0)  # 3+1+2+2+1 points; 4+4+6 capacity
    assert base.contacts_due == 4  # K-1 monthly overdue, K-2 weekly, K-3 twice a week
    assert (base.unassigned_cases, base.overloaded_managers) == (0, 0)
    assert base.status in ("optimal", "feasible")


def test_leave_and_hire_rows(local_run: list[ScenarioOutcome]) -> None:
    leave, hire = local_run[1].row, local_run[2].row
    assert leave.managers_on_leave == 1
    # Capacity net of leave: Ana (senior, 6 points) is away all week.
    assert (leave.capacity_by_level, leave.capacity_points) == ({"junior": 8.0, "senior": 0.0}, 8.0)
    assert leave.max_utilisation_by_level["senior"] == 0.0  # nobody else may carry a senior's cases
    # K-1 (high) and K-2 (its household) and K-3 (investigation, Spanish) have no one left.
    assert leave.unassigned_cases == 3
    assert leave.unassigned_points == 6.0
    assert (hire.managers, hire.managers_by_level, hire.capacity_points) == (4, {"junior": 3, "senior": 1}, 18.0)


def test_removing_everyone_returns_a_row_with_every_case_unassigned(local_run: list[ScenarioOutcome]) -> None:
    outcome = local_run[3]
    row = outcome.row
    assert (row.managers, row.capacity_points, row.unassigned_cases, row.unassigned_points) == (0, 0.0, 5, 9.0)
    assert (row.moves, row.contacts_scheduled, row.contacts_due) == (0, 0, 4)
    assert outcome.plan is not None
    assert {item.rule for item in outcome.plan.unassigned} == {"no_manager_available"}


def test_moves_count_cases_that_change_manager_against_the_base(local_run: list[ScenarioOutcome]) -> None:
    base_manager = {a.case_id: a.previous_manager_id for a in local_run[0].plan.assignments}  # type: ignore[union-attr]
    for outcome in local_run:
        assert outcome.plan is not None
        expected = sum(1 for a in outcome.plan.assignments
                       if a.manager_id is not None and base_manager.get(a.case_id) not in (None, a.manager_id))
        assert outcome.row.moves == expected


def test_moves_are_counted_as_the_plan_counts_them(local_run: list[ScenarioOutcome]) -> None:
    # The base moves K-2 (Ben -> Ana, its household) and places the intake K-3: one move, one placement,
    # in the row and in the plan's summary alike. A scenario that removes nobody counts the same way.
    base = local_run[0]
    assert base.plan is not None
    assert (base.row.moves, base.plan.summary.moves, base.plan.summary.placements) == (1, 1, 1)
    for outcome in local_run[1:3]:
        assert outcome.plan is not None
        assert outcome.row.moves == outcome.plan.summary.moves


def test_double_intake_doubles_the_demand(local_run: list[ScenarioOutcome]) -> None:
    row = local_run[4].row
    assert (row.cases, row.demand_points, row.contacts_due) == (10, 18.0, 8)


def test_comparison_files_hold_one_line_per_scenario(local_run: list[ScenarioOutcome]) -> None:
    rows = [o.row for o in local_run]
    csv_lines = comparison_csv(rows).splitlines()
    assert csv_lines[0].startswith("scenario,description,status,managers,managers_on_leave,managers_junior,")
    assert [line.split(",")[0] for line in csv_lines[1:]] == [row.name for row in rows]
    markdown = comparison_md(rows)
    assert "| everyone leaves | optimal | 0 (-3) |" in markdown


def test_two_processes_give_the_same_results(tiny_config: Config, local_run: list[ScenarioOutcome]) -> None:
    pooled = run_scenarios(tiny_config, SCENARIOS, WhatIfOptions(time_limit_s=10, seed=0, jobs=2))
    assert comparable(pooled) == comparable(local_run)
    assert comparison_csv([o.row for o in pooled]) == comparison_csv([o.row for o in local_run])


def test_a_dask_local_cluster_gives_the_same_results(tiny_config: Config,
                                                     local_run: list[ScenarioOutcome]) -> None:
    distributed = pytest.importorskip("distributed", reason="the 'distributed' extra is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        seen: list[int] = []
        on_cluster = run_scenarios(tiny_config, SCENARIOS,
                                   WhatIfOptions(time_limit_s=10, seed=0, cluster=cluster.scheduler_address),
                                   on_done=lambda index, _outcome: seen.append(index))
    assert sorted(seen) == [0, 1, 2, 3, 4]
    assert comparable(on_cluster) == comparable(local_run)


def test_an_unreachable_cluster_is_a_clear_error(tiny_config: Config) -> None:
    pytest.importorskip("distributed", reason="the 'distributed' extra is not installed")
    with pytest.raises(ClusterUnavailable, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        run_scenarios(tiny_config, SCENARIOS[:1],
                      WhatIfOptions(time_limit_s=1, cluster="tcp://127.0.0.1:9", connect_timeout_s=1))


# --- the command line ------------------------------------------------------------------------------


def test_cli_writes_the_comparison_and_each_scenario_folder(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import main

    scenarios = tmp_path / "scenarios.yaml"
    scenarios.write_text("scenarios:\n  - name: everyone leaves\n    changes:\n"
                         "      - remove_managers: {filter: {}}\n", encoding="utf-8")
    out = tmp_path / "out"
    tiny = Path(__file__).parents[1] / "data" / "tiny.yaml"
    result = CliRunner().invoke(main, ["whatif", str(tiny), str(scenarios), "-o", str(out), "--jobs", "1",
                                       "--time-limit", "5", "--quiet"])
    assert result.exit_code == 0, result.output
    lines = (out / "comparison.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["base", "everyone leaves"]
    assert (out / "base" / "plan.json").is_file()
    assert (out / "everyone-leaves" / "assignments.csv").is_file()


def test_cli_refuses_a_bad_scenario_file_with_located_errors_and_exit_1(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import main

    scenarios = tmp_path / "scenarios.yaml"
    scenarios.write_text("scenarios:\n  - name: a\n    changes:\n      - leave: {ids: [m-zed], all_week: true}\n",
                         encoding="utf-8")
    tiny = Path(__file__).parents[1] / "data" / "tiny.yaml"
    result = CliRunner().invoke(main, ["whatif", str(tiny), str(scenarios), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"{scenarios}:4:" in result.output
    assert "scenarios[0].changes[0].leave.ids[0]: unknown manager 'm-zed'" in result.output
    assert not (tmp_path / "out").exists()


def test_regression_cut_scenarios_differed_between_one_process_and_a_pool() -> None:
    """Regression: on an office whose solves the time limit cuts, rows differed between one process
    and a pool of two (wall-clock limits: how far each search got depended on its CPU share; M,
    50 scenarios: 49 of 51 rows). Limits are measured in work now."""
    config = generate_organisation(60, 1500, 1).to_config()
    scenarios = [Scenario.model_validate(data) for data in (
        {"name": "intake up a fifth", "changes": [{"cases": {"factor": 1.2}}]},
        {"name": "two juniors more", "changes": [{"add_managers": {"count": 2, "level": "junior"}}]},
    )]
    options = WhatIfOptions(time_limit_s=1.5, seed=3)
    alone = run_scenarios(config, scenarios, options)
    pooled = run_scenarios(config, scenarios, replace(options, jobs=2))
    assert all(outcome.row.status == "feasible" for outcome in alone)  # every assignment was cut
    assert comparable(alone) == comparable(pooled)


def test_capacity_is_net_of_leave_days(tiny_config: Config) -> None:
    # Ben (junior, 4 points) on leave Monday and Tuesday works 3 of the week's 5 working days: 2.4 points.
    data = tiny_config.model_dump()
    data["managers"][1]["leave"] = ["2026-11-30", "2026-12-01"]
    config = Config.model_validate(data)
    row = scenario_row(Scenario(name="Ben away two days"), config, None, base_assignment(config))
    assert (row.capacity_by_level, row.capacity_points, row.managers_on_leave) == (
        {"junior": 6.4, "senior": 6.0}, 12.4, 0)
