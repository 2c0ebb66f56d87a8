"""The weekly job as documented Python calls: balance then schedule, or schedule as things stand.

`plan_week` balances caseloads, schedules every manager's week, then feeds back what the schedule
could not place, round after round (docs/algorithms/schedule.md): every week that left contacts out
for want of room is cut to the minutes it held and balancing is solved again from the plan; where that
changes nothing, a case whose contacts found no slot moves, household and all, to an eligible manager
with room whose own week held everything. Only the weeks that changed are scheduled again; a round is
kept only when it places more of the cases' own contacts, and the loop stops when a round changes or
places nothing, or its share of the time is spent. Each round is reported (stage `schedule-feedback`).
What stays unplaced keeps its true reason.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

from models.organisation import Case, Config, Manager
from models.plan import ManagerLoad, Plan, SolverStats
from models.reasons import reason_text
from models.result import Result, combined
from scheduler.assign import assign_cases
from scheduler.core.budget import SHARES
from scheduler.core.clock import BACKSTOP_NOTE, WALL_CLOCK_WEEKS_NOTE
from scheduler.core.compliance import with_compliance
from scheduler.core.eligibility import Eligibility
from scheduler.core.options import SolveOptions
from scheduler.core.planbuild import build_plan, current_assignment, new_cases
from scheduler.core.reasons import Reason, default_reason
from scheduler.core.week_time import WeekTime
from scheduler.schedule import schedule_contacts

# The stages' shares of the command's time (scheduler/core/budget.py).
ASSIGNMENT_SHARE = SHARES["plan"]["assign"]
SCHEDULE_SHARE = SHARES["plan"]["schedule"]
FEEDBACK_SHARE = SHARES["plan"]["feedback"]
# Unscheduled contacts another manager's week may hold (not: a case without a manager, a manager
# with no working day, or the solver's time running out).
RELIEVABLE = frozenset({"day_capacity_full", "no_common_availability"})
# The most rounds of the schedule feedback; it stops earlier when a round moves nothing or places
# nothing more (most organisations settle in 2-4), or when its share of the time is spent.
FEEDBACK_ROUNDS = 8
# The share of the time left to the feedback that a round's balancing (solved again with the cuts) may use.
REBALANCE_SHARE = 0.4
# Balancing is solved again only with at least this many seconds per case left to the feedback (its data,
# warm start and plan take about 1 s at M, 2,500 cases, before any search): at M that is 5 s, more than
# the 3 s the default 30 s limit leaves, where relief rounds run instead.
REBALANCE_SECONDS_PER_CASE = 0.002
# A round is not started with less time than this left (seconds of the command's limit).
MIN_ROUND_SECONDS = 0.05
# A feedback round whose balancing or schedule the wall clock cut (their own notes are not kept in the plan).
ROUND_CUT_NOTE = ("the wall clock, not the work limit, cut this round's balancing or schedule (a busy or slow "
                  "machine): a rerun may give another plan")
# Cases a round considers (in id order): the search for a receiving week is per case and per manager,
# so a state agency's thousands of misses would outlast the round's share of the time.
MAX_RELIEF_CASES = 200


def plan_week(config: Config, options: SolveOptions) -> Result[Plan]:
    """Balance caseloads, schedule every manager's week, and relieve weeks the schedule could not hold
    (no plan when no assignment was found)."""
    started = time.perf_counter()
    assign_options = replace(options, time_limit_s=options.time_limit_s * ASSIGNMENT_SHARE)
    balanced = assign_cases(config, assign_options)
    if balanced.plan is None:
        return balanced
    remaining = options.time_limit_s * (1 - ASSIGNMENT_SHARE - FEEDBACK_SHARE) - (time.perf_counter() - started)
    if options.deterministic:
        # A fixed share: what the wall clock left over must not decide a repeatable run.
        remaining = options.time_limit_s * SCHEDULE_SHARE
    schedule_options = replace(options, time_limit_s=max(min(remaining, options.time_limit_s * SCHEDULE_SHARE),
                                                         options.time_limit_s * 0.1))
    scheduled = schedule_contacts(config, balanced.plan, schedule_options)
    stages = [*balanced.stages, *scheduled.stages]
    plan = scheduled.plan
    assert plan is not None, "the schedule stage always returns a plan"
    eligibility = Eligibility(config)
    # The loop: until a round moves nothing or places nothing more, or the feedback's share is spent.
    # Each round's schedule gets the schedule stage's time per week for the weeks it schedules again
    # (a fixed share, not the clock, so a deterministic run repeats): with less, those weeks' schedules
    # came out worse than the ones they replace (M tidy: 39 more contacts placed in a round given a
    # quarter of that time, 71 with all of it).
    left = options.time_limit_s * FEEDBACK_SHARE
    per_week = options.time_limit_s * SCHEDULE_SHARE / max(1, len(config.managers))
    held: dict[str, int] = {}
    for round_number in range(1, FEEDBACK_ROUNDS + 1):
        if left <= MIN_ROUND_SECONDS:
            break
        # First balancing again with the weeks cut to what their schedules held; where that changes
        # nothing or places nothing more, the relief moves.
        held, rebalanced = _rebalance(config, plan, eligibility, options, round_number, per_week, left, held)
        round_outcome = rebalanced or _relieve(config, plan, eligibility, options, round_number, per_week, left)
        if round_outcome is None:
            break
        plan, stats, spent = round_outcome
        left -= spent
        stages.append(stats)
    return combined(stages, plan, time.perf_counter() - started)


def schedule_current_assignment(config: Config, options: SolveOptions) -> Result[Plan]:
    """Schedule the week for the assignment in the config, without rebalancing."""
    chosen = current_assignment(config)
    plan = build_plan(config, chosen, unassigned_reasons={
        case_id: default_reason("not_assigned") for case_id, manager_id in chosen.items() if manager_id is None})
    return schedule_contacts(config, plan, options)


# --- schedule feedback ---------------------------------------------------------------------------


@dataclass
class _Room:
    """What a manager carries, against what their week and level allow."""

    points: float
    cases: int
    minutes: int
    capacity: float
    max_cases: int
    available: int

    def takes(self, points: float, cases: int, minutes: int) -> bool:
        return (self.points + points <= self.capacity + 1e-9 and self.cases + cases <= self.max_cases
                and self.minutes + minutes <= self.available)


RoundOutcome = tuple[Plan, SolverStats, float]


def _minutes_held(config: Config, plan: Plan, eligibility: Eligibility) -> dict[str, int]:
    """Per manager whose week left contacts out for want of room: the minutes that week held, in
    balancing's own units (contact minutes and one drive from the base per visit), i.e. the minutes
    balancing gave it less those of the contacts the schedule could not place (introductions apart:
    balancing does not count them)."""
    week = eligibility.week_time
    needed = {load.manager_id: load.minutes_needed for load in plan.managers}
    lost: dict[str, int] = {}
    for item in plan.unscheduled:
        if item.rule not in RELIEVABLE or item.manager_id is None or item.introduction:
            continue
        manager = config.managers_by_id[item.manager_id]
        client = config.clients_by_id[config.cases_by_id[item.case_id].client]
        drive = week.drive(manager, client) if item.mode == "in_person" else 0
        lost[item.manager_id] = lost.get(item.manager_id, 0) + item.minutes + drive
    return {manager_id: max(0, needed[manager_id] - minutes) for manager_id, minutes in sorted(lost.items())}


def _rebalance(config: Config, plan: Plan, eligibility: Eligibility, options: SolveOptions, round_number: int,
               per_week: float, left: float, held: dict[str, int]) -> tuple[dict[str, int], RoundOutcome | None]:
    """Balancing solved again, from the plan's assignment, with every week that could not hold its
    contacts cut to the minutes it held (cuts only tighten from round to round); the weeks that changed
    scheduled again. The cuts, and the round (None when nothing is cut anew, nothing moves, or
    nothing more is placed)."""
    started = time.perf_counter()
    if left < REBALANCE_SECONDS_PER_CASE * len(config.cases):
        # Building balancing's data, the warm start and the plan again alone would outlast the time left.
        return held, None
    cuts = dict(held)
    for manager_id, minutes in _minutes_held(config, plan, eligibility).items():
        cuts[manager_id] = min(minutes, cuts.get(manager_id, minutes))
    if cuts == held:
        return held, None
    before = {item.case_id: item.manager_id for item in plan.assignments}
    assign_seconds = left * REBALANCE_SHARE
    # Balancing sees the plan's assignment as where the cases are: its moves term then counts changes
    # to the plan, so it moves only what the cuts call for.
    balanced = assign_cases(_as_assigned(config, before), replace(options, time_limit_s=assign_seconds),
                            minutes_held=cuts, warm_start=before)
    if balanced.plan is None:
        return cuts, None
    chosen = {item.case_id: item.manager_id for item in balanced.plan.assignments}
    changed = sorted(case_id for case_id, manager_id in chosen.items() if manager_id != before.get(case_id))
    if not changed or any(chosen[case_id] is None or before.get(case_id) is None for case_id in changed):
        # Nothing moved, or a case would be left without a manager or newly placed: the plan's
        # unassigned list stays as the first balancing made it.
        return cuts, None
    affected = {manager for case_id in changed for manager in (before[case_id], chosen[case_id]) if manager}
    reasons = {move.case_id: Reason(move.rule, move.reason) for move in plan.moves}
    newly_cut = len(set(cuts) - set(held)) or len(cuts)
    for case_id in changed:
        if chosen[case_id] == config.cases_by_id[case_id].manager:
            reasons.pop(case_id, None)  # back with the manager it has: no move
        else:
            reasons[case_id] = Reason("schedule_relief", reason_text(
                "schedule_relief", "rebalanced", source=before[case_id], target=chosen[case_id],
                weeks=newly_cut))
    seconds = assign_seconds + min(left - assign_seconds, per_week * len(affected))
    rescheduled = _rescheduled(config, plan, chosen, reasons, affected, eligibility,
                               replace(options, time_limit_s=max(MIN_ROUND_SECONDS, seconds - assign_seconds)))
    if rescheduled is None:
        return cuts, None
    merged, schedule_cut = rescheduled
    placed = _own_placed(merged) - _own_placed(plan)
    stats = _round_stats(started, options, round_number, len(changed), affected, placed, merged,
                         f"balancing solved again with {len(cuts)} week(s) cut to the minutes their schedules held "
                         f"({newly_cut} newly), from the plan's assignment: {len(changed)} case(s) moved",
                         cut_by_wall_clock=schedule_cut or _cut_by_wall_clock(balanced.plan))
    return cuts, (merged.model_copy(update={"solver": [*merged.solver, stats]}), stats, seconds)


def _relieve(config: Config, plan: Plan, eligibility: Eligibility, options: SolveOptions, round_number: int,
             per_week: float, left: float) -> RoundOutcome | None:
    """One feedback round: the plan with cases moved out of weeks that could not hold their contacts
    and those weeks scheduled again, and the seconds of the limit it was given; or None when no move
    is possible or none places more."""
    started = time.perf_counter()
    moves = _relief_moves(config, plan, eligibility)
    if not moves:
        return None
    affected = {manager for source, target, _ in moves.values() for manager in (source, target)}
    seconds = min(left, per_week * len(affected))
    chosen: dict[str, str | None] = {item.case_id: item.manager_id for item in plan.assignments}
    reasons = {move.case_id: Reason(move.rule, move.reason) for move in plan.moves}
    missed = _missed_contacts(plan)
    for case_id, (source, target, trigger) in moves.items():
        chosen[case_id] = target
        if trigger == case_id:
            words = reason_text("schedule_relief", source=source, target=target, contacts=missed.get(case_id, 0))
        else:  # a household member moves with the case whose contacts found no slot
            words = reason_text("schedule_relief", "household", source=source, target=target, case=trigger,
                                contacts=missed.get(trigger, 0))
        reasons[case_id] = Reason("schedule_relief", words)
    rescheduled = _rescheduled(config, plan, chosen, reasons, affected, eligibility,
                               replace(options, time_limit_s=seconds))
    if rescheduled is None:
        return None
    merged, schedule_cut = rescheduled
    placed = _own_placed(merged) - _own_placed(plan)
    stats = _round_stats(started, options, round_number, len(moves), affected, placed, merged,
                         f"moved {len(moves)} case(s) out of weeks the schedule could not hold",
                         cut_by_wall_clock=schedule_cut)
    return merged.model_copy(update={"solver": [*merged.solver, stats]}), stats, seconds


def _cut_by_wall_clock(plan: Plan) -> bool:
    """Whether a stage of `plan` says the wall clock, not its work limit, stopped it (a rerun may differ)."""
    return any(note == BACKSTOP_NOTE or note.endswith(WALL_CLOCK_WEEKS_NOTE) for stats in plan.solver
               for note in stats.notes)


def _round_stats(started: float, options: SolveOptions, round_number: int, moved: int, affected: set[str],
                 placed: int, merged: Plan, what: str, *, cut_by_wall_clock: bool = False) -> SolverStats:
    return SolverStats(
        stage="schedule-feedback", status="feasible", objective=0.0, bound=0.0, gap=0.0,
        runtime_s=round(time.perf_counter() - started, 3), workers=options.workers, seed=options.seed,
        objective_terms={"cases_moved": float(moved), "contacts_placed": float(placed)},
        notes=[f"round {round_number}: {what}; scheduled {len(affected)} manager week(s) again: {placed} more of "
               f"the cases' own contacts placed, {_own_placed(merged)} in all (introductions apart); the schedule "
               "stage's objective and bound are those of its first round",
               *([f"round {round_number}: {ROUND_CUT_NOTE}"] if cut_by_wall_clock else [])])


def _own_placed(plan: Plan) -> int:
    """The cases' own contacts placed: introductions apart, for every move adds an easy one."""
    return sum(1 for item in plan.contacts if not item.introduction)


