"""The refactoring guard: the plans of the example configs and of generated S and M organisations
are exactly those recorded in tests/golden/data (everything but wall-clock runtimes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden.plans import CASES, GoldenCase, canonical, read_golden, solve


def _first_difference(expected: object, actual: object, path: str = "plan") -> str:
    """Where two JSON values first differ, for a readable failure."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if expected.get(key) != actual.get(key):
                return _first_difference(expected.get(key), actual.get(key), f"{path}.{key}")
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} items recorded, {len(actual)} now"
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            if left != right:
                return _first_difference(left, right, f"{path}[{index}]")
    return f"{path}: recorded {expected!r}, now {actual!r}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_plan_is_identical_to_the_recorded_one(case: GoldenCase, tmp_path: Path) -> None:
    expected = read_golden(case)
    actual = canonical(solve(case, tmp_path))
    assert actual == expected, _first_difference(expected, actual)
