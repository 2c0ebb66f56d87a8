"""Who may carry which case: the hard rules of assignment, with a named reason for each refusal.

Shared by balancing, rebalancing and staffing (the checker in models/check.py re-derives the rules
independently on purpose). Managers and cases are grouped into classes with identical attributes,
so a state agency's 25,000 cases x 1,000 managers costs a few hundred class comparisons, not 25M.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from models.organisation import Case, Config, Manager
from models.reasons import phrase, reason_text, refusal_text
from scheduler.core.week_time import Stretches, WeekAvailability, WeekTime, can_meet


@dataclass(frozen=True)
class Exclusion:
    """Why a case cannot go to a manager (or to anyone)."""

    rule: str
    reason: str


@dataclass(frozen=True)
class CaseClass:
    """The attributes of a case that eligibility depends on."""

    min_level_rank: int
    skills: frozenset[str]
    language: str
    client_week: WeekAvailability = ()
    """The client's availability on the week's working days (meeting rule)."""
    meeting_minutes: int = 0
    """The longest contact due this week: a manager must share a stretch this long with the client."""


@dataclass(frozen=True)
class ManagerClass:
    level_rank: int
    skills: frozenset[str]
    languages: frozenset[str]
    working: bool
    accepts_new_cases: bool
    week: tuple[tuple[date, Stretches], ...] = ()
    """The manager's working stretches (less lunch) on the days they work this week."""


