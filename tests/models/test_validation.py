"""models/validation.py: one test per cross-reference rule, with the exact path and message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.organisation import Config
from models.problems import Problem
from models.validation import find_problems

TINY = Path(__file__).parent.parent / "data" / "tiny.yaml"

Change = Callable[[dict[str, Any]], None]


def problems_after(change: Change) -> list[Problem]:
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    change(data)
    return find_problems(Config.model_validate(data))


def test_tiny_has_no_problems() -> None:
    assert problems_after(lambda data: None) == []


def _set(path: tuple[str | int, ...], value: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return change


def _append(key: str, item: dict[str, Any]) -> Change:
    return lambda data: data[key].append(item)


RULES = [
    # two levels share a name (so m-ana's level 'senior' is gone too)
    (_set(("policy", "levels", 1, "name"), "junior"),
     [Problem(("policy", "levels", 1, "name"), "level 'junior' is defined 2 times"),
      Problem(("managers", 0, "level"), "unknown level 'senior'; did you mean 'junior'? levels are junior, junior")]),
    # two complexities share a name
    (lambda data: data["policy"]["complexities"].append({"name": "high", "points": 4}),
     [Problem(("policy", "complexities", 3, "name"), "complexity 'high' is defined 2 times")]),
    # a level's max_complexity names no complexity
    (_set(("policy", "levels", 0, "max_complexity"), "medium"),
     [Problem(("policy", "levels", 0, "max_complexity"),
              "unknown complexity 'medium'; complexities are low, moderate, high")]),
    # levels out of order: the senior level may carry less than the junior one
    (_set(("policy", "levels", 1, "max_complexity"), "low"),
     [Problem(("policy", "levels", 1, "max_complexity"),
              "level 'senior' may carry less than the level before it; list levels from least to most "
              "experienced")]),
    # complexity points decrease
    (_set(("policy", "complexities", 2, "points"), 1.5),
     [Problem(("policy", "complexities", 2, "points"),
              "complexities must be listed from least to most complex (points not decreasing)")]),
    # lunch outside the working day
    (_set(("policy", "scheduling"), {"day": {"start": "08:00", "end": "12:00"},
                                     "lunch": {"start": "12:00", "end": "13:00"}}),
     [Problem(("policy", "scheduling", "lunch"), "lunch must lie inside the working day")]),
    # duplicate manager id
    (_append("managers", {"id": "m-ben", "level": "junior"}),
     [Problem(("managers", 3, "id"), "id 'm-ben' is used 2 times; ids must be unique")]),
    # duplicate client id
    (_append("clients", {"id": "c-1"}),
     [Problem(("clients", 4, "id"), "id 'c-1' is used 2 times; ids must be unique")]),
    # duplicate case id
    (_append("cases", {"id": "K-5", "client": "c-4", "type": "foster-care", "complexity": "low"}),
     [Problem(("cases", 5, "id"), "id 'K-5' is used 2 times; ids must be unique")]),
    # unknown level
    (_set(("managers", 1, "level"), "juinor"),
     [Problem(("managers", 1, "level"), "unknown level 'juinor'; did you mean 'junior'? levels are junior, senior")]),
    # unknown client
    (_set(("cases", 0, "client"), "c-7"),
     [Problem(("cases", 0, "client"), "unknown client 'c-7'; did you mean 'c-4'? clients are c-1, c-2, c-3, c-4")]),
    # unknown case type
    (_set(("cases", 0, "type"), "adoption"),
     [Problem(("cases", 0, "type"), "unknown case type 'adoption'; case types are foster-care, investigation")]),
    # unknown complexity
    (_set(("cases", 1, "complexity"), "lowest"),
     [Problem(("cases", 1, "complexity"),
              "unknown complexity 'lowest'; did you mean 'low'? complexities are low, moderate, high")]),
    # unknown manager
    (_set(("cases", 1, "manager"), "m-bob"),
     [Problem(("cases", 1, "manager"),
              "unknown manager 'm-bob'; did you mean 'm-ben'? managers are m-ana, m-ben, m-cy")]),
    # a client excludes a manager the config does not have
    (_set(("clients", 2, "excluded_managers"), ["m-cy", "m-bn"]),
     [Problem(("clients", 2, "excluded_managers", 1),
              "unknown manager 'm-bn'; did you mean 'm-ben'? managers are m-ana, m-ben, m-cy")]),
    # a client prefers a manager the config does not have
    (_set(("clients", 0, "preferred_manager"), "m-anna"),
     [Problem(("clients", 0, "preferred_manager"),
              "unknown manager 'm-anna'; did you mean 'm-ana'? managers are m-ana, m-ben, m-cy")]),
    # locked without a manager
    (_set(("cases", 2, "locked"), True),
     [Problem(("cases", 2, "locked"), "a locked case needs a current manager; set manager or unlock it")]),
    # a contact longer than the 9-hour working day
    (_set(("cases", 1, "contacts", 0, "minutes"), 541),
     [Problem(("cases", 1, "contacts", 0, "minutes"), "541 minutes do not fit in a working day of 540 minutes")]),
    # a last contact after the planning week
    (_set(("cases", 0, "contacts", 0, "last"), "2026-12-07"),
     [Problem(("cases", 0, "contacts", 0, "last"),
              "last contact 2026-12-07 is after the planning week ends (2026-12-06)")]),
]


@pytest.mark.parametrize(("change", "expected"), RULES)
def test_each_rule_reports_its_problem(change: Change, expected: list[Problem]) -> None:
    assert problems_after(change) == expected


def test_satisfied_boundaries_are_not_problems() -> None:
    def change(data: dict[str, Any]) -> None:
        data["cases"][1]["contacts"][0]["minutes"] = 540  # exactly the working day
        data["cases"][0]["contacts"][0]["last"] = "2026-12-06"  # the week's last day
        data["policy"]["complexities"][2]["points"] = 2  # equal points are in order

    assert problems_after(change) == []


def test_long_listings_are_cut_after_twelve() -> None:
    def change(data: dict[str, Any]) -> None:
        data["clients"] = [{"id": f"c-{index:02d}"} for index in range(20)]
        for case in data["cases"]:
            case["client"] = "c-00"
        data["cases"][0]["client"] = "zz"

    assert problems_after(change) == [Problem(
        ("cases", 0, "client"),
        "unknown client 'zz'; clients are " + ", ".join(f"c-{index:02d}" for index in range(12)) + ", ...",
    )]


def test_dotted_path_of_a_problem() -> None:
    assert Problem(("cases", 3, "contacts", 0, "minutes"), "m").dotted_path == "cases[3].contacts[0].minutes"


def test_a_blocked_day_outside_the_week() -> None:
    blocked = [{"day": "2026-12-07", "start": "09:00", "end": "11:00"}]
    assert problems_after(_set(("managers", 0, "blocked"), blocked)) == [
        Problem(("managers", 0, "blocked", 0, "day"), "2026-12-07 is outside the planning week (2026-11-30 to "
                                                      "2026-12-06)")]


def test_overlapping_blocks_are_refused() -> None:
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data["managers"][0]["blocked"] = [{"day": "2026-12-01", "start": "09:00", "end": "11:00"},
                                      {"day": "2026-12-01", "start": "10:00", "end": "12:00"}]
    with pytest.raises(ValueError, match=r"blocked\[1\] \(2026-12-01 10:00-12:00\) overlaps blocked\[0\] "
                                         r"\(2026-12-01 09:00-11:00\)"):
        Config.model_validate(data)


@pytest.mark.parametrize(("appointment", "expected"), [
    ({"contact": 1, "day": "2026-12-01", "start": "09:00"},
     [Problem(("cases", 1, "appointments", 0, "contact"), "unknown contact 1: the case has 1 contact "
                                                           "requirement(s) (0 to 0)")]),
    # a past appointment; a later week's is kept for its week (`caseload roll` carries it)
    ({"contact": 0, "day": "2026-11-27", "start": "09:00"},
     [Problem(("cases", 1, "appointments", 0, "day"), "2026-11-27 is before the planning week (2026-11-30 to "
                                                       "2026-12-06): take a past appointment out")]),
    ({"contact": 0, "day": "2026-12-08", "start": "09:00"}, []),
    ({"contact": 0, "day": "2026-12-01", "start": "09:05"},
     [Problem(("cases", 1, "appointments", 0, "start"), "09:05 is off the 15-minute slot grid")]),
    ({"contact": 0, "day": "2026-12-01", "start": "09:00"}, []),
])
def test_an_appointment_fixes_a_due_contact_of_the_week(appointment: dict[str, Any],
                                                        expected: list[Problem]) -> None:
    assert problems_after(_set(("cases", 1, "appointments"), [appointment])) == expected


def test_an_appointment_of_a_contact_not_due_this_week() -> None:
    # K-1's monthly visit (last 2026-11-02) is due this week once: a second appointment has no contact to fix.
    appointments = [{"contact": 0, "day": "2026-12-01", "start": "09:00"},
                    {"contact": 0, "day": "2026-12-03", "start": "09:00"}]
    assert problems_after(_set(("cases", 0, "appointments"), appointments)) == [
        Problem(("cases", 0, "appointments", 1, "contact"), "contact 0 has 1 contact(s) due this week and more "
                                                             "appointments than that")]
