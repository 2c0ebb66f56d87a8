"""The weekly contact schedule: every due contact of an assigned case on its manager's calendar.

Once cases are assigned, managers' weeks are independent, so each is one small CP-SAT model
(scheduler/schedule/model.py), solved in separate processes when `workers` > 1. Each week is
first scheduled greedily (earliest fit); that schedule is the model's hint and the fallback if
the model finds nothing in its time. Contacts that stay out are listed with a reason code.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from models.organisation import Case, Config, DueContact, Manager
from models.plan import ManagerLoad, Plan, ScheduledContact, SolverStats, SolveStatus, UnscheduledContact
from models.reasons import reason_text
from models.result import Result
from models.timeutil import format_clock, month_end
from scheduler.core.clock import WALL_CLOCK_WEEKS_NOTE, WORK_SHARE, backstop_seconds
from scheduler.core.compliance import with_compliance
from scheduler.core.options import SolveOptions
from scheduler.core.slots import Span, spans
from scheduler.core.travel import place_text
from scheduler.schedule.data import (
    WEIGHT_SCALE,
    ContactInput,
    DayInput,
    ManagerWeek,
    ObjectiveWeights,
    Placement,
    PreparedWeek,
    WeekRules,
    introduction_key,
    objective_weights,
    prepare_week,
    travel_of,
    urgency,
)
from scheduler.schedule.greedy import fill_gaps, greedy_schedule, insertion_schedule
from scheduler.schedule.model import SolveBudget, solve_week
from scheduler.schedule.search import polish_routes, search_week, soft_terms, week_cost

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
WALL_PER_DETERMINISTIC = 3.0
# Beyond this the model rarely improves on its hint (measured on generated S and M organisations).
MAX_DETERMINISTIC = 0.1
# Below this a model is not worth building (building it costs more than the search it would get).
MIN_DETERMINISTIC = 0.002
# In a deterministic run a model's wall-clock cap is never below this: loading and presolving a week
# on a busy machine must not be what stops a short model (the deterministic limit must).
MIN_BACKSTOP_SECONDS = 2.0
# Multiples of a week's share: a hard week (the heuristic left out a contact that has slots) gets
# more, the others less; about a fifth of generated weeks are hard, so the total stays near the stage's.
HARD_WEEK_FACTOR = 4.0
EASY_WEEK_FACTOR = 0.2
# Work estimates (seconds, measured on generated M weeks, 2-core machine), so that a deterministic
# run repeats on any machine: what every week gets whatever the time (preparing, earliest fit,
# cheapest insertion, the shortest routes), per due contact; one day built by the local search;
# building a week's CP-SAT model, per due contact.
BASE_SECONDS_PER_CONTACT = 0.0004
SECONDS_PER_BUILD = 0.00009
MODEL_SECONDS_PER_CONTACT = 0.0006
# Of the time left after every week's base heuristics, the local searches may take this share, each
# week its part by size; the models at most this share of what the searches leave. More model time
# gains little (generated M, 2 workers: 15 s instead of 30 s placed one contact fewer and left 10
# more late), and the slack keeps a busy machine (this 2-core machine, shared, ran 1.5x slower)
# from reaching the stage's backstop, where weeks would lose their models.
SEARCH_SHARE = 0.5
MODEL_SHARE = 0.5


@dataclass(frozen=True)
class WeekTask:
    week: ManagerWeek
    seed: int
    log: bool
    deadline: float  # time.time() after which the stage's time is spent (a backstop in deterministic runs)
    # The limit is measured in work (SolveOptions.deterministic): the deadline is only a backstop,
    # so how much of the stage's time is left never decides anything on its own.
    deterministic: bool = False
    work_budget: float = 0.0  # seconds of work for the weeks of this task's chunk


@dataclass(frozen=True)
class PlacedContact:
    key: str
    offset: int
    start: int
    travel_before: int
    late_days: int  # days after the due day
    late_rule: str  # "" when on time


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
    model_run: bool = True  # False: the stage's time left this week with the heuristic schedule alone
    deterministic_time: float = 0.0  # CP-SAT's, on this week


# --- public API ---


def schedule_contacts(config: Config, plan: Plan, options: SolveOptions) -> Result[Plan]:
    """A copy of `plan` with the week's contacts scheduled (or listed as unscheduled, with reasons)."""
    started = time.perf_counter()
    due, without_manager = _due_by_manager(config, plan)
    unassigned = [_unassigned_contact(item) for item in without_manager]
    weeks = [_manager_week(config, config.managers_by_id[manager_id], due[manager_id])
             for manager_id in sorted(due)]
    workers = options.workers if _worth_processes(weeks, options.workers, options.time_limit_s) else 1
    tasks = _tasks(weeks, options, started, parallel=workers > 1)
    outcomes = _solve_all(tasks, workers)
    due_index = {contact.key: (case, contact) for items in due.values() for case, contact in items}

    contacts, unscheduled = _plan_contacts(config, due_index, weeks, outcomes)
    unscheduled = sorted([*unassigned, *unscheduled],
                         key=lambda item: (item.manager_id or "", item.case_id, item.requirement_index,
                                           item.occurrence))
    stats = _stats(outcomes, options, time.perf_counter() - started)
    late = sum(1 for contact in contacts if contact.late_days)
    summary = plan.summary.model_copy(update={
        "contacts_due": len(contacts) + len(unscheduled),
        "contacts_scheduled": len(contacts),
        "contacts_on_time": len(contacts) - late,
        "contacts_late": late,
        "contacts_unscheduled": len(unscheduled),
        "travel_minutes": sum(outcome.travel_minutes for outcome in outcomes),
    })
    solver = [item for item in plan.solver if item.stage != "schedule"] + [stats]
    scheduled = plan.model_copy(update={"contacts": contacts, "unscheduled": unscheduled, "summary": summary,
                                        "solver": solver,
                                        "managers": _manager_counts(plan, contacts, unscheduled, outcomes)})
    return Result.from_stats(stats, with_compliance(config, scheduled))


