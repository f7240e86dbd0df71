"""The package store on SQLite and PostgreSQL, and how follow-up answers are read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from assistant.packages.builder import ServicePackage
from assistant.packages.followup import FollowUps, follow_up_question, read_outcome
from assistant.packages.profile import build_profile
from assistant.packages.store import PackageNotFoundError, PackageStore
from connectors.database import Database
from knowledge.rules.loader import load_facts

ISSUED = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def package(facts: dict[str, object]) -> ServicePackage:
    profile = build_profile(
        facts, {}, region="410100", on_date=ISSUED.date(), vocabulary=load_facts()
    )
    return ServicePackage(region="410100", on_date=ISSUED.date(), profile=profile)


def issue(store: PackageStore, user: str, facts: dict[str, object]) -> int:
    saved = store.save(
        package(facts), session_id=f"web:{user}", channel="web", user_id=user, now=ISSUED
    )
    assert saved.id is not None
    return saved.id


def test_a_package_is_saved_with_its_follow_ups_and_read_back_after_a_restart(
    database: Database,
) -> None:
    package_id = issue(PackageStore(database), "ann", {"graduating_student": True})
    reopened = PackageStore(Database(str(database.url)))
    stored = reopened.get(package_id)
    assert stored.key_groups == ["graduate"]
    assert stored.package.id == package_id
    assert stored.package.profile.on_date == date(2026, 12, 5)
    assert [(f.day, f.status, f.due_at) for f in stored.follow_ups] == [
        (7, "scheduled", ISSUED + timedelta(days=7)),
        (30, "scheduled", ISSUED + timedelta(days=30)),
    ]
    with pytest.raises(PackageNotFoundError, match="不存在"):
        reopened.get(package_id + 100)


def test_follow_ups_fall_due_are_asked_once_and_answers_keep_the_best_outcome(
    database: Database,
) -> None:
    store = PackageStore(database)
    package_id = issue(store, "ben", {"registered_unemployed": True})
    session = "web:ben"
    assert store.due(session, now=ISSUED + timedelta(days=6)) == []
    due = store.due(session, now=ISSUED + timedelta(days=7))
    assert [f.day for f in due] == [7]
    assert store.due_on_channels(["wechat"], now=ISSUED + timedelta(days=7)) == []
    assert [f.id for f in store.due_on_channels(["web"], now=ISSUED + timedelta(days=7))] == [
        due[0].id
    ]
    assert store.mark_asked([due[0].id], now=ISSUED + timedelta(days=7)) == 1
    assert store.mark_asked([due[0].id], now=ISSUED + timedelta(days=7)) == 0  # once
    waiting = store.awaiting_answer(session, now=ISSUED + timedelta(days=8))
    assert waiting is not None and waiting.id == due[0].id
    # An answer counts for a week after the question.
    assert store.awaiting_answer(session, now=ISSUED + timedelta(days=15)) is None

    store.record_answer(waiting.id, "applied", "申请了", now=ISSUED + timedelta(days=8))
    assert store.get(package_id).outcome == "applied"
    month = store.due(session, now=ISSUED + timedelta(days=30))[0]
    store.mark_asked([month.id], now=ISSUED + timedelta(days=30))
    store.record_answer(month.id, "no_progress", "还没有", now=ISSUED + timedelta(days=30))
    assert store.get(package_id).outcome == "applied"  # no progress does not undo applying


def test_revising_keeps_the_id_and_the_schedule(database: Database) -> None:
    store = PackageStore(database)
    package_id = issue(store, "cai", {"graduating_student": True})
    revised = store.revise(package_id, package({"registered_unemployed": True}))
    assert revised.id == package_id
    stored = store.get(package_id)
    assert stored.key_groups == ["registered_unemployed"]
    assert len(stored.follow_ups) == 2
    with pytest.raises(PackageNotFoundError):
        store.revise(package_id + 1, package({}))


def test_statistics_count_groups_responses_and_outcomes(database: Database) -> None:
    store = PackageStore(database)
    empty = store.statistics()
    assert empty.issued == 0 and empty.response_rate is None
    first = issue(store, "dan", {"graduating_student": True, "hardship_category": "disabled"})
    issue(store, "eve", {"graduating_student": True})
    issue(store, "fay", {})
    follow_up = store.due("web:dan", now=ISSUED + timedelta(days=7))[0]
    store.mark_asked([follow_up.id])
    stats = store.statistics()
    assert stats.issued == 3
    assert stats.by_key_group == {"graduate": 2, "disabled": 1}
    assert stats.without_key_group == 1
    assert (stats.follow_ups_asked, stats.follow_ups_answered, stats.response_rate) == (1, 0, 0.0)
    store.record_answer(follow_up.id, "benefit_received", "2")
    stats = store.statistics()
    assert stats.response_rate == 1.0
    assert stats.outcomes["benefit_received"] == 1 and stats.outcomes["none"] == 2
    assert store.get(first).outcome == "benefit_received"


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ("1", "employed"),
        ("找到工作了", "employed"),
        ("上周已经入职了", "employed"),
        ("2", "benefit_received"),
        ("补贴已经到账了", "benefit_received"),
        ("3", "applied"),
        ("材料交了，在等结果", "applied"),
        ("申请了，钱还没到账", "applied"),
        ("4", "no_progress"),
        ("还没有进展", "no_progress"),
        ("还没找到工作", "no_progress"),
        ("没申请", "no_progress"),
        ("失业保险金怎么申请", None),
        ("你好", None),
        ("我想问一下，" + "很长的一段话" * 20, None),
    ],
)
def test_answers_are_read_as_outcomes(answer: str, outcome: str | None) -> None:
    assert read_outcome(answer) == outcome


def test_a_person_back_after_a_month_is_asked_once(database: Database) -> None:
    store = PackageStore(database)
    package_id = issue(store, "gus", {})
    follow_ups = FollowUps(store, clock=lambda: ISSUED + timedelta(days=40))
    question = follow_ups.ask_due("web:gus")
    assert question is not None and "30天前" in question and f"编号 {package_id}" in question
    assert follow_ups.ask_due("web:gus") is None
    assert [f.status for f in store.get(package_id).follow_ups] == ["asked", "asked"]
    answer = follow_ups.take_answer("web:gus", "找到工作了")
    assert answer is not None and answer.follow_up.day == 30 and answer.outcome == "employed"
    assert follow_ups.take_answer("web:gus", "找到工作了") is None  # answered already
    assert follow_up_question(answer.follow_up).startswith("【就业服务回访】")
