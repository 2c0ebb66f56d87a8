"""The independent plan checker: re-derives every hard rule from the config and tests a plan against it.

Shares nothing with the solver code in `scheduler/` on purpose: a bug in the solver's reading of a rule
should show up here as a violation, not be repeated. Only the config's plain data accessors (points,
capacity, level ranks, working days, windows, due contacts) are used, because they define the data.

Every check indexes by id in dicts, so a state agency's plan (25,000 cases, 30,000 contacts) is checked
in linear time. Rule codes are listed in docs/readme/check.md.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from models.organisation import INTRODUCTION, Case, Client, Config, DueContact, GeoPoint, Manager
from models.plan import Plan, ScheduledContact, UnscheduledContact
from models.timeutil import TimeWindow, add_months, parse_clock

# Plans round reported numbers to 6 decimals; a total may carry that rounding once per summed term.
TOLERANCE = 1e-6
EARTH_RADIUS_KM = 6371.0
# Travel minutes are rounded up; this slack keeps 18.0000000001 minutes (float noise) at 18.
_CEIL_SLACK = 1e-9

ContactKey = tuple[str, int, int]


@dataclass(frozen=True)
class Violation:
    """One broken rule: a machine `rule` code, the `subject` it concerns (an id) and a human message."""

    rule: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}: {self.message}"


def check_plan(config: Config, plan: Plan, *, schedule: bool | None = None) -> list[Violation]:
    """Every violation of `plan` against `config`, in a stable order; [] when the plan is sound.

    `schedule`: True checks the contact schedule, False skips it, None (default) checks it whenever the
    plan carries one (any contact, unscheduled contact or contacts counted in the summary). A plan from
    the assignment stage alone has none of these and is checked as an assignment only.
    """
    assignment, violations = _read_assignments(config, plan)
    loads = _recompute_loads(config, assignment)
    minutes = _week_minutes_of(config, assignment)
    for group in (
        _week_start(config, plan),
        _unassigned_listing(config, plan, assignment),
        _eligibility(config, assignment),
        _households(config, assignment),
        _intake_caps(config, assignment),
        _move_flags(config, plan),
        _move_list(config, plan, assignment),
        _manager_loads(config, plan, loads),
        _level_summaries(config, plan, loads),
        _assignment_summary(config, plan, assignment, loads),
        _week_minutes(config, plan, minutes),
        _meeting(config, plan, assignment),
        _unassigned_claims(config, plan, assignment, loads, minutes),
    ):
        violations.extend(group)
    if schedule is None:
        schedule = _has_schedule(plan)
    if schedule:
        violations.extend(_check_schedule(config, plan, assignment))
    return violations


def _has_schedule(plan: Plan) -> bool:
    summary = plan.summary
    return bool(plan.contacts or plan.unscheduled or summary.contacts_due or summary.contacts_scheduled)


def _close(reported: float, expected: float, terms: int = 1) -> bool:
    return abs(reported - expected) <= TOLERANCE * max(1, terms)


def _missing_reason(rule: str, reason: str) -> bool:
    return not rule.strip() or not reason.strip()


# --- assignment listing ------------------------------------------------------------------------------


def _read_assignments(config: Config, plan: Plan) -> tuple[dict[str, str | None], list[Violation]]:
    """case id -> manager id (None: unassigned) for the plan's first entry of every known case.

    An unknown manager is reported here and kept in the map (the plan did assign the case); later
    checks skip what they cannot look up for it.
    """
    violations: list[Violation] = []
    assignment: dict[str, str | None] = {}
    seen: set[str] = set()
    for entry in plan.assignments:
        case = config.cases_by_id.get(entry.case_id)
        if case is None:
            violations.append(Violation("case_unknown", entry.case_id, "the config has no such case"))
            continue
        if entry.case_id in seen:
            violations.append(Violation("case_duplicate", entry.case_id, "the case is assigned more than once"))
            continue
        seen.add(entry.case_id)
        if entry.client_id != case.client:
            violations.append(_client_mismatch(entry.case_id, entry.client_id, case.client))
        expected_points = config.case_points(case)
        if not _close(entry.points, expected_points):
            violations.append(Violation("points_mismatch", entry.case_id,
                                        f"points {entry.points} reported, the case has {expected_points}"))
        if entry.manager_id is not None and entry.manager_id not in config.managers_by_id:
            violations.append(Violation("manager_unknown", entry.case_id,
                                        f"assigned to '{entry.manager_id}', which is not a manager"))
        assignment[entry.case_id] = entry.manager_id
    for case in config.cases:
        if case.id not in seen:
            violations.append(Violation("case_missing", case.id, "the case is not in the plan's assignments"))
    return assignment, violations


def _client_mismatch(subject: str, reported: str, expected: str) -> Violation:
    return Violation("client_mismatch", subject, f"client '{reported}' reported, the case's client is '{expected}'")


def _week_start(config: Config, plan: Plan) -> Iterator[Violation]:
    if plan.week_start != config.week_start:
        yield Violation("week_start_mismatch", "plan",
                        f"the plan is for the week of {plan.week_start}, the config for {config.week_start}")


def _unassigned_listing(config: Config, plan: Plan, assignment: Mapping[str, str | None]) -> Iterator[Violation]:
    """A case is either assigned or listed unassigned (once, with a rule and a reason), never both."""
    listed: Counter[str] = Counter()
    for entry in plan.unassigned:
        case = config.cases_by_id.get(entry.case_id)
        if case is None:
            yield Violation("unassigned_unknown", entry.case_id, "listed unassigned, but the config has no such case")
            continue
        listed[entry.case_id] += 1
        if listed[entry.case_id] == 2:
            yield Violation("unassigned_duplicate", entry.case_id, "listed unassigned more than once")
        if assignment.get(entry.case_id) is not None:
            yield Violation("unassigned_conflict", entry.case_id,
                            f"listed unassigned, but assigned to {assignment[entry.case_id]}")
        if entry.client_id != case.client:
            yield _client_mismatch(entry.case_id, entry.client_id, case.client)
        if not _close(entry.points, config.case_points(case)):
            yield Violation("points_mismatch", entry.case_id,
                            f"unassigned points {entry.points} reported, the case has {config.case_points(case)}")
        if _missing_reason(entry.rule, entry.reason):
            yield Violation("reason_missing", entry.case_id, "an unassigned case needs a rule and a reason")
        elif entry.rule in NOBODY_RULES and assignment.get(entry.case_id) is None:
            yield from _nobody_may_carry(config, case, entry.rule)
    for case_id, manager_id in assignment.items():
        if manager_id is None and listed[case_id] == 0:
            yield Violation("unassigned_missing", case_id, "the case has no manager and is not listed unassigned")


# Unassigned rules that claim no manager at all may carry the case: re-derived, not taken on trust.
NOBODY_RULES = frozenset({"no_level", "no_skill", "no_language", "no_manager_available"})


def _nobody_may_carry(config: Config, case: Case, rule: str) -> Iterator[Violation]:
    """The claim that no manager may carry `case` (as new work: level, skills, language, at work,
    open to new cases, not excluded by the client) is false when some manager may."""
    fresh = case.model_copy(update={"manager": None, "locked": False})
    for manager in config.managers:
        if not any(_refusals(config, fresh, manager, bool(config.manager_days(manager)))):
            yield Violation("unassigned_reason_false", case.id,
                            f"listed unassigned for {rule}, but {manager.id} may carry it")
            return


def _unassigned_claims(config: Config, plan: Plan, assignment: Mapping[str, str | None],
                       loads: Mapping[str, _Load], minutes: _Minutes) -> Iterator[Violation]:
    """`household_conflict` and `capacity_exhausted` re-derived from the config and the plan's loads.

    household_conflict: no manager the household rule leaves the case (the managers of its household's
    locked cases when it has any, else anyone) may carry it, and, without locks, every case of its household.
    capacity_exhausted: no such manager who may carry it, within the drive limit and able to meet the client,
    has room left for it (with the other cases of its household listed for the same reason): points,
    cases, new cases within the intake cap and, when overtime is weighed, the week's minutes.
    """
    takers = _Takers(config)
    # A staffing proof plan fills managers to its target utilisation, not to capacity: its capacity_exhausted
    # is at that target (staffing.json holds it; the tests of scheduler/staffing.py check loads against it).
    staffing = any(stage.stage == "staffing" for stage in plan.solver)
    new = _new_cases(config, assignment)
    listed = {entry.case_id for entry in plan.unassigned if entry.rule in ("capacity_exhausted", "weighed_out")}
    for entry in plan.unassigned:
        case = config.cases_by_id.get(entry.case_id)
        if case is None or assignment.get(case.id) is not None or (case.locked and case.manager is not None):
            continue  # reported by _unassigned_listing, or by _eligibility as a broken lock
        if entry.rule == "household_conflict":
            taker = _household_taker(config, takers, case)
            if taker is not None:
                yield Violation("unassigned_reason_false", case.id, "listed unassigned for household_conflict, but "
                                                                    f"{taker} may carry it with its household")
        elif entry.rule == "not_assigned" and case.manager is not None:
            yield Violation("unassigned_reason_false", case.id,
                            f"listed unassigned for not_assigned, but the config gives it to {case.manager}")
        elif entry.rule in ("capacity_exhausted", "weighed_out") and not staffing:
            # The cases of its household listed for the same reasons go together.
            group = [other for other in _household_of(config, case) if other.id == case.id or other.id in listed]
            roomy = next((manager for manager in _household_managers(config, case, assignment)
                          if _has_room(config, takers, loads, minutes, new, group, manager)), None)
            if roomy is not None and entry.rule == "capacity_exhausted":
                yield Violation("unassigned_reason_false", case.id,
                                f"listed unassigned for capacity_exhausted, but {roomy.id} may carry it and has "
                                f"room for it{' and its household' if len(group) > 1 else ''}")
            elif roomy is None and entry.rule == "weighed_out":
                yield Violation("unassigned_reason_false", case.id,
                                "listed unassigned for weighed_out, but no manager who may take it has room for it")


def _household_of(config: Config, case: Case) -> list[Case]:
    """The cases that must share a manager with `case` (just the case when households may split)."""
    if not config.policy.households_together:
        return [case]
    return config.cases_by_household[config.clients_by_id[case.client].household_key]


def _household_managers(config: Config, case: Case, assignment: Mapping[str, str | None]) -> list[Manager]:
    """The managers the household rule lets `case` go to: those of its household's locked cases, else the
    one its household's assigned cases went to, else anyone."""
    household = _household_of(config, case)
    tied = {str(other.manager) for other in household if other.locked and other.manager is not None}
    if not tied:
        tied = {str(assignment[other.id]) for other in household
                if other.id != case.id and assignment.get(other.id) is not None}
    if tied:
        return [config.managers_by_id[manager_id] for manager_id in sorted(tied) if manager_id in config.managers_by_id]
    return list(config.managers)


