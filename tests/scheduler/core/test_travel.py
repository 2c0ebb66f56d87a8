"""Travel time between places (scheduler/core/travel.py): exact answers on hand-checkable points."""

from __future__ import annotations

import math

import pytest

from scheduler.core.travel import EARTH_RADIUS_KM, haversine_km, place_text, travel_matrix, travel_minutes


def test_a_degree_of_latitude_is_a_360th_of_the_great_circle() -> None:
    assert haversine_km((0.0, 0.0), (1.0, 0.0)) == pytest.approx(2 * math.pi * EARTH_RADIUS_KM / 360)  # 111.19 km
    assert haversine_km((0.0, 0.0), (0.0, 180.0)) == pytest.approx(math.pi * EARTH_RADIUS_KM)  # antipodes


def test_distance_is_symmetric_and_zero_at_one_place() -> None:
    chicago, evanston = (41.88, -87.63), (42.05, -87.69)
    assert haversine_km(chicago, evanston) == haversine_km(evanston, chicago)
    assert haversine_km(chicago, chicago) == 0.0


@pytest.mark.parametrize(("a", "b", "speed", "minutes"), [
    ((0.0, 0.0), (1.0, 0.0), 40.0, 167),  # 111.19 km at 40 km/h = 166.8 min, rounded up
    ((0.0, 0.0), (1.0, 0.0), 60.0, 112),  # 111.19 min, rounded up
    ((0.0, 0.0), (0.0, 0.0), 40.0, 0),  # one place: no travel
    (None, (1.0, 0.0), 40.0, 0),  # an unknown place costs nothing
    ((1.0, 0.0), None, 40.0, 0),
])
def test_travel_minutes_are_rounded_up(a: tuple[float, float] | None, b: tuple[float, float] | None, speed: float,
                                       minutes: int) -> None:
    assert travel_minutes(a, b, speed) == minutes


def test_the_matrix_is_symmetric_with_a_zero_diagonal() -> None:
    places = [(0.0, 0.0), (1.0, 0.0), None]
    assert travel_matrix(places, 60.0) == [[0, 112, 0], [112, 0, 0], [0, 0, 0]]


def test_a_place_is_shown_as_lat_comma_lon() -> None:
    assert place_text((41.88, -87.63)) == "41.88,-87.63"
    assert place_text(None) == ""
