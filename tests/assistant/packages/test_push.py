"""Pushing due follow-ups to WeChat users: over a real database (SQLite on disk and
PostgreSQL) with the fake WeChat API on 127.0.0.1, and end to end through the WeChat
channel and the engine over the sample data."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from assistant.conversations import ConversationState, ConversationStore
from assistant.engine import Assistant
from assistant.models import Turn
from assistant.packages.builder import ServicePackage
from assistant.packages.followup import FollowUps, follow_up_question
from assistant.packages.profile import build_profile
from assistant.packages.push import FollowUpPush
from assistant.packages.store import FollowUp, PackageStore
from assistant.runtime import build_follow_up_push, build_wechat_channel
from assistant.settings import Settings
from connectors.database import Database
from connectors.wechat import (
    CustomerServiceDelivery,
    WeChatAccount,
    WeChatAPI,
    WeChatChannel,
    WeChatStore,
    parse_xml,
)
from connectors.wechat.simulate import signed_query, text_message_xml
from connectors.wechat.store import WeChatInboundRow, WeChatOutboxRow
from knowledge.rules.loader import load_facts
from tests.assistant.conftest import AssistantFactory
from tests.connectors.wechat.fake_api import FakeWeChatAPI

ISSUED = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
NOW = ISSUED + timedelta(days=8)  # the 7-day follow-up is due, the 30-day one is not
TOKEN = "jiuyeToken2026"
APP_ID = "wx1234567890abcdef"
CORP_ID = "ww0987654321fedcba"


@pytest.fixture
def wechat_api() -> Iterator[FakeWeChatAPI]:
    fake = FakeWeChatAPI().start()
    yield fake
    fake.stop()


def issue(database: Database, user: str, *, channel: str = "wechat") -> FollowUp:
    """A package issued at ISSUED to a person on ``channel`` with a conversation; returns
    its 7-day follow-up."""
    profile = build_profile(
        {"graduating_student": True},
        {},
        region="410100",
        on_date=ISSUED.date(),
        vocabulary=load_facts(),
    )
    package = ServicePackage(region="410100", on_date=ISSUED.date(), profile=profile)
    session_id = f"{channel}:{user}"
    stored = PackageStore(database).save(
        package, session_id=session_id, channel=channel, user_id=user, now=ISSUED
    )
    state = ConversationState.for_turn(
        Turn(channel=channel, user_id=user, text="给我一个就业服务包"),  # type: ignore[arg-type]
        now=ISSUED,
    )
    state.package_id = stored.id
    ConversationStore(database).save(state, [("user", "给我一个就业服务包", None)])
    return follow_ups_of(database, session_id)[0]


def follow_ups_of(database: Database, session_id: str) -> list[FollowUp]:
    (stored,) = PackageStore(database).for_session(session_id)
    return stored.follow_ups


def seen(database: Database, user: str, at: datetime, *, channel: str = "wechat") -> None:
    """The user last wrote at ``at``."""
    store = WeChatStore(database)
    store.claim(channel, f"{user}:{at.timestamp()}", user_id=user, msg_type="text")
    with database.session() as session:
        session.execute(
            sa.update(WeChatInboundRow)
            .where(WeChatInboundRow.channel == channel, WeChatInboundRow.user_id == user)
            .values(received_at=at)
        )


def outbox(database: Database) -> list[tuple[str, str, str, str, str]]:
    with database.session() as session:
        rows = session.scalars(sa.select(WeChatOutboxRow).order_by(WeChatOutboxRow.id))
        return [(r.channel, r.user_id, r.kind, r.status, r.text) for r in rows]


def push(database: Database, at: datetime = NOW, **options: object) -> FollowUpPush:
    return FollowUpPush(database, clock=lambda: at, **options)  # type: ignore[arg-type]


def delivery(database: Database, fake: FakeWeChatAPI) -> CustomerServiceDelivery:
    apis = {
        "wechat": WeChatAPI("mp", base_url=fake.url, app_id=APP_ID, secret="s1"),
        "wecom": WeChatAPI(
            "work", base_url=fake.url, app_id=CORP_ID, secret="s2", agent_id=1000002
        ),
    }
    return CustomerServiceDelivery(WeChatStore(database), apis)


def test_a_due_follow_up_is_pushed_once_while_the_window_is_open(
    database: Database, wechat_api: FakeWeChatAPI
) -> None:
    follow_up = issue(database, "oAnn")
    seen(database, "oAnn", NOW - timedelta(hours=3))
    woken: list[bool] = []
    pusher = push(database, notify=lambda: woken.append(True))

    assert pusher.run_once() == 1
    question = follow_up_question(follow_up)
    assert "就业服务回访" in question and f"编号 {follow_up.package_id}" in question
    assert outbox(database) == [("wechat", "oAnn", "follow_up", "pending", question)]
    assert woken == [True]  # the delivery worker is woken
    asked = follow_ups_of(database, "wechat:oAnn")
    assert [(f.day, f.status, f.asked_at) for f in asked] == [
        (7, "asked", NOW),
        (30, "scheduled", None),
    ]
    transcript = ConversationStore(database).payloads("wechat:oAnn")
    message, payload = transcript[-1]
    assert (message.sender, message.text, message.created_at) == ("assistant", question, NOW)
    assert payload is not None and payload["intent"] == "follow_up"
    assert payload["follow_up"] == follow_up.id and payload["pushed"] == "wechat"

    # Sent through the customer-service API, once; later passes find nothing to ask.
    sender = delivery(database, wechat_api)
    try:
        assert sender.deliver_pending() == 1
    finally:
        sender.close()
    assert wechat_api.texts("oAnn") == [question]
    assert pusher.run_once() == 0
    assert push(database, NOW + timedelta(days=1)).run_once() == 0
    assert len(outbox(database)) == 1
    assert woken == [True]


def test_nothing_is_pushed_before_the_follow_up_is_due(database: Database) -> None:
    issue(database, "oBen")
    seen(database, "oBen", ISSUED + timedelta(days=6))
    assert push(database, ISSUED + timedelta(days=6, hours=23)).run_once() == 0
    assert outbox(database) == []
    assert {f.status for f in follow_ups_of(database, "wechat:oBen")} == {"scheduled"}


def test_outside_the_window_it_stays_scheduled_for_the_next_message(
    database: Database,
) -> None:
    issue(database, "oCai")
    seen(database, "oCai", NOW - timedelta(hours=49))
    assert push(database).run_once() == 0
    assert outbox(database) == []
    assert follow_ups_of(database, "wechat:oCai")[0].status == "scheduled"

    # What the engine does when the person writes again (the end-to-end test below runs
    # it through the channel): the follow-up is asked in the reply, once.
    asking = FollowUps(PackageStore(database), clock=lambda: NOW + timedelta(hours=1))
    question = asking.ask_due("wechat:oCai")
    assert question is not None and "就业服务回访" in question
    assert asking.ask_due("wechat:oCai") is None
    seen(database, "oCai", NOW + timedelta(hours=1))
    assert push(database, NOW + timedelta(hours=2)).run_once() == 0
    assert outbox(database) == []


def test_only_wechat_users_on_the_pushed_channels_are_pushed(database: Database) -> None:
    issue(database, "oDan")
    issue(database, "dan.wecom", channel="wecom")
    issue(database, "web-user", channel="web")
    seen(database, "oDan", NOW - timedelta(hours=1))
    seen(database, "dan.wecom", NOW - timedelta(hours=1), channel="wecom")
    assert push(database, channels=["wecom"]).run_once() == 1
    assert [(c, u, k) for c, u, k, _, _ in outbox(database)] == [
        ("wecom", "dan.wecom", "follow_up")
    ]
    assert push(database).run_once() == 1  # now the Official Account user
    assert follow_ups_of(database, "web:web-user")[0].status == "scheduled"
    with pytest.raises(ValueError, match="微信渠道"):
        FollowUpPush(database, channels=["web"])


def test_two_workers_on_the_same_database_send_each_follow_up_once(
    database: Database, wechat_api: FakeWeChatAPI
) -> None:
    users = [f"oUser{i}" for i in range(12)]
    for user in users:
        issue(database, user)
        seen(database, user, NOW - timedelta(hours=2))
    # Each worker is a process of its own: its own engine and connections.
    workers = [Database(str(database.url)) for _ in range(2)]
    pushers = [push(db, batch=5) for db in workers]
    start = threading.Barrier(len(pushers))
    counts: list[int] = []

    def run(pusher: FollowUpPush) -> None:
        start.wait()
        counts.append(pusher.run_once())

    threads = [threading.Thread(target=run, args=(p,)) for p in pushers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        senders = [delivery(db, wechat_api) for db in workers]
        for sender in senders:
            sender.deliver_pending()
            sender.close()
    finally:
        for db in workers:
            db.dispose()
    assert sum(counts) == len(users)
    assert sorted(u for _, u, _, _, _ in outbox(database)) == sorted(users)
    assert {s for _, _, _, s, _ in outbox(database)} == {"sent"}
    sent = [c.body["touser"] for c in wechat_api.accepted if c.body]
    assert sorted(sent) == sorted(users)
    for user in users:
        transcript = ConversationStore(database).transcript(f"wechat:{user}")
        assert [m.sender for m in transcript] == ["user", "assistant"]


def test_follow_ups_due_together_are_asked_in_one_message(database: Database) -> None:
    issue(database, "oEve")
    later = ISSUED + timedelta(days=31)  # away for a month: both follow-ups are due
    seen(database, "oEve", later - timedelta(hours=1))
    assert push(database, later).run_once() == 1
    ((_, _, _, _, text),) = outbox(database)
    assert text.startswith("【就业服务回访】30天前")
    assert {f.status for f in follow_ups_of(database, "wechat:oEve")} == {"asked"}


def test_people_outside_the_window_do_not_block_the_others(database: Database) -> None:
    for i in range(5):  # due first, but gone quiet
        issue(database, f"oQuiet{i}")
        seen(database, f"oQuiet{i}", NOW - timedelta(days=3))
    issue(database, "oActive")  # due at the same time, but came last
    seen(database, "oActive", NOW - timedelta(minutes=5))
    assert push(database, batch=2).run_once() == 1
    assert [u for _, u, _, _, _ in outbox(database)] == ["oActive"]


def test_the_worker_pushes_in_the_background_until_stopped(database: Database) -> None:
    issue(database, "oFay")
    seen(database, "oFay", NOW - timedelta(hours=1))
    pusher = push(database, interval=0.05)
    pusher.start()
    try:
        deadline = time.monotonic() + 10
        while not outbox(database) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        pusher.stop()
    assert [k for _, _, k, _, _ in outbox(database)] == ["follow_up"]


def test_the_interval_setting_and_the_wiring(sqlite_database: Database) -> None:
    assert Settings().follow_up_interval == 300.0
    for wrong in (-1, float("inf"), float("nan")):
        with pytest.raises(ValidationError):
            Settings(follow_up_interval=wrong)
    base = {"wechat_token": TOKEN, "wechat_app_id": APP_ID}

    def built(**overrides: object) -> FollowUpPush | None:
        settings = Settings(**{**base, **overrides})  # type: ignore[arg-type]
        channel = build_wechat_channel(settings, sqlite_database, lambda turn: None)  # type: ignore[arg-type,return-value]
        try:
            return build_follow_up_push(settings, sqlite_database, channel)
        finally:
            if channel is not None:
                channel.stop()

    pusher = built(wechat_app_secret="s1", follow_up_interval=60)
    assert pusher is not None
    assert pusher.channels == ("wechat",) and pusher.poll_interval == 60
    assert built(wechat_app_secret="s1", follow_up_interval=0) is None  # turned off
    assert built() is None  # no secret: the account cannot send customer-service messages
    assert build_follow_up_push(Settings(), sqlite_database, None) is None


# -- end to end: the WeChat channel, the engine and the sample data --------------------

OPENID = "oWeChatGraduate"


class Account:
    """An Official Account over the engine, answering passively (a long budget)."""

    def __init__(self, assistant: Assistant, fake: FakeWeChatAPI) -> None:
        self.assistant = assistant
        self.database = assistant.conversations.database
        store = WeChatStore(self.database)
        self.account = WeChatAccount("wechat", TOKEN, APP_ID)
        self.delivery = CustomerServiceDelivery(
            store, {"wechat": WeChatAPI("mp", base_url=fake.url, app_id=APP_ID, secret="s1")}
        )
        self.channel = WeChatChannel(
            {"wechat": self.account},
            store=store,
            delivery=self.delivery,
            respond=assistant.respond,
            reply_budget=60.0,
        )
        self._msg_id = 5000

    def say(self, text: str) -> str:
        self._msg_id += 1
        xml = text_message_xml(from_user=OPENID, content=text, msg_id=self._msg_id)

        async def callback() -> str:
            answer = await self.channel.handle(
                self.account, signed_query(TOKEN, openid=OPENID), xml.encode()
            )
            await self.channel.finish_late()
            return answer

        return parse_xml(asyncio.run(callback()).encode())["Content"]

    def close(self) -> None:
        self.channel.stop()


@pytest.fixture
def account(make_assistant: AssistantFactory, wechat_api: FakeWeChatAPI) -> Iterator[Account]:
    made = Account(make_assistant(default_region="410100"), wechat_api)
    yield made
    made.close()


def package_over_wechat(account: Account) -> tuple[PackageStore, int, datetime]:
    """A graduate gets a package over WeChat; the engine's clock is set 8 days on."""
    account.say("我今年6月大学毕业，还没找到工作")
    account.say("给我一个就业服务包")
    store = account.assistant.toolbox.packages
    (stored,) = store.for_session(f"wechat:{OPENID}")
    later = stored.created_at + timedelta(days=8)  # the 7-day follow-up is due
    assert account.assistant.follow_ups is not None
    account.assistant.follow_ups.clock = lambda: later
    return store, stored.id, later


