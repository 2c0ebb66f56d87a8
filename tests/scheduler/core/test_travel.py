"""Travel time between places (scheduler/core/travel.py): exact answers on hand-checkable points."""

from __future__ import annotations

import math

import pytest

from scheduler.core.travel import (
    EARTH_RADIUS_KM,
    EXACT_FARTHEST_UP_TO,
    TravelTable,
    haversine_km,
    place_text,
    travel_minutes,
)


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


def test_the_table_is_symmetric_with_a_zero_diagonal() -> None:
    places = [(0.0, 0.0), (1.0, 0.0), None]
    table = TravelTable(places, 60.0)
    assert [table[index] for index in range(len(table))] == [[0, 112, 0], [112, 0, 0], [0, 0, 0]]
    assert [table.farthest_bound(index) for index in range(3)] == [112, 112, 0]


def test_a_large_tables_farthest_bound_is_at_least_every_trip_and_reads_no_row() -> None:
    """Regression, issue 21 finding 6: one manager with 10,000 weekly visits squared its preparation
    (91 s and 1.28 GB) to bound the longest trip; past EXACT_FARTHEST_UP_TO places the bound is linear."""
    size = EXACT_FARTHEST_UP_TO + 100
    places: list[tuple[float, float] | None] = [(41.0 + (index % 37) / 50, -88.0 + (index % 53) / 40)
                                                 for index in range(size)]
    places[7] = None
    table = TravelTable(places, 40.0)
    bounds = [table.farthest_bound(index) for index in range(size)]
    assert not table._rows  # no row was worked out for the bounds
    for index in (0, 7, 123, size - 1):
        assert bounds[index] >= max(table[index])
    assert bounds[7] == 0


def test_a_place_is_shown_as_lat_comma_lon() -> None:
    assert place_text((41.88, -87.63)) == "41.88,-87.63"
    assert place_text(None) == ""