def _as_assigned(config: Config, chosen: dict[str, str | None]) -> Config:
    """The config with every case where `chosen` has it (locked cases are where they were), and each intake
    cap lowered by the cases `chosen` already makes new to that manager: balancing counts new cases from
    where the cases are, so without it a second round gave a capped manager new cases again. (A case sent
    back to its own manager then counts against their cap too: the cap may bind early, never late.)"""
    new = new_cases(config, chosen)
    managers = [manager if (cap := config.intake_cap(manager)) is None else manager.model_copy(
        update={"max_new_cases": max(0, cap - new[manager.id])}) for manager in config.managers]
    return config.rebuilt(managers=managers, cases=[case if case.manager == chosen.get(case.id) else case.model_copy(
        update={"manager": chosen.get(case.id)}) for case in config.cases])


def _rescheduled(config: Config, plan: Plan, chosen: dict[str, str | None], reasons: dict[str, Reason],
                 affected: set[str], eligibility: Eligibility, options: SolveOptions) -> tuple[Plan, bool] | None:
    """The plan with the assignment `chosen` and the `affected` managers' weeks scheduled again, and whether
    the wall clock cut that schedule; None when it places no more of the cases' own contacts than `plan`."""
    rebuilt = build_plan(config, chosen, move_reasons=reasons,
                         unassigned_reasons={item.case_id: Reason(item.rule, item.reason) for item in plan.unassigned},
                         solver=[stats for stats in plan.solver if not stats.stage.startswith("schedule")],
                         eligibility=eligibility)
    partial = rebuilt.model_copy(update={"assignments": [
        item if item.manager_id in affected else item.model_copy(update={"manager_id": None})
        for item in rebuilt.assignments]})
    again = schedule_contacts(config, partial, options).plan
    assert again is not None, "the schedule stage always returns a plan"
    merged = with_compliance(config, _merged(plan, rebuilt, again, affected))
    if _own_placed(merged) <= _own_placed(plan):
        return None
    return merged, _cut_by_wall_clock(again)


