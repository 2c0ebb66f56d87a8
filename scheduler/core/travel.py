"""Travel time between places: great-circle distance at the policy's travel speed.

Minutes are rounded up, so a schedule never promises less travel than the road needs; an
unknown place (a client or base without coordinates) costs no travel, because nothing better
can be said about it.
"""

from __future__ import annotations

import math

Place = tuple[float, float] | None
EARTH_RADIUS_KM = 6371.0


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
    return math.ceil(haversine_km(a, b) / speed_kmh * 60)


def travel_matrix(places: list[Place], speed_kmh: float) -> list[list[int]]:
    """Minutes between every pair of `places` (symmetric, zero diagonal)."""
    size = len(places)
    matrix = [[0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1, size):
            matrix[i][j] = matrix[j][i] = travel_minutes(places[i], places[j], speed_kmh)
    return matrix


def place_text(place: Place) -> str:
    """The "lat,lon" text a plan and a calendar show for a place ("" when unknown)."""
    if place is None:
        return ""
    return f"{place[0]},{place[1]}"
