"""Vacancies and feed states in the relational database (SQLite or PostgreSQL).

A vacancy row keeps the whole :class:`Vacancy` as JSON plus the columns the search index
is built from (so building it never parses JSON). Every change to the set of vacancies
bumps one revision number, which tells search indexes in any process to rebuild.
Times are stored as naive UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from connectors.database.engine import Base, Database
from connectors.vacancies.feeds import FeedState
from connectors.vacancies.models import Vacancy

__all__ = [
    "FeedRow",
    "IndexRow",
    "PreparedVacancy",
    "RevisionRow",
    "SourceSummary",
    "StoredVacancy",
    "VacancyRow",
    "VacancyStore",
    "to_utc",
]

_BATCH = 500


def to_utc(moment: datetime) -> datetime:
    """Naive UTC, as stored."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class VacancyRow(Base):
    __tablename__ = "vacancies"
    __table_args__ = (sa.UniqueConstraint("source", "identifier"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(sa.String(200))
    identifier: Mapped[str] = mapped_column(sa.String(500))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    fingerprint: Mapped[str] = mapped_column(sa.String(20), index=True)
    tokens: Mapped[str] = mapped_column(sa.Text)
    region: Mapped[str | None] = mapped_column(sa.String(6))
    district: Mapped[str | None] = mapped_column(sa.Text)
    salary_min: Mapped[float | None] = mapped_column(sa.Float)
    salary_max: Mapped[float | None] = mapped_column(sa.Float)
    employment_types: Mapped[str] = mapped_column(sa.String(200))
    education: Mapped[int] = mapped_column(sa.Integer)
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    date_posted: Mapped[date | None] = mapped_column(sa.Date)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)
    first_seen_at: Mapped[datetime] = mapped_column(sa.DateTime)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime)


class FeedRow(Base):
    __tablename__ = "vacancy_feeds"

    location: Mapped[str] = mapped_column(sa.String(1000), primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(200))
    etag: Mapped[str | None] = mapped_column(sa.Text)
    last_modified: Mapped[str | None] = mapped_column(sa.Text)
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    synced_at: Mapped[datetime] = mapped_column(sa.DateTime)
    records: Mapped[int] = mapped_column(sa.Integer)


class RevisionRow(Base):
    __tablename__ = "vacancy_revision"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(sa.Integer)


@dataclass(frozen=True, slots=True)
class PreparedVacancy:
    """A parsed vacancy with what the store derives from it, ready to write."""

    vacancy: Vacancy
    content_hash: str
    fingerprint: str
    tokens: list[str]
    expires_at: datetime  # aware


@dataclass(frozen=True, slots=True)
class StoredVacancy:
    id: int
    vacancy: Vacancy
    fingerprint: str
    expires_at: datetime  # naive UTC


@dataclass(frozen=True, slots=True)
class IndexRow:
    """The columns a search index is built from."""

    id: int
    tokens: str
    title: str  # with the occupation (occupationalCategory): what the job is
    fingerprint: str
    region: str | None
    district: str | None
    salary_min: float | None
    salary_max: float | None
    employment_types: str
    education: int
    lat: float | None
    lon: float | None
    date_posted: date | None
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SourceSummary:
    source: str
    vacancies: int
    open_now: int
    last_synced: datetime | None


def _values(item: PreparedVacancy, now: datetime) -> dict[str, Any]:
    v = item.vacancy
    salary = v.salary
    return {
        "source": v.source,
        "identifier": v.identifier,
        "data": v.model_dump(mode="json", exclude_defaults=True),
        "content_hash": item.content_hash,
        "fingerprint": item.fingerprint,
        "tokens": " ".join(item.tokens),
        "region": v.region,
        "district": v.district,
        "salary_min": salary.monthly_min if salary and salary.currency == "CNY" else None,
        "salary_max": salary.monthly_max if salary and salary.currency == "CNY" else None,
        "employment_types": ",".join(v.employment_types),
        "education": int(v.education),
        "lat": v.lat,
        "lon": v.lon,
        "date_posted": v.date_posted,
        "expires_at": to_utc(item.expires_at),
        "updated_at": now,
    }


