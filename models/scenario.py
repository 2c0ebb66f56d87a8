"""What-if scenarios: named lists of changes to a base organisation, applied as pure data.

A scenario file holds `scenarios: [{name, description, changes: [...]}]`. Each change is a mapping
with exactly one key naming its kind:

    - add_managers: {count: 3, level: junior, region: north, languages: [en, es]}
    - remove_managers: {ids: [m-ana]}            # or {filter: {level: senior}, count: 2}
    - leave: {filter: {level: senior}, count: 2, all_week: true}   # or days: [2026-12-01]
    - fte: {ids: [m-ben], fte: 0.5}
    - cases: {factor: 1.1, type: foster-care, region: north}
    - policy: {overrides: {weights.moves: 5, levels.junior.capacity_points: 32}}

Changes apply in order, each to the result of the one before. `apply_scenario` is deterministic:
the same config, scenario and seed always give the same organisation. Choices that need a random
pick (which managers a filter with a `count` takes, which cases are cloned or closed) use hashes
and generators seeded from (seed, scenario name, change index), never process state.

`scenario_problems` checks a scenario file against the config it will be applied to (unknown ids,
levels, regions, case types, policy paths, ...) and returns `Problem`s with field paths, so the
scenario loader can point at the line.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from models.limits import MAX_FTE, MAX_ID_LENGTH, MIN_FTE
from models.organisation import Case, Client, Config, Manager
from models.plan import Plan
from models.policy import Policy, StrictModel
from models.problems import FieldPath, Problem
from models.text import Identifier, PlainText
from models.validation import find_problems

BASE_NAME = "base"
MAX_CASE_FACTOR = 10.0
MAX_ADDED_MANAGERS = 10_000

_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")


# --------------------------------------------------------------------------------------------
# The scenario file
# --------------------------------------------------------------------------------------------


class ManagerFilter(StrictModel):
    """Managers matching every given attribute (an empty filter matches everyone)."""

    level: PlainText | None = None
    region: PlainText | None = None

    def matches(self, manager: Manager) -> bool:
        return (self.level is None or manager.level == self.level) and (
            self.region is None or manager.region == self.region
        )


class ManagerSelection(StrictModel):
    """Managers by id, or by filter (optionally only `count` of the matches, picked by seed)."""

    ids: list[Identifier] | None = Field(default=None, min_length=1)
    filter: ManagerFilter | None = None
    count: int | None = Field(default=None, ge=1, description="With a filter: how many of the matches.")

    @model_validator(mode="after")
    def _ids_or_filter(self) -> ManagerSelection:
        if (self.ids is None) == (self.filter is None):
            raise ValueError("give either ids: [...] or filter: {level, region}, not both or neither")
        if self.count is not None and self.filter is None:
            raise ValueError("count goes with a filter; with ids, list the managers you mean")
        return self


class AddManagers(StrictModel):
    count: int = Field(ge=1, le=MAX_ADDED_MANAGERS)
    level: PlainText
    region: PlainText | None = None
    languages: list[PlainText] = Field(default_factory=lambda: ["en"], min_length=1)
    skills: list[PlainText] = Field(default_factory=list)
    fte: float = Field(default=1.0, ge=MIN_FTE, le=MAX_FTE)
    id_prefix: Identifier | None = Field(default=None, min_length=1,
                                  description="New ids are <prefix>-1, -2, ... (default: new-<level>).")


class RemoveManagers(ManagerSelection):
    """The managers leave; their cases (locked ones too) become unallocated."""


class Leave(ManagerSelection):
    days: list[date] | None = Field(default=None, min_length=1)
    all_week: bool = False

    @model_validator(mode="after")
    def _days_or_all_week(self) -> Leave:
        if (self.days is None) == (not self.all_week):
            raise ValueError("give either days: [dates] or all_week: true")
        return self


class FteChange(ManagerSelection):
    fte: float = Field(ge=MIN_FTE, le=MAX_FTE)


class CaseVolume(StrictModel):
    """Grow (factor > 1: clone existing cases as new intake) or shrink (factor < 1: close cases)."""

    factor: float = Field(gt=0, le=MAX_CASE_FACTOR)
    type: PlainText | None = None
    region: PlainText | None = Field(default=None, description="The client's region.")


class PolicyOverrides(StrictModel):
    overrides: dict[str, Any] = Field(min_length=1, description="dotted.path: value, e.g. weights.moves: 5")


ChangeKind = AddManagers | RemoveManagers | Leave | FteChange | CaseVolume | PolicyOverrides


class Change(StrictModel):
    """One change: exactly one of the keys below."""

    add_managers: AddManagers | None = None
    remove_managers: RemoveManagers | None = None
    leave: Leave | None = None
    fte: FteChange | None = None
    cases: CaseVolume | None = None
    policy: PolicyOverrides | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Change:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            kinds = ", ".join(type(self).model_fields)
            found = f"got {', '.join(given)}" if given else "got none"
            raise ValueError(f"a change names exactly one kind of {kinds}; {found}")
        return self

    @property
    def kind(self) -> str:
        return next(name for name in type(self).model_fields if getattr(self, name) is not None)

    @property
    def body(self) -> ChangeKind:
        value: ChangeKind = getattr(self, self.kind)
        return value


class Scenario(StrictModel):
    name: Identifier = Field(min_length=1, description="Also its folder's name (lower case, dashes).")
    description: PlainText = ""
    changes: list[Change] = Field(default_factory=list)

    @property
    def slug(self) -> str:
        return slugify(self.name)


class ScenarioFile(StrictModel):
    scenarios: list[Scenario] = Field(min_length=1)


def slugify(name: str) -> str:
    """The folder name of a scenario: lower case letters, digits and dashes."""
    return _SLUG_UNSAFE.sub("-", name.lower()).strip("-")


def base_scenario() -> Scenario:
    return Scenario(name=BASE_NAME, description="the organisation as configured")


# --------------------------------------------------------------------------------------------
# Results: one comparison row per scenario
# --------------------------------------------------------------------------------------------


class ScenarioRow(BaseModel):
    """One scenario's figures for the comparison table (same inputs and seed: same row).

    Per-level figures are keyed by level name in the policy's order. `moves` counts cases that had a
    manager in the base organisation and are now carried by someone else (cases of a removed
    manager included); cases left unassigned are counted under `unassigned_cases` instead.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    slug: str
    description: str = ""
    status: str = Field(description="The assignment stage's status, no_plan, or rules_broken (the plan broke a "
                                    "hard rule: an engine bug, reported and not kept).")
    managers: int
    managers_on_leave: int = Field(description="Managers on leave the whole week.")
    managers_by_level: dict[str, int]
    capacity_by_level: dict[str, float] = Field(description="Capacity points of each level net of leave: every "
                                                            "manager's capacity times the share of the week's "
                                                            "working days they work (0 on leave all week).")
    demand_points: float
    capacity_points: float = Field(description="The levels' capacity net of leave, summed.")
    max_utilisation_by_level: dict[str, float]
    mean_utilisation_by_level: dict[str, float]
    max_utilisation: float
    overloaded_managers: int
    cases: int
    unassigned_cases: int
    unassigned_points: float
    moves: int
    contacts_due: int
    contacts_scheduled: int
    travel_hours: float


