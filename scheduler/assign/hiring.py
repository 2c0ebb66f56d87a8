"""The hiring model: the fewest hires that serve every case with every manager within a target
utilisation. It extends the assignment model with hire columns, so it lives in this stage;
`scheduler.staffing.plan_staffing` is the entry point on top.

Entry: `fewest_hires(config, target_utilisation, options, by_region=False) -> Result[StaffingAnswer]`.

The question is solved as one optimisation with integer hire variables, built on the assignment
engine's aggregated model (`scheduler.assign.model.AssignmentModel` over `assign_data` bundles and
item types: households stay whole, locked cases stay, eligibility is the assignment's). What
staffing adds:

* **Target capacity.** Every manager's room is `floor(U x capacity)` (hard), case counts stay
  within `max_cases` (hard). Locked cases are fixed load; if they alone exceed U the manager is
  reported, hiring cannot fix it.
* **Hire profiles.** A hire of level L (in region R with `--by-region`, which also keeps hires to
  their region's clients) speaks the organisation's most common client language, plus one other
  language for each other language clients speak (one profile per language), and holds every
  skill the case types require (new staff are trained for every case type). Hires are full-time.
* **Objective, most important first:** cases left unserved (only those no hire could carry, e.g.
  a complexity no level may hold, or a household tied to a full locked manager); then the number
  of hires (= FTE hired); then the cheaper levels (sum of level ranks: a junior before a senior).
  The weights make this order strict (lexicographic).

Two solves, one model family:

1. **Pool** (a relaxation, gives the bound): per hire profile one integer count `hires[g]`, its
   hires act as one pool with room `hires[g] x floor(U x capacity)` and `hires[g] x max_cases`
   cases. Existing managers are individual, as in the assignment. Its proven bound is a lower
   bound of the exact problem's objective.
2. **Exact**: per profile `hires[g] + 1` individual candidate managers, each with an `active`
   boolean (room 0 unless active; active[k] >= active[k+1] breaks symmetry). Its solution is a
   concrete assignment; when its cost equals the pool bound it is proven minimal.

The result carries the config with the hires added and the plan (through `planbuild.build_plan`)
as proof: every case served, every manager within U and max_cases; `models.check.check_plan`
re-verifies it. Slack: a third solve (hires fixed) frees as many current managers as possible —
managers whose cases the others can absorb within U.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

from ortools.sat.python import cp_model

from models.organisation import Config, Manager
from models.plan import SolverStats
from models.result import Result
from models.staffing import HireCount, HireProfile, StaffingAnswer
from scheduler.assign.convert import chosen_from_counts, counts_from_chosen, move_reasons, unassigned_reasons
from scheduler.assign.data import POINT_SCALE, AssignmentData, Counts, build_data
from scheduler.assign.model import AssignmentModel, Coefficients, CpSatBackend, Terms, Var
from scheduler.core.budget import MIN_STEP_S, Budget
from scheduler.core.clock import BACKSTOP_NOTE
from scheduler.core.cpsat import new_solver
from scheduler.core.options import SolveOptions
from scheduler.core.planbuild import build_plan

# Above this many received[m, t] columns, existing managers receive only same-region item types.
EXACT_MODEL_COLUMNS = 60_000
_POOL_SHARE = 0.4
_EXACT_SHARE = 0.4


# --------------------------------------------------------------------------------------------
# Profiles
# --------------------------------------------------------------------------------------------


def hire_profiles(config: Config, by_region: bool) -> list[HireProfile]:
    """Every (level, region, language) profile a hire may have, sorted (cheapest level first)."""
    languages = Counter(config.clients_by_id[case.client].language for case in config.cases)
    if not languages:
        return []
    main = min(languages, key=lambda language: (-languages[language], language))
    skills = tuple(sorted({skill for case_type in config.policy.case_types.values() for skill in case_type.skills}))
    regions: list[str | None] = [None]
    if by_region:
        found = sorted({config.clients_by_id[case.client].region or "" for case in config.cases})
        regions = [region or None for region in found]
    profiles = []
    for rank, level in enumerate(config.policy.levels):
        for region in regions:
            for language in sorted(languages):
                extra = None if language == main else language
                spoken = tuple(sorted({main, language}))
                profiles.append(HireProfile(rank, region, spoken, extra, level.name, skills))
    return sorted(profiles)


def _with_managers(config: Config, added: Sequence[Manager]) -> Config:
    return config.rebuilt(managers=[*config.managers, *added])


def _target_data(config: Config, target: float) -> AssignmentData:
    """The assignment data with every manager's room cut to floor(U x capacity)."""
    data = build_data(config)
    data.managers = [replace(manager, capacity=math.floor(target * manager.capacity + 1e-9))
                     for manager in data.managers]
    return data


