"""The weekly contact schedule: every due contact of an assigned case on its manager's calendar.

Once cases are assigned, managers' weeks are independent, so each is one small CP-SAT model
(scheduler/schedule/model.py), solved in separate processes when `workers` > 1. Each week is
first scheduled greedily (earliest fit); that schedule is the model's hint and the fallback if
the model finds nothing in its time. Contacts that stay out are listed with a reason code.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from models.organisation import Case, Config, DueContact, Manager
from models.plan import Plan, ScheduledContact, SolverStats, SolveStatus, UnscheduledContact
from models.result import Result
from models.timeutil import TimeWindow, format_clock
from scheduler.core.clock import backstop_seconds
from scheduler.core.options import SolveOptions
from scheduler.core.travel import place_text
from scheduler.schedule.data import (
    ContactInput,
    DayInput,
    ManagerWeek,
    ObjectiveWeights,
    Placement,
    PreparedWeek,
    Span,
    WeekRules,
    prepare_week,
    travel_of,
    urgency,
)
from scheduler.schedule.greedy import fill_gaps, greedy_schedule, insertion_schedule
from scheduler.schedule.model import SolveBudget, solve_week
from scheduler.schedule.search import improve_week, soft_cost, soft_terms, week_cost

# Chunks per worker process: enough to even out uneven weeks, few enough to keep pickling cheap.
CHUNKS_PER_WORKER = 4
# Share of the stage's time kept for preparing inputs, starting processes and building the plan.
RESERVE_SHARE = 0.25
# Below this many contacts (a team, tier S) the weeks are solved in this process.
MIN_CONTACTS_FOR_PROCESSES = 1000
# Spawning a process and importing OR-Tools takes about this long.
SPAWN_SECONDS = 1.5
# CP-SAT's deterministic time runs about this many times slower than the wall clock on these
# models (measured); the deterministic limit decides, so runs repeat exactly, and the wall-clock
# share is only a backstop.
WALL_PER_DETERMINISTIC = 2.5
# Beyond this the model rarely improves on its hint (measured on generated S and M organisations).
MAX_DETERMINISTIC = 0.1
# Multiples of a week's share: a hard week (the heuristic left out a contact that has slots) gets
# more, the others less; about a fifth of generated weeks are hard, so the total stays near the stage's.
HARD_WEEK_FACTOR = 4.0
EASY_WEEK_FACTOR = 0.2
# In a deterministic run a week's cost is estimated, not timed: about this many seconds per due
# contact for preparing, the heuristics and the model together (measured on generated M weeks,
# idle 2-core machine: 8.1 s for 3,010 contacts in 99 weeks).
WEEK_SECONDS_PER_CONTACT = 0.0027


@dataclass(frozen=True)
class WeekTask:
    week: ManagerWeek
    budget: SolveBudget
    deadline: float  # time.time() after which a week gets only a token solve
    # The limit is measured in work (SolveOptions.deterministic): the deadline is only a backstop,
    # so how much of the stage's time is left never decides anything on its own.
    deterministic: bool = False
    work_budget: float = 0.0  # estimated seconds for the weeks of this task's chunk (deterministic runs)


@dataclass(frozen=True)
class PlacedContact:
    key: str
    offset: int
    start: int
    travel_before: int


@dataclass(frozen=True)
class UnplacedContact:
    key: str
    rule: str
    proven: bool  # no schedule of the week places more contacts


@dataclass
class WeekOutcome:
    """One manager's solved week in plain data (what a worker process sends back)."""

    manager_id: str
    placed: list[PlacedContact]
    unplaced: list[UnplacedContact]
    status: str
    objective: float | None
    bound: float | None
    travel_minutes: int
    used_greedy: bool
    terms: dict[str, float] = field(default_factory=dict)
    stopped_by_clock: bool = False


# --- public API ---


