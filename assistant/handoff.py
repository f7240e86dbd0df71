"""The hand-off queue: conversations the assistant hands to human caseworkers.

A ticket is durable before the user is told about it. Its life is open → claimed → closed:
one caseworker claims it (atomically, so two caseworkers in two processes never both get
it), talks to the user through the conversation's transcript, and closes it; the assistant
then resumes with the conversation's context. A session has at most one open or claimed
ticket at a time.

Errors (all Chinese messages, one root to catch)::

    HandoffError                     root: a hand-off operation was refused
    ├── TicketNotFoundError          no ticket has this id
    ├── TicketClosedError            the ticket is already closed
    ├── TicketAlreadyClaimedError    claim: another caseworker holds it
    ├── TicketNotClaimedError        reply/close: nobody has claimed it yet
    └── TicketClaimedByOtherError    reply/close: another caseworker holds it

Concurrency: every change is one transaction that first writes (an upsert or an update),
which takes the row lock on PostgreSQL and the write lock on SQLite, before it reads what
it decides on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.conversations import (
    ConversationState,
    ConversationStore,
    TaggedJSON,
    to_aware_utc,
)
from assistant.models import (
    HANDOFF_REASONS,
    HandoffReason,
    HandoffTicket,
    Message,
    TicketStatus,
)
from connectors.database.engine import Base, Database

__all__ = [
    "CLOSED_MESSAGE",
    "HandoffError",
    "HandoffQueue",
    "HandoffTicketRow",
    "TicketAlreadyClaimedError",
    "TicketClaimedByOtherError",
    "TicketClosedError",
    "TicketNotClaimedError",
    "TicketNotFoundError",
]

#: What the user reads when a caseworker closes the ticket.
CLOSED_MESSAGE = "人工服务已结束，智能助手将继续为您服务。如需再次转人工，请直接告诉我。"

_ACTIVE: tuple[TicketStatus, ...] = ("open", "claimed")
log = logging.getLogger("jiuye.handoff")


class HandoffError(Exception):
    """Root of the hand-off errors: the operation was refused; nothing was changed."""

    def __init__(self, message: str, *, ticket_id: int) -> None:
        super().__init__(message)
        self.ticket_id = ticket_id


class TicketNotFoundError(HandoffError):
    """No ticket has this id."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"转人工工单 {ticket_id} 不存在", ticket_id=ticket_id)


class TicketClosedError(HandoffError):
    """The ticket is closed: it can no longer be claimed, answered or closed."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"转人工工单 {ticket_id} 已关闭", ticket_id=ticket_id)


class TicketAlreadyClaimedError(HandoffError):
    """Claiming failed: another caseworker (``holder``) claimed the ticket first."""

    def __init__(self, ticket_id: int, holder: str) -> None:
        super().__init__(f"转人工工单 {ticket_id} 已由 {holder} 认领", ticket_id=ticket_id)
        self.holder = holder


class TicketNotClaimedError(HandoffError):
    """Replying or closing needs a claim, and nobody has claimed the ticket yet."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"转人工工单 {ticket_id} 尚未认领，请先认领", ticket_id=ticket_id)


class TicketClaimedByOtherError(HandoffError):
    """Only the caseworker holding the claim (``holder``) may reply to or close a ticket."""

    def __init__(self, ticket_id: int, holder: str) -> None:
        super().__init__(
            f"转人工工单 {ticket_id} 由 {holder} 负责，其他人不能回复或关闭", ticket_id=ticket_id
        )
        self.holder = holder