def _candidates(data: AssignmentData, hire_region: Mapping[int, str | None], by_region: bool,
                exact: bool) -> dict[int, list[int]]:
    """Receivers per item type: hires of the type's region (with --by-region); existing managers all
    (exact) or same-region only (large instances)."""
    candidates: dict[int, list[int]] = {}
    for item in data.types:
        regions = {region for region in item.regions if region is not None}
        chosen = []
        for manager in item.receivers:
            if manager in hire_region:
                one = data.managers[manager]
                if item.points > one.capacity or item.cases > one.max_cases:
                    continue  # one hire must carry the whole bundle (pools share rooms, bundles don't split)
                region = hire_region[manager]
                if by_region and regions and region not in regions:
                    continue
                if by_region and len(regions) > 1:
                    continue  # a household across regions: not for a regional hire
            elif not exact and regions and data.managers[manager].region not in regions:
                continue
            chosen.append(manager)
        candidates[item.index] = chosen
    return candidates


# --------------------------------------------------------------------------------------------
# The model: assignment model + hire variables
# --------------------------------------------------------------------------------------------


@dataclass
class _HireModel:
    """The assignment model plus hire counts (pool) or hire booleans (exact), and freeable managers."""

    backend: CpSatBackend
    model: AssignmentModel
    hires: dict[int, Var]
    rank_of: dict[int, int]  # hire manager index -> level rank
    rooms: dict[int, tuple[int, int]]  # hire manager index -> (room, case room) of one hire
    freed: dict[int, Var] = field(default_factory=dict)

    def variables(self) -> list[Var]:
        model = self.model
        return [*(model.kept[key] for key in sorted(model.kept)),
                *(model.received[key] for key in sorted(model.received)),
                *(model.unassigned[key] for key in sorted(model.unassigned)),
                *(self.hires[key] for key in sorted(self.hires)),
                *(self.freed[key] for key in sorted(self.freed))]

    def term(self, name: str) -> Terms:
        """Named objective terms: unserved (scaled points), hires (count), ranks (level rank per hire)."""
        if name == "unserved":
            return self.model.term("unassigned")[0]
        if name == "hires":
            return [(self.hires[key], 1) for key in sorted(self.hires)]
        if name == "ranks":
            return [(self.hires[key], self.rank_of[key]) for key in sorted(self.hires) if self.rank_of[key]]
        if name == "kept_staff":
            return [(self.freed[key], -1) for key in sorted(self.freed)]
        raise KeyError(name)

    def evaluate(self, name: str, values: Mapping[int, int]) -> int:
        return sum(coef * values.get(var.index, 0) for var, coef in self.term(name))

    def limit(self, name: str, value: int) -> None:
        """Keep a stage's result while a later stage optimises the next term."""
        self.backend.constraint(self.term(name), None, value, f"limit[{name}]")


def _load_terms(model: AssignmentModel) -> dict[int, tuple[Terms, Terms]]:
    """Per manager: (load in scaled points, case count) as terms over its kept/received variables."""
    terms: dict[int, tuple[Terms, Terms]] = {}
    for source in (model.kept, model.received):
        for (manager, index), var in sorted(source.items(), key=lambda entry: entry[0]):
            item = model.data.types[index]
            load, cases = terms.setdefault(manager, ([], []))
            load.append((var, item.points))
            cases.append((var, item.cases))
    return terms