def schedule_contacts(config: Config, plan: Plan, options: SolveOptions) -> Result[Plan]:
    """A copy of `plan` with the week's contacts scheduled (or listed as unscheduled, with reasons)."""
    started = time.perf_counter()
    due, without_manager = _due_by_manager(config, plan)
    unassigned = [_unassigned_contact(item) for item in without_manager]
    weeks = [_manager_week(config, config.managers_by_id[manager_id], due[manager_id])
             for manager_id in sorted(due)]
    tasks = _tasks(weeks, options, started)
    outcomes = _solve_all(tasks, options.workers)
    due_index = {contact.key: (case, contact) for items in due.values() for case, contact in items}

    contacts, unscheduled = _plan_contacts(config, due_index, weeks, outcomes)
    unscheduled = sorted([*unassigned, *unscheduled],
                         key=lambda item: (item.manager_id or "", item.case_id, item.requirement_index,
                                           item.occurrence))
    stats = _stats(outcomes, options, time.perf_counter() - started)
    summary = plan.summary.model_copy(update={
        "contacts_due": len(contacts) + len(unscheduled),
        "contacts_scheduled": len(contacts),
        "travel_minutes": sum(outcome.travel_minutes for outcome in outcomes),
    })
    solver = [item for item in plan.solver if item.stage != "schedule"] + [stats]
    scheduled = plan.model_copy(update={"contacts": contacts, "unscheduled": unscheduled, "summary": summary,
                                        "solver": solver})
    return Result.from_stats(stats, scheduled)


def manager_weeks(config: Config, plan: Plan) -> list[ManagerWeek]:
    """Every assigned manager's week as plain data (for baselines and benchmarks)."""
    due, _ = _due_by_manager(config, plan)
    return [_manager_week(config, config.managers_by_id[manager_id], due[manager_id]) for manager_id in sorted(due)]


def solve_week_task(task: WeekTask, over_budget: bool = False) -> WeekOutcome:
    """Schedule one manager's week: heuristics and local search first, then CP-SAT from that hint."""
    prepared = prepare_week(task.week)
    if over_budget or time.time() >= task.deadline:
        # The stage's time is spent: the earliest-fit schedule alone, with no search and no model.
        return _outcome(prepared, greedy_schedule(prepared),
                        _Verdict("feasible", None, 0, used_heuristic=True, cut_short=True))
    heuristic = _best_heuristic(prepared, task.deadline)
    if not any(prepared.starts):
        return _outcome(prepared, heuristic, _Verdict("optimal", 0.0, 0, used_heuristic=False, cut_short=False))
    remaining = task.deadline - time.time()
    # Weeks where the heuristic left a contact out that has slots get more of the model's time: that
    # is where it places more (or proves it cannot); elsewhere it only polishes travel.
    factor = HARD_WEEK_FACTOR if len(heuristic) < sum(1 for starts in prepared.starts if starts) else EASY_WEEK_FACTOR
    # The wall-clock cap leaves room for a slow (busy) machine, so the deterministic limit decides
    # and runs repeat; only the stage's deadline can cut a week short.
    deterministic = task.budget.deterministic_limit * factor
    wall = max(task.budget.time_limit_s, deterministic * WALL_PER_DETERMINISTIC * 10)
    budget = SolveBudget(
        time_limit_s=max(0.01, min(wall, remaining)),
        deterministic_limit=deterministic,
        seed=task.budget.seed,
        log=task.budget.log,
    )
    solution = solve_week(prepared, budget, heuristic)
    # Only a week that got clearly less than its share was cut short by the stage's deadline (in a
    # deterministic run, only one the backstop stopped).
    cut_short = time.time() >= task.deadline if task.deterministic else remaining < 0.5 * wall
    use_heuristic = solution.status == "unknown" or (
        week_cost(prepared, solution.placements) > week_cost(prepared, heuristic))
    verdict = _Verdict("feasible" if use_heuristic else solution.status, solution.bound, solution.min_unplaced,
                       used_heuristic=use_heuristic, cut_short=cut_short,
                       unplaced_weight=solution.unplaced_weight, stopped_by_clock=solution.stopped_by_clock)
    return _outcome(prepared, heuristic if use_heuristic else solution.placements, verdict)


@dataclass(frozen=True)
class _Verdict:
    """What the solve says about a week beyond its placements."""

    status: str
    bound: float | None
    min_unplaced: int  # proven lower bound on contacts left out
    used_heuristic: bool
    cut_short: bool  # the stage's deadline left this week less than its share of time
    unplaced_weight: float = 0.0
    stopped_by_clock: bool = False


