"""What the WeChat channel keeps in the database: each delivery seen, and the outbox.

WeChat delivers a message up to three times when it gets no answer within 5 seconds, and
with several server workers each delivery may land on another process. The first delivery
inserts a row keyed by the message (``MsgId``, or ``FromUserName:CreateTime`` for events)
into ``wechat_inbound``; the unique key makes exactly one worker the owner, and the others
read what the owner recorded (the passive reply to repeat, or that it is still working).

Replies that miss the 5-second budget, the parts of a long reply after the first,
caseworker messages and pushed package follow-ups go into ``wechat_outbox`` and are sent
through the customer-service message API (see :mod:`connectors.wechat.delivery`); a worker
leases a message before it sends it, so with several workers each message goes out once.
A message for a user who has not written for 48 hours is ``held``: WeChat would refuse it,
so it waits until the user writes again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from connectors.database.engine import Base, Database, dialect_insert

__all__ = [
    "CUSTOMER_SERVICE_WINDOW",
    "Delivery",
    "InboundStatus",
    "OutboxKind",
    "OutboxMessage",
    "WeChatInboundRow",
    "WeChatOutboxRow",
    "WeChatStore",
]

#: WeChat accepts customer-service messages only this long after the user last wrote.
CUSTOMER_SERVICE_WINDOW = timedelta(hours=48)

InboundStatus = Literal["processing", "answered", "deferred"]
OutboxKind = Literal["reply", "caseworker", "follow_up"]
_ERROR_LIMIT = 500
#: Seconds a worker holds a message it is sending (longer than one API call can take).
_LEASE_SECONDS = 60.0


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class WeChatInboundRow(Base):
    __tablename__ = "wechat_inbound"
    __table_args__ = (
        sa.UniqueConstraint("channel", "message_key", name="uq_wechat_inbound_message"),
        sa.Index("ix_wechat_inbound_user", "channel", "user_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(sa.String(20))
    message_key: Mapped[str] = mapped_column(sa.String(250))
    user_id: Mapped[str] = mapped_column(sa.String(200))
    msg_type: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(20))
    reply: Mapped[str | None] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class WeChatOutboxRow(Base):
    __tablename__ = "wechat_outbox"
    __table_args__ = (sa.Index("ix_wechat_outbox_status", "status", "id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20))
    attempts: Mapped[int] = mapped_column(sa.Integer, server_default="0", default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


@dataclass(frozen=True)
class Delivery:
    """What the database says about one delivery of a message."""

    owner: bool  # this delivery inserted the row: it answers the message
    status: InboundStatus
    reply: str | None = None  # the passive reply already given, to repeat on a redelivery


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    channel: str
    user_id: str
    text: str
    attempts: int


class WeChatStore:
    """Deduplicates deliveries and keeps the outbox of customer-service messages."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # deliveries -------------------------------------------------------------------------

    def claim(self, channel: str, message_key: str, *, user_id: str, msg_type: str) -> Delivery:
        """Records a delivery; the first one for a message becomes its owner."""
        values = {
            "channel": channel,
            "message_key": message_key[:250],
            "user_id": user_id,
            "msg_type": msg_type[:40],
            "status": "processing",
            "received_at": _now(),
        }
        with self.database.session() as session:
            inserted = session.execute(
                dialect_insert(session, WeChatInboundRow)
                .values(values)
                .on_conflict_do_nothing()
                .returning(WeChatInboundRow.id)
            ).scalar_one_or_none()
            if inserted is not None:
                return Delivery(owner=True, status="processing")
            row = session.scalars(
                sa.select(WeChatInboundRow).where(
                    WeChatInboundRow.channel == channel,
                    WeChatInboundRow.message_key == values["message_key"],
                )
            ).one()
            status: InboundStatus = row.status  # type: ignore[assignment]
            return Delivery(owner=False, status=status, reply=row.reply)

    def settle(
        self, channel: str, message_key: str, status: InboundStatus, reply: str | None = None
    ) -> None:
        """The owner records how the message was answered (passively, or deferred)."""
        with self.database.session() as session:
            session.execute(
                sa.update(WeChatInboundRow)
                .where(
                    WeChatInboundRow.channel == channel,
                    WeChatInboundRow.message_key == message_key[:250],
                )
                .values(status=status, reply=reply)
            )

    def last_seen(self, channel: str, user_id: str) -> datetime | None:
        """When the user last wrote (or clicked, or subscribed) on this channel."""
        with self.database.session() as session:
            found = session.scalar(
                sa.select(sa.func.max(WeChatInboundRow.received_at)).where(
                    WeChatInboundRow.channel == channel, WeChatInboundRow.user_id == user_id
                )
            )
        return None if found is None else _aware(found)

    def in_window(self, channel: str, user_id: str, *, now: datetime | None = None) -> bool:
        seen = self.last_seen(channel, user_id)
        return seen is not None and (now or _now()) - seen < CUSTOMER_SERVICE_WINDOW

    def purge(self, older_than: timedelta = timedelta(days=7)) -> int:
        """Forgets deliveries older than ``older_than`` (longer than the 48-hour window)."""
        with self.database.session() as session:
            result = session.connection().execute(
                sa.delete(WeChatInboundRow).where(
                    WeChatInboundRow.received_at < _now() - older_than
                )
            )
        return int(result.rowcount or 0)

    # the outbox ------------------------------------------------------------------------

    def enqueue(
        self, channel: str, user_id: str, texts: Sequence[str], *, kind: OutboxKind
    ) -> bool:
        """Queues ``texts`` in order for the user; held (and False) outside the window."""
        pending = self.in_window(channel, user_id)
        with self.database.session() as session:
            self.enqueue_in(session, channel, user_id, texts, kind=kind, held=not pending)
        return pending

    def enqueue_in(
        self,
        session: Session,
        channel: str,
        user_id: str,
        texts: Sequence[str],
        *,
        kind: OutboxKind,
        held: bool = False,
    ) -> None:
        """Queues ``texts`` inside a caller's unit of work (the caller checked the window),
        so the message is queued together with the caller's own changes or not at all."""
        now = _now()
        for text in texts:
            session.add(
                WeChatOutboxRow(
                    channel=channel,
                    user_id=user_id,
                    kind=kind,
                    text=text,
                    status="held" if held else "pending",
                    attempts=0,
                    created_at=now,
                )
            )

    def release_held(self, channel: str, user_id: str) -> int:
        """The user wrote again: their held messages may go out now."""
        with self.database.session() as session:
            result = session.connection().execute(
                sa.update(WeChatOutboxRow)
                .where(
                    WeChatOutboxRow.channel == channel,
                    WeChatOutboxRow.user_id == user_id,
                    WeChatOutboxRow.status == "held",
                )
                .values(status="pending")
            )
        return int(result.rowcount or 0)

    def pending(self, limit: int = 200) -> list[OutboxMessage]:
        """Messages to send, oldest first (a user's messages keep their order)."""
        with self.database.session() as session:
            rows = session.scalars(
                sa.select(WeChatOutboxRow)
                .where(WeChatOutboxRow.status == "pending")
                .order_by(WeChatOutboxRow.id)
                .limit(limit)
            )
            return [OutboxMessage(r.id, r.channel, r.user_id, r.text, r.attempts) for r in rows]

    def lease(self, message_id: int, seconds: float = _LEASE_SECONDS) -> bool:
        """Takes a pending message for sending, so no other worker sends it meanwhile;
        False when it is taken (or no longer pending)."""
        now = _now()
        with self.database.session() as session:
            result = session.connection().execute(
                sa.update(WeChatOutboxRow)
                .where(
                    WeChatOutboxRow.id == message_id,
                    WeChatOutboxRow.status == "pending",
                    sa.or_(
                        WeChatOutboxRow.lease_until.is_(None), WeChatOutboxRow.lease_until < now
                    ),
                )
                .values(lease_until=now + timedelta(seconds=seconds))
            )
        return result.rowcount == 1

    def outcome(self, message_id: int, *, error: str | None, final: bool = False) -> None:
        """Records one attempt: sent, failed for now, or failed for good (``final``)."""
        values: dict[str, object] = {"attempts": WeChatOutboxRow.attempts + 1, "lease_until": None}
        if error is None:
            values.update(status="sent", sent_at=_now(), error=None)
        else:
            values["error"] = error[:_ERROR_LIMIT]
            if final:
                values["status"] = "failed"
        with self.database.session() as session:
            session.execute(
                sa.update(WeChatOutboxRow)
                .where(WeChatOutboxRow.id == message_id, WeChatOutboxRow.status == "pending")
                .values(**values)
            )

    def hold(self, message_id: int, error: str) -> None:
        """WeChat said the window is closed: wait for the user's next message."""
        with self.database.session() as session:
            session.execute(
                sa.update(WeChatOutboxRow)
                .where(WeChatOutboxRow.id == message_id)
                .values(status="held", error=error[:_ERROR_LIMIT], lease_until=None)
            )

    def counts(self) -> dict[str, int]:
        with self.database.session() as session:
            found = dict(
                session.execute(
                    sa.select(WeChatOutboxRow.status, sa.func.count()).group_by(
                        WeChatOutboxRow.status
                    )
                ).all()
            )
        return {s: int(found.get(s, 0)) for s in ("pending", "held", "sent", "failed")}