def _build(data: AssignmentData, candidates: Mapping[int, Sequence[int]], unit_rooms: Mapping[int, tuple[int, int]],
           upper: Mapping[int, int], rank_of: Mapping[int, int], groups: Sequence[Sequence[int]]) -> _HireModel:
    """Variables and constraints; `upper[m]` > 1 makes m a pool of up to that many hires."""
    backend = CpSatBackend()
    coefficients = Coefficients(unassigned=1, overload=0, excess=0, balance=0, moves=0, region=0)
    model = AssignmentModel(data, backend, coefficients, candidates)
    model.add_variables()
    model.add_conservation()
    model.add_capacity()  # hard (overload weight 0); hires' rooms are tied to their counts below
    hires: dict[int, Var] = {}
    columns = _load_terms(model)
    for manager, (room, case_room) in sorted(unit_rooms.items()):
        hires[manager] = backend.var(0, upper[manager], f"hires[{manager}]")
        load, cases = columns.get(manager, ([], []))
        backend.constraint([*load, (hires[manager], -room)], None, 0, f"hire_room[{manager}]")
        backend.constraint([*cases, (hires[manager], -case_room)], None, 0, f"hire_cases[{manager}]")
    for group in groups:  # symmetry: candidate k+1 only if candidate k is hired
        for first, second in pairwise(group):
            backend.constraint([(hires[first], 1), (hires[second], -1)], 0, None, f"order[{first},{second}]")
    return _HireModel(backend, model, hires, dict(rank_of), dict(unit_rooms))


@dataclass(frozen=True)
class _Solved:
    status: str
    counts: Counts
    hires: dict[int, int]
    value: int | None  # the stage objective
    bound: int | None
    seconds: float
    values: dict[int, int] = field(default_factory=dict)  # variable index -> value, for warm starts
    freed: dict[int, int] = field(default_factory=dict)


def _solve(hire_model: _HireModel, objective: str, budget: Budget, time_limit_s: float,
           hint: _Solved | None) -> _Solved:
    """Minimise one named term, warm-started from the previous stage's solution."""
    backend = hire_model.backend
    backend.objective(hire_model.term(objective), 0)
    variables = hire_model.variables()
    if hint is not None and hint.values:
        backend.model.clear_hints()  # type: ignore[no-untyped-call]
        for var in variables:
            backend.model.add_hint(var, hint.values.get(var.index, 0))
    started = time.monotonic()
    options = budget.options
    solver = new_solver(workers=options.workers, seed=options.seed,
                        time_limit_s=max(MIN_STEP_S, min(time_limit_s, budget.remaining())), log=options.log,
                        clock=budget.clock)
    status = solver.solve(backend.model)
    budget.charge(solver)
    seconds = time.monotonic() - started
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        failed = "infeasible" if status == cp_model.INFEASIBLE else "unknown"
        if hint is not None and (hint.status in ("optimal", "feasible") or _is_solution(hire_model, hint)):
            # The previous stage's solution still satisfies every limit: keep it, unimproved.
            return replace(hint, status=failed, value=hire_model.evaluate(objective, hint.values), bound=None,
                           seconds=seconds)
        return _Solved(failed, Counts(), {}, None, None, seconds)
    return _Solved(
        "optimal" if status == cp_model.OPTIMAL else "feasible",
        hire_model.model.counts(solver.value),
        {manager: int(solver.value(var)) for manager, var in hire_model.hires.items()},
        round(solver.objective_value), math.ceil(solver.best_objective_bound - 1e-6), seconds,
        {var.index: int(solver.value(var)) for var in variables},
        {manager: int(solver.value(var)) for manager, var in hire_model.freed.items()},
    )