class ScenarioOutcome(BaseModel):
    """What one scenario run returns: plain data, the same from a local process or a Dask worker."""

    model_config = ConfigDict(extra="forbid")

    row: ScenarioRow
    plan: Plan | None = None


# --------------------------------------------------------------------------------------------
# Validation against the config
# --------------------------------------------------------------------------------------------


class ScenarioError(ValueError):
    """A scenario does not fit the config it is applied to."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{problem.dotted_path}: {problem.message}" for problem in problems))


def scenario_problems(config: Config, scenarios: ScenarioFile, seed: int = 0) -> list[Problem]:
    """Every problem of every scenario, each change checked against the config the earlier changes made."""
    problems = list(_name_problems(scenarios))
    for index, scenario in enumerate(scenarios.scenarios):
        _, found = _apply_checked(config, scenario, seed, ("scenarios", index))
        problems.extend(found)
    return problems


def _name_problems(scenarios: ScenarioFile) -> Iterator[Problem]:
    """Names must make distinct folder names, and 'base' is the first row's."""
    seen: dict[str, str] = {}
    for index, scenario in enumerate(scenarios.scenarios):
        slug, path = scenario.slug, ("scenarios", index, "name")
        if slug == BASE_NAME:
            yield Problem(path, f"'{scenario.name}' is reserved: the base organisation is always the first row")
        elif not slug:
            yield Problem(path, f"scenario name '{scenario.name}' needs at least one letter or digit")
        elif slug in seen:
            yield Problem(path, f"scenario names '{seen[slug]}' and '{scenario.name}' both make the folder "
                                f"name '{slug}'; rename one")
        seen.setdefault(slug, scenario.name)