def manager_weeks(config: Config, plan: Plan) -> list[ManagerWeek]:
    """Every assigned manager's week as plain data (for baselines and benchmarks)."""
    due, _ = _due_by_manager(config, plan)
    return [_manager_week(config, config.managers_by_id[manager_id], due[manager_id]) for manager_id in sorted(due)]


@dataclass
class _Searched:
    """A week after its heuristics (greedy, local search, shortest routes), before its model."""

    task: WeekTask
    prepared: PreparedWeek
    heuristic: dict[int, Placement]
    placeable: int  # contacts with any slot
    builds: int  # days the local search built (its work)
    search_stopped: bool  # the local search's budget stopped it before it converged

    @property
    def weight(self) -> float:
        """The week's claim on the models' time: a hard week (the heuristic left out a contact that
        has slots, or placed one later past its due day than its slots force) gets more, for that is
        where the model places more or earlier, or proves it cannot; elsewhere it only polishes
        travel. A week with nothing to place needs no model."""
        if not self.placeable:
            return 0.0
        prepared = self.prepared
        later_than_needed = any(
            prepared.late_days(contact, day) > min(prepared.late_days(contact, other)
                                                   for other in prepared.starts[contact])
            for contact, (day, _) in self.heuristic.items())
        hard = len(self.heuristic) < self.placeable or later_than_needed
        return HARD_WEEK_FACTOR if hard else EASY_WEEK_FACTOR