@dataclass(frozen=True)
class _Staged:
    """The three lexicographic stages of one model: unserved, then hires, then level ranks."""

    unserved: _Solved
    hires: _Solved
    ranks: _Solved

    @property
    def final(self) -> _Solved:
        return self.ranks

    @property
    def proven(self) -> bool:
        return all(stage.status == "optimal" for stage in (self.unserved, self.hires, self.ranks))

    def value(self) -> tuple[int, int, int]:
        return (self.unserved.value or 0, self.hires.value or 0, self.ranks.value or 0)

    def seconds(self) -> float:
        return self.unserved.seconds + self.hires.seconds + self.ranks.seconds


def _is_solution(hire_model: _HireModel, solved: _Solved) -> bool:
    """Whether a start (e.g. the greedy) satisfies the hire model: conservation and every room."""
    data = hire_model.model.data
    counts = solved.counts
    model = hire_model.model
    if any(key not in model.kept for key in counts.kept) or any(key not in model.received for key in counts.received):
        return False
    placed = Counter[int]()
    for source in (counts.kept, counts.received):
        for (_, index), count in source.items():
            placed[index] += count
    if any(placed[item.index] + counts.unassigned.get(item.index, 0) != item.total for item in data.types):
        return False
    load, cases = data.loads(counts)
    for manager in data.managers:
        hired = solved.hires.get(manager.index)
        room, case_room = (manager.capacity, manager.max_cases) if hired is None else hire_model.rooms[manager.index]
        times = 1 if hired is None else hired
        if load[manager.index] > max(room * times, manager.fixed_load) or cases[manager.index] > max(
                case_room * times, manager.fixed_cases):
            return False
    return True


def _staged(hire_model: _HireModel, budget: Budget, step: str, shares: tuple[float, float, float],
            hint: _Solved | None) -> _Staged:
    """Minimise unserved points, then hires with unserved fixed, then ranks with hires fixed: the three
    solves share `step`'s part of the budget."""
    total = budget.seconds(step)
    solved: list[_Solved] = []
    previous = hint
    for name, share in zip(("unserved", "hires", "ranks"), shares, strict=True):
        stage = _solve(hire_model, name, budget, share * total, previous)
        if stage.value is None:
            raise RuntimeError(f"the staffing model found no solution ({stage.status}) in the time limit")
        hire_model.limit(name, stage.value)
        solved.append(stage)
        if previous is not None and _is_solution(hire_model, previous) \
                and hire_model.evaluate(name, previous.values) == stage.value:
            # The start was already best on this term: keep it, it is usually better on the next ones.
            previous = replace(previous, status=stage.status, value=stage.value, bound=stage.bound)
        else:
            previous = stage
    return _Staged(*solved)


# --------------------------------------------------------------------------------------------
# The public call
# --------------------------------------------------------------------------------------------


