"""One time budget per command: `--time-limit` is the whole command's, split here and nowhere else.

A `Budget` holds the command's limit, the clock it is measured on (work by default, so a limited run
repeats on a busy machine; the wall clock with `--wall-clock`) and the command's shares. Every stage
and sub-step asks the budget for its seconds: its planned share, never more than what is left. The
shares below are the one place where a command's time is divided.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType

from ortools.sat.python import cp_model

from scheduler.core.clock import Clock, clock_for
from scheduler.core.options import SolveOptions

# Each command's sub-steps and their share of its limit. A step's share is what it may plan for;
# what a step leaves unused is there for the steps after it.
SHARES: Mapping[str, Mapping[str, float]] = MappingProxyType({
    # balance, then schedule: the schedule usually finishes inside its share, a large assignment
    # uses all of its. (40/40/20, for more feedback rounds, placed less on M: the schedule's own
    # time matters more; bench/RESULTS.md, issue 18.)
    "plan": MappingProxyType({"assign": 0.45, "schedule": 0.45, "feedback": 0.10}),
    # assign: the balancing pass (best weighted objective), then the stability pass (the fewest moves
    # within the balance tolerance of it), which starts from the balancing plan and usually ends early.
    "assign": MappingProxyType({"balance": 0.85, "stability": 0.15}),
    # rebalance: the proposal first (placement of intake, the best peak, a full re-balance as one more
    # warm start, the fewest moves, the continuity tie-break), then the trade-off curve.
    "rebalance": MappingProxyType({"placement": 0.08, "best": 0.10, "assignment_start": 0.12, "proposal": 0.25,
                                   "tie_break": 0.05, "curve": 0.40}),
    # staffing: the pool relaxation (the bound), the exact hires, then the slack (who could be freed).
    "staffing": MappingProxyType({"pool": 0.45, "exact": 0.35, "slack": 0.20}),
})
# The shortest limit a solve is given: below it CP-SAT returns nothing useful.
MIN_STEP_S = 0.05


class Budget:
    """A command's time: its limit on one clock, handed out to its steps by name."""

    def __init__(self, command: str, options: SolveOptions, *, without: tuple[str, ...] = ()) -> None:
        self.options = options
        self.clock: Clock = clock_for(options)
        self.limit_s = options.time_limit_s
        shares = {name: share for name, share in SHARES[command].items() if name not in without}
        # Steps left out (e.g. the curve when not asked for) give their share to the others.
        total = sum(shares.values())
        self._shares = {name: share / total for name, share in shares.items()}
        self._end = self.clock.now() + self.clock.budget(self.limit_s)

    def remaining(self) -> float:
        return max(0.0, self._end - self.clock.now())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def share(self, step: str) -> float:
        """The seconds `step` may plan for: its share of the limit."""
        return self.clock.budget(self.limit_s) * self._shares[step]

    def seconds(self, step: str, parts: int = 1) -> float:
        """Seconds for one of `parts` solves of `step`: its share split, never more than what is left."""
        return max(MIN_STEP_S, min(self.share(step) / parts, self.remaining()))

    def options_for(self, step: str, parts: int = 1) -> SolveOptions:
        """The command's options with the time limit of (one part of) `step`."""
        return replace(self.options, time_limit_s=self.seconds(step, parts))

    def charge(self, solver: cp_model.CpSolver) -> None:
        """Account for a CP-SAT solve made with this budget's clock."""
        self.clock.charge_cp_sat(solver)
