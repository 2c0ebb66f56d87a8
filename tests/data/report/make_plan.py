"""Make tests/data/report/plan.json from org.yaml: a hand-chosen assignment and a simple greedy week.

Not a solver and not a test: it writes a realistic, fixed plan for the report tests, so the report
can be tested while the solver is built. Run from the repository root after changing org.yaml:

    python tests/data/report/make_plan.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from export.files import plan_json  # noqa: E402
from models.loader import load_config  # noqa: E402
from models.organisation import Config  # noqa: E402
from models.plan import Plan, ScheduledContact, SolverStats, UnscheduledContact  # noqa: E402
from models.timeutil import format_clock  # noqa: E402
from scheduler.core.planbuild import build_plan  # noqa: E402
from scheduler.core.reasons import Reason  # noqa: E402

HERE = Path(__file__).resolve().parent
TRAVEL_MINUTES = 20

CHOSEN_MOVES = {
    "K-103": ("m-fox", Reason("not_eligible", "m-ben (junior) may carry up to moderate; K-103 is high and "
                                              "needs the investigations skill")),
    "K-104": ("m-fox", Reason("household_reunited", "stays with K-103: same client")),
    "K-105": ("m-ana", Reason("level_mismatch", "critical complexity needs a senior; m-cy is standard")),
    "K-110": ("m-dee", Reason("over_capacity", "m-eve was at 125% of capacity")),
    "K-113": ("m-eve", Reason("new_intake", "new intake: the household's other case is with m-eve")),
}
UNASSIGNED = {"K-114": Reason("no_language", "no manager in region north speaks so (Somali)")}
# One contact the greedy week deliberately leaves out, to show an unscheduled row.
LEFT_OUT = ("K-111", 1, 2)


def chosen_assignment(config: Config) -> dict[str, str | None]:
    chosen: dict[str, str | None] = {case.id: case.manager for case in config.cases}
    chosen.update({case_id: manager for case_id, (manager, _) in CHOSEN_MOVES.items()})
    chosen.update({case_id: None for case_id in UNASSIGNED})
    return chosen


def greedy_week(config: Config, chosen: dict[str, str | None]) -> tuple[list[ScheduledContact],
                                                                        list[UnscheduledContact]]:
    """Each manager's due contacts, in case order, one after another from the start of each day."""
    lunch = config.policy.scheduling.lunch
    contacts: list[ScheduledContact] = []
    unscheduled: list[UnscheduledContact] = []
    for manager in config.managers:
        days = config.manager_days(manager)
        cursor = {day: config.manager_windows(manager, day)[0].start for day in days}
        turn = 0
        for case in config.cases:
            if chosen.get(case.id) != manager.id:
                continue
            for due in config.due_contacts(case):
                if (due.case_id, due.requirement_index, due.occurrence) == LEFT_OUT:
                    unscheduled.append(UnscheduledContact(
                        case_id=case.id, client_id=case.client, manager_id=manager.id,
                        requirement_index=due.requirement_index, occurrence=due.occurrence, mode=due.mode,
                        minutes=due.minutes, rule="day_capacity_full",
                        reason="every working day of m-fox already holds the most contacts allowed"))
                    continue
                day = days[turn % len(days)]
                turn += 2 if len(days) > 2 else 1
                travel = TRAVEL_MINUTES if due.mode == "in_person" else 0
                start = cursor[day] + travel
                if lunch is not None and start < lunch.end and start + due.minutes > lunch.start:
                    start = lunch.end + travel
                cursor[day] = start + due.minutes + 15
                contacts.append(ScheduledContact(
                    case_id=case.id, client_id=case.client, manager_id=manager.id,
                    requirement_index=due.requirement_index, occurrence=due.occurrence, mode=due.mode, day=day,
                    start=format_clock(start), end=format_clock(start + due.minutes), minutes=due.minutes,
                    overdue=due.overdue, travel_minutes_before=travel,
                    location="client home" if due.mode == "in_person" else ""))
    for case in config.cases:
        if chosen.get(case.id) is None:
            for due in config.due_contacts(case):
                unscheduled.append(UnscheduledContact(
                    case_id=case.id, client_id=case.client, manager_id=None,
                    requirement_index=due.requirement_index, occurrence=due.occurrence, mode=due.mode,
                    minutes=due.minutes, rule="case_unassigned", reason="the case has no manager this week"))
    return contacts, unscheduled


def make_plan(config: Config) -> Plan:
    chosen = chosen_assignment(config)
    plan = build_plan(
        config, chosen,
        move_reasons={case_id: reason for case_id, (_, reason) in CHOSEN_MOVES.items()},
        unassigned_reasons=UNASSIGNED,
        solver=[
            SolverStats(stage="assign", status="optimal", objective=2043.0, bound=2043.0, gap=0.0,
                        runtime_s=0.12, workers=1, seed=0, objective_terms={"unassigned": 2000.0, "moves": 15.0}),
            SolverStats(stage="schedule", status="feasible", objective=118.0, bound=112.0, gap=0.0508,
                        runtime_s=1.4, workers=1, seed=0, notes=["fixture: greedy week, not a solve"]),
        ],
    )
    contacts, unscheduled = greedy_week(config, chosen)
    summary = plan.summary.model_copy(update={
        "contacts_due": len(contacts) + len(unscheduled),
        "contacts_scheduled": len(contacts),
        "travel_minutes": sum(contact.travel_minutes_before for contact in contacts),
    })
    return plan.model_copy(update={"contacts": contacts, "unscheduled": unscheduled, "summary": summary})


if __name__ == "__main__":
    plan = make_plan(load_config(HERE / "org.yaml"))
    (HERE / "plan.json").write_text(plan_json(plan), encoding="utf-8")
    print(f"wrote {HERE / 'plan.json'}: {len(plan.contacts)} contacts, {len(plan.moves)} moves")
