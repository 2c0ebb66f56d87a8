"""One manager's week as a CP-SAT model with interval variables.

Steps: variables (a presence literal, a start and an optional interval per contact and candidate
day), one function per constraint group (one day per contact, contacts per day, spacing of one
case's contacts, travel circuits with their legs, no overlap of contacts, legs and blocked time,
the busiest day), then the objective as named terms. Placing contacts comes first
lexicographically: one unplaced contact costs more than every late day and soft term together can,
and one day past a contact's deadline more than every soft term together
(`data.objective_weights`). Nothing from CP-SAT leaves this module: `solve_week` returns plain data.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.core.cpsat import new_solver
from scheduler.schedule.data import WEIGHT_SCALE, Placement, PreparedWeek, objective_weights, route_of

# Arcs from each visit to this many nearest other visits of the day (both directions) are offered.
NEAREST_NEIGHBOURS = 4


@dataclass(frozen=True)
class SolveBudget:
    time_limit_s: float
    deterministic_limit: float
    seed: int
    log: bool = False


@dataclass
class WeekSolution:
    """A solved week in plain data: placements and how the solve went."""

    placements: dict[int, Placement]
    status: str  # optimal, feasible, unknown (no solution found)
    objective: float | None = None
    bound: float | None = None
    runtime_s: float = 0.0
    min_unplaced: int = 0  # proven: no schedule leaves fewer contacts out
    unplaced_weight: float = 0.0  # objective cost of one unplaced contact
    stopped_by_clock: bool = False  # the wall-clock backstop, not the deterministic limit, ended it
    terms: dict[str, float] = field(default_factory=dict)
    deterministic_time: float = 0.0  # CP-SAT's own measure of the work done


@dataclass
class _Variables:
    present: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    start: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    interval: dict[tuple[int, int], cp_model.IntervalVar] = field(default_factory=dict)
    placed: dict[int, cp_model.LinearExpr] = field(default_factory=dict)
    arcs: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)  # (day, from, to)
    # (contact, day) -> minutes of the leg into the visit, and where that leg starts
    leg_minutes: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    leg_start: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    # day -> intervals no contact may overlap: legs in and home, lunch, time outside the windows
    busy: dict[int, list[cp_model.IntervalVar]] = field(default_factory=dict)
    idle: dict[int, cp_model.IntVar] = field(default_factory=dict)  # day -> no in-person visit that day
    peak: cp_model.IntVar | None = None


def solve_week(prepared: PreparedWeek, budget: SolveBudget, hint: dict[int, Placement]) -> WeekSolution:
    hint = _canonical(prepared, hint)
    model = cp_model.CpModel()
    variables = _make_variables(model, prepared)
    _one_day_per_contact(model, prepared, variables)
    _contacts_per_day(model, prepared, variables)
    _case_spacing(model, prepared, variables)
    _introductions_first(model, prepared, variables)
    _interchangeable_occurrences_in_order(model, prepared, variables)
    hinted_arcs = set().union(*(_hinted_arcs(prepared, hint, offset) for offset in prepared.day_offsets))
    travel_terms = _travel_circuits(model, prepared, variables, hinted_arcs)
    _blocked_time(model, prepared, variables)
    _no_overlap_per_day(model, prepared, variables)
    terms = _objective_terms(model, prepared, variables, travel_terms)
    big = objective_weights(prepared).unplaced
    placed = cp_model.LinearExpr.sum([variables.placed[c] for c in sorted(variables.placed)])
    soft = cp_model.LinearExpr.weighted_sum([expression for _, expression in terms.values()],
                                            [weight for weight, _ in terms.values()])
    model.minimize(big * (len(variables.placed) - placed) + soft)
    _add_hint(model, prepared, variables, hint, hinted_arcs)
    return _solve(model, prepared, variables, terms, big, budget)


def _make_variables(model: cp_model.CpModel, prepared: PreparedWeek) -> _Variables:
    variables = _Variables()
    for contact, by_day in enumerate(prepared.starts):
        minutes = prepared.week.contacts[contact].minutes
        for offset in sorted(by_day):
            key = (contact, offset)
            present = model.new_bool_var(f"present_{contact}_{offset}")
            start = model.new_int_var_from_domain(cp_model.Domain.from_values(list(by_day[offset])),
                                              f"start_{contact}_{offset}")
            variables.present[key] = present
            variables.start[key] = start
            variables.interval[key] = model.new_optional_fixed_size_interval_var(
                start, minutes, present, f"contact_{contact}_{offset}")
    return variables


def _day_keys(prepared: PreparedWeek, variables: _Variables, offset: int) -> list[tuple[int, int]]:
    return [key for key in sorted(variables.present) if key[1] == offset]


def _one_day_per_contact(model: cp_model.CpModel, prepared: PreparedWeek, variables: _Variables) -> None:
    for contact, by_day in enumerate(prepared.starts):
        if not by_day:
            continue
        literals = [variables.present[(contact, offset)] for offset in sorted(by_day)]
        model.add_at_most_one(literals)
        variables.placed[contact] = cp_model.LinearExpr.sum(literals)


def _no_overlap_per_day(model: cp_model.CpModel, prepared: PreparedWeek, variables: _Variables) -> None:
    """Contacts, travel legs and blocked time of a day never overlap: travel is time."""
    for offset in prepared.day_offsets:
        intervals = [variables.interval[key] for key in _day_keys(prepared, variables, offset)]
        legs = variables.busy.get(offset, [])
        if len(intervals) > 1 or (intervals and legs):
            model.add_no_overlap(intervals + legs)


def _blocked_time(model: cp_model.CpModel, prepared: PreparedWeek, variables: _Variables) -> None:
    """Lunch and the time outside the manager's windows, on days with legs to keep out of them
    (contacts are kept out by their candidate starts already)."""
    for offset in prepared.day_offsets:
        if not variables.busy.get(offset):
            continue
        for start, end in prepared.blocked[offset]:
            variables.busy[offset].append(model.new_fixed_size_interval_var(start, end - start,
                                                                            f"blocked_{offset}_{start}"))


def _contacts_per_day(model: cp_model.CpModel, prepared: PreparedWeek, variables: _Variables) -> None:
    limit = prepared.week.rules.max_contacts_per_day
    for offset in prepared.day_offsets:
        literals = [variables.present[key] for key in _day_keys(prepared, variables, offset)]
        if len(literals) > limit:
            model.add(sum(literals) <= limit)


def _case_spacing(model: cp_model.CpModel, prepared: PreparedWeek, variables: _Variables) -> None:
    """Two contacts of one case sit at least `min_days_between` calendar days apart."""
    gap = prepared.week.rules.min_days_between
    if gap <= 0:
        return
    for first, second in _same_case_pairs(prepared):
        for day_a in sorted(prepared.starts[first]):
            for day_b in sorted(prepared.starts[second]):
                if abs(day_a - day_b) < gap:
                    model.add_bool_or([variables.present[(first, day_a)].negated(),
                                     variables.present[(second, day_b)].negated()])


def _introductions_first(model: cp_model.CpModel, prepared: PreparedWeek, variables: _Variables) -> None:
    """An introduction ends before its case's other contacts start: never on a later day, and on the
    same day before them."""
    for contact, intro in sorted(prepared.introduced_by.items()):
        minutes = prepared.week.contacts[intro].minutes
        for day_intro in sorted(prepared.starts[intro]):
            for day in sorted(prepared.starts[contact]):
                both = [variables.present[(intro, day_intro)], variables.present[(contact, day)]]
                if day_intro > day:
                    model.add_bool_or([literal.negated() for literal in both])
                elif day_intro == day:
                    model.add(variables.start[(intro, day)] + minutes <= variables.start[(contact, day)]
                              ).only_enforce_if(both)


def _same_case_pairs(prepared: PreparedWeek) -> list[tuple[int, int]]:
    by_case: dict[str, list[int]] = {}
    for index, contact in enumerate(prepared.week.contacts):
        by_case.setdefault(contact.case_id, []).append(index)
    return [pair for case_id in sorted(by_case) for pair in itertools.combinations(by_case[case_id], 2)]


def _interchangeable_occurrences_in_order(model: cp_model.CpModel, prepared: PreparedWeek,
                                          variables: _Variables) -> None:
    """Occurrences of one requirement are alike: placed ones form a prefix, in day order.

    This only removes symmetric copies of the same schedule, which spares the search.
    """
    if prepared.week.rules.min_days_between <= 0:
        return
    by_group: dict[str, list[int]] = {}
    for index, contact in enumerate(prepared.week.contacts):
        if prepared.starts[index]:
            by_group.setdefault(contact.group, []).append(index)
    for group in sorted(by_group):
        members = by_group[group]
        for earlier, later in itertools.pairwise(members):
            if prepared.starts[earlier] != prepared.starts[later]:
                continue
            model.add(variables.placed[earlier] >= variables.placed[later])
            day_earlier = sum(offset * variables.present[(earlier, offset)]
                              for offset in sorted(prepared.starts[earlier]))
            for offset in sorted(prepared.starts[later]):
                model.add(day_earlier < offset).only_enforce_if(variables.present[(later, offset)])


def _canonical(prepared: PreparedWeek, hint: dict[int, Placement]) -> dict[int, Placement]:
    """The hint with interchangeable occurrences renamed so that it keeps their order (see above):
    the same schedule, which the model then accepts as it is."""
    if prepared.week.rules.min_days_between <= 0:
        return hint
    renamed = dict(hint)
    by_group: dict[str, list[int]] = {}
    for index, contact in enumerate(prepared.week.contacts):
        if prepared.starts[index]:
            by_group.setdefault(contact.group, []).append(index)
    for group in sorted(by_group):
        runs: list[list[int]] = []
        for member in by_group[group]:
            if runs and prepared.starts[runs[-1][-1]] == prepared.starts[member]:
                runs[-1].append(member)
            else:
                runs.append([member])
        for run in runs:
            slots = sorted(hint[member] for member in run if member in hint)
            for member in run:
                renamed.pop(member, None)
            renamed.update(zip(run, slots, strict=False))
    return renamed


def _travel_circuits(model: cp_model.CpModel, prepared: PreparedWeek, variables: _Variables,
                     hinted_arcs: set[tuple[int, int, int]]) -> list[tuple[int, cp_model.IntVar]]:
    """Per day, a circuit through the base and that day's in-person visits.

    An arc i -> j means j is the next visit after i, so j starts no earlier than i ends plus the
    trip between them: sequence-dependent travel, not a flat buffer. Arcs from and to the base
    restrict the first and last visit to starts where the trip fits the manager's window.
    Returns (minutes, arc literal) pairs for the travel term.
    """
    costs: list[tuple[int, cp_model.IntVar]] = []
    for offset in prepared.day_offsets:
        visits = [contact for contact, day in _day_keys(prepared, variables, offset)
                  if prepared.week.contacts[contact].in_person]
        if not visits:
            continue
        arcs: list[tuple[int, int, cp_model.LiteralT]] = []
        for node, contact in enumerate(visits, start=1):
            present = variables.present[(contact, offset)]
            arcs.append((node, node, present.negated()))
            arcs.append(_base_arc(model, prepared, variables, offset, contact, node, costs, leaving=True))
            arcs.append(_base_arc(model, prepared, variables, offset, contact, node, costs, leaving=False))
        kept = _near_arcs(prepared, offset, visits, hinted_arcs)
        for (node_a, a), (node_b, b) in itertools.permutations(enumerate(visits, start=1), 2):
            if (a, b) not in kept:
                continue
            literal = model.new_bool_var(f"next_{offset}_{a}_{b}")
            minutes = prepared.travel[a][b]
            model.add(variables.start[(b, offset)] >= variables.start[(a, offset)]
                      + prepared.week.contacts[a].minutes + minutes).only_enforce_if(literal)
            variables.arcs[(offset, a, b)] = literal
            arcs.append((node_a, node_b, literal))
            if minutes:
                costs.append((minutes, literal))
        variables.idle[offset] = model.new_bool_var(f"no_visits_{offset}")
        arcs.append((0, 0, variables.idle[offset]))
        model.add_circuit(arcs)
        for contact in visits:
            _legs_of_visit(model, prepared, variables, offset, contact)
    return costs


def _legs_of_visit(model: cp_model.CpModel, prepared: PreparedWeek, variables: _Variables, offset: int,
                   contact: int) -> None:
    """The leg into the visit, [start - minutes of the arc taken in, start), and the leg home after
    it when it is the day's last, [end, end + trip to the base): both occupy the manager."""
    key = (contact, offset)
    incoming = [(prepared.base_travel[contact] if source == -1 else prepared.travel[source][contact], literal)
                for (day, source, target), literal in sorted(variables.arcs.items())
                if day == offset and target == contact and source != -2]
    busy = variables.busy.setdefault(offset, [])
    longest = max((minutes for minutes, _ in incoming), default=0)
    start = variables.start[key]
    if longest:
        minutes = model.new_int_var(0, longest, f"leg_minutes_{contact}_{offset}")
        model.add(minutes == sum(value * literal for value, literal in incoming if value))
        first = prepared.starts[contact][offset][0]
        last = prepared.starts[contact][offset][-1]
        leg_start = model.new_int_var(first - longest, last, f"leg_start_{contact}_{offset}")
        busy.append(model.new_optional_interval_var(leg_start, minutes, start, variables.present[key],
                                                    f"leg_{contact}_{offset}"))
        variables.leg_minutes[key] = minutes
        variables.leg_start[key] = leg_start
    home = prepared.base_travel[contact]
    if home:
        end = start + prepared.week.contacts[contact].minutes
        busy.append(model.new_optional_fixed_size_interval_var(end, home, variables.arcs[(offset, -2, contact)],
                                                               f"home_{contact}_{offset}"))