def fewest_hires(config: Config, target_utilisation: float, options: SolveOptions, *,
                  by_region: bool = False) -> Result[StaffingAnswer]:
    """The fewest hires (then the cheapest levels) serving every case within the target utilisation."""
    if not 0 < target_utilisation <= 2:
        raise ValueError("the target utilisation must be above 0 and at most 2 (200%)")
    started = time.monotonic()
    budget = Budget("staffing", options)
    profiles = hire_profiles(config, by_region)
    notes = [f"{len(profiles)} hire profiles"]
    pool = _solve_pool(config, target_utilisation, profiles, by_region, budget)
    notes.append(f"pool model (bound): unserved {pool.staged.unserved.status}, hires {pool.staged.hires.status}, "
                 f"levels {pool.staged.ranks.status} in {pool.staged.seconds():.2f}s")
    exact = _solve_exact(config, target_utilisation, profiles, pool, by_region, budget)
    notes.append(f"exact model: unserved {exact.staged.unserved.status}, hires {exact.staged.hires.status}, "
                 f"levels {exact.staged.ranks.status} in {exact.staged.seconds():.2f}s")
    final_solution = exact.staged.final
    hired_ids = {exact.ids[manager] for manager, active in final_solution.hires.items() if active}
    hires = _hire_counts(profiles, exact.ids, exact.profile_of, final_solution.hires)
    added = [manager for manager in exact.config.managers[len(config.managers):] if manager.id in hired_ids]
    final = _with_managers(config, added)
    chosen = chosen_from_counts(exact.data, final_solution.counts)
    plan = build_plan(final, chosen, move_reasons=move_reasons(exact.data, chosen),
                      unassigned_reasons=unassigned_reasons(exact.data, chosen), capacity_share=target_utilisation)
    total = sum(hire.count for hire in hires)
    pool_value, exact_value = pool.staged.value(), exact.staged.value()
    bound = _hires_bound(pool.staged, exact_value)
    proven = pool.staged.proven and pool_value == exact_value and exact.exact_columns
    status = "optimal" if proven else "feasible"
    freed, slack_status = _slack(final, target_utilisation, budget, chosen, exact.exact_columns, by_region,
                                 len(config.managers))
    runtime = time.monotonic() - started
    if budget.clock.cut_by_backstop:
        notes.append(BACKSTOP_NOTE)
    stats = SolverStats(
        stage="staffing", status=status, objective=float(total), bound=None if bound is None else float(bound),
        gap=None if bound is None else round((total - bound) / max(1, total), 9), runtime_s=round(runtime, 3),
        workers=options.workers, seed=options.seed,
        objective_terms={"unserved_points": exact_value[0] / POINT_SCALE, "hires": float(exact_value[1]),
                         "level_ranks": float(exact_value[2])},
        notes=notes,
    )
    answer = StaffingAnswer(
        target_utilisation=target_utilisation, by_region=by_region, hires=hires,
        total_hires=total, hires_lower_bound=bound, config=final, plan=plan.model_copy(update={"solver": [stats]}),
        unservable=sorted(item.case_id for item in plan.unassigned),
        locked_over_target=_locked_over_target(exact.data, exact.ids),
        freed=freed, slack_status=slack_status,
    )
    return Result.from_stats(stats, answer)


def _hires_bound(pool: _Staged, exact_value: tuple[int, int, int]) -> int | None:
    """The fewest hires of any plan leaving no more points unserved than ours (from the pool relaxation)."""
    if pool.unserved.status != "optimal" or pool.unserved.value != exact_value[0]:
        return None
    return pool.hires.bound


@dataclass(frozen=True)
class _Pool:
    staged: _Staged
    data: AssignmentData
    hires: dict[int, int]  # profile index -> hires
    received: dict[int, dict[int, int]]  # profile index -> item type -> bundles


def _solve_pool(config: Config, target: float, profiles: Sequence[HireProfile], by_region: bool,
                budget: Budget) -> _Pool:
    """Per profile one pool manager with an integer hire count (the relaxation: pools share rooms)."""
    pool_managers = [profile.manager(f"~pool-{index:04d}", 0) for index, profile in enumerate(profiles)]
    data = _target_data(_with_managers(config, pool_managers), target)
    index_of = {manager.id: manager.index for manager in data.managers}
    pools = {index_of[manager.id]: number for number, manager in enumerate(pool_managers)}
    exact = sum(len(item.receivers) for item in data.types) <= EXACT_MODEL_COLUMNS
    candidates = _candidates(data, {m: profiles[n].region for m, n in pools.items()}, by_region, exact)
    rooms: dict[int, tuple[int, int]] = {}
    upper: dict[int, int] = {}
    for manager in pools:
        one = data.managers[manager]
        rooms[manager] = (one.capacity, one.max_cases)
        upper[manager] = _pool_upper(data, candidates, manager, one.capacity, one.max_cases)
        # A pool stands for several hires: the policy's intake cap (per manager) is not one pool's limit.
        data.managers[manager] = replace(one, capacity=one.capacity * upper[manager],
                                         max_cases=one.max_cases * upper[manager], intake_cap=None)
    rank_of = {m: profiles[n].level_rank for m, n in pools.items()}
    hire_model = _build(data, candidates, rooms, upper, rank_of, [])
    start_counts, start_hires = _greedy_pool(data, candidates, rooms, rank_of)
    start = _Solved("hint", start_counts, start_hires, None, None, 0.0,
                    _values(hire_model, start_counts, start_hires))
    staged = _staged(hire_model, budget, "pool", (0.2, 0.5, 0.3), start)
    final = staged.final
    received: dict[int, dict[int, int]] = {}
    for (manager, index), count in final.counts.received.items():
        if manager in pools:
            received.setdefault(pools[manager], {})[index] = count
    return _Pool(staged, data, {pools[m]: count for m, count in final.hires.items()}, received)