def last_wrote(database: Database, at: datetime) -> None:
    with database.session() as session:
        session.execute(sa.update(WeChatInboundRow).values(received_at=at))


def test_a_pushed_follow_up_is_answered_over_wechat_and_records_employment(
    account: Account, wechat_api: FakeWeChatAPI
) -> None:
    store, package_id, later = package_over_wechat(account)
    last_wrote(account.database, later - timedelta(hours=20))

    assert push(account.database, later).run_once() == 1
    account.delivery.deliver_pending()
    pushed = [t for t in wechat_api.texts(OPENID) if "就业服务回访" in t]
    assert len(pushed) == 1 and f"编号 {package_id}" in pushed[0]

    answer = account.say("找到工作了")
    assert "恭喜" in answer and "就业服务回访" not in answer
    stored = store.get(package_id)
    assert stored.outcome == "employed"
    week = next(f for f in stored.follow_ups if f.day == 7)
    assert (week.status, week.outcome, week.answer) == ("answered", "employed", "找到工作了")
    texts = [m.text for m in account.assistant.conversations.transcript(f"wechat:{OPENID}")]
    assert texts[-3:] == [pushed[0], "找到工作了", answer]


def test_out_of_the_window_the_engine_asks_on_the_next_wechat_message(
    account: Account, wechat_api: FakeWeChatAPI
) -> None:
    store, package_id, later = package_over_wechat(account)
    last_wrote(account.database, later - timedelta(hours=49))

    assert push(account.database, later).run_once() == 0
    account.delivery.deliver_pending()
    assert not [t for t in wechat_api.texts(OPENID) if "就业服务回访" in t]
    assert next(f for f in store.get(package_id).follow_ups if f.day == 7).status == "scheduled"

    back = account.say("你好")
    assert "就业服务回访" in back and f"编号 {package_id}" in back
    assert push(account.database, later).run_once() == 0  # asked already
    assert "恭喜" in account.say("找到工作了")
    assert store.get(package_id).outcome == "employed"


def test_the_sample_dates_hold() -> None:
    # The package turns above run on today's date; the fixed dates only drive the clocks.
    assert ISSUED.date() == date(2026, 12, 5)
