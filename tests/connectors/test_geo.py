"""WGS-84 points, GCJ-02 / BD-09 conversion, distances and walking time (connectors.geo)."""

from __future__ import annotations

import math

import numpy as np
import prcoords
import pytest

from connectors.geo import (
    DETOUR_FACTOR,
    FIFTEEN_MINUTES_KM,
    WALKING_SPEED_KMH,
    CoordinateSystem,
    GeoPoint,
    distance_km,
    distances_km,
    parse_point,
    walking_minutes,
)

# 郑州市金水区, near the provincial public employment service centre (WGS-84).
ZHENGZHOU = GeoPoint(34.7466, 113.6254)


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("WGS84", CoordinateSystem.WGS84),
        ("wgs-84", CoordinateSystem.WGS84),
        ("WGS 84", CoordinateSystem.WGS84),
        ("EPSG:4326", CoordinateSystem.WGS84),
        ("gps", CoordinateSystem.WGS84),
        ("GCJ-02", CoordinateSystem.GCJ02),
        ("gcj02", CoordinateSystem.GCJ02),
        ("GCJ_02", CoordinateSystem.GCJ02),
        ("高德", CoordinateSystem.GCJ02),
        (" 腾讯 ", CoordinateSystem.GCJ02),
        ("火星坐标", CoordinateSystem.GCJ02),
        ("BD-09", CoordinateSystem.BD09),
        ("bd09ll", CoordinateSystem.BD09),
        ("Baidu", CoordinateSystem.BD09),
        ("百度", CoordinateSystem.BD09),
    ],
)
def test_coordinate_system_parse_reads_usual_spellings(
    spelling: str, expected: CoordinateSystem
) -> None:
    assert CoordinateSystem.parse(spelling) is expected


@pytest.mark.parametrize("spelling", ["", "CGCS2000", "bd", "mercator", "谷歌"])
def test_coordinate_system_parse_rejects_unknown_names_in_chinese(spelling: str) -> None:
    with pytest.raises(ValueError, match="未知的坐标系") as caught:
        CoordinateSystem.parse(spelling)
    message = str(caught.value)
    assert spelling in message
    assert "WGS84" in message and "GCJ02" in message and "BD09" in message


@pytest.mark.parametrize(
    ("lat", "lon"), [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0), (34.7466, 113.6254)]
)
def test_geopoint_accepts_the_whole_range_inclusive(lat: float, lon: float) -> None:
    point = GeoPoint(lat, lon)
    assert (point.lat, point.lon) == (lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(90.0001, 0.0), (-91.0, 0.0), (0.0, 180.5), (0.0, -181.0), (113.6254, 34.7466)],
)
def test_geopoint_rejects_out_of_range_coordinates(lat: float, lon: float) -> None:
    with pytest.raises(ValueError, match="坐标超出范围"):
        GeoPoint(lat, lon)


def test_geopoint_rejects_nan() -> None:
    with pytest.raises(ValueError, match="坐标超出范围"):
        GeoPoint(math.nan, 113.0)


def test_gcj02_converts_back_to_wgs84_within_a_metre() -> None:
    shifted = prcoords.wgs_gcj(prcoords.Coords(ZHENGZHOU.lat, ZHENGZHOU.lon))
    # GCJ-02 moves Zhengzhou by several hundred metres: not a datum one may ignore.
    offset_m = distance_km(GeoPoint(shifted.lat, shifted.lon), ZHENGZHOU) * 1000
    assert 300 < offset_m < 1000

    back = GeoPoint.from_datum(shifted.lat, shifted.lon, CoordinateSystem.GCJ02)
    assert distance_km(back, ZHENGZHOU) * 1000 < 1.0


def test_bd09_converts_back_to_wgs84_within_a_metre() -> None:
    shifted = prcoords.wgs_bd(prcoords.Coords(ZHENGZHOU.lat, ZHENGZHOU.lon))
    offset_m = distance_km(GeoPoint(shifted.lat, shifted.lon), ZHENGZHOU) * 1000
    assert 800 < offset_m < 2000  # BD-09 adds its own shift on top of GCJ-02

    back = GeoPoint.from_datum(shifted.lat, shifted.lon, CoordinateSystem.BD09)
    assert distance_km(back, ZHENGZHOU) * 1000 < 1.0


def test_wgs84_from_datum_is_unchanged() -> None:
    assert GeoPoint.from_datum(34.7466, 113.6254, CoordinateSystem.WGS84) == ZHENGZHOU


