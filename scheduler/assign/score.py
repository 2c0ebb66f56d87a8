"""The assignment objective as a function of a plan: one definition for the engine, peers and tests.

    objective = sum over `terms.TERMS` of  weight x raw quantity, i.e.
              w_unassigned x unassigned points
              + w_overload   x (points over capacity + cases over max_cases, summed over managers)
              + w_balance    x balance (percentage points)
              + w_moves      x moves
              + w_region     x region mismatches
              + w_preference x preference misses
              + w_overtime   x overtime (hours)

* points and capacities are counted in hundredths (`assign_data.scaled`), exactly as the model does;
* balance = for every level that has managers, its peak utilisation, plus the overall peak; each
  utilisation is load / capacity in whole percent rounded up (`UTILISATION_UNITS`), e.g. 0.8123
  counts as 82 percentage points;
* moves = cases that had a manager and now have another one or none;
* region mismatches = assigned cases whose client and manager both have a region, and differ;
* preference misses = assigned cases whose client's preferred_manager may carry them (as kept when
  they hold the case, as new work otherwise) but is not their manager;
* overtime = per manager, the minutes of due contacts plus estimated travel beyond the minutes the
  week holds (scheduler/core/week_time.py), or, when more, its due contacts beyond the week's contact
  slots (`max_contacts_per_day` on each working day) at the week's minutes per slot, rounded up; in
  hours. The model weighs it per minute at the hourly weight / 60, rounded to 1/10,000 of a unit.

The engine's objective is exactly this function (weights to 0.01), so HiGHS and greedy plans are
scored on the same scale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from models.organisation import Config
from models.plan import Plan
from scheduler.assign.data import POINT_SCALE, UTILISATION_UNITS, scaled
from scheduler.assign.terms import TERMS
from scheduler.core.eligibility import Eligibility
from scheduler.core.week_time import WeekTime


def score_assignment(config: Config, chosen: Mapping[str, str | None],
                     minutes_held: Mapping[str, int] | None = None) -> dict[str, float]:
    """Raw quantities, weighted terms and `objective` of a case -> manager choice (`minutes_held`: weeks
    cut to what the schedule found they hold, as `data.build_data` takes them)."""
    held = minutes_held or {}
    load: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    week = WeekTime(config)
    minutes: dict[str, int] = defaultdict(int)
    contacts: dict[str, int] = defaultdict(int)
    unassigned = moves = region = 0
    misses = preference_misses(config, chosen)
    for case in config.cases:
        manager_id = chosen.get(case.id)
        points = scaled(config.case_points(case))
        if case.manager is not None and manager_id != case.manager:
            moves += 1
        if manager_id is None:
            unassigned += points
            continue
        load[manager_id] += points
        count[manager_id] += 1
        minutes[manager_id] += week.case_minutes(case, config.managers_by_id[manager_id])
        contacts[manager_id] += week.contacts(case)
        client_region = config.clients_by_id[case.client].region
        manager_region = config.managers_by_id[manager_id].region
        if client_region is not None and manager_region is not None and client_region != manager_region:
            region += 1
    over = excess = overtime = 0
    peaks: dict[str, int] = {}
    for manager in config.managers:
        available = week.available_minutes(manager)
        available = min(available, held.get(manager.id, available))
        beyond = minutes[manager.id] - available
        slots = week.contact_slots(manager)
        if slots and contacts[manager.id] > slots:
            # A contact beyond the week's slots counts the week's minutes per slot (rounded up).
            beyond = max(beyond, -(-(contacts[manager.id] - slots) * available // slots))
        overtime += max(0, beyond)
        capacity = scaled(config.capacity_points(manager))
        over += max(0, load[manager.id] - capacity)
        excess += max(0, count[manager.id] - config.max_cases(manager))
        per_unit = -(-UTILISATION_UNITS * load[manager.id] // capacity)
        peaks[manager.level] = max(peaks.get(manager.level, 0), per_unit)
    balance_units = sum(peaks.values()) + max(peaks.values(), default=0)
    weights = config.policy.weights
    quantities = {  # the raw quantity of each named term
        "unassigned": unassigned / POINT_SCALE,
        "overload": over / POINT_SCALE + excess,
        "balance": balance_units * 100 / UTILISATION_UNITS,
        "moves": float(moves),
        "region": float(region),
        "preference": float(misses),
        "overtime": overtime / 60,
    }
    raw = {term.name: quantities[term.name] for term in TERMS}
    weighted = {term.name: term.weight(weights) * raw[term.name] for term in TERMS}
    result = {f"{name}_raw": value for name, value in raw.items()}
    result.update(weighted)
    result["objective"] = round(sum(weighted.values()), 6)
    return result


def preference_misses(config: Config, chosen: Mapping[str, str | None]) -> int:
    """Assigned cases away from their client's preferred manager while that manager may carry them."""
    preferring = [case for case in config.cases if config.clients_by_id[case.client].preferred_manager is not None]
    if not preferring:
        return 0
    eligibility = Eligibility(config)
    misses = 0
    for case in preferring:
        manager_id = chosen.get(case.id)
        preferred = str(config.clients_by_id[case.client].preferred_manager)
        if manager_id is None or manager_id == preferred or preferred not in config.managers_by_id:
            continue
        as_given = case if case.manager == preferred else case.model_copy(update={"manager": None, "locked": False})
        if eligibility.refusal(as_given, preferred) is None:
            misses += 1
    return misses


def score_plan(config: Config, plan: Plan, minutes_held: Mapping[str, int] | None = None) -> dict[str, float]:
    """`score_assignment` of a plan's assignments (cases missing from the plan count as unassigned)."""
    return score_assignment(config, {item.case_id: item.manager_id for item in plan.assignments}, minutes_held)
