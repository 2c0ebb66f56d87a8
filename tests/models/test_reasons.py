"""The words of every rule code (models/reasons.py): exact renderings, and the same codes as docs/rules.md
and the checker."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from models.reasons import (
    CHECKS,
    REASONS,
    REFUSALS,
    destination_text,
    language_name,
    manager_label,
    phrase,
    reason_text,
    refusal_text,
)

ROOT = Path(__file__).resolve().parents[2]

# Every template of REASONS with data and its exact rendering (the wording plans carried before the table).
RENDERED = [
    ("no_level", "default", {"complexity": "critical", "escalated": "", "level": "senior"},
     "complexity 'critical' needs level senior or above, and there is no such manager"),
    ("no_level", "no_such_level", {"complexity": "critical", "escalated": " (escalated)"},
     "no level may carry complexity 'critical' (escalated)"),
    ("no_skill", "default", {"skills": "investigations", "case_type": "investigation"},
     "no manager of a high enough level has the skills investigations that case type 'investigation' needs"),
    ("no_language", "default", {"language": "so"}, "no suitable manager speaks the client's language 'so'"),
    ("no_manager_available", "default", {}, "every suitable manager is on leave all week or closed to new cases"),
    ("no_manager_available", "nobody", {}, "no manager may carry this case"),
    ("no_manager_available", "excluded", {},
     "every manager who may otherwise carry it is excluded from the client's cases"),
    ("no_manager_available", "no_managers", {}, "the scenario leaves no managers"),
    ("household_conflict", "default", {}, "no single manager may carry every case of its household"),
    ("household_conflict", "locked_elsewhere", {"managers": "m-ana, m-ben"},
     "its household has a case locked to m-ana, m-ben, who may not carry it"),
    ("household_conflict", "locked_case_refused", {"case": "K-1", "manager": "m-ben", "refusal": "the manager is "
                                                   "on leave all week"},
     "its household has case K-1 locked to m-ben, who may not carry it: the manager is on leave all week"),
    ("capacity_exhausted", "default", {}, "every eligible manager is at capacity"),
    ("weighed_out", "default", {"manager": "m-ana"}, "m-ana may carry it and has room, but under the policy's "
                                                     "weights placing it costs more (balance, region or moves) "
                                                     "than leaving it unassigned"),
    ("not_assigned", "default", {}, "the config gives the case no manager, and this command keeps the assignment "
                                    "as it is (`caseload plan` or `caseload assign` assigns it)"),
    ("capacity_exhausted", "counted", {"count": 3}, "all 3 eligible managers are at capacity"),
    ("capacity_exhausted", "counted_one", {"count": 1}, "all 1 eligible manager are at capacity"),
    ("capacity_exhausted", "intake_cap", {"count": 2},
     "all 2 eligible managers are at capacity or have taken as many new cases this week as their intake cap allows"),
    ("preferred_manager", "default", {"source": "m-ana", "was": 0.5, "target": "m-ben"},
     "moved to m-ben, the client's preferred manager (m-ana was at 50% of capacity)"),
    ("not_eligible", "default", {"source": "m-ana", "refusal": "the manager is on leave all week", "target": "m-ben"},
     "m-ana may no longer carry it: the manager is on leave all week; moved to m-ben"),
    ("not_eligible", "may_not_carry", {"who": "m-ana (Ana Ruiz)", "refusal": "the manager accepts no new cases"},
     "m-ana (Ana Ruiz) may no longer carry this case (the manager accepts no new cases)"),
    ("level_mismatch", "default", {"source": "m-ben", "refusal": "the manager's level may not carry this "
                                   "complexity", "target": "m-ana"},
     "m-ben may no longer carry it: the manager's level may not carry this complexity; moved to m-ana"),
    ("household_reunited", "default", {"target": "m-ana"}, "household reunited with m-ana"),
    ("household_reunited", "tied", {"target": "m-ana"}, "household reunited with m-ana, who holds a locked case of it"),
    ("household_reunited", "split_today", {}, "the household's cases are split between managers today"),
    ("over_capacity", "default", {"source": "m-ana", "was": 1.3166, "target": "m-ben"},
     "m-ana was at 132% of capacity; moved to m-ben"),
    ("over_capacity", "over_points", {"who": "m-ana", "utilisation": 1.25}, "m-ana is at 125% of capacity"),
    ("over_capacity", "over_cases", {"who": "m-ana", "cases": 6, "max_cases": 5, "utilisation": 0.9},
     "m-ana carries 6 cases, above the limit of 5, at 90% of capacity"),
    ("balance", "default", {}, "moved to even out caseloads"),
    ("balance", "between", {"source": "m-ana", "was": 0.95, "target": "m-ben", "now": 0.5},
     "moved to even out caseloads: m-ana was at 95% of capacity, m-ben is at 50%"),
    ("balance", "above_goal", {"who": "m-ana", "utilisation": 0.95, "goal": 0.9},
     "m-ana is at 95%, above the 90% goal"),
    ("balance", "makes_room", {"who": "m-ana", "utilisation": 0.8},
     "m-ana is at 80%; this move makes room for another that no one else may take"),
    ("schedule_relief", "default", {"source": "m-ben", "target": "m-ana", "contacts": 2},
     "m-ben's week had no slot left for 2 of its contacts; moved to m-ana, whose week has the hours and can meet "
     "the client"),
    # Regression (issue 20): a household member moved along said "no slot left for 0 of its contacts".
    ("schedule_relief", "household", {"source": "m-ben", "target": "m-ana", "case": "K-7", "contacts": 2},
     "moved with its household: m-ben's week had no slot left for 2 of K-7's contacts; moved to m-ana, whose "
     "week has the hours and can meet the client"),
    ("schedule_relief", "rebalanced", {"source": "m-ben", "target": "m-ana", "weeks": 3},
     "the schedule found 3 week(s) could not hold what balancing gave them; balancing solved again with those "
     "weeks cut to what they held and moved the case from m-ben to m-ana"),
    ("new_intake", "default", {}, "new intake: the case had no manager"),
    ("new_intake", "placed", {"target": "m-ana", "utilisation": 0.5},
     "new intake: assigned to m-ana (at 50% of capacity)"),
    ("new_intake", "without_manager", {}, "new intake without a manager"),
    ("case_unassigned", "default", {}, "the case has no manager this week, so nobody can make the contact"),
    ("no_working_day", "default", {"manager": "m-ana"},
     "manager m-ana has no working day this week (holidays or leave)"),
    ("no_common_availability", "default", {"manager": "m-ana", "minutes": 45},
     "no 45-minute slot on the grid where manager m-ana and the client are both available on a working day "
     "outside lunch (travel included)"),
    ("day_capacity_full", "default", {},
     "every day with a common free slot is full: contact limit, other contacts, travel time or spacing from the "
     "case's other contacts leave no room in this schedule (the solver did not prove that no other arrangement "
     "fits it)"),
    ("day_capacity_full", "proven", {},
     "every day with a common free slot is full: contact limit, other contacts, travel time or spacing from the "
     "case's other contacts leave no room (proven: no arrangement of the week places more)"),
    ("time_limit", "default", {}, "the solver ran out of time before placing it; a longer --time-limit may place it"),
    ("overdue", "default", {"due": "2026-11-20"},
     "due 2026-11-20, before the week began: placed as early as the week allows"),
    ("no_slot_by_due", "default", {"due": "2026-12-01", "manager": "m-ana"},
     "due 2026-12-01, but no slot up to then where manager m-ana and the client are both free (working days, "
     "windows, lunch, travel from and to the base)"),
    ("days_full_by_due", "default", {"due": "2026-12-01"},
     "due 2026-12-01; the slots up to then are taken by other contacts (contact limit, travel, spacing from the "
     "case's other contacts), and placing it there would make more late days or leave a contact out"),
    ("appointment_conflict", "default", {"day": "2026-12-01", "start": "10:00", "manager": "m-ana"},
     "its appointment on 2026-12-01 at 10:00 cannot be kept: the time is outside manager m-ana's working hours, "
     "leave or blocked time, or another appointment, lunch or travel takes it"),
    ("appointment", "default", {"due": "2026-12-01"}, "due 2026-12-01; placed at the time agreed in its appointment"),
    ("compliance_unassigned", "default", {"deadline": "2026-11-30"},
     "the case has no manager this week: nobody visits it by 2026-11-30, the month's last working day"),
    ("compliance_unscheduled", "default", {"deadline": "2026-11-30", "unscheduled_rule": "time_limit",
                                           "unscheduled_reason": "out of time"},
     "its visit could not be placed this week (time_limit: out of time); the month's last working day is "
     "2026-11-30"),
    ("compliance_after_month_end", "default", {"deadline": "2026-11-30", "day": "2026-12-01"},
     "its visit is placed on 2026-12-01, after 2026-11-30, the month's last working day: it counts for the next "
     "month"),
    ("compliance_not_due", "default", {"deadline": "2026-11-30", "last": "2026-12-02"},
     "no visit of it falls due this week (last visit 2026-12-02), and the month ends by 2026-11-30"),
]


@pytest.mark.parametrize(("code", "variant", "data", "expected"), RENDERED, ids=lambda value: str(value)[:30])
def test_each_reason_renders_its_exact_words(code: str, variant: str, data: dict[str, object], expected: str) -> None:
    assert reason_text(code, variant, **data) == expected


def test_every_template_is_rendered_above() -> None:
    listed = {(code, variant) for code, variant, _, _ in RENDERED}
    assert listed == {(code, variant) for code, rule in REASONS.items() for variant in rule.templates}


@pytest.mark.parametrize(("code", "data", "expected"), [
    ("locked", {"case": "K-4", "manager": "m-cy"}, "case K-4 is locked to manager m-cy"),
    ("excluded", {"manager": "m-ben"}, "the client's record excludes manager m-ben from their cases"),
    ("level", {}, "the manager's level may not carry this complexity"),
    ("skill", {"skills": "investigations, substance-use"}, "the manager lacks skills investigations, substance-use"),
    ("language", {"language": "es"}, "the manager does not speak 'es'"),
    ("on_leave", {}, "the manager is on leave all week"),
    ("closed_to_new_cases", {}, "the manager accepts no new cases"),
    ("intake_cap", {"cap": 1, "count": 2}, "the manager may take 1 new case(s) this week and would take 2"),
])
def test_each_refusal_renders_its_exact_words(code: str, data: dict[str, object], expected: str) -> None:
    assert refusal_text(code, **data) == expected


def test_an_escalation_names_itself_in_the_level_refusal() -> None:
    assert refusal_text("level", "escalated", complexity="moderate", level="junior") == \
        "the case is escalated, so complexity 'moderate' now needs a level above junior"
    assert {(code, variant) for code, rule in REFUSALS.items() for variant in rule.templates
            if variant != "default"} == {("level", "escalated")}


def test_every_rule_has_a_short_name_and_the_kind_of_its_table() -> None:
    assert {rule.kind for rule in REASONS.values()} == {"unassigned", "move", "unscheduled", "late", "at_risk"}
    assert {rule.kind for rule in REFUSALS.values()} == {"refusal"}
    assert all(rule.name and rule.code == code for table in (REASONS, REFUSALS) for code, rule in table.items())
    assert all(CHECKS.values())


def test_an_unknown_code_or_variant_is_refused() -> None:
    with pytest.raises(KeyError):
        reason_text("no_such_rule")
    with pytest.raises(KeyError):
        reason_text("balance", "no_such_variant")


def test_phrases_language_names_and_manager_labels() -> None:
    assert phrase("escalated") == " (escalated)"
    assert phrase("unassigned") == "unassigned"
    assert phrase("moves_with", cases="K-2, K-3") == "; moves with K-2, K-3 so the household stays together"
    assert (language_name("so"), language_name("hmn"), language_name("xx")) == ("Somali", "Hmong", "xx")
    assert (manager_label("m-ana", "Ana Ruiz"), manager_label("m-ana", None), manager_label("m-ana", "")) == \
        ("m-ana (Ana Ruiz)", "m-ana", "m-ana")


@pytest.mark.parametrize(("region", "client_region", "language", "skills", "expected"), [
    (None, "north", "en", [], "m-ben is a junior, at 40% (after: 60%)"),  # no region: nothing said
    ("north", "north", "en", [], "m-ben is a junior in the same region, at 40% (after: 60%)"),
    ("south", "north", "so", [], "m-ben is a junior in region south who speaks Somali, at 40% (after: 60%)"),
    ("north", "north", "en", ["substance-use", "investigations"],  # skills sorted
     "m-ben is a junior in the same region, skilled in investigations, substance-use, at 40% (after: 60%)"),
])
def test_destination_text_names_what_makes_the_manager_fit(region: str | None, client_region: str, language: str,
                                                           skills: list[str], expected: str) -> None:
    assert destination_text("m-ben", "junior", region, client_region, language, skills, 0.4, 0.6) == expected


def _documented_codes() -> set[str]:
    """Backticked codes in the first column of every table in docs/rules.md."""
    codes: set[str] = set()
    for line in (ROOT / "docs" / "rules.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            codes.update(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return codes


def test_docs_rules_md_lists_exactly_the_codes_of_the_table() -> None:
    table = {*REASONS, *REFUSALS, *CHECKS}
    documented = _documented_codes()
    assert sorted(table - documented) == [], "add these codes to docs/rules.md"
    assert sorted(documented - table) == [], "add these codes to models/reasons.py (REASONS, REFUSALS or CHECKS)"


def test_every_code_the_checker_emits_has_a_name() -> None:
    source = (ROOT / "models" / "check.py").read_text(encoding="utf-8")
    emitted = set(re.findall(r'Violation\(\s*"([a-z_]+)"', source))
    for chosen in re.findall(r'rule = "([a-z_]+)" if [^\n]* else "([a-z_]+)"', source):
        emitted.update(chosen)  # a code picked between two, e.g. overload_unreported or manager_load_mismatch
    assert len(emitted) > 40
    missing = sorted(emitted - set(CHECKS))
    assert missing == [], "models/check.py emits codes without a line in models/reasons.py CHECKS (and docs/rules.md)"
