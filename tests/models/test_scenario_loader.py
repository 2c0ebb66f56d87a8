"""Scenario files: located errors (FILE:LINE:COL: field: message), exact lines, every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.organisation import Config
from models.problems import ConfigError
from models.scenario_loader import load_scenarios

GOOD = """\
scenarios:
  - name: two seniors on leave
    description: the senior team is away
    changes:
      - leave: {filter: {level: senior}, all_week: true}
  - name: hire a junior south
    changes:
      - add_managers: {count: 1, level: junior, region: south, languages: [en, es]}
      - cases: {factor: 1.2}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenarios.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_in_order(tmp_path: Path, tiny_config: Config) -> None:
    loaded = load_scenarios(write(tmp_path, GOOD), tiny_config)
    assert [s.name for s in loaded.scenarios] == ["two seniors on leave", "hire a junior south"]
    assert [s.slug for s in loaded.scenarios] == ["two-seniors-on-leave", "hire-a-junior-south"]
    assert [c.kind for c in loaded.scenarios[1].changes] == ["add_managers", "cases"]


@pytest.mark.parametrize(("text", "line", "field", "message"), [
    # an unknown manager id: pointed at the id itself, with a hint
    ("scenarios:\n  - name: a\n    changes:\n      - remove_managers:\n          ids: [m-ana, m-bn]\n",
     5, "scenarios[0].changes[0].remove_managers.ids[1]", "unknown manager 'm-bn'; did you mean 'm-ben'?"),
    # an unknown level in add_managers
    ("scenarios:\n  - name: a\n    changes:\n      - add_managers:\n          count: 2\n          level: mid\n",
     6, "scenarios[0].changes[0].add_managers.level", "unknown level 'mid'"),
    # an unknown region in a filter
    ("scenarios:\n  - name: a\n    changes:\n      - leave:\n          filter: {region: west}\n"
     "          all_week: true\n",
     5, "scenarios[0].changes[0].leave.filter.region", "unknown region 'west'"),
    # two kinds in one change
    ("scenarios:\n  - name: a\n    changes:\n      - fte: {ids: [m-ben], fte: 0.5}\n"
     "        cases: {factor: 2}\n",
     4, "scenarios[0].changes[0]", "a change names exactly one kind"),
    # a change kind that does not exist
    ("scenarios:\n  - name: a\n    changes:\n      - hire: {count: 2}\n",
     4, "scenarios[0].changes[0].hire", "unknown key 'hire'"),
    # an FTE above 1
    ("scenarios:\n  - name: a\n    changes:\n      - fte: {ids: [m-ben], fte: 1.5}\n",
     4, "scenarios[0].changes[0].fte.fte", "Input should be less than or equal to 1"),
    # leave without days or all_week
    ("scenarios:\n  - name: a\n    changes:\n      - leave:\n          ids: [m-ben]\n",
     5, "scenarios[0].changes[0].leave", "give either days: [dates] or all_week: true"),
    # a negative growth factor
    ("scenarios:\n  - name: a\n    changes:\n      - cases: {factor: -1}\n",
     4, "scenarios[0].changes[0].cases.factor", "Input should be greater than 0"),
    # a bad policy path, pointed at the override's line
    ("scenarios:\n  - name: a\n    changes:\n      - policy:\n          overrides:\n"
     "            weights.move: 5\n",
     6, "scenarios[0].changes[0].policy.overrides.weights.move", "no 'move' under 'weights'; did you mean 'moves'?"),
    # the reserved name 'base'
    ("scenarios:\n  - name: base\n    changes: []\n",
     2, "scenarios[0].name", "'base' is reserved"),
    # two names that make the same folder
    ("scenarios:\n  - name: Leave\n  - name: leave!\n",
     3, "scenarios[1].name", "scenario names 'Leave' and 'leave!' both make the folder name 'leave'"),
    # a YAML syntax error
    ("scenarios:\n  - name: a\n    changes: [\n", 4, "", "YAML syntax error"),
])
def test_invalid_files_get_located_errors(tmp_path: Path, tiny_config: Config, text: str, line: int, field: str,
                                          message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_scenarios(path, tiny_config)
    problems = raised.value.problems
    assert len(problems) == 1, [str(problem) for problem in problems]
    problem = problems[0]
    assert (problem.file, problem.line, problem.field) == (str(path), line, field)
    assert message in problem.message
    assert str(problem).startswith(f"{path}:{line}:")


def test_every_problem_of_the_file_is_reported_in_line_order(tmp_path: Path, tiny_config: Config) -> None:
    text = ("scenarios:\n"
            "  - name: a\n"
            "    changes:\n"
            "      - remove_managers: {ids: [m-x]}\n"
            "  - name: b\n"
            "    changes:\n"
            "      - cases: {factor: 1.1, region: mars}\n")
    with pytest.raises(ConfigError) as raised:
        load_scenarios(write(tmp_path, text), tiny_config)
    assert [(p.line, p.field) for p in raised.value.problems] == [
        (4, "scenarios[0].changes[0].remove_managers.ids[0]"),
        (7, "scenarios[1].changes[0].cases.region"),
    ]


def test_a_file_without_the_scenarios_list_is_refused(tmp_path: Path, tiny_config: Config) -> None:
    with pytest.raises(ConfigError) as raised:
        load_scenarios(write(tmp_path, "- name: a\n"), tiny_config)
    assert raised.value.problems[0].line == 1
    assert "scenarios:" in raised.value.problems[0].message
