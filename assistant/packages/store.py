"""Packages and their follow-ups, stored durably (跟踪问效).

A package is saved with its follow-ups in one transaction, so a package is never issued
without its schedule. A follow-up is ``scheduled`` until it is asked (in the chat when the
person next writes, or pushed on WeChat while the 48-hour window is open), then ``asked``,
then ``answered`` with an outcome. The package keeps the best outcome its follow-ups
reported (employed > benefit_received > applied > no_progress).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, get_args

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.conversations import TaggedJSON, to_aware_utc
from assistant.packages.builder import ServicePackage
from assistant.packages.catalogue import catalogue
from connectors.database.engine import Base, Database

__all__ = [
    "OUTCOMES",
    "FollowUp",
    "FollowUpRow",
    "FollowUpStatus",
    "NoProgress",
    "Outcome",
    "PackageNotFoundError",
    "PackageStatistics",
    "PackageStore",
    "ServicePackageRow",
    "StoredPackage",
]

Outcome = Literal["employed", "benefit_received", "applied", "no_progress"]
#: Outcomes from the best to the least.
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
FollowUpStatus = Literal["scheduled", "asked", "answered"]


def _now() -> datetime:
    return datetime.now(UTC)


class PackageNotFoundError(LookupError):
    def __init__(self, package_id: int) -> None:
        super().__init__(f"就业服务包 {package_id} 不存在")
        self.package_id = package_id


class ServicePackageRow(Base):
    __tablename__ = "service_packages"
    __table_args__ = (sa.Index("ix_service_packages_session_id", "session_id", "id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(sa.String(250))
    channel: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[str] = mapped_column(sa.String(200))
    region: Mapped[str] = mapped_column(sa.String(6))
    key_groups: Mapped[list[str]] = mapped_column(sa.JSON)
    content: Mapped[dict[str, Any]] = mapped_column(TaggedJSON)
    outcome: Mapped[str | None] = mapped_column(sa.String(30))
    ticket_id: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class FollowUpRow(Base):
    __tablename__ = "follow_ups"
    __table_args__ = (
        sa.Index("ix_follow_ups_status_due", "status", "due_at"),
        sa.Index("ix_follow_ups_session_id", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    package_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey("service_packages.id", ondelete="CASCADE")
    )
    session_id: Mapped[str] = mapped_column(sa.String(250))
    channel: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[str] = mapped_column(sa.String(200))
    day: Mapped[int] = mapped_column(sa.Integer)
    due_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(20))
    asked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    answer: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str | None] = mapped_column(sa.String(30))


class FollowUp(BaseModel):
    id: int
    package_id: int
    session_id: str
    channel: str
    user_id: str
    day: int = Field(description="days after the package was issued")
    due_at: datetime
    status: FollowUpStatus
    asked_at: datetime | None = None
    answered_at: datetime | None = None
    answer: str | None = None
    outcome: Outcome | None = None

    @classmethod
    def from_row(cls, row: FollowUpRow) -> FollowUp:
        return cls(
            id=row.id,
            package_id=row.package_id,
            session_id=row.session_id,
            channel=row.channel,
            user_id=row.user_id,
            day=row.day,
            due_at=to_aware_utc(row.due_at),
            status=row.status,  # type: ignore[arg-type]
            asked_at=to_aware_utc(row.asked_at) if row.asked_at else None,
            answered_at=to_aware_utc(row.answered_at) if row.answered_at else None,
            answer=row.answer,
            outcome=row.outcome,  # type: ignore[arg-type]
        )


class StoredPackage(BaseModel):
    """A package as issued, with where its follow-ups stand."""

    id: int
    session_id: str
    channel: str
    user_id: str
    key_groups: list[str]
    outcome: Outcome | None = None
    ticket_id: int | None = None
    created_at: datetime
    package: ServicePackage
    follow_ups: list[FollowUp] = Field(default_factory=list)


class NoProgress(BaseModel):
    """A person whose follow-up shows no progress: they said so, or did not answer."""

    package_id: int
    session_id: str
    channel: str
    user_id: str
    key_groups: list[str]
    issued_at: datetime
    reason: Literal["no_progress", "no_response"]
    asked_at: datetime | None = None
    answer: str | None = None


class PackageStatistics(BaseModel):
    issued: int
    by_key_group: dict[str, int] = Field(description="packages issued per key group")
    without_key_group: int = Field(description="packages for people in no key group")
    follow_ups_asked: int
    follow_ups_answered: int
    response_rate: float | None = Field(description="answered / asked; None before any ask")
    outcomes: dict[str, int] = Field(
        description="packages by best outcome (employed, benefit_received, applied, "
        "no_progress) and 'none' for packages without an answer yet"
    )


class PackageStore:
    """Packages and follow-ups in the service's database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def save(
        self,
        package: ServicePackage,
        *,
        session_id: str,
        channel: str,
        user_id: str,
        now: datetime | None = None,
    ) -> ServicePackage:
        """Stores the package and schedules its follow-ups; returns it with its id."""
        moment = now or _now()
        groups = [str(g) for g in package.profile.group_codes]
        with self.database.session() as session:
            row = ServicePackageRow(
                session_id=session_id,
                channel=channel,
                user_id=user_id,
                region=package.region,
                key_groups=groups,
                content={},
                created_at=moment,
                updated_at=moment,
            )
            session.add(row)
            session.flush()
            stored = package.model_copy(update={"id": row.id, "session_id": session_id})
            row.content = stored.model_dump(mode="json")
            for day in catalogue().parameter("follow_up_days"):
                session.add(
                    FollowUpRow(
                        package_id=row.id,
                        session_id=session_id,
                        channel=channel,
                        user_id=user_id,
                        day=int(day),
                        due_at=moment + timedelta(days=int(day)),
                        status="scheduled",
                    )
                )
        return stored

    def revise(
        self, package_id: int, package: ServicePackage, *, now: datetime | None = None
    ) -> ServicePackage:
        """Replaces a package's content after the person corrected their profile; its
        follow-ups stay as scheduled."""
        with self.database.session() as session:
            row = session.get(ServicePackageRow, package_id)
            if row is None:
                raise PackageNotFoundError(package_id)
            stored = package.model_copy(update={"id": row.id, "session_id": row.session_id})
            row.content = stored.model_dump(mode="json")
            row.key_groups = [str(g) for g in package.profile.group_codes]
            row.region = package.region
            row.updated_at = now or _now()
        return stored

    def get(self, package_id: int) -> StoredPackage:
        with self.database.session() as session:
            row = session.get(ServicePackageRow, package_id)
            if row is None:
                raise PackageNotFoundError(package_id)
            follow_ups = session.scalars(
                sa.select(FollowUpRow)
                .where(FollowUpRow.package_id == package_id)
                .order_by(FollowUpRow.due_at)
            ).all()
            return _stored(row, follow_ups)

    def for_session(self, session_id: str) -> list[StoredPackage]:
        """The session's packages, the newest first."""
        with self.database.session() as session:
            rows = session.scalars(
                sa.select(ServicePackageRow)
                .where(ServicePackageRow.session_id == session_id)
                .order_by(ServicePackageRow.id.desc())
            ).all()
            ids = [r.id for r in rows]
            follow_ups = session.scalars(
                sa.select(FollowUpRow)
                .where(FollowUpRow.package_id.in_(ids))
                .order_by(FollowUpRow.due_at)
            ).all()
            return [_stored(r, [f for f in follow_ups if f.package_id == r.id]) for r in rows]

    # -- follow-ups ----------------------------------------------------------------------

    def due(self, session_id: str, *, now: datetime | None = None) -> list[FollowUp]:
        """The session's follow-ups that are due and not asked yet, the earliest first."""
        with self.database.session() as session:
            rows = session.scalars(
                sa.select(FollowUpRow)
                .where(
                    FollowUpRow.session_id == session_id,
                    FollowUpRow.status == "scheduled",
                    FollowUpRow.due_at <= (now or _now()),
                )
                .order_by(FollowUpRow.due_at)
            ).all()
            return [FollowUp.from_row(r) for r in rows]

    def due_on_channels(
        self,
        channels: Sequence[str],
        *,
        now: datetime | None = None,
        limit: int = 200,
        after: FollowUp | None = None,
    ) -> list[FollowUp]:
        """Due, unasked follow-ups of people on ``channels`` (for pushing), the earliest first
        (by due time, then id); with ``after``, the next page after that follow-up."""
        query = sa.select(FollowUpRow).where(
            FollowUpRow.channel.in_(list(channels)),
            FollowUpRow.status == "scheduled",
            FollowUpRow.due_at <= (now or _now()),
        )
        if after is not None:
            query = query.where(
                sa.or_(
                    FollowUpRow.due_at > after.due_at,
                    sa.and_(FollowUpRow.due_at == after.due_at, FollowUpRow.id > after.id),
                )
            )
        with self.database.session() as session:
            rows = session.scalars(
                query.order_by(FollowUpRow.due_at, FollowUpRow.id).limit(limit)
            ).all()
            return [FollowUp.from_row(r) for r in rows]

    def mark_asked(self, follow_up_ids: Sequence[int], *, now: datetime | None = None) -> int:
        """Marks scheduled follow-ups asked; returns how many this call marked (a follow-up
        another worker marked first is not counted, so each is asked once)."""
        with self.database.session() as session:
            return self.mark_asked_in(session, follow_up_ids, now=now)

    def mark_asked_in(
        self, session: Session, follow_up_ids: Sequence[int], *, now: datetime | None = None
    ) -> int:
        """:meth:`mark_asked` inside a caller's unit of work (the push marks, queues the
        message and writes the transcript in one transaction)."""
        if not follow_up_ids:
            return 0
        result = session.connection().execute(
            sa.update(FollowUpRow)
            .where(FollowUpRow.id.in_(list(follow_up_ids)), FollowUpRow.status == "scheduled")
            .values(status="asked", asked_at=now or _now())
        )
        return int(result.rowcount or 0)

    def awaiting_answer(self, session_id: str, *, now: datetime | None = None) -> FollowUp | None:
        """The latest follow-up asked in this session and not answered, while an answer
        still counts (``follow_up_answer_days`` after it was asked)."""
        days = int(catalogue().parameter("follow_up_answer_days"))
        since = (now or _now()) - timedelta(days=days)
        with self.database.session() as session:
            row = session.scalars(
                sa.select(FollowUpRow)
                .where(
                    FollowUpRow.session_id == session_id,
                    FollowUpRow.status == "asked",
                    FollowUpRow.asked_at >= since,
                )
                .order_by(FollowUpRow.asked_at.desc(), FollowUpRow.id.desc())
                .limit(1)
            ).first()
            return FollowUp.from_row(row) if row is not None else None

    def record_answer(
        self, follow_up_id: int, outcome: Outcome, answer: str, *, now: datetime | None = None
    ) -> None:
        """The person's answer: the follow-up is answered, and the package keeps the best
        outcome any of its follow-ups reported. Answering also settles the package's other
        follow-ups that were asked and not answered."""
        moment = now or _now()
        with self.database.session() as session:
            row = session.get(FollowUpRow, follow_up_id)
            if row is None:
                raise LookupError(f"回访 {follow_up_id} 不存在")
            # Follow-ups asked together (a person back after a month) share the answer.
            session.connection().execute(
                sa.update(FollowUpRow)
                .where(FollowUpRow.package_id == row.package_id, FollowUpRow.status == "asked")
                .values(
                    status="answered", outcome=outcome, answer=answer[:1000], answered_at=moment
                )
            )
            session.refresh(row)
            package = session.get(ServicePackageRow, row.package_id)
            assert package is not None  # the foreign key
            if package.outcome is None or OUTCOMES.index(outcome) < OUTCOMES.index(package.outcome):
                package.outcome = outcome
            package.updated_at = moment

    def set_ticket(self, package_id: int, ticket_id: int) -> None:
        with self.database.session() as session:
            row = session.get(ServicePackageRow, package_id)
            if row is None:
                raise PackageNotFoundError(package_id)
            row.ticket_id = ticket_id
            row.updated_at = _now()

    def no_progress(self, *, now: datetime | None = None, limit: int = 200) -> list[NoProgress]:
        """People to call: the latest answer about their package says no progress, or a
        follow-up went unanswered past ``follow_up_answer_days``; not those who reported
        progress since, nor those a ticket was already opened for. Oldest package first."""
        days = int(catalogue().parameter("follow_up_answer_days"))
        overdue = (now or _now()) - timedelta(days=days)
        with self.database.session() as session:
            packages = session.scalars(
                sa.select(ServicePackageRow)
                .where(
                    ServicePackageRow.ticket_id.is_(None),
                    sa.or_(
                        ServicePackageRow.outcome.is_(None),
                        ServicePackageRow.outcome == "no_progress",
                    ),
                    ServicePackageRow.id.in_(
                        sa.select(FollowUpRow.package_id).where(FollowUpRow.status != "scheduled")
                    ),
                )
                .order_by(ServicePackageRow.id)
                .limit(limit)
            ).all()
            ids = [p.id for p in packages]
            follow_ups = session.scalars(
                sa.select(FollowUpRow)
                .where(FollowUpRow.package_id.in_(ids), FollowUpRow.status != "scheduled")
                .order_by(FollowUpRow.asked_at)
            ).all()
            found = []
            for package in packages:
                asked = [f for f in follow_ups if f.package_id == package.id]
                latest = asked[-1]
                if package.outcome == "no_progress":
                    reason: Literal["no_progress", "no_response"] = "no_progress"
                    answered = [f for f in asked if f.status == "answered"]
                    latest = answered[-1] if answered else latest
                elif latest.asked_at is not None and to_aware_utc(latest.asked_at) <= overdue:
                    reason = "no_response"
                else:
                    continue
                found.append(
                    NoProgress(
                        package_id=package.id,
                        session_id=package.session_id,
                        channel=package.channel,
                        user_id=package.user_id,
                        key_groups=list(package.key_groups),
                        issued_at=to_aware_utc(package.created_at),
                        reason=reason,
                        asked_at=to_aware_utc(latest.asked_at) if latest.asked_at else None,
                        answer=latest.answer,
                    )
                )
            return found

    def statistics(self) -> PackageStatistics:
        with self.database.session() as session:
            rows = session.execute(
                sa.select(ServicePackageRow.key_groups, ServicePackageRow.outcome)
            ).all()
            statuses = dict(
                session.execute(
                    sa.select(FollowUpRow.status, sa.func.count()).group_by(FollowUpRow.status)
                ).all()
            )
        groups: Counter[str] = Counter()
        outcomes: Counter[str] = Counter({name: 0 for name in (*OUTCOMES, "none")})
        without = 0
        for key_groups, outcome in rows:
            groups.update(key_groups or [])
            without += not key_groups
            outcomes[outcome or "none"] += 1
        answered = int(statuses.get("answered", 0))
        asked = answered + int(statuses.get("asked", 0))
        return PackageStatistics(
            issued=len(rows),
            by_key_group=dict(groups),
            without_key_group=without,
            follow_ups_asked=asked,
            follow_ups_answered=answered,
            response_rate=round(answered / asked, 4) if asked else None,
            outcomes=dict(outcomes),
        )


def _stored(row: ServicePackageRow, follow_ups: Sequence[FollowUpRow]) -> StoredPackage:
    return StoredPackage(
        id=row.id,
        session_id=row.session_id,
        channel=row.channel,
        user_id=row.user_id,
        key_groups=list(row.key_groups),
        outcome=row.outcome,  # type: ignore[arg-type]
        ticket_id=row.ticket_id,
        created_at=to_aware_utc(row.created_at),
        package=ServicePackage.model_validate(row.content),
        follow_ups=[FollowUp.from_row(f) for f in follow_ups],
    )
