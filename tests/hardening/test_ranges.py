"""Ranges that hold through the solver (models/limits.py): every number a config, a scenario file, a plan
or the command line carries is checked where it is read, so a value that used to validate and then
crash the engine ends in a located message (exit 1) or a usage error (exit 2), never a traceback; and
the extremes the ranges allow plan, pass the checker and exit 0.

Each value below is one the issue "Nothing lost, nothing overwritten, no traceback" (or a look-alike)
found crashing, with what it did before in a comment.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import scheduler.whatif
from cli import main
from models import limits
from models.check import check_plan
from models.loader import load_config, load_plan
from models.policy import ScheduleWeights, Weights
from models.scenario_loader import load_scenarios
from scheduler.whatif import FAILED, WhatIfOptions, run_scenarios
from tests.hardening.helpers import DATA, LOCATED_LINE

TINY = DATA / "tiny.yaml"
TEXT = TINY.read_text(encoding="utf-8")
FAST = ["--workers", "1", "--time-limit", "3", "--quiet"]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def variant(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TEXT, old
    path = tmp_path / "variant.yaml"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return path


WEIGHTS = "weights: {unassigned: 1000, overload: 100, balance: 10, moves: 3, region: 1}"
POLICY_END = "  weights: {unassigned"


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    # TypeError in the solver (an integer past 64 bits)
    ("max_cases: 3,", "max_cases: 99999999999999999999999,", "policy.levels[0].max_cases",
     "less than or equal to 10000"),
    # ZeroDivisionError: capacity x fte scaled to 0 points
    ("level: junior, region: north}", "level: junior, region: north, fte: 0.001}", "managers[1].fte",
     "greater than or equal to 0.05"),
    ("capacity_points: 4,", "capacity_points: 0.0001,", "policy.levels[0].capacity_points",
     "greater than or equal to 1"),
    # OverflowError: infinity once scaled
    ("{id: K-4, client: c-4,", "{id: K-4, points: 1e308, client: c-4,", "cases[3].points",
     "less than or equal to 1000"),
    ("{name: high, points: 3}", "{name: high, points: 1e308}", "policy.complexities[2].points",
     "less than or equal to 1000"),
    ("foster-care: {factor: 1.0}", "foster-care: {factor: 1e300}", "policy.case_types.foster-care.factor",
     "less than or equal to 10"),
    ("capacity_points: 4,", "capacity_points: 1e300,", "policy.levels[0].capacity_points",
     "less than or equal to 10000"),
    # RuntimeError: a coefficient CP-SAT cannot hold
    (WEIGHTS, WEIGHTS.replace("1000,", "1e300,"), "policy.weights.unassigned", "less than or equal to 1000000"),
    (POLICY_END, "  scheduling: {weights: {travel: 1e300}}\n" + POLICY_END, "policy.scheduling.weights.travel",
     "less than or equal to 1000000"),
    (POLICY_END, "  scheduling: {travel_speed_kmh: 1e-300}\n" + POLICY_END, "policy.scheduling.travel_speed_kmh",
     "greater than or equal to 1"),
    # TypeError: CP-SAT's seed is 32 bits
    (POLICY_END, "  solver: {seed: 2147483648}\n" + POLICY_END, "policy.solver.seed",
     "less than or equal to 2147483647"),
    (POLICY_END, "  solver: {time_limit_s: 1e300}\n" + POLICY_END, "policy.solver.time_limit_s",
     "less than or equal to 604800"),
    # OverflowError in validate: the week's end past the year 9999
    ("week_start: 2026-11-30", "week_start: 9999-12-27", "week_start", "outside the years 2000 to 2100"),
    ("holidays: []", "holidays: [9999-12-31]", "holidays[0]", "outside the years 1900 to 2100"),
    ("last: 2026-11-02", "last: 0001-01-01", "cases[0].contacts[0].last", "outside the years 1900 to 2100"),
    # Not a crash, but a minute count no day holds
    ("{mode: phone, minutes: 15,", "{mode: phone, minutes: 99999999999999,", "cases[1].contacts[0].minutes",
     "less than or equal to 10080"),
    # NaN and infinity (YAML .nan / .inf)
    ("{name: low, points: 1}", "{name: low, points: .nan}", "policy.complexities[0].points", "finite number"),
    ("{name: low, points: 1}", "{name: low, points: .inf}", "policy.complexities[0].points", "finite number"),
])
def test_a_value_beyond_its_range_is_a_located_problem(tmp_path: Path, old: str, new: str, field: str,
                                                       message: str) -> None:
    path = variant(tmp_path, old, new)
    result = run("validate", str(path))
    assert_no_traceback(result)
    assert result.exit_code == 1, result.output
    first = result.output.splitlines()[0]
    assert LOCATED_LINE.match(first) and first.startswith(f"{path}:"), first
    assert f" {field}: " in first and message in first, first


@pytest.mark.parametrize(("args", "message"), [
    (["--time-limit", "inf"], "'inf' is not a finite number"),  # was: OverflowError
    (["--time-limit", "nan"], "'nan' is not a finite number"),  # was: accepted, ran 0.1 s
    (["--time-limit", "1e309"], "'1e309' is not a finite number"),
    (["--time-limit", "0"], "is not in the range 0.1<=x<=604800"),
    (["--seed", "2147483648"], "is not in the range 0<=x<=2147483647"),  # was: TypeError in CP-SAT
    (["--seed", "-1"], "is not in the range 0<=x<=2147483647"),
    (["--workers", "65"], "is not in the range 1<=x<=64"),
])
def test_a_command_line_number_beyond_its_range_is_a_usage_error(tmp_path: Path, args: list[str],
                                                                  message: str) -> None:
    result = run("plan", str(TINY), "-o", str(tmp_path / "out"), *args)
    assert_no_traceback(result)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["staffing", str(TINY), "--target-utilisation", "nan"], "'nan' is not a finite number"),  # was: accepted
    (["staffing", str(TINY), "--target-utilisation", "inf"], "'inf' is not a finite number"),
    (["rebalance", str(TINY), "-o", "OUT", "--target-utilisation", "nan"], "'nan' is not a finite number"),
    (["rebalance", str(TINY), "-o", "OUT", "--max-moves", "10000000000000000000000"], "is not in the range"),
    (["generate", "--managers", "99999999999", "--cases", "1", "-o", "OUT"],  # was: no bound at all
     "is not in the range 1<=x<=20000"),
    (["generate", "--managers", "1", "--cases", "500001", "-o", "OUT"], "is not in the range 0<=x<=500000"),
    (["generate", "--managers", "1", "--cases", "1", "--messy", "nan", "-o", "OUT"], "'nan' is not a finite number"),
    (["whatif", str(TINY), str(DATA.parent.parent / "configs" / "scenarios" / "child-welfare.yaml"), "-o", "OUT",
      "--cluster", "not a url"], "'not a url' is not a scheduler address"),  # was: ValueError from Dask, exit 4
    (["whatif", str(TINY), str(DATA.parent.parent / "configs" / "scenarios" / "child-welfare.yaml"), "-o", "OUT",
      "--cluster", "tcp://host:99999"], "is not a scheduler address"),
])
def test_other_command_line_values_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(*[str(tmp_path / "out") if arg == "OUT" else arg for arg in args])
    assert_no_traceback(result)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_a_plan_json_holding_a_5001_digit_number_is_a_located_problem(tmp_path: Path) -> None:
    # Was: ValueError (Python converts integers of at most 4,300 digits), exit 4.
    out = tmp_path / "out"
    assert run("assign", str(TINY), "-o", str(out), *FAST).exit_code == 0
    text = (out / "plan.json").read_text(encoding="utf-8")
    forged = tmp_path / "plan.json"
    forged.write_text(re.sub(r'"seed": \d+', '"seed": ' + "9" * 5001, text, count=1), encoding="utf-8")
    result = run("check", str(TINY), str(forged))
    assert_no_traceback(result)
    assert result.exit_code == 1, result.output
    assert re.match(rf"{re.escape(str(forged))}:\d+:\d+: a number of 5,001 digits is too long", result.output)


def test_the_extremes_the_ranges_allow_plan_and_pass_the_checker(tmp_path: Path) -> None:
    """Every bound at once, at its end: the solver's integers still fit, the plan is sound."""
    text = TEXT
    for old, new in [
        ("{name: junior, capacity_points: 4, max_cases: 3,",
         "{name: junior, capacity_points: 10000, max_cases: 10000,"),
        ("{name: senior, capacity_points: 6, max_cases: 4,", "{name: senior, capacity_points: 1, max_cases: 1,"),
        ("{name: low, points: 1}", "{name: low, points: 0.01}"),
        ("{name: high, points: 3}", "{name: high, points: 1000}"),
        ("foster-care: {factor: 1.0}", "foster-care: {factor: 10}"),
        ("investigation: {factor: 1.0,", "investigation: {factor: 0.01,"),
        (WEIGHTS, "weights: {unassigned: 1000000, overload: 1000000, balance: 1000000, moves: 1000000, "
                  "region: 1000000}\n  scheduling: {travel_speed_kmh: 1, max_contacts_per_day: 1440, weights: "
                  "{early: 1000000, balance: 1000000, travel: 1000000}, day: {start: '00:00', end: '23:59'}, "
                  "lunch: null}\n  solver: {seed: 2147483647, time_limit_s: 604800}"),
        ("level: junior, region: north}", "level: junior, region: north, fte: 0.05}"),
        ("{mode: phone, minutes: 15, frequency: weekly}", "{mode: phone, minutes: 1439, frequency: 7/week}"),
        ("{id: K-4, client: c-4,", "{id: K-4, points: 1000, client: c-4,"),
        ("week_start: 2026-11-30", "week_start: 2100-12-27"),
        ("last: 2026-11-02", "last: 2100-11-01"),
    ]:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "extreme.yaml"
    path.write_text(text, encoding="utf-8")
    for command in (["plan", "--seed", "2147483647"], ["rebalance"], ["assign"]):
        out = tmp_path / command[0]
        result = run(command[0], str(path), "-o", str(out), *FAST, *command[1:])
        assert_no_traceback(result)
        assert result.exit_code == 0, result.output
        assert check_plan(load_config(path), load_plan(out / "plan.json")) == []
    staffed = run("staffing", str(path), "--target-utilisation", "2", *FAST)
    assert_no_traceback(staffed)
    assert staffed.exit_code == 0, staffed.output