def _missed_contacts(plan: Plan) -> dict[str, int]:
    missed: dict[str, int] = {}
    for item in plan.unscheduled:
        if item.rule in RELIEVABLE and item.manager_id is not None:
            missed[item.case_id] = missed.get(item.case_id, 0) + 1
    return missed


def _relief_moves(config: Config, plan: Plan, eligibility: Eligibility) -> dict[str, tuple[str, str, str]]:
    """case id -> (its manager, the manager it goes to, the case whose contacts found no slot) for the
    cases to move: each with its household, to the eligible manager with room (points, cases, minutes and
    intake cap) whom the client prefers, else who matches the client's region, then has the most minutes
    free (then by id)."""
    week = eligibility.week_time
    missed = _missed_contacts(plan)
    chosen = {item.case_id: item.manager_id for item in plan.assignments}
    full = {item.manager_id for item in plan.unscheduled if item.manager_id is not None}
    rooms = {load.manager_id: _room(config, load) for load in plan.managers}
    new = new_cases(config, chosen)  # cases new to each manager this week: their intake caps count these
    moves: dict[str, tuple[str, str, str]] = {}
    for case_id in sorted(missed)[:MAX_RELIEF_CASES]:
        if case_id in moves:
            continue
        group = _group(config, config.cases_by_id[case_id], chosen)
        if not group:
            continue
        source = chosen[case_id] or ""
        points = sum(config.case_points(case) for case in group)
        region = config.clients_by_id[group[0].client].region
        fitting = [manager.id for manager in config.managers
                   if manager.id != source and manager.id not in full
                   and rooms[manager.id].takes(points, len(group), _minutes_on(config, week, group, manager.id))
                   and _within_intake_cap(config, new, group, manager)
                   and all(eligibility.refusal(case.model_copy(update={"manager": None, "locked": False}),
                                               manager.id) is None for case in group)]
        if not fitting:
            continue
        preferred = config.clients_by_id[group[0].client].preferred_manager
        target = min(fitting, key=lambda manager_id: (
            manager_id != preferred, config.managers_by_id[manager_id].region != region,
            rooms[manager_id].minutes - rooms[manager_id].available, manager_id))
        for manager_id, sign in ((source, -1), (target, 1)):
            room = rooms[manager_id]
            room.points += sign * points
            room.cases += sign * len(group)
            room.minutes += sign * _minutes_on(config, week, group, manager_id)
        for case in group:
            new[source] -= case.manager != source
            new[target] += case.manager != target
        full.add(target)  # one relief per receiving week a round: its schedule changes
        for case in group:
            moves[case.id] = (source, target, case_id)  # a group shares one manager (`_group`)
    return moves


