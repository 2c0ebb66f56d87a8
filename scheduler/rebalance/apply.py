"""Which reviewed moves may still be applied to a config, and why not the others.

Proposals wait for a supervisor; meanwhile the config changes. A move is refused when its case is
gone or locked, its destination is gone or may not carry it (the shared eligibility rules), the case
is no longer with the manager the proposal moves it from, it is listed twice, (when households stay
together) it would split a household from cases that do not move with it, or its destination would
receive more new cases than their intake cap allows (every move to that manager is refused: the
supervisor chooses which to keep).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping

from models.organisation import Config
from models.problems import LocatedProblem
from models.proposals import ProposedMove
from models.reasons import refusal_text
from scheduler.core.eligibility import Eligibility


def refused_moves(config: Config, moves: list[ProposedMove]) -> list[LocatedProblem]:
    """A located reason for every move that may not be applied (empty: apply them all)."""
    eligibility = Eligibility(config)
    problems: list[LocatedProblem] = []
    seen: dict[str, ProposedMove] = {}
    for move in moves:
        problem = _refusal(config, eligibility, move, seen)
        if problem is not None:
            problems.append(problem)
        seen.setdefault(move.case_id, move)
    if not problems:
        problems.extend(_split_households(config, moves))
        problems.extend(_intake_caps(config, moves))
    return problems


def _refusal(config: Config, eligibility: Eligibility, move: ProposedMove,
             seen: Mapping[str, ProposedMove]) -> LocatedProblem | None:
    case = config.cases_by_id.get(move.case_id)
    if case is None:
        return move.problem("case", "the case is no longer in the config")
    if move.case_id in seen:
        first = seen[move.case_id]
        where = f" (line {first.line})" if first.line is not None else ""
        return move.problem("case", f"the case is listed twice{where}; keep one row")
    if move.to_manager not in config.managers_by_id:
        return move.problem("to_manager", f"manager {move.to_manager} is no longer in the config")
    if case.manager != move.from_manager:
        now = case.manager or "no manager"
        was = move.from_manager or "no manager"
        return move.problem("from_manager", f"the case is now with {now}, not {was} as proposed")
    if case.locked:
        return move.problem("case", f"the case is locked to {case.manager}")
    if move.to_manager == case.manager:
        return move.problem("to_manager", f"the case is already with {move.to_manager}")
    refusal = eligibility.refusal(case, move.to_manager)
    if refusal is not None:
        return move.problem("to_manager", f"{move.to_manager} may not carry it: {refusal.reason}")
    return None


def _split_households(config: Config, moves: list[ProposedMove]) -> list[LocatedProblem]:
    if not config.policy.households_together:
        return []
    after = {case.id: case.manager for case in config.cases}
    after.update({move.case_id: move.to_manager for move in moves})
    members: dict[str, list[str]] = defaultdict(list)
    for case in config.cases:
        members[config.clients_by_id[case.client].household_key].append(case.id)
    problems = []
    for move in moves:
        case = config.cases_by_id[move.case_id]
        household = members[config.clients_by_id[case.client].household_key]
        left_behind = sorted(other for other in household
                             if after[other] is not None and after[other] != move.to_manager)
        if left_behind:
            problems.append(move.problem("case", f"moving it without {', '.join(left_behind)} splits the "
                                                 "household; keep or delete the household's rows together"))
    return problems


def _intake_caps(config: Config, moves: list[ProposedMove]) -> list[LocatedProblem]:
    """Every move to a manager the moves give more new cases than their intake cap (each move is a case
    new to its destination: `_refusal` refused those already there)."""
    received = Counter(move.to_manager for move in moves)
    problems = []
    for move in moves:
        cap = config.intake_cap(config.managers_by_id[move.to_manager])
        if cap is not None and received[move.to_manager] > cap:
            problems.append(move.problem("to_manager", f"{move.to_manager} may not carry it: " + refusal_text(
                "intake_cap", cap=cap, count=received[move.to_manager])))
    return problems