def solve_week_chunk(tasks: list[WeekTask]) -> list[WeekOutcome]:
    """The weeks of a chunk in two rounds. First every week's heuristics (earliest fit, cheapest
    insertion, local search, shortest routes): the local searches share part of the chunk's time,
    each week its part by size and a week's unused part passing to the weeks after it, so no week is
    left at first fit because the weeks before it took the time. Then the CP-SAT models share what is
    left, by the weeks' weights (hard weeks first), each week's unused time passing on.

    In a deterministic run the time is work (estimated from the weeks' sizes and the days the
    searches built, and the models' own deterministic time), so the same weeks get the same shares
    on any machine; the wall clock only as the stage's backstop. Otherwise it is the wall clock up
    to the stage's deadline.
    """
    if not tasks:
        return []
    first = tasks[0]
    sizes = [len(task.week.contacts) for task in tasks]
    base = BASE_SECONDS_PER_CONTACT * sum(sizes)
    left = first.work_budget - base if first.deterministic else first.deadline - time.time() - base
    search_pool = max(0.0, left) * SEARCH_SHARE
    searched: list[_Searched] = []
    for index, task in enumerate(tasks):
        later = sum(sizes[index:])
        part = search_pool * sizes[index] / later if later else 0.0
        now = time.time()
        # In a wall-clock run each week's search also gets only its fair part of the time left.
        deadline = task.deadline if task.deterministic else now + max(0.0, task.deadline - now) * (
            sizes[index] / later if later else 0.0)
        week = _search_week(task, deadline, int(part / SECONDS_PER_BUILD))
        search_pool -= week.builds * SECONDS_PER_BUILD
        searched.append(week)
    if first.deterministic:
        left = first.work_budget - base - sum(week.builds for week in searched) * SECONDS_PER_BUILD
    else:
        left = first.deadline - time.time()
    left *= MODEL_SHARE
    # Hard weeks first: should the stage's backstop cut the round short, the weeks left without a
    # model are those that only polish travel.
    order = sorted(range(len(searched)), key=lambda index: (-searched[index].weight, index))
    outcomes: dict[int, WeekOutcome] = {}
    for position, index in enumerate(order):
        week = searched[index]
        weights = sum(searched[later].weight for later in order[position:])
        seconds = max(0.0, left) * week.weight / weights if weights else 0.0
        outcomes[index] = _model_week(week, seconds)
        if first.deterministic:
            left -= _model_work(week, outcomes[index])
        else:
            left = (first.deadline - time.time()) * MODEL_SHARE
    return [outcomes[index] for index in range(len(searched))]


def _model_work(week: _Searched, outcome: WeekOutcome) -> float:
    """Estimated work of a week's model: building it, and CP-SAT's deterministic time."""
    if not outcome.model_run:
        return 0.0
    building = MODEL_SECONDS_PER_CONTACT * len(week.task.week.contacts)
    return building + outcome.deterministic_time * WALL_PER_DETERMINISTIC


def _search_week(task: WeekTask, search_deadline: float, max_builds: int) -> _Searched:
    prepared = prepare_week(task.week)
    heuristic, builds, stopped = _best_heuristic(prepared, search_deadline, max_builds)
    return _Searched(task, prepared, heuristic, sum(1 for starts in prepared.starts if starts), builds, stopped)


def _model_week(week: _Searched, seconds: float) -> WeekOutcome:
    """CP-SAT from the week's heuristic schedule within `seconds` of its share (work seconds in a
    deterministic run), and the week's outcome."""
    task, prepared, heuristic = week.task, week.prepared, week.heuristic
    if not week.placeable:
        return _outcome(prepared, heuristic, _Verdict("optimal", 0.0, 0, used_heuristic=False, cut_short=False))
    building = MODEL_SECONDS_PER_CONTACT * len(prepared.week.contacts)
    deterministic = min(MAX_DETERMINISTIC * week.weight, (seconds - building) / WALL_PER_DETERMINISTIC)
    remaining = task.deadline - time.time()
    if deterministic < MIN_DETERMINISTIC or remaining <= 0:
        # The stage's time is spent: the heuristic schedule, searched and routed, without the model.
        # A week costs at least its contacts that have no slot at all.
        floor = (len(prepared.week.contacts) - week.placeable) * objective_weights(prepared).unplaced / WEIGHT_SCALE
        # Its contacts left out are left out for the days being full in a complete schedule (not proven),
        # unless the local search too was stopped before it converged.
        return _outcome(prepared, heuristic, _Verdict("feasible", floor, 0, used_heuristic=True,
                                                      cut_short=week.search_stopped, model_run=False))
    # The wall-clock cap leaves room for a slow (busy) machine, so the deterministic limit decides
    # and runs repeat; only the stage's deadline can cut a week short.
    if task.deterministic:
        wall = max(MIN_BACKSTOP_SECONDS, deterministic * WALL_PER_DETERMINISTIC * 10)
    else:
        wall = deterministic * WALL_PER_DETERMINISTIC
    budget = SolveBudget(time_limit_s=max(0.01, min(wall, remaining)), deterministic_limit=deterministic,
                         seed=task.seed, log=task.log)
    solution = solve_week(prepared, budget, heuristic)
    # Only a week that got clearly less than its share was cut short by the stage's deadline (in a
    # deterministic run, only one the backstop stopped).
    clock_cut = time.time() >= task.deadline if task.deterministic else remaining < 0.5 * wall
    cut_short = clock_cut and week.search_stopped
    use_heuristic = solution.status == "unknown" or (
        week_cost(prepared, solution.placements) > week_cost(prepared, heuristic))
    verdict = _Verdict("feasible" if use_heuristic else solution.status, solution.bound, solution.min_unplaced,
                       used_heuristic=use_heuristic, cut_short=cut_short, stopped_by_clock=solution.stopped_by_clock,
                       deterministic_time=solution.deterministic_time)
    return _outcome(prepared, heuristic if use_heuristic else solution.placements, verdict)


