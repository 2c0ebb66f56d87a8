"""The words of every rule code: one table, and the functions that render a reason from a code and its data.

The engine decides *which* rule applies and with what data (a manager id, a utilisation, a count); the
wording lives here only, so a plan explains itself the same way whichever stage wrote it, and
docs/rules.md lists exactly these codes (tests/models/test_reasons.py checks both ways).

* `REASONS`: the `rule` of a plan entry — why a case stays unassigned, why a case moves, why a contact
  is not scheduled or is late. Each has a short name and one template per variant (how much the stage
  knows).
* `REFUSALS`: why one manager may not carry one case (scheduler/core/eligibility.py); they appear inside
  reasons, never as a plan's `rule`.
* `CHECKS`: the independent checker's codes (models/check.py writes its own messages): a short name each.

Templates are `str.format` templates over the reason's data; `reason_text(code, variant, **data)`
renders one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = [
    "CHECKS",
    "DEFAULT",
    "LANGUAGE_NAMES",
    "REASONS",
    "REFUSALS",
    "Rule",
    "destination_text",
    "language_name",
    "manager_label",
    "phrase",
    "reason_text",
    "refusal_text",
]

Kind = Literal["unassigned", "move", "unscheduled", "late", "at_risk", "refusal"]
DEFAULT = "default"


@dataclass(frozen=True)
class Rule:
    """One rule code: what kind of decision it names, a short name, and its templates by variant."""

    code: str
    kind: Kind
    name: str
    templates: Mapping[str, str]

    def text(self, variant: str = DEFAULT, **data: object) -> str:
        return self.templates[variant].format(**data)


def _table(*rules: Rule) -> Mapping[str, Rule]:
    return MappingProxyType({rule.code: rule for rule in rules})


def _variants(**templates: str) -> Mapping[str, str]:
    return MappingProxyType(templates)


REASONS: Mapping[str, Rule] = _table(
    # --- why a case stays unassigned (plan.unassigned[].rule) ---
    Rule("no_level", "unassigned", "no level high enough", _variants(
        default="complexity '{complexity}'{escalated} needs level {level} or above, and there is no such manager",
        no_such_level="no level may carry complexity '{complexity}'{escalated}",
    )),
    Rule("no_skill", "unassigned", "no manager with the skills", _variants(
        default="no manager of a high enough level has the skills {skills} that case type '{case_type}' needs",
    )),
    Rule("no_language", "unassigned", "no manager speaks the language", _variants(
        default="no suitable manager speaks the client's language '{language}'",
    )),
    Rule("no_manager_available", "unassigned", "no manager available", _variants(
        default="every suitable manager is on leave all week or closed to new cases",
        nobody="no manager may carry this case",
        excluded="every manager who may otherwise carry it is excluded from the client's cases",
        no_managers="the scenario leaves no managers",
    )),
    Rule("household_conflict", "unassigned", "household cannot stay together", _variants(
        default="no single manager may carry every case of its household",
        locked_elsewhere="its household has a case locked to {managers}, who may not carry it",
        locked_case_refused="its household has case {case} locked to {manager}, who may not carry it: {refusal}",
    )),
    Rule("weighed_out", "unassigned", "left out by the policy's weights", _variants(
        default="{manager} may carry it and has room, but under the policy's weights placing it costs more "
                "(balance, region or moves) than leaving it unassigned",
    )),
    Rule("not_assigned", "unassigned", "no manager in the config", _variants(
        default="the config gives the case no manager, and this command keeps the assignment as it is "
                "(`caseload plan` or `caseload assign` assigns it)",
    )),
    Rule("capacity_exhausted", "unassigned", "every eligible manager is full", _variants(
        default="every eligible manager is at capacity",
        counted="all {count} eligible managers are at capacity",
        counted_one="all 1 eligible manager are at capacity",
        intake_cap="all {count} eligible managers are at capacity or have taken as many new cases this week as "
                   "their intake cap allows",
    )),
    # --- why a case moves (plan.moves[].rule) ---
    Rule("not_eligible", "move", "current manager no longer eligible", _variants(
        default="{source} may no longer carry it: {refusal}; moved to {target}",
        may_not_carry="{who} may no longer carry this case ({refusal})",
    )),
    Rule("level_mismatch", "move", "current manager's level too low", _variants(
        default="{source} may no longer carry it: {refusal}; moved to {target}",
    )),
    Rule("household_reunited", "move", "household reunited", _variants(
        default="household reunited with {target}",
        tied="household reunited with {target}, who holds a locked case of it",
        split_today="the household's cases are split between managers today",
    )),
    Rule("over_capacity", "move", "current manager over capacity", _variants(
        default="{source} was at {was:.0%} of capacity; moved to {target}",
        over_points="{who} is at {utilisation:.0%} of capacity",
        over_cases="{who} carries {cases} cases, above the limit of {max_cases}, at {utilisation:.0%} of capacity",
    )),
    Rule("preferred_manager", "move", "back with the preferred manager", _variants(
        default="moved to {target}, the client's preferred manager ({source} was at {was:.0%} of capacity)",
    )),
    Rule("balance", "move", "evening out caseloads", _variants(
        default="moved to even out caseloads",
        between="moved to even out caseloads: {source} was at {was:.0%} of capacity, {target} is at {now:.0%}",
        above_goal="{who} is at {utilisation:.0%}, above the {goal:.0%} goal",
        makes_room="{who} is at {utilisation:.0%}; this move makes room for another that no one else may take",
    )),
    Rule("schedule_relief", "move", "no room in the week", _variants(
        default="{source}'s week had no slot left for {contacts} of its contacts; moved to {target}, whose week "
                "has the hours and can meet the client",
        household="moved with its household: {source}'s week had no slot left for {contacts} of {case}'s "
                  "contacts; moved to {target}, whose week has the hours and can meet the client",
        rebalanced="the schedule found {weeks} week(s) could not hold what balancing gave them; balancing solved "
                   "again with those weeks cut to what they held and moved the case from {source} to {target}",
    )),
    Rule("new_intake", "move", "new intake", _variants(
        default="new intake: the case had no manager",
        placed="new intake: assigned to {target} (at {utilisation:.0%} of capacity)",
        without_manager="new intake without a manager",
    )),
    # --- why a due contact is not scheduled (plan.unscheduled[].rule) ---
    Rule("case_unassigned", "unscheduled", "case unassigned", _variants(
        default="the case has no manager this week, so nobody can make the contact",
    )),
    Rule("no_working_day", "unscheduled", "no working day", _variants(
        default="manager {manager} has no working day this week (holidays or leave)",
    )),
    Rule("no_common_availability", "unscheduled", "no common free time", _variants(
        default="no {minutes}-minute slot on the grid where manager {manager} and the client are both available "
                "on a working day outside lunch (travel included)",
    )),
    Rule("day_capacity_full", "unscheduled", "days full", _variants(
        default="every day with a common free slot is full: contact limit, other contacts, travel time or spacing "
                "from the case's other contacts leave no room in this schedule (the solver did not prove that no "
                "other arrangement fits it)",
        proven="every day with a common free slot is full: contact limit, other contacts, travel time or spacing "
               "from the case's other contacts leave no room (proven: no arrangement of the week places more)",
    )),
    Rule("time_limit", "unscheduled", "time limit", _variants(
        default="the solver ran out of time before placing it; a longer --time-limit may place it",
    )),
    Rule("appointment_conflict", "unscheduled", "appointment cannot be kept", _variants(
        default="its appointment on {day} at {start} cannot be kept: the time is outside manager {manager}'s "
                "working hours, leave or blocked time, or another appointment, lunch or travel takes it",
    )),
    # --- why a scheduled contact is after its due day (plan.contacts[].late_rule) ---
    Rule("overdue", "late", "overdue", _variants(
        default="due {due}, before the week began: placed as early as the week allows",
    )),
    Rule("no_slot_by_due", "late", "no slot by the due day", _variants(
        default="due {due}, but no slot up to then where manager {manager} and the client are both free (working "
                "days, windows, lunch, travel from and to the base)",
    )),
    Rule("days_full_by_due", "late", "days full up to the due day", _variants(
        default="due {due}; the slots up to then are taken by other contacts (contact limit, travel, spacing from "
                "the case's other contacts), and placing it there would make more late days or leave a contact out",
    )),
    Rule("appointment", "late", "kept appointment", _variants(
        default="due {due}; placed at the time agreed in its appointment",
    )),
    # --- why a monthly visit is at risk (summary.compliance.at_risk_cases[].rule) ---
    Rule("compliance_unassigned", "at_risk", "case unassigned", _variants(
        default="the case has no manager this week: nobody visits it by {deadline}, the month's last working day",
    )),
    Rule("compliance_unscheduled", "at_risk", "visit not placed", _variants(
        default="its visit could not be placed this week ({unscheduled_rule}: {unscheduled_reason}); the month's "
                "last working day is {deadline}",
    )),
    Rule("compliance_after_month_end", "at_risk", "visit after the month's end", _variants(
        default="its visit is placed on {day}, after {deadline}, the month's last working day: it counts for "
                "the next month",
    )),
    Rule("compliance_not_due", "at_risk", "no visit due this week", _variants(
        default="no visit of it falls due this week (last visit {last}), and the month ends by {deadline}",
    )),
)

REFUSALS: Mapping[str, Rule] = _table(
    Rule("locked", "refusal", "locked to another manager", _variants(
        default="case {case} is locked to manager {manager}",
    )),
    Rule("excluded", "refusal", "excluded by the client's record", _variants(
        default="the client's record excludes manager {manager} from their cases",
    )),
    Rule("level", "refusal", "level too low", _variants(
        default="the manager's level may not carry this complexity",
        escalated="the case is escalated, so complexity '{complexity}' now needs a level above {level}",
    )),
    Rule("skill", "refusal", "missing skills", _variants(default="the manager lacks skills {skills}")),
    Rule("language", "refusal", "language not spoken", _variants(default="the manager does not speak '{language}'")),
    Rule("on_leave", "refusal", "on leave all week", _variants(default="the manager is on leave all week")),
    Rule("closed_to_new_cases", "refusal", "closed to new cases", _variants(
        default="the manager accepts no new cases",
    )),
    Rule("intake_cap", "refusal", "intake cap reached", _variants(
        default="the manager may take {cap} new case(s) this week and would take {count}",
    )),
    Rule("meeting", "refusal", "cannot meet the client", _variants(
        default="on no working day this week do the manager's hours hold a {minutes}-minute contact inside the "
                "client's availability with the drive from the base and back",
    )),
    Rule("too_far", "refusal", "beyond the drive limit", _variants(
        default="the client is a {minutes}-minute drive from the manager's base, beyond the {limit}-minute limit",
    )),
)

# The independent checker's codes (models/check.py); its messages are its own, written independently of
# the engine on purpose.
CHECKS: Mapping[str, str] = MappingProxyType({
    # the assignment listing
    "case_missing": "case missing from the assignments",
    "case_duplicate": "case assigned twice",
    "case_unknown": "unknown case",
    "manager_unknown": "unknown manager",
    "client_mismatch": "wrong client",
    "points_mismatch": "wrong points",
    "unassigned_missing": "unassigned case not listed",
    "unassigned_conflict": "listed unassigned but assigned",
    "unassigned_duplicate": "listed unassigned twice",
    "unassigned_unknown": "unknown case listed unassigned",
    "reason_missing": "rule or reason missing",
    "unassigned_reason_false": "an unassigned case's rule is false",
    "unscheduled_reason_false": "an unscheduled contact's rule is false",
    "week_start_mismatch": "wrong week",
    # eligibility, locks, households
    "eligibility_level": "level too low",
    "eligibility_skill": "missing skill",
    "eligibility_language": "language not spoken",
    "eligibility_on_leave": "manager on leave all week",
    "eligibility_closed": "manager closed to new cases",
    "eligibility_excluded": "manager excluded from the client's cases",
    "eligibility_meeting": "manager cannot meet the client",
    "meeting_flag": "wrong no_common_availability flag",
    "eligibility_too_far": "manager beyond the drive limit",
    "drive_flag": "wrong too_far flag",
    "locked": "locked case moved",
    "household_split": "household split",
    "intake_cap": "more new cases than the manager's intake cap",
    # moves
    "previous_manager": "wrong previous manager",
    "moved_flag": "wrong moved flag",
    "move_missing": "move not listed",
    "move_unexpected": "move listed for a case that did not move",
    "move_duplicate": "move listed twice",
    "move_mismatch": "wrong move",
    # capacity and reported numbers
    "overload_unreported": "overload hidden",
    "overtime_unreported": "overtime hidden",
    "minutes_mismatch": "wrong minutes of a manager's week",
    "manager_load_mismatch": "wrong manager load",
    "manager_load_missing": "manager load missing",
    "manager_load_unknown": "unknown or repeated manager load",
    "level_summary_mismatch": "wrong level summary",
    "summary_mismatch": "wrong summary figure",
    # the schedule
    "contact_missing": "due contact missing",
    "contact_duplicate": "contact listed twice",
    "contact_not_due": "contact not due",
    "contact_case_unassigned": "contact of an unassigned case",
    "contact_manager": "contact with another manager",
    "contact_mode": "wrong mode",
    "contact_minutes": "wrong minutes",
    "contact_duration": "wrong duration",
    "slot_grid": "off the slot grid",
    "working_day": "not a working day",
    "manager_window": "outside the manager's hours",
    "client_window": "outside the client's hours",
    "lunch": "during lunch",
    "manager_overlap": "overlapping contacts",
    "day_limit": "too many contacts in a day",
    "min_days_between": "contacts of a case too close",
    "travel": "too little travel time",
    "travel_from_base": "too little time from the base",
    "travel_to_base": "too little time back to the base",
    "travel_overlap": "travel overlaps a contact",
    "travel_lunch": "travel during lunch",
    "travel_window": "travel outside working hours",
    "travel_minutes_mismatch": "wrong travel minutes",
    "manager_contacts_mismatch": "wrong contact counts of a manager",
    "contact_due": "wrong due day",
    "late_days": "wrong late days",
    "overdue_flag": "wrong overdue flag",
    "late_unflagged": "late contact not flagged",
    "late_rule": "late rule does not hold",
    "introduction": "introduction missing, late or misplaced",
    "blocked_time": "contact or travel in blocked time",
    "clock_change": "contact or travel at a local time a clock change skips or repeats",
    "appointment_moved": "appointment not kept",
    # calendar-month compliance
    "compliance_mismatch": "wrong calendar-month compliance figure",
})

# Phrases that longer reasons are built from.
_PHRASES: Mapping[str, str] = MappingProxyType({
    "escalated": " (escalated)",
    "unassigned": "unassigned",  # an unassigned case's `assignments[].reason`
    "moves_with": "; moves with {cases} so the household stays together",
})

LANGUAGE_NAMES: Mapping[str, str] = MappingProxyType({
    "am": "Amharic", "ar": "Arabic", "bn": "Bengali", "de": "German", "en": "English", "es": "Spanish",
    "fa": "Persian", "fr": "French", "hi": "Hindi", "hmn": "Hmong", "ht": "Haitian Creole",
    "ko": "Korean", "ne": "Nepali", "pl": "Polish", "pt": "Portuguese", "ru": "Russian",
    "so": "Somali", "sw": "Swahili", "tl": "Tagalog", "uk": "Ukrainian", "ur": "Urdu",
    "vi": "Vietnamese", "zh": "Chinese",
})


def reason_text(code: str, variant: str = DEFAULT, **data: object) -> str:
    """The human reason for a plan's rule `code` (a key of REASONS), in the wording of `variant`."""
    return REASONS[code].text(variant, **data)


