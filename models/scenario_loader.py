"""Loading a scenario file with located errors, checked against the config it will change.

Reads YAML with the config loader's machinery (positions for every value, no tags, anchors or
duplicate keys), so a mistake is reported as `FILE:LINE:COL: field.path: message` and the CLI
exits 1, exactly as for a config.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from models.loader import located_validation_problems, ordered_problems, read_yaml
from models.organisation import Config
from models.problems import ConfigError, LocatedProblem
from models.scenario import ScenarioFile, scenario_problems


def load_scenarios(path: Path, config: Config, seed: int = 0) -> ScenarioFile:
    """The scenario file, validated and cross-checked; raises `ConfigError` listing every problem."""
    data, source, problems = read_yaml(path, "scenario")
    if problems:
        raise ConfigError(ordered_problems(problems, source))
    if not isinstance(data, dict):
        raise ConfigError([LocatedProblem(str(path), 1, 1, "", (
            "the top level must be a mapping with a 'scenarios:' list of {name, description, changes}"
        ))])
    try:
        scenarios = ScenarioFile.model_validate(data)
    except ValidationError as error:
        raise ConfigError(located_validation_problems(error, source, ScenarioFile)) from None
    found = scenario_problems(config, scenarios, seed)
    if found:
        raise ConfigError(ordered_problems([source.locate(problem.path, problem.message) for problem in found],
                                           source))
    return scenarios
