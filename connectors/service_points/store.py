"""Service points in the relational database, and finding the ones near a person.

Points are grouped by source (one file or feed each): loading a source replaces all its
points in one transaction and leaves the other sources alone. There are hundreds to a few
thousand points, so a search reads them all and measures distances in memory.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from connectors.database.engine import Base, Database
from connectors.geo import CoordinateSystem, GeoPoint, distances_km, walking_minutes
from connectors.service_points.hours import open_days
from connectors.service_points.loader import read_service_points
from connectors.service_points.models import LoadReport, ServicePoint, ServicePointHit
from knowledge.regions import ancestors, validate_region

__all__ = [
    "DEFAULT_RADIUS_KM",
    "ServicePointRow",
    "ServicePointStore",
    "find_service_points",
]

#: Search radius when a location is given without one. The 15-minute walk is ~0.9 km
#: (connectors.geo.FIFTEEN_MINUTES_KM), which leaves most people outside the few stations
#: that exist today with nothing; 5 km is a short bus ride and still "nearby".
DEFAULT_RADIUS_KM = 5.0


class ServicePointRow(Base):
    __tablename__ = "service_points"

    source: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.Text)
    address: Mapped[str] = mapped_column(sa.Text)
    district: Mapped[str | None] = mapped_column(sa.Text)
    region: Mapped[str | None] = mapped_column(sa.String(6), index=True)
    lat: Mapped[float | None] = mapped_column(sa.Double)
    lon: Mapped[float | None] = mapped_column(sa.Double)
    hours: Mapped[str] = mapped_column(sa.Text)
    services: Mapped[list[str]] = mapped_column(sa.JSON)
    phone: Mapped[str | None] = mapped_column(sa.Text)

    @classmethod
    def from_model(cls, point: ServicePoint, source: str) -> ServicePointRow:
        location = point.location
        return cls(
            source=source,
            lat=location.lat if location else None,
            lon=location.lon if location else None,
            **point.model_dump(exclude={"source", "location"}),
        )

    def to_model(self) -> ServicePoint:
        location = None if self.lat is None or self.lon is None else GeoPoint(self.lat, self.lon)
        return ServicePoint(
            id=self.id,
            name=self.name,
            kind=self.kind,
            address=self.address,
            district=self.district,
            region=self.region,
            location=location,
            hours=self.hours,
            services=list(self.services),
            phone=self.phone,
            source=self.source,
        )


class ServicePointStore:
    """Stores service points per source and finds them by distance and region."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def replace_source(self, points: Sequence[ServicePoint], source: str) -> LoadReport:
        """Make ``points`` the only points of ``source``, atomically (all or nothing)."""
        if not source.strip() or len(source) > 200:
            raise ValueError("来源名称不能为空，且不超过 200 个字符")
        with self.database.session() as session:
            deleted = session.connection().execute(
                sa.delete(ServicePointRow).where(ServicePointRow.source == source)
            )
            session.add_all(ServicePointRow.from_model(point, source) for point in points)
        return LoadReport(source=source, loaded=len(points), removed=max(deleted.rowcount, 0))

    def load_file(
        self,
        path: Path | str,
        *,
        source: str | None = None,
        crs: CoordinateSystem | str | None = None,
    ) -> LoadReport:
        """Read a CSV/JSON file and replace its source with the points it holds.

        A file without a single usable point leaves the stored points untouched (a broken
        export must not wipe a source); its problems are reported all the same.
        """
        parsed = read_service_points(path, source=source, crs=crs)
        if parsed.points:
            report = self.replace_source(parsed.points, parsed.source)
        else:
            report = LoadReport(source=parsed.source)
        report.problems = parsed.problems
        return report

    def all(self) -> list[ServicePoint]:
        """Every point, by region, then name (sorted here so both databases agree)."""
        with self.database.session() as session:
            points = [row.to_model() for row in session.scalars(sa.select(ServicePointRow))]
        points.sort(key=lambda p: (p.region is None, p.region or "", p.name, p.source, p.id))
        return points

    def count(self, source: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(ServicePointRow)
        if source is not None:
            query = query.where(ServicePointRow.source == source)
        with self.database.session() as session:
            return int(session.scalar(query) or 0)

    def find(
        self,
        near: GeoPoint | None = None,
        radius_km: float | None = None,
        region: str | None = None,
        limit: int = 10,
        kinds: Collection[str] = (),
        open_on: Collection[int] = (),
    ) -> list[ServicePointHit]:
        """Points near a place (nearest first) and/or inside a region.

        ``kinds`` keeps points of those kinds (a kind given matches a point's kind that
        contains it: 零工市场 matches 零工市场（驿站）); ``open_on`` (ISO weekdays, 1 Monday
        … 7 Sunday) keeps points whose opening hours say they open on one of those days —
        points whose hours name no day are left out, as nobody can say they open then.

        With ``near``: points within ``radius_km`` (default ``DEFAULT_RADIUS_KM``) of it by
        great-circle distance, with a walking-time estimate; points without coordinates are
        left out. With ``region``: points in it or in a division below it (a city code
        matches its districts); alone, ordered as ``all()``.
        """
        if near is None and region is None:
            raise ValueError("请给出位置（near）或行政区划代码（region），至少一项")
        if limit < 1:
            raise ValueError("返回条数（limit）至少为 1")
        radius = DEFAULT_RADIUS_KM if radius_km is None else radius_km
        if math.isnan(radius) or radius <= 0:
            raise ValueError(f"搜索半径必须大于 0 公里：{radius_km}")
        points = self.all()
        if kinds:
            points = [p for p in points if any(kind in p.kind for kind in kinds)]
        if open_on:
            wanted = set(open_on)
            points = [p for p in points if wanted & (open_days(p.hours) or set())]
        if region is not None:
            code = validate_region(region)
            points = [p for p in points if p.region is not None and code in ancestors(p.region)]
        if near is None:
            return [ServicePointHit(point=point) for point in points[:limit]]
        located = [p for p in points if p.location is not None]
        lats = np.array([p.location.lat for p in located if p.location], dtype=np.float64)
        lons = np.array([p.location.lon for p in located if p.location], dtype=np.float64)
        distances = distances_km(lats, lons, near)
        hits: list[ServicePointHit] = []
        for i in np.argsort(distances, kind="stable"):
            km = float(distances[i])
            if km > radius or len(hits) == limit:
                break
            hits.append(
                ServicePointHit(
                    point=located[i], distance_km=km, walking_minutes=walking_minutes(km)
                )
            )
        return hits


def find_service_points(
    store: ServicePointStore,
    *,
    near: GeoPoint | None = None,
    radius_km: float | None = None,
    region: str | None = None,
    limit: int = 10,
    kinds: Collection[str] = (),
    open_on: Collection[int] = (),
) -> list[ServicePointHit]:
    """The ``find_service_points`` tool: ``ServicePointStore.find`` under the tool's name."""
    return store.find(
        near=near, radius_km=radius_km, region=region, limit=limit, kinds=kinds, open_on=open_on
    )
