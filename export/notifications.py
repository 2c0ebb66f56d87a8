"""notifications.csv: who must be told that a case has a new manager, and how to reach everyone.

One row per case that is new to its manager in the plan — moved from another manager, or new intake
placed — with the client (id, initials, phone, email), the previous manager and the new one (id,
name, phone, email from the config's managers) and the first contact of the case with the new
manager this week (day, start, mode; empty when none is scheduled): its introduction
(`policy.introduction`), which the schedule puts before the case's other contacts. Clients appear by id and
initials, never by name; every cell goes through the spreadsheet-safe CSV helper. The HTML report's
"Who must be told" section shows the same rows without the client's own details.
"""

from __future__ import annotations

from dataclasses import dataclass

from export.files import csv_text
from export.proposals import initials
from models.organisation import Config
from models.plan import Plan, ScheduledContact

NOTIFICATION_COLUMNS = (
    "case", "client", "client_initials", "client_phone", "client_email",
    "previous_manager", "previous_manager_name",
    "new_manager", "new_manager_name", "new_manager_phone", "new_manager_email",
    "first_contact_day", "first_contact_start", "first_contact_mode",
)


@dataclass(frozen=True)
class Person:
    """Who someone is and how to reach them ('' for what the config does not say)."""

    id: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Notification:
    """A case new to its manager: the client, who had the case, who has it now, when they first meet."""

    case_id: str
    client: Person
    """The client's `name` holds initials only."""
    previous_manager: Person | None
    """None: new intake, nobody had the case."""
    new_manager: Person
    first_contact: ScheduledContact | None


def notifications(plan: Plan, config: Config | None = None) -> list[Notification]:
    """Every case whose manager in the plan is not its current one (moves and intake placements), by new
    manager, then case. Without the config, names and contact details are left empty."""
    first = _first_contacts(plan)
    rows = [
        Notification(
            case_id=item.case_id,
            client=_client(config, item.client_id),
            previous_manager=_manager(config, item.previous_manager_id) if item.previous_manager_id else None,
            new_manager=_manager(config, item.manager_id),
            first_contact=first.get((item.case_id, item.manager_id)),
        )
        for item in plan.assignments
        if item.manager_id is not None and item.manager_id != item.previous_manager_id
    ]
    return sorted(rows, key=lambda row: (row.new_manager.id, row.case_id))


def notifications_csv(plan: Plan, config: Config | None = None) -> str:
    rows = []
    for row in notifications(plan, config):
        before = row.previous_manager or Person()
        contact = row.first_contact
        rows.append((
            row.case_id, row.client.id, row.client.name, row.client.phone, row.client.email,
            before.id, before.name,
            row.new_manager.id, row.new_manager.name, row.new_manager.phone, row.new_manager.email,
            contact.day.isoformat() if contact else "", contact.start if contact else "",
            contact.mode if contact else "",
        ))
    return csv_text(NOTIFICATION_COLUMNS, rows)


def _first_contacts(plan: Plan) -> dict[tuple[str, str], ScheduledContact]:
    """(case, manager) -> the earliest scheduled contact of that case with that manager."""
    first: dict[tuple[str, str], ScheduledContact] = {}
    for contact in sorted(plan.contacts, key=lambda item: (item.day, item.start)):
        first.setdefault((contact.case_id, contact.manager_id), contact)
    return first


def _client(config: Config | None, client_id: str) -> Person:
    client = config.clients_by_id.get(client_id) if config is not None else None
    if client is None:
        return Person(client_id)
    return Person(client_id, initials(client.name), client.phone or "", client.email or "")


def _manager(config: Config | None, manager_id: str) -> Person:
    manager = config.managers_by_id.get(manager_id) if config is not None else None
    if manager is None:
        return Person(manager_id)
    return Person(manager_id, manager.name, manager.phone or "", manager.email or "")