class _Takers:
    """Who may take a case (kept by its holder, as new work for anyone else): by the class rules and, as
    `_meeting` holds plans to, within the drive limit wherever a carrier within it exists and able to meet
    the client wherever one of those can. Worked out once per case and way of holding it: every unassigned
    case asks about every manager, and each answer needs the whole field."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.meeting = MeetingCheck(config)
        self._found: dict[tuple[str, bool], frozenset[str]] = {}

    def may_take(self, case: Case, manager: Manager) -> bool:
        kept = case.manager == manager.id
        key = (case.id, kept)
        if key not in self._found:
            as_given = case if kept else case.model_copy(update={"manager": None, "locked": False})
            self._found[key] = self._field(case, as_given)
        return manager.id in self._found[key]

    def _field(self, case: Case, as_given: Case) -> frozenset[str]:
        config, meeting = self.config, self.meeting
        limit = config.policy.scheduling.max_drive_minutes
        client = config.clients_by_id[case.client]
        others = [other for other in config.managers if may_carry(config, as_given, other)]
        near = [other for other in others if limit is None or _drive(config, other, client) <= limit]
        pool = near or others
        someone_meets = any(meeting.meets(other, case) for other in pool)
        return frozenset(other.id for other in pool if meeting.meets(other, case) or not someone_meets)


def _household_taker(config: Config, takers: _Takers, case: Case) -> str | None:
    """A manager the household rule allows who may take `case` (and, without locks, every case of its
    household); None when household_conflict holds."""
    household = _household_of(config, case)
    if len(household) < 2:
        return "any manager (the case has no household to keep together)"
    tied = any(other.locked and other.manager is not None for other in household)
    for manager in _household_managers(config, case, {}):
        needs = [case] if tied else household
        if all(takers.may_take(other, manager) for other in needs):
            return manager.id
    return None


def _new_cases(config: Config, assignment: Mapping[str, str | None]) -> Counter[str]:
    """Cases new to each manager under `assignment` (intake placed with them, cases moved to them)."""
    new: Counter[str] = Counter()
    for case in config.cases:
        manager_id = assignment.get(case.id)
        if manager_id is not None and manager_id != case.manager:
            new[manager_id] += 1
    return new


def _has_room(config: Config, takers: _Takers, loads: Mapping[str, _Load], minutes: _Minutes,
              new: Mapping[str, int], group: list[Case], manager: Manager) -> bool:
    """Whether `manager` may carry every case of `group`, reach and meet each client, and take them all
    within capacity, case limit, intake cap (`new`: the cases already new to each manager) and (when
    overtime is weighed) the week's minutes."""
    if not all(takers.may_take(case, manager) for case in group):
        return False
    load = loads[manager.id]
    points = sum(config.case_points(case) for case in group)
    if load.load + points > load.capacity + TOLERANCE or load.cases + len(group) > load.max_cases:
        return False
    cap = config.intake_cap(manager)
    if cap is not None and new.get(manager.id, 0) + sum(case.manager != manager.id for case in group) > cap:
        return False
    if not config.policy.weights.overtime:
        return True
    return (minutes.needed[manager.id] + sum(_needed(config, case, manager) for case in group)
            <= minutes.available[manager.id])


# --- eligibility, locks, households ------------------------------------------------------------------


def _eligibility(config: Config, assignment: Mapping[str, str | None]) -> Iterator[Violation]:
    working = {manager.id for manager in config.managers if config.manager_days(manager)}
    for case in config.cases:
        if case.id not in assignment:
            continue
        manager_id = assignment[case.id]
        if case.locked and case.manager is not None:
            # A locked case's only rule: it stays where it is, whatever else holds.
            if manager_id != case.manager:
                where = f"assigned to {manager_id}" if manager_id else "left unassigned"
                yield Violation("locked", case.id, f"locked to {case.manager}, but {where}")
            continue
        if manager_id is not None and manager_id in config.managers_by_id:
            yield from _refusals(config, case, config.managers_by_id[manager_id], manager_id in working)


def _refusals(config: Config, case: Case, manager: Manager, working: bool) -> Iterator[Violation]:
    """Each eligibility rule `manager` breaks for `case` (one violation per broken rule)."""
    policy = config.policy
    if manager.id in config.clients_by_id[case.client].excluded_managers:
        yield Violation("eligibility_excluded", case.id,
                        f"client {case.client} excludes {manager.id} from their cases")
    needed_rank = config.required_level_rank(case)
    if policy.level_rank(manager.level) < needed_rank:
        needed = policy.levels[needed_rank].name if needed_rank < len(policy.levels) else "a level above all"
        yield Violation("eligibility_level", case.id,
                        f"complexity '{case.complexity}'{' (escalated)' if case.escalate else ''} needs "
                        f"{needed}; {manager.id} is {manager.level}")
    missing_skills = sorted(set(policy.case_type(case.type).skills) - set(manager.skills))
    if missing_skills:
        yield Violation("eligibility_skill", case.id,
                        f"case type '{case.type}' needs skills {', '.join(missing_skills)} that {manager.id} lacks")
    language = config.clients_by_id[case.client].language
    if language not in manager.languages:
        yield Violation("eligibility_language", case.id,
                        f"the client speaks '{language}'; {manager.id} does not")
    if not working:
        yield Violation("eligibility_on_leave", case.id, f"{manager.id} has no working day this week")
    if not manager.accepts_new_cases and manager.id != case.manager:
        yield Violation("eligibility_closed", case.id, f"moved to {manager.id}, who accepts no new cases")


def _households(config: Config, assignment: Mapping[str, str | None]) -> Iterator[Violation]:
    """Assigned cases of one household share a manager.

    Locked cases may split a household between several managers (not the plan's doing); then each
    unlocked case must go to one of the managers its household's locked cases sit with.
    """
    if not config.policy.households_together:
        return
    members: dict[str, list[Case]] = defaultdict(list)
    for case in config.cases:
        members[config.clients_by_id[case.client].household_key].append(case)
    for household, cases in members.items():
        if len(cases) > 1:
            yield from _household_violation(household, cases, assignment)


def _household_violation(household: str, cases: list[Case],
                         assignment: Mapping[str, str | None]) -> Iterator[Violation]:
    locked_managers = {case.manager for case in cases if case.locked and case.manager is not None}
    used = {assignment[case.id] for case in cases if assignment.get(case.id) is not None}
    if len(locked_managers) >= 2:
        strays = sorted(str(manager) for manager in used - locked_managers)
        if strays:
            yield Violation("household_split", household,
                            f"locked cases sit with {', '.join(sorted(str(m) for m in locked_managers))}; "
                            f"cases also went to {', '.join(strays)}")
    elif len(used) > 1:
        yield Violation("household_split", household,
                        f"cases of one household went to {', '.join(sorted(str(m) for m in used))}")


def _intake_caps(config: Config, assignment: Mapping[str, str | None]) -> Iterator[Violation]:
    """No manager gets more cases new to them (intake placed with them, cases moved to them; each case of a
    household counts) than their `max_new_cases`, or the policy's."""
    new = _new_cases(config, assignment)
    for manager in config.managers:
        cap = config.intake_cap(manager)
        if cap is not None and new[manager.id] > cap:
            yield Violation("intake_cap", manager.id,
                            f"{new[manager.id]} cases are new to {manager.id} this week, above the cap of {cap}")


# --- moves ---------------------------------------------------------------------------------------------


def _is_move(case: Case, manager_id: str | None) -> bool:
    """A move gives the case to a manager other than its current one; leaving it unassigned is not."""
    return manager_id is not None and manager_id != case.manager