def _base_arc(model: cp_model.CpModel, prepared: PreparedWeek, variables: _Variables, offset: int,
              contact: int, node: int, costs: list[tuple[int, cp_model.IntVar]],
              *, leaving: bool) -> tuple[int, int, cp_model.LiteralT]:
    """The arc base -> visit (`leaving`) or visit -> base, with the starts it allows."""
    base_node = -1 if leaving else -2
    literal = model.new_bool_var(f"{'out' if leaving else 'home'}_{offset}_{contact}")
    allowed = (prepared.first_ok if leaving else prepared.last_ok)[contact][offset]
    if len(allowed) < len(prepared.starts[contact][offset]):
        model.add_linear_expression_in_domain(variables.start[(contact, offset)],
                                          cp_model.Domain.from_values(list(allowed))).only_enforce_if(literal)
    variables.arcs[(offset, base_node, contact)] = literal
    if prepared.base_travel[contact]:
        costs.append((prepared.base_travel[contact], literal))
    return (0, node, literal) if leaving else (node, 0, literal)


def _near_arcs(prepared: PreparedWeek, offset: int, visits: list[int],
               hinted_arcs: set[tuple[int, int, int]]) -> set[tuple[int, int]]:
    """Arcs worth offering the solver: to each visit's nearest neighbours, plus the hint's arcs.

    Long hops between far-apart clients are never part of a good route; leaving them out keeps the
    model small. The hint's own arcs stay, so the hint remains a solution.
    """
    kept: set[tuple[int, int]] = set()
    for a in visits:
        options = sorted((prepared.travel[a][b], b) for b in visits
                         if b != a and _arc_possible(prepared, offset, a, b))
        kept.update((a, b) for _, b in options[:NEAREST_NEIGHBOURS])
        kept.update((b, a) for _, b in options[:NEAREST_NEIGHBOURS])
    kept.update((a, b) for day, a, b in hinted_arcs if day == offset and a >= 0)
    return kept


