"""Next week from this week's plan: the pure computation behind `caseload roll`.

From a config, the plan made from it and, optionally, what actually happened (an actuals CSV), the
changes that turn the config into next week's (models.changes.ConfigChanges; export/apply.py writes
them, keeping the config's comments and order):

- `week_start` moves on 7 days;
- each contact requirement's `last` becomes the latest day a contact of it was done this week:
  a scheduled contact counts as done ("planned = done") unless an actuals row for its case, day and
  mode says missed or cancelled; an actuals row marked done counts even where the plan had nothing;
- a contact missed — left unscheduled, or marked missed or cancelled — keeps the old `last`, so a
  biweekly or monthly contact falls due again, overdue, next week (carried forward);
- each case's manager is the plan's (moves made; a case the plan left unassigned gets no manager,
  except a locked case, which keeps its own);
- leave days before the new week are dropped, and so are this week's blocked time (validation holds it
  to the planning week) and this week's appointments; appointments of later weeks stay.

Every problem with the inputs is raised together as a `ConfigError`, each located
(FILE:LINE[:COL]: field: message): an actuals row naming an unknown case, mode or status, a date
outside the planned week, a requirement that does not exist; a plan from another organisation
(cases or managers the config lacks) or of another week; a plan with no schedule.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import get_args

from models.changes import ConfigChanges, MonthCount
from models.check import Violation, check_plan
from models.json_positions import top_level_positions
from models.limits import MAX_PROBLEMS_SHOWN, week_start_in_range
from models.loader import (
    MAX_CSV_BYTES,
    MAX_PLAN_BYTES,
    csv_records,
    load_config,
    load_plan,
    open_input,
    plain_problem,
    read_text,
    read_yaml,
    text_lines,
)
from models.organisation import Appointment, Config, ContactMode
from models.plan import Plan, ScheduledContact
from models.problems import ConfigError, LocatedProblem
from models.timeutil import month_key

WEEK = timedelta(days=7)
ACTUAL_STATUSES = ("done", "missed", "cancelled")
ACTUALS_COLUMNS = ("case", "date", "mode", "status", "requirement")
REQUIRED_ACTUALS_COLUMNS = ("case", "date", "mode", "status")
MODES: tuple[str, ...] = get_args(ContactMode)
# Ids listed in one "not in the config" problem before "and N more".
SHOWN_IDS = 5
# A requirement cell: a number from 0 (a case has at most MAX_LIST requirements: 4 digits are plenty).
_REQUIREMENT = re.compile(r"[0-9]{1,4}")
# Violations of `caseload check` listed when roll refuses a plan (the rest are counted).
SHOWN_VIOLATIONS = 10

_Refuse = Callable[[str, str], None]  # records a problem of one actuals row: (column, message)


@dataclass(frozen=True)
class Actual:
    """One row of an actuals CSV: what happened to a contact of a case on a day."""

    case_id: str
    day: date
    mode: str
    status: str
    """done, missed or cancelled."""
    requirement_index: int | None
    """Which of the case's contact requirements (from 0), when the row says."""
    file: str = ""
    line: int | None = None

    def problem(self, column: str, message: str) -> LocatedProblem:
        return LocatedProblem(self.file, self.line, None, column, message)


@dataclass(frozen=True)
class Rolled:
    """Next week, as changes to this week's config, and what was learnt on the way."""

    changes: ConfigChanges
    contacts_done: int
    """Contacts counted done: scheduled ones not marked missed or cancelled, and unplanned ones marked done."""
    contacts_missed: int
    """Scheduled contacts the actuals mark missed or cancelled (carried forward)."""
    contacts_unscheduled: int
    """Due contacts the plan could not schedule (carried forward)."""
    managers_changed: int
    leave_days_dropped: int
    appointments_dropped: int = 0
    """This week's appointments taken out of next week's config (kept, or listed unscheduled in the plan)."""
    appointments_carried: int = 0
    """Appointments of later weeks that next week's config keeps."""

    @property
    def month_counts(self) -> int:
        """Requirements whose calendar-month visit count is carried into next week's config."""
        return len(self.changes.month_counts)

    @property
    def week_start(self) -> date:
        """The Monday of next week."""
        assert self.changes.week_start is not None  # roll_forward always moves the week on
        return self.changes.week_start


# --------------------------------------------------------------------------------------------
# The whole step, from files
# --------------------------------------------------------------------------------------------


