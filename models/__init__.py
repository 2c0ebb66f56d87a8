"""The caseload domain: validated plain data. Never imports a solver."""

from models.organisation import (
    Case,
    Client,
    Config,
    ContactRequirement,
    DueContact,
    Frequency,
    GeoPoint,
    Manager,
)
from models.plan import (
    Assignment,
    LevelSummary,
    ManagerLoad,
    Move,
    Plan,
    PlanSummary,
    ScheduledContact,
    SolverStats,
    UnassignedCase,
    UnscheduledContact,
)
from models.policy import CaseType, Complexity, Level, Policy, Scheduling, SolverSettings, Weights
from models.problems import ConfigError, LocatedProblem, Problem
from models.timeutil import TimeWindow

__all__ = [
    "Assignment",
    "Case",
    "CaseType",
    "Client",
    "Complexity",
    "Config",
    "ConfigError",
    "ContactRequirement",
    "DueContact",
    "Frequency",
    "GeoPoint",
    "Level",
    "LevelSummary",
    "LocatedProblem",
    "Manager",
    "ManagerLoad",
    "Move",
    "Plan",
    "PlanSummary",
    "Policy",
    "Problem",
    "ScheduledContact",
    "Scheduling",
    "SolverSettings",
    "SolverStats",
    "TimeWindow",
    "UnassignedCase",
    "UnscheduledContact",
    "Weights",
]