def _best_heuristic(prepared: PreparedWeek, deadline: float) -> dict[int, Placement]:
    """The better of earliest fit and cheapest insertion, improved by local search until `deadline`."""
    starts = [greedy_schedule(prepared), insertion_schedule(prepared)]
    best = min(starts, key=lambda placements: week_cost(prepared, placements))
    return improve_week(prepared, best, deadline=deadline)


def solve_week_chunk(tasks: list[WeekTask]) -> list[WeekOutcome]:
    """The weeks in order; in a deterministic run the chunk's estimated work, not the wall clock,
    decides which weeks are left with the earliest-fit schedule alone."""
    outcomes = []
    spent = 0.0
    for task in tasks:
        outcomes.append(solve_week_task(task, over_budget=task.deterministic and spent >= task.work_budget))
        spent += WEEK_SECONDS_PER_CONTACT * len(task.week.contacts)
    return outcomes


# --- inputs: from the config and the plan's assignment to plain data per manager ---


DueItem = tuple[Case, DueContact]


def _due_by_manager(config: Config, plan: Plan) -> tuple[dict[str, list[DueItem]], list[DueItem]]:
    """Due contacts per assigned manager, and those of cases without a manager."""
    manager_of = {assignment.case_id: assignment.manager_id for assignment in plan.assignments}
    due: dict[str, list[DueItem]] = {}
    without_manager: list[DueItem] = []
    for case in config.cases:
        manager_id = manager_of.get(case.id)
        for contact in config.due_contacts(case):
            if manager_id is None:
                without_manager.append((case, contact))
            else:
                due.setdefault(manager_id, []).append((case, contact))
    return due, without_manager


def _unassigned_contact(item: DueItem) -> UnscheduledContact:
    case, contact = item
    return UnscheduledContact(
        case_id=case.id, client_id=case.client, manager_id=None, requirement_index=contact.requirement_index,
        occurrence=contact.occurrence, mode=contact.mode, minutes=contact.minutes, rule="case_unassigned",
        reason="the case has no manager this week, so nobody can make the contact",
    )


def _manager_week(config: Config, manager: Manager, due: list[tuple[Case, DueContact]]) -> ManagerWeek:
    scheduling = config.policy.scheduling
    days = config.manager_days(manager)
    contacts = [_contact_input(config, case, contact, days) for case, contact in _due_order(config, due)]
    return ManagerWeek(
        manager_id=manager.id,
        base=(manager.base.lat, manager.base.lon) if manager.base else None,
        days=tuple(DayInput(_offset(config, day), _spans(config.manager_windows(manager, day)))
                   for day in days),
        contacts=tuple(contacts),
        rules=WeekRules(
            slot_minutes=scheduling.slot_minutes,
            lunch=(scheduling.lunch.start, scheduling.lunch.end) if scheduling.lunch else None,
            max_contacts_per_day=scheduling.max_contacts_per_day,
            min_days_between=scheduling.min_days_between_contacts,
            travel_speed_kmh=scheduling.travel_speed_kmh,
        ),
        weights=ObjectiveWeights(early=scheduling.weights.early, balance=scheduling.weights.balance,
                                 travel=scheduling.weights.travel),
    )


def _due_order(config: Config, due: list[tuple[Case, DueContact]]) -> list[tuple[Case, DueContact]]:
    """Overdue first, then by due date and urgency; occurrences of a requirement stay in order."""
    def key(item: tuple[Case, DueContact]) -> tuple[bool, date, int, str, int, int]:
        case, contact = item
        rank = config.policy.complexity_rank(case.complexity)
        return (not contact.overdue, contact.due, -rank, case.id, contact.requirement_index, contact.occurrence)

    return sorted(due, key=key)


def _contact_input(config: Config, case: Case, contact: DueContact, days: list[date]) -> ContactInput:
    client = config.clients_by_id[case.client]
    location = (client.location.lat, client.location.lon) if client.location else None
    return ContactInput(
        key=contact.key,
        case_id=case.id,
        group=f"{case.id}#{contact.requirement_index}",
        minutes=contact.minutes,
        in_person=contact.mode == "in_person",
        location=location if contact.mode == "in_person" else None,
        urgency=urgency(contact.overdue, config.policy.complexity_rank(case.complexity),
                        len(config.policy.complexities)),
        client_windows=tuple((_offset(config, day), _spans(config.client_windows(client, day)))
                             for day in days),
    )