def _within_intake_cap(config: Config, new: Mapping[str, int], group: list[Case], manager: Manager) -> bool:
    """Whether `manager` may take `group` within their intake cap (`new`: the cases already new to them)."""
    cap = config.intake_cap(manager)
    return cap is None or new.get(manager.id, 0) + sum(case.manager != manager.id for case in group) <= cap


def _minutes_on(config: Config, week: WeekTime, group: list[Case], manager_id: str) -> int:
    """Balancing's minutes of `group` on the manager's week (contacts, and drives from their base)."""
    return sum(week.case_minutes(case, config.managers_by_id[manager_id]) for case in group)


def _room(config: Config, load: ManagerLoad) -> _Room:
    manager = config.managers_by_id[load.manager_id]
    return _Room(points=load.load, cases=load.cases, minutes=load.minutes_needed,
                 capacity=config.capacity_points(manager), max_cases=config.max_cases(manager),
                 available=load.minutes_available)


def _group(config: Config, case: Case, chosen: dict[str, str | None]) -> list[Case]:
    """The cases that move with `case`: its household's cases with the same manager (households
    stay together); none when one of them is locked or the household is already split."""
    if case.locked:
        return []
    if not config.policy.households_together:
        return [case]
    members = config.cases_by_household[config.clients_by_id[case.client].household_key]
    if any(item.locked for item in members) or len({chosen.get(item.id) for item in members}) > 1:
        return []
    return members


