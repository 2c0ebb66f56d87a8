"""The planned week as time: the minutes a manager's week holds, the minutes a case needs in it, and
whether a manager and a client can meet at all.

Balancing used to count points only, so part-time managers and managers with leave got more visits
than their week held, and cases went to managers whose hours never overlap the client's. These
numbers let the assignment respect time as a capacity and meeting as a rule; the schedule stage then
places the contacts exactly. The checker (models/check.py) recomputes the minutes independently.

* A manager's **available minutes**: over the working days they are not on leave (holidays
  excluded), their working windows minus lunch, times `policy.scheduling.contact_share` (0.85 by
  default: notes and supervision take the rest, and a week packed solid does not schedule).
* A case's **minutes**: the minutes of its contacts due this week, plus an estimate of travel for
  each in-person visit: the drive from the client to the centre of the bases of the client's region
  (every base when the region has none), at the policy's speed, rounded to the slot grid. A route
  visits several clients a day, so one such leg per visit is the estimate; the schedule computes the
  real routes.
* **Meeting**: a manager can meet a client for a contact of `minutes` when, on some working day of
  the manager's, the manager's windows (less lunch) and the client's availability share a stretch
  at least that long.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from functools import cached_property

from models.organisation import Case, Client, Config, Manager
from models.timeutil import TimeWindow, weekday_name
from scheduler.core.travel import Place, travel_minutes

# Stretches of (start, end) minutes after midnight.
Stretches = tuple[tuple[int, int], ...]
# A client's availability over the week's working days, as a hashable key.
WeekAvailability = tuple[tuple[str, Stretches], ...]


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


def longest_overlap(first: Stretches, second: Stretches) -> int:
    """Minutes of the longest stretch inside both."""
    best = 0
    for start_a, end_a in first:
        for start_b, end_b in second:
            best = max(best, min(end_a, end_b) - max(start_a, start_b))
    return best


class WeekTime:
    """Minutes and meeting look-ups for one config's planned week (cached per manager and client)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        lunch = config.policy.scheduling.lunch
        self._lunch = None if lunch is None else TimeWindow(lunch.start, lunch.end)
        self._days = config.working_days()
        self._speed = config.policy.scheduling.travel_speed_kmh
        # Per case id: balancing, eligibility and the plan's figures all ask, case by case.
        self._case_minutes: dict[str, int] = {}

    # --- managers --------------------------------------------------------------------------------

    def manager_week(self, manager: Manager) -> tuple[tuple[date, Stretches], ...]:
        """The manager's working stretches (less lunch), day by day, on the days they work."""
        return tuple((day, without_lunch(self.config.manager_windows(manager, day), self._lunch))
                     for day in self.config.manager_days(manager))

    def working_minutes(self, manager: Manager) -> int:
        return sum(end - start for _, stretches in self.manager_week(manager) for start, end in stretches)

    def available_minutes(self, manager: Manager) -> int:
        """The minutes the assignment may fill: the policy's contact share of the working minutes."""
        return int(self.config.policy.scheduling.contact_share * self.working_minutes(manager))

    # --- clients and cases -------------------------------------------------------------------------

    def client_week(self, client: Client) -> WeekAvailability:
        """The client's availability on each working day of the week (less lunch: no contact then)."""
        return tuple((weekday_name(day), without_lunch(self.config.client_windows(client, day), self._lunch))
                     for day in self._days)

    def longest_contact(self, case: Case) -> int:
        """Minutes of the case's longest contact due this week (0: nothing due, nothing to meet for)."""
        return max((contact.minutes for contact in self.config.due_contacts(case)), default=0)

    def case_minutes(self, case: Case) -> int:
        """Minutes of the case's contacts due this week, plus a travel estimate per in-person visit."""
        found = self._case_minutes.get(case.id)
        if found is None:
            found = self._case_minutes[case.id] = self._minutes_of(case)
        return found

    def _minutes_of(self, case: Case) -> int:
        client = self.config.clients_by_id[case.client]
        minutes = 0
        for contact in self.config.due_contacts(case):
            minutes += contact.minutes
            if contact.mode == "in_person":
                minutes += self.travel_estimate(client)
        return minutes

    def travel_estimate(self, client: Client) -> int:
        """Minutes, rounded to the slot grid: an estimate, and rounded so that cases alike in all but the
        client's exact address stay alike (the assignment aggregates them)."""
        location = None if client.location is None else (client.location.lat, client.location.lon)
        centre = self._region_centres.get(client.region or "", self._region_centres.get("", None))
        slot = self.config.policy.scheduling.slot_minutes
        return slot * round(travel_minutes(location, centre, self._speed) / slot)

    @cached_property
    def _region_centres(self) -> dict[str, Place]:
        """Centre of the managers' bases per region ("" : of every base)."""
        bases: dict[str, list[tuple[float, float]]] = {}
        for manager in self.config.managers:
            if manager.base is None:
                continue
            point = (manager.base.lat, manager.base.lon)
            bases.setdefault(manager.region or "", []).append(point)
            if manager.region:
                bases.setdefault("", []).append(point)
        return {region: _centre(points) for region, points in bases.items()}

def can_meet(manager_week: Sequence[tuple[date, Stretches]], client_week: WeekAvailability, minutes: int) -> bool:
    """Whether some working day of the manager's holds a shared stretch of `minutes` with the client."""
    if minutes <= 0:
        return True
    client_by_day = dict(client_week)
    return any(longest_overlap(stretches, client_by_day.get(weekday_name(day), ())) >= minutes
               for day, stretches in manager_week)


def _centre(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    return (sum(lat for lat, _ in points) / len(points), sum(lon for _, lon in points) / len(points))