def apply_scenario(config: Config, scenario: Scenario, seed: int) -> Config:
    """The organisation after the scenario's changes. Raises `ScenarioError` if a change does not fit."""
    result, problems = _apply_checked(config, scenario, seed, ())
    if problems:
        raise ScenarioError(problems)
    return result


def _apply_checked(config: Config, scenario: Scenario, seed: int,
                   path: FieldPath) -> tuple[Config, list[Problem]]:
    problems: list[Problem] = []
    current = config
    seen: Counter[str] = Counter()
    for index, change in enumerate(scenario.changes):
        change_path: FieldPath = (*path, "changes", index, change.kind)
        found = list(_change_problems(current, change.body, change_path))
        if found:
            problems.extend(found)
            continue  # skip it; later changes are checked against what the valid ones made
        what = f"{change.kind}:{change.body.model_dump_json()}"
        applied = _apply_change(current, change.body, _ChangeSeed(seed, what, seen[what]))
        seen[what] += 1
        if isinstance(applied, Config):
            current = applied
        else:
            problems.extend(Problem((*change_path, *problem.path), problem.message) for problem in applied)
    return current, problems


class _ChangeSeed:
    """Seeded choices for one change: stable across processes and Python versions, and the same for the same
    change in any scenario (`what`: the change itself; `repeat`: how many identical changes came before it in
    its scenario), so "intake +10 %" and "intake +10 % with two hires" grow the same cases and a comparison
    shows what the hires do. (Seeded by the scenario's name, they cloned 3 cases of 25 in common.)"""

    def __init__(self, seed: int, what: str, repeat: int) -> None:
        self.text = f"{seed}:{what}:{repeat}"

    def rank(self, identifier: str) -> str:
        return hashlib.sha256(f"{self.text}:{identifier}".encode()).hexdigest()

    def generator(self) -> random.Random:
        return random.Random(self.text)


def _change_problems(config: Config, change: ChangeKind, path: FieldPath) -> Iterator[Problem]:
    if isinstance(change, ManagerSelection):
        yield from _selection_problems(config, change, path)
    if isinstance(change, AddManagers):
        yield from _level_problems(config, change.level, (*path, "level"))
        yield from _region_problems(config, change.region, (*path, "region"))
        yield from _new_id_problems(config, change, path)
    elif isinstance(change, Leave) and change.days is not None:
        for index, day in enumerate(change.days):
            if not config.week_start <= day <= config.week_end:
                yield Problem((*path, "days", index), f"{day} is outside the planning week "
                                                      f"{config.week_start} to {config.week_end}")
    elif isinstance(change, CaseVolume):
        if change.type is not None and change.type not in config.policy.case_types:
            yield Problem((*path, "type"), _unknown("case type", change.type, config.policy.case_types))
        yield from _region_problems(config, change.region, (*path, "region"))
    elif isinstance(change, PolicyOverrides):
        for key in change.overrides:
            message = _override_path_problem(config.policy, key)
            if message is not None:
                yield Problem((*path, "overrides", key), message)