def plan_file(plan_path: Path) -> Path:
    """A plan folder's plan.json (or the file itself when given one)."""
    return plan_path / "plan.json" if plan_path.is_dir() else plan_path


def roll_week(config_path: Path, plan_path: Path, actuals_path: Path | None = None) -> Rolled:
    """Load the config, its plan (a folder holding plan.json, or the file) and the actuals, check that
    they belong together, and roll; raises `ConfigError` with every located problem."""
    config = load_config(config_path)
    plan_json = plan_file(plan_path)
    plan = load_plan(plan_json)
    problems = plan_problems(config, plan, config_file=config_path, plan_file=plan_json)
    if problems:
        raise ConfigError(problems)
    problems = checker_problems(config, plan, plan_json)
    if problems:
        raise ConfigError(problems)
    beyond = _next_week_problem(config, config_path)
    if beyond is not None:
        raise ConfigError([beyond])
    actuals = read_actuals(actuals_path, config, plan) if actuals_path is not None else []
    return roll_forward(config, plan, actuals)


def checker_problems(config: Config, plan: Plan, plan_json: Path | str = "plan.json") -> list[LocatedProblem]:
    """Why `caseload check` would refuse `plan` (empty: it passes), as problems of the plan file.

    Next week is built on what the plan says was done and decided: a hand-edited plan that a contact
    dated 2099 or a locked case moved makes wrong would make next week's config wrong too. A plan of
    `caseload schedule` keeps the config's own assignment, which may already break a rule (that
    command warns of it); what the config itself carries is not held against the plan.
    """
    violations = check_plan(config, plan)
    if violations and _keeps_the_assignment(config, plan):
        inherited = set(check_plan(config, plan, schedule=False))
        violations = [violation for violation in violations if violation not in inherited]
    if not violations:
        return []
    file = str(plan_json)
    problems = [_violation_problem(file, violation) for violation in violations[:SHOWN_VIOLATIONS]]
    hidden = len(violations) - SHOWN_VIOLATIONS
    more = f" ({hidden} more not listed)" if hidden > 0 else ""
    problems.append(LocatedProblem(file, None, None, "", (
        f"the plan fails {len(violations)} check(s) of `caseload check`{more}; roll only a plan that passes "
        "(`caseload check CONFIG PLAN` lists them all): make the plan again rather than edit it")))
    return problems


def _keeps_the_assignment(config: Config, plan: Plan) -> bool:
    """Every case of the plan with the manager the config gives it (a plan of `caseload schedule`)."""
    return all(assignment.case_id in config.cases_by_id
               and config.cases_by_id[assignment.case_id].manager == assignment.manager_id
               for assignment in plan.assignments)


def _violation_problem(file: str, violation: Violation) -> LocatedProblem:
    return plain_problem(file, None, None, violation.rule, f"{violation.subject}: {violation.message}")


# --------------------------------------------------------------------------------------------
# The computation
# --------------------------------------------------------------------------------------------


def roll_forward(config: Config, plan: Plan, actuals: Sequence[Actual] = ()) -> Rolled:
    """Next week's changes from a config, its plan and the actuals (already checked by `read_actuals`).
    Introductions (requirement -1) belong to no requirement: they set no `last` and are not counted."""
    contacts = [contact for contact in plan.contacts if contact.requirement_index >= 0]
    statuses = _contact_statuses(contacts, actuals)
    done_on: dict[tuple[str, int], list[date]] = defaultdict(list)
    done = missed = 0
    for contact, status in zip(contacts, statuses, strict=True):
        if status == "done":
            done += 1
            done_on[(contact.case_id, contact.requirement_index)].append(contact.day)
        else:
            missed += 1
    problems: list[LocatedProblem] = []
    for actual in _unplanned(contacts, actuals):
        if actual.status != "done":
            continue
        index = _requirement_of(actual, config, problems)
        if index is not None:
            done += 1
            done_on[(actual.case_id, index)].append(actual.day)
    if problems:
        raise ConfigError(problems)
    managers = _managers_after(config, plan)
    leave, dropped = _leave_kept(config)
    changes = ConfigChanges(
        week_start=config.week_start + WEEK,
        managers=managers,
        last=_new_last_dates(config, done_on),
        month_counts=_month_counts(config, done_on),
        leave=leave,
        blocked_cleared=frozenset(manager.id for manager in config.managers if manager.blocked),
        appointments_kept=_appointments_kept(config),
    )
    later = sum(1 for case in config.cases for item in case.appointments if item.day > config.week_end)
    return Rolled(changes, done, missed, len(plan.unscheduled), len(managers), dropped,
                  appointments_dropped=sum(len(case.appointments) for case in config.cases) - later,
                  appointments_carried=later)