def _greedy_pool(data: AssignmentData, candidates: Mapping[int, Sequence[int]],
                 rooms: Mapping[int, tuple[int, int]], rank_of: Mapping[int, int]) -> tuple[Counts, dict[int, int]]:
    """A feasible start: staff keep what fits, then fill the roomiest eligible colleague, then hires.

    Hires of a profile are packed first-fit (one list of open hires per pool); the cheapest level
    that may take a bundle gets it.
    """
    load, cases = data.loads(Counts())
    counts = Counts()
    moving: list[tuple[int, int]] = []  # (item type, bundles)
    for item in data.types:
        extra = item.intake
        for manager, held in sorted(item.held.items()):
            keep = 0
            if manager in item.keepers:
                while keep < held and _fits(data, load, cases, manager, item.points, item.cases):
                    keep += 1
                    load[manager] += item.points
                    cases[manager] += item.cases
            if keep:
                counts.kept[manager, item.index] = keep
            extra += held - keep
        if extra:
            moving.append((item.index, extra))
    open_hires: dict[int, list[list[int]]] = {pool: [] for pool in rooms}  # pool -> [load, cases] per hire
    new = [0] * len(data.managers)  # cases new to each member of staff, within their intake caps
    moving.sort(key=lambda entry: (-data.types[entry[0]].points, entry[0]))
    for index, bundles in moving:
        item = data.types[index]
        staff = [m for m in candidates[index] if m not in rooms]
        pools = sorted((m for m in candidates[index] if m in rooms), key=lambda m: (rank_of[m], m))
        for _ in range(bundles):
            target = max((m for m in staff if _fits(data, load, cases, m, item.points, item.cases)
                          and new[m] + item.new_at(m) <= _cap(data, m)),
                         key=lambda m: (data.managers[m].capacity - load[m], -m), default=None)
            if target is not None:
                load[target] += item.points
                cases[target] += item.cases
                new[target] += item.new_at(target)
                counts.received[target, index] = counts.received.get((target, index), 0) + 1
            elif pools:
                pool = pools[0]
                _place_in_pool(open_hires[pool], rooms[pool], item.points, item.cases)
                counts.received[pool, index] = counts.received.get((pool, index), 0) + 1
            else:
                counts.unassigned[index] = counts.unassigned.get(index, 0) + 1
    return counts, {pool: len(hires) for pool, hires in open_hires.items()}


def _cap(data: AssignmentData, manager: int) -> float:
    cap = data.managers[manager].intake_cap
    return math.inf if cap is None else cap


def _fits(data: AssignmentData, load: list[int], cases: list[int], manager: int, points: int, count: int) -> bool:
    one = data.managers[manager]
    return load[manager] + points <= one.capacity and cases[manager] + count <= one.max_cases


def _place_in_pool(hires: list[list[int]], room: tuple[int, int], points: int, count: int) -> None:
    for hire in hires:
        if hire[0] + points <= room[0] and hire[1] + count <= room[1]:
            hire[0] += points
            hire[1] += count
            return
    hires.append([points, count])


