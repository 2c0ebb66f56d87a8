"""Calendars: valid RFC 5545 that icalendar parses back, stable bytes, initials unless asked otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from export.calendar import calendar_files, client_label
from models.organisation import Client, Config
from models.plan import Plan
from scheduler.core.options import SolveOptions
from scheduler.pipeline import schedule_current_assignment


@pytest.fixture
def tiny_plan(tiny_config: Config) -> Plan:
    return schedule_current_assignment(tiny_config, SolveOptions(time_limit_s=5, workers=1, seed=0)).plan


def parsed(files: dict[str, bytes], manager_id: str) -> Calendar:
    return Calendar.from_ical(files[manager_id])


def prop(component: Any, name: str) -> Any:
    """A property of a parsed component (icalendar types them as a wide union)."""
    return component[name]


def test_one_calendar_per_manager_and_one_event_per_contact(tiny_config: Config, tiny_plan: Plan) -> None:
    files = calendar_files(tiny_plan, tiny_config, full_names=False)
    assert sorted(files) == ["m-ana", "m-ben", "m-cy"]
    for manager_id in files:
        events = parsed(files, manager_id).walk("VEVENT")
        expected = [item for item in tiny_plan.contacts if item.manager_id == manager_id]
        assert len(events) == len(expected)
    assert sum(len(parsed(files, m).walk("VEVENT")) for m in files) == len(tiny_plan.contacts) == 2


def test_calendar_has_the_required_rfc5545_properties(tiny_config: Config, tiny_plan: Plan) -> None:
    calendar = parsed(calendar_files(tiny_plan, tiny_config, full_names=False), "m-ana")
    assert calendar["VERSION"] == "2.0"
    assert "caseload" in str(calendar["PRODID"])
    timezones = calendar.walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in timezones] == ["America/Chicago"]
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == "K-1-r0-o0-2026-11-30@caseload"
    assert prop(event, "DTSTAMP").dt == datetime(2026, 11, 30, tzinfo=UTC)
    assert prop(event, "DTSTART").params["TZID"] == "America/Chicago"
    assert prop(event, "DTSTART").dt == datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("America/Chicago"))
    assert prop(event, "DTEND").dt == datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("America/Chicago"))
    assert str(event["SUMMARY"]) == "Home visit — D.S. (K-1)"
    assert str(event["LOCATION"]) == "41.9,-87.65"
    description = str(event["DESCRIPTION"])
    assert "Case K-1" in description and "On time." in description


def test_raw_text_has_timezone_references_and_crlf_lines(tiny_config: Config, tiny_plan: Plan) -> None:
    text = calendar_files(tiny_plan, tiny_config, full_names=False)["m-ana"].decode()
    assert "DTSTART;TZID=America/Chicago:20261130T080000\r\n" in text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_initials_not_names_unless_full_names(tiny_config: Config, tiny_plan: Plan) -> None:
    private = calendar_files(tiny_plan, tiny_config, full_names=False)
    public = calendar_files(tiny_plan, tiny_config, full_names=True)
    assert b"Dana" not in private["m-ana"] and b"Smith" not in private["m-ana"]
    assert b"Eli" not in private["m-ben"]
    assert str(parsed(public, "m-ana").walk("VEVENT")[0]["SUMMARY"]) == "Home visit — Dana Smith (K-1)"
    assert str(parsed(private, "m-ben").walk("VEVENT")[0]["SUMMARY"]) == "Phone call — E.S. (K-2)"


def test_phone_call_has_no_location(tiny_config: Config, tiny_plan: Plan) -> None:
    [event] = parsed(calendar_files(tiny_plan, tiny_config, full_names=False), "m-ben").walk("VEVENT")
    assert "LOCATION" not in event


def test_overdue_contact_is_flagged(tiny_config: Config, tiny_plan: Plan) -> None:
    overdue = tiny_plan.model_copy(update={"contacts": [item.model_copy(update={"overdue": True})
                                                        for item in tiny_plan.contacts]})
    [event] = parsed(calendar_files(overdue, tiny_config, full_names=False), "m-ana").walk("VEVENT")
    assert "OVERDUE" in str(event["DESCRIPTION"])


def test_an_introduction_says_so(tiny_config: Config, tiny_plan: Plan) -> None:
    introduced = tiny_plan.model_copy(update={"contacts": [
        item.model_copy(update={"requirement_index": -1, "introduction": True}) for item in tiny_plan.contacts]})
    [event] = parsed(calendar_files(introduced, tiny_config, full_names=False), "m-ana").walk("VEVENT")
    assert "Introduction: the case is new to you; give the client your name, how to reach you and the case " \
           "number." in str(event["DESCRIPTION"]).replace("\n", " ")
    [plain] = parsed(calendar_files(tiny_plan, tiny_config, full_names=False), "m-ana").walk("VEVENT")
    assert "Introduction" not in str(plain["DESCRIPTION"])


def test_same_plan_gives_the_same_bytes(tiny_config: Config) -> None:
    options = SolveOptions(time_limit_s=5, workers=1, seed=0)
    runs = [calendar_files(schedule_current_assignment(tiny_config, options).plan, tiny_config, full_names=False)
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_manager_without_contacts_gets_a_valid_empty_calendar(tiny_config: Config, tiny_plan: Plan) -> None:
    calendar = parsed(calendar_files(tiny_plan, tiny_config, full_names=False), "m-cy")
    assert calendar.walk("VEVENT") == []
    assert calendar.walk("VTIMEZONE")


@pytest.mark.parametrize(("name", "expected"), [
    ("Dana Smith", "D.S."),
    ("ana maria lopez", "A.M.L."),
    ("", "c-9"),  # no name on file: the client id
    ("  ", "c-9"),  # blank name: the client id
])
def test_client_label(name: str, expected: str) -> None:
    assert client_label(Client(id="c-9", name=name), "c-9", full_names=False) == expected


def test_calendar_uses_plan_week_dates(tiny_config: Config, tiny_plan: Plan) -> None:
    [event] = parsed(calendar_files(tiny_plan, tiny_config, full_names=False), "m-ana").walk("VEVENT")
    assert prop(event, "DTSTART").dt.date() == date(2026, 11, 30)
