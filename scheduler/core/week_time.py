"""The planned week as time and distance: the minutes a manager's week holds, the minutes a case needs on
*that* manager, how far the manager drives to the client, and whether they can meet at all.

Balancing used to count a drive from the centre of the client's region, the same for every worker, and
to judge meeting by an overlap of hours that ignored the trips in and out: on a state-wide organisation
cases went to workers hundreds of kilometres away, whose weeks then could not hold the visits. These
numbers are per (manager, client) pair, and the schedule's own rules decide meeting
(scheduler/core/slots.py). The checker (models/check.py) recomputes all of them independently.

* A manager's **available minutes**: over the working days they are not on leave (holidays
  excluded), their working windows (less blocked time) minus lunch, times
  `policy.scheduling.contact_share` (0.85 by default: notes and supervision take the rest, and a
  week packed solid does not schedule).
* The **drive** from a manager to a client: great-circle minutes from the manager's base to the
  client's location at the policy's speed, rounded up (0 when either place is unknown).
  `policy.scheduling.max_drive_minutes` bounds who may carry a case (`within_reach`).
* A case's **minutes on a manager**: the minutes of its contacts due this week, plus one drive from
  that manager's base per in-person visit. A day's route base -> visits -> base shares its legs
  between the day's visits; one leg per visit is that share for a day of two visits (how close it
  comes to the routes the schedule builds is not measured yet).
* **Meeting**: a manager can meet a client for a contact when, on some working day of the manager's,
  the contact fits on the slot grid inside both windows, off lunch, with (in person) the drive from
  the base before it and back after it inside the manager's windows (`slots.day_starts`, the
  schedule's own rule). `reach` is the longest drive with which that still holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from models.organisation import Case, Client, Config, Manager
from models.timeutil import TimeWindow
from scheduler.core.slots import Span, longest_trip, spans
from scheduler.core.travel import EARTH_RADIUS_KM, travel_minutes

# Stretches of (start, end) minutes after midnight.
Stretches = tuple[Span, ...]
# A manager's or client's windows on each day, as a hashable key.
DayWindows = tuple[tuple[date, Stretches], ...]
# A contact's meeting need: (minutes, in person).
Need = tuple[int, bool]
# A drive within this much of a whole minute is recomputed exactly (vectorised rounding may differ).
_ROUNDING_SLACK = 1e-6


def without_lunch(windows: Iterable[TimeWindow], lunch: TimeWindow | None) -> Stretches:
    """The windows as sorted stretches, with lunch cut out."""
    stretches: list[tuple[int, int]] = []
    for window in sorted(windows, key=lambda item: (item.start, item.end)):
        if lunch is None or window.end <= lunch.start or window.start >= lunch.end:
            stretches.append((window.start, window.end))
            continue
        if window.start < lunch.start:
            stretches.append((window.start, lunch.start))
        if window.end > lunch.end:
            stretches.append((lunch.end, window.end))
    return tuple(stretches)


class WeekTime:
    """Minutes, drives and meeting look-ups for one config's planned week (cached)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        scheduling = config.policy.scheduling
        lunch = scheduling.lunch
        self._lunch = None if lunch is None else TimeWindow(lunch.start, lunch.end)
        self._lunch_span: Span | None = None if lunch is None else (lunch.start, lunch.end)
        self._slot = scheduling.slot_minutes
        self._days = config.working_days()
        self._speed = scheduling.travel_speed_kmh
        self.max_drive = scheduling.max_drive_minutes
        self._manager_days: dict[str, DayWindows] = {}
        self._client_days: dict[str, DayWindows] = {}
        self._needs: dict[str, tuple[Need, ...]] = {}
        self._due: dict[str, tuple[int, int, int]] = {}
        self._reach: dict[tuple[DayWindows, DayWindows, int], int] = {}

    # --- managers --------------------------------------------------------------------------------

    def manager_days(self, manager: Manager) -> DayWindows:
        """The manager's working windows (less blocked time, touching windows joined) on each day they
        work: the schedule's days."""
        found = self._manager_days.get(manager.id)
        if found is None:
            found = self._manager_days[manager.id] = tuple(
                (day, spans(self.config.manager_windows(manager, day))) for day in self.config.manager_days(manager))
        return found

    def working_minutes(self, manager: Manager) -> int:
        return sum(end - start for day in self.config.manager_days(manager)
                   for start, end in without_lunch(self.config.manager_windows(manager, day), self._lunch))

    def available_minutes(self, manager: Manager) -> int:
        """The minutes the assignment may fill: the policy's contact share of the working minutes."""
        return int(self.config.policy.scheduling.contact_share * self.working_minutes(manager))

    # --- clients and cases -------------------------------------------------------------------------

    def client_days(self, client: Client) -> DayWindows:
        """The client's availability on each working day of the week."""
        found = self._client_days.get(client.id)
        if found is None:
            found = self._client_days[client.id] = tuple(
                (day, spans(self.config.client_windows(client, day))) for day in self._days)
        return found

    def needs(self, case: Case) -> tuple[Need, ...]:
        """The distinct (minutes, in person) of the case's contacts due this week: what meeting asks."""
        found = self._needs.get(case.id)
        if found is None:
            found = self._needs[case.id] = tuple(sorted(
                {(contact.minutes, contact.mode == "in_person") for contact in self.config.due_contacts(case)}))
        return found

    def _due_time(self, case: Case) -> tuple[int, int, int]:
        """(minutes of the case's contacts due this week, in-person visits, contacts), asked once."""
        found = self._due.get(case.id)
        if found is None:
            due = self.config.due_contacts(case)
            found = self._due[case.id] = (sum(contact.minutes for contact in due),
                                          sum(1 for contact in due if contact.mode == "in_person"), len(due))
        return found

    def contacts(self, case: Case) -> int:
        """Contacts of the case due this week."""
        return self._due_time(case)[2]

    def contact_slots(self, manager: Manager) -> int:
        """Contacts the manager's week holds: `policy.scheduling.max_contacts_per_day` on each working day
        with working hours."""
        days = sum(1 for _, windows in self.manager_days(manager) if windows)
        return self.config.policy.scheduling.max_contacts_per_day * days

    def contact_minutes(self, case: Case) -> int:
        """Minutes of the case's contacts due this week (no travel)."""
        return self._due_time(case)[0]

    def visits(self, case: Case) -> int:
        """In-person contacts of the case due this week."""
        return self._due_time(case)[1]

    def case_minutes(self, case: Case, manager: Manager) -> int:
        """Minutes of the case's contacts due this week, plus one drive from the manager's base per visit."""
        visits = self.visits(case)
        travel = visits * self.drive(manager, self.config.clients_by_id[case.client]) if visits else 0
        return self.contact_minutes(case) + travel

    # --- distance and meeting ------------------------------------------------------------------------

    def drive(self, manager: Manager, client: Client) -> int:
        """Minutes (rounded up) from the manager's base to the client; 0 when either place is unknown."""
        return travel_minutes(_place(manager), _client_place(client), self._speed)

    def within_reach(self, manager: Manager, client: Client) -> bool:
        """Whether the drive keeps within `policy.scheduling.max_drive_minutes` (always, without a limit)."""
        return self.max_drive is None or self.drive(manager, client) <= self.max_drive

    def reach(self, manager_days: DayWindows, client: Client, minutes: int) -> int:
        """The longest drive with which a visit of `minutes` fits alone on some day of `manager_days`
        (-1: not even without travel)."""
        client_days = self.client_days(client)
        key = (manager_days, client_days, minutes)
        found = self._reach.get(key)
        if found is None:
            by_day = dict(client_days)
            found = self._reach[key] = max(
                (longest_trip(windows, by_day.get(day, ()), minutes, self._slot, self._lunch_span)
                 for day, windows in manager_days), default=-1)
        return found

    def meets(self, manager: Manager, case: Case) -> bool:
        """Whether the manager can meet the case's client for every contact due this week (with the drives)."""
        client = self.config.clients_by_id[case.client]
        days = self.manager_days(manager)
        drive: int | None = None
        for minutes, in_person in self.needs(case):
            if in_person and drive is None:
                drive = self.drive(manager, client)
            if self.reach(days, client, minutes) < (drive if in_person and drive is not None else 0):
                return False
        return True

    # --- the same, for every manager at once (eligibility at a state agency's size) ----------------

    @cached_property
    def _bases(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
        """Latitudes and longitudes of the managers' bases (radians, `config.managers` order), and
        which managers have one."""
        known = np.array([manager.base is not None for manager in self.config.managers], dtype=bool)
        lat = np.array([manager.base.lat if manager.base else 0.0 for manager in self.config.managers])
        lon = np.array([manager.base.lon if manager.base else 0.0 for manager in self.config.managers])
        return np.radians(lat), np.radians(lon), known

    def drives(self, client: Client) -> NDArray[np.int64]:
        """`drive(manager, client)` for every manager of `config.managers`, exactly as the scalar."""
        count = len(self.config.managers)
        if client.location is None or count == 0:
            return np.zeros(count, dtype=np.int64)
        lat, lon, known = self._bases
        lat2, lon2 = math.radians(client.location.lat), math.radians(client.location.lon)
        half_chord = np.sin((lat2 - lat) / 2) ** 2 + np.cos(lat) * math.cos(lat2) * np.sin((lon2 - lon) / 2) ** 2
        kilometres = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(half_chord)))
        raw = kilometres / self._speed * 60
        minutes: NDArray[np.int64] = np.ceil(raw).astype(np.int64)
        minutes[~known] = 0
        # Where the rounding is a hair from a whole minute, the scalar decides (it is the definition).
        for index in np.flatnonzero(known & (np.abs(raw - np.round(raw)) < _ROUNDING_SLACK)):
            minutes[index] = self.drive(self.config.managers[index], client)
        return minutes

    @cached_property
    def _day_patterns(self) -> tuple[list[DayWindows], NDArray[np.int64]]:
        """The distinct weeks of the managers, and each manager's (`config.managers` order)."""
        patterns: dict[DayWindows, int] = {}
        index = [patterns.setdefault(self.manager_days(manager), len(patterns)) for manager in self.config.managers]
        return list(patterns), np.array(index, dtype=np.int64)

    def meets_all(self, case: Case, drives: NDArray[np.int64]) -> NDArray[np.bool_]:
        """`meets(manager, case)` for every manager of `config.managers` (`drives`: `drives(client)`)."""
        client = self.config.clients_by_id[case.client]
        patterns, of_manager = self._day_patterns
        meets = np.ones(len(self.config.managers), dtype=bool)
        for minutes, in_person in self.needs(case):
            reach = np.array([self.reach(days, client, minutes) for days in patterns], dtype=np.int64)[of_manager]
            meets &= reach >= (drives if in_person else 0)
        return meets


def _place(manager: Manager) -> tuple[float, float] | None:
    return None if manager.base is None else (manager.base.lat, manager.base.lon)


def _client_place(client: Client) -> tuple[float, float] | None:
    return None if client.location is None else (client.location.lat, client.location.lon)
