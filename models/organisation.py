"""Managers, clients, cases and the Config root that ties them to a policy and a week."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from models.limits import (
    MAX_CASES,
    MAX_FTE,
    MAX_LIST,
    MAX_MANAGERS,
    MAX_MINUTES,
    MAX_NEW_CASES,
    MAX_POINTS,
    MIN_FTE,
    MIN_POINTS,
    Count,
    Date,
    Number,
    week_start_in_range,
)
from models.policy import Policy, StrictModel
from models.text import Identifier, PlainText
from models.timeutil import (
    WEEKDAYS,
    Clock,
    TimeWindow,
    Weekday,
    Window,
    add_months,
    check_no_overlap,
    clock_change_windows,
    format_clock,
    month_end,
    month_key,
    weekday_name,
)

ContactMode = Literal["in_person", "phone", "video"]
Availability = dict[Weekday, list[Window]]

_PER_WEEK = re.compile(r"^\s*(\d+)\s*/\s*week\s*$")
_PHONE = re.compile(r"[0-9 +\-()]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


class GeoPoint(StrictModel):
    lat: Number = Field(ge=-90, le=90)
    lon: Number = Field(ge=-180, le=180)


def _checked_availability(value: Availability | None) -> Availability | None:
    if value is None:
        return None
    return {day: check_no_overlap(windows) for day, windows in value.items()}


_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Frequency:
    """How often a contact is required: `per_week` contacts a week, or one every `kind` period."""

    kind: Literal["per_week", "biweekly", "monthly"]
    per_week: int = 1

    @staticmethod
    def parse(text: str) -> Frequency:
        cleaned = text.strip().lower()
        if cleaned == "weekly":
            return Frequency("per_week", 1)
        if cleaned in ("biweekly", "fortnightly"):
            return Frequency("biweekly")
        if cleaned == "monthly":
            return Frequency("monthly")
        match = _PER_WEEK.match(cleaned)
        if match and 1 <= int(match.group(1)) <= 7:
            return Frequency("per_week", int(match.group(1)))
        raise ValueError(
            f"unknown frequency '{text}'; use weekly, N/week (1 to 7), biweekly or monthly"
        )

    def next_due(self, last: date | None) -> date | None:
        """The date the next contact falls due, or None for weekly kinds / never contacted."""
        if last is None or self.kind == "per_week":
            return None
        if self.kind == "biweekly":
            return last + timedelta(days=14)
        return add_months(last, 1)


class ContactRequirement(StrictModel):
    mode: ContactMode = "in_person"
    minutes: Count = Field(gt=0, le=MAX_MINUTES, description="Length of one contact in minutes.")
    frequency: str = Field(description="weekly, N/week, biweekly or monthly.")
    last: Date | None = Field(default=None, description="Date of the last contact of this kind.")
    in_residence: bool = Field(default=True, description=(
        "Its in-person contacts are made in the client's residence (false: elsewhere, e.g. school or the "
        "office); calendar-month compliance reports the share of visits in residence."))
    month: str | None = Field(default=None, description=(
        "The calendar month (YYYY-MM) that month_visits and month_in_residence count; `caseload roll` writes "
        "them. Counts of another month than the planning week's are not used."))
    month_visits: Count = Field(default=0, ge=0, le=MAX_LIST, description=(
        "Contacts of this requirement made so far in `month`."))
    month_in_residence: Count = Field(default=0, ge=0, le=MAX_LIST, description=(
        "Of month_visits, those made in the client's residence."))

    @field_validator("month")
    @classmethod
    def _is_a_month(cls, value: str | None) -> str | None:
        if value is not None and not _MONTH.fullmatch(value):
            raise ValueError("a month is written YYYY-MM, e.g. 2026-11")
        return value

    @model_validator(mode="after")
    def _month_counts_agree(self) -> ContactRequirement:
        if self.month_in_residence > self.month_visits:
            raise ValueError(f"month_in_residence ({self.month_in_residence}) is more than month_visits "
                             f"({self.month_visits})")
        if self.month is None and self.month_visits:
            raise ValueError("month_visits needs the month (YYYY-MM) it counts")
        return self

    def visits_in(self, month: str) -> tuple[int, int]:
        """Visits of `month` (YYYY-MM) this requirement records, and how many were in residence: its count
        when of that month, else one for a `last` in it (a month nobody counted yet)."""
        if self.month == month and self.month_visits:
            return self.month_visits, self.month_in_residence
        if self.last is not None and month_key(self.last) == month:
            return 1, int(self.in_residence)
        return 0, 0

    @field_validator("frequency")
    @classmethod
    def _frequency_parses(cls, value: str) -> str:
        Frequency.parse(value)
        return value.strip().lower()

    @property
    def parsed_frequency(self) -> Frequency:
        return Frequency.parse(self.frequency)


class Block(StrictModel):
    """Time a manager keeps free on one day (supervision, a team meeting, training, court): no contact
    and no travel in [start, end)."""

    day: Date
    start: Clock
    end: Clock
    reason: PlainText = Field(default="", description="What the time is for, e.g. court.")

    @model_validator(mode="after")
    def _start_before_end(self) -> Block:
        if self.start >= self.end:
            raise ValueError("start must be earlier than end")
        return self


def _blocks_apart(blocks: list[Block]) -> list[Block]:
    ordered = sorted(range(len(blocks)), key=lambda index: (blocks[index].day, blocks[index].start))
    for before, after in itertools.pairwise(ordered):
        first, second = blocks[before], blocks[after]
        if first.day == second.day and second.start < first.end:
            raise ValueError(f"blocked[{after}] ({second.day} {format_clock(second.start)}-"
                             f"{format_clock(second.end)}) overlaps blocked[{before}] ({first.day} "
                             f"{format_clock(first.start)}-{format_clock(first.end)}); merge them or fix the times")
    return blocks


class Appointment(StrictModel):
    """A contact agreed at a fixed date and time (a court hearing, an agreed home visit): the due
    contact of requirement `contact` this week is placed exactly there, or reported unscheduled."""

    contact: Count = Field(ge=0, description="The index of the case's contact requirement (0 for the first).")
    day: Date
    start: Clock


class Manager(StrictModel):
    id: Identifier = Field(min_length=1)
    name: PlainText = ""
    level: PlainText
    fte: Number = Field(default=1.0, ge=MIN_FTE, le=MAX_FTE, description="Full-time equivalent, 0.05 to 1.")
    region: PlainText | None = None
    office: PlainText | None = None
    base: GeoPoint | None = Field(default=None, description="Where the working day starts and ends.")
    languages: list[PlainText] = Field(default_factory=lambda: ["en"], max_length=MAX_LIST)
    skills: list[PlainText] = Field(default_factory=list, max_length=MAX_LIST)
    availability: Availability | None = Field(
        default=None, description="Weekday windows; default: the policy's day on working days."
    )
    leave: list[Date] = Field(default_factory=list, max_length=MAX_LIST)
    accepts_new_cases: bool = True
    max_new_cases: Count | None = Field(default=None, ge=0, le=MAX_NEW_CASES, description=(
        "The most cases new to this manager this week (intake placed and cases moved in; a household counts "
        "each case); default: policy.max_new_cases."))
    email: str | None = None
    phone: str | None = None
    blocked: list[Block] = Field(default_factory=list, max_length=MAX_LIST, description=(
        "Fixed time kept free this week: [{day, start, end, reason}]; no contact or travel then."))

    _availability_ok = field_validator("availability")(_checked_availability)
    _blocks_ok = field_validator("blocked")(_blocks_apart)


class Client(StrictModel):
    id: Identifier = Field(min_length=1)
    name: PlainText = ""
    household: Identifier | None = None
    language: PlainText = "en"
    region: PlainText | None = None
    location: GeoPoint | None = None
    availability: Availability | None = None
    phone: str | None = Field(default=None, description="How the client is reached: digits, spaces, + - ( ).")
    email: str | None = Field(default=None, description="The client's email address.")
    excluded_managers: list[Identifier] = Field(default_factory=list, max_length=MAX_LIST, description=(
        "Ids of managers who may never carry this client's cases (a conflict of interest, safety); a hard "
        "rule in every stage (a locked case stays with its manager, as with every rule)."))
    preferred_manager: Identifier | None = Field(default=None, description=(
        "The manager this client's cases should stay with (rapport): a soft rule, policy.weights.preference per "
        "case away from them while they may carry it."))

    _availability_ok = field_validator("availability")(_checked_availability)

    @field_validator("phone")
    @classmethod
    def _phone_is_a_number(cls, value: str | None) -> str | None:
        # Messages never repeat the value: like names, a client's contact details stay out of logs.
        if value is not None and not (_PHONE.fullmatch(value) and any(character.isdigit() for character in value)):
            raise ValueError("a phone number holds digits and only spaces, +, -, ( and ) besides, e.g. "
                             "+1 (555) 010-0101")
        return value

    @field_validator("email")
    @classmethod
    def _email_has_one_at(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.fullmatch(value):
            raise ValueError("an email address has one @ with text on both sides and no spaces, e.g. "
                             "name@example.org")
        return value

    @property
    def household_key(self) -> str:
        """Clients without a household form a household of one."""
        return self.household or f"client:{self.id}"


class Case(StrictModel):
    id: Identifier = Field(min_length=1)
    client: Identifier
    type: PlainText
    complexity: PlainText
    opened: Date | None = None
    manager: Identifier | None = Field(default=None, description="Current manager, if any.")
    locked: bool = Field(default=False, description="Must stay with the current manager.")
    escalate: bool = Field(default=False, description=(
        "Needs a level above its current worker's (the top level if they hold it; without a worker, one above "
        "its complexity's)."))
    points: Number | None = Field(default=None, ge=MIN_POINTS, le=MAX_POINTS, description="Explicit weekly points.")
    contacts: list[ContactRequirement] = Field(default_factory=list, max_length=MAX_LIST)
    appointments: list[Appointment] = Field(default_factory=list, max_length=MAX_LIST, description=(
        "Contacts agreed at a fixed time this week: [{contact, day, start}]."))


# The requirement index of an introduction contact (no requirement of the case has it).
INTRODUCTION = -1


@dataclass(frozen=True)
class DueContact:
    """One contact a case needs in the planning week (`requirement_index` INTRODUCTION: the
    introduction of a case new to its manager, `policy.introduction`)."""

    case_id: str
    requirement_index: int
    occurrence: int
    mode: ContactMode
    minutes: int
    due: date
    overdue: bool

    @property
    def key(self) -> str:
        return f"{self.case_id}#{self.requirement_index}.{self.occurrence}"

    @property
    def introduction(self) -> bool:
        return self.requirement_index == INTRODUCTION


class Config(StrictModel):
    week_start: date = Field(description="The Monday of the planning week.")
    timezone: str = "UTC"
    policy: Policy
    holidays: list[Date] = Field(default_factory=list, max_length=MAX_LIST)
    managers: list[Manager] = Field(default_factory=list, max_length=MAX_MANAGERS)
    clients: list[Client] = Field(default_factory=list, max_length=MAX_CASES)
    cases: list[Case] = Field(default_factory=list, max_length=MAX_CASES)

    @field_validator("week_start")
    @classmethod
    def _is_monday(cls, value: date) -> date:
        week_start_in_range(value)
        if value.weekday() != 0:
            monday = value - timedelta(days=value.weekday())
            raise ValueError(f"{value} is a {WEEKDAYS[value.weekday()]}, not a Monday; did you mean {monday}?")
        return value

    @field_validator("timezone")
    @classmethod
    def _is_real_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone '{value}'; use an IANA name such as America/Chicago or Europe/London"
            ) from None
        return value

    def rebuilt(self, **fields: object) -> Config:
        """A new Config with some fields replaced: fresh indexes (`model_copy` would carry the cached
        look-ups over); model instances in the lists are not validated again."""
        values: dict[str, object] = {name: getattr(self, name) for name in type(self).model_fields}
        values.update(fields)
        return Config.model_validate(values)

    # --- indexes: built once, the lists are not changed after validation ---

    @cached_property
    def managers_by_id(self) -> dict[str, Manager]:
        return {manager.id: manager for manager in self.managers}

    @cached_property
    def clients_by_id(self) -> dict[str, Client]:
        return {client.id: client for client in self.clients}

    @cached_property
    def cases_by_id(self) -> dict[str, Case]:
        return {case.id: case for case in self.cases}

    @cached_property
    def cases_by_household(self) -> dict[str, list[Case]]:
        """Every household's cases (a client without a household is one), in the config's order."""
        households: dict[str, list[Case]] = {}
        for case in self.cases:
            households.setdefault(self.clients_by_id[case.client].household_key, []).append(case)
        return households

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    # --- derived values ---

    def case_points(self, case: Case) -> float:
        """Weekly workload points: explicit, or complexity points x case-type factor."""
        if case.points is not None:
            return case.points
        return self.policy.complexity_points(case.complexity) * self.policy.case_type(case.type).factor

    def complexity_level_rank(self, case: Case) -> int:
        """Lowest level rank whose max_complexity covers the case's complexity (escalation aside)."""
        complexity = self.policy.complexity_rank(case.complexity)
        ranks = [
            rank
            for rank, level in enumerate(self.policy.levels)
            if self.policy.complexity_rank(level.max_complexity) >= complexity
        ]
        return min(ranks) if ranks else len(self.policy.levels)

    def required_level_rank(self, case: Case) -> int:
        """Lowest level rank allowed to carry the case: its complexity's, and when escalated, one above
        the level of the worker who holds it in this config (the top level when they hold it already;
        one above the complexity's when nobody holds it). Copies of a case (`manager` cleared, to ask who
        may take it as new work) are judged by the config's own case of that id."""
        lowest = self.complexity_level_rank(case)
        if not case.escalate:
            return lowest
        holder = self.managers_by_id.get(self.cases_by_id.get(case.id, case).manager or "")
        if holder is None:
            return lowest + 1
        return max(lowest, min(self.policy.level_rank(holder.level) + 1, len(self.policy.levels) - 1))

    def capacity_points(self, manager: Manager) -> float:
        return self.policy.level(manager.level).capacity_points * manager.fte

    def intake_cap(self, manager: Manager) -> int | None:
        """The most cases new to `manager` this week (their own max_new_cases, else the policy's); None: no cap."""
        return manager.max_new_cases if manager.max_new_cases is not None else self.policy.max_new_cases

    def max_cases(self, manager: Manager) -> int:
        """Case-count limit scaled by FTE, rounded down but at least one."""
        return max(1, int(self.policy.level(manager.level).max_cases * manager.fte + 1e-9))

    def working_days(self) -> list[date]:
        """Days of the week that are working days under the policy and not holidays."""
        holidays = set(self.holidays)
        days = [self.week_start + timedelta(days=offset) for offset in range(7)]
        working = set(self.policy.scheduling.working_days)
        return [day for day in days if weekday_name(day) in working and day not in holidays]

    def manager_days(self, manager: Manager) -> list[date]:
        """Working days on which the manager is not on leave."""
        leave = set(manager.leave)
        return [day for day in self.working_days() if day not in leave]

    def on_leave_all_week(self, manager: Manager) -> bool:
        return not self.manager_days(manager)

    def working_windows(self, manager: Manager, day: date) -> list[TimeWindow]:
        """The manager's working windows on a day (the policy's day when none are given), blocked time
        not taken out."""
        if day not in self.manager_days(manager):
            return []
        return _windows_on(manager.availability, day, self.policy)

    def manager_windows(self, manager: Manager, day: date) -> list[TimeWindow]:
        """The manager's working windows on a day less the manager's blocked time that day and the local
        times a clock change skips or repeats (nothing can be placed at a time that is not one instant)."""
        windows = self.working_windows(manager, day)
        cuts = [TimeWindow(block.start, block.end) for block in manager.blocked if block.day == day]
        for cut in [*cuts, *clock_change_windows(day, self.timezone)]:
            windows = [piece for window in windows
                       for piece in (TimeWindow(window.start, min(window.end, cut.start)),
                                     TimeWindow(max(window.start, cut.end), window.end))
                       if piece.start < piece.end]
        return windows

    def appointment_of(self, case: Case, contact: DueContact) -> Appointment | None:
        """The appointment that fixes `contact`: a requirement's appointments this week, by day and start, fix
        its occurrences this week in order (a later week's appointment waits for its week)."""
        if contact.introduction:
            return None
        mine = sorted((item for item in case.appointments if item.contact == contact.requirement_index
                       and self.week_start <= item.day <= self.week_end),
                      key=lambda item: (item.day, item.start))
        return mine[contact.occurrence] if contact.occurrence < len(mine) else None

    def client_windows(self, client: Client, day: date) -> list[TimeWindow]:
        return _windows_on(client.availability, day, self.policy)

    def due_contacts(self, case: Case) -> list[DueContact]:
        """Contacts the case needs this week, overdue first-class: they carry `overdue=True`."""
        due: list[DueContact] = []
        for index, requirement in enumerate(case.contacts):
            frequency = requirement.parsed_frequency
            if frequency.kind == "per_week":
                for occurrence in range(frequency.per_week):
                    due.append(
                        DueContact(case.id, index, occurrence, requirement.mode, requirement.minutes,
                                   self.week_end, overdue=False)
                    )
                continue
            next_due = self.next_due(requirement)
            if next_due is None or next_due <= self.week_end:
                due_date = self.week_start if next_due is None else max(next_due, self.week_start)
                overdue = next_due is not None and next_due < self.week_start
                due.append(
                    DueContact(case.id, index, 0, requirement.mode, requirement.minutes, due_date, overdue)
                )
        return due


    def next_due(self, requirement: ContactRequirement) -> date | None:
        """When a biweekly or monthly requirement falls due next (None: never made, or weekly). Under
        calendar-month compliance a monthly in-person visit is due a month after `last` or by the last
        working day of the month after `last`'s, whichever is earlier: the month it is for never passes
        without it while a day is left (a month after the 31st can fall on a weekend past the last one)."""
        next_due = requirement.parsed_frequency.next_due(requirement.last)
        if next_due is None or not self.tracks_compliance(requirement):
            return next_due
        return min(next_due, self.last_working_day(next_due))

    def tracks_compliance(self, requirement: ContactRequirement) -> bool:
        """Whether calendar-month compliance counts this requirement: a monthly in-person one, with
        policy.compliance.monthly_visits on."""
        compliance = self.policy.compliance
        return (compliance is not None and compliance.monthly_visits and requirement.mode == "in_person"
                and requirement.parsed_frequency.kind == "monthly")

    def last_working_day(self, day: date) -> date:
        """The last working day (the policy's working days, holidays skipped) of `day`'s calendar month; its
        last day when it has none."""
        working, holidays = set(self.policy.scheduling.working_days), set(self.holidays)
        last = month_end(day)
        candidate = last
        while candidate.month == last.month:
            if weekday_name(candidate) in working and candidate not in holidays:
                return candidate
            candidate -= timedelta(days=1)
        return last

    def introduction_days(self, manager: Manager) -> list[date]:
        """The days a case new to `manager` may get its introduction: the manager's first
        `policy.introduction.within_days` working days of the week (leave and holidays skipped)."""
        if self.policy.introduction is None:
            return []
        return self.manager_days(manager)[:self.policy.introduction.within_days]

    def introduction_contact(self, case: Case, manager: Manager) -> DueContact | None:
        """The introduction a case new to `manager` (moved to them, or new intake placed with them)
        needs this week, due on the last of its days; None when the policy has no introductions."""
        policy = self.policy.introduction
        if policy is None:
            return None
        days = self.introduction_days(manager)
        return DueContact(case.id, INTRODUCTION, 0, policy.mode, policy.minutes,
                          days[-1] if days else self.week_start, overdue=False)


def _windows_on(availability: Availability | None, day: date, policy: Policy) -> list[TimeWindow]:
    name = weekday_name(day)
    if availability is None:
        if name not in policy.scheduling.working_days:
            return []
        return [TimeWindow(policy.scheduling.day.start, policy.scheduling.day.end)]
    return list(availability.get(name, []))