def _pool_upper(data: AssignmentData, candidates: Mapping[int, Sequence[int]], manager: int, room: int,
                case_room: int) -> int:
    """Hires of one profile never exceed what carrying all its eligible work alone would take."""
    points = sum(item.points * item.total for item in data.types if manager in candidates[item.index])
    cases = sum(item.cases * item.total for item in data.types if manager in candidates[item.index])
    if room <= 0 or case_room <= 0:
        return 0
    return max(math.ceil(points / room), math.ceil(cases / case_room))


@dataclass
class _Exact:
    config: Config
    data: AssignmentData
    staged: _Staged
    ids: dict[int, str]  # candidate manager index -> id
    profile_of: dict[int, int]  # candidate manager index -> profile index
    exact_columns: bool


def _solve_exact(config: Config, target: float, profiles: Sequence[HireProfile], pool: _Pool,
                 by_region: bool, budget: Budget) -> _Exact:
    """Individual candidate hires (the pool's count + 1 per profile it used), warm-started from the pool."""
    taken = set(config.managers_by_id)
    candidates_by_profile: list[list[Manager]] = []
    for index, profile in enumerate(profiles):
        slots = pool.hires.get(index, 0) + 1 if pool.hires.get(index, 0) else 0
        made: list[Manager] = []
        number = 0
        while len(made) < slots:
            number += 1
            manager_id = f"{profile.id_stem()}-{number}"
            if manager_id not in taken:
                taken.add(manager_id)
                made.append(profile.manager(manager_id, number))
        candidates_by_profile.append(made)
    added = [manager for made in candidates_by_profile for manager in made]
    exact_config = _with_managers(config, added)
    data = _target_data(exact_config, target)
    index_of = {manager.id: manager.index for manager in data.managers}
    profile_of = {index_of[m.id]: number for number, made in enumerate(candidates_by_profile) for m in made}
    ids = {index: data.managers[index].id for index in profile_of}
    exact = sum(len(item.receivers) for item in data.types) <= EXACT_MODEL_COLUMNS
    candidates = _candidates(data, {m: profiles[n].region for m, n in profile_of.items()}, by_region, exact)
    rooms = {m: (data.managers[m].capacity, data.managers[m].max_cases) for m in profile_of}
    groups = [[index_of[m.id] for m in made] for made in candidates_by_profile if len(made) > 1]
    hire_model = _build(data, candidates, rooms, dict.fromkeys(profile_of, 1),
                        {m: profiles[n].level_rank for m, n in profile_of.items()}, groups)
    hint = _exact_hint(hire_model, pool, [[index_of[m.id] for m in made] for made in candidates_by_profile])
    staged = _staged(hire_model, budget, "exact", (0.3, 0.4, 0.3), hint)
    return _Exact(exact_config, data, staged, ids, profile_of, exact)


def _exact_hint(hire_model: _HireModel, pool: _Pool, slots: Sequence[Sequence[int]]) -> _Solved:
    """The pool's solution with each pool's bundles packed first-fit into its candidate hires."""
    data = hire_model.model.data
    by_id = {manager.id: manager.index for manager in data.managers}
    counts = Counts(unassigned=dict(pool.staged.final.counts.unassigned))
    for source, target in ((pool.staged.final.counts.kept, counts.kept),
                           (pool.staged.final.counts.received, counts.received)):
        for (manager, index), count in source.items():
            manager_id = pool.data.managers[manager].id
            if manager_id in by_id:
                target[by_id[manager_id], index] = count
    hires: dict[int, int] = {}
    for profile, received in sorted(pool.received.items()):
        load = dict.fromkeys(slots[profile], 0)
        cases = dict.fromkeys(slots[profile], 0)
        for index, count in sorted(received.items(), key=lambda entry: -data.types[entry[0]].points):
            item = data.types[index]
            for _ in range(count):
                slot = next((m for m in slots[profile] if load[m] + item.points <= data.managers[m].capacity
                             and cases[m] + item.cases <= data.managers[m].max_cases), None)
                if slot is None:
                    counts.unassigned[index] = counts.unassigned.get(index, 0) + 1
                    continue
                counts.received[slot, index] = counts.received.get((slot, index), 0) + 1
                load[slot] += item.points
                cases[slot] += item.cases
        hires.update({m: int(load[m] > 0) for m in slots[profile]})
    return _Solved("hint", counts, hires, None, None, 0.0, _values(hire_model, counts, hires))


