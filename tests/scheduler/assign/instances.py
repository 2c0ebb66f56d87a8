"""Tiny hand-checkable organisations for the assignment tests, built one rule at a time."""

from __future__ import annotations

from typing import Any

from models.organisation import Config
from models.plan import Plan
from scheduler.assign import assign_cases
from scheduler.core.options import SolveOptions

OPTIONS = SolveOptions(time_limit_s=10, workers=1, seed=0)
WEEK = ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]


def organisation(managers: list[dict[str, Any]], clients: list[dict[str, Any]], cases: list[dict[str, Any]],
                 **policy: Any) -> Config:
    """A two-level organisation: junior (capacity 10, 5 cases, up to moderate), senior (10, 5, high)."""
    data: dict[str, Any] = {
        "week_start": "2026-11-30",
        "policy": {
            "levels": [
                {"name": "junior", "capacity_points": 10, "max_cases": 5, "max_complexity": "moderate"},
                {"name": "senior", "capacity_points": 10, "max_cases": 5, "max_complexity": "high"},
            ],
            "complexities": [{"name": "low", "points": 1}, {"name": "moderate", "points": 2},
                             {"name": "high", "points": 3}, {"name": "critical", "points": 4}],
            "case_types": {"care": {}, "investigation": {"skills": ["investigations"]}},
            **policy,
        },
        "managers": managers,
        "clients": clients,
        "cases": cases,
    }
    return Config.model_validate(data)


def manager(manager_id: str, level: str = "junior", **extra: Any) -> dict[str, Any]:
    return {"id": manager_id, "level": level, **extra}


def client(client_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": client_id, **extra}


def case(case_id: str, client_id: str, complexity: str = "low", **extra: Any) -> dict[str, Any]:
    return {"id": case_id, "client": client_id, "type": extra.pop("type", "care"), "complexity": complexity,
            **extra}


def solve(config: Config) -> Plan:
    result = assign_cases(config, OPTIONS)
    assert result.plan is not None
    return result.plan


def chosen(plan: Plan) -> dict[str, str | None]:
    return {item.case_id: item.manager_id for item in plan.assignments}
