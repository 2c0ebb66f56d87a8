"""Which rule explains a decision, decided once for every stage; the words come from models/reasons.py.

Balancing (scheduler/assign/convert.py) and rebalancing (scheduler/rebalance/solve.py) both explain each
moved case by the first rule that applies: new intake, the current manager may no longer carry it, the
household is brought together, the current manager is over capacity, the case goes to its client's
preferred manager, else balance.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.plan import ManagerLoad
from models.reasons import reason_text
from scheduler.core.eligibility import Exclusion


@dataclass(frozen=True)
class Reason:
    """A plan entry's rule code and its human reason (`build_plan` takes them per case)."""

    rule: str
    reason: str


def move_rule(source: ManagerLoad | None, refusal: Exclusion | None, *, household: bool,
              level_apart: bool = False, preferred: bool = False) -> str:
    """The rule code of a move away from `source` (the current manager's load before; None: new intake).

    `refusal`: why the current manager may no longer carry the case; `household`: the move brings the
    household together; `level_apart`: name a level refusal `level_mismatch` (balancing does, rebalancing
    calls every refusal `not_eligible`); `preferred`: the case goes to its client's preferred manager.
    """
    if source is None:
        return "new_intake"
    if refusal is not None:
        return "level_mismatch" if level_apart and refusal.rule == "level" else "not_eligible"
    if household:
        return "household_reunited"
    if source.overloaded:
        return "over_capacity"
    if preferred:
        return "preferred_manager"
    return "balance"


def exclusion_reason(exclusion: Exclusion) -> Reason:
    """An eligibility exclusion (why nobody may carry a case) as the plan's unassigned reason."""
    return Reason(exclusion.rule, exclusion.reason)


def default_reason(code: str) -> Reason:
    """A rule in its general wording, for a stage that knows nothing more (`reason_text` without data)."""
    return Reason(code, reason_text(code))
