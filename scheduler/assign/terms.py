"""The assignment objective's terms, named once, most important first.

    objective = sum over TERMS of  weight (policy.weights.<name>)  x  the term's raw quantity

The model (`model.AssignmentModel.term`), the scorer (`score.score_assignment`), the stage's own
evaluation of counts (`solve.evaluate`), the local search (`search`, through `Coefficients`) and the
benchmark (bench/assign.py) all read this list; each holds only its own arithmetic per named term.
A term whose weight is 0 (after the model's rounding to integer coefficients) is not added to the
model at all (`model.AssignmentModel.term`); the scorer still reports it, at 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from models.policy import Weights

__all__ = ["TERMS", "TERM_NAMES", "Term", "term_weights"]


@dataclass(frozen=True)
class Term:
    """One named objective term: where its weight comes from and what one unit of it is."""

    name: str
    weight_of: Callable[[Weights], float]
    meaning: str

    def weight(self, weights: Weights) -> float:
        return self.weight_of(weights)


TERMS: tuple[Term, ...] = (
    Term("unassigned", lambda weights: weights.unassigned,
         "points of open cases left without a manager"),
    Term("overload", lambda weights: weights.overload,
         "points over capacity plus cases over max_cases, summed over managers"),
    Term("balance", lambda weights: weights.balance,
         "peak utilisation of every level plus the overall peak, in whole percentage points rounded up"),
    Term("moves", lambda weights: weights.moves,
         "cases that had a manager and now have another one or none (continuity)"),
    Term("region", lambda weights: weights.region,
         "assigned cases whose client and manager both have a region, and differ"),
    Term("preference", lambda weights: weights.preference,
         "assigned cases away from their client's preferred manager while that manager may carry them"),
    Term("overtime", lambda weights: weights.overtime,
         "hours of due contacts and estimated travel beyond the hours a manager's week holds, summed over managers"),
)

TERM_NAMES: tuple[str, ...] = tuple(term.name for term in TERMS)


def term_weights(weights: Weights) -> dict[str, float]:
    """name -> the policy's weight of that term, in priority order."""
    return {term.name: term.weight(weights) for term in TERMS}
