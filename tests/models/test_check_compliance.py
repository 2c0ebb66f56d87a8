"""The checker's own calendar-month compliance (models/check.py, `compliance_mismatch`) and its month-end due
day, on tests/data/month_end.yaml (see tests/scheduler/core/test_compliance.py for the figures)."""

from __future__ import annotations

from datetime import date

import pytest

from models.check import Violation, check_plan
from models.loader import load_config
from models.organisation import Config
from models.plan import Plan, VisitAtRisk
from scheduler.core.options import SolveOptions
from scheduler.pipeline import schedule_current_assignment
from tests.conftest import DATA


@pytest.fixture(scope="module")
def month_end() -> Config:
    return load_config(DATA / "month_end.yaml")


@pytest.fixture(scope="module")
def planned(month_end: Config) -> Plan:
    plan = schedule_current_assignment(month_end, SolveOptions(time_limit_s=5, workers=1, seed=0)).plan
    assert plan is not None and plan.summary.compliance is not None
    assert check_plan(month_end, plan) == []
    return plan


def _with_compliance(plan: Plan, **fields: object) -> Plan:
    assert plan.summary.compliance is not None
    compliance = plan.summary.compliance.model_copy(update=fields)
    return plan.model_copy(update={"summary": plan.summary.model_copy(update={"compliance": compliance})})


def _compliance_violations(config: Config, plan: Plan) -> list[Violation]:
    return [item for item in check_plan(config, plan) if item.rule == "compliance_mismatch"]


def test_a_wrong_count_is_flagged(month_end: Config, planned: Plan) -> None:
    assert _compliance_violations(month_end, _with_compliance(planned, visited=4)) == [
        Violation("compliance_mismatch", "summary.compliance.visited", "4 reported, 3 worked out")]


def test_a_wrong_share_in_residence_is_flagged(month_end: Config, planned: Plan) -> None:
    assert _compliance_violations(month_end, _with_compliance(planned, in_residence=6, in_residence_share=1.0)) == [
        Violation("compliance_mismatch", "summary.compliance.in_residence", "6 reported, 5 worked out"),
        Violation("compliance_mismatch", "summary.compliance.in_residence_share", "1.0 reported, 0.8333 worked out")]


@pytest.mark.parametrize("entry", [
    VisitAtRisk(case_id="K-D", manager_id=None, rule="compliance_unscheduled", reason="not placed"),
    VisitAtRisk(case_id="K-D", manager_id=None, rule="compliance_unassigned", reason=" "),
    VisitAtRisk(case_id="K-B", manager_id="m-ana", rule="compliance_unassigned", reason="no manager"),
], ids=["false rule", "no words", "another case"])
def test_an_at_risk_entry_whose_rule_does_not_hold_is_flagged(month_end: Config, planned: Plan,
                                                              entry: VisitAtRisk) -> None:
    violations = _compliance_violations(month_end, _with_compliance(planned, at_risk_cases=[entry]))
    assert [item.subject for item in violations] == ["summary.compliance.at_risk_cases"]


def test_missing_compliance_is_flagged_when_the_policy_asks_for_it(month_end: Config, planned: Plan) -> None:
    missing = planned.model_copy(update={"summary": planned.summary.model_copy(update={"compliance": None})})
    assert _compliance_violations(month_end, missing) == [
        Violation("compliance_mismatch", "summary.compliance", "missing: policy.compliance is on")]


def test_compliance_reported_with_the_policy_off_is_flagged(month_end: Config, planned: Plan) -> None:
    off = month_end.rebuilt(policy=month_end.policy.model_copy(update={"compliance": None}))
    assert _compliance_violations(off, planned) == [
        Violation("compliance_mismatch", "summary.compliance", "reported, but policy.compliance is off")]


def test_the_due_day_moves_to_the_months_last_working_day_and_the_checker_knows_it(month_end: Config) -> None:
    """A week of November 2025: a month after 2025-10-31 is Sunday the 30th; the visit is due Friday the 28th,
    and a plan saying the 30th is wrong (with compliance off, the 30th is right)."""
    visit = month_end.cases_by_id["K-B"].contacts[0].model_copy(update={"last": date(2025, 10, 31)})
    config = month_end.rebuilt(week_start=date(2025, 11, 24), cases=[
        month_end.cases_by_id["K-B"].model_copy(update={"contacts": [visit]})])
    plan = schedule_current_assignment(config, SolveOptions(time_limit_s=5, workers=1, seed=0)).plan
    assert plan is not None and [contact.due for contact in plan.contacts] == [date(2025, 11, 28)]
    assert check_plan(config, plan) == []
    sunday = plan.model_copy(update={"contacts": [plan.contacts[0].model_copy(update={"due": date(2025, 11, 30)})]})
    assert [item.rule for item in check_plan(config, sunday)] == ["contact_due"]