def _matches(contact: ScheduledContact, actual: Actual) -> bool:
    return (contact.case_id == actual.case_id and contact.day == actual.day and contact.mode == actual.mode
            and actual.requirement_index in (None, contact.requirement_index))


def _contact_statuses(contacts: Sequence[ScheduledContact], actuals: Sequence[Actual]) -> list[str]:
    """Each scheduled contact's status: done unless an actuals row says otherwise (the last such row)."""
    by_key: dict[tuple[str, date, str], list[int]] = defaultdict(list)
    for index, contact in enumerate(contacts):
        by_key[(contact.case_id, contact.day, contact.mode)].append(index)
    statuses = ["done"] * len(contacts)
    for actual in actuals:
        for index in by_key.get((actual.case_id, actual.day, actual.mode), []):
            if _matches(contacts[index], actual):
                statuses[index] = actual.status
    return statuses


def _unplanned(contacts: Sequence[ScheduledContact], actuals: Iterable[Actual]) -> list[Actual]:
    """Actuals rows that name no scheduled contact."""
    by_key: dict[tuple[str, date, str], list[ScheduledContact]] = defaultdict(list)
    for contact in contacts:
        by_key[(contact.case_id, contact.day, contact.mode)].append(contact)
    return [actual for actual in actuals
            if not any(_matches(contact, actual) for contact in by_key[(actual.case_id, actual.day, actual.mode)])]


def _requirement_of(actual: Actual, config: Config, problems: list[LocatedProblem]) -> int | None:
    """The requirement a row with no scheduled contact belongs to: the one it names, or the case's only
    requirement of its mode."""
    if actual.requirement_index is not None:
        return actual.requirement_index
    case = config.cases_by_id[actual.case_id]
    candidates = [index for index, requirement in enumerate(case.contacts) if requirement.mode == actual.mode]
    if len(candidates) == 1:
        return candidates[0]
    listed = ", ".join(str(index) for index in candidates)
    problems.append(actual.problem("requirement", f"case {actual.case_id} has {len(candidates)} {actual.mode} "
                                                  f"contact requirements ({listed}) and the plan has no {actual.mode} "
                                                  f"contact of it on {actual.day} to say which; give the "
                                                  "requirement column (from 0)"))
    return None


def _new_last_dates(config: Config, done_on: Mapping[tuple[str, int], list[date]]) -> dict[tuple[str, int], date]:
    changed: dict[tuple[str, int], date] = {}
    for (case_id, index), days in sorted(done_on.items()):
        old, day = config.cases_by_id[case_id].contacts[index].last, max(days)
        if old is None or day > old:
            changed[(case_id, index)] = day
    return changed


def _month_counts(config: Config, done_on: Mapping[tuple[str, int], list[date]]) -> dict[tuple[str, int], MonthCount]:
    """Calendar-month compliance: each counted requirement with visits done this week in next week's month,
    with its count of that month so far (the config's, or one for a `last` in the month it did not count).
    Visits in a month that ends with this week count for nothing next week, and write nothing."""
    month = month_key(config.week_start + WEEK)
    counts: dict[tuple[str, int], MonthCount] = {}
    for (case_id, index), days in sorted(done_on.items()):
        requirement = config.cases_by_id[case_id].contacts[index]
        new = sum(1 for day in days if month_key(day) == month)
        if not new or not config.tracks_compliance(requirement):
            continue
        visits, at_home = requirement.visits_in(month)
        counts[(case_id, index)] = MonthCount(month, visits + new, at_home + (new if requirement.in_residence else 0))
    return counts


def _managers_after(config: Config, plan: Plan) -> dict[str, str | None]:
    """Case id -> manager, for every case whose manager the plan changed."""
    changed: dict[str, str | None] = {}
    for assignment in plan.assignments:
        case = config.cases_by_id[assignment.case_id]
        if assignment.manager_id == case.manager or (assignment.manager_id is None and case.locked):
            continue  # a locked case keeps its manager: the config would not load without one
        changed[case.id] = assignment.manager_id
    return changed


