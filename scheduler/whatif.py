"""Plan every scenario of a what-if run, in a local process pool or on a Dask cluster.

Each scenario is planned like the base (balance, then schedule: `scheduler.pipeline.plan_week`)
by `plan_scenario`, a plain function from text to text: the base config as JSON, the scenario as
JSON, the seed and the time limit in; a `ScenarioOutcome` (comparison row + plan) as JSON out.
The same function runs in-process (`jobs=1`), in a `spawn` process pool (`jobs>1`) and on Dask
workers (`cluster=tcp://host:port`), so the three give the same rows and plans: every solver model
is built inside the process that solves it, with one CP-SAT thread and the run's seed.

The base organisation is always the first scenario ('base'). A scenario that leaves no manager
gets a row with every case unassigned instead of a solve.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from models.check import check_plan
from models.organisation import Config
from models.plan import Plan, SolverStats
from models.reasons import reason_text
from models.scenario import Scenario, ScenarioOutcome, ScenarioRow, apply_scenario, base_scenario
from scheduler.core.options import SolveOptions
from scheduler.core.planbuild import build_plan
from scheduler.core.reasons import Reason
from scheduler.pipeline import plan_week

OnDone = Callable[[int, ScenarioOutcome], None]
# Wall-clock backstop of each scenario's stages, as a multiple of their work budget.
WHATIF_BACKSTOP = 3.0
# A scenario's status when its plan broke a hard rule (an engine bug; the plan is not kept).
RULES_BROKEN = "rules_broken"
# A scenario's status when planning it raised an error (an engine bug): its row says so, the others stand.
FAILED = "failed"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WhatIfOptions:
    """How to run the scenarios; every solve inside uses one CP-SAT thread."""

    time_limit_s: float = 30.0
    seed: int = 0
    jobs: int = 1
    cluster: str | None = None
    connect_timeout_s: float = 20.0


class ClusterUnavailable(Exception):
    """The Dask cluster cannot be used (not installed, or not reachable)."""


def run_scenarios(config: Config, scenarios: Sequence[Scenario], options: WhatIfOptions,
                  on_done: OnDone | None = None) -> list[ScenarioOutcome]:
    """Outcomes of the base and then each scenario, in that order.

    `on_done(index, outcome)` is called as each one finishes (in completion order), for progress.
    """
    runs = [base_scenario(), *scenarios]
    config_json = config.model_dump_json()
    scenario_jsons = [scenario.model_dump_json() for scenario in runs]
    if options.cluster is not None:
        texts = _run_on_cluster(options.cluster, config_json, scenario_jsons, options, on_done)
    elif options.jobs <= 1:
        texts = _run_in_process(config_json, scenario_jsons, options, on_done)
    else:
        texts = _run_in_pool(config_json, scenario_jsons, options, on_done)
    return [ScenarioOutcome.model_validate_json(text) for text in texts]


def _notify(on_done: OnDone | None, index: int, text: str) -> None:
    if on_done is not None:
        on_done(index, ScenarioOutcome.model_validate_json(text))


def _run_in_process(config_json: str, scenario_jsons: list[str], options: WhatIfOptions,
                    on_done: OnDone | None) -> list[str]:
    texts = []
    for index, scenario_json in enumerate(scenario_jsons):
        texts.append(plan_scenario(config_json, scenario_json, options.seed, options.time_limit_s))
        _notify(on_done, index, texts[-1])
    return texts


def _run_in_pool(config_json: str, scenario_jsons: list[str], options: WhatIfOptions,
                 on_done: OnDone | None) -> list[str]:
    # spawn: no solver state or threads are inherited from the parent (fork with threads is unsafe).
    texts: list[str | None] = [None] * len(scenario_jsons)
    with ProcessPoolExecutor(max_workers=options.jobs, mp_context=get_context("spawn")) as pool:
        futures = {
            pool.submit(plan_scenario, config_json, scenario_json, options.seed, options.time_limit_s): index
            for index, scenario_json in enumerate(scenario_jsons)
        }
        for future in as_completed(futures):
            index = futures[future]
            texts[index] = future.result()
            _notify(on_done, index, future.result())
    return _all_done(texts)


def _run_on_cluster(address: str, config_json: str, scenario_jsons: list[str], options: WhatIfOptions,
                    on_done: OnDone | None) -> list[str]:
    """The same work on a Dask cluster: the config goes to each worker once, as text."""
    try:
        # Imported as a plain module (typed Any): Dask is an optional extra, typed or not installed.
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise ClusterUnavailable(
            "--cluster needs Dask: pip install 'caseload[distributed]'") from None
    try:
        client = distributed.Client(address, timeout=options.connect_timeout_s)
    except (OSError, TimeoutError, ValueError) as error:  # ValueError: an address Dask cannot parse
        raise ClusterUnavailable(f"cannot reach the Dask scheduler at {address}: {error}") from None
    run_id = uuid.uuid4().hex[:8]
    texts: list[str | None] = [None] * len(scenario_jsons)
    with client:
        shared_config = client.scatter(config_json, broadcast=True)
        futures = {
            client.submit(plan_scenario, shared_config, scenario_json, options.seed, options.time_limit_s,
                          key=f"caseload-whatif-{run_id}-{index}", pure=False): index
            for index, scenario_json in enumerate(scenario_jsons)
        }
        for future in distributed.as_completed(list(futures)):
            index = futures[future]
            text = future.result()
            texts[index] = text
            _notify(on_done, index, text)
    return _all_done(texts)


def _all_done(texts: list[str | None]) -> list[str]:
    done = [text for text in texts if text is not None]
    if len(done) != len(texts):
        raise RuntimeError("a scenario returned no result")
    return done


# --------------------------------------------------------------------------------------------
# One scenario, inside whichever process runs it
# --------------------------------------------------------------------------------------------


def plan_scenario(config_json: str, scenario_json: str, seed: int, time_limit_s: float) -> str:
    """Apply the scenario to the base config, plan the week, and return the outcome as JSON text."""
    base = Config.model_validate_json(config_json)
    scenario = Scenario.model_validate_json(scenario_json)
    config = base
    try:
        config = apply_scenario(base, scenario, seed)
        # Work-measured limits with a loose backstop: a scenario's plan must not depend on the CPU share
        # its process got (two processes on two cores run slower than one).
        options = SolveOptions(time_limit_s=time_limit_s, workers=1, seed=seed, deterministic=True,
                               wall_clock_backstop=WHATIF_BACKSTOP)
        plan = _plan(config, options)
    except Exception as error:  # one scenario's failure is that scenario's row, not the whole run
        log.error("scenario %s could not be planned: %s: %s", scenario.slug, type(error).__name__, error)
        row = scenario_row(scenario, config, None, base_assignment(base)).model_copy(update={"status": FAILED})
        return ScenarioOutcome(row=row, plan=None).model_dump_json()
    broken = check_plan(config, plan) if plan is not None else []
    if broken:
        # A plan that breaks a hard rule is an engine bug: this scenario's row says so, with no plan;
        # the other scenarios stand.
        log.error("scenario %s: the plan breaks %d hard rule(s), first %s on %s; it is not kept",
                  scenario.slug, len(broken), broken[0].rule, broken[0].subject)
        plan = None
    row = scenario_row(scenario, config, plan, base_assignment(base))
    if broken:
        row = row.model_copy(update={"status": RULES_BROKEN})
    return ScenarioOutcome(row=row, plan=plan).model_dump_json()


def _plan(config: Config, options: SolveOptions) -> Plan | None:
    if not config.managers:
        return _nobody_to_assign(config)
    return plan_week(config, options).plan


def _nobody_to_assign(config: Config) -> Plan:
    """Every case unassigned: there is no manager to solve for."""
    reason = Reason("no_manager_available", reason_text("no_manager_available", "no_managers"))
    reasons = dict.fromkeys(config.cases_by_id, reason)
    stats = SolverStats(stage="assign", status="optimal", objective=0.0, bound=0.0, gap=0.0,
                        notes=["no managers: nothing to solve"])
    return build_plan(config, dict.fromkeys(config.cases_by_id), unassigned_reasons=reasons, solver=[stats])


def base_assignment(config: Config) -> dict[str, str | None]:
    return {case.id: case.manager for case in config.cases}


def scenario_row(scenario: Scenario, config: Config, plan: Plan | None,
                 base: dict[str, str | None]) -> ScenarioRow:
    """The comparison figures of one planned scenario (or of an unplanned one: all unassigned)."""
    levels = [level.name for level in config.policy.levels]
    by_level = {summary.level: summary for summary in plan.levels} if plan is not None else {}
    demand = sum(config.case_points(case) for case in config.cases)
    # Capacity net of leave: each manager's points times the share of the week's working days they work.
    working = len(config.working_days())
    capacity_by_level = {
        name: round(sum(config.capacity_points(m) * len(config.manager_days(m)) / working
                        for m in config.managers if m.level == name) if working else 0.0, 6)
        for name in levels
    }
    summary = plan.summary if plan is not None else None
    return ScenarioRow(
        name=scenario.name, slug=scenario.slug, description=scenario.description,
        status=_status(plan),
        managers=len(config.managers),
        managers_on_leave=sum(1 for manager in config.managers if config.on_leave_all_week(manager)),
        managers_by_level={name: sum(1 for m in config.managers if m.level == name) for name in levels},
        capacity_by_level=capacity_by_level,
        demand_points=round(demand, 6),
        capacity_points=round(sum(capacity_by_level.values()), 6),
        max_utilisation_by_level={name: by_level[name].max_utilisation if name in by_level else 0.0
                                  for name in levels},
        mean_utilisation_by_level={name: by_level[name].mean_utilisation if name in by_level else 0.0
                                   for name in levels},
        max_utilisation=summary.max_utilisation if summary else 0.0,
        overloaded_managers=sum(1 for load in plan.managers if load.overloaded) if plan else 0,
        cases=len(config.cases),
        unassigned_cases=summary.unassigned_cases if summary else len(config.cases),
        unassigned_points=summary.unassigned_points if summary else round(demand, 6),
        moves=_moves(plan, base),
        contacts_due=_contacts_due(config),
        # The cases' own contacts, against contacts_due (introductions of moved cases are extra).
        contacts_scheduled=sum(1 for contact in plan.contacts if not contact.introduction) if plan else 0,
        travel_hours=round(summary.travel_minutes / 60, 2) if summary else 0.0,
    )


def _status(plan: Plan | None) -> str:
    if plan is None:
        return "no_plan"
    stages = [stats.status for stats in plan.solver if stats.stage.startswith("assign")]
    return stages[0] if stages else "not_run"


def _moves(plan: Plan | None, base: dict[str, str | None]) -> int:
    if plan is None:
        return 0
    return sum(1 for item in plan.assignments
               if item.manager_id is not None and base.get(item.case_id) not in (None, item.manager_id))


def _contacts_due(config: Config) -> int:
    """Contacts due this week for every open case, assigned or not."""
    return sum(len(config.due_contacts(case)) for case in config.cases)
