"""Cross-reference checks that single fields cannot make: ids exist, names are known, rules agree.

Each check returns `Problem`s with the field path, so the loader can point at the line.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date

from models.organisation import Case, Config
from models.problems import FieldPath, Problem, format_path
from models.text import identity
from models.timeutil import format_clock


def find_problems(config: Config) -> list[Problem]:
    """Every cross-reference problem of a structurally valid config."""
    problems: list[Problem] = []
    for check in (
        _policy_problems,
        _duplicate_ids,
        _manager_problems,
        _client_problems,
        _case_problems,
    ):
        problems.extend(check(config))
    return problems


def _unknown(kind: str, value: str, known: Iterable[str]) -> str:
    known_list = list(known)
    close = difflib.get_close_matches(value, known_list, n=1)
    suggestion = f"did you mean '{close[0]}'? " if close else ""
    listing = ", ".join(known_list[:12]) + (", ..." if len(known_list) > 12 else "")
    plural = "complexities" if kind == "complexity" else f"{kind}s"
    return f"unknown {kind} '{value}'; {suggestion}{plural} are {listing or '(none defined)'}"


def _policy_problems(config: Config) -> Iterator[Problem]:
    policy = config.policy
    complexity_names = [complexity.name for complexity in policy.complexities]
    for kind, names, key in (
        ("level", [level.name for level in policy.levels], "levels"),
        ("complexity", complexity_names, "complexities"),
    ):
        for index, count in _repeats(names):
            yield Problem(("policy", key, index, "name"), f"{kind} '{names[index]}' is defined {count} times")
    previous_rank = -1
    for index, level in enumerate(policy.levels):
        if level.max_complexity not in complexity_names:
            yield Problem(("policy", "levels", index, "max_complexity"),
                          _unknown("complexity", level.max_complexity, complexity_names))
            continue
        rank = complexity_names.index(level.max_complexity)
        if rank < previous_rank:
            yield Problem(
                ("policy", "levels", index, "max_complexity"),
                f"level '{level.name}' may carry less than the level before it; "
                "list levels from least to most experienced",
            )
        previous_rank = max(previous_rank, rank)
    points = [complexity.points for complexity in policy.complexities]
    for index in range(1, len(points)):
        if points[index] < points[index - 1]:
            yield Problem(("policy", "complexities", index, "points"),
                          "complexities must be listed from least to most complex (points not decreasing)")
    scheduling = policy.scheduling
    if scheduling.lunch is not None and not (
        scheduling.day.start <= scheduling.lunch.start and scheduling.lunch.end <= scheduling.day.end
    ):
        yield Problem(("policy", "scheduling", "lunch"), "lunch must lie inside the working day")


def _repeats(values: list[str]) -> Iterator[tuple[int, int]]:
    """(index, count) of every second and later occurrence of a repeated value."""
    counts = Counter(values)
    seen: set[str] = set()
    for index, value in enumerate(values):
        if counts[value] > 1 and value in seen:
            yield index, counts[value]
        seen.add(value)


def _duplicate_ids(config: Config) -> Iterator[Problem]:
    for key, items in (("managers", config.managers), ("clients", config.clients), ("cases", config.cases)):
        ids = [item.id for item in items]
        for index, count in _repeats(ids):
            yield Problem((key, index, "id"), f"id '{ids[index]}' is used {count} times; ids must be unique")
        yield from _colliding_ids(key, ids)


def _colliding_ids(key: str, ids: list[str]) -> Iterator[Problem]:
    """Ids that differ only in case or Unicode form (m-ana, M-ANA, a full-width ｍ-ａｎａ) are one id to a
    reader: each is refused at its own line, naming the other."""
    first: dict[str, int] = {}
    for index, identifier in enumerate(ids):
        seen = first.setdefault(identity(identifier), index)
        if seen == index or ids[seen] == identifier:
            continue  # the first of its kind, or an exact repeat (reported above)
        for this, other in ((index, seen), (seen, index)):
            yield Problem((key, this, "id"),
                          f"id '{ids[this]}' and {format_path((key, other, 'id'))} '{ids[other]}' are the same id "
                          "once case and character forms are ignored; make them differ by more than that")


def _manager_problems(config: Config) -> Iterator[Problem]:
    level_names = [level.name for level in config.policy.levels]
    for index, manager in enumerate(config.managers):
        if manager.level not in level_names:
            yield Problem(("managers", index, "level"), _unknown("level", manager.level, level_names))
        for block_index, block in enumerate(manager.blocked):
            if not config.week_start <= block.day <= config.week_end:
                yield Problem(("managers", index, "blocked", block_index, "day"), _outside_week(block.day, config))


def _client_problems(config: Config) -> Iterator[Problem]:
    """Every manager a client names (excluded, preferred) is a manager of the config."""
    manager_ids = list(config.managers_by_id)
    for index, client in enumerate(config.clients):
        for position, manager_id in enumerate(client.excluded_managers):
            if manager_id not in config.managers_by_id:
                yield Problem(("clients", index, "excluded_managers", position),
                              _unknown("manager", manager_id, manager_ids))
        if client.preferred_manager is not None and client.preferred_manager not in config.managers_by_id:
            yield Problem(("clients", index, "preferred_manager"),
                          _unknown("manager", client.preferred_manager, manager_ids))


def _case_problems(config: Config) -> Iterator[Problem]:
    policy = config.policy
    complexity_names = [complexity.name for complexity in policy.complexities]
    type_names = list(policy.case_types)
    day_minutes = policy.scheduling.day.minutes
    for index, case in enumerate(config.cases):
        path: FieldPath = ("cases", index)
        if case.client not in config.clients_by_id:
            yield Problem((*path, "client"), _unknown("client", case.client, list(config.clients_by_id)))
        if case.type not in policy.case_types:
            yield Problem((*path, "type"), _unknown("case type", case.type, type_names))
        if case.complexity not in complexity_names:
            yield Problem((*path, "complexity"), _unknown("complexity", case.complexity, complexity_names))
        if case.manager is not None and case.manager not in config.managers_by_id:
            yield Problem((*path, "manager"), _unknown("manager", case.manager, list(config.managers_by_id)))
        if case.locked and case.manager is None:
            yield Problem((*path, "locked"), "a locked case needs a current manager; set manager or unlock it")
        yield from _contact_problems(case, path, day_minutes, config)
        yield from _appointment_problems(case, path, config)


def _outside_week(day: date, config: Config) -> str:
    return f"{day} is outside the planning week ({config.week_start} to {config.week_end})"


def _appointment_problems(case: Case, path: FieldPath, config: Config) -> Iterator[Problem]:
    """An appointment fixes a due contact of this week: its start on the slot grid, its requirement one of the
    case's, with a contact due this week for each of its appointments this week. One after the week waits
    for its week (`caseload roll` carries it); one before the week is past."""
    slot = config.policy.scheduling.slot_minutes
    due = Counter(contact.requirement_index for contact in config.due_contacts(case))
    booked: Counter[int] = Counter()
    for index, appointment in enumerate(case.appointments):
        at: FieldPath = (*path, "appointments", index)
        if appointment.contact >= len(case.contacts):
            count = len(case.contacts)
            yield Problem((*at, "contact"), f"unknown contact {appointment.contact}: the case has {count} contact "
                                            f"requirement(s){f' (0 to {count - 1})' if count else ''}")
            continue
        if appointment.day < config.week_start:
            yield Problem((*at, "day"), f"{appointment.day} is before the planning week ({config.week_start} to "
                                        f"{config.week_end}): take a past appointment out")
        if appointment.start % slot:
            yield Problem((*at, "start"), f"{format_clock(appointment.start)} is off the {slot}-minute slot grid")
        if appointment.day > config.week_end:
            continue  # a later week's: it fixes nothing this week
        booked[appointment.contact] += 1
        if booked[appointment.contact] > due[appointment.contact]:
            yield Problem((*at, "contact"), f"contact {appointment.contact} has {due[appointment.contact]} "
                                            f"contact(s) due this week and more appointments than that")


def _contact_problems(case: Case, path: FieldPath, day_minutes: int, config: Config) -> Iterator[Problem]:
    for contact_index, contact in enumerate(case.contacts):
        if contact.minutes > day_minutes:
            yield Problem(
                (*path, "contacts", contact_index, "minutes"),
                f"{contact.minutes} minutes do not fit in a working day of {day_minutes} minutes",
            )
        if contact.last is not None and contact.last > config.week_end:
            yield Problem((*path, "contacts", contact_index, "last"),
                          f"last contact {contact.last} is after the planning week ends ({config.week_end})")