def _appointments_kept(config: Config) -> dict[str, tuple[Appointment, ...]]:
    """Case id -> its appointments after the week that ends, for every case with one in that week (those
    are done with: kept, or listed unscheduled in the plan)."""
    return {case.id: tuple(item for item in case.appointments if item.day > config.week_end)
            for case in config.cases if any(item.day <= config.week_end for item in case.appointments)}


def _leave_kept(config: Config) -> tuple[dict[str, tuple[date, ...]], int]:
    """Manager id -> the leave days on or after next week's Monday, for managers who lose some; and how
    many days were dropped."""
    next_start = config.week_start + WEEK
    kept: dict[str, tuple[date, ...]] = {}
    dropped = 0
    for manager in config.managers:
        remaining = tuple(day for day in manager.leave if day >= next_start)
        if len(remaining) != len(manager.leave):
            kept[manager.id] = remaining
            dropped += len(manager.leave) - len(remaining)
    return kept, dropped


# --------------------------------------------------------------------------------------------
# Does the plan belong to the config?
# --------------------------------------------------------------------------------------------


def plan_problems(config: Config, plan: Plan, *, config_file: Path | str = "config",
                  plan_file: Path | str = "plan.json") -> list[LocatedProblem]:
    """Why `plan` cannot be rolled with `config` (empty: it can): another week, cases or managers the
    config does not have, contacts of requirements the config no longer has, no schedule at all."""
    findings: list[tuple[tuple[str | int, ...], str]] = []  # (path in plan.json, message)
    findings.extend(_unknown_requirements(plan, config))
    if not plan.was_scheduled:
        findings.append(((), "the plan has no schedule (it was made by `caseload assign`); roll a plan of "
                             "`caseload plan` or `caseload schedule`: the contacts done are learnt from it"))
    problems = other_organisation_problems(config, plan, config_file=config_file, plan_file=plan_file)
    if not findings:
        return problems
    return sorted([*problems, *_located_in_plan(findings, Path(plan_file))],
                  key=lambda problem: (problem.file != str(config_file), problem.line or 0, problem.column or 0))


def other_organisation_problems(config: Config, plan: Plan, *, config_file: Path | str = "config",
                                plan_file: Path | str = "plan.json",
                                remedy: str = "roll the plan with the config it was made from") -> list[LocatedProblem]:
    """Why `plan` is not a plan of `config` (empty: it may be): another week, or cases or managers the
    config does not have. `remedy` ends the week's message (what to do instead)."""
    problems: list[LocatedProblem] = []
    if plan.week_start != config.week_start:
        problems.append(_config_week_problem(config, plan, Path(config_file), str(plan_file), remedy))
    unknown = list(_unknown_ids(plan, config))
    return problems + (_located_in_plan(unknown, Path(plan_file)) if unknown else [])


def _next_week_problem(config: Config, config_file: Path) -> LocatedProblem | None:
    """Why next week cannot be planned (None: it can): it starts past the last year a config may name.
    Rolling on wrote a config that `validate` refused (issue 21, found by the value fuzzer)."""
    try:
        week_start_in_range(config.week_start + WEEK)
    except ValueError as error:
        message = f"next week starts {config.week_start + WEEK}, which {str(error).split(' ', 1)[1]}"
        try:
            source = read_yaml(config_file, "config")[1]
        except (ConfigError, OSError):
            return LocatedProblem(str(config_file), None, None, "week_start", message)
        return source.locate(("week_start",), message)
    return None


def _config_week_problem(config: Config, plan: Plan, config_file: Path, plan_file: str, remedy: str) -> LocatedProblem:
    message = (f"the config's week starts {config.week_start} but the plan {plan_file} is of the week of "
               f"{plan.week_start}; {remedy}")
    try:
        source = read_yaml(config_file, "config")[1]
    except (ConfigError, OSError):
        return LocatedProblem(str(config_file), None, None, "week_start", message)
    return source.locate(("week_start",), message)


