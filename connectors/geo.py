"""Places on the map: WGS-84 points, China's GCJ-02 / BD-09 datums, distances, walking time.

Everything Jiuye stores is WGS-84 (what GPS and a phone's browser report). Chinese map
providers publish shifted coordinates: GCJ-02 (高德, 腾讯, Google China) and BD-09 (百度);
feeds that declare them are converted on the way in with ``prcoords`` (CC0), whose
iterative inverse is accurate to well under a metre.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import prcoords
from haversine import Unit, haversine, haversine_vector

__all__ = [
    "DETOUR_FACTOR",
    "FIFTEEN_MINUTES_KM",
    "WALKING_SPEED_KMH",
    "CoordinateSystem",
    "GeoPoint",
    "distance_km",
    "distances_km",
    "parse_point",
    "walking_minutes",
]

# Estimates, not policy: 人社部发〔2025〕21号 asks for a "15分钟就业服务圈" without defining
# how it is measured. A pedestrian walks 4.5-5 km/h (1.2-1.4 m/s); street networks make
# the walk 1.2-1.4 times the straight line in Chinese city centres. Both are parameters.
WALKING_SPEED_KMH = 4.5
DETOUR_FACTOR = 1.3
#: Straight-line radius reachable on foot in 15 minutes with the figures above (~0.87 km).
FIFTEEN_MINUTES_KM = WALKING_SPEED_KMH * 15 / 60 / DETOUR_FACTOR


class CoordinateSystem(StrEnum):
    """The datum a feed's coordinates are in."""

    WGS84 = "WGS84"
    GCJ02 = "GCJ02"
    BD09 = "BD09"

    @classmethod
    def parse(cls, name: str) -> CoordinateSystem:
        """Reads the usual spellings: ``GCJ-02``, ``gcj02``, ``高德``, ``BD-09``, ``bd09ll``…"""
        key = "".join(ch for ch in name.strip().lower() if ch.isalnum())
        if key in _ALIASES:
            return _ALIASES[key]
        raise ValueError(f"未知的坐标系：{name}（可用 WGS84、GCJ02、BD09）")


_ALIASES = {
    "wgs84": CoordinateSystem.WGS84,
    "epsg4326": CoordinateSystem.WGS84,
    "gps": CoordinateSystem.WGS84,
    "gcj02": CoordinateSystem.GCJ02,
    "gcj": CoordinateSystem.GCJ02,
    "火星坐标": CoordinateSystem.GCJ02,
    "高德": CoordinateSystem.GCJ02,
    "腾讯": CoordinateSystem.GCJ02,
    "bd09": CoordinateSystem.BD09,
    "bd09ll": CoordinateSystem.BD09,
    "baidu": CoordinateSystem.BD09,
    "百度": CoordinateSystem.BD09,
}


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS-84 point."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"坐标超出范围：纬度 {self.lat}，经度 {self.lon}")

    @classmethod
    def from_datum(cls, lat: float, lon: float, system: CoordinateSystem) -> GeoPoint:
        """The WGS-84 point of coordinates given in ``system``."""
        cls(lat, lon)  # range check before converting
        if system is CoordinateSystem.GCJ02:
            lat, lon = prcoords.gcj_wgs_bored(prcoords.Coords(lat, lon))
        elif system is CoordinateSystem.BD09:
            lat, lon = prcoords.bd_wgs_bored(prcoords.Coords(lat, lon))
        return cls(round(lat, 7), round(lon, 7))


def parse_point(text: str) -> GeoPoint:
    """``"34.7466,113.6254"`` (latitude first) → a point; clear errors otherwise."""
    parts = text.replace("，", ",").split(",")
    if len(parts) != 2:
        raise ValueError(f"位置应写成“纬度,经度”，例如 34.7466,113.6254：{text}")
    try:
        lat, lon = (float(part) for part in parts)
    except ValueError as exc:
        raise ValueError(f"位置应写成“纬度,经度”，例如 34.7466,113.6254：{text}") from exc
    return GeoPoint(lat, lon)


def distance_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance."""
    return float(haversine((a.lat, a.lon), (b.lat, b.lon), unit=Unit.KILOMETERS))


def distances_km(
    lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64], origin: GeoPoint
) -> npt.NDArray[np.float64]:
    """Great-circle distances from ``origin`` to many points (NaN where a point is unknown)."""
    points = np.column_stack((lats, lons))
    known = ~np.isnan(points).any(axis=1)
    result = np.full(len(points), np.nan)
    if known.any():
        target = np.broadcast_to((origin.lat, origin.lon), (int(known.sum()), 2))
        result[known] = haversine_vector(points[known], target, unit=Unit.KILOMETERS, check=False)
    return result


def walking_minutes(straight_km: float) -> int:
    """Estimated minutes on foot for a straight-line distance (see the parameters above)."""
    return max(1, round(straight_km * DETOUR_FACTOR / WALKING_SPEED_KMH * 60))