class Eligibility:
    """Eligibility look-ups for one config, cached per case class."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.week_time = WeekTime(config)
        self._cache: dict[CaseClass, tuple[str, ...]] = {}
        # Case classes no otherwise eligible manager can meet: the meeting rule gives way (flagged).
        self._cannot_meet: set[CaseClass] = set()
        self._client_weeks: dict[str, WeekAvailability] = {}
        self._meeting_minutes: dict[str, int] = {}
        self._signatures: dict[CaseClass, frozenset[int]] = {}
        self._manager_class_of: dict[str, ManagerClass] = {}

    @cached_property
    def _manager_classes(self) -> dict[ManagerClass, list[str]]:
        classes: dict[ManagerClass, list[str]] = defaultdict(list)
        for manager in sorted(self.config.managers, key=lambda item: item.id):
            classes[self.manager_class(manager)].append(manager.id)
        return dict(classes)

    def manager_class(self, manager: Manager) -> ManagerClass:
        # Cached per manager: a refusal asks for it every time, and the manager's week takes a while.
        found = self._manager_class_of.get(manager.id)
        if found is None:
            found = self._manager_class_of[manager.id] = ManagerClass(
                level_rank=self.config.policy.level_rank(manager.level),
                skills=frozenset(manager.skills),
                languages=frozenset(manager.languages),
                working=not self.config.on_leave_all_week(manager),
                accepts_new_cases=manager.accepts_new_cases,
                week=self.week_time.manager_week(manager),
            )
        return found

    def case_class(self, case: Case) -> CaseClass:
        client = self.config.clients_by_id[case.client]
        if client.id not in self._client_weeks:
            self._client_weeks[client.id] = self.week_time.client_week(client)
        if case.id not in self._meeting_minutes:
            self._meeting_minutes[case.id] = self.week_time.longest_contact(case)
        return CaseClass(
            min_level_rank=self.config.required_level_rank(case),
            skills=frozenset(self.config.policy.case_type(case.type).skills),
            language=client.language,
            client_week=self._client_weeks[client.id],
            meeting_minutes=self._meeting_minutes[case.id],
        )

    def meeting_signature(self, key: CaseClass) -> frozenset[int]:
        """The manager classes (by position) the meeting rule refuses for this class of case: cases
        alike in everything else and in this set have the same receivers. Usually empty."""
        # Only classes no other rule refuses count (a manager on leave all week meets nobody, but is
        # refused as on leave already); keyed by the whole class, since the other rules depend on it.
        signature = self._signatures.get(key)
        if signature is None:
            signature = frozenset(
                index for index, manager_class in enumerate(self._manager_classes)
                if _class_refusal(key, manager_class, is_current=True, meeting=False) is None
                and not can_meet(manager_class.week, key.client_week, key.meeting_minutes))
            self._signatures[key] = signature
        return signature

    def cannot_meet(self, case: Case) -> bool:
        """Whether no manager who may otherwise carry the case can meet its client this week: the
        meeting rule then gives way (the case is still served), and the plan flags it."""
        if case.locked and case.manager is not None:
            return False
        key = self.case_class(case)
        self._eligible(key)
        if key not in self._cannot_meet:
            return False
        # The current manager (closed to new cases, say) may keep the case: do they meet the client?
        current = self.config.managers_by_id.get(case.manager or "")
        if current is None:
            return True
        return _class_refusal(key, self.manager_class(current), is_current=True) is not None

    def managers_for(self, case: Case) -> tuple[str, ...]:
        """Ids of managers who may carry the case, sorted; locked cases only their manager."""
        if case.locked and case.manager is not None:
            return (case.manager,)
        key = self.case_class(case)
        eligible = self._eligible(key)
        current = case.manager
        if current is not None and current not in eligible and self.refusal(case, current) is None:
            # A manager closed to new cases keeps the ones they already carry.
            eligible = tuple(sorted((*eligible, current)))
        return eligible

    def _eligible(self, key: CaseClass) -> tuple[str, ...]:
        """Managers who may take a case of this class as new work (cached)."""
        if key not in self._cache:
            classes = self._manager_classes.items()
            strict = tuple(sorted(manager_id for manager_class, ids in classes
                                  if _class_refusal(key, manager_class, is_current=False) is None
                                  for manager_id in ids))
            if not strict:
                loose = tuple(sorted(manager_id for manager_class, ids in classes
                                     if _class_refusal(key, manager_class, is_current=False, meeting=False) is None
                                     for manager_id in ids))
                if loose:
                    self._cannot_meet.add(key)
                strict = loose
            self._cache[key] = strict
        return self._cache[key]

    def refusal(self, case: Case, manager_id: str) -> Exclusion | None:
        """Why `manager_id` may not carry `case`, or None when they may."""
        if case.locked:
            if manager_id == case.manager:
                return None
            return Exclusion("locked", refusal_text("locked", case=case.id, manager=case.manager))
        manager = self.config.managers_by_id[manager_id]
        key = self.case_class(case)
        self._eligible(key)
        refusal = _class_refusal(key, self.manager_class(manager), is_current=manager_id == case.manager,
                                 meeting=not self.cannot_meet(case))
        if (refusal is not None and refusal.rule == "level" and case.escalate
                and self.config.policy.level_rank(manager.level) == key.min_level_rank - 1):
            # The level would do but for the escalation: say so.
            return Exclusion("level", refusal_text("level", "escalated", complexity=case.complexity,
                                                   level=manager.level))
        return refusal

    def exclusion(self, case: Case) -> Exclusion | None:
        """Why no manager at all may carry the case, naming the first rule that empties the field."""
        if self.managers_for(case):
            return None
        needed = self.case_class(case)
        level_names = [level.name for level in self.config.policy.levels]
        candidates = list(self._manager_classes)
        steps: list[tuple[str, str, Callable[[ManagerClass], bool]]] = [
            ("no_level", _level_text(needed, level_names, case), lambda c: c.level_rank >= needed.min_level_rank),
            ("no_skill", reason_text("no_skill", skills=_listing(needed.skills), case_type=case.type),
             lambda c: needed.skills <= c.skills),
            ("no_language", reason_text("no_language", language=needed.language),
             lambda c: needed.language in c.languages),
            ("no_manager_available", reason_text("no_manager_available"),
             lambda c: c.working and c.accepts_new_cases),
        ]
        for rule, reason, keeps in steps:
            candidates = [c for c in candidates if keeps(c)]
            if not candidates:
                return Exclusion(rule, reason)
        return Exclusion("no_manager_available", reason_text("no_manager_available", "nobody"))


def tied_household_refusal(eligibility: Eligibility, case: Case, household: Sequence[Case]) -> Exclusion | None:
    """Why `case` may not join its household's locked case (None: it may, or nothing is locked).

    A household goes where its locked case is, but only with the cases that manager may carry (keep
    what they hold, or take as new work); the rest stay unassigned with this reason.
    """
    locked = sorted((item for item in household if item.locked and item.manager is not None), key=lambda c: c.id)
    managers = {item.manager for item in locked}
    if len(managers) != 1 or case in locked:
        return None
    anchor = locked[0]
    manager_id = anchor.manager or ""
    as_given = case if case.manager == manager_id else case.model_copy(update={"manager": None, "locked": False})
    refusal = eligibility.refusal(as_given, manager_id)
    if refusal is None:
        return None
    return Exclusion("household_conflict", reason_text("household_conflict", "locked_case_refused", case=anchor.id,
                                                       manager=manager_id, refusal=refusal.reason))


def _class_refusal(case: CaseClass, manager: ManagerClass, *, is_current: bool,
                   meeting: bool = True) -> Exclusion | None:
    if manager.level_rank < case.min_level_rank:
        return Exclusion("level", refusal_text("level"))
    if not case.skills <= manager.skills:
        return Exclusion("skill", refusal_text("skill", skills=_listing(case.skills - manager.skills)))
    if case.language not in manager.languages:
        return Exclusion("language", refusal_text("language", language=case.language))
    if not manager.working:
        return Exclusion("on_leave", refusal_text("on_leave"))
    if not manager.accepts_new_cases and not is_current:
        return Exclusion("closed_to_new_cases", refusal_text("closed_to_new_cases"))
    if meeting and not can_meet(manager.week, case.client_week, case.meeting_minutes):
        return Exclusion("meeting", refusal_text("meeting", minutes=case.meeting_minutes))
    return None


def _level_text(needed: CaseClass, level_names: list[str], case: Case) -> str:
    escalated = phrase("escalated") if case.escalate else ""
    if needed.min_level_rank >= len(level_names):
        return reason_text("no_level", "no_such_level", complexity=case.complexity, escalated=escalated)
    return reason_text("no_level", complexity=case.complexity, escalated=escalated,
                       level=level_names[needed.min_level_rank])


def _listing(values: frozenset[str]) -> str:
    return ", ".join(sorted(values))
