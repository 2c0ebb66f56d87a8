"""The one result every stage returns, as PyVRP's `Result`: how the solve went, and its payload.

`assign`, `schedule`, `plan`, `rebalance` and `staffing` all return a `Result`; the CLI, the what-if
runner, the report and the bench read this one shape. The payload (`plan`) is a `models` object:
a `Plan` for the weekly stages, `Proposals` for rebalancing, a `StaffingAnswer` for staffing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Generic, TypeVar

from models.plan import SolverStats, SolveStatus

Payload = TypeVar("Payload")

# Worst first: a command that ran several stages is as good as its weakest one.
_STATUS_ORDER: tuple[SolveStatus, ...] = ("infeasible", "unknown", "not_run", "feasible", "optimal")


@dataclass(frozen=True)
class Result(Generic[Payload]):
    status: SolveStatus
    objective: float | None
    bound: float | None
    gap: float | None
    runtime_s: float
    terms: Mapping[str, float]
    notes: tuple[str, ...]
    plan: Payload | None
    message: str = ""
    stages: tuple[SolverStats, ...] = field(default=())
    """Every solve step behind this result (one for a single stage, more for plan or rebalance)."""

    @property
    def found(self) -> bool:
        return self.plan is not None

    @staticmethod
    def from_stats(stats: SolverStats, plan: Payload | None, message: str = "",
                   stages: Sequence[SolverStats] = ()) -> Result[Payload]:
        """The result of one stage, read from its solver statistics."""
        return Result(
            status=stats.status, objective=stats.objective, bound=stats.bound, gap=stats.gap,
            runtime_s=stats.runtime_s, terms=MappingProxyType(dict(stats.objective_terms)),
            notes=tuple(stats.notes), plan=plan, message=message or summary_line(stats),
            stages=tuple(stages) or (stats,),
        )

    @staticmethod
    def failed(stage: str, status: SolveStatus, message: str, runtime_s: float,
               stages: Sequence[SolverStats] = ()) -> Result[Payload]:
        """No payload: the stage found nothing (the message says why)."""
        return Result(status=status, objective=None, bound=None, gap=None, runtime_s=runtime_s,
                      terms=MappingProxyType({}), notes=(), plan=None, message=f"{stage}: {message}",
                      stages=tuple(stages))


def summary_line(stats: SolverStats) -> str:
    """`optimal: objective 12, gap 0.000%`: one stage in a line."""
    if stats.objective is None:
        return stats.status
    gap = "" if stats.gap is None else f", gap {stats.gap:.3%}"
    return f"{stats.status}: objective {stats.objective:g}{gap}"


def weakest_status(statuses: Sequence[SolveStatus]) -> SolveStatus:
    return min(statuses, key=_STATUS_ORDER.index) if statuses else "not_run"


def combined(stages: Sequence[SolverStats], plan: Payload | None, runtime_s: float) -> Result[Payload]:
    """The result of stages run one after another (balance, then schedule).

    The objective is the sum of the stages' objectives and the bound the sum of their bounds: the
    bound of the staged problem, each later stage's bound holding for what the earlier ones chose.
    Terms are named `stage.term`.
    """
    objectives = [stats.objective for stats in stages]
    bounds = [stats.bound for stats in stages]
    objective = None if any(value is None for value in objectives) else sum(v or 0.0 for v in objectives)
    bound = None if any(value is None for value in bounds) else sum(v or 0.0 for v in bounds)
    gap = None if objective is None or bound is None else (objective - bound) / max(1.0, abs(objective))
    terms = {f"{stats.stage}.{name}": value for stats in stages for name, value in stats.objective_terms.items()}
    notes = tuple(f"{stats.stage}: {note}" for stats in stages for note in stats.notes)
    status = weakest_status([stats.status for stats in stages])
    message = "; ".join(f"{stats.stage} {summary_line(stats)}" for stats in stages)
    return Result(status=status, objective=objective, bound=bound, gap=None if gap is None else max(0.0, gap),
                  runtime_s=runtime_s, terms=MappingProxyType(terms), notes=notes, plan=plan, message=message,
                  stages=tuple(stages))
