"""Durable conversations: the memory of each session and its transcript.

The engine loads a :class:`ConversationState` at the start of a turn and saves it, with
the turn's messages, in one transaction at the end: a crash in between leaves the previous
turn intact, never half of the new one. SQLite is the embedded default, PostgreSQL the
scale-out; each session is one row, so workers saving different sessions never wait on
each other's rows (on SQLite they queue for the file's write lock for milliseconds).

Values the engine keeps in the state (facts, the last query) and message payloads are
stored as JSON. ``datetime.date`` and ``datetime.datetime`` values are tagged on the way in
and come back as the same types, wherever they sit in the structure (see
:class:`TaggedJSON`). Times in the API are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field, TypeAdapter, field_validator
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.models import Channel, Message, Role, Sender, Turn
from connectors.database.engine import Base, Database, dialect_insert

__all__ = [
    "ConversationMessageRow",
    "ConversationRow",
    "ConversationState",
    "ConversationStore",
    "TaggedJSON",
    "decode_tagged",
    "encode_tagged",
    "to_aware_utc",
]

_DATE_TAG = "$date"
_DATETIME_TAG = "$datetime"
_DICT_TAG = "$dict"  # escapes a user dict that would otherwise read as a tag
_TAGS = frozenset({_DATE_TAG, _DATETIME_TAG, _DICT_TAG})

#: The state fields kept in the ``state`` JSON column (the rest have columns of their own).
_STATE_JSON_FIELDS = (
    "facts",
    "pending",
    "active_policy",
    "last_intent",
    "last_query",
    "failures",
    "open_ticket",
    "wishes",
    "package_id",
    "said_region",
    "channel_region",
    "offered_handoff",
)

_SENDER: TypeAdapter[Sender] = TypeAdapter(Sender)


def to_aware_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive time is taken as UTC (SQLite gives times back naive)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def encode_tagged(value: Any) -> Any:
    """A JSON-able copy of ``value`` with dates and datetimes tagged so they come back.

    Pydantic models are dumped (Python mode, so their dates are tagged too); tuples become
    lists. Anything else JSON cannot hold raises :class:`TypeError`.
    """
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {_DATETIME_TAG: value.isoformat()}
    if isinstance(value, date):
        return {_DATE_TAG: value.isoformat()}
    if isinstance(value, BaseModel):
        return encode_tagged(value.model_dump())
    if isinstance(value, dict):
        encoded: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON 对象的键必须是字符串：{key!r}")
            encoded[key] = encode_tagged(item)
        if len(encoded) == 1 and next(iter(encoded)) in _TAGS:
            return {_DICT_TAG: encoded}
        return encoded
    if isinstance(value, list | tuple):
        return [encode_tagged(item) for item in value]
    raise TypeError(f"无法存为 JSON 的值：{type(value).__name__}")


def decode_tagged(value: Any) -> Any:
    """The inverse of :func:`encode_tagged` (models come back as dicts)."""
    if isinstance(value, list):
        return [decode_tagged(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, item),) = value.items()
        if key == _DATE_TAG and isinstance(item, str):
            return date.fromisoformat(item)
        if key == _DATETIME_TAG and isinstance(item, str):
            return datetime.fromisoformat(item)
        if key == _DICT_TAG and isinstance(item, dict):
            return {k: decode_tagged(v) for k, v in item.items()}
    return {key: decode_tagged(item) for key, item in value.items()}


class TaggedJSON(sa.TypeDecorator[Any]):
    """JSON that gives dates and datetimes back as such (see :func:`encode_tagged`).

    Encoding happens when the statement runs, inside the unit of work, so a value that
    cannot be stored fails the whole transaction rather than a half of it.
    """

    impl = sa.JSON(none_as_null=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        return None if value is None else encode_tagged(value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        return None if value is None else decode_tagged(value)


class ConversationRow(Base):
    __tablename__ = "conversations"

    session_id: Mapped[str] = mapped_column(sa.String(250), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    region: Mapped[str | None] = mapped_column(sa.String(6))
    state: Mapped[dict[str, Any]] = mapped_column(TaggedJSON)
    turns: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class ConversationMessageRow(Base):
    __tablename__ = "conversation_messages"
    __table_args__ = (sa.Index("ix_conversation_messages_session_id", "session_id", "id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        sa.String(250), sa.ForeignKey("conversations.session_id", ondelete="CASCADE")
    )
    sender: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(TaggedJSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    def to_message(self) -> Message:
        return Message(
            sender=_SENDER.validate_python(self.sender),
            text=self.text,
            created_at=to_aware_utc(self.created_at),
        )


class ConversationState(BaseModel):
    """The per-session memory the engine reads and writes between turns."""

    session_id: str
    channel: Channel
    user_id: str
    role: Role
    region: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict, description="JSON-able; dates kept")
    pending: list[str] = Field(default_factory=list, description="facts asked in the last reply")
    active_policy: str | None = Field(default=None, description="eligibility rule being checked")
    last_intent: str | None = None
    last_query: dict[str, Any] = Field(
        default_factory=dict, description="the last vacancy/policy query, for follow-ups"
    )
    failures: int = Field(default=0, ge=0, description="failed answers in a row")
    open_ticket: int | None = Field(default=None, description="hand-off ticket while one is open")
    wishes: dict[str, Any] = Field(
        default_factory=dict, description="the work the person looks for (JobWishes fields)"
    )
    package_id: int | None = Field(default=None, description="the latest service package issued")
    said_region: str | None = Field(
        default=None,
        description="a place the person named in the conversation (我在广州): it is where they "
        "are asking about until they name another or pick another region",
    )
    channel_region: str | None = Field(
        default=None, description="the region the channel sent last (a page's region picker)"
    )
    offered_handoff: bool = Field(
        default=False, description="the last reply offered a caseworker (a yes takes it up)"
    )
    turns: int = Field(default=0, ge=0)
    created_at: datetime
    updated_at: datetime

    @field_validator("created_at", "updated_at")
    @classmethod
    def _aware_utc(cls, value: datetime) -> datetime:
        return to_aware_utc(value)

    @classmethod
    def for_turn(cls, turn: Turn, *, now: datetime | None = None) -> ConversationState:
        """A new, unsaved state for the person and channel of ``turn``."""
        moment = now or _now()
        return cls(
            session_id=turn.session_id,
            channel=turn.channel,
            user_id=turn.user_id,
            role=turn.role,
            region=turn.region,
            created_at=moment,
            updated_at=moment,
        )

    @classmethod
    def from_row(cls, row: ConversationRow) -> ConversationState:
        return cls.model_validate(
            {
                **row.state,
                "session_id": row.session_id,
                "channel": row.channel,
                "user_id": row.user_id,
                "role": row.role,
                "region": row.region,
                "turns": row.turns,
                "created_at": row.created_at,
                "updated_at": row.updated_at,
            }
        )

    def row_values(self) -> dict[str, Any]:
        """The columns of this state's row (times in UTC)."""
        return {
            "session_id": self.session_id,
            "channel": self.channel,
            "user_id": self.user_id,
            "role": self.role,
            "region": self.region,
            "state": {name: getattr(self, name) for name in _STATE_JSON_FIELDS},
            "turns": self.turns,
            "created_at": to_aware_utc(self.created_at),
            "updated_at": to_aware_utc(self.updated_at),
        }


