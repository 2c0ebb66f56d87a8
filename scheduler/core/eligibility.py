"""Who may carry which case: the hard rules of assignment, with a named reason for each refusal.

Shared by balancing, rebalancing and staffing (the checker in models/check.py re-derives the rules
independently on purpose). The class rules (level, skills, language, leave, closed to new cases) group
managers and cases into classes with identical attributes; a client's `excluded_managers` are taken out
of the field for its cases (never relaxed); the pair rules (the drive limit and meeting
with travel) are evaluated for every manager at once per client, with numpy.

The pair rules give way rather than leave a case without a manager: when no manager the class rules
allow is within `max_drive_minutes`, the drive limit gives way (flag `too_far`); when none of those
left can meet the client, meeting gives way (flag `no_common_availability`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from models.organisation import Case, Config, Manager
from models.reasons import phrase, reason_text, refusal_text
from scheduler.core.week_time import WeekTime


@dataclass(frozen=True)
class Exclusion:
    """Why a case cannot go to a manager (or to anyone)."""

    rule: str
    reason: str


# The rules that give way when nobody who may otherwise carry a case satisfies them: the case is still
# served, and the plan flags it (`Assignment.flags`) with these codes.
TOO_FAR = "too_far"
CANNOT_MEET = "no_common_availability"


@dataclass(frozen=True)
class CaseClass:
    """The attributes of a case that the class rules (level, skills, language) depend on."""

    min_level_rank: int
    skills: frozenset[str]
    language: str


@dataclass(frozen=True)
class ManagerClass:
    level_rank: int
    skills: frozenset[str]
    languages: frozenset[str]
    working: bool
    accepts_new_cases: bool


@dataclass(frozen=True)
class Receivers:
    """Who may take a case as new work, and the rules that gave way for it."""

    managers: tuple[str, ...]
    gave_way: frozenset[str]


class Eligibility:
    """Eligibility look-ups for one config.

    The class rules (level, skills, language, leave, closed to new cases) are cached per class of case
    and manager; the pair rules (the drive limit, meeting with travel) per client and its needs, for
    every manager at once (scheduler/core/week_time.py), so a state agency's 25,000 cases x 1,000
    managers stay fast."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.week_time = WeekTime(config)
        self._position = {manager.id: index for index, manager in enumerate(config.managers)}
        self._ids = np.array([manager.id for manager in config.managers], dtype=object)
        self._classes: dict[CaseClass, NDArray[np.bool_]] = {}
        self._fields: dict[tuple[object, ...], Receivers] = {}
        # (case id, manager id) -> the pair flags (a case's due contacts and client are fixed in a config).
        self._flags: dict[tuple[str, str], tuple[str, ...]] = {}
        self._manager_class_of: dict[str, ManagerClass] = {}

    @cached_property
    def _manager_classes(self) -> dict[ManagerClass, list[str]]:
        classes: dict[ManagerClass, list[str]] = defaultdict(list)
        for manager in sorted(self.config.managers, key=lambda item: item.id):
            classes[self.manager_class(manager)].append(manager.id)
        return dict(classes)

    def manager_class(self, manager: Manager) -> ManagerClass:
        found = self._manager_class_of.get(manager.id)
        if found is None:
            found = self._manager_class_of[manager.id] = ManagerClass(
                level_rank=self.config.policy.level_rank(manager.level),
                skills=frozenset(manager.skills),
                languages=frozenset(manager.languages),
                working=not self.config.on_leave_all_week(manager),
                accepts_new_cases=manager.accepts_new_cases,
            )
        return found

    def case_class(self, case: Case) -> CaseClass:
        client = self.config.clients_by_id[case.client]
        return CaseClass(
            min_level_rank=self.config.required_level_rank(case),
            skills=frozenset(self.config.policy.case_type(case.type).skills),
            language=client.language,
        )

    def _class_mask(self, key: CaseClass) -> NDArray[np.bool_]:
        """Managers (`config.managers` order) the class rules let take a case of this class as new work."""
        found = self._classes.get(key)
        if found is None:
            allowed = {manager_id for manager_class, ids in self._manager_classes.items()
                       if _class_refusal(key, manager_class, is_current=False) is None for manager_id in ids}
            found = self._classes[key] = np.array([manager.id in allowed for manager in self.config.managers],
                                                  dtype=bool)
        return found

    def receivers(self, case: Case) -> Receivers:
        """Who may take `case` as new work (its current manager too, when closed to new cases but otherwise
        fit), and which pair rules gave way: the drive limit when nobody the class rules allow is within
        reach, meeting when none of those left can meet the client."""
        key = self.case_class(case)
        current = self.config.managers_by_id.get(case.manager or "")
        keeps_closed = (current is not None and not current.accepts_new_cases
                        and _class_refusal(key, self.manager_class(current), is_current=True) is None)
        cache_key = (key, case.client, self.week_time.needs(case), current.id if keeps_closed and current else None)
        found = self._fields.get(cache_key)
        if found is None:
            allowed = self._class_mask(key)
            if keeps_closed and current is not None:
                allowed = allowed.copy()
                allowed[self._position[current.id]] = True
            # Exclusions never give way: they are taken out before the pair rules weigh who is left.
            found = self._fields[cache_key] = self._pair_rules(case, allowed & ~self._excluded_mask(case.client))
        return found

    def _excluded_mask(self, client_id: str) -> NDArray[np.bool_]:
        """Managers (`config.managers` order) the client's `excluded_managers` names."""
        mask = np.zeros(len(self._ids), dtype=bool)
        for manager_id in self.config.clients_by_id[client_id].excluded_managers:
            if manager_id in self._position:  # a manager a scenario removed excludes nobody
                mask[self._position[manager_id]] = True
        return mask

    def _pair_rules(self, case: Case, allowed: NDArray[np.bool_]) -> Receivers:
        if not allowed.any():
            return Receivers((), frozenset())
        week = self.week_time
        drives = week.drives(self.config.clients_by_id[case.client])
        near = allowed if week.max_drive is None else allowed & (drives <= week.max_drive)
        gave_way: set[str] = set()
        if not near.any():
            gave_way.add(TOO_FAR)
            near = allowed
        meeting = near & week.meets_all(case, drives)
        if not meeting.any():
            gave_way.add(CANNOT_MEET)
            meeting = near
        return Receivers(tuple(sorted(self._ids[meeting].tolist())), frozenset(gave_way))

    def gave_way(self, case: Case) -> frozenset[str]:
        """The pair rules that gave way for the case (locked cases: none; they stay where they are)."""
        if case.locked and case.manager is not None:
            return frozenset()
        return self.receivers(case).gave_way

    def pair_flags(self, case: Case, manager_id: str) -> list[str]:
        """What the plan flags on `case` carried by `manager_id`: too_far when the drive is beyond the
        limit, no_common_availability when they cannot meet the client (true of the pair; only a rule
        that gave way, or a lock, lets such a pair stand)."""
        key = (case.id, manager_id)
        found = self._flags.get(key)
        if found is None:
            manager = self.config.managers_by_id[manager_id]
            client = self.config.clients_by_id[case.client]
            found = self._flags[key] = (
                ((TOO_FAR,) if not self.week_time.within_reach(manager, client) else ())
                + ((CANNOT_MEET,) if not self.week_time.meets(manager, case) else ()))
        return list(found)

    def managers_for(self, case: Case) -> tuple[str, ...]:
        """Ids of managers who may carry the case, sorted; locked cases only their manager."""
        if case.locked and case.manager is not None:
            return (case.manager,)
        return self.receivers(case).managers

    def refusal(self, case: Case, manager_id: str) -> Exclusion | None:
        """Why `manager_id` may not carry `case`, or None when they may."""
        if case.locked:
            if manager_id == case.manager:
                return None
            return Exclusion("locked", refusal_text("locked", case=case.id, manager=case.manager))
        if manager_id in self.config.clients_by_id[case.client].excluded_managers:
            return Exclusion("excluded", refusal_text("excluded", manager=manager_id))
        manager = self.config.managers_by_id[manager_id]
        key = self.case_class(case)
        refusal = _class_refusal(key, self.manager_class(manager), is_current=manager_id == case.manager)
        if refusal is not None:
            if (refusal.rule == "level" and case.escalate
                    and self.config.policy.level_rank(manager.level) >= self.config.complexity_level_rank(case)):
                # The level would do but for the escalation: say so, naming the level it must be above
                # (the current worker's, or the one below the top).
                below = self.config.policy.levels[key.min_level_rank - 1].name
                return Exclusion("level", refusal_text("level", "escalated", complexity=case.complexity, level=below))
            return refusal
        return self._pair_refusal(case, manager)

    def _pair_refusal(self, case: Case, manager: Manager) -> Exclusion | None:
        gave_way = self.receivers(case).gave_way
        week = self.week_time
        client = self.config.clients_by_id[case.client]
        if TOO_FAR not in gave_way and not week.within_reach(manager, client):
            return Exclusion("too_far", refusal_text("too_far", minutes=week.drive(manager, client),
                                                     limit=week.max_drive))
        if CANNOT_MEET not in gave_way and not week.meets(manager, case):
            return Exclusion("meeting", refusal_text("meeting", minutes=max(minutes for minutes, _ in
                                                                            week.needs(case))))
        return None

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
        excluded = self.config.clients_by_id[case.client].excluded_managers
        if all(manager_id in excluded for c in candidates for manager_id in self._manager_classes[c]):
            return Exclusion("no_manager_available", reason_text("no_manager_available", "excluded"))
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


def _class_refusal(case: CaseClass, manager: ManagerClass, *, is_current: bool) -> Exclusion | None:
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
    return None


def _level_text(needed: CaseClass, level_names: list[str], case: Case) -> str:
    escalated = phrase("escalated") if case.escalate else ""
    if needed.min_level_rank >= len(level_names):
        return reason_text("no_level", "no_such_level", complexity=case.complexity, escalated=escalated)
    return reason_text("no_level", complexity=case.complexity, escalated=escalated,
                       level=level_names[needed.min_level_rank])


def _listing(values: frozenset[str]) -> str:
    return ", ".join(sorted(values))
