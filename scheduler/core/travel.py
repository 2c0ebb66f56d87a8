"""Travel time between places: great-circle distance at the policy's travel speed.

Minutes are rounded up, so a schedule never promises less travel than the road needs; an
unknown place (a client or base without coordinates) costs no travel, because nothing better
can be said about it.
"""

from __future__ import annotations

import functools
import math

Place = tuple[float, float] | None
EARTH_RADIUS_KM = 6371.0
CEIL_SLACK = 1e-9
# Up to this many places the farthest trip from one is read exactly off its row (and so fixes the same
# objective weights as ever); past it a linear bound keeps preparation from squaring the count.
EXACT_FARTHEST_UP_TO = 500


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in kilometres between two (lat, lon) points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    half_chord = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(half_chord)))


def travel_minutes(a: Place, b: Place, speed_kmh: float) -> int:
    """Whole minutes (rounded up) to go from `a` to `b`; 0 for one place or an unknown one."""
    if a is None or b is None or a == b:
        return 0
    # The slack keeps float noise from costing a minute: one point written as lon 180 and -180, or two
    # longitudes at a pole, is some 1e-12 km apart (the checker rounds the same way).
    return max(0, math.ceil(haversine_km(a, b) / speed_kmh * 60 - CEIL_SLACK))


class TravelTable:
    """Minutes between every pair of `places` (symmetric, zero diagonal), `table[a][b]`, a row at a time.

    A row is worked out the first time it is read and kept. A week of a few dozen contacts reads every
    row; a manager with thousands of due visits (most of which the week cannot hold) reads only the rows
    of the visits the search looks at, instead of squaring the count in time and memory.
    """

    def __init__(self, places: list[Place], speed_kmh: float) -> None:
        self._places = places
        self._speed = speed_kmh
        self._rows: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return len(self._places)

    def __getitem__(self, index: int) -> list[int]:
        row = self._rows.get(index)
        if row is None:
            here, speed = self._places[index], self._speed
            row = self._rows[index] = [travel_minutes(here, there, speed) for there in self._places]
        return row

    def farthest_bound(self, index: int) -> int:
        """At least the longest trip from `index` to any place, read off its row while the table is small;
        for a large one, the trip to a hub plus the hub's farthest (the triangle inequality), in linear
        time."""
        if len(self._places) <= EXACT_FARTHEST_UP_TO:
            return max(self[index], default=0)
        return self._hub_bound(self._places[index])

    def _hub_bound(self, place: Place) -> int:
        hub, radius = self._hub
        if place is None or hub is None:
            return 0
        return math.ceil((haversine_km(place, hub) + radius) / self._speed * 60) + 1

    @functools.cached_property
    def _hub(self) -> tuple[tuple[float, float] | None, float]:
        known = [place for place in self._places if place is not None]
        if not known:
            return None, 0.0
        hub = known[0]
        return hub, max(haversine_km(hub, place) for place in known)


def place_text(place: Place) -> str:
    """The "lat,lon" text a plan and a calendar show for a place ("" when unknown)."""
    if place is None:
        return ""
    return f"{place[0]},{place[1]}"