def _move_flags(config: Config, plan: Plan) -> Iterator[Violation]:
    for entry in plan.assignments:
        case = config.cases_by_id.get(entry.case_id)
        if case is None:
            continue
        if entry.previous_manager_id != case.manager:
            yield Violation("previous_manager", entry.case_id,
                            f"previous manager {entry.previous_manager_id} reported, the config says {case.manager}")
        if entry.moved != _is_move(case, entry.manager_id):
            yield Violation("moved_flag", entry.case_id,
                            f"moved={entry.moved}, but the case goes from {case.manager} to {entry.manager_id}")


def _move_list(config: Config, plan: Plan, assignment: Mapping[str, str | None]) -> Iterator[Violation]:
    """plan.moves lists exactly the moved cases, each once, with from, to, points, rule and reason."""
    listed: set[str] = set()
    for move in plan.moves:
        case = config.cases_by_id.get(move.case_id)
        if case is None:
            yield Violation("move_unexpected", move.case_id, "a move of a case the config does not have")
            continue
        if move.case_id in listed:
            yield Violation("move_duplicate", move.case_id, "the case is listed as moved more than once")
            continue
        listed.add(move.case_id)
        manager_id = assignment.get(move.case_id)
        if not _is_move(case, manager_id):
            yield Violation("move_unexpected", move.case_id, f"listed as moved, but the case goes from "
                                                             f"{case.manager} to {manager_id}")
            continue
        yield from _move_fields(config, case, move.from_manager, move.to_manager, move.points, str(manager_id))
        if move.client_id != case.client:
            yield _client_mismatch(move.case_id, move.client_id, case.client)
        if _missing_reason(move.rule, move.reason):
            yield Violation("reason_missing", move.case_id, "a move needs a rule and a reason")
    for case in config.cases:
        if _is_move(case, assignment.get(case.id)) and case.id not in listed:
            yield Violation("move_missing", case.id,
                            f"moved from {case.manager} to {assignment[case.id]} but not listed in moves")


def _move_fields(config: Config, case: Case, from_manager: str | None, to_manager: str, points: float,
                 assigned_to: str) -> Iterator[Violation]:
    problems = []
    if from_manager != case.manager:
        problems.append(f"from {from_manager} (the current manager is {case.manager})")
    if to_manager != assigned_to:
        problems.append(f"to {to_manager} (the case is assigned to {assigned_to})")
    if not _close(points, config.case_points(case)):
        problems.append(f"points {points} (the case has {config.case_points(case)})")
    if problems:
        yield Violation("move_mismatch", case.id, "the move says " + "; ".join(problems))


# --- loads, capacity and reported metrics ---------------------------------------------------------------


@dataclass(frozen=True)
class _Load:
    """A manager's recomputed load."""

    manager: Manager
    load: float
    cases: int
    capacity: float
    max_cases: int

    @property
    def utilisation(self) -> float:
        return self.load / self.capacity

    @property
    def overload(self) -> float:
        return max(0.0, self.load - self.capacity)

    @property
    def overloaded(self) -> bool:
        return self.load > self.capacity + TOLERANCE or self.cases > self.max_cases


def _recompute_loads(config: Config, assignment: Mapping[str, str | None]) -> dict[str, _Load]:
    points: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for case in config.cases:
        manager_id = assignment.get(case.id)
        if manager_id is not None:
            points[manager_id] += config.case_points(case)
            counts[manager_id] += 1
    return {
        manager.id: _Load(manager, points[manager.id], counts[manager.id],
                          config.capacity_points(manager), config.max_cases(manager))
        for manager in config.managers
    }


def _manager_loads(config: Config, plan: Plan, loads: Mapping[str, _Load]) -> Iterator[Violation]:
    """One plan.managers entry per manager, each matching the recomputed load; overload reported."""
    seen: set[str] = set()
    for entry in plan.managers:
        truth = loads.get(entry.manager_id)
        if truth is None or entry.manager_id in seen:
            yield Violation("manager_load_unknown", entry.manager_id,
                            "a load entry for an unknown manager, or a second entry for one manager")
            continue
        seen.add(entry.manager_id)
        wrong = _wrong_fields(
            {"level": entry.level, "region": entry.region, "cases": entry.cases, "max_cases": entry.max_cases,
             "load": entry.load, "capacity": entry.capacity, "utilisation": entry.utilisation,
             "overload": entry.overload},
            {"level": truth.manager.level, "region": truth.manager.region, "cases": truth.cases,
             "max_cases": truth.max_cases, "load": truth.load, "capacity": truth.capacity,
             "utilisation": truth.utilisation, "overload": truth.overload},
        )
        if not wrong:
            continue
        hides_overload = truth.overloaded and any(
            text.split(" ", 1)[0] in ("cases", "max_cases", "overload") for text in wrong)
        rule = "overload_unreported" if hides_overload else "manager_load_mismatch"
        yield Violation(rule, entry.manager_id, "; ".join(wrong))
    for manager in config.managers:
        if manager.id not in seen:
            yield Violation("manager_load_missing", manager.id, "the plan has no load entry for this manager")


def _wrong_fields(reported: Mapping[str, object], expected: Mapping[str, object],
                  terms: Mapping[str, int] | None = None) -> list[str]:
    """'field reported X, expected Y' for each field that differs (floats within the tolerance)."""
    terms = terms or {}
    wrong = []
    for name, want in expected.items():
        got = reported[name]
        if isinstance(want, float) and isinstance(got, int | float) and not isinstance(got, bool):
            same = _close(float(got), want, terms.get(name, 1))
        else:
            same = got == want
        if not same:
            shown = f"{want:.6g}" if isinstance(want, float) else want
            wrong.append(f"{name} {got} reported, recomputed {shown}")
    return wrong


def _level_summaries(config: Config, plan: Plan, loads: Mapping[str, _Load]) -> Iterator[Violation]:
    by_level: dict[str, list[_Load]] = defaultdict(list)
    for load in loads.values():
        by_level[load.manager.level].append(load)
    level_names = {level.name for level in config.policy.levels}
    seen: set[str] = set()
    for entry in plan.levels:
        if entry.level not in level_names or entry.level in seen:
            yield Violation("level_summary_mismatch", entry.level,
                            "a summary for an unknown level, or a second summary for one level")
            continue
        seen.add(entry.level)
        members = by_level.get(entry.level, [])
        utilisations = [member.utilisation for member in members]
        count = len(members)
        wrong = _wrong_fields(
            entry.model_dump(),
            {"managers": count, "cases": sum(member.cases for member in members),
             "load": sum(member.load for member in members),
             "capacity": sum(member.capacity for member in members),
             "max_utilisation": max(utilisations, default=0.0),
             "mean_utilisation": sum(utilisations) / count if count else 0.0},
            {"load": count, "capacity": count, "mean_utilisation": 2},
        )
        if wrong:
            yield Violation("level_summary_mismatch", entry.level, "; ".join(wrong))
    for level in config.policy.levels:
        if level.name not in seen:
            yield Violation("level_summary_mismatch", level.name, "the plan has no summary for this level")


def _assignment_summary(config: Config, plan: Plan, assignment: Mapping[str, str | None],
                        loads: Mapping[str, _Load]) -> Iterator[Violation]:
    unassigned = [config.cases_by_id[case_id] for case_id, manager in assignment.items() if manager is None]
    managers = len(loads)
    expected: dict[str, object] = {
        "managers": len(config.managers),
        "cases": len(config.cases),
        "assigned_cases": sum(1 for manager in assignment.values() if manager is not None),
        "unassigned_cases": len(unassigned),
        "unassigned_points": float(sum(config.case_points(case) for case in unassigned)),
        "total_load": float(sum(load.load for load in loads.values())),
        "total_capacity": float(sum(load.capacity for load in loads.values())),
        "max_utilisation": max((load.utilisation for load in loads.values()), default=0.0),
        "overloaded_managers": sum(1 for load in loads.values() if load.overloaded),
        "overload_points": float(sum(load.overload for load in loads.values())),
        # Reassignments and intake placements are counted apart (both are listed in `moves`).
        "moves": sum(1 for case in config.cases
                     if case.manager is not None and _is_move(case, assignment.get(case.id))),
        "placements": sum(1 for case in config.cases
                          if case.manager is None and _is_move(case, assignment.get(case.id))),
        "region_mismatches": _region_mismatches(config, assignment),
    }
    terms = {"unassigned_points": len(unassigned), "total_load": managers, "total_capacity": managers,
             "overload_points": managers}
    yield from _summary_violations(plan.summary.model_dump(), expected, terms)


def _summary_violations(reported: Mapping[str, object], expected: Mapping[str, object],
                        terms: Mapping[str, int]) -> Iterator[Violation]:
    for text in _wrong_fields(reported, expected, terms):
        name = text.split(" ", 1)[0]
        yield Violation("summary_mismatch", f"summary.{name}", text)


def _region_mismatches(config: Config, assignment: Mapping[str, str | None]) -> int:
    """Cases held by a manager of another region (only when both regions are known)."""
    count = 0
    for case_id, manager_id in assignment.items():
        if manager_id is None or manager_id not in config.managers_by_id:
            continue
        client_region = config.clients_by_id[config.cases_by_id[case_id].client].region
        manager_region = config.managers_by_id[manager_id].region
        if client_region is not None and manager_region is not None and client_region != manager_region:
            count += 1
    return count


# --- schedule -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Placed:
    """A scheduled contact whose times parse, with its case, client and manager looked up."""

    contact: ScheduledContact
    subject: str
    start: int
    end: int
    client: Client
    manager: Manager


