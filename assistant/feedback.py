"""Agent-assist feedback: what hotline agents did with each suggestion.

The signals are those Google's Agent Assist and Amazon Q in Connect collect: a suggestion
was displayed, copied into the conversation, marked helpful or not helpful. They are
stored durably before the request is acknowledged and counted for the admin statistics.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, get_args

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from connectors.database.engine import Base, Database

__all__ = ["FEEDBACK_EVENTS", "AssistFeedbackRow", "FeedbackEvent", "FeedbackStore"]

FeedbackEvent = Literal["displayed", "copied", "helpful", "not_helpful"]
FEEDBACK_EVENTS: tuple[FeedbackEvent, ...] = get_args(FeedbackEvent)


class AssistFeedbackRow(Base):
    __tablename__ = "assist_feedback"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    suggestion_id: Mapped[str] = mapped_column(sa.String(64))
    event: Mapped[str] = mapped_column(sa.String(20))
    agent: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class FeedbackStore:
    """Records feedback events and counts them."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def record(
        self, call_id: str, suggestion_id: str, event: FeedbackEvent, *, agent: str | None = None
    ) -> None:
        if event not in FEEDBACK_EVENTS:
            raise ValueError(f"未知的反馈类型：{event}（可选 {' / '.join(FEEDBACK_EVENTS)}）")
        with self.database.session() as session:
            session.add(
                AssistFeedbackRow(
                    call_id=call_id,
                    suggestion_id=suggestion_id,
                    event=event,
                    agent=agent,
                    created_at=datetime.now(UTC),
                )
            )

    def counts(self) -> dict[FeedbackEvent, int]:
        """How many events of each kind were recorded (every kind present, maybe 0)."""
        query = sa.select(AssistFeedbackRow.event, sa.func.count()).group_by(
            AssistFeedbackRow.event
        )
        with self.database.session() as session:
            found = {event: count for event, count in session.execute(query)}
        return {event: int(found.get(event, 0)) for event in FEEDBACK_EVENTS}
