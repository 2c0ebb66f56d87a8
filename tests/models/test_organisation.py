"""models/organisation.py: field rules and the derived values every stage relies on."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from models.organisation import Case, Client, Config, ContactRequirement, DueContact, Frequency, Manager
from models.timeutil import TimeWindow

TINY = Path(__file__).parent.parent / "data" / "tiny.yaml"


def tiny_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    return data


def tiny() -> Config:
    return Config.model_validate(tiny_data())


# --- frequencies ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("weekly", Frequency("per_week", 1)),
    (" 3/week ", Frequency("per_week", 3)),
    ("7 / week", Frequency("per_week", 7)),
    ("biweekly", Frequency("biweekly")),
    ("Fortnightly", Frequency("biweekly")),
    ("MONTHLY", Frequency("monthly")),
])
def test_frequency_parses(text: str, expected: Frequency) -> None:
    assert Frequency.parse(text) == expected


@pytest.mark.parametrize("text", [
    "daily",  # not a supported frequency
    "0/week",  # fewer than one a week is biweekly or monthly
    "8/week",  # more than one a day
    "2/month",  # months are 'monthly' only
])
def test_frequency_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=f"unknown frequency '{text}'"):
        Frequency.parse(text)


def test_next_due_dates() -> None:
    assert Frequency.parse("biweekly").next_due(date(2026, 11, 20)) == date(2026, 12, 4)
    assert Frequency.parse("monthly").next_due(date(2026, 1, 31)) == date(2026, 2, 28)  # clamped
    assert Frequency.parse("monthly").next_due(None) is None
    assert Frequency.parse("weekly").next_due(date(2026, 11, 20)) is None


def test_contact_frequency_is_stored_normalised() -> None:
    contact = ContactRequirement.model_validate({"minutes": 30, "frequency": " 2/Week "})
    assert contact.frequency == "2/week"
    assert contact.mode == "in_person"


# --- due contacts ------------------------------------------------------------------------------


def _case_with(*contacts: dict[str, Any]) -> Case:
    return Case.model_validate({"id": "K-9", "client": "c-1", "type": "foster-care", "complexity": "low",
                                "contacts": list(contacts)})


def test_due_contacts_of_tiny() -> None:
    config = tiny()
    # K-1 monthly, last 2026-11-02 → due 2026-12-02, inside the week, not overdue
    assert config.due_contacts(config.cases_by_id["K-1"]) == [
        DueContact("K-1", 0, 0, "in_person", 60, date(2026, 12, 2), overdue=False)]
    # K-3 twice a week: two occurrences, due by the week's end
    assert config.due_contacts(config.cases_by_id["K-3"]) == [
        DueContact("K-3", 0, 0, "in_person", 45, date(2026, 12, 6), overdue=False),
        DueContact("K-3", 0, 1, "in_person", 45, date(2026, 12, 6), overdue=False)]
    assert config.due_contacts(config.cases_by_id["K-5"]) == []


@pytest.mark.parametrize(("frequency", "last", "expected_due", "overdue"), [
    ("monthly", "2026-10-01", date(2026, 11, 30), True),  # due 2026-11-01: overdue, first thing this week
    ("monthly", None, date(2026, 11, 30), False),  # never contacted: due now
    ("biweekly", "2026-11-20", date(2026, 12, 4), False),  # due on Friday
    ("biweekly", "2026-11-22", date(2026, 12, 6), False),  # due on the week's last day
    ("biweekly", "2026-11-23", None, False),  # due 2026-12-07, next week
])
def test_due_date_of_periodic_contacts(frequency: str, last: str | None, expected_due: date | None,
                                       overdue: bool) -> None:
    contact: dict[str, Any] = {"mode": "video", "minutes": 30, "frequency": frequency}
    if last is not None:
        contact["last"] = last
    due = tiny().due_contacts(_case_with(contact))
    if expected_due is None:
        assert due == []
    else:
        assert due == [DueContact("K-9", 0, 0, "video", 30, expected_due, overdue)]
        assert due[0].key == "K-9#0.0"


# --- points, capacity, levels ---------------------------------------------------------------------


def test_case_points_use_factor_or_explicit_points() -> None:
    data = tiny_data()
    data["policy"]["case_types"]["investigation"]["factor"] = 1.5
    data["cases"][2]["points"] = 7
    config = Config.model_validate(data)
    assert config.case_points(config.cases_by_id["K-1"]) == 3  # high x foster-care 1.0
    assert config.case_points(config.cases_by_id["K-3"]) == 7  # explicit beats moderate x 1.5
    data["cases"][2].pop("points")
    config = Config.model_validate(data)
    assert config.case_points(config.cases_by_id["K-3"]) == 3  # moderate 2 x investigation 1.5


def test_capacity_and_case_limit_scale_with_fte() -> None:
    config = tiny()
    half = Manager(id="m-x", level="senior", fte=0.5)
    assert config.capacity_points(half) == 3.0  # 6 x 0.5
    assert config.max_cases(half) == 2  # 4 x 0.5
    tenth = Manager(id="m-y", level="junior", fte=0.1)
    assert config.max_cases(tenth) == 1  # 3 x 0.1 rounds down to 0, but at least one


def test_required_level_rank_and_escalation() -> None:
    config = tiny()
    assert config.required_level_rank(config.cases_by_id["K-2"]) == 0  # low: junior may
    assert config.required_level_rank(config.cases_by_id["K-1"]) == 1  # high: senior only
    escalated = config.cases_by_id["K-4"].model_copy(update={"escalate": True})
    assert config.required_level_rank(escalated) == 1  # moderate with junior m-cy: a level above hers
    at_the_top = config.cases_by_id["K-1"].model_copy(update={"escalate": True})
    assert config.required_level_rank(at_the_top) == 1  # senior m-ana holds the top level: it stays there
    nobody = at_the_top.model_copy(update={"id": "K-9", "manager": None})
    assert config.required_level_rank(nobody) == 2  # no worker: one above high, and no level is that high


# --- days and windows ---------------------------------------------------------------------------


def test_working_days_leave_and_windows() -> None:
    data = tiny_data()
    data["holidays"] = ["2026-12-03"]
    data["managers"][0]["leave"] = ["2026-12-01"]
    data["managers"][1]["availability"] = {"mon": ["13:00-17:00", "08:30-12:00"], "sat": ["09:00-12:00"]}
    config = Config.model_validate(data)
    weekdays = [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 4)]
    assert config.working_days() == weekdays
    ana, ben = config.managers[0], config.managers[1]
    assert config.manager_days(ana) == [day for day in weekdays if day != date(2026, 12, 1)]
    assert config.manager_windows(ana, date(2026, 12, 1)) == []
    assert config.manager_windows(ana, date(2026, 11, 30)) == [TimeWindow(480, 1020)]  # the policy's day
    assert config.manager_windows(ben, date(2026, 11, 30)) == [TimeWindow(510, 720), TimeWindow(780, 1020)]
    assert config.manager_windows(ben, date(2026, 12, 2)) == []  # availability names no Wednesday
    assert config.manager_windows(ben, date(2026, 12, 5)) == []  # Saturday is not a working day
    assert config.on_leave_all_week(ana) is False


def test_on_leave_all_week() -> None:
    data = tiny_data()
    data["managers"][2]["leave"] = [f"2026-12-0{day}" for day in range(1, 5)] + ["2026-11-30"]
    config = Config.model_validate(data)
    assert config.on_leave_all_week(config.managers[2]) is True


def test_client_windows_default_to_the_policy_day() -> None:
    config = tiny()
    client = Client(id="c-9", availability={"tue": [TimeWindow(600, 660)]})
    assert config.client_windows(config.clients[0], date(2026, 12, 1)) == [TimeWindow(480, 1020)]
    assert config.client_windows(client, date(2026, 12, 1)) == [TimeWindow(600, 660)]
    assert config.client_windows(client, date(2026, 12, 2)) == []
    assert config.clients[0].household_key == "h-1"
    assert config.clients[2].household_key == "client:c-3"


# --- field rules ---------------------------------------------------------------------------------


def _field_error(model: type[Config] | type[Manager] | type[Client], data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(data)
    errors = raised.value.errors()
    assert len(errors) == 1, errors
    return f"{'.'.join(str(part) for part in errors[0]['loc'])}: {errors[0]['msg']}"


@pytest.mark.parametrize(("change", "expected"), [
    # not a Monday
    ({"week_start": "2026-12-02"}, "week_start: Value error, 2026-12-02 is a wed, not a Monday; did you mean "
                                   "2026-11-30?"),
    # not an IANA zone
    ({"timezone": "CST"}, "timezone: Value error, unknown time zone 'CST'; use an IANA name such as "
                          "America/Chicago or Europe/London"),
    # a key the model does not know
    ({"holiday": []}, "holiday: Extra inputs are not permitted"),
])
def test_config_field_rules(change: dict[str, Any], expected: str) -> None:
    assert _field_error(Config, {**tiny_data(), **change}) == expected


@pytest.mark.parametrize(("change", "expected"), [
    ({"fte": 0}, "fte: Input should be greater than or equal to 0.05"),  # fte must be at least 0.05
    ({"fte": 1.01}, "fte: Input should be less than or equal to 1"),  # at most full time
    ({"availability": {"mon": ["09:00-12:00", "11:59-13:00"]}},  # overlapping windows
     "availability: Value error, windows 09:00-12:00 and 11:59-13:00 overlap; merge them or fix the times"),
    ({"availability": {"mon": ["12:00-09:00"]}},  # a window ending before it starts
     "availability.mon.0: Value error, window '12:00-09:00' ends before it starts; the start must be earlier"),
    ({"availability": {"mon": ["09:00-24:01"]}},  # past midnight
     "availability.mon.0: Value error, '24:01' is not a valid time of day (00:00 to 24:00)"),
    ({"base": {"lat": 91, "lon": 0}}, "base.lat: Input should be less than or equal to 90"),  # off the globe
])
def test_manager_field_rules(change: dict[str, Any], expected: str) -> None:
    assert _field_error(Manager, {"id": "m-1", "level": "junior", **change}) == expected


def test_touching_windows_are_sorted_and_allowed() -> None:
    manager = Manager.model_validate({"id": "m-1", "level": "junior",
                                      "availability": {"mon": ["12:00-17:00", "08:00-12:00"]}})
    assert manager.availability == {"mon": [TimeWindow(480, 720), TimeWindow(720, 1020)]}


def test_config_round_trips_through_json() -> None:
    config = tiny()
    again = Config.model_validate_json(config.model_dump_json())
    assert again.model_dump() == config.model_dump()


# --- client contact details --------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["555-0101", "+1 (555) 010-0101", "0044 20 7946 0000"])
def test_a_phone_number_of_digits_spaces_plus_dashes_and_brackets_is_accepted(phone: str) -> None:
    assert Client(id="c-1", phone=phone).phone == phone


@pytest.mark.parametrize("phone", [
    "555.0101",      # a dot
    "call 5550101",  # words
    "--",            # no digit at all
    "",              # empty text (leave the field out instead)
])
def test_a_phone_number_with_anything_else_is_refused(phone: str) -> None:
    with pytest.raises(ValidationError, match="a phone number holds digits"):
        Client(id="c-1", phone=phone)


@pytest.mark.parametrize("email", [
    "dana@example.org",
    "d.smith+case@family-services.example",
])
def test_an_email_with_one_at_and_no_spaces_is_accepted(email: str) -> None:
    assert Client(id="c-1", email=email).email == email


@pytest.mark.parametrize("email", [
    "dana.example.org",     # no @
    "dana@@example.org",    # two @
    "dana @example.org",    # a space
    "@example.org",         # nothing before the @
    "dana@",                # nothing after it
])
def test_an_email_without_exactly_one_at_or_with_spaces_is_refused(email: str) -> None:
    with pytest.raises(ValidationError, match="an email address has one @"):
        Client(id="c-1", email=email)
