"""Basic statistics of the service for admins: turns, hand-offs, answer rate, feedback, and
the service packages with their follow-ups (跟踪问效)."""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.orm import InstrumentedAttribute, Session

from assistant.conversations import ConversationMessageRow, ConversationRow
from assistant.feedback import FeedbackEvent, FeedbackStore
from assistant.handoff import HandoffQueue, HandoffTicketRow
from assistant.models import TicketStatus
from assistant.packages.store import PackageStatistics, PackageStore

__all__ = ["ServiceStatistics", "service_statistics"]


class ServiceStatistics(BaseModel):
    sessions: int
    turns: int = Field(description="messages people sent")
    answers: int = Field(
        description="replies the assistant composed (follow-up questions asked on their own "
        "are not replies)"
    )
    answered: int = Field(description="replies that answered (not 'I am not sure', not refused)")
    answer_rate: float | None = Field(description="answered / answers; None before any answer")
    handoffs: dict[TicketStatus, int] = Field(description="tickets by status")
    handoff_reasons: dict[str, int] = Field(description="tickets by reason")
    caseworker_replies: int
    feedback: dict[FeedbackEvent, int]
    packages: PackageStatistics = Field(
        description="service packages issued, by key group, follow-ups asked and answered, outcomes"
    )


def _grouped(session: Session, column: InstrumentedAttribute[str]) -> dict[str, int]:
    query = sa.select(column, sa.func.count()).group_by(column)
    return {str(key): int(count) for key, count in session.execute(query)}


def service_statistics(handoffs: HandoffQueue, packages: PackageStore) -> ServiceStatistics:
    database = handoffs.database
    messages = ConversationMessageRow
    with database.session() as session:
        senders = _grouped(session, messages.sender)
        answers = answered = 0
        # The answer flag sits in the JSON payload; reading the payloads keeps this
        # portable across SQLite and PostgreSQL (admins ask rarely).
        payloads = session.scalars(
            sa.select(messages.payload)
            .where(messages.sender == "assistant")
            .execution_options(yield_per=1000)
        )
        for payload in payloads:
            if (payload or {}).get("follow_up") is not None:
                continue  # a follow-up asked on page load or pushed, not an answer
            answers += 1
            answered += bool((payload or {}).get("answered", True))
        stats = ServiceStatistics(
            sessions=session.scalar(sa.select(sa.func.count()).select_from(ConversationRow)) or 0,
            turns=senders.get("user", 0),
            answers=answers,
            answered=answered,
            answer_rate=round(answered / answers, 4) if answers else None,
            handoffs=handoffs.counts(),
            handoff_reasons=_grouped(session, HandoffTicketRow.reason),
            caseworker_replies=senders.get("caseworker", 0),
            feedback=FeedbackStore(database).counts(),
            packages=packages.statistics(),
        )
    return stats