def refusal_text(code: str, variant: str = DEFAULT, **data: object) -> str:
    """Why one manager may not carry one case, for a refusal `code` (a key of REFUSALS), in the wording
    of `variant`."""
    return REFUSALS[code].text(variant, **data)


def phrase(name: str, **data: object) -> str:
    """A named piece of a longer reason."""
    return _PHRASES[name].format(**data)


def language_name(code: str) -> str:
    """'so' -> 'Somali'; a code without a name in the table is shown as it is."""
    return LANGUAGE_NAMES.get(code, code)


def manager_label(manager_id: str, name: str | None) -> str:
    """'m-ana (Ana Ruiz)', or the id alone when the manager has no name."""
    return f"{manager_id} ({name})" if name else manager_id


def destination_text(who: str, level: str, region: str | None, client_region: str | None, language: str,
                     skills: list[str], before: float, after: float) -> str:
    """What makes a destination manager fit a moved case (rebalancing): level, region, the client's
    language when it is not English, the case type's skills, and utilisation before and after."""
    if region is None:
        where = ""
    elif region == client_region:
        where = " in the same region"
    else:
        where = f" in region {region}"
    speaks = f" who speaks {language_name(language)}" if language != "en" else ""
    skilled = f", skilled in {', '.join(sorted(skills))}" if skills else ""
    return f"{who} is a {level}{where}{speaks}{skilled}, at {before:.0%} (after: {after:.0%})"