def _new_id_problems(config: Config, change: AddManagers, path: FieldPath) -> Iterator[Problem]:
    """New managers' ids (<prefix>-N) are ids like any other: at most MAX_ID_LENGTH characters."""
    last = max(_new_ids(config, change), key=len)
    if len(last) > MAX_ID_LENGTH:
        field = "id_prefix" if change.id_prefix is not None else "level"
        yield Problem((*path, field), f"the new managers' ids would be up to {len(last)} characters long "
                                      f"(<prefix>-{change.count}); an id is at most {MAX_ID_LENGTH}: give a "
                                      "shorter id_prefix")


def _new_ids(config: Config, change: AddManagers) -> list[str]:
    """The ids the new managers get: <prefix>-1, -2, ..., skipping ids the organisation has."""
    prefix = change.id_prefix or f"new-{change.level}"
    taken = set(config.managers_by_id)
    ids: list[str] = []
    number = 0
    while len(ids) < change.count:
        number += 1
        if f"{prefix}-{number}" not in taken:
            ids.append(f"{prefix}-{number}")
    return ids


def _selection_problems(config: Config, selection: ManagerSelection, path: FieldPath) -> Iterator[Problem]:
    if selection.ids is not None:
        for index, manager_id in enumerate(selection.ids):
            if manager_id not in config.managers_by_id:
                yield Problem((*path, "ids", index), _unknown("manager", manager_id, config.managers_by_id))
        return
    assert selection.filter is not None
    bad = list(_level_problems(config, selection.filter.level, (*path, "filter", "level")))
    bad += list(_region_problems(config, selection.filter.region, (*path, "filter", "region")))
    if bad:
        yield from bad
        return
    matched = sum(1 for manager in config.managers if selection.filter.matches(manager))
    if matched == 0:
        yield Problem((*path, "filter"), "no manager matches this filter")
    elif selection.count is not None and selection.count > matched:
        yield Problem((*path, "count"), f"only {matched} manager{'s match' if matched != 1 else ' matches'} "
                                        "the filter")


def _level_problems(config: Config, level: str | None, path: FieldPath) -> Iterator[Problem]:
    names = [item.name for item in config.policy.levels]
    if level is not None and level not in names:
        yield Problem(path, _unknown("level", level, names))


def _region_problems(config: Config, region: str | None, path: FieldPath) -> Iterator[Problem]:
    known = known_regions(config)
    if region is not None and region not in known:
        yield Problem(path, _unknown("region", region, known))


def known_regions(config: Config) -> list[str]:
    regions = {manager.region for manager in config.managers} | {client.region for client in config.clients}
    return sorted(region for region in regions if region is not None)


def _unknown(kind: str, value: str, known: Iterable[str]) -> str:
    known_list = sorted(known)
    close = difflib.get_close_matches(value, known_list, n=1)
    suggestion = f"did you mean '{close[0]}'? " if close else ""
    listing = ", ".join(known_list[:12]) + (", ..." if len(known_list) > 12 else "")
    return f"unknown {kind} '{value}'; {suggestion}{kind}s are {listing or '(none defined)'}"


# --------------------------------------------------------------------------------------------
# Applying changes
# --------------------------------------------------------------------------------------------


