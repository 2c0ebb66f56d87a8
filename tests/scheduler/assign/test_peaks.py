"""The peak search (scheduler.assign.peaks) against brute force on tiny generated organisations."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest

from models.generator import generate_organisation
from scheduler.assign.data import AssignmentData, Counts, ItemType, build_data
from scheduler.assign.greedy import greedy_counts
from scheduler.assign.model import Coefficients
from scheduler.assign.peaks import peak_search
from scheduler.assign.solve import _stage_steps, evaluate
from scheduler.assign.terms import TERM_NAMES


def _splits(total: int, slots: int) -> Iterator[tuple[int, ...]]:
    """Every way to put `total` identical bundles into `slots` ordered slots."""
    if slots == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _splits(total - first, slots - 1):
            yield (first, *rest)


def _options(item: ItemType) -> list[tuple[dict[tuple[int, int], int], dict[tuple[int, int], int], int]]:
    """Every (kept, received, unassigned) split of one item type that the model allows."""
    keepers = sorted(item.keepers)
    receivers = sorted(item.receivers)
    found = []
    for split in _splits(item.total, len(keepers) + len(receivers) + 1):
        kept = dict(zip(((m, item.index) for m in keepers), split[:len(keepers)], strict=True))
        if any(count > item.held[m] for (m, _), count in kept.items()):
            continue
        received = dict(zip(((m, item.index) for m in receivers), split[len(keepers):-1], strict=True))
        found.append(({k: v for k, v in kept.items() if v}, {k: v for k, v in received.items() if v}, split[-1]))
    return found


def _brute_force(data: AssignmentData, coefficients: Coefficients) -> int:
    best: int | None = None
    for choice in itertools.product(*(_options(item) for item in data.types)):
        counts = Counts(kept={}, received={}, unassigned={})
        for item, (kept, received, unassigned) in zip(data.types, choice, strict=True):
            counts.kept.update(kept)
            counts.received.update(received)
            if unassigned:
                counts.unassigned[item.index] = unassigned
        value = evaluate(data, coefficients, counts, TERM_NAMES)
        best = value if best is None else min(best, value)
    assert best is not None
    return best


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_bound_and_plan_match_the_brute_force_optimum(seed: int) -> None:
    config = generate_organisation(3, 6, seed).to_config()
    data = build_data(config)
    coefficients = Coefficients.from_weights(config.policy.weights)
    optimum = _brute_force(data, coefficients)
    candidates = {item.index: list(item.receivers) for item in data.types}
    found = peak_search(data, coefficients, _stage_steps(TERM_NAMES), candidates, TERM_NAMES, greedy_counts(data),
                        lambda counts: evaluate(data, coefficients, counts, TERM_NAMES), time.monotonic() + 60,
                        workers=1, seed=1, deterministic_variables=2_000)
    assert found.bound is not None
    assert found.bound <= optimum
    assert found.objective == evaluate(data, coefficients, found.counts, TERM_NAMES) == optimum
    assert found.bound == optimum