def _merged(before: Plan, rebuilt: Plan, again: Plan, affected: set[str]) -> Plan:
    """`rebuilt` (the new assignment) with the contacts of the unaffected managers from `before` and
    those of the affected ones from `again`."""
    contacts = sorted([*(item for item in before.contacts if item.manager_id not in affected), *again.contacts],
                      key=lambda item: (item.manager_id, item.day, item.start, item.case_id, item.requirement_index,
                                        item.occurrence))
    unscheduled = sorted(
        [*(item for item in before.unscheduled if item.manager_id not in affected),
         *(item for item in again.unscheduled if item.manager_id in affected)],
        key=lambda item: (item.manager_id or "", item.case_id, item.requirement_index, item.occurrence))
    counts = {entry.manager_id: entry for entry in before.managers}
    counts.update({entry.manager_id: entry for entry in again.managers if entry.manager_id in affected})
    managers = [entry.model_copy(update={
        "contacts_on_time": counts[entry.manager_id].contacts_on_time,
        "contacts_late": counts[entry.manager_id].contacts_late,
        "contacts_unscheduled": counts[entry.manager_id].contacts_unscheduled,
        "travel_minutes": counts[entry.manager_id].travel_minutes}) for entry in rebuilt.managers]
    late = sum(1 for item in contacts if item.late_days)
    summary = rebuilt.summary.model_copy(update={
        "contacts_due": len(contacts) + len(unscheduled), "contacts_scheduled": len(contacts),
        "contacts_on_time": len(contacts) - late, "contacts_late": late, "contacts_unscheduled": len(unscheduled),
        "travel_minutes": sum(entry.travel_minutes for entry in managers)})
    schedule_stats = [stats for stats in before.solver if stats.stage.startswith("schedule")]
    return rebuilt.model_copy(update={"contacts": contacts, "unscheduled": unscheduled, "managers": managers,
                                      "summary": summary, "solver": [*rebuilt.solver, *schedule_stats]})
