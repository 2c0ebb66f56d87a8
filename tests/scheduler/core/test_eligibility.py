"""Eligibility rules: one test per rule, with the exact managers expected."""

from __future__ import annotations

import pytest

from models.organisation import Config
from scheduler.core.eligibility import Eligibility, tied_household_refusal


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


# --- escalation (issue 20): a level above the current worker's, or the top level ---

def _escalated(case_ids: tuple[str, ...]) -> Config:
    from pathlib import Path

    from models.loader import load_config
    config = load_config(Path(__file__).parents[3] / "configs" / "child-welfare.yaml")
    cases = [case.model_copy(update={"escalate": True}) if case.id in case_ids else case for case in config.cases]
    return config.rebuilt(cases=cases)


def test_an_escalated_case_needs_a_level_above_its_standard_worker() -> None:
    # K-1010 is moderate (a junior may carry it) with standard m-will: escalated, only seniors may.
    config = _escalated(("K-1010",))
    levels = {config.managers_by_id[m].level for m in Eligibility(config).managers_for(config.cases_by_id["K-1010"])}
    assert levels == {"senior"}
    refusal = Eligibility(config).refusal(config.cases_by_id["K-1010"], "m-will")
    assert refusal is not None and refusal.rule == "level" and "escalated" in refusal.reason


def test_an_escalated_case_with_a_senior_never_goes_down() -> None:
    # Regression: K-1229 (moderate, escalated) with senior m-omar went to standard m-ethan.
    config = _escalated(())
    case = config.cases_by_id["K-1229"]
    assert case.escalate and case.manager == "m-omar"
    allowed = Eligibility(config).managers_for(case)
    assert "m-omar" in allowed and "m-ethan" not in allowed
    assert {config.managers_by_id[m].level for m in allowed} == {"senior"}


def test_an_escalated_case_without_a_worker_needs_one_above_its_complexity() -> None:
    config = _escalated(())
    intake = config.cases_by_id["K-1010"].model_copy(update={"id": "K-NEW", "manager": None, "escalate": True})
    config = config.rebuilt(cases=[*config.cases, intake])
    assert config.required_level_rank(intake) == config.policy.level_rank("standard")


def test_escalated_cases_end_above_their_previous_workers_level_or_at_the_top() -> None:
    from models.check import check_plan
    from scheduler.assign.solve import assign_cases
    from scheduler.core.options import SolveOptions

    config = _escalated(("K-1010",))
    plan = assign_cases(config, SolveOptions(time_limit_s=3, workers=1, seed=0)).plan
    assert plan is not None and check_plan(config, plan) == []
    top = len(config.policy.levels) - 1
    for item in plan.assignments:
        case = config.cases_by_id[item.case_id]
        if not case.escalate or case.manager is None or item.manager_id is None:
            continue
        before = config.policy.level_rank(config.managers_by_id[case.manager].level)
        after = config.policy.level_rank(config.managers_by_id[item.manager_id].level)
        assert after > before or after == top, (case.id, case.manager, item.manager_id)
    moved = next(move for move in plan.moves if move.case_id == "K-1010")
    assert "escalated" in moved.reason


def _excluding(config: Config, client_id: str, *managers: str) -> Config:
    data = config.model_dump()
    next(item for item in data["clients"] if item["id"] == client_id)["excluded_managers"] = list(managers)
    return Config.model_validate(data)


def test_an_excluded_manager_is_refused_and_left_out(tiny_config: Config) -> None:
    # K-2 (low, client c-2) is Ben's; c-2 excludes Ben: only Ana and Cy may carry it, Ben's refusal says why.
    config = _excluding(tiny_config, "c-2", "m-ben")
    eligibility = Eligibility(config)
    assert eligibility.managers_for(_case(config, "K-2")) == ("m-ana", "m-cy")
    refusal = eligibility.refusal(_case(config, "K-2"), "m-ben")
    assert refusal is not None
    assert (refusal.rule, refusal.reason) == ("excluded", "the client's record excludes manager m-ben from their cases")


def test_a_case_whose_every_eligible_manager_is_excluded_names_the_exclusion(tiny_config: Config) -> None:
    # Only Ana may carry K-3 (investigation, Spanish); c-3 excludes her.
    config = _excluding(tiny_config, "c-3", "m-ana")
    eligibility = Eligibility(config)
    assert eligibility.managers_for(_case(config, "K-3")) == ()
    exclusion = eligibility.exclusion(_case(config, "K-3"))
    assert exclusion is not None
    assert (exclusion.rule, exclusion.reason) == (
        "no_manager_available", "every manager who may otherwise carry it is excluded from the client's cases")


def test_a_locked_case_stays_with_an_excluded_manager_and_its_sibling_may_not_join(tiny_config: Config) -> None:
    # c-4 excludes Cy, who holds the locked K-4 and K-5: the lock stands, K-5 may not stay with Cy.
    config = _excluding(tiny_config, "c-4", "m-cy")
    eligibility = Eligibility(config)
    assert eligibility.managers_for(_case(config, "K-4")) == ("m-cy",)
    assert eligibility.refusal(_case(config, "K-4"), "m-cy") is None
    refusal = tied_household_refusal(eligibility, _case(config, "K-5"), [_case(config, "K-4"), _case(config, "K-5")])
    assert refusal is not None
    assert (refusal.rule, refusal.reason) == (
        "household_conflict", "its household has case K-4 locked to m-cy, who may not carry it: the client's record "
                              "excludes manager m-cy from their cases")