def _arc_possible(prepared: PreparedWeek, offset: int, a: int, b: int) -> bool:
    """Whether b can follow a on this day at all (cheap pruning of the circuit)."""
    if prepared.week.rules.min_days_between > 0 and (
            prepared.week.contacts[a].case_id == prepared.week.contacts[b].case_id):
        return False
    earliest_end = prepared.starts[a][offset][0] + prepared.week.contacts[a].minutes
    return earliest_end + prepared.travel[a][b] <= prepared.starts[b][offset][-1]


Term = tuple[int, cp_model.LinearExprT]


def _objective_terms(model: cp_model.CpModel, prepared: PreparedWeek, variables: _Variables,
                     travel_costs: list[tuple[int, cp_model.IntVar]]) -> dict[str, Term]:
    """Named terms with their scaled weights (`data.objective_weights`); a zero weight adds no term."""
    weights = objective_weights(prepared)
    terms: dict[str, Term] = {}
    late_days = [(prepared.late_days(contact, offset), literal)
                 for (contact, offset), literal in sorted(variables.present.items())]
    if any(days for days, _ in late_days):
        terms["late"] = (weights.late, sum(days * literal for days, literal in late_days if days))
    early_weight = weights.soft.get("early", 0)
    if early_weight:
        first_day = min(prepared.day_offsets, default=0)
        terms["early"] = (early_weight, sum(
            prepared.week.contacts[contact].urgency * (offset - first_day) * literal
            for (contact, offset), literal in sorted(variables.present.items())))
    balance_weight = weights.soft.get("balance", 0)
    if balance_weight:
        terms["balance"] = (balance_weight, _busiest_day_minutes(model, prepared, variables))
    travel_weight = weights.soft.get("travel", 0)
    if travel_weight and travel_costs:
        terms["travel"] = (travel_weight, sum(minutes * literal for minutes, literal in travel_costs))
    return terms


