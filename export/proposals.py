"""Reassignment proposals for a supervisor: proposals.csv / proposals.json (one row per move, ranked by
benefit), curve.csv (moves against peak utilisation) and a verifiable plan per curve point.

Clients appear by case id and initials only. A supervisor deletes the rows they reject from
proposals.csv and feeds the rest to `caseload apply` (models/proposals.py reads it back).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from export.files import csv_text, plan_json
from export.output_set import OwnedNames, write_output_set
from export.tables import assignments_csv
from models.organisation import Config
from models.plan import Plan
from models.proposals import PROPOSALS_FORMAT_VERSION, CurvePoint, Proposals
from models.result import Result

PROPOSAL_COLUMNS = (
    "rank", "case", "client_initials", "moves_with", "from_manager", "to_manager", "points", "rule", "reason",
    "from_utilisation_before", "from_utilisation_after", "to_utilisation_before", "to_utilisation_after",
)
CURVE_COLUMNS = ("moves", "max_utilisation", "overloaded_managers", "threshold", "proven_minimal", "plan")


def initials(name: str) -> str:
    """'Dana Smith' -> 'D.S.'; 'Mary-Ann de la Cruz' -> 'M.d.l.C.'; no name -> ''."""
    return "".join(f"{part[0]}." for part in name.split() if part)


def proposal_rows(plan: Plan, before: Plan, config: Config) -> list[dict[str, Any]]:
    """The plan's moves, in the plan's (benefit) order, with what each does to both managers."""
    utilisation_before = {load.manager_id: load.utilisation for load in before.managers}
    utilisation_after = {load.manager_id: load.utilisation for load in plan.managers}
    groups: dict[tuple[str | None, str], list[str]] = {}
    for move in plan.moves:
        groups.setdefault((_household(config, move.client_id), move.to_manager), []).append(move.case_id)
    rows = []
    for rank, move in enumerate(plan.moves, start=1):
        household = _household(config, move.client_id)
        companions = [case_id for case_id in groups[household, move.to_manager] if case_id != move.case_id]
        source = move.from_manager
        rows.append({
            "rank": rank,
            "case": move.case_id,
            "client_initials": initials(config.clients_by_id[move.client_id].name),
            "moves_with": " ".join(companions) if household is not None else "",
            "from_manager": source or "",
            "to_manager": move.to_manager,
            "points": move.points,
            "rule": move.rule,
            "reason": move.reason,
            "from_utilisation_before": utilisation_before[source] if source else None,
            "from_utilisation_after": utilisation_after[source] if source else None,
            "to_utilisation_before": utilisation_before[move.to_manager],
            "to_utilisation_after": utilisation_after[move.to_manager],
        })
    return rows


def _household(config: Config, client_id: str) -> str | None:
    household = config.clients_by_id[client_id].household
    return household if config.policy.households_together else None


def proposals_csv(plan: Plan, before: Plan, config: Config) -> str:
    rows = proposal_rows(plan, before, config)
    return csv_text(PROPOSAL_COLUMNS, ([row[column] for column in PROPOSAL_COLUMNS] for row in rows))


def curve_rows(curve: list[CurvePoint]) -> list[dict[str, Any]]:
    return [
        {
            "moves": point.moves,
            "max_utilisation": point.max_utilisation,
            "overloaded_managers": point.overloaded_managers,
            "threshold": point.threshold,
            "proven_minimal": point.proven_minimal,
            "plan": curve_plan_name(point),
        }
        for point in curve
    ]


def curve_plan_name(point: CurvePoint) -> str:
    return f"curve/plan-{point.moves:04d}-moves.json"


def curve_csv(curve: list[CurvePoint]) -> str:
    return csv_text(CURVE_COLUMNS, ([row[column] for column in CURVE_COLUMNS] for row in curve_rows(curve)))


def proposals_json(result: Result[Proposals], config: Config) -> str:
    proposals = _proposals(result)
    plan = proposals.plan
    document = {
        "format_version": PROPOSALS_FORMAT_VERSION,
        "week_start": config.week_start.isoformat(),
        "status": result.status,
        "goal_utilisation": proposals.goal_utilisation,
        "best_utilisation": proposals.best_utilisation,
        "before": {"max_utilisation": proposals.before.summary.max_utilisation,
                   "overloaded_managers": proposals.before.summary.overloaded_managers},
        "after": {"max_utilisation": plan.summary.max_utilisation,
                  "overloaded_managers": plan.summary.overloaded_managers,
                  "moves": sum(1 for move in plan.moves if move.from_manager is not None),
                  "placed_intake": sum(1 for move in plan.moves if move.from_manager is None)},
        "moves": proposal_rows(plan, proposals.before, config),
        "curve": curve_rows(proposals.curve),
    }
    return json.dumps(document, indent=2) + "\n"


def write_proposals(result: Result[Proposals], config: Config, out_dir: Path, *, force: bool = False,
                    protect: Iterable[Path] = ()) -> list[Path]:
    """proposals.csv, proposals.json, curve.csv, plan.json and assignments.csv of the proposal, and
    curve/plan-NNNN-moves.json for each curve point (each one a plan `caseload check` verifies).

    Everything is rendered first and written as one set (`export.output_set`): a curve point of an
    earlier run that this run does not write again is removed, so it cannot pass for one of this run's.
    """
    proposals = _proposals(result)
    plan = proposals.plan
    files: dict[Path, str | bytes] = {
        out_dir / "proposals.csv": proposals_csv(plan, proposals.before, config),
        out_dir / "proposals.json": proposals_json(result, config),
        out_dir / "curve.csv": curve_csv(proposals.curve),
        out_dir / "plan.json": plan_json(plan),
        out_dir / "assignments.csv": assignments_csv(plan),
    }
    for point in proposals.curve:
        files[out_dir / curve_plan_name(point)] = plan_json(point.plan)
    return write_output_set(out_dir, files, "rebalance", force=force, protect=protect,
                            owned=OwnedNames.for_managers(config.managers_by_id))


def summary_lines(result: Result[Proposals]) -> list[str]:
    """What the terminal shows after `caseload rebalance`."""
    proposals = _proposals(result)
    plan = proposals.plan
    moves = sum(1 for move in plan.moves if move.from_manager is not None)
    placed = len(plan.moves) - moves
    lines = [
        f"{moves} move(s) and {placed} intake placement(s): peak utilisation "
        f"{proposals.before.summary.max_utilisation:.0%} -> {plan.summary.max_utilisation:.0%} "
        f"(goal {proposals.goal_utilisation:.0%}, best reachable {proposals.best_utilisation:.0%}); "
        f"overloaded managers {proposals.before.summary.overloaded_managers} -> {plan.summary.overloaded_managers}",
    ]
    if result.status != "optimal":
        lines.append("not proven optimal within the time limit (see plan.json solver stats)")
    if proposals.curve:
        steps = ", ".join(f"{point.moves} -> {point.max_utilisation:.0%}" for point in proposals.curve)
        lines.append(f"trade-off (moves -> peak): {steps}")
    return lines


def _proposals(result: Result[Proposals]) -> Proposals:
    assert result.plan is not None, "only a result with a plan has proposals"
    return result.plan