def _values(hire_model: _HireModel, counts: Counts, hires: Mapping[int, int]) -> dict[int, int]:
    """Variable index -> value of a solution given as counts (a warm start)."""
    model = hire_model.model
    values = {var.index: counts.kept.get(key, 0) for key, var in model.kept.items()}
    values.update({var.index: counts.received.get(key, 0) for key, var in model.received.items()})
    values.update({var.index: counts.unassigned.get(key, 0) for key, var in model.unassigned.items()})
    values.update({var.index: hires.get(key, 0) for key, var in hire_model.hires.items()})
    return values


def _hire_counts(profiles: Sequence[HireProfile], ids: Mapping[int, str], profile_of: Mapping[int, int],
                 active: Mapping[int, int]) -> list[HireCount]:
    hired: dict[int, list[str]] = {}
    for manager, number in sorted(profile_of.items()):
        if active.get(manager):
            hired.setdefault(number, []).append(ids[manager])
    return [HireCount(profiles[number], len(members), tuple(sorted(members)))
            for number, members in sorted(hired.items())]


def _locked_over_target(data: AssignmentData, hires: Mapping[int, str]) -> list[str]:
    return sorted(manager.id for manager in data.managers
                  if manager.index not in hires and manager.fixed_load > manager.capacity)


# --------------------------------------------------------------------------------------------
# Slack: who could be freed
# --------------------------------------------------------------------------------------------


def _slack(final: Config, target: float, budget: Budget, chosen: Mapping[str, str | None], exact: bool,
           by_region: bool, existing: int) -> tuple[list[str], str]:
    """The most current managers (the first `existing` of the config) that can be freed together.

    Hires stay; no more points go unserved than in the staffing plan; a manager with locked cases
    cannot be freed, nor one on leave all week (away, not spare: they come back to their cases).
    """
    data = _target_data(final, target)
    index_of = {manager.id: manager.index for manager in data.managers}
    current = {index_of[manager.id] for manager in final.managers[:existing]}
    hires = {manager.index: manager.region for manager in data.managers if manager.index not in current}
    hire_model = _build(data, _candidates(data, hires, by_region, exact), {}, {}, {}, [])
    hire_model.limit("unserved", sum(data.types[index].points * count
                                     for index, count in _unserved_counts(data, chosen).items()))
    columns = _load_terms(hire_model.model)
    for manager in sorted(current):
        one = data.managers[manager]
        if one.fixed_cases or final.on_leave_all_week(final.managers_by_id[one.id]):
            continue
        var = hire_model.backend.var(0, 1, f"freed[{manager}]")
        hire_model.freed[manager] = var
        load, _ = columns.get(manager, ([], []))
        hire_model.backend.constraint([*load, (var, one.capacity)], None, one.capacity, f"free[{manager}]")
    if not hire_model.freed:
        return [], "optimal"
    start = counts_from_chosen(data, chosen)
    hint = _Solved("hint", start, {}, None, None, 0.0, _values(hire_model, start, {}))
    solved = _solve(hire_model, "kept_staff", budget, budget.seconds("slack"), hint)
    if solved.status not in ("optimal", "feasible"):
        return [], "unknown"
    return sorted(data.managers[m].id for m, value in solved.freed.items() if value), solved.status


def _unserved_counts(data: AssignmentData, chosen: Mapping[str, str | None]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for item in data.types:
        for bundle in item.bundles:
            if all(chosen.get(case_id) is None for case_id in bundle.case_ids):
                counts[item.index] = counts.get(item.index, 0) + 1
    return counts
