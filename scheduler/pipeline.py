"""The weekly job as documented Python calls: balance then schedule, or schedule as things stand."""

from __future__ import annotations

import time
from dataclasses import replace

from models.organisation import Config
from models.plan import Plan
from models.result import Result, combined
from scheduler.assign import assign_cases
from scheduler.core.budget import SHARES
from scheduler.core.options import SolveOptions
from scheduler.core.planbuild import build_plan, current_assignment
from scheduler.schedule import schedule_contacts

# The assignment stage's share of the command's time (scheduler/core/budget.py); the schedule gets the rest.
ASSIGNMENT_SHARE = SHARES["plan"]["assign"]


def plan_week(config: Config, options: SolveOptions) -> Result[Plan]:
    """Balance caseloads, then schedule every manager's week (no plan when no assignment was found)."""
    started = time.perf_counter()
    assign_options = replace(options, time_limit_s=options.time_limit_s * ASSIGNMENT_SHARE)
    balanced = assign_cases(config, assign_options)
    if balanced.plan is None:
        return balanced
    remaining = options.time_limit_s - (time.perf_counter() - started)
    if options.deterministic:
        # A fixed share: what the wall clock left over must not decide a repeatable run.
        remaining = options.time_limit_s * (1 - ASSIGNMENT_SHARE)
    schedule_options = replace(options, time_limit_s=max(remaining, options.time_limit_s * 0.1))
    scheduled = schedule_contacts(config, balanced.plan, schedule_options)
    return combined([*balanced.stages, *scheduled.stages], scheduled.plan, time.perf_counter() - started)


def schedule_current_assignment(config: Config, options: SolveOptions) -> Result[Plan]:
    """Schedule the week for the assignment in the config, without rebalancing."""
    plan = build_plan(config, current_assignment(config))
    return schedule_contacts(config, plan, options)
