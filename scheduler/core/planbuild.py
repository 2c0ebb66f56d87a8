"""Turn a chosen assignment (case -> manager or None) into a `models.Plan`, in one place.

Every solver stage (balancing, rebalancing, staffing, what-if) ends here, so loads, utilisation and
summaries are computed one way only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping

from models.organisation import Case, Config, Manager
from models.plan import (
    Assignment,
    LevelSummary,
    ManagerLoad,
    Move,
    Plan,
    PlanSummary,
    SolverStats,
    UnassignedCase,
)
from models.reasons import phrase, reason_text
from scheduler.core.eligibility import Eligibility
from scheduler.core.reasons import Reason, default_reason
from scheduler.core.week_time import WeekTime


def build_plan(
    config: Config,
    chosen: Mapping[str, str | None],
    *,
    move_reasons: Mapping[str, Reason] | None = None,
    unassigned_reasons: Mapping[str, Reason] | None = None,
    solver: list[SolverStats] | None = None,
    eligibility: Eligibility | None = None,
    capacity_share: float = 1.0,
) -> Plan:
    """The plan for `chosen` (every case id -> manager id, or None for unassigned).

    An assigned case carries the flags of its pair (`Eligibility.pair_flags`: too_far, no_common_availability;
    pass the stage's `eligibility` to reuse its look-ups). An unassigned case said to find every eligible
    manager full is checked against the loads (filled to `capacity_share` of capacity: staffing's target),
    and named `weighed_out` where a manager who may take it has room."""
    eligibility = eligibility or Eligibility(config)
    move_reasons = move_reasons or {}
    unassigned_reasons = unassigned_reasons or {}
    assignments: list[Assignment] = []
    moves: list[Move] = []
    unassigned: list[UnassignedCase] = []
    for case in config.cases:
        manager_id = chosen.get(case.id)
        points = config.case_points(case)
        moved = manager_id is not None and manager_id != case.manager
        reason = move_reasons.get(case.id) if moved else None
        if moved and reason is None:
            reason = _default_move_reason(case)
        assignments.append(Assignment(
            case_id=case.id, client_id=case.client, manager_id=manager_id,
            previous_manager_id=case.manager, moved=moved,
            reason=reason.reason if reason else ("" if manager_id else phrase("unassigned")), points=points,
            flags=[] if manager_id is None else eligibility.pair_flags(case, manager_id),
        ))
        if moved and manager_id is not None and reason is not None:
            moves.append(Move(case_id=case.id, client_id=case.client, from_manager=case.manager,
                              to_manager=manager_id, points=points, rule=reason.rule, reason=reason.reason))
        if manager_id is None:
            why = unassigned_reasons.get(case.id) or default_reason("capacity_exhausted")
            unassigned.append(UnassignedCase(case_id=case.id, client_id=case.client, points=points,
                                             rule=why.rule, reason=why.reason))
    loads = manager_loads(config, chosen, eligibility.week_time)
    unassigned = _true_capacity_claims(config, eligibility, chosen, {load.manager_id: load for load in loads},
                                       unassigned, capacity_share)
    return Plan(
        week_start=config.week_start,
        summary=_summary(config, loads, assignments, unassigned, moves, chosen),
        managers=loads,
        levels=level_summaries(config, loads),
        assignments=assignments,
        moves=moves,
        unassigned=unassigned,
        solver=solver or [],
    )


def _true_capacity_claims(config: Config, eligibility: Eligibility, chosen: Mapping[str, str | None],
                          loads: Mapping[str, ManagerLoad], unassigned: list[UnassignedCase],
                          capacity_share: float) -> list[UnassignedCase]:
    """`capacity_exhausted` only where no manager who may take the case (with the household's other cases
    left for the same reason) has room for it in points, cases, new cases within the intake cap and, when
    overtime is weighed, minutes.
    Where one has, the solver left it out because the policy's weights make placing it dearer than
    leaving it (a 1-point case raising a 1-point manager's peak by 100 points of balance): `weighed_out`,
    naming that manager."""
    listed = {entry.case_id for entry in unassigned if entry.rule == "capacity_exhausted"}
    received = new_cases(config, chosen)
    found: list[UnassignedCase] = []
    for entry in unassigned:
        roomy = None
        if entry.case_id in listed:
            case = config.cases_by_id[entry.case_id]
            group = [other for other in _household(config, case) if other.id == case.id or other.id in listed]
            roomy = next((manager for manager in _household_takers(config, case, chosen)
                          if _room_for(config, eligibility, loads[manager.id], received[manager.id], group, manager,
                                       capacity_share)), None)
        if roomy is None:
            found.append(entry)
        else:
            found.append(entry.model_copy(update={"rule": "weighed_out", "reason": reason_text(
                "weighed_out", manager=roomy.id)}))
    return found


def _household(config: Config, case: Case) -> list[Case]:
    if not config.policy.households_together:
        return [case]
    return config.cases_by_household[config.clients_by_id[case.client].household_key]


def _household_takers(config: Config, case: Case, chosen: Mapping[str, str | None]) -> list[Manager]:
    """Who the household rule lets `case` go to: its household's locked cases' managers, else the manager
    its household's placed cases went to, else anyone."""
    household = _household(config, case)
    tied = sorted({str(other.manager) for other in household if other.locked and other.manager is not None})
    if not tied:
        tied = sorted({str(chosen[other.id]) for other in household
                       if other.id != case.id and chosen.get(other.id) is not None})
    if tied:
        return [config.managers_by_id[manager_id] for manager_id in tied if manager_id in config.managers_by_id]
    return list(config.managers)


def new_cases(config: Config, chosen: Mapping[str, str | None]) -> Counter[str]:
    """Cases new to each manager under `chosen` (intake placed with them, cases moved to them): what
    their intake caps count."""
    new: Counter[str] = Counter()
    for case in config.cases:
        manager_id = chosen.get(case.id)
        if manager_id is not None and manager_id != case.manager:
            new[manager_id] += 1
    return new


def _room_for(config: Config, eligibility: Eligibility, load: ManagerLoad, received: int, group: list[Case],
              manager: Manager, capacity_share: float) -> bool:
    """Whether `manager` may take every case of `group` within capacity, case limit, intake cap (`received`:
    the cases already new to them) and, when overtime is weighed, the week's minutes."""
    for case in group:
        as_given = case if case.manager == manager.id else case.model_copy(update={"manager": None, "locked": False})
        if eligibility.refusal(as_given, manager.id) is not None:
            return False
    points = sum(config.case_points(case) for case in group)
    if load.load + points > capacity_share * load.capacity + 1e-9 or load.cases + len(group) > load.max_cases:
        return False
    cap = config.intake_cap(manager)
    if cap is not None and received + sum(case.manager != manager.id for case in group) > cap:
        return False
    if not config.policy.weights.overtime:
        return True
    week = eligibility.week_time
    return load.minutes_needed + sum(week.case_minutes(case, manager) for case in group) <= load.minutes_available


def _default_move_reason(case: Case) -> Reason:
    return default_reason("new_intake" if case.manager is None else "balance")


def manager_loads(config: Config, chosen: Mapping[str, str | None],
                  week: WeekTime | None = None) -> list[ManagerLoad]:
    week = week or WeekTime(config)
    load: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    minutes: dict[str, int] = defaultdict(int)
    for case in config.cases:
        manager_id = chosen.get(case.id)
        if manager_id is not None:
            load[manager_id] += config.case_points(case)
            count[manager_id] += 1
            minutes[manager_id] += week.case_minutes(case, config.managers_by_id[manager_id])
    return [_manager_load(config, manager, load[manager.id], count[manager.id], minutes[manager.id],
                          week.available_minutes(manager)) for manager in config.managers]


def _manager_load(config: Config, manager: Manager, load: float, cases: int, needed: int,
                  available: int) -> ManagerLoad:
    capacity = config.capacity_points(manager)
    return ManagerLoad(
        manager_id=manager.id, level=manager.level, region=manager.region, cases=cases,
        max_cases=config.max_cases(manager), load=round(load, 6), capacity=round(capacity, 6),
        utilisation=round(load / capacity, 6), overload=round(max(0.0, load - capacity), 6),
        minutes_available=available, minutes_needed=needed,
        # A week with no minutes (on leave all week) has no share to use: its need is all overtime.
        minutes_utilisation=round(needed / available, 6) if available else 0.0,
        overtime_minutes=max(0, needed - available),
    )


def level_summaries(config: Config, loads: list[ManagerLoad]) -> list[LevelSummary]:
    by_level: dict[str, list[ManagerLoad]] = defaultdict(list)
    for load in loads:
        by_level[load.level].append(load)
    summaries = []
    for level in config.policy.levels:
        members = by_level.get(level.name, [])
        utilisations = [member.utilisation for member in members]
        minutes = [member.minutes_utilisation for member in members]
        summaries.append(LevelSummary(
            level=level.name, managers=len(members), cases=sum(member.cases for member in members),
            load=round(sum(member.load for member in members), 6),
            capacity=round(sum(member.capacity for member in members), 6),
            max_utilisation=max(utilisations, default=0.0),
            mean_utilisation=round(sum(utilisations) / len(utilisations), 6) if utilisations else 0.0,
            max_minutes_utilisation=max(minutes, default=0.0),
            mean_minutes_utilisation=round(sum(minutes) / len(minutes), 6) if minutes else 0.0,
        ))
    return summaries


def region_mismatches(config: Config, chosen: Mapping[str, str | None]) -> int:
    count = 0
    for case in config.cases:
        manager_id = chosen.get(case.id)
        if manager_id is None:
            continue
        client_region = config.clients_by_id[case.client].region
        manager_region = config.managers_by_id[manager_id].region
        if client_region is not None and manager_region is not None and client_region != manager_region:
            count += 1
    return count


def _summary(config: Config, loads: list[ManagerLoad], assignments: list[Assignment],
             unassigned: list[UnassignedCase], moves: list[Move],
             chosen: Mapping[str, str | None]) -> PlanSummary:
    return PlanSummary(
        managers=len(config.managers),
        cases=len(config.cases),
        assigned_cases=len(assignments) - len(unassigned),
        unassigned_cases=len(unassigned),
        unassigned_points=round(sum(item.points for item in unassigned), 6),
        total_load=round(sum(load.load for load in loads), 6),
        total_capacity=round(sum(load.capacity for load in loads), 6),
        max_utilisation=max((load.utilisation for load in loads), default=0.0),
        overloaded_managers=sum(1 for load in loads if load.overloaded),
        overload_points=round(sum(load.overload for load in loads), 6),
        moves=sum(1 for move in moves if move.from_manager is not None),
        placements=sum(1 for move in moves if move.from_manager is None),
        region_mismatches=region_mismatches(config, chosen),
        overtime_minutes=sum(load.overtime_minutes for load in loads),
        managers_over_minutes=sum(1 for load in loads if load.overtime_minutes > 0),
    )


def current_assignment(config: Config) -> dict[str, str | None]:
    """The assignment as it stands in the config (no solving)."""
    return {case.id: case.manager for case in config.cases}