@dataclass(frozen=True)
class _Verdict:
    """What the solve says about a week beyond its placements."""

    status: str
    bound: float | None
    min_unplaced: int  # proven lower bound on contacts left out
    used_heuristic: bool
    cut_short: bool  # the stage's deadline left this week's search and model less than their share of time
    stopped_by_clock: bool = False
    model_run: bool = True
    deterministic_time: float = 0.0  # CP-SAT's deterministic time spent on the week


def _best_heuristic(prepared: PreparedWeek, deadline: float,
                    max_builds: int) -> tuple[dict[int, Placement], int, bool]:
    """The better of earliest fit and (when the search has time) cheapest insertion, improved by local search (at most
    `max_builds` days built, passes ending by `deadline`) and taken along the shortest timeable
    routes; the days the search built, and whether its budget stopped it."""
    starts = [greedy_schedule(prepared)]
    if max_builds > 0:
        # Cheapest insertion costs several earliest fits: only a week whose search has time gets it,
        # so a tight limit still gives every week a complete schedule (earliest fit, gaps filled).
        starts.append(insertion_schedule(prepared))
    best = min(starts, key=lambda placements: week_cost(prepared, placements))
    return search_week(prepared, best, deadline=deadline, max_builds=max_builds)


# --- inputs: from the config and the plan's assignment to plain data per manager ---


DueItem = tuple[Case, DueContact]


def _due_by_manager(config: Config, plan: Plan) -> tuple[dict[str, list[DueItem]], list[DueItem]]:
    """Due contacts per assigned manager, and those of cases without a manager. A case new to its
    manager (moved, or new intake placed) has its introduction first."""
    manager_of = {assignment.case_id: assignment.manager_id for assignment in plan.assignments}
    new_to = {assignment.case_id for assignment in plan.assignments
              if assignment.manager_id is not None and assignment.manager_id != assignment.previous_manager_id}
    due: dict[str, list[DueItem]] = {}
    without_manager: list[DueItem] = []
    for case in config.cases:
        manager_id = manager_of.get(case.id)
        introduction = (config.introduction_contact(case, config.managers_by_id[manager_id])
                        if manager_id is not None and case.id in new_to else None)
        if introduction is not None and manager_id is not None:
            due.setdefault(manager_id, []).append((case, introduction))
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
        reason=reason_text("case_unassigned"),
    )