def _unknown_ids(plan: Plan, config: Config) -> Iterable[tuple[tuple[str | int, ...], str]]:
    for kind, known, places in (
        ("manager", config.managers_by_id, [
            *((("managers", index, "manager_id"), item.manager_id) for index, item in enumerate(plan.managers)),
            *((("assignments", index, "manager_id"), item.manager_id) for index, item in enumerate(plan.assignments)
              if item.manager_id is not None),
            *((("contacts", index, "manager_id"), item.manager_id) for index, item in enumerate(plan.contacts)),
        ]),
        ("case", config.cases_by_id, [
            *((("assignments", index, "case_id"), item.case_id) for index, item in enumerate(plan.assignments)),
            *((("contacts", index, "case_id"), item.case_id) for index, item in enumerate(plan.contacts)),
            *((("unscheduled", index, "case_id"), item.case_id) for index, item in enumerate(plan.unscheduled)),
        ]),
    ):
        unknown = [(path, value) for path, value in places if value not in known]
        if unknown:
            names = list(dict.fromkeys(value for _, value in unknown))
            listed = ", ".join(names[:SHOWN_IDS]) + (f" and {len(names) - SHOWN_IDS} more"
                                                     if len(names) > SHOWN_IDS else "")
            yield unknown[0][0], (f"{len(names)} {kind}{'s' if len(names) != 1 else ''} of the plan "
                                  f"{'are' if len(names) != 1 else 'is'} not in the config ({listed}); is this the "
                                  "plan of another organisation?")


def _unknown_requirements(plan: Plan, config: Config) -> Iterable[tuple[tuple[str | int, ...], str]]:
    for index, contact in enumerate(plan.contacts):
        case = config.cases_by_id.get(contact.case_id)
        if case is None or contact.requirement_index == -1:  # an introduction: no requirement of the case
            continue
        if contact.requirement_index >= len(case.contacts):
            yield (("contacts", index, "requirement_index"),
                   f"case {case.id} has {len(case.contacts)} contact requirement(s) in the config, but the plan "
                   f"has a contact of requirement {contact.requirement_index}: the config changed since the plan")
        elif case.contacts[contact.requirement_index].mode != contact.mode:
            yield (("contacts", index, "mode"),
                   f"requirement {contact.requirement_index} of case {case.id} is a "
                   f"{case.contacts[contact.requirement_index].mode} contact in the config, but {contact.mode} in "
                   "the plan: the config changed since the plan")


def _located_in_plan(findings: list[tuple[tuple[str | int, ...], str]], plan_json: Path) -> list[LocatedProblem]:
    try:
        positions = top_level_positions(read_text(plan_json, MAX_PLAN_BYTES, "plan"),
                                        ("managers", "assignments", "contacts", "unscheduled"))
    except ConfigError:
        positions = {}
    problems = []
    for path, message in findings:
        where = positions.get(path[:2]) or positions.get(path[:1])
        field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
        problems.append(plain_problem(str(plan_json), where[0] if where else None, where[1] if where else None,
                                      field, message))
    return sorted(problems, key=lambda problem: (problem.line or 0, problem.column or 0))


# --------------------------------------------------------------------------------------------
# The actuals CSV
# --------------------------------------------------------------------------------------------


def read_actuals(path: Path, config: Config, plan: Plan) -> list[Actual]:
    """The rows of an actuals CSV (case, date, mode, status, optionally requirement), each checked
    against the config and the plan's week; raises `ConfigError` listing every problem.

    Read record by record, never whole: what is kept is one row per case, day, mode and requirement
    (a later row for the same contact replaces an earlier one, as it would override it), so memory
    is bounded by the config, not by the file; and at most MAX_PROBLEMS_SHOWN problems.
    """
    file = str(path)
    kept: dict[tuple[str, date, str, int | None], Actual] = {}
    problems: list[LocatedProblem] = []
    with open_input(path, MAX_CSV_BYTES, "actuals CSV") as stream:
        records = csv_records(text_lines(stream, file), file)
        columns = [name.strip().lower() for name in next(records, (1, []))[1]]
        _check_actuals_header(columns, file)
        for line, cells in records:
            if len(problems) >= MAX_PROBLEMS_SHOWN - 1:
                problems.append(LocatedProblem(file, line, None, "", f"stopped reading here after {len(problems)} "
                                                                     "problems; mend them and run again"))
                break
            if not any(cell.strip() for cell in cells):
                continue
            row = {name: cell.strip() for name, cell in zip(columns, cells, strict=False) if name}
            actual = _actual(row, file, line, config, plan, problems)
            if actual is not None:
                key = (actual.case_id, actual.day, actual.mode, actual.requirement_index)
                kept.pop(key, None)  # re-inserted last: the rows' order of last occurrence is kept
                kept[key] = actual
    actuals = list(kept.values())
    if not problems:
        _requirement_problems(actuals, config, plan, problems)
    if problems:
        raise ConfigError(problems)
    return actuals


