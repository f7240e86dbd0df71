"""Durable conversations on SQLite and PostgreSQL: round trips, transcripts, atomic saves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import BaseModel, ValidationError

from assistant.conversations import (
    ConversationMessageRow,
    ConversationRow,
    ConversationState,
    ConversationStore,
    decode_tagged,
    encode_tagged,
)
from assistant.models import Turn
from connectors.database import Database
from connectors.errors import DatabaseError
from tests.assistant.racing import race


def _turn(user_id: str = "u1", **changes: Any) -> Turn:
    return Turn(channel="wechat", user_id=user_id, text="你好", **changes)


def _count(database: Database, table: type[ConversationRow | ConversationMessageRow]) -> int:
    with database.session() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def test_a_new_session_gets_an_unsaved_state_from_its_turn(database: Database) -> None:
    store = ConversationStore(database)
    state = store.load(_turn(role="employer", region="410100"))
    assert (state.session_id, state.channel, state.user_id) == ("wechat:u1", "wechat", "u1")
    assert (state.role, state.region, state.turns, state.facts) == ("employer", "410100", 0, {})
    assert state.created_at.tzinfo is UTC
    assert store.get("wechat:u1") is None
    assert store.transcript("wechat:u1") == []
    assert _count(database, ConversationRow) == 0


def test_state_round_trips_with_dates_anywhere(database: Database) -> None:
    store = ConversationStore(database)
    state = store.load(_turn(region="410100"))
    state.facts = {
        "birth_date": date(1999, 5, 17),
        "registered_at": datetime(2025, 3, 1, 8, 30, tzinfo=UTC),
        "unemployed_months": 7,
        "graduate": True,
        "periods": [[date(2024, 1, 1), date(2024, 6, 30)]],
        "note": "2024-01-01",  # a string that looks like a date stays a string
        "odd": {"$date": "not a tag"},  # a user dict that looks like a tag stays a dict
    }
    state.pending = ["hukou", "age"]
    state.active_policy = "zhengzhou-startup-subsidy"
    state.last_intent = "eligibility_check"
    state.last_query = {"keywords": "焊工", "posted_after": date(2025, 1, 1), "page": 2}
    state.failures = 1
    state.turns = 3
    before = state.updated_at
    store.save(state, [])
    assert state.updated_at > before

    loaded = ConversationStore(database).get("wechat:u1")
    assert loaded == state
    assert loaded is not None
    assert type(loaded.facts["birth_date"]) is date
    assert type(loaded.facts["registered_at"]) is datetime
    assert loaded.facts["periods"][0][1] == date(2024, 6, 30)
    assert loaded.facts["note"] == "2024-01-01"
    assert loaded.facts["odd"] == {"$date": "not a tag"}
    assert loaded.last_query["posted_after"] == date(2025, 1, 1)
    assert loaded.created_at.tzinfo is UTC and loaded.updated_at.tzinfo is UTC


def test_a_stored_state_keeps_its_facts_and_takes_the_turns_role_and_region(
    database: Database,
) -> None:
    store = ConversationStore(database)
    state = store.load(_turn(role="employer", region="410100"))
    state.facts = {"age": 30}
    state.turns = 1
    store.save(state, [("user", "你好", None)])

    same = store.load(_turn())  # role and region not given: the stored ones stay
    assert (same.role, same.region, same.facts, same.turns) == (
        "employer",
        "410100",
        {"age": 30},
        1,
    )
    moved = store.load(_turn(role="job_seeker", region="410102"))
    assert (moved.role, moved.region, moved.facts) == ("job_seeker", "410102", {"age": 30})
    assert moved.created_at == state.created_at


def test_saving_again_updates_the_row_and_keeps_its_creation_time(database: Database) -> None:
    store = ConversationStore(database)
    state = store.load(_turn())
    store.save(state, [])
    created = state.created_at
    state.facts["age"] = 41
    state.turns = 2
    state.created_at = created + timedelta(days=1)  # not something a save may move
    store.save(state, [])
    loaded = store.get(state.session_id)
    assert loaded is not None
    assert (loaded.facts, loaded.turns, loaded.created_at) == ({"age": 41}, 2, created)
    assert _count(database, ConversationRow) == 1


def test_messages_are_kept_in_order_with_their_payloads(database: Database) -> None:
    store = ConversationStore(database)
    state = store.load(_turn())
    citations = {"citations": [{"document_id": "d1", "valid_from": date(2024, 1, 1)}]}
    first = store.save(
        state, [("user", "我能领创业补贴吗？", None), ("assistant", "可以。", citations)]
    )
    assert [(m.sender, m.text) for m in first] == [
        ("user", "我能领创业补贴吗？"),
        ("assistant", "可以。"),
    ]
    store.save(state, [("user", "多少钱？", None), ("assistant", "一万元。", {"tool_calls": []})])
    store.save(state, [("system", "提示", {"n": 1})])

    transcript = store.transcript(state.session_id)
    assert [m.text for m in transcript] == [
        "我能领创业补贴吗？",
        "可以。",
        "多少钱？",
        "一万元。",
        "提示",
    ]
    assert [m.sender for m in transcript] == ["user", "assistant", "user", "assistant", "system"]
    assert all(m.created_at.tzinfo is UTC for m in transcript)
    assert transcript[0] == first[0]
    assert [m.text for m in store.transcript(state.session_id, limit=2)] == ["一万元。", "提示"]
    assert store.transcript(state.session_id, limit=0) == []
    assert store.transcript(state.session_id, limit=99) == transcript

    payloads = store.payloads(state.session_id)
    assert [p for _, p in payloads] == [None, citations, None, {"tool_calls": []}, {"n": 1}]
    assert [p for _, p in store.payloads(state.session_id, limit=1)] == [{"n": 1}]
    later = store.payloads(state.session_id, since=3)
    assert [p for _, p in later] == [{"tool_calls": []}, {"n": 1}]
    assert store.payloads(state.session_id, since=5) == []
    with pytest.raises(ValueError, match="since"):
        store.payloads(state.session_id, since=-1)
    with pytest.raises(ValueError, match="limit"):
        store.transcript(state.session_id, limit=-1)


def test_transcripts_are_per_session(database: Database) -> None:
    store = ConversationStore(database)
    one, two = store.load(_turn("u1")), store.load(_turn("u2"))
    store.save(one, [("user", "一", None)])
    store.save(two, [("user", "二", None)])
    store.save(one, [("user", "三", None)])
    assert [m.text for m in store.transcript(one.session_id)] == ["一", "三"]
    assert [m.text for m in store.transcript(two.session_id)] == ["二"]


def test_times_given_in_another_zone_are_stored_as_utc(database: Database) -> None:
    store = ConversationStore(database)
    beijing = timezone(timedelta(hours=8))
    state = store.load(_turn())
    built = ConversationState.for_turn(_turn(), now=datetime(2025, 6, 1, 8, 0, tzinfo=beijing))
    assert built.created_at.tzinfo is UTC and built.created_at.hour == 0
    state.created_at = datetime(2025, 6, 1, 8, 0, tzinfo=beijing)
    store.save(state, [])
    loaded = store.get(state.session_id)
    assert loaded is not None
    assert loaded.created_at == datetime(2025, 6, 1, 0, 0, tzinfo=UTC)
    assert loaded.created_at.tzinfo is UTC and loaded.created_at.hour == 0


class _Unserialisable:
    pass


def test_a_failed_save_of_a_new_session_writes_nothing(database: Database) -> None:
    store = ConversationStore(database)
    state = store.load(_turn())
    state.facts = {"age": 30}
    before = state.updated_at
    # The state row and the first message are written before the second one fails.
    messages = [("user", "你好", None), ("assistant", "您好", {"bad": _Unserialisable()})]
    with pytest.raises(DatabaseError, match="_Unserialisable"):
        store.save(state, messages)  # type: ignore[arg-type]
    assert store.get(state.session_id) is None
    assert store.transcript(state.session_id) == []
    assert _count(database, ConversationRow) == 0
    assert _count(database, ConversationMessageRow) == 0
    assert state.updated_at == before


def test_a_failed_save_leaves_the_previous_turn_intact(database: Database) -> None:
    store = ConversationStore(database)
    state = store.load(_turn())
    state.facts = {"age": 30}
    state.turns = 1
    store.save(state, [("user", "第一轮", None), ("assistant", "好的", None)])
    stored = store.get(state.session_id)

    state.facts = {"age": 31, "hukou": "local"}
    state.turns = 2
    with pytest.raises(DatabaseError):
        store.save(state, [("user", "第二轮", None), ("assistant", "x", {"t": {1, 2}})])
    assert store.get(state.session_id) == stored
    assert [m.text for m in store.transcript(state.session_id)] == ["第一轮", "好的"]


def test_an_unknown_sender_is_refused_before_anything_is_written(database: Database) -> None:
    store = ConversationStore(database)
    state = store.load(_turn())
    with pytest.raises(ValidationError):
        store.save(state, [("robot", "hi", None)])  # type: ignore[list-item]
    assert store.get(state.session_id) is None


def test_concurrent_saves_of_different_sessions(database: Database, database_url: str) -> None:
    workers, turns = 4, 8

    def chat(own: Database, index: int) -> None:
        store = ConversationStore(own)
        state = store.load(_turn(f"user{index}"))
        for n in range(turns):
            state.turns += 1
            state.facts[f"fact{n}"] = date(2025, 1, n + 1)
            store.save(
                state,
                [("user", f"{index}-q{n}", None), ("assistant", f"{index}-a{n}", {"n": n})],
            )

    errors = [r for r in race(database_url, workers, chat) if isinstance(r, BaseException)]
    assert errors == []
    store = ConversationStore(database)
    for index in range(workers):
        state = store.get(f"wechat:user{index}")
        assert state is not None
        assert state.turns == turns
        assert state.facts == {f"fact{n}": date(2025, 1, n + 1) for n in range(turns)}
        expected = [text for n in range(turns) for text in (f"{index}-q{n}", f"{index}-a{n}")]
        assert [m.text for m in store.transcript(state.session_id)] == expected
    assert _count(database, ConversationMessageRow) == workers * turns * 2


class _Point(BaseModel):
    name: str
    since: date


def test_tagging_round_trips_and_refuses_what_json_cannot_hold() -> None:
    value = {
        "d": date(2025, 1, 2),
        "t": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        "naive": datetime(2025, 1, 2, 3, 4, 5),
        "list": (1, "a", None, 2.5, [date(2024, 2, 29)]),
        "$datetime": "a key that is a tag, among others",
        "x": 1,
        "escaped": {"$dict": {"$date": 1}},
    }
    encoded = encode_tagged(value)
    assert encoded["d"] == {"$date": "2025-01-02"}
    decoded = decode_tagged(encoded)
    assert decoded == {**value, "list": [1, "a", None, 2.5, [date(2024, 2, 29)]]}
    assert type(decoded["d"]) is date and decoded["naive"].tzinfo is None
    assert decode_tagged(encode_tagged(_Point(name="站", since=date(2020, 1, 1)))) == {
        "name": "站",
        "since": date(2020, 1, 1),
    }
    with pytest.raises(TypeError, match="JSON"):
        encode_tagged({"bad": object()})
    with pytest.raises(TypeError, match="键"):
        encode_tagged({1: "one"})