def _busiest_day_minutes(model: cp_model.CpModel, prepared: PreparedWeek,
                         variables: _Variables) -> cp_model.IntVar:
    total = sum(contact.minutes for contact in prepared.week.contacts)
    peak = model.new_int_var(0, total, "busiest_day_minutes")
    for offset in prepared.day_offsets:
        keys = _day_keys(prepared, variables, offset)
        if keys:
            model.add(peak >= sum(prepared.week.contacts[c].minutes * variables.present[(c, d)]
                                  for c, d in keys))
    variables.peak = peak
    return peak


def _add_hint(model: cp_model.CpModel, prepared: PreparedWeek, variables: _Variables,
              hint: dict[int, Placement], hinted_arcs: set[tuple[int, int, int]]) -> None:
    """A complete hint (every variable), so the search starts from the heuristic schedule at once."""
    for (contact, offset), literal in sorted(variables.present.items()):
        chosen = hint.get(contact)
        on_this_day = chosen is not None and chosen[0] == offset
        model.add_hint(literal, on_this_day)
        start = chosen[1] if chosen is not None and on_this_day else prepared.starts[contact][offset][0]
        model.add_hint(variables.start[(contact, offset)], start)
    for arc, literal in sorted(variables.arcs.items()):
        model.add_hint(literal, arc in hinted_arcs)
    for key, leg_minutes in sorted(variables.leg_minutes.items()):
        contact, offset = key
        chosen = hint.get(contact)
        leg = _hinted_leg(prepared, hint, contact, offset) if chosen is not None and chosen[0] == offset else 0
        start = chosen[1] if chosen is not None and chosen[0] == offset else prepared.starts[contact][offset][0]
        model.add_hint(leg_minutes, leg)
        model.add_hint(variables.leg_start[key], start - leg)
    busy_days = {day for day, a, _ in hinted_arcs if a == -1}
    for offset, literal in sorted(variables.idle.items()):
        model.add_hint(literal, offset not in busy_days)
    if variables.peak is not None:
        minutes: dict[int, int] = {}
        for contact, (offset, _) in hint.items():
            minutes[offset] = minutes.get(offset, 0) + prepared.week.contacts[contact].minutes
        model.add_hint(variables.peak, max(minutes.values(), default=0))