class VacancyStore:
    """Reads and writes vacancies; every write is one transaction."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # reading -------------------------------------------------------------------------

    def revision(self) -> int:
        with self.database.session() as session:
            value = session.scalar(sa.select(RevisionRow.revision).where(RevisionRow.id == 1))
        return value or 0

    def feed_state(self, location: str) -> FeedState | None:
        with self.database.session() as session:
            row = session.get(FeedRow, location)
            if row is None:
                return None
            return FeedState(row.etag, row.last_modified, row.content_hash)

    def known(self, source: str) -> dict[str, tuple[int, str]]:
        """identifier → (row id, content hash) of every stored vacancy of ``source``."""
        query = sa.select(VacancyRow.identifier, VacancyRow.id, VacancyRow.content_hash).where(
            VacancyRow.source == source
        )
        with self.database.session() as session:
            return {ident: (row_id, digest) for ident, row_id, digest in session.execute(query)}

    def index_rows(self, now: datetime | None = None) -> Iterator[IndexRow]:
        """Every vacancy still open at ``now`` (every stored one when None), in id order."""
        title = (
            sa.func.coalesce(VacancyRow.data["title"].as_string(), "")
            + " "
            + sa.func.coalesce(VacancyRow.data["occupation"].as_string(), "")
        )
        columns = [
            title if name == "title" else getattr(VacancyRow, name) for name in IndexRow.__slots__
        ]
        query = sa.select(*columns).order_by(VacancyRow.id).execution_options(yield_per=5000)
        if now is not None:
            query = query.where(VacancyRow.expires_at > to_utc(now))
        with self.database.session() as session:
            for row in session.execute(query):
                yield IndexRow(*row)

    def get_many(self, ids: Sequence[int]) -> dict[int, StoredVacancy]:
        query = sa.select(
            VacancyRow.id, VacancyRow.data, VacancyRow.fingerprint, VacancyRow.expires_at
        ).where(VacancyRow.id.in_(list(ids)))
        with self.database.session() as session:
            return {
                row_id: StoredVacancy(row_id, Vacancy.model_validate(data), fp, expires)
                for row_id, data, fp, expires in session.execute(query)
            }

    def count(self, open_at: datetime | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(VacancyRow)
        if open_at is not None:
            query = query.where(VacancyRow.expires_at > to_utc(open_at))
        with self.database.session() as session:
            return session.scalar(query) or 0

    def sources(self, now: datetime) -> list[SourceSummary]:
        is_open = sa.case((VacancyRow.expires_at > to_utc(now), 1), else_=0)
        query = (
            sa.select(VacancyRow.source, sa.func.count(), sa.func.sum(is_open))
            .group_by(VacancyRow.source)
            .order_by(VacancyRow.source)
        )
        with self.database.session() as session:
            latest = sa.select(FeedRow.source, sa.func.max(FeedRow.synced_at)).group_by(
                FeedRow.source
            )
            synced = {source: moment for source, moment in session.execute(latest)}
            return [
                SourceSummary(source, total, int(open_now or 0), synced.get(source))
                for source, total, open_now in session.execute(query)
            ]

    # writing -------------------------------------------------------------------------

    def apply(
        self,
        *,
        location: str,
        source: str,
        state: FeedState,
        records: int,
        added: Sequence[PreparedVacancy],
        updated: Sequence[tuple[int, PreparedVacancy]],
        removed: Sequence[int],
        now: datetime,
    ) -> None:
        """Writes one sync's changes and the feed's new state, all or nothing."""
        stamp = to_utc(now)
        with self.database.session() as session:
            for start in range(0, len(added), _BATCH):
                rows = [
                    _values(item, stamp) | {"first_seen_at": stamp}
                    for item in added[start : start + _BATCH]
                ]
                session.execute(sa.insert(VacancyRow), rows)
            for start in range(0, len(updated), _BATCH):
                rows = [
                    _values(item, stamp) | {"id": row_id}
                    for row_id, item in updated[start : start + _BATCH]
                ]
                session.execute(sa.update(VacancyRow), rows)
            for start in range(0, len(removed), _BATCH):
                batch = list(removed[start : start + _BATCH])
                session.execute(sa.delete(VacancyRow).where(VacancyRow.id.in_(batch)))
            session.merge(
                FeedRow(
                    location=location,
                    source=source,
                    etag=state.etag,
                    last_modified=state.last_modified,
                    content_hash=state.content_hash,
                    synced_at=stamp,
                    records=records,
                )
            )
            if added or updated or removed:
                self._bump(session)

    def purge_expired(self, before: datetime) -> int:
        """Deletes vacancies that expired before ``before`` (they are never shown anyway)."""
        with self.database.session() as session:
            result = session.execute(
                sa.delete(VacancyRow).where(VacancyRow.expires_at < to_utc(before))
            )
            removed = int(getattr(result, "rowcount", 0) or 0)
            if removed:
                self._bump(session)
        return removed

    def touch_feed(self, location: str, state: FeedState, now: datetime) -> None:
        """Records a sync that found the feed unchanged."""
        with self.database.session() as session:
            row = session.get(FeedRow, location)
            if row is not None:
                row.synced_at = to_utc(now)
                row.etag = state.etag or row.etag
                row.last_modified = state.last_modified or row.last_modified

    @staticmethod
    def _bump(session: Session) -> None:
        # The row is created by the migration, so concurrent syncs only ever update it.
        session.execute(
            sa.update(RevisionRow)
            .where(RevisionRow.id == 1)
            .values(revision=RevisionRow.revision + 1)
        )
