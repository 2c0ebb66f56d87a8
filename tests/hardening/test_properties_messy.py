"""Messy organisations (`generate --messy`): locked cases on managers who may no longer carry them,
locked cases in mixed-complexity households, split households, holders on leave all week, holders
who lost a language or a skill, a manager over max_cases, clients excluding their current manager or
naming a preferred one, managers with an intake cap. Every plan of every stage passes the
independent checker, and every unassigned case carries the rule an independent re-derivation gives.
"""

from __future__ import annotations

from collections import defaultdict

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from models.check import check_plan
from models.generator import generate_organisation
from models.organisation import Case, Config, Manager
from models.plan import Plan
from scheduler import SolveOptions, assign_cases, plan_week, rebalance

MESSY_ORGANISATIONS = 200
END_TO_END = 25
# Tiny organisations: the work clock makes a short limit repeatable; most are solved to optimality.
OPTIONS = SolveOptions(time_limit_s=1.0, workers=1, seed=0, wall_clock_backstop=10.0)
EXCLUDING_RULES = {"no_level", "no_skill", "no_language", "no_manager_available"}


def _organisation(managers: int, cases: int, seed: int, mess: float) -> Config:
    return generate_organisation(managers, cases, seed, messy=mess).to_config()


def _may_carry(config: Config, manager: Manager, case: Case) -> bool:
    """Eligibility written out again from the config, independent of scheduler.core.eligibility."""
    client = config.clients_by_id[case.client]
    return (config.policy.level_rank(manager.level) >= config.required_level_rank(case)
            and set(config.policy.case_type(case.type).skills) <= set(manager.skills)
            and client.language in manager.languages
            and not config.on_leave_all_week(manager)
            and (manager.accepts_new_cases or case.manager == manager.id)
            and manager.id not in client.excluded_managers)


def _household_of(config: Config) -> dict[str, list[Case]]:
    households: dict[str, list[Case]] = defaultdict(list)
    for case in config.cases:
        key = config.clients_by_id[case.client].household_key if config.policy.households_together else case.id
        households[key].append(case)
    return households


def _expected_rules(config: Config, case: Case, household: list[Case]) -> set[str]:
    """The rules an unassigned case may honestly carry."""
    if not any(_may_carry(config, manager, case) for manager in config.managers):
        return EXCLUDING_RULES
    holders = {item.manager for item in household if item.locked and item.manager is not None}
    if len(holders) == 1:
        tied = config.managers_by_id[next(iter(holders))]
        if not _may_carry(config, tied, case.model_copy(update={"manager": case.manager})):
            return {"household_conflict"}
    return {"capacity_exhausted", "weighed_out", "household_conflict"}


def _assert_honest(config: Config, plan: Plan | None, stage: str) -> None:
    assert plan is not None, f"{stage}: no plan"
    assert check_plan(config, plan) == [], stage
    households = _household_of(config)
    for item in plan.unassigned:
        case = config.cases_by_id[item.case_id]
        household = households[config.clients_by_id[case.client].household_key
                               if config.policy.households_together else case.id]
        assert item.rule in _expected_rules(config, case, household), (stage, item)


@settings(max_examples=MESSY_ORGANISATIONS, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(managers=st.integers(min_value=2, max_value=8), cases=st.integers(min_value=10, max_value=70),
       seed=st.integers(min_value=0, max_value=2**31 - 1), mess=st.sampled_from([0.05, 0.2, 0.5, 1.0]))
# Regression: K-0012, which its holder m-002 may keep, shares a household with a case nobody may carry; it
# was unassigned as no_manager_available (judged as new work), where the household keeps it out.
@example(managers=2, cases=27, seed=5000, mess=0.05)
def test_balancing_and_rebalancing_a_messy_organisation_break_no_rule(managers: int, cases: int, seed: int,
                                                                      mess: float) -> None:
    config = _organisation(managers, cases, seed, mess)
    _assert_honest(config, assign_cases(config, OPTIONS).plan, "assign")
    proposals = rebalance(config, OPTIONS, curve=False).plan
    assert proposals is not None
    _assert_honest(config, proposals.plan, "rebalance")


@settings(max_examples=END_TO_END, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(managers=st.integers(min_value=2, max_value=5), cases=st.integers(min_value=10, max_value=40),
       seed=st.integers(min_value=0, max_value=2**31 - 1), mess=st.sampled_from([0.2, 1.0]))
def test_planning_the_week_of_a_messy_organisation_breaks_no_rule(managers: int, cases: int, seed: int,
                                                                   mess: float) -> None:
    config = _organisation(managers, cases, seed, mess)
    _assert_honest(config, plan_week(config, OPTIONS).plan, "plan")