def _check_actuals_header(columns: list[str], file: str) -> None:
    listing = ", ".join(ACTUALS_COLUMNS)
    problems = []
    for name in columns:
        if name and name not in ACTUALS_COLUMNS:
            close = difflib.get_close_matches(name, ACTUALS_COLUMNS, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(plain_problem(file, 1, None, name, f"unknown column '{name}'; {hint}actuals columns are "
                                                              f"{listing}"))
    for name in REQUIRED_ACTUALS_COLUMNS:
        if name not in columns:
            problems.append(LocatedProblem(file, 1, None, name, f"missing required column '{name}'; actuals columns "
                                                               f"are {listing} (requirement optional)"))
    if problems:
        raise ConfigError(problems)


def _actual(row: dict[str, str], file: str, line: int, config: Config, plan: Plan,
            problems: list[LocatedProblem]) -> Actual | None:
    found: list[LocatedProblem] = []

    def refuse(column: str, message: str) -> None:
        found.append(plain_problem(file, line, None, column, message))  # messages quote the cells

    for column in REQUIRED_ACTUALS_COLUMNS:
        if not row.get(column):
            refuse(column, "required, but the cell is empty")
    case_id, mode, status = row.get("case", ""), row.get("mode", "").lower(), row.get("status", "").lower()
    if case_id and case_id not in config.cases_by_id:
        refuse("case", _unknown("case", case_id, list(config.cases_by_id)))
    if mode and mode not in MODES:
        refuse("mode", _unknown("mode", mode, MODES))
    if status and status not in ACTUAL_STATUSES:
        refuse("status", _unknown("status", status, ACTUAL_STATUSES))
    day = _day(row.get("date", ""), plan.week_start, refuse)
    requirement = _requirement_cell(row.get("requirement", ""), refuse)
    case = config.cases_by_id.get(case_id)
    if case is not None and mode in MODES and not any(item.mode == mode for item in case.contacts):
        modes = ", ".join(sorted({item.mode for item in case.contacts})) or "none"
        refuse("mode", f"case {case_id} has no {mode} contact requirement (its contacts: {modes})")
    if case is not None and requirement is not None:
        if requirement >= len(case.contacts):
            refuse("requirement", f"case {case_id} has {len(case.contacts)} contact requirement(s), numbered from 0")
        elif mode in MODES and case.contacts[requirement].mode != mode:
            refuse("requirement", f"requirement {requirement} of case {case_id} is a "
                                  f"{case.contacts[requirement].mode} contact, not {mode}")
    problems.extend(found)
    if found or day is None:
        return None
    return Actual(case_id, day, mode, status, requirement, file, line)


def _day(cell: str, week_start: date, refuse: _Refuse) -> date | None:
    if not cell:
        return None
    try:
        day = date.fromisoformat(cell)
    except ValueError:
        refuse("date", f"'{cell}' is not a date; write YYYY-MM-DD")
        return None
    week_end = week_start + timedelta(days=6)
    if not week_start <= day <= week_end:
        refuse("date", f"{day} is outside the planned week ({week_start} to {week_end}); roll one week at a time")
        return None
    return day


def _requirement_cell(cell: str, refuse: _Refuse) -> int | None:
    if not cell:
        return None
    # ASCII digits only, and few of them: str.isdigit() also takes '²' and '٣', which int() refuses.
    if not _REQUIREMENT.fullmatch(cell):
        refuse("requirement", f"'{cell}' is not a requirement number (0 for the case's first contact requirement)")
        return None
    return int(cell)


def _requirement_problems(actuals: list[Actual], config: Config, plan: Plan, problems: list[LocatedProblem]) -> None:
    """Rows marked done that name no scheduled contact must say which requirement they count for."""
    contacts = [contact for contact in plan.contacts if contact.requirement_index >= 0]
    for actual in _unplanned(contacts, actuals):
        if actual.status == "done":
            _requirement_of(actual, config, problems)


def _unknown(kind: str, value: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    listing = ", ".join(list(known)[:12]) + (", ..." if len(known) > 12 else "")
    plural = "statuses" if kind == "status" else f"{kind}s"
    return f"unknown {kind} '{value}'; {hint}{plural} are {listing}"
