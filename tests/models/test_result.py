"""The one result contract (models/result.py): one stage, a failure, and stages run one after another."""

from __future__ import annotations

import pytest

from models.plan import SolverStats
from models.result import Result, combined, summary_line, weakest_status


def _stats(stage: str, status: str = "optimal", objective: float | None = 10.0, bound: float | None = 10.0,
           gap: float | None = 0.0, **extra: object) -> SolverStats:
    return SolverStats.model_validate({"stage": stage, "status": status, "objective": objective, "bound": bound,
                                       "gap": gap, **extra})


def test_one_stage_is_read_from_its_statistics() -> None:
    stats = _stats("assignment", "feasible", 12.5, 10.0, 0.2, runtime_s=1.5, objective_terms={"moves": 3.0},
                   notes=["a note"])
    result: Result[str] = Result.from_stats(stats, "the plan")
    assert (result.status, result.objective, result.bound, result.gap, result.runtime_s) == \
        ("feasible", 12.5, 10.0, 0.2, 1.5)
    assert dict(result.terms) == {"moves": 3.0} and result.notes == ("a note",)
    assert result.found and result.plan == "the plan"
    assert result.message == "feasible: objective 12.5, gap 20.000%"
    assert result.stages == (stats,)


def test_a_failed_stage_has_no_payload_and_says_why() -> None:
    result: Result[str] = Result.failed("rebalance", "unknown", "no assignment was found", 2.0)
    assert not result.found
    assert (result.status, result.objective, result.bound, result.message) == \
        ("unknown", None, None, "rebalance: no assignment was found")


@pytest.mark.parametrize(("stats", "line"), [
    (_stats("a", "optimal", 12.0, 12.0, 0.0), "optimal: objective 12, gap 0.000%"),
    (_stats("a", "feasible", 3.5, None, None), "feasible: objective 3.5"),  # no bound, no gap
    (_stats("a", "not_run", None, None, None), "not_run"),
])
def test_summary_line(stats: SolverStats, line: str) -> None:
    assert summary_line(stats) == line


def test_the_weakest_status_wins() -> None:
    assert weakest_status(["optimal", "feasible"]) == "feasible"
    assert weakest_status(["optimal", "unknown", "feasible"]) == "unknown"
    assert weakest_status(["optimal"]) == "optimal"
    assert weakest_status([]) == "not_run"


def test_stages_in_a_row_add_objectives_and_bounds() -> None:
    first = _stats("assignment", "optimal", 100.0, 100.0, 0.0, objective_terms={"moves": 2.0}, notes=["n1"])
    second = _stats("schedule", "feasible", 50.0, 40.0, 0.2, objective_terms={"travel": 30.0})
    result: Result[str] = combined([first, second], "plan", 3.0)
    assert (result.status, result.objective, result.bound) == ("feasible", 150.0, 140.0)
    assert result.gap == pytest.approx(10 / 150)
    assert dict(result.terms) == {"assignment.moves": 2.0, "schedule.travel": 30.0}
    assert result.notes == ("assignment: n1",)
    assert result.message == ("assignment optimal: objective 100, gap 0.000%; "
                              "schedule feasible: objective 50, gap 20.000%")


def test_a_stage_without_a_bound_leaves_the_whole_without_one() -> None:
    result: Result[str] = combined([_stats("a"), _stats("b", "feasible", 5.0, None, None)], None, 0.0)
    assert (result.objective, result.bound, result.gap) == (15.0, None, None)