def test_a_scenario_fte_beyond_the_range_is_located_and_nothing_runs(tmp_path: Path) -> None:
    # Was: ZeroDivisionError inside the scenario, and every other scenario's result lost.
    scenarios = tmp_path / "scenarios.yaml"
    scenarios.write_text("scenarios:\n  - name: fine\n    changes:\n      - fte: {ids: [m-ben], fte: 0.5}\n"
                         "  - name: tiny fte\n    changes:\n      - fte: {ids: [m-ben], fte: 0.0001}\n"
                         "  - name: weights\n    changes:\n"
                         "      - policy: {overrides: {weights.unassigned: 1e300}}\n", encoding="utf-8")
    result = run("whatif", str(TINY), str(scenarios), "-o", str(tmp_path / "out"), *FAST)
    assert_no_traceback(result)
    assert result.exit_code == 1, result.output
    assert f"{scenarios}:7:" in result.output and "fte.fte: Input should be greater than or equal to 0.05" \
        in result.output


def test_a_scenario_that_fails_while_planning_is_its_own_row_the_others_stand(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = scheduler.whatif._plan

    def failing_for_half_time(config, options):  # type: ignore[no-untyped-def]
        if any(manager.fte == 0.5 for manager in config.managers):
            raise ZeroDivisionError("integer division or modulo by zero")
        return real(config, options)

    monkeypatch.setattr(scheduler.whatif, "_plan", failing_for_half_time)
    scenarios = tmp_path / "scenarios.yaml"
    scenarios.write_text("scenarios:\n  - name: half time\n    changes:\n      - fte: {ids: [m-ben], fte: 0.5}\n"
                         "  - name: hire\n    changes:\n      - add_managers: {count: 1, level: junior}\n",
                         encoding="utf-8")
    config = load_config(TINY)
    outcomes = run_scenarios(config, load_scenarios(scenarios, config).scenarios,
                             WhatIfOptions(time_limit_s=3, jobs=1))
    assert [(outcome.row.name, outcome.row.status, outcome.plan is None) for outcome in outcomes] == [
        ("base", "optimal", False), ("half time", FAILED, True), ("hire", "optimal", False)]
    result = run("whatif", str(TINY), str(scenarios), "-o", str(tmp_path / "out"), "--jobs", "1", *FAST)
    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    rows = (tmp_path / "out" / "comparison.csv").read_text(encoding="utf-8").splitlines()
    assert [row.split(",")[2] for row in rows[1:]] == ["optimal", FAILED, "optimal"]


def test_the_ranges_are_chosen_against_the_engines_scaling() -> None:
    from scheduler.assign.data import POINT_SCALE
    from scheduler.assign.model import OBJECTIVE_SCALE

    assert (limits.POINT_UNITS, limits.OBJECTIVE_UNITS) == (POINT_SCALE, OBJECTIVE_SCALE)
    # The smallest capacity a manager can have is still a whole number of point units.
    assert limits.MIN_CAPACITY_POINTS * limits.MIN_FTE * limits.POINT_UNITS >= 1
    assert limits.MIN_POINTS * limits.POINT_UNITS >= 1
    # A weight's largest coefficient, per point unit, leaves 64-bit room for a state agency's demand.
    assert limits.MAX_WEIGHT * limits.OBJECTIVE_UNITS * limits.MAX_POINTS < 2**63 // 10**4


@pytest.mark.parametrize("model", [Weights, ScheduleWeights])
def test_every_weight_has_the_documented_upper_bound(model: type[Weights | ScheduleWeights]) -> None:
    too_big = {name: limits.MAX_WEIGHT * 10 for name in model.model_fields}
    for name in model.model_fields:
        with pytest.raises(ValueError):
            if model is Weights:
                from models.policy import Policy
                Policy.model_validate({"levels": [{"name": "a", "capacity_points": 1, "max_cases": 1,
                                                   "max_complexity": "c"}],
                                       "complexities": [{"name": "c", "points": 1}],
                                       "weights": {name: too_big[name]}})
            else:
                model.model_validate({name: too_big[name]})


@pytest.mark.parametrize(("old", "new", "expected"), [
    # Issue 21, minor: YAML reads `true` as a boolean, which pydantic took for 1.0.
    ("name: Ben Okafor, level: junior,", "name: Ben Okafor, level: junior, fte: true,",
     "managers[1].fte: expected a number, but got true; write the number itself"),
    # Issue 21, finding 10: a 300-character id passed validate; plan then failed writing its calendar
    # (ENAMETOOLONG, exit 4).
    ("id: m-ben,", f"id: m-{'b' * 298},", "managers[1].id: is 300 characters long; an id is at most 100"),
])
def test_a_value_plan_would_trip_on_is_refused_by_validate(tmp_path: Path, old: str, new: str,
                                                           expected: str) -> None:
    config = variant(tmp_path, old, new)
    for command in (["validate", str(config)], ["plan", str(config), "-o", str(tmp_path / "out")]):
        result = run(*command)
        assert_no_traceback(result)
        assert result.exit_code == 1, result.output
        assert expected in result.output
    assert not (tmp_path / "out").exists()