class ConversationStore:
    """Loads and saves conversation states and their transcripts.

    Besides the unit-of-work methods (``load``, ``save``, ...), the ``*_in`` methods work
    inside a caller's session so that other stores (the hand-off queue) can change a
    conversation in the same transaction as their own rows.
    """

    def __init__(self, database: Database) -> None:
        self.database = database

    # reading -------------------------------------------------------------------------

    def get(self, session_id: str) -> ConversationState | None:
        """The stored state of ``session_id``, if it was ever saved."""
        with self.database.session() as session:
            row = session.get(ConversationRow, session_id)
            return None if row is None else ConversationState.from_row(row)

    def load(self, turn: Turn) -> ConversationState:
        """The state for ``turn``: the stored one, or a new unsaved one.

        A stored state keeps its facts but takes the turn's role when the turn sets one
        and its region when the turn has one (people move, agents switch roles).
        """
        state = self.get(turn.session_id)
        if state is None:
            return ConversationState.for_turn(turn)
        if "role" in turn.model_fields_set:
            state.role = turn.role
        if turn.region is not None:
            state.region = turn.region
        return state

    def transcript(self, session_id: str, *, limit: int | None = None) -> list[Message]:
        """The messages of ``session_id``, oldest first; with ``limit``, the last ones."""
        return [message for message, _ in self.payloads(session_id, limit=limit)]

    def payloads(
        self, session_id: str, *, limit: int | None = None, since: int = 0
    ) -> list[tuple[Message, dict[str, Any] | None]]:
        """The messages of ``session_id`` with their payloads, oldest first: with
        ``limit``, the last ones; with ``since``, those from that position on (0 is the
        first message, so a page that has shown N messages asks for ``since=N``)."""
        if limit is not None and limit < 0:
            raise ValueError("条数（limit）不能为负数")
        if since < 0:
            raise ValueError("起始位置（since）不能为负数")
        if since and limit is not None:
            raise ValueError("limit 和 since 不能同时使用")
        query = sa.select(ConversationMessageRow).where(
            ConversationMessageRow.session_id == session_id
        )
        if limit is None:
            query = query.order_by(ConversationMessageRow.id).offset(since)
        else:
            query = query.order_by(ConversationMessageRow.id.desc()).limit(limit)
        with self.database.session() as session:
            rows = list(session.scalars(query))
        if limit is not None:
            rows.reverse()
        return [(row.to_message(), row.payload) for row in rows]

    # writing -------------------------------------------------------------------------

    def save(
        self,
        state: ConversationState,
        messages: Sequence[tuple[Sender, str, dict[str, Any] | None]],
    ) -> list[Message]:
        """Store ``state`` and append ``messages`` in order, all in one transaction.

        ``state.updated_at`` becomes now; ``state.turns`` is stored as given (the engine
        counts turns). Returns the stored messages. If anything fails, nothing is written
        and ``state`` is left as it was.
        """
        checked = [
            (_SENDER.validate_python(sender), text, payload) for sender, text, payload in messages
        ]
        now = _now()
        saved = state.model_copy(update={"updated_at": now})
        with self.database.session() as session:
            self.write_state_in(session, saved)
            stored = self.append_in(session, state.session_id, checked, now=now)
        state.updated_at = now
        return stored

    # inside a caller's unit of work ---------------------------------------------------

    def write_state_in(self, session: Session, state: ConversationState) -> None:
        """Insert or update the row of ``state``; its creation time is kept on update.

        On both databases this is one write statement (an upsert), which takes the row
        lock (PostgreSQL) or the write lock (SQLite) before anything is read.
        """
        values = state.row_values()
        changes = {k: v for k, v in values.items() if k not in ("session_id", "created_at")}
        statement = dialect_insert(session, ConversationRow).values(values)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[ConversationRow.session_id],
                set_={name: statement.excluded[name] for name in changes},
            )
        )

    def locked_state_in(self, session: Session, session_id: str) -> ConversationState | None:
        """The stored state of ``session_id``, locked until the caller's transaction ends.

        PostgreSQL locks the row; SQLite has no row locks, so the caller must have written
        in this transaction already (which holds the database's write lock).
        """
        row = session.scalars(
            sa.select(ConversationRow)
            .where(ConversationRow.session_id == session_id)
            .with_for_update(key_share=True)
        ).one_or_none()
        return None if row is None else ConversationState.from_row(row)

    def append_in(
        self,
        session: Session,
        session_id: str,
        messages: Iterable[tuple[Sender, str, dict[str, Any] | None]],
        *,
        now: datetime | None = None,
    ) -> list[Message]:
        """Append ``messages`` to the transcript of ``session_id``, in order."""
        moment = now or _now()
        stored: list[Message] = []
        for sender, text, payload in messages:
            session.execute(
                sa.insert(ConversationMessageRow).values(
                    session_id=session_id,
                    sender=sender,
                    text=text,
                    payload=payload,
                    created_at=moment,
                )
            )
            stored.append(Message(sender=sender, text=text, created_at=moment))
        return stored

    def post_in(
        self,
        session: Session,
        session_id: str,
        messages: Iterable[tuple[Sender, str, dict[str, Any] | None]],
        *,
        now: datetime,
    ) -> list[Message]:
        """Append messages that come outside a turn (a caseworker's reply, a follow-up
        asked when the page opens) and mark the conversation updated, in the caller's
        unit of work."""
        stored = self.append_in(session, session_id, messages, now=now)
        session.execute(
            sa.update(ConversationRow)
            .where(ConversationRow.session_id == session_id)
            .values(updated_at=now)
        )
        return stored

    def transcripts_in(
        self, session: Session, session_ids: Iterable[str]
    ) -> dict[str, list[Message]]:
        """The transcripts of several sessions in one query, each oldest first."""
        wanted = sorted(set(session_ids))
        found: dict[str, list[Message]] = {session_id: [] for session_id in wanted}
        if not wanted:
            return found
        query = (
            sa.select(ConversationMessageRow)
            .where(ConversationMessageRow.session_id.in_(wanted))
            .order_by(ConversationMessageRow.session_id, ConversationMessageRow.id)
        )
        for row in session.scalars(query):
            found[row.session_id].append(row.to_message())
        return found
