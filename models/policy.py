"""The organisation's policy: experience levels, complexities, case types, weights, rules."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models.limits import (
    MAX_CAPACITY_POINTS,
    MAX_CASES_PER_MANAGER,
    MAX_CONTACTS_PER_DAY,
    MAX_FACTOR,
    MAX_LIST,
    MAX_NEW_CASES,
    MAX_POINTS,
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    MAX_TRAVEL_SPEED_KMH,
    MAX_WEIGHT,
    MIN_CAPACITY_POINTS,
    MIN_FACTOR,
    MIN_POINTS,
    MIN_TRAVEL_SPEED_KMH,
)
from models.text import PlainText
from models.timeutil import WEEKDAYS, Clock, Weekday


class StrictModel(BaseModel):
    """Base for every config model: unknown keys are mistakes, not silently ignored."""

    # allow_inf_nan=False: a CSV cell "inf" or "nan" must not become an infinite capacity or point value.
    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False)


class Level(StrictModel):
    name: PlainText = Field(min_length=1, description="Level name, e.g. junior, standard, senior.")
    capacity_points: float = Field(ge=MIN_CAPACITY_POINTS, le=MAX_CAPACITY_POINTS,
                                   description="Weekly workload points a full-time manager carries.")
    max_cases: int = Field(gt=0, le=MAX_CASES_PER_MANAGER, description="Most cases a full-time manager carries.")
    max_complexity: PlainText = Field(description="Highest case complexity this level may carry.")


class Complexity(StrictModel):
    name: PlainText = Field(min_length=1)
    points: float = Field(ge=MIN_POINTS, le=MAX_POINTS, description="Workload points of a case of this complexity.")


class CaseType(StrictModel):
    factor: float = Field(default=1.0, ge=MIN_FACTOR, le=MAX_FACTOR, description="Multiplies the complexity points.")
    skills: list[PlainText] = Field(default_factory=list, max_length=MAX_LIST,
                                    description="Skills a manager needs for this type.")


class Weights(StrictModel):
    """Objective weights; a weight of 0 removes that term from the objective entirely."""

    unassigned: float = Field(default=1000, ge=0, le=MAX_WEIGHT, description="Per unassigned point.")
    overload: float = Field(default=100, ge=0, le=MAX_WEIGHT, description="Per point over a manager's capacity.")
    balance: float = Field(default=10, ge=0, le=MAX_WEIGHT, description="Per percentage point of peak utilisation.")
    moves: float = Field(default=3, ge=0, le=MAX_WEIGHT, description="Per case moved away from its current manager.")
    region: float = Field(default=1, ge=0, le=MAX_WEIGHT, description="Per case held outside the client's region.")
    preference: float = Field(default=5, ge=0, le=MAX_WEIGHT, description=(
        "Per case away from its client's preferred_manager while that manager may carry it."))
    # 500 an hour outweighs balance and moves at realistic capacities (the week's hours act as a hard
    # limit wherever a plan can keep to them) and stays below leaving a case unassigned (1,000 a point;
    # a case of 2 points needs about 2 hours a week).
    overtime: float = Field(default=500, ge=0, le=MAX_WEIGHT, description="Per hour of contacts and estimated "
                                                                          "travel beyond the hours a manager's "
                                                                          "week holds.")


class DayWindow(StrictModel):
    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _start_before_end(self) -> DayWindow:
        if self.start >= self.end:
            raise ValueError("start must be earlier than end")
        return self

    @property
    def minutes(self) -> int:
        return self.end - self.start


class ScheduleWeights(StrictModel):
    """Soft goals of the weekly schedule; placing every due contact always comes first."""

    early: float = Field(default=2, ge=0, le=MAX_WEIGHT,
                         description="Per day an urgent contact waits, per urgency unit "
                                     "(overdue and high-complexity contacts are urgent).")
    balance: float = Field(default=1, ge=0, le=MAX_WEIGHT, description="Per minute of contacts on the busiest day.")
    travel: float = Field(default=1, ge=0, le=MAX_WEIGHT, description="Per minute of travel.")


class Scheduling(StrictModel):
    slot_minutes: int = Field(default=15, gt=0, le=120, description="Contacts start on this grid.")
    day: DayWindow = Field(default_factory=lambda: DayWindow(start=8 * 60, end=17 * 60))
    lunch: DayWindow | None = Field(default_factory=lambda: DayWindow(start=12 * 60, end=13 * 60))
    working_days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]))
    max_contacts_per_day: int = Field(default=6, gt=0, le=MAX_CONTACTS_PER_DAY)
    min_days_between_contacts: int = Field(default=2, ge=0, le=6)
    travel_speed_kmh: float = Field(default=40, ge=MIN_TRAVEL_SPEED_KMH, le=MAX_TRAVEL_SPEED_KMH)
    max_drive_minutes: int | None = Field(default=90, gt=0, le=24 * 60, description=(
        "The longest drive (one way, from the manager's base to the client, at travel_speed_kmh) of a case a "
        "manager may carry; a case nobody is within reach of goes to the nearest who may carry it, flagged "
        "too_far. null: no limit."))
    contact_share: float = Field(default=0.85, ge=0.05, le=1, description=(
        "Share of a manager's working minutes the assignment may fill with contacts and estimated travel; "
        "the rest is for notes and supervision, and keeps a week schedulable (windows, limits and travel "
        "fragment it)."))
    weights: ScheduleWeights = Field(default_factory=ScheduleWeights)

    @field_validator("slot_minutes")
    @classmethod
    def _divides_hour(cls, value: int) -> int:
        if 60 % value != 0 and value % 60 != 0:
            raise ValueError(f"slot_minutes {value} does not divide an hour; use 5, 10, 15, 20, 30 or 60")
        return value


class Introduction(StrictModel):
    """The contact a new manager makes with the client of a case new to them (moved or new intake):
    "let them know you have been assigned". On the new manager's calendar within their first
    `within_days` working days of the week, before the case's other contacts."""

    mode: Literal["in_person", "phone", "video"] = "phone"
    minutes: int = Field(default=15, gt=0, le=24 * 60, description="Length of the introduction in minutes.")
    within_days: int = Field(default=2, ge=1, le=7, description="On one of the new manager's first this many "
                                                                "working days of the week.")


