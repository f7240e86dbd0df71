"""The hand-off queue on SQLite and PostgreSQL: tickets, claims, replies, races."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa

import assistant.handoff as handoff_module
from assistant.conversations import ConversationState, ConversationStore
from assistant.handoff import (
    CLOSED_MESSAGE,
    HandoffError,
    HandoffQueue,
    HandoffTicketRow,
    TicketAlreadyClaimedError,
    TicketClaimedByOtherError,
    TicketClosedError,
    TicketNotClaimedError,
    TicketNotFoundError,
)
from assistant.models import Sender, Turn
from connectors.database import Database
from tests.assistant.racing import race

T = TypeVar("T")


def _state(
    conversations: ConversationStore, user_id: str = "u1", *, messages: int = 2
) -> ConversationState:
    """A saved conversation with facts and a few messages."""
    turn = Turn(channel="wechat", user_id=user_id, text="你好", role="job_seeker", region="410100")
    state = conversations.load(turn)
    state.facts = {"age": 35, "registered_on": date(2025, 3, 1)}
    state.failures = 2
    state.turns = 1
    lines: list[tuple[Sender, str, None]] = [
        ("user", f"问题{i}", None) if i % 2 == 0 else ("assistant", f"回答{i}", None)
        for i in range(messages)
    ]
    conversations.save(state, lines)
    return state


def _close_note(database: Database, ticket_id: int) -> str | None:
    with database.session() as session:
        return session.scalar(
            sa.select(HandoffTicketRow.close_note).where(HandoffTicketRow.id == ticket_id)
        )


def test_open_stores_a_durable_ticket_and_marks_the_conversation(
    database: Database, database_url: str, conversations: ConversationStore, queue: HandoffQueue
) -> None:
    state = _state(conversations)
    ticket = queue.open(state, reason="user_request", summary="用户要求人工")
    assert ticket.status == "open" and ticket.id > 0
    assert (ticket.session_id, ticket.channel, ticket.user_id) == ("wechat:u1", "wechat", "u1")
    assert (ticket.role, ticket.region, ticket.reason) == ("job_seeker", "410100", "user_request")
    assert ticket.summary == "用户要求人工"
    assert ticket.contact == "wechat:u1"
    assert ticket.facts == {"age": 35, "registered_on": date(2025, 3, 1)}
    assert [m.text for m in ticket.transcript] == ["问题0", "回答1"]
    assert ticket.created_at.tzinfo is UTC
    assert (ticket.claimed_by, ticket.claimed_at, ticket.closed_at) == (None, None, None)
    assert state.open_ticket == ticket.id

    # Durable: another process sees the ticket and the conversation pointing at it.
    other = Database(database_url)
    try:
        again = HandoffQueue(other, ConversationStore(other))
        assert again.get(ticket.id) == ticket
        assert again.for_session("wechat:u1") == ticket
        stored = again.conversations.get("wechat:u1")
        assert stored is not None and stored.open_ticket == ticket.id
        assert stored.facts == state.facts
    finally:
        other.dispose()


def test_open_saves_a_conversation_that_was_never_saved(
    conversations: ConversationStore, queue: HandoffQueue
) -> None:
    state = conversations.load(Turn(channel="web", user_id="new", text="转人工"))
    ticket = queue.open(state, reason="complaint", summary="投诉")
    assert ticket.transcript == []
    stored = conversations.get("web:new")
    assert stored is not None and stored.open_ticket == ticket.id
    assert ticket.contact == "web:new"


def test_a_session_has_one_open_ticket_at_a_time(
    conversations: ConversationStore, queue: HandoffQueue
) -> None:
    state = _state(conversations)
    first = queue.open(state, reason="user_request", summary="第一次")
    state.open_ticket = None  # even a state that forgot its ticket gets the same one back
    assert queue.open(state, reason="complaint", summary="第二次").id == first.id
    assert state.open_ticket == first.id
    queue.claim(first.id, "李四")
    claimed = queue.open(state, reason="low_confidence", summary="第三次")
    assert (claimed.id, claimed.status, claimed.summary) == (first.id, "claimed", "第一次")
    assert len(queue.queue()) == 1

    queue.close(first.id, "李四")
    second = queue.open(state, reason="repeated_failure", summary="又一次")
    assert second.id != first.id and second.status == "open"
    assert [t.id for t in queue.queue()] == [second.id]


def test_an_unknown_reason_is_refused(
    conversations: ConversationStore, queue: HandoffQueue
) -> None:
    state = _state(conversations)
    with pytest.raises(ValueError, match="原因"):
        queue.open(state, reason="bored", summary="x")  # type: ignore[arg-type]
    assert queue.for_session(state.session_id) is None


def test_the_queue_is_oldest_first_and_filters_by_status(
    conversations: ConversationStore, queue: HandoffQueue
) -> None:
    tickets = [
        queue.open(_state(conversations, f"u{i}"), reason="user_request", summary=f"第{i}个")
        for i in range(4)
    ]
    ids = [t.id for t in tickets]
    queue.claim(ids[1], "王五")
    queue.claim(ids[2], "王五")
    queue.close(ids[2], "王五")
    assert [t.id for t in queue.queue()] == [ids[0], ids[1], ids[3]]
    assert [t.id for t in queue.queue(status="open")] == [ids[0], ids[3]]
    assert [t.id for t in queue.queue(status="claimed")] == [ids[1]]
    assert [t.id for t in queue.queue(status="closed")] == [ids[2]]
    listed = queue.queue()
    assert [m.text for m in listed[0].transcript] == ["问题0", "回答1"]
    assert listed == [queue.get(i) for i in (ids[0], ids[1], ids[3])]


def test_claim_reply_close(
    database: Database, conversations: ConversationStore, queue: HandoffQueue
) -> None:
    state = _state(conversations)
    ticket = queue.open(state, reason="low_confidence", summary="没答上来")
    state.last_query = {"keywords": "会计"}
    conversations.save(state, [("user", "还在吗？", None)])

    claimed = queue.claim(ticket.id, "张三")
    assert (claimed.status, claimed.claimed_by) == ("claimed", "张三")
    assert claimed.claimed_at is not None and claimed.claimed_at.tzinfo is UTC
    again = queue.claim(ticket.id, "张三")  # claiming your own ticket again is fine
    assert again.claimed_at == claimed.claimed_at

    message = queue.reply(ticket.id, "张三", "您好，我是人工客服张三。")
    assert (message.sender, message.text) == ("caseworker", "您好，我是人工客服张三。")
    *_, (last, payload) = conversations.payloads(state.session_id)
    assert last == message
    assert payload == {"ticket": ticket.id, "caseworker": "张三"}
    assert queue.get(ticket.id).transcript[-1] == message

    closed = queue.close(ticket.id, "张三", note="已电话回访")
    assert closed.status == "closed" and closed.closed_at is not None
    assert closed.closed_at.tzinfo is UTC and closed.claimed_by == "张三"
    assert _close_note(database, ticket.id) == "已电话回访"
    assert closed.transcript[-1].sender == "system"
    assert closed.transcript[-1].text == CLOSED_MESSAGE
    assert CLOSED_MESSAGE.startswith("人工服务已结束")
    assert [m.text for m in closed.transcript] == [
        "问题0",
        "回答1",
        "还在吗？",
        "您好，我是人工客服张三。",
        CLOSED_MESSAGE,
    ]
    assert queue.for_session(state.session_id) is None

    # The assistant resumes with the conversation's context.
    resumed = conversations.get(state.session_id)
    assert resumed is not None
    assert (resumed.open_ticket, resumed.failures) == (None, 0)
    assert resumed.facts == {"age": 35, "registered_on": date(2025, 3, 1)}
    assert resumed.last_query == {"keywords": "会计"}
    assert resumed.turns == state.turns


def test_every_refusal_is_a_handoff_error_and_changes_nothing(
    conversations: ConversationStore, queue: HandoffQueue
) -> None:
    state = _state(conversations)
    ticket = queue.open(state, reason="user_request", summary="转人工")
    transcript = conversations.transcript(state.session_id)

    for call in (
        lambda: queue.get(9999),
        lambda: queue.claim(9999, "张三"),
        lambda: queue.reply(9999, "张三", "在吗"),
        lambda: queue.close(9999, "张三"),
    ):
        with pytest.raises(TicketNotFoundError, match="9999") as found:
            call()
        assert found.value.ticket_id == 9999

    with pytest.raises(TicketNotClaimedError, match="尚未认领"):
        queue.reply(ticket.id, "张三", "在吗")
    with pytest.raises(TicketNotClaimedError):
        queue.close(ticket.id, "张三")

    queue.claim(ticket.id, "张三")
    with pytest.raises(TicketAlreadyClaimedError, match="张三") as taken:
        queue.claim(ticket.id, "李四")
    assert (taken.value.holder, taken.value.ticket_id) == ("张三", ticket.id)
    with pytest.raises(TicketClaimedByOtherError, match="张三") as other:
        queue.reply(ticket.id, "李四", "我来")
    assert other.value.holder == "张三"
    with pytest.raises(TicketClaimedByOtherError):
        queue.close(ticket.id, "李四")
    assert queue.get(ticket.id).claimed_by == "张三"
    assert conversations.transcript(state.session_id) == transcript

    queue.close(ticket.id, "张三")
    closed_transcript = conversations.transcript(state.session_id)
    for call in (
        lambda: queue.claim(ticket.id, "李四"),
        lambda: queue.reply(ticket.id, "张三", "还在"),
        lambda: queue.close(ticket.id, "张三"),
    ):
        with pytest.raises(TicketClosedError, match="已关闭"):
            call()
    assert conversations.transcript(state.session_id) == closed_transcript

    with pytest.raises(ValueError):
        queue.claim(ticket.id, "  ")
    with pytest.raises(ValueError):
        queue.reply(ticket.id, "张三", " ")


def test_the_error_tree() -> None:
    errors = [
        getattr(handoff_module, name)
        for name in handoff_module.__all__
        if name.endswith("Error") and name != "HandoffError"
    ]
    assert set(errors) == {
        TicketNotFoundError,
        TicketClosedError,
        TicketAlreadyClaimedError,
        TicketNotClaimedError,
        TicketClaimedByOtherError,
    }
    for error in [HandoffError, *errors]:
        assert issubclass(error, HandoffError) and error.__doc__
        assert error.__name__ in (handoff_module.__doc__ or "")


def _race(database_url: str, contenders: int, work: Callable[[HandoffQueue, int], T]) -> list[Any]:
    """Runs ``work`` in threads that start together, each with its own queue and Database."""
    return race(
        database_url, contenders, lambda db, i: work(HandoffQueue(db, ConversationStore(db)), i)
    )


@pytest.mark.parametrize("round_", range(3))
def test_two_processes_racing_to_claim_get_one_winner(
    database_url: str, conversations: ConversationStore, queue: HandoffQueue, round_: int
) -> None:
    ticket = queue.open(_state(conversations, f"race{round_}"), reason="user_request", summary="x")
    names = ["甲", "乙"]
    results = _race(database_url, 2, lambda q, i: q.claim(ticket.id, names[i]))
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1 and len(losers) == 1, results
    winner = winners[0].claimed_by
    assert isinstance(losers[0], TicketAlreadyClaimedError)
    assert losers[0].holder == winner
    assert queue.get(ticket.id).claimed_by == winner


def test_racing_opens_for_one_session_make_one_ticket(
    database_url: str, conversations: ConversationStore, queue: HandoffQueue
) -> None:
    state = _state(conversations)
    results = _race(
        database_url,
        3,
        lambda q, i: q.open(state.model_copy(deep=True), reason="user_request", summary=str(i)),
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len({r.id for r in results}) == 1
    assert len(queue.queue()) == 1
