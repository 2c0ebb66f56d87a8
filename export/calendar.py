"""One iCalendar (RFC 5545) file per manager with the week's contacts, via the `icalendar` library.

The bytes depend only on the plan and the config: UIDs come from case, requirement, occurrence
and week; DTSTAMP is the week's Monday at 00:00 UTC (not the time of the run), so the same plan
gives the same files. Summaries name clients by initials unless full names are asked for, since a
calendar travels further than the case system does.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from models.organisation import Client, Config
from models.plan import Plan, ScheduledContact
from models.timeutil import parse_clock

PRODID = "-//caseload//weekly contact schedule//EN"
MODE_LABELS = {"in_person": "Home visit", "phone": "Phone call", "video": "Video call"}
# The VTIMEZONE covers a generous span around the week (rules change rarely; a year each side).
TIMEZONE_MARGIN = timedelta(days=366)


def calendar_files(plan: Plan, config: Config, *, full_names: bool) -> dict[str, bytes]:
    """Manager id -> .ics bytes, for every manager in the config (an empty week is still a calendar)."""
    by_manager: dict[str, list[ScheduledContact]] = defaultdict(list)
    for contact in plan.contacts:
        by_manager[contact.manager_id].append(contact)
    return {
        manager.id: manager_calendar(plan.week_start, config, manager.id, by_manager.get(manager.id, []),
                                     full_names=full_names)
        for manager in config.managers
    }


def manager_calendar(week_start: date, config: Config, manager_id: str, contacts: list[ScheduledContact], *,
                     full_names: bool) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Client contacts {manager_id}, week of {week_start.isoformat()}")
    calendar.add_component(Timezone.from_tzid(config.timezone, first_date=week_start - TIMEZONE_MARGIN,
                                              last_date=week_start + TIMEZONE_MARGIN))
    zone = ZoneInfo(config.timezone)
    stamp = datetime.combine(week_start, time(0, 0), tzinfo=UTC)
    ordered = sorted(contacts, key=lambda item: (item.day, item.start, item.case_id, item.requirement_index,
                                                 item.occurrence))
    for contact in ordered:
        client = config.clients_by_id.get(contact.client_id)
        calendar.add_component(contact_event(contact, client, week_start, zone, stamp, full_names=full_names))
    data: bytes = calendar.to_ical()
    return data


def contact_event(contact: ScheduledContact, client: Client | None, week_start: date, zone: ZoneInfo,
                  stamp: datetime, *, full_names: bool) -> Event:
    event = Event()
    event.add("uid", contact_uid(contact, week_start))
    event.add("dtstamp", stamp)
    event.add("dtstart", _local(contact.day, contact.start, zone))
    event.add("dtend", _local(contact.day, contact.end, zone))
    event.add("summary", f"{MODE_LABELS.get(contact.mode, contact.mode)} — "
                         f"{client_label(client, contact.client_id, full_names=full_names)} ({contact.case_id})")
    if contact.location:
        event.add("location", contact.location)
    event.add("description", _description(contact))
    event.add("categories", ["caseload", contact.mode])
    return event


def contact_uid(contact: ScheduledContact, week_start: date) -> str:
    """Stable across runs: the same contact of the same week keeps its UID, so re-imports update it."""
    return (f"{contact.case_id}-r{contact.requirement_index}-o{contact.occurrence}-"
            f"{week_start.isoformat()}@caseload")


def client_label(client: Client | None, client_id: str, *, full_names: bool) -> str:
    """Initials ("D.S.") by default; the full name only when asked; the client id without a name."""
    name = client.name.strip() if client is not None else ""
    if not name:
        return client_id
    if full_names:
        return name
    return "".join(f"{part[0].upper()}." for part in name.split())


def _local(day: date, clock: str, zone: ZoneInfo) -> datetime:
    minutes = parse_clock(clock)
    return datetime.combine(day, time(0, 0), tzinfo=zone) + timedelta(minutes=minutes)


def _description(contact: ScheduledContact) -> str:
    lines = [
        f"Case {contact.case_id}, client {contact.client_id}.",
        f"{contact.minutes} minutes, {contact.mode.replace('_', ' ')}.",
        "OVERDUE: this contact is past its due date." if contact.overdue else "On time.",
    ]
    if contact.introduction:
        lines.append("Introduction: the case is new to you; give the client your name, how to reach you and the "
                     "case number.")
    if contact.travel_minutes_before:
        lines.append(f"Travel before: {contact.travel_minutes_before} minutes.")
    return "\n".join(lines)
