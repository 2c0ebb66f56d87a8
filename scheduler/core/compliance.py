"""Calendar-month visit compliance of a scheduled plan: `summary.compliance` (policy.compliance).

The month is the one the week starts in. Each case with a monthly in-person requirement needs a visit in
it and is, in this order: visited (a requirement's `last` in the month), planned (a visit placed this week
on a day of the month), to come (the month's last working day falls after this week) or at risk, with
the reason. The share in residence counts the month's visits: those the config records (month_visits,
or one for a `last` in the month when it records none) and those placed this week in the month.
models/check.py works the same figures out with its own code.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from models.organisation import Case, Config, ContactRequirement
from models.plan import ComplianceSummary, Plan, ScheduledContact, UnscheduledContact, VisitAtRisk
from models.reasons import DEFAULT, reason_text
from models.timeutil import month_end, month_key

RequirementKey = tuple[str, int]


def compliance_summary(config: Config, plan: Plan) -> ComplianceSummary | None:
    """The plan's calendar-month compliance, or None when the policy does not ask for it."""
    compliance = config.policy.compliance
    if compliance is None or not compliance.monthly_visits:
        return None
    month = month_key(config.week_start)
    deadline = config.last_working_day(config.week_start)
    placed: dict[RequirementKey, list[ScheduledContact]] = defaultdict(list)
    for contact in plan.contacts:
        placed[(contact.case_id, contact.requirement_index)].append(contact)
    unplaced = {(item.case_id, item.requirement_index): item for item in plan.unscheduled}
    managers = {item.case_id: item.manager_id for item in plan.assignments}
    counts = {"visited": 0, "planned": 0, "to_come": 0}
    visits = in_residence = 0
    at_risk: list[VisitAtRisk] = []
    for case in sorted(config.cases, key=lambda item: item.id):
        tracked = [(index, requirement) for index, requirement in enumerate(case.contacts)
                   if config.tracks_compliance(requirement)]
        if not tracked:
            continue
        in_month = [contact for index, _ in tracked for contact in placed[(case.id, index)]
                    if month_key(contact.day) == month]
        for index, requirement in tracked:
            made, at_home = requirement.visits_in(month)
            now = sum(1 for contact in in_month if contact.requirement_index == index)
            visits += made + now
            in_residence += at_home + (now if requirement.in_residence else 0)
        if any(requirement.last is not None and month_key(requirement.last) == month for _, requirement in tracked):
            counts["visited"] += 1
        elif in_month:
            counts["planned"] += 1
        elif deadline > config.week_end:
            counts["to_come"] += 1
        else:
            at_risk.append(_at_risk(case, tracked, managers.get(case.id), placed, unplaced, deadline))
    return ComplianceSummary(
        month=month, last_working_day=deadline, cases_due=sum(counts.values()) + len(at_risk), **counts,
        at_risk=len(at_risk), visits=visits, in_residence=in_residence,
        in_residence_share=round(in_residence / visits, 4) if visits else None,
        in_residence_target=compliance.in_residence_share, at_risk_cases=at_risk)


def _at_risk(case: Case, tracked: list[tuple[int, ContactRequirement]], manager_id: str | None,
             placed: dict[RequirementKey, list[ScheduledContact]],
             unplaced: dict[RequirementKey, UnscheduledContact], deadline: date) -> VisitAtRisk:
    """Why a case not visited in the month gets no visit by its end: the first of no manager, a visit past
    the month's end, a visit that could not be placed, no visit due."""
    def risk(code: str, **data: object) -> VisitAtRisk:
        return VisitAtRisk(case_id=case.id, manager_id=manager_id, rule=code,
                           reason=reason_text(code, DEFAULT, deadline=deadline, **data))

    if manager_id is None:
        return risk("compliance_unassigned")
    late = sorted(contact.day for index, _ in tracked for contact in placed[(case.id, index)]
                  if contact.day > month_end(deadline))
    if late:
        return risk("compliance_after_month_end", day=late[0])
    missing = [unplaced[(case.id, index)] for index, _ in tracked if (case.id, index) in unplaced]
    if missing:
        return risk("compliance_unscheduled", unscheduled_rule=missing[0].rule, unscheduled_reason=missing[0].reason)
    lasts = [requirement.last for _, requirement in tracked if requirement.last is not None]
    return risk("compliance_not_due", last=max(lasts) if lasts else "never")


def with_compliance(config: Config, plan: Plan) -> Plan:
    """`plan` with its summary's compliance worked out from its schedule."""
    return plan.model_copy(update={"summary": plan.summary.model_copy(
        update={"compliance": compliance_summary(config, plan)})})
