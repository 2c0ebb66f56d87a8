"""Property: every schedule of a random small week passes the independent checker (models/check.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.check import check_plan
from models.organisation import Config
from scheduler.core.options import SolveOptions
from scheduler.core.planbuild import build_plan, current_assignment
from scheduler.schedule.solve import schedule_contacts

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat")
FREQUENCIES = ("weekly", "2/week", "3/week", "biweekly", "monthly")


@st.composite
def windows(draw: st.DrawFn) -> list[str]:
    start = draw(st.integers(min_value=7, max_value=14))
    length = draw(st.integers(min_value=1, max_value=6))
    return [f"{start:02d}:00-{min(24, start + length):02d}:00"]


@st.composite
def availability(draw: st.DrawFn) -> dict[str, list[str]] | None:
    days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=4, unique=True))
    if draw(st.booleans()):
        return None
    return {day: draw(windows()) for day in days}


@st.composite
def place(draw: st.DrawFn) -> dict[str, float] | None:
    if draw(st.integers(min_value=0, max_value=5)) == 0:
        return None
    return {"lat": draw(st.floats(min_value=41.7, max_value=42.0)),
            "lon": draw(st.floats(min_value=-87.9, max_value=-87.5))}


@st.composite
def requirement(draw: st.DrawFn) -> dict[str, Any]:
    frequency = draw(st.sampled_from(FREQUENCIES))
    item: dict[str, Any] = {"mode": draw(st.sampled_from(("in_person", "in_person", "phone", "video"))),
                            "minutes": draw(st.sampled_from((15, 30, 45, 60, 90))), "frequency": frequency}
    if frequency in ("biweekly", "monthly") and draw(st.booleans()):
        item["last"] = f"2026-11-{draw(st.integers(min_value=1, max_value=20)):02d}"
    return item


@st.composite
def small_week(draw: st.DrawFn) -> Config:
    manager_count = draw(st.integers(min_value=1, max_value=2))
    managers = []
    for index in range(manager_count):
        manager: dict[str, Any] = {"id": f"m-{index}", "level": "worker", "base": draw(place())}
        if draw(st.booleans()):
            manager["availability"] = {day: ["08:00-12:00", "13:00-17:00"] for day in DAYS[:5]}
        if draw(st.booleans()):
            manager["leave"] = [f"2026-12-0{draw(st.integers(min_value=1, max_value=4))}"]
        managers.append(manager)
    client_count = draw(st.integers(min_value=1, max_value=5))
    shared_home = draw(place())
    clients = []
    for index in range(client_count):
        household = index < 2 and draw(st.booleans())
        clients.append({"id": f"c-{index}", "household": "h-0" if household else None,
                        "location": shared_home if household else draw(place()),
                        "availability": draw(availability())})
    cases = [{"id": f"K-{index}", "client": f"c-{index}", "type": "general",
              "complexity": draw(st.sampled_from(("low", "high"))),
              "manager": f"m-{draw(st.integers(min_value=0, max_value=manager_count - 1))}",
              "contacts": draw(st.lists(requirement(), min_size=1, max_size=2))}
             for index in range(client_count)]
    return Config.model_validate({
        "week_start": "2026-11-30", "timezone": "America/Chicago",
        "policy": {
            "levels": [{"name": "worker", "capacity_points": 100, "max_cases": 50, "max_complexity": "high"}],
            "complexities": [{"name": "low", "points": 1}, {"name": "high", "points": 2}],
            "households_together": False,
            "scheduling": {
                "slot_minutes": draw(st.sampled_from((5, 15, 30))),
                "max_contacts_per_day": draw(st.integers(min_value=1, max_value=4)),
                "min_days_between_contacts": draw(st.integers(min_value=0, max_value=3)),
                "travel_speed_kmh": draw(st.sampled_from((15.0, 40.0))),
                "lunch": draw(st.sampled_from((None, {"start": "12:00", "end": "13:00"}))),
            },
        },
        "holidays": draw(st.sampled_from(([], ["2026-12-02"]))),
        "managers": managers, "clients": clients, "cases": cases,
    })


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_week())
def test_random_small_weeks_pass_the_checker(config: Config) -> None:
    plan = schedule_contacts(config, build_plan(config, current_assignment(config)),
                             SolveOptions(time_limit_s=5, workers=1, seed=0)).plan
    # The assignment is the drawn input's (it may break the meeting rule); the schedule must hold.
    given_assignment = check_plan(config, plan, schedule=False)
    assert [violation for violation in check_plan(config, plan) if violation not in given_assignment] == []
    due = sum(len(config.due_contacts(case)) for case in config.cases)
    assert len(plan.contacts) + len(plan.unscheduled) == plan.summary.contacts_due == due
