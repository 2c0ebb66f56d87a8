"""Does the week hold? `plan` end to end (balance, schedule, schedule feedback) on generated
organisations, against the same command with the week's hours ignored when balancing (overtime
weight 0: the points-only balancing of before), without schedule feedback, and with balancing blind to the
weeks' contact slots (no-slots), in the same run.

Per run: the cases' own due contacts (introductions apart) placed, as % of due and as % of those some
eligible worker could hold at all (capacity aside; computed here with the checker's rules, independently
of the engine), how far cases sit from their worker (km), flagged cases, late, unplaced by reason,
overtime, the highest share of a week's
contact hours used per level, travel hours, moves (reassignments), assignment objective/bound/gap,
wall time, peak memory, and the independent checker's verdict.

    python -m bench.week                      # S, M, M messy, M narrow (clients' narrow windows,
                                              # part-time days), M state and state messy (generate
                                              # --geography state), defaults (the policy's time limit)
    python -m bench.week --tiers M --kinds state,tidy --variants engine
    python -m bench.week --tiers M --kinds tidy --variants engine --plan-shares 0.35,0.40,0.25
    python -m bench.week --tiers M --time-limit 60

Each run is its own process (peak memory is the process's). Time limits are measured in work, so the
plans repeat on a busy machine; wall seconds do not.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

TIERS = {"S": (12, 250), "M": (100, 2_500), "L": (1_000, 25_000)}
VARIANTS = ("engine", "points-only", "no-feedback", "no-slots")
NARROW_WINDOWS = (("mon", "tue", "wed", "thu", "fri"), ("15:00-17:00",))


def _organisation(tier: str, kind: str) -> Any:
    from models.generator import generate_organisation

    managers, cases = TIERS[tier]
    geography = "state" if kind.startswith("state") else "county"
    messy = 0.2 if kind in ("messy", "state-messy") else 0.0
    org = generate_organisation(managers, cases, 1, messy=messy, geography=geography)
    if kind == "narrow":
        # A different population: 40 % of clients free only after school, 30 % of managers on three days.
        for index, client in enumerate(org.clients):
            if index % 5 < 2:
                client.availability = NARROW_WINDOWS
        for index, manager in enumerate(org.managers):
            if index % 10 < 3:
                manager.availability = (("mon", "wed", "thu"), ("08:30-16:30",))
    return org.to_config()


def run_one(tier: str, kind: str, variant: str, time_limit: float | None,
            shares: tuple[float, float, float] | None = None) -> dict[str, Any]:
    """One `plan` in this process (`shares`: the plan's assign/schedule/feedback shares instead of
    scheduler/core/budget.py's); the figures as a dict."""
    import scheduler.pipeline as pipeline
    from models.check import check_plan
    from scheduler.core.options import SolveOptions

    config = _organisation(tier, kind)
    if variant == "points-only":
        config.policy.weights.overtime = 0.0
    if variant == "no-feedback":
        pipeline.FEEDBACK_ROUNDS = 0
    if variant == "no-slots":
        # Balancing blind to the weeks' contact slots (as before issue 18): only minutes and points.
        from scheduler.core.week_time import WeekTime

        WeekTime.contact_slots = lambda self, manager: 0  # type: ignore[method-assign]
    if shares is not None:
        pipeline.ASSIGNMENT_SHARE, pipeline.SCHEDULE_SHARE, pipeline.FEEDBACK_SHARE = shares
    options = SolveOptions.from_settings(config.policy.solver, time_limit)
    started = time.perf_counter()
    result = pipeline.plan_week(config, options)
    wall = time.perf_counter() - started
    plan = result.plan
    assert plan is not None, result.message
    summary = plan.summary
    assignment = plan.solver[0]
    own = _own_contacts(config, plan)
    return {**own,
        "tier": tier, "kind": kind, "variant": variant, "time_limit": options.time_limit_s,
        "due": summary.contacts_due, "placed": summary.contacts_scheduled,
        "placed_pct": round(100 * summary.contacts_scheduled / max(1, summary.contacts_due), 2),
        "late": summary.contacts_late, "unplaced": dict(Counter(item.rule for item in plan.unscheduled)),
        "overtime_h": round(summary.overtime_minutes / 60, 1), "over_minutes": summary.managers_over_minutes,
        "hours_used_max": {level.level: level.max_minutes_utilisation for level in plan.levels},
        "travel_h": round(summary.travel_minutes / 60, 1), "moves": summary.moves,
        "objective": assignment.objective, "bound": assignment.bound, "gap": assignment.gap,
        "flagged_no_common_availability": sum(1 for item in plan.assignments
                                              if "no_common_availability" in item.flags),
        "violations": len(check_plan(config, plan)),
        "wall_s": round(wall, 1), "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _placeable(config: Any) -> set[tuple[str, int, int]]:
    """The cases' own due contacts (introductions apart) that some eligible worker could hold at all,
    capacity aside: one the class rules allow (level, skills, language, at work; a locked case only its
    manager) who, on some working day, shares a window with the client long enough for the contact and,
    in person, the drive from the base and back. Judged by the independent checker's own rules
    (models/check.py), not the engine's."""
    from models.check import MeetingCheck, may_carry

    meeting = MeetingCheck(config)
    found: set[tuple[str, int, int]] = set()
    for case in config.cases:
        due = config.due_contacts(case)
        if not due:
            continue
        client = config.clients_by_id[case.client]
        if case.locked and case.manager in config.managers_by_id:
            carriers = [config.managers_by_id[case.manager]]
        else:
            carriers = [manager for manager in config.managers if may_carry(config, case, manager)]
        for contact in due:
            if any(meeting.fits(manager, client, contact.minutes, contact.mode == "in_person") for manager in carriers):
                found.add((case.id, contact.requirement_index, contact.occurrence))
    return found


def _contact_slots(config: Any, plan: Any) -> dict[str, Any]:
    """Weeks that left contacts out for want of room, and how many weeks had more contacts due (with
    introductions) than their working days times `max_contacts_per_day`: a limit balancing does not see."""
    limit = config.policy.scheduling.max_contacts_per_day
    room = ("day_capacity_full", "time_limit")
    due: Counter[str] = Counter(item.manager_id for item in plan.contacts)
    due.update(item.manager_id for item in plan.unscheduled if item.manager_id is not None)
    def working_days(manager_id: str) -> int:
        manager = config.managers_by_id[manager_id]
        return sum(1 for day in config.manager_days(manager) if config.manager_windows(manager, day))

    slots = {manager_id: limit * working_days(manager_id) for manager_id in due}
    beyond = {manager_id: count - slots[manager_id] for manager_id, count in due.items() if count > slots[manager_id]}
    missed = Counter(item.manager_id for item in plan.unscheduled if item.rule in room)
    minutes_used = sum(load.minutes_needed for load in plan.managers) / max(1, sum(
        load.minutes_available for load in plan.managers))
    return {"weeks_missing": len(missed), "missed_for_room": sum(missed.values()),
            "weeks_beyond_slots": len(beyond), "contacts_beyond_slots": sum(beyond.values()),
            "minutes_used_pct": round(100 * minutes_used, 1)}


def _own_contacts(config: Any, plan: Any) -> dict[str, Any]:
    """Placed % of the cases' own due contacts and of those placeable, how far cases sit from their
    worker, and whether every case beyond the drive limit or without a meeting is flagged."""
    from statistics import median

    from scheduler.core.travel import haversine_km

    placeable = _placeable(config)
    own_due = sum(len(config.due_contacts(case)) for case in config.cases)
    placed = {(item.case_id, item.requirement_index, item.occurrence)
              for item in plan.contacts if not item.introduction}
    flags = {item.case_id: set(item.flags) for item in plan.assignments}
    kilometres = []
    for item in plan.assignments:
        manager = config.managers_by_id.get(item.manager_id or "")
        client = config.clients_by_id[config.cases_by_id[item.case_id].client]
        if manager is not None and manager.base is not None and client.location is not None:
            kilometres.append(haversine_km((manager.base.lat, manager.base.lon),
                                           (client.location.lat, client.location.lon)))
    kilometres.sort()
    unflagged_nca = sum(1 for item in plan.unscheduled if item.rule == "no_common_availability"
                        and "no_common_availability" not in flags.get(item.case_id, set()))
    return {
        "own_due": own_due, "own_placed": len(placed),
        "own_placed_pct": round(100 * len(placed) / max(1, own_due), 2),
        "placeable": len(placeable),
        "placed_of_placeable_pct": round(100 * len(placed & placeable) / max(1, len(placeable)), 2),
        "km_median": round(median(kilometres), 1) if kilometres else None,
        "km_p90": round(kilometres[int(0.9 * (len(kilometres) - 1))], 1) if kilometres else None,
        "km_max": round(kilometres[-1], 1) if kilometres else None,
        **_contact_slots(config, plan),
        "flagged_too_far": sum(1 for found in flags.values() if "too_far" in found),
        "unflagged_no_common_availability": unflagged_nca,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiers", default="S,M")
    parser.add_argument("--kinds", default="tidy,messy,narrow,state,state-messy",
                        help="tidy, messy, narrow, state (generate --geography state), state-messy (M and L only)")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--time-limit", type=float, default=None, help="default: the policy's (30 s)")
    parser.add_argument("--plan-shares", default=None,
                        help="assign,schedule,feedback shares of the plan's time (default: scheduler/core/budget.py)")
    args = parser.parse_args()
    shares = None if args.plan_shares is None else tuple(float(part) for part in args.plan_shares.split(","))
    if shares is not None and len(shares) != 3:
        parser.error("--plan-shares takes three numbers: assign,schedule,feedback")
    runs = [(tier, kind, variant) for tier in args.tiers.split(",") for kind in args.kinds.split(",")
            if kind == "tidy" or tier != "S" for variant in args.variants.split(",")]
    print("| tier | population | variant | own placed % of due | of placeable | late | unplaced by reason | "
          "km to worker (median/p90/max) | flagged far/no meeting | unflagged nca | overtime h | travel h | moves | "
          "gap | checker | wall s | peak MB |")
    print("|" + " --- |" * 17)
    slots: list[str] = []
    for tier, kind, variant in runs:
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            row = pool.submit(run_one, tier, kind, variant, args.time_limit, shares).result()
        unplaced = ", ".join(f"{rule} {count}" for rule, count in sorted(row["unplaced"].items())) or "-"
        gap = "-" if row["gap"] is None else f"{row['gap']:.2%}"
        print(f"| {tier} | {kind} | {variant} | {row['own_placed_pct']:.2f} ({row['own_placed']}/{row['own_due']}) | "
              f"{row['placed_of_placeable_pct']:.2f} (of {row['placeable']}) | {row['late']} | {unplaced} | "
              f"{row['km_median']}/{row['km_p90']}/{row['km_max']} | {row['flagged_too_far']}/"
              f"{row['flagged_no_common_availability']} | {row['unflagged_no_common_availability']} | "
              f"{row['overtime_h']} ({row['over_minutes']} mgrs) | {row['travel_h']} | {row['moves']} | {gap} | "
              f"{row['violations']} | {row['wall_s']} | {row['peak_mb']} |", flush=True)
        slots.append(f"| {tier} | {kind} | {variant} | {row['weeks_missing']} | {row['missed_for_room']} | "
                     f"{row['minutes_used_pct']} | {row['weeks_beyond_slots']} | {row['contacts_beyond_slots']} |")
        with open("bench/results/week.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
    print("\n| tier | population | variant | weeks leaving contacts out for room | contacts | minutes used % "
          "(needed / available, all weeks) | weeks with more contacts due than days x max_contacts_per_day | "
          "contacts beyond those slots |")
    print("|" + " --- |" * 8)
    print("\n".join(slots))


if __name__ == "__main__":
    main()