def _apply_change(config: Config, change: ChangeKind, seed: _ChangeSeed) -> Config | list[Problem]:
    """The changed config, or problems (paths relative to the change) when the result is invalid."""
    if isinstance(change, AddManagers):
        return config.rebuilt(managers=[*config.managers, *_new_managers(config, change)])
    if isinstance(change, RemoveManagers):
        return _remove_managers(config, set(_selected_managers(config, change, seed)))
    if isinstance(change, Leave):
        return _put_on_leave(config, set(_selected_managers(config, change, seed)), change)
    if isinstance(change, FteChange):
        chosen = set(_selected_managers(config, change, seed))
        return config.rebuilt(managers=[
            manager.model_copy(update={"fte": change.fte}) if manager.id in chosen else manager
            for manager in config.managers
        ])
    if isinstance(change, CaseVolume):
        return _scale_cases(config, change, seed)
    return _override_policy(config, change)


def _selected_managers(config: Config, selection: ManagerSelection, seed: _ChangeSeed) -> list[str]:
    """Ids the selection names; a filter with a count takes the matches ranked first by the seed."""
    if selection.ids is not None:
        return sorted(set(selection.ids))
    assert selection.filter is not None
    matches = sorted((manager.id for manager in config.managers if selection.filter.matches(manager)),
                     key=seed.rank)
    return sorted(matches[:selection.count] if selection.count is not None else matches)


def _new_managers(config: Config, change: AddManagers) -> list[Manager]:
    return [Manager(id=manager_id, name=f"New {change.level} {manager_id.rsplit('-', 1)[1]}", level=change.level,
                    fte=change.fte, region=change.region, languages=list(change.languages), skills=list(change.skills))
            for manager_id in _new_ids(config, change)]


def _remove_managers(config: Config, removed: set[str]) -> Config:
    """Cases of departing managers (locked ones too) lose their manager and await allocation."""
    cases = [
        case.model_copy(update={"manager": None, "locked": False}) if case.manager in removed else case
        for case in config.cases
    ]
    managers = [manager for manager in config.managers if manager.id not in removed]
    return config.rebuilt(managers=managers, cases=cases)


def _put_on_leave(config: Config, chosen: set[str], change: Leave) -> Config:
    days = config.working_days() if change.all_week else list(change.days or [])
    managers = [
        manager.model_copy(update={"leave": sorted(set(manager.leave) | set(days))})
        if manager.id in chosen else manager
        for manager in config.managers
    ]
    return config.rebuilt(managers=managers)


def _scale_cases(config: Config, change: CaseVolume, seed: _ChangeSeed) -> Config:
    matching = [case for case in config.cases if _case_matches(config, case, change)]
    target = math.floor(len(matching) * change.factor + 0.5)
    if target < len(matching):
        closing = set(sorted((case.id for case in matching), key=seed.rank)[:len(matching) - target])
        return config.rebuilt(cases=[case for case in config.cases if case.id not in closing])
    if target == len(matching):
        return config
    new_clients, new_cases = _cloned_intake(config, matching, target - len(matching), seed)
    return config.rebuilt(clients=[*config.clients, *new_clients], cases=[*config.cases, *new_cases])


def _case_matches(config: Config, case: Case, change: CaseVolume) -> bool:
    if change.type is not None and case.type != change.type:
        return False
    return change.region is None or config.clients_by_id[case.client].region == change.region


def _cloned_intake(config: Config, sources: list[Case], extra: int,
                   seed: _ChangeSeed) -> tuple[list[Client], list[Case]]:
    """`extra` new cases, each a copy of an existing one, for a new client in a new household.

    Every source is cloned once per full round, then a seeded sample of the remainder, so the new
    intake has the mix (types, complexities, regions, languages, contacts) of the cases it grows.
    The clone has no manager and is not locked (new intake); client names are not copied.
    """
    rounds, remainder = divmod(extra, len(sources))
    ordered = sorted(sources, key=lambda case: case.id)
    picks = ordered * rounds + sorted(seed.generator().sample(ordered, remainder), key=lambda case: case.id)
    case_ids = set(config.cases_by_id)
    client_ids = set(config.clients_by_id)
    households = {client.household for client in config.clients if client.household is not None}
    clients: list[Client] = []
    cases: list[Case] = []
    for source in picks:
        case_id = _fresh_id(source.id, case_ids)
        client = config.clients_by_id[source.client]
        client_id = _fresh_id(client.id, client_ids)
        household = _fresh_id(client.household, households) if client.household is not None else None
        clients.append(client.model_copy(update={"id": client_id, "name": "", "household": household}))
        cases.append(source.model_copy(update={
            "id": case_id, "client": client_id, "manager": None, "locked": False, "opened": config.week_start,
        }))
    return clients, cases