class Compliance(StrictModel):
    """Calendar-month visit compliance (US child welfare: a child in foster care is visited every calendar
    month, most visits in the child's residence; agencies are measured by calendar month)."""

    monthly_visits: bool = Field(default=True, description=(
        "Count every monthly in-person requirement by calendar month: due by the month's last working day "
        "when a month after `last` falls later, and reported in summary.compliance."))
    in_residence_share: float = Field(default=0.5, ge=0, le=1, description=(
        "The share of the month's visits to be made in the client's residence (reported against the month's "
        "visits; contacts[].in_residence says where a requirement's visits are made)."))


class SolverSettings(StrictModel):
    time_limit_s: float = Field(default=30, gt=0, le=MAX_TIME_LIMIT_S, description="Wall-clock limit per solve stage.")
    workers: int = Field(default=2, ge=1, le=64, description="CP-SAT threads / worker processes.")
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    deterministic: bool = Field(
        default=True,
        description="Measure time_limit_s in work instead of wall-clock seconds, so the same input and seed give "
                    "the same plan on a busy or an idle machine (CP-SAT then runs one thread); the wall clock "
                    "still stops a stage at 1.1 x the limit + 0.5 s. false: the wall clock alone.")


class Policy(StrictModel):
    levels: list[Level] = Field(min_length=1, max_length=MAX_LIST,
                                description="Ordered from least to most experienced.")
    complexities: list[Complexity] = Field(min_length=1, max_length=MAX_LIST,
                                           description="Ordered from least to most complex.")
    case_types: dict[PlainText, CaseType] = Field(default_factory=dict, max_length=MAX_LIST)
    households_together: bool = True
    max_new_cases: int | None = Field(default=None, ge=0, le=MAX_NEW_CASES, description=(
        "The most cases new to a manager in a week (intake placed with them and cases moved to them; a "
        "household's cases count one each), for every manager without their own max_new_cases. null: no cap."))
    balance_tolerance: float = Field(default=0.05, ge=0, le=1)
    weights: Weights = Field(default_factory=Weights)
    scheduling: Scheduling = Field(default_factory=Scheduling)
    introduction: Introduction | None = Field(
        default_factory=Introduction,
        description="The introduction contact of every moved or new case; null: none are scheduled.")
    compliance: Compliance | None = Field(default=None, description=(
        "Calendar-month visit compliance: {monthly_visits: true, in_residence_share: 0.5}; null: off."))
    solver: SolverSettings = Field(default_factory=SolverSettings)

    @field_validator("weights")
    @classmethod
    def _weights_in_range(cls, weights: Weights) -> Weights:
        # Every weight, those added later too: x 10,000 objective units it must stay inside 64 bits.
        for name, value in weights.model_dump().items():
            if isinstance(value, int | float) and value > MAX_WEIGHT:
                raise ValueError(f"{name}: {value:g} is above the largest weight, {MAX_WEIGHT:,}")
        return weights

    # --- look-ups used everywhere; linear scans are fine, lists hold a handful of entries ---

    def level_rank(self, name: str) -> int:
        return [level.name for level in self.levels].index(name)

    def level(self, name: str) -> Level:
        return self.levels[self.level_rank(name)]

    def complexity_rank(self, name: str) -> int:
        return [complexity.name for complexity in self.complexities].index(name)

    def complexity_points(self, name: str) -> float:
        return self.complexities[self.complexity_rank(name)].points

    def case_type(self, name: str) -> CaseType:
        return self.case_types.get(name, CaseType())
