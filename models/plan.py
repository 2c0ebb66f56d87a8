"""The plan: what the engine returns and every writer and the checker read.

Plain data only. Every refusal and penalty carries a machine `rule` code and a human `reason`.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SolveStatus = Literal["optimal", "feasible", "infeasible", "unknown", "not_run"]

# Loads and capacities are rounded to 6 decimals: a load this far above capacity is not float noise.
OVERLOAD_TOLERANCE = 1e-9


class PlanModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SolverStats(PlanModel):
    """How one solve stage went: enough to judge the plan's quality honestly."""

    stage: str
    status: SolveStatus
    objective: float | None = None
    bound: float | None = Field(default=None, description="Proven lower bound of the objective.")
    gap: float | None = Field(default=None, description="(objective - bound) / max(1, |objective|).")
    runtime_s: float = 0.0
    workers: int = 1
    seed: int = 0
    objective_terms: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)


class Assignment(PlanModel):
    case_id: str
    client_id: str
    manager_id: str | None
    previous_manager_id: str | None
    moved: bool
    reason: str = Field(default="", description="Why the case sits where it is (for moves: why it moved).")
    points: float
    flags: list[str] = Field(default_factory=list, description=(
        "too_far: the client is beyond policy.scheduling.max_drive_minutes from the manager's base (nobody who "
        "may carry the case is within reach, or the case is locked); no_common_availability: the manager cannot "
        "meet the client this week (nobody who may carry it can), so that rule gave way."))


class Move(PlanModel):
    """A case given to a manager other than its current one: a reassignment, or an intake placement
    (`from_manager` null, rule `new_intake`). The summary counts the two apart."""

    case_id: str
    client_id: str
    from_manager: str | None
    to_manager: str
    points: float
    rule: str = Field(description="over_capacity, level_mismatch, not_eligible, household_reunited, "
                                  "balance, or new_intake (an intake placement: `from_manager` is null).")
    reason: str


class UnassignedCase(PlanModel):
    case_id: str
    client_id: str
    points: float
    rule: str = Field(description="no_level, no_skill, no_language, no_manager_available, "
                                  "household_conflict, or capacity_exhausted.")
    reason: str


class ManagerLoad(PlanModel):
    manager_id: str
    level: str
    region: str | None
    cases: int
    max_cases: int
    load: float
    capacity: float
    utilisation: float
    overload: float = Field(description="Points above capacity (0 when within).")
    contacts_on_time: int = Field(default=0, description="Scheduled contacts on or before their due day.")
    contacts_late: int = Field(default=0, description="Scheduled contacts after their due day.")
    contacts_unscheduled: int = Field(default=0, description="Due contacts of the manager's cases left out.")
    travel_minutes: int = Field(default=0, description="Minutes the manager's routes this week take, back to base "
                                                       "included (0 until the schedule runs).")
    minutes_available: int = Field(default=0, description="Minutes the week holds for contacts: working windows on "
                                                          "working days less leave, holidays and lunch, times "
                                                          "policy.scheduling.contact_share.")
    minutes_needed: int = Field(default=0, description="Minutes of the due contacts of the cases carried, plus "
                                                       "estimated travel for in-person visits.")
    minutes_utilisation: float = Field(default=0.0, description="minutes_needed / minutes_available (0 when the "
                                                                "week holds no minutes: its need is all overtime).")
    overtime_minutes: int = Field(default=0, description="minutes_needed above minutes_available.")

    @property
    def overloaded(self) -> bool:
        """Over capacity in points or over max_cases in cases: the one definition behind the plan's
        `summary.overloaded_managers`, the report's counts and rebalancing's reasons."""
        return self.load > self.capacity + OVERLOAD_TOLERANCE or self.cases > self.max_cases


class LevelSummary(PlanModel):
    level: str
    managers: int
    cases: int
    load: float
    capacity: float
    max_utilisation: float
    mean_utilisation: float
    max_minutes_utilisation: float = 0.0
    mean_minutes_utilisation: float = 0.0


class ScheduledContact(PlanModel):
    case_id: str
    client_id: str
    manager_id: str
    requirement_index: int
    occurrence: int
    mode: str
    day: date
    start: str = Field(description="HH:MM local time.")
    end: str
    minutes: int
    overdue: bool = False
    due: date | None = Field(default=None, description="The day the contact falls due: the requirement's "
                                                       "next due date (before the week when overdue), the "
                                                       "week's Monday when never made, its Sunday for "
                                                       "weekly and N/week contacts.")
    late_days: int = Field(default=0, description="Days after `due` (0 when on time).")
    late_rule: str = Field(default="", description="Why it is late (empty when on time): overdue, "
                                                   "no_slot_by_due or days_full_by_due.")
    late_reason: str = ""
    travel_minutes_before: int = Field(default=0, description="The leg into this visit: from the day's "
                                                              "previous visit, or from the base (0 for calls).")
    location: str = ""
    introduction: bool = Field(default=False, description="The introduction of a case new to its manager "
                                                         "(moved or new intake; policy.introduction): "
                                                         "requirement_index -1, before the case's other contacts.")