class _Calendar:
    """Per (manager, day) windows and per day client windows, computed once each."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._working: dict[str, frozenset[date]] = {}
        self._manager_windows: dict[tuple[str, date], list[TimeWindow]] = {}
        self._client_windows: dict[tuple[str, date], list[TimeWindow]] = {}

    def working_days(self, manager: Manager) -> frozenset[date]:
        if manager.id not in self._working:
            self._working[manager.id] = frozenset(self.config.manager_days(manager))
        return self._working[manager.id]

    def manager_windows(self, manager: Manager, day: date) -> list[TimeWindow]:
        """The manager's working windows, blocked time not taken out (`blocked_time` checks it)."""
        key = (manager.id, day)
        if key not in self._manager_windows:
            self._manager_windows[key] = self.config.working_windows(manager, day)
        return self._manager_windows[key]

    def client_windows(self, client: Client, day: date) -> list[TimeWindow]:
        key = (client.id, day)
        if key not in self._client_windows:
            self._client_windows[key] = self.config.client_windows(client, day)
        return self._client_windows[key]


def _contact_subject(case_id: str, requirement_index: int, occurrence: int) -> str:
    return f"{case_id}#{requirement_index}.{occurrence}"


def _check_schedule(config: Config, plan: Plan, assignment: Mapping[str, str | None]) -> list[Violation]:
    due = {(item.case_id, item.requirement_index, item.occurrence): item
           for case in config.cases for item in config.due_contacts(case)}
    due.update(_introductions_due(config, assignment))
    violations = list(_contact_listing(config, plan, assignment, due))
    calendar = _Calendar(config)
    violations.extend(_unscheduled_claims(config, plan, calendar, assignment, due))
    placed: list[_Placed] = []
    for contact in plan.contacts:
        found = _place(config, contact, violations)
        if found is not None:
            placed.append(found)
            violations.extend(_contact_times(config, calendar, found))
            requirement = due.get((contact.case_id, contact.requirement_index, contact.occurrence))
            if requirement is not None:
                violations.extend(_deadline(config, calendar, found, requirement))
                violations.extend(_appointment_kept(config, found, requirement))
    by_manager_day: dict[tuple[str, date], list[_Placed]] = defaultdict(list)
    by_case: dict[str, list[_Placed]] = defaultdict(list)
    for item in placed:
        by_manager_day[(item.manager.id, item.contact.day)].append(item)
        by_case[item.contact.case_id].append(item)
    travel = 0
    for (_, day), items in sorted(by_manager_day.items()):
        items.sort(key=lambda item: (item.start, item.end, item.subject))
        violations.extend(_manager_day(config, calendar, day, items))
        day_travel, found_violations = _travel(config, calendar, day, items)
        travel += day_travel
        violations.extend(found_violations)
    for case_id in sorted(by_case):
        violations.extend(_spacing(config, case_id, [item for item in by_case[case_id]
                                                     if item.contact.requirement_index != INTRODUCTION]))
        if (case_id, INTRODUCTION, 0) in due:
            violations.extend(_introduction_first(config, by_case[case_id]))
    violations.extend(_schedule_summary(plan, len(due), travel))
    violations.extend(_manager_contact_counts(plan))
    violations.extend(_compliance(config, plan, assignment))
    return violations


def _contact_listing(config: Config, plan: Plan, assignment: Mapping[str, str | None],
                     due: Mapping[ContactKey, DueContact]) -> Iterator[Violation]:
    """Every due contact is scheduled once or listed unscheduled once; nothing else appears."""
    entries: list[ScheduledContact | UnscheduledContact] = [*plan.contacts, *plan.unscheduled]
    seen: set[ContactKey] = set()
    for entry in entries:
        key = (entry.case_id, entry.requirement_index, entry.occurrence)
        subject = _contact_subject(*key)
        requirement = due.get(key)
        if entry.introduction != (entry.requirement_index == INTRODUCTION):
            yield Violation("introduction", subject, f"introduction={entry.introduction}, but requirement_index "
                                                     f"{entry.requirement_index} (an introduction has {INTRODUCTION})")
        if requirement is None and entry.requirement_index == INTRODUCTION:
            yield Violation("introduction", subject, "an introduction, but the case is not new to its manager "
                                                     "(neither moved nor new intake placed)")
            continue
        if requirement is None:
            yield Violation("contact_not_due", subject, "the config has no such contact due this week")
            continue
        if key in seen:
            yield Violation("contact_duplicate", subject, "scheduled or listed unscheduled more than once")
            continue
        seen.add(key)
        yield from _contact_fields(config, entry, subject, requirement, assignment.get(entry.case_id))
    for key in sorted(set(due) - seen):
        if key[1] == INTRODUCTION:
            yield Violation("introduction", _contact_subject(*key), f"the case is new to {assignment.get(key[0])} "
                                                                    "but its introduction is neither scheduled nor "
                                                                    "listed unscheduled")
        else:
            yield Violation("contact_missing", _contact_subject(*key),
                            "due, but neither scheduled nor listed unscheduled")


def _contact_fields(config: Config, entry: ScheduledContact | UnscheduledContact, subject: str,
                    requirement: DueContact, manager_id: str | None) -> Iterator[Violation]:
    case = config.cases_by_id[entry.case_id]
    if entry.client_id != case.client:
        yield _client_mismatch(subject, entry.client_id, case.client)
    if entry.mode != requirement.mode:
        yield Violation("contact_mode", subject, f"mode {entry.mode}, the requirement says {requirement.mode}")
    if entry.minutes != requirement.minutes:
        yield Violation("contact_minutes", subject,
                        f"{entry.minutes} minutes, the requirement says {requirement.minutes}")
    if isinstance(entry, ScheduledContact):
        yield from _scheduled_manager(entry, subject, manager_id)
    else:
        yield from _unscheduled_manager(entry, subject, manager_id)


def _scheduled_manager(entry: ScheduledContact, subject: str, manager_id: str | None) -> Iterator[Violation]:
    if manager_id is None:
        yield Violation("contact_case_unassigned", subject,
                        "scheduled, but the case is unassigned (list it unscheduled with rule case_unassigned)")
    elif entry.manager_id != manager_id:
        yield Violation("contact_manager", subject, f"given to {entry.manager_id}; the case is with {manager_id}")


def _unscheduled_manager(entry: UnscheduledContact, subject: str, manager_id: str | None) -> Iterator[Violation]:
    if _missing_reason(entry.rule, entry.reason):
        yield Violation("reason_missing", subject, "an unscheduled contact needs a rule and a reason")
    if (manager_id is None) != (entry.rule == "case_unassigned"):
        yield Violation("contact_case_unassigned", subject,
                        f"rule {entry.rule}, but the case is {'with ' + manager_id if manager_id else 'unassigned'}; "
                        "rule case_unassigned is for (and only for) contacts of unassigned cases")
    if entry.manager_id is not None and entry.manager_id != manager_id:
        yield Violation("contact_manager", subject, f"listed for {entry.manager_id}; the case is with {manager_id}")


def _unscheduled_claims(config: Config, plan: Plan, calendar: _Calendar, assignment: Mapping[str, str | None],
                        due: Mapping[ContactKey, DueContact]) -> Iterator[Violation]:
    """Each unscheduled contact's rule re-derived by enumeration, independently of the schedule engine:
    no_working_day (the manager works no day), no_common_availability (no slot where it fits even alone; an
    introduction only up to its due day),
    day_capacity_full and time_limit (some such slot exists; time_limit only when the schedule stopped
    before proving its plan), appointment_conflict (the contact has an appointment)."""
    stopped = any(stage.stage == "schedule" and stage.status != "optimal" for stage in plan.solver)
    for entry in plan.unscheduled:
        key = (entry.case_id, entry.requirement_index, entry.occurrence)
        manager = config.managers_by_id.get(assignment.get(entry.case_id) or "")
        requirement = due.get(key)
        if manager is None or requirement is None or entry.rule == "case_unassigned":
            continue  # an unassigned case or an unknown contact: reported by _contact_listing
        case = config.cases_by_id[entry.case_id]
        subject = _contact_subject(*key)
        if entry.rule == "appointment_conflict":
            if config.appointment_of(case, requirement) is None:
                yield Violation("unscheduled_reason_false", subject,
                                "listed unscheduled for appointment_conflict, but the contact has no appointment")
            continue
        works = bool(calendar.working_days(manager))
        if entry.rule == "no_working_day":
            if works:
                yield Violation("unscheduled_reason_false", subject,
                                f"listed unscheduled for no_working_day, but {manager.id} works "
                                f"{min(calendar.working_days(manager))}")
            continue
        # An introduction may only be made on its manager's first working days, up to its due day.
        slot = None if not works else _slot_alone(config, calendar, manager, config.clients_by_id[case.client],
                                                  requirement.minutes, requirement.mode == "in_person",
                                                  requirement.due if requirement.introduction else None)
        if entry.rule == "no_common_availability" and slot is not None:
            yield Violation("unscheduled_reason_false", subject,
                            f"listed unscheduled for no_common_availability, but it fits alone on {slot[0]} at "
                            f"{_clock(slot[1])}")
        elif entry.rule in ("day_capacity_full", "time_limit") and slot is None:
            yield Violation("unscheduled_reason_false", subject,
                            f"listed unscheduled for {entry.rule}, but no working day of {manager.id}'s has a slot "
                            "where it fits even alone")
        elif entry.rule == "time_limit" and not stopped:
            yield Violation("unscheduled_reason_false", subject,
                            "listed unscheduled for time_limit, but the schedule was solved to optimality")