class HandoffTicketRow(Base):
    __tablename__ = "handoff_tickets"
    __table_args__ = (sa.Index("ix_handoff_tickets_status", "status", "id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        sa.String(250), sa.ForeignKey("conversations.session_id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    region: Mapped[str | None] = mapped_column(sa.String(6))
    reason: Mapped[str] = mapped_column(sa.String(40))
    summary: Mapped[str] = mapped_column(sa.Text)
    facts: Mapped[dict[str, Any]] = mapped_column(TaggedJSON)
    contact: Mapped[str] = mapped_column(sa.String(250))
    status: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(200))
    claimed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    close_note: Mapped[str | None] = mapped_column(sa.Text)
    # The hand-off webhook's delivery record (see connectors.handoff_sinks).
    notified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    notify_attempts: Mapped[int] = mapped_column(sa.Integer, server_default="0", default=0)
    notify_error: Mapped[str | None] = mapped_column(sa.Text)

    def to_ticket(self, transcript: list[Message]) -> HandoffTicket:
        return HandoffTicket.model_validate(
            {
                "id": self.id,
                "session_id": self.session_id,
                "channel": self.channel,
                "user_id": self.user_id,
                "role": self.role,
                "region": self.region,
                "reason": self.reason,
                "summary": self.summary,
                "facts": self.facts,
                "transcript": transcript,
                "contact": self.contact,
                "status": self.status,
                "created_at": to_aware_utc(self.created_at),
                "claimed_by": self.claimed_by,
                "claimed_at": None if self.claimed_at is None else to_aware_utc(self.claimed_at),
                "closed_at": None if self.closed_at is None else to_aware_utc(self.closed_at),
            }
        )


def _now() -> datetime:
    return datetime.now(UTC)


def _caseworker(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("工作人员名称不能为空，且不超过 200 个字符")
    return name


class HandoffQueue:
    """Opens, lists, claims, answers and closes hand-off tickets."""

    def __init__(self, database: Database, conversations: ConversationStore) -> None:
        self.database = database
        self.conversations = conversations
        #: Called with each newly opened ticket once it is committed (metrics, the webhook).
        #: A listener that raises is logged and never undoes or hides the ticket.
        self.on_open: list[Callable[[HandoffTicket], None]] = []

    # reading -------------------------------------------------------------------------

    def get(self, ticket_id: int) -> HandoffTicket:
        """The ticket with its conversation's transcript; :class:`TicketNotFoundError`."""
        with self.database.session() as session:
            row = session.get(HandoffTicketRow, ticket_id)
            if row is None:
                raise TicketNotFoundError(ticket_id)
            return self._ticket(session, row)

    def for_session(self, session_id: str) -> HandoffTicket | None:
        """The open or claimed ticket of ``session_id``, if there is one."""
        with self.database.session() as session:
            row = self._active_row(session, session_id)
            return None if row is None else self._ticket(session, row)

    def queue(self, *, status: TicketStatus | None = None) -> list[HandoffTicket]:
        """Tickets oldest first: those with ``status``, or by default the open and claimed."""
        statuses = _ACTIVE if status is None else (status,)
        query = (
            sa.select(HandoffTicketRow)
            .where(HandoffTicketRow.status.in_(statuses))
            .order_by(HandoffTicketRow.id)
        )
        with self.database.session() as session:
            rows = list(session.scalars(query))
            transcripts = self.conversations.transcripts_in(session, (r.session_id for r in rows))
            return [row.to_ticket(transcripts[row.session_id]) for row in rows]

    def counts(self) -> dict[TicketStatus, int]:
        """How many tickets are in each status (every status present, maybe 0)."""
        query = sa.select(HandoffTicketRow.status, sa.func.count()).group_by(
            HandoffTicketRow.status
        )
        with self.database.session() as session:
            found = {status: int(count) for status, count in session.execute(query)}
        return {status: found.get(status, 0) for status in ("open", "claimed", "closed")}

    # the ticket's life ---------------------------------------------------------------

    def open(
        self,
        state: ConversationState,
        *,
        reason: HandoffReason,
        summary: str,
        facts: Mapping[str, Any] | None = None,
    ) -> HandoffTicket:
        """Open a ticket for the conversation of ``state`` (or give back its open one).

        The state is saved with ``open_ticket`` set in the same transaction as the
        ticket, and ``state`` is updated once that transaction has committed. The ticket
        carries the conversation's facts, or ``facts`` when given (a package's profile).
        """
        if reason not in HANDOFF_REASONS:
            raise ValueError(f"未知的转人工原因：{reason}")
        now = _now()
        with self.database.session() as session:
            # The upsert locks the conversation, so a concurrent open for the same session
            # waits here and then finds this ticket instead of adding a second one.
            self.conversations.write_state_in(session, state.model_copy(update={"updated_at": now}))
            row = self._active_row(session, state.session_id)
            created = row is None
            if row is None:
                row = HandoffTicketRow(
                    session_id=state.session_id,
                    channel=state.channel,
                    user_id=state.user_id,
                    role=state.role,
                    region=state.region,
                    reason=reason,
                    summary=summary,
                    facts=dict(state.facts if facts is None else facts),
                    contact=f"{state.channel}:{state.user_id}",
                    status="open",
                    created_at=now,
                )
                session.add(row)
                session.flush()
            saved = state.model_copy(update={"open_ticket": row.id, "updated_at": now})
            self.conversations.write_state_in(session, saved)
            ticket = self._ticket(session, row)
        state.open_ticket = ticket.id
        state.updated_at = now
        if created:
            for listener in self.on_open:
                try:
                    listener(ticket)
                except Exception:  # a listener must never lose the user's ticket
                    log.exception("hand-off listener failed for ticket %s", ticket.id)
        return ticket

    def claim(self, ticket_id: int, caseworker: str) -> HandoffTicket:
        """Give the ticket to ``caseworker`` if it is open; claiming it again is harmless."""
        caseworker = _caseworker(caseworker)
        with self.database.session() as session:
            claimed = session.connection().execute(
                sa.update(HandoffTicketRow)
                .where(HandoffTicketRow.id == ticket_id, HandoffTicketRow.status == "open")
                .values(status="claimed", claimed_by=caseworker, claimed_at=_now())
            )
            row = session.get(HandoffTicketRow, ticket_id, populate_existing=True)
            if row is None:
                raise TicketNotFoundError(ticket_id)
            if claimed.rowcount != 1:
                if row.status == "closed":
                    raise TicketClosedError(ticket_id)
                if row.claimed_by != caseworker:
                    raise TicketAlreadyClaimedError(ticket_id, row.claimed_by or "")
            return self._ticket(session, row)

    def reply(self, ticket_id: int, caseworker: str, text: str) -> Message:
        """Append the caseworker's message to the conversation's transcript."""
        caseworker = _caseworker(caseworker)
        if not text.strip():
            raise ValueError("回复内容不能为空")
        now = _now()
        with self.database.session() as session:
            row = self._held_row(session, ticket_id, caseworker)
            payload = {"ticket": ticket_id, "caseworker": caseworker}
            (message,) = self.conversations.post_in(
                session, row.session_id, [("caseworker", text, payload)], now=now
            )
        return message

    def add_note(self, ticket_id: int, text: str) -> Message:
        """Append a system note to the ticket's transcript (e.g. a reply WeChat could not
        deliver yet), for the caseworker to read."""
        with self.database.session() as session:
            row = session.get(HandoffTicketRow, ticket_id)
            if row is None:
                raise TicketNotFoundError(ticket_id)
            (message,) = self.conversations.append_in(
                session, row.session_id, [("system", text, {"ticket": ticket_id})]
            )
        return message

    def close(self, ticket_id: int, caseworker: str, *, note: str | None = None) -> HandoffTicket:
        """Close the ticket and hand the conversation back to the assistant.

        In one transaction: the ticket is closed, the conversation's ``open_ticket`` is
        cleared and its ``failures`` reset (its facts stay), and the user is told.
        Only the caseworker holding the claim may close it.
        """
        caseworker = _caseworker(caseworker)
        now = _now()
        with self.database.session() as session:
            row = self._held_row(session, ticket_id, caseworker)
            row.status = "closed"
            row.closed_at = now
            row.close_note = note
            session.flush()
            state = self.conversations.locked_state_in(session, row.session_id)
            if state is not None:
                update: dict[str, Any] = {"failures": 0, "updated_at": now}
                if state.open_ticket in (None, ticket_id):
                    update["open_ticket"] = None
                self.conversations.write_state_in(session, state.model_copy(update=update))
            payload = {"ticket": ticket_id, "event": "closed", "caseworker": caseworker}
            self.conversations.append_in(
                session, row.session_id, [("system", CLOSED_MESSAGE, payload)], now=now
            )
            return self._ticket(session, row)

    # helpers -------------------------------------------------------------------------

    @staticmethod
    def _active_row(session: Session, session_id: str) -> HandoffTicketRow | None:
        return session.scalars(
            sa.select(HandoffTicketRow)
            .where(
                HandoffTicketRow.session_id == session_id,
                HandoffTicketRow.status.in_(_ACTIVE),
            )
            .order_by(HandoffTicketRow.id)
            .limit(1)
        ).first()

    @staticmethod
    def _held_row(session: Session, ticket_id: int, caseworker: str) -> HandoffTicketRow:
        """The ticket, locked, if ``caseworker`` holds its claim; else the matching error.

        The no-op update takes the row lock (PostgreSQL) or the write lock (SQLite) first,
        so a concurrent close cannot slip in between this check and the caller's write.
        """
        session.connection().execute(
            sa.update(HandoffTicketRow)
            .where(HandoffTicketRow.id == ticket_id)
            .values(status=HandoffTicketRow.status)
        )
        row = session.get(HandoffTicketRow, ticket_id, populate_existing=True)
        if row is None:
            raise TicketNotFoundError(ticket_id)
        if row.status == "closed":
            raise TicketClosedError(ticket_id)
        if row.status == "open" or row.claimed_by is None:
            raise TicketNotClaimedError(ticket_id)
        if row.claimed_by != caseworker:
            raise TicketClaimedByOtherError(ticket_id, row.claimed_by)
        return row

    def _ticket(self, session: Session, row: HandoffTicketRow) -> HandoffTicket:
        transcripts = self.conversations.transcripts_in(session, [row.session_id])
        return row.to_ticket(transcripts[row.session_id])
