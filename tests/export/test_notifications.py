"""notifications.csv: one row per case new to its manager, with everyone's contact details and the first
contact; spreadsheet-safe cells; written with every plan.

tiny.yaml with contact details added: Eli Smith (c-2, case K-2) has a phone and an email, Ana Ruiz (m-ana)
too. The plan moves K-2 from Ben to Ana (their first call: Wednesday 09:00) and places intake K-3 with Ana
(no contact scheduled).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from export.bundle import render_outputs
from export.notifications import NOTIFICATION_COLUMNS, notifications, notifications_csv
from models.organisation import Config
from models.plan import Plan, ScheduledContact
from scheduler.core.options import SolveOptions
from scheduler.schedule.solve import schedule_contacts
from tests.conftest import DATA
from tests.models.test_check import plan_for

WED = date(2026, 12, 2)
HEADER = ",".join(NOTIFICATION_COLUMNS) + "\n"


@pytest.fixture
def config(tiny_config: Config) -> Config:
    data = tiny_config.model_dump()
    data["clients"][1].update(phone="+1 (555) 010-0102", email="eli@example.org")
    data["managers"][0].update(phone="555-0101", email="ana@agency.example")
    return Config.model_validate(data)


def call(case_id: str, manager_id: str, day: date, start: str) -> ScheduledContact:
    return ScheduledContact(case_id=case_id, client_id="c-2", manager_id=manager_id, requirement_index=0,
                            occurrence=0, mode="phone", day=day, start=start, end="09:15", minutes=15)


@pytest.fixture
def plan(config: Config) -> Plan:
    chosen = {"K-1": "m-ana", "K-2": "m-ana", "K-3": "m-ana", "K-4": "m-cy", "K-5": "m-cy"}
    # Two calls of K-2 with Ana: the earlier (Wednesday 09:00) is the first contact, whatever the list order.
    return plan_for(config, chosen, [call("K-2", "m-ana", date(2026, 12, 4), "08:00"),
                                     call("K-2", "m-ana", WED, "09:00")])


def test_one_row_per_moved_or_new_case_with_contact_details_and_the_first_contact(config: Config,
                                                                                  plan: Plan) -> None:
    # The phone starts with '+': the CSV helper writes it as text ('+...), as it does every formula-like cell.
    assert notifications_csv(plan, config) == HEADER + (
        "K-2,c-2,E.S.,'+1 (555) 010-0102,eli@example.org,m-ben,Ben Okafor,m-ana,Ana Ruiz,555-0101,"
        "ana@agency.example,2026-12-02,09:00,phone\n"
        "K-3,c-3,F.J.,,,,,m-ana,Ana Ruiz,555-0101,ana@agency.example,,,\n"
    )


def test_cases_that_stay_with_their_manager_need_no_notification(config: Config) -> None:
    as_is = {case.id: case.manager for case in config.cases}
    assert notifications_csv(plan_for(config, as_is), config) == HEADER


def test_a_formula_in_a_name_or_id_is_written_as_text(config: Config, plan: Plan) -> None:
    data = config.model_dump()
    data["managers"][0]["name"] = "=HYPERLINK(\"http://x\")"
    text = notifications_csv(plan, Config.model_validate(data))
    assert ',"\'=HYPERLINK(""http://x"")",555-0101,' in text


def test_without_the_config_ids_remain(plan: Plan) -> None:
    rows = notifications(plan)
    assert [(row.case_id, row.client.name, row.new_manager.id, row.new_manager.phone) for row in rows] == [
        ("K-2", "", "m-ana", ""), ("K-3", "", "m-ana", "")]


def test_client_names_never_appear(config: Config, plan: Plan) -> None:
    text = notifications_csv(plan, config)
    assert not any(word in text for client in config.clients for word in client.name.split())


def test_notifications_csv_is_one_of_a_plans_outputs(config: Config, plan: Plan, tmp_path: Path) -> None:
    files = render_outputs(plan, config, tmp_path)
    assert files[tmp_path / "notifications.csv"] == notifications_csv(plan, config)


def test_assign_writes_notifications_csv(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["assign", str(DATA / "tiny.yaml"), "-o", str(tmp_path / "out"),
                                       "--time-limit", "5", "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "notifications.csv").read_text()
    assert text.startswith(HEADER)
    assert "K-3,c-3,F.J.," in text  # the intake case, placed


def test_the_first_contact_is_the_introduction(config: Config) -> None:
    # With introductions on, K-2 (moved to Ana) and K-3 (intake) each meet Ana first by a 15-minute call on
    # Monday or Tuesday, before their other contacts: that call is the row's first contact.
    data = config.model_dump()
    data["policy"]["introduction"] = {"mode": "phone", "minutes": 15, "within_days": 2}
    introduced = Config.model_validate(data)
    chosen = {"K-1": "m-ana", "K-2": "m-ana", "K-3": "m-ana", "K-4": "m-cy", "K-5": "m-cy"}
    scheduled = schedule_contacts(introduced, plan_for(introduced, chosen),
                                  SolveOptions(time_limit_s=5, workers=1, seed=0)).plan
    assert scheduled is not None
    rows = notifications(scheduled, introduced)
    assert [(row.case_id, row.first_contact.introduction, row.first_contact.mode, row.first_contact.minutes)
            for row in rows if row.first_contact] == [("K-2", True, "phone", 15), ("K-3", True, "phone", 15)]
    assert all(row.first_contact and row.first_contact.day <= date(2026, 12, 1) for row in rows)