def _place(config: Config, contact: ScheduledContact, violations: list[Violation]) -> _Placed | None:
    """The contact with parsed times and looked-up people, or None when it cannot be placed at all."""
    subject = _contact_subject(contact.case_id, contact.requirement_index, contact.occurrence)
    case = config.cases_by_id.get(contact.case_id)
    manager = config.managers_by_id.get(contact.manager_id)
    if case is None or manager is None:
        if manager is None:
            violations.append(Violation("manager_unknown", subject, f"'{contact.manager_id}' is not a manager"))
        return None
    try:
        start, end = parse_clock(contact.start), parse_clock(contact.end)
    except ValueError as error:
        violations.append(Violation("contact_duration", subject, str(error)))
        return None
    if end - start != contact.minutes:
        violations.append(Violation("contact_duration", subject,
                                    f"{contact.start}-{contact.end} is {end - start} minutes, not {contact.minutes}"))
    client = config.clients_by_id[case.client]
    return _Placed(contact, subject, start, end, client, manager)


def _inside(windows: Iterable[TimeWindow], start: int, end: int) -> TimeWindow | None:
    for window in windows:
        if window.start <= start and end <= window.end:
            return window
    return None


def _contact_times(config: Config, calendar: _Calendar, item: _Placed) -> Iterator[Violation]:
    """Rules one contact must meet alone: slot grid, working day, both people's windows, lunch."""
    scheduling = config.policy.scheduling
    contact, subject = item.contact, item.subject
    span = f"{contact.day} {contact.start}-{contact.end}"
    if item.start % scheduling.slot_minutes:
        yield Violation("slot_grid", subject,
                        f"starts at {contact.start}, off the {scheduling.slot_minutes}-minute grid")
    if contact.day not in calendar.working_days(item.manager):
        yield Violation("working_day", subject, f"{contact.day} is not a working day of {item.manager.id}")
    elif _inside(calendar.manager_windows(item.manager, contact.day), item.start, item.end) is None:
        yield Violation("manager_window", subject, f"{span} is outside {item.manager.id}'s availability")
    for block in _blocks_on(item.manager, contact.day):
        if item.start < block.end and block.start < item.end:
            yield Violation("blocked_time", subject, f"{span} overlaps {item.manager.id}'s blocked time "
                                                     f"{_clock(block.start)}-{_clock(block.end)}")
    for gap in _off_clock(config.timezone, contact.day):
        if item.start < gap.end and gap.start < item.end:
            yield Violation("clock_change", subject, f"{span} meets {_clock(gap.start)}-{_clock(gap.end)}, which the "
                                                     f"clock change skips or repeats in {config.timezone}")
    # An appointment is agreed with the family: its time stands whatever the client's usual hours.
    if _inside(calendar.client_windows(item.client, contact.day), item.start, item.end) is None and not (
            _at_appointment(config, item)):
        yield Violation("client_window", subject, f"{span} is outside the client's availability")
    lunch = scheduling.lunch
    if lunch is not None and item.start < lunch.end and lunch.start < item.end:
        yield Violation("lunch", subject, f"{span} overlaps lunch")


def _manager_day(config: Config, calendar: _Calendar, day: date, items: list[_Placed]) -> Iterator[Violation]:
    """Rules between the contacts of one manager on one day (`items` sorted by start)."""
    manager = items[0].manager
    subject = f"{manager.id} {day}"
    limit = config.policy.scheduling.max_contacts_per_day
    if len(items) > limit:
        yield Violation("day_limit", subject, f"{len(items)} contacts, the limit is {limit}")
    latest = items[0]
    for item in items[1:]:
        if item.start < latest.end:
            yield Violation("manager_overlap", subject, f"{latest.subject} and {item.subject} overlap")
        if item.end > latest.end:
            latest = item


@dataclass(frozen=True)
class _Leg:
    """A trip that occupies the manager: into `visit` (from `origin`, None: the base), or home
    after it (`home`)."""

    start: int
    end: int
    visit: _Placed
    origin: _Placed | None
    home: bool = False

    @property
    def kind(self) -> str:
        if self.home:
            return "travel_to_base"
        return "travel_from_base" if self.origin is None else "travel_window"

    def text(self) -> str:
        where = ("back to the base after " if self.home else "to ") + self.visit.subject
        return f"the {self.end - self.start}-minute trip {where} ({_clock(self.start)}-{_clock(self.end)})"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _travel(config: Config, calendar: _Calendar, day: date,
            items: list[_Placed]) -> tuple[int, list[Violation]]:
    """A manager's day as a route: base -> in-person visits in start order -> base. Each trip
    occupies the manager: the trip into a visit [start - travel, start), the trip home after the last
    [end, end + travel). No trip overlaps a contact (calls and video included), lunch or time outside
    the manager's windows; each visit reports the trip into it as `travel_minutes_before` (calls 0).
    Returns the day's travel minutes (trips home included) and the violations."""
    speed = config.policy.scheduling.travel_speed_kmh
    manager = items[0].manager
    base = manager.base
    violations: list[Violation] = []
    legs: list[_Leg] = []
    previous: _Placed | None = None
    for item in items:
        if item.contact.mode != "in_person":
            if item.contact.travel_minutes_before != 0:
                violations.append(Violation("travel_minutes_mismatch", item.subject,
                                            f"travel_minutes_before {item.contact.travel_minutes_before} for a "
                                            f"{item.contact.mode} contact, which needs no travel"))
            continue
        need = _travel_minutes(base if previous is None else previous.client.location, item.client.location, speed)
        if item.contact.travel_minutes_before != need:
            origin = "the base" if previous is None else previous.subject
            violations.append(Violation("travel_minutes_mismatch", item.subject,
                                        f"travel_minutes_before {item.contact.travel_minutes_before}; the trip "
                                        f"from {origin} takes {need} min"))
        if previous is not None and item.start - need < previous.end:
            violations.append(Violation("travel", item.subject,
                                        f"starts {item.start - previous.end} min after {previous.subject} ends; "
                                        f"travel needs {need} min"))
        legs.append(_Leg(item.start - need, item.start, item, previous))
        previous = item
    if previous is not None:
        need = _travel_minutes(previous.client.location, base, speed)
        legs.append(_Leg(previous.end, previous.end + need, previous, None, home=True))
    violations.extend(_leg_violations(config, calendar, day, items, legs))
    return sum(leg.end - leg.start for leg in legs), violations


def _leg_violations(config: Config, calendar: _Calendar, day: date, items: list[_Placed],
                    legs: list[_Leg]) -> Iterator[Violation]:
    windows = _merged(calendar.manager_windows(items[0].manager, day))
    lunch = config.policy.scheduling.lunch
    for leg in legs:
        if leg.end == leg.start:
            continue
        for other in items:
            if other is not leg.origin and other.start < leg.end and leg.start < other.end:
                yield Violation("travel_overlap", leg.visit.subject, f"{leg.text()} overlaps {other.subject} "
                                                                     f"({other.contact.start}-{other.contact.end})")
        if lunch is not None and leg.start < lunch.end and lunch.start < leg.end:
            yield Violation("travel_lunch", leg.visit.subject, f"{leg.text()} overlaps lunch")
        for block in _blocks_on(leg.visit.manager, day):
            if leg.start < block.end and block.start < leg.end:
                yield Violation("blocked_time", leg.visit.subject, f"{leg.text()} overlaps "
                                                                   f"{leg.visit.manager.id}'s blocked time "
                                                                   f"{_clock(block.start)}-{_clock(block.end)}")
        for gap in _off_clock(config.timezone, day):
            if leg.start < gap.end and gap.start < leg.end:
                yield Violation("clock_change", leg.visit.subject, f"{leg.text()} meets {_clock(gap.start)}-"
                                                                   f"{_clock(gap.end)}, which the clock change "
                                                                   f"skips or repeats in {config.timezone}")
        if windows and not any(window.start <= leg.start and leg.end <= window.end for window in windows):
            yield Violation(leg.kind, leg.visit.subject,
                            f"{leg.text()} is outside {leg.visit.manager.id}'s working windows")


# --- the week as time: minutes and meeting (recomputed here, independently of scheduler/core/week_time.py)


def _stretches(config: Config, windows: Iterable[TimeWindow]) -> list[tuple[int, int]]:
    """Windows with lunch taken out."""
    lunch = config.policy.scheduling.lunch
    found: list[tuple[int, int]] = []
    for window in windows:
        pieces = [(window.start, window.end)]
        if lunch is not None:
            pieces = [(start, end) for start, end in ((window.start, min(window.end, lunch.start)),
                                                      (max(window.start, lunch.end), window.end)) if start < end]
        found.extend(pieces)
    return found


def _week_of(config: Config, manager: Manager) -> dict[date, list[tuple[int, int]]]:
    """The manager's working stretches per working day: windows less lunch and blocked time."""
    holidays = set(config.holidays)
    leave = set(manager.leave)
    days = [config.week_start + timedelta(days=offset) for offset in range(7)]
    week: dict[date, list[tuple[int, int]]] = {}
    for day in days:
        windows = config.working_windows(manager, day)
        if day in holidays or day in leave or not windows:
            continue
        stretches = _stretches(config, windows)
        for block in _cuts(config, manager, day):
            stretches = [piece for start, end in stretches
                         for piece in ((start, min(end, block.start)), (max(start, block.end), end))
                         if piece[0] < piece[1]]
        if stretches:
            week[day] = stretches
    return week


