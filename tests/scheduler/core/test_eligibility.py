"""Eligibility rules: one test per rule, with the exact managers expected."""

from __future__ import annotations

import pytest

from models.organisation import Config
from scheduler.core.eligibility import Eligibility


def _case(config: Config, case_id: str):  # type: ignore[no-untyped-def]
    return config.cases_by_id[case_id]


def test_high_complexity_goes_only_to_a_senior(tiny_config: Config) -> None:
    assert Eligibility(tiny_config).managers_for(_case(tiny_config, "K-1")) == ("m-ana",)


def test_low_complexity_goes_to_anyone(tiny_config: Config) -> None:
    assert Eligibility(tiny_config).managers_for(_case(tiny_config, "K-2")) == ("m-ana", "m-ben", "m-cy")


def test_investigation_needs_the_skill_and_spanish_speaker(tiny_config: Config) -> None:
    # K-3 is an investigation for a Spanish-speaking client: only Ana has both.
    eligibility = Eligibility(tiny_config)
    assert eligibility.managers_for(_case(tiny_config, "K-3")) == ("m-ana",)
    refusal = eligibility.refusal(_case(tiny_config, "K-3"), "m-ben")
    assert refusal is not None and refusal.rule == "skill"


def test_an_escalated_case_refused_for_the_escalation_says_so(tiny_config: Config) -> None:
    # K-2 is low: Ben (junior) carries it; escalated, it needs a senior, and the refusal names the escalation.
    escalated = _case(tiny_config, "K-2").model_copy(update={"escalate": True})
    refusal = Eligibility(tiny_config).refusal(escalated, "m-ben")
    assert refusal is not None
    assert (refusal.rule, refusal.reason) == (
        "level", "the case is escalated, so complexity 'low' now needs a level above junior")


def test_a_level_too_low_even_without_escalation_gets_the_plain_refusal(tiny_config: Config) -> None:
    # K-1 is high: no junior may carry it, escalated or not.
    escalated = _case(tiny_config, "K-1").model_copy(update={"escalate": True, "manager": None})
    refusal = Eligibility(tiny_config).refusal(escalated, "m-ben")
    assert refusal is not None
    assert (refusal.rule, refusal.reason) == ("level", "the manager's level may not carry this complexity")


def test_language_refusal_is_named(tiny_config: Config) -> None:
    config = tiny_config.model_copy(deep=True)
    config.managers_by_id["m-ana"].skills.clear()
    config.managers_by_id["m-ben"].skills.append("investigations")
    refusal = Eligibility(config).refusal(config.cases_by_id["K-3"], "m-ben")
    assert refusal is not None and refusal.rule == "language"


def test_locked_case_has_only_its_manager(tiny_config: Config) -> None:
    eligibility = Eligibility(tiny_config)
    assert eligibility.managers_for(_case(tiny_config, "K-4")) == ("m-cy",)
    refusal = eligibility.refusal(_case(tiny_config, "K-4"), "m-ana")
    assert refusal is not None and refusal.rule == "locked"


def test_manager_on_leave_all_week_is_not_eligible(tiny_config: Config) -> None:
    config = tiny_config.model_copy(deep=True)
    config.managers_by_id["m-ben"].leave.extend(config.working_days())
    assert Eligibility(config).managers_for(config.cases_by_id["K-5"]) == ("m-ana", "m-cy")


def test_closed_manager_keeps_current_cases_but_takes_no_new_ones(tiny_config: Config) -> None:
    config = tiny_config.model_copy(deep=True)
    config.managers_by_id["m-ben"].accepts_new_cases = False
    eligibility = Eligibility(config)
    assert eligibility.managers_for(config.cases_by_id["K-2"]) == ("m-ana", "m-ben", "m-cy")  # Ben's own
    assert eligibility.managers_for(config.cases_by_id["K-5"]) == ("m-ana", "m-cy")


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        # No senior at all: the high-complexity case K-1 has no level that may carry it.
        ("demote_ana", "no_level"),
        # Ana loses the investigations skill: K-3 has no skilled manager.
        ("drop_skill", "no_skill"),
        # Ana stops speaking Spanish: K-3's client cannot be served.
        ("drop_spanish", "no_language"),
    ],
)
def test_exclusion_names_the_rule_that_empties_the_field(tiny_config: Config, change: str, rule: str) -> None:
    config = tiny_config.model_copy(deep=True)
    ana = config.managers_by_id["m-ana"]
    case_id = "K-3"
    if change == "demote_ana":
        ana.level = "junior"
        case_id = "K-1"
    elif change == "drop_skill":
        ana.skills.clear()
    else:
        ana.languages.remove("es")
    exclusion = Eligibility(config).exclusion(config.cases_by_id[case_id])
    assert exclusion is not None and exclusion.rule == rule
