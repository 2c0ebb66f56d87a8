"""Tiny rebalancing instances built in code, and a brute-force reference that enumerates every assignment.

The brute force re-derives households, locks and the peak from the config on its own; only "who may
carry which case" comes from the shared eligibility rules (they have their own tests).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from models.organisation import Config
from scheduler.core.eligibility import Eligibility

WEEK = "2026-11-30"
OLD = "2025-01-06"
RECENT_CONTACT = "2026-11-20"


def policy(tolerance: float = 1.0) -> dict[str, Any]:
    return {
        "levels": [
            {"name": "junior", "capacity_points": 10, "max_cases": 6, "max_complexity": "moderate"},
            {"name": "senior", "capacity_points": 10, "max_cases": 6, "max_complexity": "high"},
        ],
        "complexities": [{"name": "low", "points": 1}, {"name": "moderate", "points": 2},
                         {"name": "high", "points": 3}],
        "case_types": {"care": {"factor": 1.0}},
        "balance_tolerance": tolerance,
    }


def manager(manager_id: str, level: str = "senior", region: str = "north", **extra: Any) -> dict[str, Any]:
    return {"id": manager_id, "name": f"Name {manager_id}", "level": level, "region": region, **extra}


def client(client_id: str, region: str = "north", **extra: Any) -> dict[str, Any]:
    return {"id": client_id, "name": f"Pat {client_id.upper()} Doe", "region": region, **extra}


def case(case_id: str, client_id: str, points: float, manager_id: str | None, *, light: bool = False,
         **extra: Any) -> dict[str, Any]:
    """A case whose move costs full continuity (old, contacted this month) unless `light`."""
    contact_last = None if light else RECENT_CONTACT
    contact: dict[str, Any] = {"mode": "phone", "minutes": 15, "frequency": "monthly"}
    if contact_last:
        contact["last"] = contact_last
    return {"id": case_id, "client": client_id, "type": "care", "complexity": "low", "points": points,
            "opened": OLD, "manager": manager_id, "contacts": [contact], **extra}


def config(managers: list[dict[str, Any]], clients: list[dict[str, Any]], cases: list[dict[str, Any]],
           **policy_values: Any) -> Config:
    return Config.model_validate({
        "week_start": WEEK,
        "policy": {**policy(), **policy_values},
        "managers": managers,
        "clients": clients,
        "cases": cases,
    })


def random_instance(seed: int) -> Config:
    """3 managers, 6 cases: households, a lock, Spanish, a senior-only case and intake; small enough
    that every assignment can be listed (3^6)."""
    rng = random.Random(seed)
    managers = [
        manager("m-a", "senior", "north", languages=["en", "es"]),
        manager("m-b", "junior", "north"),
        manager("m-c", rng.choice(["junior", "senior"]), "south", fte=rng.choice([0.6, 0.8, 1.0])),
    ]
    clients = [
        client("c1", "north", household="h1"), client("c2", "north", household="h1"),
        client("c3", "south", language=rng.choice(["en", "es"])), client("c4", "south"),
        client("c5", rng.choice(["north", "south"])), client("c6", "north"),
    ]
    holders = ["m-a", "m-a", "m-a", "m-a", None, rng.choice(["m-a", "m-b"])]
    cases = []
    for index in range(6):
        complexity = "high" if index == 2 else rng.choice(["low", "moderate"])
        points = {"low": 1, "moderate": 2, "high": 3}[complexity] * rng.choice([1, 1.5, 2])
        item = case(f"K-{index + 1}", f"c{index + 1}", points, holders[index], light=rng.random() < 0.4)
        item["complexity"] = complexity
        cases.append(item)
    cases[3]["locked"] = rng.random() < 0.5
    return config(managers, clients, cases, balance_tolerance=rng.choice([0.0, 0.05, 0.2]))


@dataclass(frozen=True)
class Enumerated:
    moves: int
    peak: int
    """Thousandths, rounded up, as the solver counts it."""


def enumerate_assignments(cfg: Config) -> Iterator[Enumerated]:
    """Every assignment that keeps the hard rules (case counts within max_cases), with its moves and peak."""
    eligibility = Eligibility(cfg)
    options = [eligibility.managers_for(item) or (None,) for item in cfg.cases]
    households: dict[str, list[int]] = {}
    for index, item in enumerate(cfg.cases):
        key = cfg.clients_by_id[item.client].household_key
        households.setdefault(key, []).append(index)
    for choice in itertools.product(*options):
        if any(len({choice[i] for i in members}) > 1 for members in households.values()):
            continue
        load = {m.id: 0 for m in cfg.managers}
        count = {m.id: 0 for m in cfg.managers}
        for item, manager_id in zip(cfg.cases, choice, strict=True):
            if manager_id is not None:
                load[manager_id] += round(cfg.case_points(item) * 1000)
                count[manager_id] += 1
        if any(count[m.id] > cfg.max_cases(m) for m in cfg.managers):
            continue
        moves = sum(1 for item, manager_id in zip(cfg.cases, choice, strict=True)
                    if item.manager is not None and manager_id != item.manager)
        peak = max(-(-1000 * load[m.id] // round(cfg.capacity_points(m) * 1000)) for m in cfg.managers)
        yield Enumerated(moves, peak)


def fewest_moves(cfg: Config, peak: int) -> int | None:
    return min((item.moves for item in enumerate_assignments(cfg) if item.peak <= peak), default=None)


def best_peak(cfg: Config) -> int:
    return min(item.peak for item in enumerate_assignments(cfg))


def best_peak_within(cfg: Config, moves: int) -> int:
    return min(item.peak for item in enumerate_assignments(cfg) if item.moves <= moves)
