"""Every example organisation in configs/ is valid: a new user can run each of them at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from models.loader import load_config
from scheduler.core.eligibility import Eligibility

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
# Organisations only: configs/scenarios/ holds what-if scenario files for them, another format.
EXAMPLES = sorted(path for path in CONFIGS.glob("**/*.yaml") if "scenarios" not in path.relative_to(CONFIGS).parts)


def test_there_are_at_least_two_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: str(path.relative_to(CONFIGS)))
def test_example_validates(path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("valid:")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: str(path.relative_to(CONFIGS)))
def test_example_shows_the_features_it_teaches(path: Path) -> None:
    """Each example has something for every stage to do and every rule to show."""
    config = load_config(path)
    clients = config.clients_by_id
    assert any(case.locked for case in config.cases)
    assert any(case.escalate for case in config.cases)
    assert any(case.manager is None for case in config.cases)  # intake waiting for a manager
    assert any(client.language == "es" for client in config.clients)
    assert any(manager.fte < 1 for manager in config.managers)
    assert any(0 < len(config.manager_days(manager)) < len(config.working_days()) for manager in config.managers)
    households = [client.household for client in config.clients if client.household is not None]
    assert len(households) > len(set(households))  # some household has two or more clients
    load: dict[str, float] = {}
    for case in config.cases:
        if case.manager is not None:
            load[case.manager] = load.get(case.manager, 0.0) + config.case_points(case)
    assert any(load.get(m.id, 0.0) > config.capacity_points(m) for m in config.managers)
    eligibility = Eligibility(config)
    assert all(eligibility.managers_for(case) for case in config.cases), "every case has a possible taker"
    assert all(case.client in clients for case in config.cases)