def _offset(config: Config, day: date) -> int:
    return (day - config.week_start).days


def _spans(windows: Iterable[TimeWindow]) -> tuple[Span, ...]:
    return tuple((window.start, window.end) for window in windows)


# --- solving: time shares and processes ---


def _tasks(weeks: list[ManagerWeek], options: SolveOptions, started: float) -> list[WeekTask]:
    """Every week gets the same share of the stage's time; the deadline caps the whole stage."""
    parallel = _worth_processes(weeks, options.workers)
    reserve = min(options.time_limit_s * 0.5,
                  options.time_limit_s * RESERVE_SHARE + (SPAWN_SECONDS if parallel else 0.0))
    solve_seconds = max(0.05, options.time_limit_s - reserve)
    busy = max(1, sum(1 for week in weeks if week.contacts))
    processes = options.workers if parallel else 1
    share = min(solve_seconds, solve_seconds * min(processes, busy) / busy)
    if options.deterministic:
        deadline = time.time() + backstop_seconds(options, solve_seconds)
    else:
        deadline = time.time() + solve_seconds - (time.perf_counter() - started)
    budget = SolveBudget(time_limit_s=share,
                         deterministic_limit=min(MAX_DETERMINISTIC, share / WALL_PER_DETERMINISTIC),
                         seed=options.seed, log=options.log and not parallel)
    return [WeekTask(week, budget, deadline, options.deterministic, solve_seconds) for week in weeks]


def _solve_all(tasks: list[WeekTask], workers: int) -> list[WeekOutcome]:
    if not _worth_processes([task.week for task in tasks], workers):
        return solve_week_chunk(tasks)
    chunks = _chunks(tasks, workers * CHUNKS_PER_WORKER)
    # Each process works through its share of the chunks: each chunk gets that share of the work.
    chunks = [[replace(task, work_budget=task.work_budget * min(workers, len(chunks)) / len(chunks))
               for task in chunk] for chunk in chunks]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=context) as pool:
        results = list(pool.map(solve_week_chunk, chunks))
    return [outcome for chunk in results for outcome in chunk]


def _worth_processes(weeks: list[ManagerWeek], workers: int) -> bool:
    """Starting processes costs seconds on a busy machine; a small organisation is done sooner here."""
    contacts = sum(len(week.contacts) for week in weeks)
    return workers > 1 and len(weeks) > 1 and contacts >= MIN_CONTACTS_FOR_PROCESSES


