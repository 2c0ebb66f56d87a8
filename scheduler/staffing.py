"""Staffing: the fewest hires that serve every case with every manager within a target utilisation.

Public API: `plan_staffing(config, target_utilisation, options, by_region=False) -> StaffingResult`.

The question is solved as one optimisation with integer hire variables, built on the assignment
engine's aggregated model (`scheduler.assign_model.AssignmentModel` over `assign_data` bundles and
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
from models.plan import Plan, SolverStats
from scheduler.assign_data import AssignmentData, Counts, build_data
from scheduler.assign_model import AssignmentModel, Coefficients, CpSatBackend, Terms, Var
from scheduler.assign_plan import chosen_from_counts, move_reasons, unassigned_reasons
from scheduler.options import SolveOptions
from scheduler.planbuild import build_plan

# Above this many received[m, t] columns, existing managers receive only same-region item types.
EXACT_MODEL_COLUMNS = 60_000
_POOL_SHARE = 0.4
_EXACT_SHARE = 0.4


@dataclass(frozen=True, order=True)
class HireProfile:
    """What a hire looks like: level, region (with --by-region) and languages/skills."""

    level_rank: int
    region: str | None
    languages: tuple[str, ...]
    extra_language: str | None
    level: str = field(compare=False)
    skills: tuple[str, ...] = field(compare=False)

    def id_stem(self) -> str:
        parts = ["hire", self.level, *([self.region] if self.region else []),
                 *([self.extra_language] if self.extra_language else [])]
        return "-".join(parts)

    def manager(self, manager_id: str, number: int) -> Manager:
        return Manager(id=manager_id, name=f"Hire {self.level} {number}", level=self.level, fte=1.0,
                       region=self.region, languages=list(self.languages), skills=list(self.skills))


@dataclass(frozen=True)
class HireCount:
    profile: HireProfile
    count: int
    manager_ids: tuple[str, ...]


@dataclass(frozen=True)
class StaffingResult:
    target_utilisation: float
    by_region: bool
    status: str  # optimal (proven minimal), feasible, unknown
    hires: list[HireCount]
    total_hires: int
    hires_lower_bound: int | None  # fewest hires any plan needs (from the pool relaxation)
    config: Config  # the organisation with the hires added
    plan: Plan  # proof: every servable case assigned within U
    unservable: list[str]  # case ids no hire could carry within U
    locked_over_target: list[str]  # managers over U from locked cases alone
    freed: list[str]  # current managers whose cases the others can absorb within U
    slack_status: str
    runtime_s: float
    notes: list[str]

    @property
    def hires_by_level(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for hire in self.hires:
            counts[hire.profile.level] += hire.count
        levels = [level.name for level in self.config.policy.levels]
        return {level: counts[level] for level in levels}

    @property
    def hires_by_region_and_level(self) -> dict[tuple[str, str], int]:
        counts: Counter[tuple[str, str]] = Counter()
        for hire in self.hires:
            counts[hire.profile.region or "", hire.profile.level] += hire.count
        return dict(sorted(counts.items()))


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
    fields = {name: getattr(config, name) for name in type(config).model_fields}
    fields["managers"] = [*config.managers, *added]
    return Config.model_validate(fields)


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
    model: AssignmentModel
    hires: dict[int, Var]  # pool: manager index -> integer count; exact: manager index -> boolean
    freed: dict[int, Var] = field(default_factory=dict)


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
           upper: Mapping[int, int], hire_cost: Mapping[int, int], unserved_weight: int,
           groups: Sequence[Sequence[int]]) -> tuple[CpSatBackend, _HireModel]:
    """Variables and constraints; `upper[m]` > 1 makes m a pool of up to that many hires."""
    backend = CpSatBackend()
    coefficients = Coefficients(unassigned=unserved_weight, overload=0, excess=0, balance=0, moves=0, region=0)
    model = AssignmentModel(data, backend, coefficients, candidates)
    model.add_variables()
    model.add_conservation()
    model.add_capacity()  # hard: overload weight 0; hires get the room of their upper bound
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
    unserved, _ = model.term("unassigned")
    cost: Terms = [(hires[manager], hire_cost[manager]) for manager in sorted(hires)]
    backend.objective([*unserved, *cost], 0)
    return backend, _HireModel(model, hires)


@dataclass(frozen=True)
class _Solved:
    status: str
    counts: Counts
    hires: dict[int, int]
    objective: int | None
    bound: int | None
    seconds: float
    freed: dict[int, int] = field(default_factory=dict)


def _solve(backend: CpSatBackend, hire_model: _HireModel, options: SolveOptions, time_limit_s: float) -> _Solved:
    started = time.monotonic()
    solver = cp_model.CpSolver()
    parameters = solver.parameters
    parameters.num_workers = options.workers
    parameters.random_seed = options.seed
    parameters.max_time_in_seconds = max(0.05, time_limit_s)
    parameters.log_search_progress = options.log
    if options.workers > 1:
        parameters.interleave_search = True  # reproducible with several workers
    status = solver.solve(backend.model)
    seconds = time.monotonic() - started
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Solved("infeasible" if status == cp_model.INFEASIBLE else "unknown", Counts(), {}, None, None,
                       seconds)
    return _Solved(
        "optimal" if status == cp_model.OPTIMAL else "feasible",
        hire_model.model.counts(solver.value),
        {manager: int(solver.value(var)) for manager, var in hire_model.hires.items()},
        round(solver.objective_value), math.ceil(solver.best_objective_bound - 1e-6), seconds,
        {manager: int(solver.value(var)) for manager, var in hire_model.freed.items()},
    )


# --------------------------------------------------------------------------------------------
# The public call
# --------------------------------------------------------------------------------------------


def plan_staffing(config: Config, target_utilisation: float, options: SolveOptions, *,
                  by_region: bool = False) -> StaffingResult:
    """The fewest hires (then the cheapest levels) serving every case within the target utilisation."""
    if not 0 < target_utilisation <= 2:
        raise ValueError("the target utilisation must be above 0 and at most 2 (200%)")
    started = time.monotonic()
    deadline = started + options.time_limit_s
    profiles = hire_profiles(config, by_region)
    notes = [f"{len(profiles)} hire profiles"]
    pool, pool_data, pool_weights = _solve_pool(config, target_utilisation, profiles, by_region, options,
                       _POOL_SHARE * options.time_limit_s)
    notes.append(f"pool model (bound): {pool.status} in {pool.seconds:.2f}s")
    per_profile = [pool.hires.get(index, 0) for index in range(len(profiles))]
    exact = _solve_exact(config, target_utilisation, profiles, per_profile, by_region, options,
                         _EXACT_SHARE * options.time_limit_s)
    notes.append(f"exact model: {exact.solved.status} in {exact.solved.seconds:.2f}s")
    if exact.solved.status in ("infeasible", "unknown"):
        raise RuntimeError(f"the staffing model found no solution within the time limit ({exact.solved.status})")
    hired_ids = {exact.ids[manager] for manager, active in exact.solved.hires.items() if active}
    hires = _hire_counts(profiles, exact.ids, exact.profile_of, exact.solved.hires)
    final = _with_managers(config, [m for m in exact.config.managers[len(config.managers):] if m.id in hired_ids])
    chosen = chosen_from_counts(exact.data, exact.solved.counts)
    stats = SolverStats(stage="staffing", status="unknown", runtime_s=0.0, workers=options.workers,
                        seed=options.seed)
    plan = build_plan(final, chosen, move_reasons=move_reasons(exact.data, chosen),
                      unassigned_reasons=unassigned_reasons(exact.data, chosen), solver=[stats])
    total = sum(hire.count for hire in hires)
    pool_value = _lexicographic(pool.counts, pool_data, {n: c for n, c in enumerate(per_profile)}, profiles)
    exact_value = _lexicographic(exact.solved.counts, exact.data,
                                 {hire_index: 1 for hire_index, active in exact.solved.hires.items() if active},
                                 profiles, exact.profile_of)
    bound = _hires_bound(pool, pool_weights, pool_value, exact_value)
    proven = pool.status == "optimal" and pool_value == exact_value and exact.exact_columns
    status = "optimal" if proven else "feasible"
    freed, slack_status = _slack(final, target_utilisation, options, max(0.05, deadline - time.monotonic()),
                                 chosen, exact.exact_columns, by_region, len(config.managers))
    runtime = time.monotonic() - started
    stats = stats.model_copy(update={
        "status": status, "objective": float(total), "bound": None if bound is None else float(bound),
        "gap": None if bound is None else round((total - bound) / max(1, total), 9),
        "runtime_s": round(runtime, 3), "notes": notes,
    })
    plan = plan.model_copy(update={"solver": [stats]})
    return StaffingResult(
        target_utilisation=target_utilisation, by_region=by_region, status=status, hires=hires,
        total_hires=total, hires_lower_bound=bound, config=final, plan=plan,
        unservable=sorted(item.case_id for item in plan.unassigned),
        locked_over_target=_locked_over_target(exact.data, exact.ids),
        freed=freed, slack_status=slack_status, runtime_s=round(runtime, 3), notes=notes,
    )


@dataclass(frozen=True)
class _Weights:
    unserved: int  # per hundredth of a point left unserved
    hire: int  # per hire
    levels: int  # number of levels (a hire costs `hire + level_rank`)


def _weights(config: Config, max_hires: int) -> _Weights:
    levels = len(config.policy.levels)
    hire = levels * (max_hires + 1) + 1  # above any sum of level ranks
    return _Weights(unserved=hire * (max_hires + 1) + 1, hire=hire, levels=levels)


def _hires_bound(pool: _Solved, weights: _Weights, pool_value: tuple[int, int, int],
                 exact_value: tuple[int, int, int]) -> int | None:
    """The fewest hires any plan leaving as few cases unserved needs, when the pool proves it."""
    if pool.status == "optimal" and pool_value[0] == exact_value[0]:
        return pool_value[1]
    if pool.bound is not None and exact_value[0] == 0:
        return max(0, pool.bound // weights.hire)  # nothing unserved: the bound is hires and ranks only
    return None


def _solve_pool(config: Config, target: float, profiles: Sequence[HireProfile], by_region: bool,
                options: SolveOptions, time_limit_s: float) -> tuple[_Solved, AssignmentData, _Weights]:
    """Per profile one pool manager with an integer hire count; returns hires keyed by profile index."""
    pool_managers = [profile.manager(f"~pool-{index:04d}", 0) for index, profile in enumerate(profiles)]
    pool_config = _with_managers(config, pool_managers)
    data = _target_data(pool_config, target)
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
        data.managers[manager] = replace(one, capacity=one.capacity * upper[manager],
                                         max_cases=one.max_cases * upper[manager])
    weights = _weights(config, sum(upper.values()))
    cost = {manager: weights.hire + profiles[number].level_rank for manager, number in pools.items()}
    backend, model = _build(data, candidates, rooms, upper, cost, weights.unserved, [])
    solved = _solve(backend, model, options, time_limit_s)
    return replace(solved, hires={pools[manager]: count for manager, count in solved.hires.items()}), data, weights


def _lexicographic(counts: Counts, data: AssignmentData, hired: Mapping[int, int],
                   profiles: Sequence[HireProfile], profile_of: Mapping[int, int] | None = None
                   ) -> tuple[int, int, int]:
    """(unserved points, hires, sum of hire level ranks): what the objective minimises, in order."""
    unserved = sum(data.types[index].points * count for index, count in counts.unassigned.items())
    ranks = 0
    for key, count in hired.items():
        profile = profiles[profile_of[key] if profile_of is not None else key]
        ranks += profile.level_rank * count
    return unserved, sum(hired.values()), ranks


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
    solved: _Solved
    ids: dict[int, str]  # candidate manager index -> id
    profile_of: dict[int, int]  # candidate manager index -> profile index
    weights: _Weights
    exact_columns: bool


def _solve_exact(config: Config, target: float, profiles: Sequence[HireProfile], per_profile: Sequence[int],
                 by_region: bool, options: SolveOptions, time_limit_s: float) -> _Exact:
    taken = set(config.managers_by_id)
    candidates_by_profile: list[list[Manager]] = []
    for index, profile in enumerate(profiles):
        slots = per_profile[index] + 1 if per_profile[index] else 0
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
    weights = _weights(config, len(added))
    cost = {m: weights.hire + profiles[n].level_rank for m, n in profile_of.items()}
    groups = [[index_of[m.id] for m in made] for made in candidates_by_profile if len(made) > 1]
    backend, model = _build(data, candidates, rooms, dict.fromkeys(profile_of, 1), cost, weights.unserved, groups)
    solved = _solve(backend, model, options, time_limit_s)
    return _Exact(exact_config, data, solved, ids, profile_of, weights, exact)


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


def _slack(final: Config, target: float, options: SolveOptions, time_limit_s: float,
           chosen: Mapping[str, str | None], exact: bool, by_region: bool,
           existing: int) -> tuple[list[str], str]:
    """The most current managers (first `existing` of the config) that can be freed together.

    Hires stay; every case served before stays served; a manager with locked cases cannot be freed.
    """
    data = _target_data(final, target)
    index_of = {manager.id: manager.index for manager in data.managers}
    current = {index_of[manager.id] for manager in final.managers[:existing]}
    hires = {manager.index: manager.region for manager in data.managers if manager.index not in current}
    candidates = _candidates(data, hires, by_region, exact)
    backend = CpSatBackend()
    coefficients = Coefficients(unassigned=1, overload=0, excess=0, balance=0, moves=0, region=0)
    model = AssignmentModel(data, backend, coefficients, candidates)
    model.add_variables()
    model.add_conservation()
    model.add_capacity()
    unserved, _ = model.term("unassigned")
    unserved_points = sum(data.types[index].points * count
                          for index, count in _unserved_counts(data, chosen).items())
    backend.constraint(unserved, None, unserved_points, "no_new_unserved")
    freed: dict[int, Var] = {}
    columns = _load_terms(model)
    for manager in sorted(current):
        one = data.managers[manager]
        if one.fixed_cases:
            continue
        freed[manager] = backend.var(0, 1, f"freed[{manager}]")
        load, _ = columns.get(manager, ([], []))
        backend.constraint([*load, (freed[manager], one.capacity)], None, one.capacity, f"free[{manager}]")
    if not freed:
        return [], "optimal"
    backend.objective([(var, -1) for _, var in sorted(freed.items())], 0)
    model.hint(_counts_from_chosen(data, chosen))
    hire_model = _HireModel(model, {}, freed)
    solved = _solve(backend, hire_model, options, time_limit_s)
    if solved.status in ("infeasible", "unknown"):
        return [], solved.status
    return sorted(data.managers[m].id for m, value in solved.freed.items() if value), solved.status


def _unserved_counts(data: AssignmentData, chosen: Mapping[str, str | None]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for item in data.types:
        for bundle in item.bundles:
            if all(chosen.get(case_id) is None for case_id in bundle.case_ids):
                counts[item.index] = counts.get(item.index, 0) + 1
    return counts


def _counts_from_chosen(data: AssignmentData, chosen: Mapping[str, str | None]) -> Counts:
    """A concrete assignment as the model's counts (for a warm start)."""
    index_of = {manager.id: manager.index for manager in data.managers}
    counts = Counts()
    for item in data.types:
        for bundle in item.bundles:
            manager_id = chosen.get(bundle.case_ids[0])
            if manager_id is None:
                counts.unassigned[item.index] = counts.unassigned.get(item.index, 0) + 1
                continue
            manager = index_of[manager_id]
            target = counts.kept if bundle.holder == manager and manager in item.keepers else counts.received
            target[manager, item.index] = target.get((manager, item.index), 0) + 1
    return counts