def _less_blocks(windows: Iterable[TimeWindow], blocks: Iterable[TimeWindow]) -> list[TimeWindow]:
    """The windows with the blocked time taken out."""
    free = list(windows)
    for block in blocks:
        free = [piece for window in free
                for piece in (TimeWindow(window.start, min(window.end, block.start)),
                              TimeWindow(max(window.start, block.end), window.end)) if piece.start < piece.end]
    return free


def _blocks_on(manager: Manager, day: date) -> list[TimeWindow]:
    return [TimeWindow(block.start, block.end) for block in manager.blocked if block.day == day]


def _cuts(config: Config, manager: Manager, day: date) -> list[TimeWindow]:
    """Time of `day` the manager cannot use: blocked time and the local times a clock change skips or repeats."""
    return [*_blocks_on(manager, day), *_off_clock(config.timezone, day)]


@cache
def _off_clock(zone: str, day: date) -> tuple[TimeWindow, ...]:
    """The local times of `day` that are not exactly one instant in `zone` (a minute is one instant when
    both readings of it, before and after a change, land on the same UTC minute that reads back as it)."""
    tz = ZoneInfo(zone)
    off: list[TimeWindow] = []
    for minute in range(24 * 60):
        wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        earlier, later = (wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
        if earlier != later or earlier.astimezone(tz).replace(tzinfo=None) != wall:
            if off and off[-1].end == minute:
                off[-1] = TimeWindow(off[-1].start, minute + 1)
            else:
                off.append(TimeWindow(minute, minute + 1))
    return tuple(off)


def _available(config: Config, manager: Manager) -> int:
    """The contact share of the manager's working minutes this week."""
    working = sum(end - start for stretches in _week_of(config, manager).values() for start, end in stretches)
    return int(config.policy.scheduling.contact_share * working)


def _drive(config: Config, manager: Manager, client: Client) -> int:
    """One-way minutes from the manager's base to the client (0 when either place is unknown)."""
    return _travel_minutes(manager.base, client.location, config.policy.scheduling.travel_speed_kmh)


def _needed(config: Config, case: Case, manager: Manager) -> int:
    """Due contact minutes, plus per in-person visit the drive from this manager's base to the client."""
    leg = _drive(config, manager, config.clients_by_id[case.client])
    return sum(contact.minutes + (leg if contact.mode == "in_person" else 0) for contact in config.due_contacts(case))


@dataclass(frozen=True)
class _Minutes:
    """Per manager: what the cases carried need this week, and the share of the week contacts may fill."""

    needed: Mapping[str, int]
    available: Mapping[str, int]


def _week_minutes_of(config: Config, assignment: Mapping[str, str | None]) -> _Minutes:
    needed: dict[str, int] = dict.fromkeys(config.managers_by_id, 0)
    for case in config.cases:
        manager_id = assignment.get(case.id)
        if manager_id is not None and manager_id in config.managers_by_id:
            needed[manager_id] += _needed(config, case, config.managers_by_id[manager_id])
    return _Minutes(needed, {manager.id: _available(config, manager) for manager in config.managers})


def _week_minutes(config: Config, plan: Plan, minutes: _Minutes) -> Iterator[Violation]:
    """Every manager's minutes recomputed: what the week holds, what the cases carried need, the overtime."""
    by_id = {entry.manager_id: entry for entry in plan.managers}
    overtime = over = 0
    for manager in config.managers:
        available = minutes.available[manager.id]
        want = minutes.needed[manager.id]
        overtime += max(0, want - available)
        over += want > available
        entry = by_id.get(manager.id)
        if entry is None:
            continue  # reported by _manager_loads
        utilisation = want / available if available else 0.0  # no minutes: the need is all overtime
        wrong = _wrong_fields(
            {"minutes_available": entry.minutes_available, "minutes_needed": entry.minutes_needed,
             "minutes_utilisation": entry.minutes_utilisation, "overtime_minutes": entry.overtime_minutes},
            {"minutes_available": available, "minutes_needed": want, "minutes_utilisation": utilisation,
             "overtime_minutes": max(0, want - available)})
        if wrong:
            hidden = want > available and entry.overtime_minutes < want - available
            yield Violation("overtime_unreported" if hidden else "minutes_mismatch", manager.id, "; ".join(wrong))
    summary = plan.summary
    yield from _summary_violations(
        {"overtime_minutes": summary.overtime_minutes, "managers_over_minutes": summary.managers_over_minutes},
        {"overtime_minutes": overtime, "managers_over_minutes": over}, {})


class MeetingCheck:
    """Whether a manager can meet a client for a contact, by enumeration: on some working day of the
    manager's, a start on the slot grid where the contact lies inside one of the manager's windows and
    one of the client's (touching windows joined), off lunch, and, in person, the drive from the base
    [start - drive, start) and back [end, end + drive) lie inside the manager's windows, off lunch.
    Cached per (manager's week, client's week, minutes, drive)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._weeks: dict[str, tuple[tuple[date, tuple[TimeWindow, ...]], ...]] = {}
        self._clients: dict[str, tuple[tuple[date, tuple[TimeWindow, ...]], ...]] = {}
        self._answers: dict[tuple[object, ...], bool] = {}

    def _week(self, manager: Manager) -> tuple[tuple[date, tuple[TimeWindow, ...]], ...]:
        if manager.id not in self._weeks:
            config = self.config
            holidays, leave = set(config.holidays), set(manager.leave)
            days = [config.week_start + timedelta(days=offset) for offset in range(7)]
            self._weeks[manager.id] = tuple(
                (day, tuple(_merged(_less_blocks(config.working_windows(manager, day), _cuts(config, manager, day)))))
                for day in days if day not in holidays and day not in leave and config.working_windows(manager, day))
        return self._weeks[manager.id]

    def _client(self, client: Client) -> tuple[tuple[date, tuple[TimeWindow, ...]], ...]:
        if client.id not in self._clients:
            config = self.config
            days = [config.week_start + timedelta(days=offset) for offset in range(7)]
            self._clients[client.id] = tuple((day, tuple(_merged(config.client_windows(client, day)))) for day in days)
        return self._clients[client.id]

    def meets(self, manager: Manager, case: Case) -> bool:
        """For every contact the case has due this week."""
        client = self.config.clients_by_id[case.client]
        return all(self.fits(manager, client, contact.minutes, contact.mode == "in_person")
                   for contact in self.config.due_contacts(case))

    def fits(self, manager: Manager, client: Client, minutes: int, in_person: bool) -> bool:
        """For one contact of `minutes` (in person: with the drives from the base and back)."""
        trip = _drive(self.config, manager, client) if in_person else 0
        week, theirs = self._week(manager), self._client(client)
        key = (week, theirs, minutes, trip)
        if key not in self._answers:
            self._answers[key] = any(self._fits(windows, dict(theirs).get(day, ()), minutes, trip)
                                     for day, windows in week)
        return self._answers[key]

    def _fits(self, windows: tuple[TimeWindow, ...], theirs: tuple[TimeWindow, ...], minutes: int, trip: int) -> bool:
        scheduling = self.config.policy.scheduling
        lunch = scheduling.lunch

        def free(start: int, end: int) -> bool:
            """Inside one of the manager's windows and off lunch."""
            in_lunch = lunch is not None and start < lunch.end and lunch.start < end
            return _inside(windows, start, end) is not None and not in_lunch

        for start in range(0, 24 * 60, scheduling.slot_minutes):
            end = start + minutes
            if not free(start, end) or _inside(theirs, start, end) is None:
                continue
            if not trip or (free(start - trip, start) and free(end, end + trip)):
                return True
        return False


def may_carry(config: Config, case: Case, manager: Manager) -> bool:
    """Whether `manager` may carry `case` by the class rules (level, skills, language, at work, open to
    new cases unless they hold it) and the client's exclusions, capacity, the drive limit and meeting aside."""
    return not any(_refusals(config, case, manager, bool(config.manager_days(manager))))


def _meeting(config: Config, plan: Plan, assignment: Mapping[str, str | None]) -> Iterator[Violation]:
    """A case goes to a manager within the drive limit wherever one who may carry it is, and to one who
    can meet its client wherever one of those can; the flags too_far and no_common_availability say
    exactly which of the two its manager breaks."""
    limit = config.policy.scheduling.max_drive_minutes
    meeting = MeetingCheck(config)
    flags = {item.case_id: set(item.flags) for item in plan.assignments}
    for case in config.cases:
        manager_id = assignment.get(case.id)
        if manager_id is None or manager_id not in config.managers_by_id:
            continue
        manager = config.managers_by_id[manager_id]
        client = config.clients_by_id[case.client]
        far = limit is not None and _drive(config, manager, client) > limit
        meets = meeting.meets(manager, case)
        flagged = flags.get(case.id, set())
        if ("too_far" in flagged) != far:
            yield Violation("drive_flag", case.id, f"flagged too_far, but {manager_id}'s base is within "
                            f"{limit} minutes of the client" if not far else
                            f"{manager_id}'s base is beyond {limit} minutes of the client, and it is not flagged")
        if ("no_common_availability" in flagged) != (not meets):
            yield Violation("meeting_flag", case.id, f"flagged no_common_availability, but {manager_id} can meet "
                            "the client" if meets else f"{manager_id} cannot meet the client, and it is not flagged")
        if (case.locked and case.manager) or not may_carry(config, case, manager) or (not far and meets):
            continue  # a lock stands above both rules; another broken rule is reported by _eligibility
        others = [other for other in config.managers if may_carry(config, case, other)]
        near = [other for other in others if limit is None or _drive(config, other, client) <= limit]
        if far and near:
            yield Violation("eligibility_too_far", case.id,
                            f"{manager_id}'s base is {_drive(config, manager, client)} minutes from the client, "
                            f"beyond the {limit}-minute limit; {near[0].id} may carry the case and is within it")
        elif not meets:
            someone = next((other for other in (near or others) if meeting.meets(other, case)), None)
            if someone is not None:
                yield Violation("eligibility_meeting", case.id,
                                f"{manager_id} cannot meet the client this week; {someone.id}, who may carry the "
                                "case, can")


def _merged(windows: Iterable[TimeWindow]) -> list[TimeWindow]:
    """Windows with touching or overlapping ones joined (a trip may run from one into the next)."""
    merged: list[TimeWindow] = []
    for window in sorted(windows):
        if merged and window.start <= merged[-1].end:
            merged[-1] = TimeWindow(merged[-1].start, max(merged[-1].end, window.end))
        else:
            merged.append(window)
    return merged


def haversine_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance in km on a sphere of radius 6371 km."""
    lat_a, lat_b = math.radians(a.lat), math.radians(b.lat)
    half_dlat = (lat_b - lat_a) / 2
    half_dlon = math.radians(b.lon - a.lon) / 2
    h = math.sin(half_dlat) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin(half_dlon) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _travel_minutes(a: GeoPoint | None, b: GeoPoint | None, speed_kmh: float) -> int:
    """Whole minutes from a to b, rounded up; 0 when either place is unknown."""
    if a is None or b is None:
        return 0
    return max(0, math.ceil(haversine_km(a, b) / speed_kmh * 60 - _CEIL_SLACK))


def _spacing(config: Config, case_id: str, items: list[_Placed]) -> Iterator[Violation]:
    """Contacts of one case at least min_days_between_contacts apart (same day counts as 0 apart)."""
    gap = config.policy.scheduling.min_days_between_contacts
    if gap == 0:
        return
    ordered = sorted(items, key=lambda item: (item.contact.day, item.start, item.subject))
    for before, after in pairwise(ordered):
        apart = (after.contact.day - before.contact.day).days
        if apart < gap:
            yield Violation("min_days_between", case_id,
                            f"{before.subject} on {before.contact.day} and {after.subject} on "
                            f"{after.contact.day} are {apart} days apart; the policy needs {gap}")


def _introductions_due(config: Config, assignment: Mapping[str, str | None]) -> dict[ContactKey, DueContact]:
    """The introduction of every case new to its manager (moved, or new intake placed)."""
    found: dict[ContactKey, DueContact] = {}
    for case in config.cases:
        manager = config.managers_by_id.get(assignment.get(case.id) or "")
        if manager is None or not _is_move(case, manager.id):
            continue
        introduction = config.introduction_contact(case, manager)
        if introduction is not None:
            found[(case.id, INTRODUCTION, 0)] = introduction
    return found


def _introduction_first(config: Config, items: list[_Placed]) -> Iterator[Violation]:
    """A case's introduction lies on one of its manager's first `policy.introduction.within_days` working
    days and ends before the case's other contacts start (calendar days, then clock times)."""
    intros = [item for item in items if item.contact.requirement_index == INTRODUCTION]
    if not intros:
        return
    intro = intros[0]
    days = config.introduction_days(intro.manager)
    if intro.contact.day not in days:
        allowed = ", ".join(day.isoformat() for day in days) or "none"
        yield Violation("introduction", intro.subject, f"on {intro.contact.day}; {intro.manager.id}'s first "
                                                       f"working days for it are {allowed}")
    for item in items:
        if item is not intro and (item.contact.day, item.start) < (intro.contact.day, intro.end):
            yield Violation("introduction", intro.subject,
                            f"{intro.contact.day} {intro.contact.start}-{intro.contact.end} does not end before "
                            f"{item.subject} starts ({item.contact.day} {item.contact.start})")


def _schedule_summary(plan: Plan, due_count: int, travel: int) -> Iterator[Violation]:
    summary = plan.summary
    late = sum(1 for contact in plan.contacts if contact.day > (contact.due or contact.day))
    reported = {"contacts_due": summary.contacts_due, "contacts_scheduled": summary.contacts_scheduled,
                "contacts_on_time": summary.contacts_on_time, "contacts_late": summary.contacts_late,
                "contacts_unscheduled": summary.contacts_unscheduled, "travel_minutes": summary.travel_minutes}
    expected = {"contacts_due": due_count, "contacts_scheduled": len(plan.contacts),
                "contacts_on_time": len(plan.contacts) - late, "contacts_late": late,
                "contacts_unscheduled": len(plan.unscheduled), "travel_minutes": travel}
    yield from _summary_violations(reported, expected, {})


def _manager_contact_counts(plan: Plan) -> Iterator[Violation]:
    """Each manager entry counts the manager's on-time, late and unscheduled contacts."""
    on_time: Counter[str] = Counter()
    late: Counter[str] = Counter()
    for contact in plan.contacts:
        (late if contact.day > (contact.due or contact.day) else on_time)[contact.manager_id] += 1
    missing = Counter(item.manager_id for item in plan.unscheduled if item.manager_id is not None)
    for entry in plan.managers:
        wrong = _wrong_fields(
            {"contacts_on_time": entry.contacts_on_time, "contacts_late": entry.contacts_late,
             "contacts_unscheduled": entry.contacts_unscheduled},
            {"contacts_on_time": on_time[entry.manager_id], "contacts_late": late[entry.manager_id],
             "contacts_unscheduled": missing[entry.manager_id]})
        if wrong:
            yield Violation("manager_contacts_mismatch", entry.manager_id, "; ".join(wrong))


# --- deadlines -------------------------------------------------------------------------------------------


LATE_RULES = ("overdue", "no_slot_by_due", "days_full_by_due", "appointment")


def due_day(config: Config, contact: DueContact) -> date:
    """The day a due contact falls due, from the frequency rules: weekly and N/week contacts by the
    week's Sunday; biweekly 14 days and monthly one calendar month after `last`; never made: at once,
    the week's Monday. (Before the week for an overdue contact.) An introduction: the last of its days."""
    if contact.requirement_index == INTRODUCTION:
        return contact.due
    requirement = config.cases_by_id[contact.case_id].contacts[contact.requirement_index]
    kind = requirement.parsed_frequency.kind
    if kind == "per_week":
        return config.week_start + timedelta(days=6)
    if requirement.last is None:
        return config.week_start
    if kind == "biweekly":
        return requirement.last + timedelta(days=14)
    month_later = add_months(requirement.last, 1)
    if _counted_by_month(config, requirement.mode, kind):
        return min(month_later, _month_deadline(config, month_later.year, month_later.month))
    return month_later


def _counted_by_month(config: Config, mode: str, kind: str) -> bool:
    """Calendar-month compliance counts monthly in-person visits when the policy switches it on."""
    compliance = config.policy.compliance
    return bool(compliance and compliance.monthly_visits and mode == "in_person" and kind == "monthly")


def _month_deadline(config: Config, year: int, month: int) -> date:
    """The month's last day that is a working day of the policy and no holiday (its last day if none is)."""
    first = date(year, month, 1)
    days = [first + timedelta(days=offset) for offset in range(31)]
    days = [day for day in days if day.month == month]
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    holidays = set(config.holidays)
    working = [day for day in days if names[day.weekday()] in config.policy.scheduling.working_days
               and day not in holidays]
    return (working or days)[-1]


# --- calendar-month compliance ---------------------------------------------------------------------------


def _compliance(config: Config, plan: Plan, assignment: Mapping[str, str | None]) -> Iterator[Violation]:
    """summary.compliance against the figures worked out here: per case with a monthly in-person visit,
    visited (a `last` in the month) / planned (a visit in the month this week) / to come (the month's last
    working day after the week) / at risk, with a rule that holds; and the month's visits in residence."""
    reported = plan.summary.compliance
    compliance = config.policy.compliance
    if compliance is None or not compliance.monthly_visits:
        if reported is not None:
            yield Violation("compliance_mismatch", "summary.compliance", "reported, but policy.compliance is off")
        return
    if reported is None:
        yield Violation("compliance_mismatch", "summary.compliance", "missing: policy.compliance is on")
        return
    start = config.week_start
    deadline = _month_deadline(config, start.year, start.month)
    expected = _expected_compliance(config, plan, assignment, deadline)
    expected.update(month=f"{start:%Y-%m}", last_working_day=deadline,
                    in_residence_target=compliance.in_residence_share)
    shown = reported.model_dump()
    for name, value in expected.items():
        if shown[name] != value:
            yield Violation("compliance_mismatch", f"summary.compliance.{name}", f"{shown[name]!r} reported, "
                                                                                 f"{value!r} worked out")


def _expected_compliance(config: Config, plan: Plan, assignment: Mapping[str, str | None],
                         deadline: date) -> dict[str, object]:
    start = config.week_start
    week_end = start + timedelta(days=6)
    days_by_key: dict[tuple[str, int], list[date]] = defaultdict(list)
    for contact in plan.contacts:
        days_by_key[(contact.case_id, contact.requirement_index)].append(contact.day)
    unplaced = {(item.case_id, item.requirement_index) for item in plan.unscheduled}
    states: Counter[str] = Counter()
    visits = at_home = 0
    risks: list[tuple[str, str | None, str]] = []
    for case in config.cases:
        indexes = [index for index, requirement in enumerate(case.contacts)
                   if _counted_by_month(config, requirement.mode, requirement.parsed_frequency.kind)]
        if not indexes:
            continue
        this_month = {index: [day for day in days_by_key[(case.id, index)] if (day.year, day.month) ==
                              (start.year, start.month)] for index in indexes}
        for index in indexes:
            requirement = case.contacts[index]
            last_in_month = requirement.last is not None and (requirement.last.year, requirement.last.month) == (
                start.year, start.month)
            if requirement.month == f"{start:%Y-%m}" and requirement.month_visits > 0:
                made, made_at_home = requirement.month_visits, requirement.month_in_residence
            else:
                made = 1 if last_in_month else 0
                made_at_home = made if requirement.in_residence else 0
            visits += made + len(this_month[index])
            at_home += made_at_home + (len(this_month[index]) if requirement.in_residence else 0)
        lasts = [case.contacts[index].last for index in indexes]
        if any(last is not None and (last.year, last.month) == (start.year, start.month) for last in lasts):
            states["visited"] += 1
        elif any(this_month.values()):
            states["planned"] += 1
        elif deadline > week_end:
            states["to_come"] += 1
        else:
            risks.append((case.id, assignment.get(case.id), _risk_rule(case, indexes, assignment, days_by_key,
                                                                       unplaced, deadline)))
    risks.sort()
    reported = {(item.case_id, item.manager_id, item.rule) for item in (plan.summary.compliance.at_risk_cases
                                                                          if plan.summary.compliance else [])
                if item.reason.strip()}
    return {"cases_due": sum(states.values()) + len(risks), "visited": states["visited"],
            "planned": states["planned"], "to_come": states["to_come"], "at_risk": len(risks),
            "visits": visits, "in_residence": at_home,
            "in_residence_share": round(at_home / visits, 4) if visits else None,
            # Each at-risk case once, with its manager and the rule that holds (and some reason given).
            "at_risk_cases": _risk_listing(plan, risks, reported)}


def _risk_rule(case: Case, indexes: list[int], assignment: Mapping[str, str | None],
               days_by_key: Mapping[tuple[str, int], list[date]], unplaced: set[tuple[str, int]],
               deadline: date) -> str:
    if assignment.get(case.id) is None:
        return "compliance_unassigned"
    next_month = date(deadline.year + deadline.month // 12, deadline.month % 12 + 1, 1)
    if any(day >= next_month for index in indexes for day in days_by_key.get((case.id, index), [])):
        return "compliance_after_month_end"
    if any((case.id, index) in unplaced for index in indexes):
        return "compliance_unscheduled"
    return "compliance_not_due"


def _risk_listing(plan: Plan, risks: list[tuple[str, str | None, str]],
                  reported: set[tuple[str, str | None, str]]) -> list[dict[str, object]]:
    """The at-risk listing as worked out, with the plan's own reason text where its entry matches (the words
    are the engine's; a missing or blank one, or another rule, shows as a difference)."""
    texts = {(item.case_id, item.manager_id, item.rule): item.reason
             for item in (plan.summary.compliance.at_risk_cases if plan.summary.compliance else [])}
    return [{"case_id": case_id, "manager_id": manager_id, "rule": rule,
             "reason": texts[(case_id, manager_id, rule)] if (case_id, manager_id, rule) in reported else ""}
            for case_id, manager_id, rule in risks]


def _deadline(config: Config, calendar: _Calendar, item: _Placed, requirement: DueContact) -> Iterator[Violation]:
    """`due`, `late_days`, `overdue` and the late flag agree with the day and the frequency rules; a
    contact after its due day is flagged late, with a rule that holds."""
    contact, subject = item.contact, item.subject
    due = due_day(config, requirement)
    if contact.due != due:
        yield Violation("contact_due", subject, f"due {contact.due} reported; the requirement falls due {due}")
    late_days = max(0, (contact.day - due).days)
    if contact.late_days != late_days:
        yield Violation("late_days", subject, f"late_days {contact.late_days}; {contact.day} is {late_days} "
                                              f"day(s) after the due day {due}")
    if contact.overdue != (due < config.week_start):
        yield Violation("overdue_flag", subject, f"overdue={contact.overdue}, but it falls due {due} and the "
                                                 f"week starts {config.week_start}")
    if late_days and (contact.late_rule not in LATE_RULES or not contact.late_reason.strip()):
        yield Violation("late_unflagged", subject, f"placed {late_days} day(s) after its due day {due} without a "
                                                   f"late rule ({', '.join(LATE_RULES)}) and a reason")
    elif not late_days and (contact.late_rule or contact.late_reason):
        yield Violation("late_unflagged", subject, f"flagged late ({contact.late_rule}) but on time (due {due})")
    elif late_days:
        yield from _late_rule_holds(config, calendar, item, due)


def _late_rule_holds(config: Config, calendar: _Calendar, item: _Placed, due: date) -> Iterator[Violation]:
    rule, subject = item.contact.late_rule, item.subject
    if (rule == "overdue") != (due < config.week_start):
        yield Violation("late_rule", subject, f"late rule {rule}, but it falls due {due} and the week starts "
                                              f"{config.week_start}")
    elif rule == "appointment" and not _at_appointment(config, item):
        yield Violation("late_rule", subject, "late rule appointment, but the contact is not at an appointment")
    elif rule == "no_slot_by_due":
        slot = _slot_alone_by(config, calendar, item, due)
        if slot is not None:
            yield Violation("late_rule", subject, f"late rule no_slot_by_due, but it fits alone on {slot[0]} at "
                                                  f"{_clock(slot[1])}, on or before its due day {due}")
    elif rule == "days_full_by_due" and _slot_alone_by(config, calendar, item, due) is None:
        yield Violation("late_rule", subject, f"late rule days_full_by_due, but no day up to its due day {due} "
                                              "has a slot where it fits even alone (that is no_slot_by_due)")


def _appointment_of(config: Config, item: _Placed) -> tuple[date, int] | None:
    """The (day, start) agreed for this contact: a requirement's appointments, by day and start, fix its
    occurrences in order."""
    contact = item.contact
    case = config.cases_by_id[contact.case_id]
    week_end = config.week_start + timedelta(days=6)
    agreed = sorted((appointment.day, appointment.start) for appointment in case.appointments
                    if appointment.contact == contact.requirement_index
                    and config.week_start <= appointment.day <= week_end)
    return agreed[contact.occurrence] if 0 <= contact.occurrence < len(agreed) else None


def _at_appointment(config: Config, item: _Placed) -> bool:
    return _appointment_of(config, item) == (item.contact.day, item.start)


def _appointment_kept(config: Config, item: _Placed, requirement: DueContact) -> Iterator[Violation]:
    """A contact with an appointment is placed at it (or listed unscheduled)."""
    agreed = None if requirement.introduction else _appointment_of(config, item)
    if agreed is not None and agreed != (item.contact.day, item.start):
        yield Violation("appointment_moved", item.subject,
                        f"at {item.contact.day} {item.contact.start}; its appointment is {agreed[0]} "
                        f"{_clock(agreed[1])}")


def _slot_alone_by(config: Config, calendar: _Calendar, item: _Placed, due: date) -> tuple[date, int] | None:
    """A day up to `due` and a start where the placed contact fits on a day of its own."""
    return _slot_alone(config, calendar, item.manager, item.client, item.contact.minutes,
                       item.contact.mode == "in_person", due)


def _slot_alone(config: Config, calendar: _Calendar, manager: Manager, client: Client, minutes: int,
                in_person: bool, due: date | None = None) -> tuple[date, int] | None:
    """A working day (up to `due`) and a start where a contact fits on a day of its own: on the grid,
    inside both people's windows, off lunch, with the trips from and back to the base inside the
    manager's windows and off lunch."""
    scheduling = config.policy.scheduling
    trip = _travel_minutes(manager.base, client.location, scheduling.travel_speed_kmh) if in_person else 0
    lunch = scheduling.lunch

    def clear(start: int, end: int, windows: list[TimeWindow]) -> bool:
        if end > start and lunch is not None and start < lunch.end and lunch.start < end:
            return False
        return any(window.start <= start and end <= window.end for window in windows)

    for day in sorted(calendar.working_days(manager)):
        if due is not None and day > due:
            break
        windows = _merged(_less_blocks(calendar.manager_windows(manager, day), _cuts(config, manager, day)))
        clients = calendar.client_windows(client, day)
        for start in range(0, 24 * 60 - minutes + 1, scheduling.slot_minutes):
            end = start + minutes
            if (clear(start, end, windows) and _inside(clients, start, end) is not None
                    and clear(start - trip, start, windows) and clear(end, end + trip, windows)):
                return day, start
    return None