def _hinted_leg(prepared: PreparedWeek, hint: dict[int, Placement], contact: int, offset: int) -> int:
    route = route_of(prepared, {c: start for c, (day, start) in hint.items() if day == offset})
    position = route.index(contact)
    return prepared.base_travel[contact] if position == 0 else prepared.travel[route[position - 1]][contact]


def _hinted_arcs(prepared: PreparedWeek, hint: dict[int, Placement], offset: int) -> set[tuple[int, int, int]]:
    visits = sorted((start, contact) for contact, (day, start) in hint.items()
                    if day == offset and prepared.week.contacts[contact].in_person)
    order = [contact for _, contact in visits]
    if not order:
        return set()
    arcs = {(offset, -1, order[0]), (offset, -2, order[-1])}
    arcs.update((offset, a, b) for a, b in itertools.pairwise(order))
    return arcs


def _solve(model: cp_model.CpModel, prepared: PreparedWeek, variables: _Variables, terms: dict[str, Term],
           unplaced_weight: int, budget: SolveBudget) -> WeekSolution:
    """Solve and convert back to plain data in one place."""
    # One thread: parallelism comes from solving managers in separate processes.
    solver = new_solver(workers=1, seed=budget.seed, time_limit_s=budget.time_limit_s, log=budget.log)
    params = solver.parameters
    # Deterministic time bounds the search the same way on every run, so the same seed gives
    # the same schedule; the wall-clock limit above is only a backstop.
    params.max_deterministic_time = budget.deterministic_limit
    # Probing in presolve costs more wall time than it saves on these small models.
    params.cp_model_probing_level = 0
    started = time.perf_counter()
    status = solver.solve(model)
    runtime = time.perf_counter() - started
    stopped_by_clock = status != cp_model.OPTIMAL and runtime >= 0.98 * budget.time_limit_s
    work = solver.response_proto.deterministic_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return WeekSolution({}, "unknown", runtime_s=runtime, unplaced_weight=unplaced_weight / WEIGHT_SCALE,
                            stopped_by_clock=stopped_by_clock, deterministic_time=work)
    # Any schedule leaving U contacts out costs at most U * weight + (weight - 1), so a bound B
    # proves that at least floor(B / weight) must stay out.
    placements = {contact: (offset, solver.value(variables.start[(contact, offset)]))
                  for (contact, offset), literal in sorted(variables.present.items())
                  if solver.boolean_value(literal)}
    unplaced = sum(1 for contact in range(len(prepared.week.contacts)) if contact not in placements)
    # No week costs less than nothing (unplaced contacts, travel, lateness and the busiest day are
    # all counts), but CP-SAT's bound of a cut search can be far below zero (child-welfare: -3,987
    # for one week, a summed bound of -162 and a "gap" of 101 %): zero is the better valid bound.
    bound = max(0.0, solver.best_objective_bound)
    return WeekSolution(
        placements=placements,
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        objective=solver.objective_value / WEIGHT_SCALE,
        bound=bound / WEIGHT_SCALE,
        runtime_s=runtime,
        min_unplaced=unplaced if status == cp_model.OPTIMAL else int(bound // unplaced_weight),
        unplaced_weight=unplaced_weight / WEIGHT_SCALE,
        stopped_by_clock=stopped_by_clock,
        terms={name: float(solver.value(expression)) for name, (_, expression) in terms.items()},
        deterministic_time=work,
    )
