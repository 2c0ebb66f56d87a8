"""Which rule explains a move (scheduler/core/reasons.py): one test per rule, with the rule before it
failing, and the level refusal that balancing names apart."""

from __future__ import annotations

import pytest

from models.plan import ManagerLoad
from scheduler.core.eligibility import Exclusion
from scheduler.core.reasons import Reason, default_reason, exclusion_reason, move_rule

LEVEL = Exclusion("level", "the manager's level may not carry this complexity")
ON_LEAVE = Exclusion("on_leave", "the manager is on leave all week")


def _source(load: float = 5.0, cases: int = 2) -> ManagerLoad:
    return ManagerLoad(manager_id="m-a", level="junior", region=None, cases=cases, max_cases=5, load=load,
                       capacity=10.0, utilisation=load / 10.0, overload=max(0.0, load - 10.0))


@pytest.mark.parametrize(("source", "refusal", "household", "level_apart", "rule"), [
    (None, None, True, True, "new_intake"),  # no manager before: intake, whatever else holds
    (_source(12.0), ON_LEAVE, True, True, "not_eligible"),  # the refusal comes before household and overload
    (_source(), LEVEL, False, True, "level_mismatch"),  # balancing names a level refusal apart
    (_source(), LEVEL, False, False, "not_eligible"),  # rebalancing does not
    (_source(12.0), None, True, False, "household_reunited"),  # household before overload
    (_source(12.0), None, False, False, "over_capacity"),  # over in points
    (_source(5.0, cases=6), None, False, False, "over_capacity"),  # over in cases
    (_source(10.0), None, False, False, "balance"),  # at capacity exactly: not over
])
def test_a_move_is_explained_by_the_first_rule_that_applies(source: ManagerLoad | None, refusal: Exclusion | None,
                                                            household: bool, level_apart: bool, rule: str) -> None:
    assert move_rule(source, refusal, household=household, level_apart=level_apart) == rule


def test_an_exclusion_becomes_the_unassigned_reason_as_it_is() -> None:
    assert exclusion_reason(Exclusion("no_language", "no suitable manager speaks the client's language 'so'")) == \
        Reason("no_language", "no suitable manager speaks the client's language 'so'")


def test_a_default_reason_is_the_rule_in_its_general_words() -> None:
    assert default_reason("capacity_exhausted") == Reason("capacity_exhausted", "every eligible manager is at capacity")
    assert default_reason("new_intake") == Reason("new_intake", "new intake: the case had no manager")