def test_from_datum_checks_the_range_before_converting() -> None:
    with pytest.raises(ValueError, match="坐标超出范围"):
        GeoPoint.from_datum(134.7, 113.6, CoordinateSystem.GCJ02)


def test_distance_of_one_degree_of_latitude() -> None:
    # Mean Earth radius 6371.0088 km: one degree of a meridian is 2πR/360 ≈ 111.195 km.
    expected = 2 * math.pi * 6371.0088 / 360
    assert distance_km(GeoPoint(34.0, 113.0), GeoPoint(35.0, 113.0)) == pytest.approx(
        expected, rel=1e-4
    )
    assert expected == pytest.approx(111.2, abs=0.01)


def test_distance_along_a_parallel_shrinks_with_the_cosine_of_latitude() -> None:
    # A short hop east at 60°N is half the same hop at the equator.
    at_equator = distance_km(GeoPoint(0.0, 113.0), GeoPoint(0.0, 113.01))
    at_sixty = distance_km(GeoPoint(60.0, 113.0), GeoPoint(60.0, 113.01))
    assert at_sixty == pytest.approx(at_equator / 2, rel=1e-3)


def test_distance_is_symmetric_and_zero_to_itself() -> None:
    other = GeoPoint(34.7579, 113.6652)
    assert distance_km(ZHENGZHOU, ZHENGZHOU) == 0.0
    assert distance_km(ZHENGZHOU, other) == pytest.approx(distance_km(other, ZHENGZHOU))
    assert 3 < distance_km(ZHENGZHOU, other) < 5


def test_distances_km_matches_distance_km_and_keeps_nan_for_unknown_points() -> None:
    lats = np.array([34.7466, np.nan, 35.7466, 34.7579, 34.0], dtype=np.float64)
    lons = np.array([113.6254, 113.6, 113.6254, 113.6652, np.nan], dtype=np.float64)
    result = distances_km(lats, lons, ZHENGZHOU)

    assert result.shape == (5,)
    assert np.isnan(result[1]) and np.isnan(result[4])
    assert result[0] == pytest.approx(0.0, abs=1e-9)
    assert result[2] == pytest.approx(distance_km(GeoPoint(35.7466, 113.6254), ZHENGZHOU))
    assert result[3] == pytest.approx(distance_km(GeoPoint(34.7579, 113.6652), ZHENGZHOU))


def test_distances_km_all_unknown_or_empty() -> None:
    nan = np.array([np.nan, np.nan], dtype=np.float64)
    assert np.isnan(distances_km(nan, nan, ZHENGZHOU)).all()
    empty = np.array([], dtype=np.float64)
    assert distances_km(empty, empty, ZHENGZHOU).shape == (0,)


def test_walking_minutes_is_monotonic_and_at_least_one() -> None:
    distances = [0.0, 0.01, 0.1, 0.3, 0.5, 0.87, 1.0, 2.0, 5.0, 10.0]
    minutes = [walking_minutes(km) for km in distances]
    assert minutes == sorted(minutes)
    assert minutes[0] == 1
    assert minutes[-1] > minutes[0]
    # 1 km straight is 1.3 km walked at 4.5 km/h: 17.3 minutes.
    assert walking_minutes(1.0) == 17


def test_fifteen_minute_radius_is_consistent_with_walking_minutes() -> None:
    assert pytest.approx(0.865, abs=0.001) == FIFTEEN_MINUTES_KM
    assert pytest.approx(WALKING_SPEED_KMH * 0.25 / DETOUR_FACTOR) == FIFTEEN_MINUTES_KM
    assert walking_minutes(FIFTEEN_MINUTES_KM) == 15
    assert walking_minutes(FIFTEEN_MINUTES_KM * 0.9) < 15
    assert walking_minutes(FIFTEEN_MINUTES_KM * 1.1) > 15


@pytest.mark.parametrize(
    "text",
    ["34.7466,113.6254", "34.7466，113.6254", " 34.7466 , 113.6254 ", "34.7466,\t113.6254"],
)
def test_parse_point_reads_latitude_then_longitude(text: str) -> None:
    assert parse_point(text) == ZHENGZHOU


@pytest.mark.parametrize(
    "text", ["34.7466", "34.7466 113.6254", "34.7,113.6,10", "北纬34度,东经113度", ",", ""]
)
def test_parse_point_rejects_malformed_text_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="纬度,经度") as caught:
        parse_point(text)
    assert "34.7466,113.6254" in str(caught.value)


def test_parse_point_rejects_swapped_coordinates_by_range() -> None:
    with pytest.raises(ValueError, match="坐标超出范围"):
        parse_point("113.6254,34.7466")
