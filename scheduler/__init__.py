"""The engine: solver models built from `models` objects, results back as `models` objects.

Every entry point returns a `models.result.Result` (status, objective, bound, gap, runtime, the
objective's named terms, notes, and the payload). Layers, each importing only those below it:

    whatif                      what-if scenarios side by side (plans each one with plan_week)
    pipeline, staffing          the weekly job (balance, then schedule); hires for a target
    rebalance                   the fewest moves that relieve overloaded managers
    assign, schedule            balancing caseloads; weekly contact schedules
    core                        clock, options, CP-SAT helpers, eligibility, travel, plan building
"""

from scheduler.assign import assign_cases
from scheduler.core.options import SolveOptions
from scheduler.pipeline import plan_week, schedule_current_assignment
from scheduler.rebalance import rebalance, refused_moves
from scheduler.schedule import schedule_contacts
from scheduler.staffing import plan_staffing
from scheduler.whatif import WhatIfOptions, run_scenarios

__all__ = [
    "SolveOptions",
    "WhatIfOptions",
    "assign_cases",
    "plan_staffing",
    "plan_week",
    "rebalance",
    "refused_moves",
    "run_scenarios",
    "schedule_contacts",
    "schedule_current_assignment",
]
