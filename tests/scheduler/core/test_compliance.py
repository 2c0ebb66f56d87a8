"""Calendar-month visit compliance (scheduler/core/compliance.py, issue 22 item 4) on tests/data/month_end.yaml.

Its week starts Monday 2026-11-30, November's last working day. K-A, K-F and K-G were visited in November
(K-F at school, K-G twice at home by the count roll wrote); K-B falls due on the 30th and K-C is overdue, so
both must be visited on Monday; K-D has no manager; K-E's monthly contact is a call, which compliance does
not count. Every figure below is read off that file.
"""

from __future__ import annotations

from datetime import date

import pytest

from models.check import check_plan
from models.loader import load_config
from models.organisation import Config
from models.plan import ComplianceSummary, Plan, UnscheduledContact, VisitAtRisk
from models.reasons import reason_text
from scheduler.core.compliance import compliance_summary
from scheduler.core.options import SolveOptions
from scheduler.pipeline import schedule_current_assignment
from tests.conftest import DATA

MONDAY, TUESDAY = date(2026, 11, 30), date(2026, 12, 1)


@pytest.fixture
def month_end() -> Config:
    return load_config(DATA / "month_end.yaml")


def _scheduled(config: Config) -> Plan:
    plan = schedule_current_assignment(config, SolveOptions(time_limit_s=5, workers=1, seed=0)).plan
    assert plan is not None
    assert check_plan(config, plan) == []
    return plan


def _with_day_limit(config: Config, limit: int, *, cases: tuple[str, ...]) -> Config:
    """The config with at most `limit` contacts a day and only `cases`."""
    scheduling = config.policy.scheduling.model_copy(update={"max_contacts_per_day": limit})
    policy = config.policy.model_copy(update={"scheduling": scheduling})
    return config.rebuilt(policy=policy, cases=[case for case in config.cases if case.id in cases])


def test_every_monthly_visit_not_made_in_the_month_is_placed_by_its_last_working_day_or_at_risk(
        month_end: Config) -> None:
    plan = _scheduled(month_end)
    days = {contact.case_id: contact.day for contact in plan.contacts}
    assert days["K-B"] == days["K-C"] == MONDAY
    assert plan.summary.compliance == ComplianceSummary(
        month="2026-11", last_working_day=MONDAY, cases_due=6, visited=3, planned=2, to_come=0, at_risk=1,
        # K-A 1, K-F 1 (at school), K-G 2 (recorded), K-B and K-C 1 each on Monday
        visits=6, in_residence=5, in_residence_share=0.8333, in_residence_target=0.5,
        at_risk_cases=[VisitAtRisk(case_id="K-D", manager_id=None, rule="compliance_unassigned", reason=reason_text(
            "compliance_unassigned", deadline=MONDAY))])


def test_the_due_day_is_the_months_last_working_day_when_a_month_after_last_falls_later(month_end: Config) -> None:
    """A month after 2025-10-31 is Sunday 2025-11-30; November 2025's last working day is Friday the 28th
    (Thursday the 27th when the 28th is a holiday). A call, not counted, keeps the 30th."""
    visit = month_end.cases_by_id["K-B"].contacts[0].model_copy(update={"last": date(2025, 10, 31)})
    call = month_end.cases_by_id["K-E"].contacts[0].model_copy(update={"last": date(2025, 10, 31)})
    assert month_end.next_due(visit) == date(2025, 11, 28)
    assert month_end.next_due(call) == date(2025, 11, 30)
    assert month_end.rebuilt(holidays=[date(2025, 11, 28)]).next_due(visit) == date(2025, 11, 27)
    switched_off = month_end.rebuilt(policy=month_end.policy.model_copy(update={"compliance": None}))
    assert switched_off.next_due(visit) == date(2025, 11, 30)


def test_a_visit_whose_month_ends_this_week_outranks_an_overdue_call(month_end: Config) -> None:
    """One contact a day: K-E's call (high complexity, overdue) took Monday from K-B's visit (low, due Monday)
    until the month's end weighed in; with compliance off it still does."""
    config = _with_day_limit(month_end, 1, cases=("K-B", "K-E"))
    days = {contact.case_id: contact.day for contact in _scheduled(config).contacts}
    assert days == {"K-B": MONDAY, "K-E": TUESDAY}
    off = config.rebuilt(policy=config.policy.model_copy(update={"compliance": None}))
    assert {contact.case_id: contact.day for contact in _scheduled(off).contacts} == {"K-E": MONDAY, "K-B": TUESDAY}


def test_a_visit_pushed_past_the_months_end_is_at_risk_with_the_day(month_end: Config) -> None:
    """One contact a day and two visits due Monday: the overdue one (K-C) gets Monday; K-B's lands on
    Tuesday, December, and is at risk saying so."""
    config = _with_day_limit(month_end, 1, cases=("K-B", "K-C"))
    plan = _scheduled(config)
    assert {contact.case_id: contact.day for contact in plan.contacts} == {"K-C": MONDAY, "K-B": TUESDAY}
    compliance = plan.summary.compliance
    assert compliance is not None
    assert (compliance.cases_due, compliance.planned, compliance.at_risk) == (2, 1, 1)
    assert compliance.at_risk_cases == [VisitAtRisk(
        case_id="K-B", manager_id="m-ana", rule="compliance_after_month_end",
        reason=reason_text("compliance_after_month_end", deadline=MONDAY, day=TUESDAY))]


def test_a_visit_not_placed_is_at_risk_quoting_why(month_end: Config) -> None:
    plan = _scheduled(_with_day_limit(month_end, 1, cases=("K-B", "K-C")))
    # The same week as if K-B's visit could not be placed at all.
    unplaced = [item for item in plan.contacts if item.case_id != "K-B"]
    missing = plan.model_copy(update={"contacts": unplaced, "unscheduled": [
        _unscheduled("K-B", "day_capacity_full", "no room")]})
    compliance = compliance_summary(month_end.rebuilt(cases=[
        case for case in month_end.cases if case.id in ("K-B", "K-C")]), missing)
    assert compliance is not None
    assert compliance.at_risk_cases == [VisitAtRisk(
        case_id="K-B", manager_id="m-ana", rule="compliance_unscheduled", reason=reason_text(
            "compliance_unscheduled", deadline=MONDAY, unscheduled_rule="day_capacity_full",
            unscheduled_reason="no room"))]


def test_a_week_before_the_months_end_leaves_unplaced_visits_to_come(month_end: Config) -> None:
    """A week earlier (November's last working day is after it): K-D, unassigned, and K-B, due on the 30th, are to
    come, not at risk; K-C, overdue, is planned."""
    earlier = month_end.rebuilt(week_start=date(2026, 11, 23))
    compliance = _scheduled(earlier).summary.compliance
    assert compliance is not None
    assert (compliance.visited, compliance.planned, compliance.to_come, compliance.at_risk) == (3, 1, 2, 0)
    assert compliance.at_risk_cases == []


def test_no_compliance_without_the_policy(month_end: Config) -> None:
    off = month_end.rebuilt(policy=month_end.policy.model_copy(update={"compliance": None}))
    assert _scheduled(off).summary.compliance is None


def _unscheduled(case_id: str, rule: str, reason: str) -> UnscheduledContact:
    return UnscheduledContact(case_id=case_id, client_id="c-b", manager_id="m-ana", requirement_index=0, occurrence=0,
                              mode="in_person", minutes=60, rule=rule, reason=reason)