def _chunks(tasks: list[WeekTask], count: int) -> list[list[WeekTask]]:
    """Contiguous chunks (order is kept, so results line up with tasks)."""
    size = max(1, -(-len(tasks) // count))
    return [tasks[index:index + size] for index in range(0, len(tasks), size)]


def _outcome(prepared: PreparedWeek, chosen: dict[int, Placement], verdict: _Verdict) -> WeekOutcome:
    """Plain results of a week; contacts the solve left out but that still fit are added first."""
    placements = fill_gaps(prepared, chosen)
    status = verdict.status if len(placements) == len(chosen) else "feasible"
    before, total_travel = travel_of(prepared, placements)
    contacts = prepared.week.contacts
    left_out = len(contacts) - len(placements)
    proven = left_out <= verdict.min_unplaced
    placed = [PlacedContact(contacts[index].key, offset, start, before[index])
              for index, (offset, start) in sorted(placements.items())]
    unplaced = [UnplacedContact(contacts[index].key,
                                _unplaced_rule(prepared, index, verdict.cut_short and not proven), proven)
                for index in range(len(contacts)) if index not in placements]
    terms = soft_terms(prepared, placements)
    objective = left_out * verdict.unplaced_weight + soft_cost(prepared, placements)
    return WeekOutcome(prepared.week.manager_id, placed, unplaced, status, objective, verdict.bound,
                       total_travel, verdict.used_heuristic, terms, verdict.stopped_by_clock)


def _unplaced_rule(prepared: PreparedWeek, contact: int, cut_short: bool) -> str:
    if not prepared.week.days:
        return "no_working_day"
    if not prepared.has_any_slot(contact):
        return "no_common_availability"
    return "time_limit" if cut_short else "day_capacity_full"


# --- back to the plan: one conversion, one place ---


_REASONS = {
    "no_working_day": "manager {manager} has no working day this week (holidays or leave)",
    "no_common_availability": "no {minutes}-minute slot on the grid where manager {manager} and the client "
                              "are both available on a working day outside lunch (travel included)",
    "day_capacity_full": "every day with a common free slot is full: contact limit, other contacts, travel "
                         "time or spacing from the case's other contacts leave no room{proof}",
    "time_limit": "the solver ran out of time before placing it; a longer --time-limit may place it",
}


def _plan_contacts(config: Config, due: dict[str, tuple[Case, DueContact]], weeks: list[ManagerWeek],
                   outcomes: list[WeekOutcome]) -> tuple[list[ScheduledContact], list[UnscheduledContact]]:
    contacts: list[ScheduledContact] = []
    unscheduled: list[UnscheduledContact] = []
    for week, outcome in zip(weeks, outcomes, strict=True):
        by_key = {contact.key: contact for contact in week.contacts}
        for item in outcome.placed:
            case, contact = due[item.key]
            contacts.append(ScheduledContact(
                case_id=case.id, client_id=case.client, manager_id=week.manager_id,
                requirement_index=contact.requirement_index, occurrence=contact.occurrence, mode=contact.mode,
                day=config.week_start + timedelta(days=item.offset), start=format_clock(item.start),
                end=format_clock(item.start + contact.minutes), minutes=contact.minutes,
                overdue=contact.overdue, travel_minutes_before=item.travel_before,
                location=place_text(by_key[item.key].location),
            ))
        for missing in outcome.unplaced:
            case, contact = due[missing.key]
            unscheduled.append(UnscheduledContact(
                case_id=case.id, client_id=case.client, manager_id=week.manager_id,
                requirement_index=contact.requirement_index, occurrence=contact.occurrence, mode=contact.mode,
                minutes=contact.minutes, rule=missing.rule,
                reason=_REASONS[missing.rule].format(
                    manager=week.manager_id, minutes=contact.minutes,
                    proof=" (proven: no arrangement of the week places more)" if missing.proven else
                    " in this schedule (the solver did not prove that no other arrangement fits it)"),
            ))
    contacts.sort(key=lambda item: (item.manager_id, item.day, item.start, item.case_id))
    return contacts, unscheduled


def _stats(outcomes: list[WeekOutcome], options: SolveOptions, runtime: float) -> SolverStats:
    objective = sum(outcome.objective or 0.0 for outcome in outcomes)
    bounds = [outcome.bound for outcome in outcomes]
    bound = None if any(value is None for value in bounds) else sum(value or 0.0 for value in bounds)
    terms: dict[str, float] = {"unscheduled": float(sum(len(outcome.unplaced) for outcome in outcomes))}
    for outcome in outcomes:
        for name, value in sorted(outcome.terms.items()):
            terms[name] = terms.get(name, 0.0) + value
    greedy = sum(1 for outcome in outcomes if outcome.used_greedy)
    notes = ["one CP-SAT model per manager; objective and bound summed over managers, in policy weight "
             "units, where each unplaced contact outweighs every soft term together"]
    if greedy:
        notes.append(f"{greedy} manager(s) kept the heuristic schedule (greedy + local search): the model "
                     "found nothing better in its time")
    clock = sum(1 for outcome in outcomes if outcome.stopped_by_clock)
    if clock:
        notes.append(f"{clock} manager week(s) were stopped by the wall clock rather than the deterministic "
                     "limit (a busy machine or a tight --time-limit): a rerun may differ slightly")
    return SolverStats(
        stage="schedule", status=_overall_status(outcomes), objective=round(objective, 6),
        bound=None if bound is None else round(bound, 6),
        gap=None if bound is None else round((objective - bound) / max(1.0, abs(objective)), 6),
        runtime_s=round(runtime, 3), workers=options.workers, seed=options.seed,
        objective_terms=terms, notes=notes,
    )


def _overall_status(outcomes: list[WeekOutcome]) -> SolveStatus:
    if all(outcome.status == "optimal" for outcome in outcomes):
        return "optimal"
    return "feasible"
