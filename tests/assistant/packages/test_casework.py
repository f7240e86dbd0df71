"""Handing a package whose follow-up shows no progress to a caseworker: the ticket's summary
says what the follow-ups found, its facts are the package's, and a package gets one ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assistant.conversations import ConversationState, ConversationStore
from assistant.handoff import HandoffQueue
from assistant.packages.casework import (
    PackageTicketExistsError,
    follow_up_summary,
    open_follow_up_ticket,
)
from assistant.packages.store import PackageNotFoundError, PackageStore
from connectors.database import Database
from tests.assistant.packages.test_store import ISSUED, issue

GRADUATE: dict[str, object] = {"graduating_student": True}


def ask(store: PackageStore, package_id: int, day: int) -> int:
    """Marks the package's follow-up of ``day`` asked a day after it fell due."""
    follow_up = next(f for f in store.get(package_id).follow_ups if f.day == day)
    store.mark_asked([follow_up.id], now=ISSUED + timedelta(days=day + 1))
    return follow_up.id


def test_the_summary_names_the_package_and_what_the_follow_ups_found(
    database: Database,
) -> None:
    store = PackageStore(database)
    package_id = issue(store, "ann", GRADUATE)
    summary = follow_up_summary(store.get(package_id))
    assert f"就业服务包（编号 {package_id}，2026年12月5日发放；高校毕业生" in summary
    assert "尚未到回访时间" in summary

    week = ask(store, package_id, 7)
    assert "第7天回访已于2026年12月13日发出，用户尚未答复" in follow_up_summary(
        store.get(package_id)
    )
    store.record_answer(week, "no_progress", "还没有进展", now=ISSUED + timedelta(days=9))
    month = ask(store, package_id, 30)
    summary = follow_up_summary(store.get(package_id))
    assert "第7天回访结果：还没有进展，用户答复“还没有进展”" in summary
    assert "第30天回访已于2027年1月5日发出，用户尚未答复" in summary

    # The latest answer is what the summary reports; a better one before it is noted.
    store.record_answer(month, "no_progress", "没找到", now=ISSUED + timedelta(days=32))
    other = issue(store, "bob", GRADUATE)
    first = ask(store, other, 7)
    store.record_answer(first, "employed", "找到工作了", now=ISSUED + timedelta(days=9))
    later = ask(store, other, 30)
    store.record_answer(later, "no_progress", "又失业了，还没找到", now=ISSUED + timedelta(days=32))
    summary = follow_up_summary(store.get(other))
    assert "第30天回访结果：还没有进展，用户答复“又失业了，还没找到”" in summary
    assert "此前最好进展：已经找到工作" in summary


def test_a_package_gets_one_ticket_with_its_own_facts(database: Database) -> None:
    store = PackageStore(database)
    conversations = ConversationStore(database)
    queue = HandoffQueue(database, conversations)
    package_id = issue(store, "ann", GRADUATE)
    ask(store, package_id, 7)
    state = ConversationState.model_validate(
        {
            "session_id": "web:ann",
            "channel": "web",
            "user_id": "ann",
            "role": "job_seeker",
            "facts": {"age": 23},
            "created_at": ISSUED,
            "updated_at": ISSUED,
        }
    )
    conversations.save(state, [("user", "你好", None)])

    ticket = open_follow_up_ticket(store, queue, package_id)
    assert ticket.reason == "no_progress" and ticket.session_id == "web:ann"
    assert ticket.facts == store.get(package_id).package.profile.facts
    assert [m.text for m in ticket.transcript] == ["你好"]
    assert store.get(package_id).ticket_id == ticket.id
    saved = conversations.get("web:ann")
    assert saved is not None
    assert saved.facts == {"age": 23}  # the conversation keeps its own facts
    assert saved.open_ticket == ticket.id

    with pytest.raises(PackageTicketExistsError, match=f"工单 {ticket.id}"):
        open_follow_up_ticket(store, queue, package_id)
    with pytest.raises(PackageNotFoundError):
        open_follow_up_ticket(store, queue, package_id + 100)
    # A second package of the same conversation joins the ticket already open.
    second = issue(store, "ann", GRADUATE)
    assert open_follow_up_ticket(store, queue, second).id == ticket.id
    assert store.get(second).ticket_id == ticket.id