def _manager_week(config: Config, manager: Manager, due: list[tuple[Case, DueContact]]) -> ManagerWeek:
    scheduling = config.policy.scheduling
    days = config.manager_days(manager)
    contacts = [_contact_input(config, case, contact, days) for case, contact in _due_order(config, due)]
    return ManagerWeek(
        manager_id=manager.id,
        base=(manager.base.lat, manager.base.lon) if manager.base else None,
        days=tuple(DayInput(_offset(config, day), spans(config.manager_windows(manager, day)))
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
    """Appointments first (their time is fixed), then introductions, then monthly visits whose month ends
    this week, then overdue, then by due date and urgency; occurrences of a requirement stay in order."""
    def key(item: tuple[Case, DueContact]) -> tuple[bool, bool, bool, bool, date, int, str, int, int]:
        case, contact = item
        rank = config.policy.complexity_rank(case.complexity)
        return (config.appointment_of(case, contact) is None, not contact.introduction,
                _month_end_offset(config, case, contact) is None, not contact.overdue,
                due_date(config, case, contact), -rank, case.id, contact.requirement_index, contact.occurrence)

    return sorted(due, key=key)


def due_date(config: Config, case: Case, contact: DueContact) -> date:
    """The day the contact falls due: its requirement's next due date from `last` (before the week
    when overdue; `DueContact.due` is that date moved up to the week's Monday), the Monday when
    the contact was never made ("due now"), the week's Sunday for weekly and N/week contacts; an
    introduction's last allowed day."""
    if contact.introduction:
        return contact.due
    requirement = case.contacts[contact.requirement_index]
    next_due = config.next_due(requirement)
    return contact.due if next_due is None else next_due


def _contact_input(config: Config, case: Case, contact: DueContact, days: list[date]) -> ContactInput:
    client = config.clients_by_id[case.client]
    location = (client.location.lat, client.location.lon) if client.location else None
    if contact.introduction:
        # Only on its days (the manager's first working days): never late, left out when none holds it.
        days = [day for day in days if day <= contact.due]
    appointment = config.appointment_of(case, contact)
    windows: tuple[tuple[int, tuple[Span, ...]], ...]
    if appointment is not None:
        # Agreed with the family: the one slot, whatever the client's usual hours; the manager's still hold.
        windows = tuple((_offset(config, day), ((appointment.start, appointment.start + contact.minutes),))
                        for day in days if day == appointment.day)
    else:
        windows = tuple((_offset(config, day), spans(config.client_windows(client, day))) for day in days)
    return ContactInput(
        key=contact.key,
        case_id=introduction_key(case.id) if contact.introduction else case.id,
        introduces=case.id if contact.introduction else "",
        group=f"{case.id}#{contact.requirement_index}",
        minutes=contact.minutes,
        in_person=contact.mode == "in_person",
        location=location if contact.mode == "in_person" else None,
        due_offset=_offset(config, due_date(config, case, contact)),
        urgency=urgency(contact.overdue, config.policy.complexity_rank(case.complexity),
                        len(config.policy.complexities)),
        month_end=_month_end_offset(config, case, contact),
        client_windows=windows,
        fixed=appointment is not None,
    )


def _month_end_offset(config: Config, case: Case, contact: DueContact) -> int | None:
    """Calendar-month compliance: for a monthly visit whose month (the one its due day falls in, or the week's
    first when overdue) has its last working day in this week, the offset of that month's last day."""
    if contact.introduction or not config.tracks_compliance(case.contacts[contact.requirement_index]):
        return None
    month_of = max(due_date(config, case, contact), config.week_start)
    if config.last_working_day(month_of) > config.week_end:
        return None
    return _offset(config, month_end(month_of))


def _offset(config: Config, day: date) -> int:
    return (day - config.week_start).days


# --- solving: time shares and processes ---


def _tasks(weeks: list[ManagerWeek], options: SolveOptions, started: float, *, parallel: bool) -> list[WeekTask]:
    """The weeks as tasks with the stage's time: the work it plans for (deterministic runs) and the
    deadline that caps it (the backstop in deterministic runs). `solve_week_chunk` shares it out."""
    reserve = min(options.time_limit_s * 0.5,
                  options.time_limit_s * RESERVE_SHARE + (SPAWN_SECONDS if parallel else 0.0))
    solve_seconds = max(0.05, options.time_limit_s - reserve)
    if options.deterministic:
        deadline = time.time() + backstop_seconds(options, solve_seconds)
    else:
        deadline = time.time() + solve_seconds - (time.perf_counter() - started)
    # Work estimates are good to about 10 %: a deterministic stage plans for a share of its time.
    work = WORK_SHARE * solve_seconds
    return [WeekTask(week, options.seed, options.log and not parallel, deadline, options.deterministic, work)
            for week in weeks]


def _solve_all(tasks: list[WeekTask], workers: int) -> list[WeekOutcome]:
    """The weeks' outcomes, in `workers` processes (1: in this one)."""
    if workers <= 1:
        return solve_week_chunk(tasks)
    chunks = _chunks(tasks, workers * CHUNKS_PER_WORKER)
    # Each process works through its share of the chunks: each chunk gets that share of the work.
    chunks = [[replace(task, work_budget=task.work_budget * min(workers, len(chunks)) / len(chunks))
               for task in chunk] for chunk in chunks]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=context) as pool:
        results = list(pool.map(solve_week_chunk, chunks))
    return [outcome for chunk in results for outcome in chunk]


def _worth_processes(weeks: list[ManagerWeek], workers: int, time_limit_s: float) -> bool:
    """Starting processes costs seconds on a busy machine: a small organisation, or a stage whose limit the
    start would eat most of (below two starts: M at --time-limit 1 took 1.9 s in two processes, 1.2 s in
    this one, for the same contacts placed), is done sooner here."""
    contacts = sum(len(week.contacts) for week in weeks)
    return (workers > 1 and len(weeks) > 1 and contacts >= MIN_CONTACTS_FOR_PROCESSES
            and time_limit_s >= 2 * SPAWN_SECONDS)


def _chunks(tasks: list[WeekTask], count: int) -> list[list[WeekTask]]:
    """Contiguous chunks (order is kept, so results line up with tasks)."""
    size = max(1, -(-len(tasks) // count))
    return [tasks[index:index + size] for index in range(0, len(tasks), size)]


def _outcome(prepared: PreparedWeek, chosen: dict[int, Placement], verdict: _Verdict) -> WeekOutcome:
    """Plain results of a week; contacts the solve left out but that still fit are added first, and
    every day is taken along its shortest timeable route."""
    placements = polish_routes(prepared, fill_gaps(prepared, chosen))
    changed = placements != chosen
    status = "feasible" if changed else verdict.status
    before, total_travel = travel_of(prepared, placements)
    contacts = prepared.week.contacts
    left_out = len(contacts) - len(placements)
    proven = left_out <= verdict.min_unplaced
    placed = [PlacedContact(contacts[index].key, offset, start, before[index],
                            max(0, offset - contacts[index].due_offset), _late_rule(prepared, index, offset))
              for index, (offset, start) in sorted(placements.items())]
    unplaced = [UnplacedContact(contacts[index].key,
                                _unplaced_rule(prepared, index, verdict.cut_short and not proven), proven)
                for index in range(len(contacts)) if index not in placements]
    terms = soft_terms(prepared, placements)
    objective = week_cost(prepared, placements) / WEIGHT_SCALE
    # The model's bound holds for the arcs it offered; a route polished beyond them may beat it.
    bound = None if verdict.bound is None else min(verdict.bound, objective)
    return WeekOutcome(prepared.week.manager_id, placed, unplaced, status, objective, bound,
                       total_travel, verdict.used_heuristic, terms, verdict.stopped_by_clock, verdict.model_run,
                       verdict.deterministic_time)


def _late_rule(prepared: PreparedWeek, contact: int, offset: int) -> str:
    """Why a contact sits after its due day ("" when it does not)."""
    due = prepared.week.contacts[contact].due_offset
    if offset <= due:
        return ""
    if due < 0:
        # Overdue before the week began: that is why it is late, appointment or not (the checker's rule).
        return "overdue"
    if prepared.week.contacts[contact].fixed:
        return "appointment"
    return "days_full_by_due" if prepared.can_be_on_time(contact) else "no_slot_by_due"


def _unplaced_rule(prepared: PreparedWeek, contact: int, cut_short: bool) -> str:
    if prepared.week.contacts[contact].fixed:
        return "appointment_conflict"
    if not prepared.week.days:
        return "no_working_day"
    if not prepared.fits_alone(contact):
        return "no_common_availability"
    return "time_limit" if cut_short else "day_capacity_full"


# --- back to the plan: one conversion, one place ---


def _plan_contacts(config: Config, due: dict[str, tuple[Case, DueContact]], weeks: list[ManagerWeek],
                   outcomes: list[WeekOutcome]) -> tuple[list[ScheduledContact], list[UnscheduledContact]]:
    contacts: list[ScheduledContact] = []
    unscheduled: list[UnscheduledContact] = []
    for week, outcome in zip(weeks, outcomes, strict=True):
        by_key = {contact.key: contact for contact in week.contacts}
        for item in outcome.placed:
            case, contact = due[item.key]
            due_day = due_date(config, case, contact)
            contacts.append(ScheduledContact(
                case_id=case.id, client_id=case.client, manager_id=week.manager_id,
                requirement_index=contact.requirement_index, occurrence=contact.occurrence, mode=contact.mode,
                day=config.week_start + timedelta(days=item.offset), start=format_clock(item.start),
                end=format_clock(item.start + contact.minutes), minutes=contact.minutes,
                overdue=contact.overdue, due=due_day, late_days=item.late_days, late_rule=item.late_rule,
                late_reason=reason_text(item.late_rule, due=due_day.isoformat(), manager=week.manager_id)
                if item.late_rule else "",
                travel_minutes_before=item.travel_before, location=place_text(by_key[item.key].location),
                introduction=contact.introduction,
            ))
        for missing in outcome.unplaced:
            case, contact = due[missing.key]
            appointment = config.appointment_of(case, contact)
            unscheduled.append(UnscheduledContact(
                case_id=case.id, client_id=case.client, manager_id=week.manager_id,
                requirement_index=contact.requirement_index, occurrence=contact.occurrence, mode=contact.mode,
                minutes=contact.minutes, rule=missing.rule, introduction=contact.introduction,
                reason=reason_text(missing.rule, "proven" if missing.proven and missing.rule == "day_capacity_full"
                                   else "default", manager=week.manager_id, minutes=contact.minutes,
                                   day=appointment.day.isoformat() if appointment else "",
                                   start=format_clock(appointment.start) if appointment else ""),
            ))
    contacts.sort(key=lambda item: (item.manager_id, item.day, item.start, item.case_id))
    return contacts, unscheduled


def _manager_counts(plan: Plan, contacts: list[ScheduledContact], unscheduled: list[UnscheduledContact],
                    outcomes: list[WeekOutcome]) -> list[ManagerLoad]:
    """The plan's manager entries with each manager's on-time, late and unscheduled contacts and travel."""
    travel = {outcome.manager_id: outcome.travel_minutes for outcome in outcomes}
    on_time: Counter[str] = Counter()
    late: Counter[str] = Counter()
    for contact in contacts:
        (late if contact.late_days else on_time)[contact.manager_id] += 1
    missing = Counter(item.manager_id for item in unscheduled if item.manager_id is not None)
    return [entry.model_copy(update={"contacts_on_time": on_time[entry.manager_id],
                                     "contacts_late": late[entry.manager_id],
                                     "contacts_unscheduled": missing[entry.manager_id],
                                     "travel_minutes": travel.get(entry.manager_id, 0)})
            for entry in plan.managers]


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
             "units, where each unplaced contact outweighs every late day and soft term together, and each "
             "day a contact waits past its due day (within the week) every soft term together"]
    if greedy:
        notes.append(f"{greedy} manager(s) kept the heuristic schedule (greedy + local search): the model "
                     "found nothing better in its time")
    skipped = sum(1 for outcome in outcomes if not outcome.model_run)
    if skipped:
        notes.append(f"{skipped} manager week(s) got no CP-SAT model in the stage's time: their heuristic "
                     "schedules (greedy, local search, shortest routes) stand")
    clock = sum(1 for outcome in outcomes if outcome.stopped_by_clock)
    if clock:
        notes.append(f"{clock} {WALL_CLOCK_WEEKS_NOTE}")
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