class UnscheduledContact(PlanModel):
    case_id: str
    client_id: str
    manager_id: str | None
    requirement_index: int
    occurrence: int
    mode: str
    minutes: int
    rule: str = Field(description="no_common_availability, day_capacity_full, no_working_day, "
                                  "case_unassigned, or time_limit.")
    reason: str
    introduction: bool = Field(default=False, description="The introduction of a case new to its manager "
                                                         "(requirement_index -1).")


class VisitAtRisk(PlanModel):
    """A case whose monthly visit the month may end without (calendar-month compliance)."""

    case_id: str
    manager_id: str | None
    rule: str = Field(description="compliance_unassigned, compliance_unscheduled, compliance_after_month_end or "
                                  "compliance_not_due.")
    reason: str


class ComplianceSummary(PlanModel):
    """Calendar-month visit compliance for the month the week starts in (policy.compliance): each case with a
    monthly in-person requirement is visited, planned, to come or at risk (exactly one)."""

    month: str = Field(description="YYYY-MM: the month of week_start.")
    last_working_day: date = Field(description="The month's last working day: its visits are due by then.")
    cases_due: int = Field(description="Cases with a monthly in-person requirement: each needs a visit this month.")
    visited: int = Field(description="Visited already this month (a requirement's `last` in the month).")
    planned: int = Field(description="Not yet visited; a visit is placed this week on a day of the month.")
    to_come: int = Field(description="Neither, with working days of the month left after this week.")
    at_risk: int = Field(description="Neither, and the month's last working day falls in this week (or before).")
    visits: int = Field(description="Visits of the month: counted in the config (month_visits, or 1 for a `last` "
                                    "in the month) and placed this week in the month.")
    in_residence: int = Field(description="Of those visits, the ones in the client's residence.")
    in_residence_share: float | None = Field(description="in_residence / visits (null: no visits).")
    in_residence_target: float = Field(description="policy.compliance.in_residence_share.")
    at_risk_cases: list[VisitAtRisk] = Field(default_factory=list)


class PlanSummary(PlanModel):
    managers: int
    cases: int
    assigned_cases: int
    unassigned_cases: int
    unassigned_points: float
    total_load: float
    total_capacity: float
    max_utilisation: float
    overloaded_managers: int
    overload_points: float
    moves: int = Field(description="Reassignments: cases that had a manager and now have another. Intake "
                                   "placements are not moves (`placements`); `moves` lists both.")
    placements: int = Field(default=0, description="Intake placed: cases that had no manager and now have one.")
    region_mismatches: int
    contacts_due: int = 0
    contacts_scheduled: int = 0
    contacts_on_time: int = 0
    contacts_late: int = 0
    contacts_unscheduled: int = 0
    travel_minutes: int = 0
    overtime_minutes: int = Field(default=0, description="Minutes needed beyond the week's, over all managers.")
    managers_over_minutes: int = Field(default=0, description="Managers whose cases need more minutes than "
                                                              "their week holds.")
    compliance: ComplianceSummary | None = Field(default=None, description=(
        "Calendar-month visit compliance, with policy.compliance on and a schedule made."))


class Plan(PlanModel):
    """One week's plan. `contacts` and `unscheduled` are empty until the schedule stage runs."""

    format_version: int = 1
    week_start: date
    summary: PlanSummary
    managers: list[ManagerLoad]
    levels: list[LevelSummary]
    assignments: list[Assignment]
    moves: list[Move]
    unassigned: list[UnassignedCase]
    contacts: list[ScheduledContact] = Field(default_factory=list)
    unscheduled: list[UnscheduledContact] = Field(default_factory=list)
    solver: list[SolverStats] = Field(default_factory=list)

    @property
    def was_scheduled(self) -> bool:
        """Whether the schedule stage ran: it placed or listed contacts, or left its statistics (a week with
        nothing due). The one test behind the report's calendar section and the schedule files written."""
        return bool(self.contacts or self.unscheduled) or any(stats.stage == "schedule" for stats in self.solver)
