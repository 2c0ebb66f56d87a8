"""The greedy least-loaded assignment (the supervisor's hand method)."""

from __future__ import annotations

from models.organisation import Config
from scheduler.assign.greedy import greedy_plan
from tests.scheduler.assign.instances import case, client, manager, organisation


def test_greedy_keeps_current_cases_and_places_intake_least_loaded(tiny_config: Config) -> None:
    plan = greedy_plan(tiny_config)
    chosen = {item.case_id: item.manager_id for item in plan.assignments}
    # K-1, K-4, K-5 stay; the household h-1 is split (K-1 Ana, K-2 Ben) so it is placed whole at the
    # only manager with room for both (Ana: 3 + 1 <= 6); K-3 needs Ana (skill, Spanish).
    assert chosen == {"K-1": "m-ana", "K-2": "m-ana", "K-3": "m-ana", "K-4": "m-cy", "K-5": "m-cy"}


def test_greedy_prefers_the_least_utilised_manager_in_the_clients_region() -> None:
    config = organisation(
        [manager("m-a", region="north"), manager("m-b", region="north"), manager("m-c", region="south")],
        [client("c-0", region="north"), client("c-1", region="north")],
        [case("K-0", "c-0", "moderate", manager="m-a"), case("K-1", "c-1")],
    )
    chosen = {item.case_id: item.manager_id for item in greedy_plan(config).assignments}
    assert chosen == {"K-0": "m-a", "K-1": "m-b"}


def test_greedy_overloads_rather_than_leaving_a_case_unassigned() -> None:
    config = organisation([manager("m-a")], [client(f"c-{i}") for i in range(6)],
                          [case(f"K-{i}", f"c-{i}", "moderate") for i in range(6)])
    plan = greedy_plan(config)
    assert plan.summary.unassigned_cases == 0
    assert plan.summary.overload_points == 2.0