def _fresh_id(base: str, taken: set[str]) -> str:
    """`<base>-g<n>` with the smallest n not yet taken; records it as taken."""
    number = 1
    while f"{base}-g{number}" in taken:
        number += 1
    fresh = f"{base}-g{number}"
    taken.add(fresh)
    return fresh


# --------------------------------------------------------------------------------------------
# Policy overrides: dotted paths into the policy
# --------------------------------------------------------------------------------------------


def _override_path_problem(policy: Policy, dotted: str) -> str | None:
    """Why `dotted` does not name a policy value, or None when it does."""
    data: Any = policy.model_dump()
    walked: list[str] = []
    for part in dotted.split("."):
        if isinstance(data, dict):
            if part not in data:
                return _unknown_part(walked, part, list(data))
            data = data[part]
        elif isinstance(data, list):
            index = _list_index(data, part)
            if index is None:
                names = [str(item.get("name", i)) for i, item in enumerate(data) if isinstance(item, dict)]
                return _unknown_part(walked, part, names)
            data = data[index]
        else:
            return f"'{'.'.join(walked)}' is a single value; '{dotted}' goes past it"
        walked.append(part)
    return None


def _unknown_part(walked: list[str], part: str, known: list[str]) -> str:
    where = f"under '{'.'.join(walked)}'" if walked else "in the policy"
    close = difflib.get_close_matches(part, known, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"no '{part}' {where}; {hint}choices are {', '.join(known)}"


def _list_index(items: list[Any], part: str) -> int | None:
    """A list entry by its `name` (levels.junior) or by position (levels.0)."""
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return index
    if part.isdigit() and int(part) < len(items):
        return int(part)
    return None


def _override_policy(config: Config, change: PolicyOverrides) -> Config | list[Problem]:
    data: Any = config.policy.model_dump()
    for dotted, value in change.overrides.items():
        _set_path(data, dotted.split("."), value)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as error:
        return [Problem(("overrides", _override_key(change, tuple(detail["loc"]))), _message(detail["msg"]))
                for detail in error.errors()]
    changed = config.rebuilt(policy=policy)
    problems = [problem for problem in find_problems(changed) if problem.path[:1] == ("policy",)]
    if problems:
        return [Problem(("overrides", _override_key(change, problem.path[1:])), problem.message)
                for problem in problems]
    return changed


def _set_path(data: Any, parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        data = data[part] if isinstance(data, dict) else data[_list_index(data, part) or 0]
    last = parts[-1]
    if isinstance(data, dict):
        data[last] = value
    else:
        data[_list_index(data, last) or 0] = value


def _override_key(change: PolicyOverrides, loc: tuple[Any, ...]) -> str:
    """The override that most likely caused an error at `loc` (a path inside the policy)."""
    best = next(iter(change.overrides))
    best_depth = -1
    for dotted in change.overrides:
        depth = _shared_depth(dotted.split("."), loc)
        if depth > best_depth:
            best, best_depth = dotted, depth
    return best


def _shared_depth(parts: list[str], loc: tuple[Any, ...]) -> int:
    depth = 0
    for part, step in zip(parts, loc, strict=False):
        if part != str(step) and not (isinstance(step, int) and not part.isdigit()):
            break
        depth += 1
    return depth


def _message(text: str) -> str:
    return text[len("Value error, "):] if text.startswith("Value error, ") else text
