"""The channel over a real database (SQLite and PostgreSQL) and a fake WeChat API on
127.0.0.1: passive replies, the 5-second rule with a slow brain, deduplication across
workers, the message kinds, safe mode, the outbox and the 48-hour window.

The ``respond`` given to the channel stands in for the engine (whose turns the server
tests run): it records each turn and answers after ``delay`` seconds."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from wechatpy.crypto import WeChatCrypto as WechatpyMPCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WechatpyWorkCrypto

from assistant.models import Reply, Turn
from assistant.prompts import reply as fixed_reply
from connectors.database import Database
from connectors.wechat import (
    SUCCESS,
    BodyTooLargeError,
    CustomerServiceDelivery,
    MessageCrypto,
    ReplayError,
    SignatureError,
    WeChatAccount,
    WeChatAPI,
    WeChatChannel,
    WeChatChannelName,
    WeChatStore,
    parse_xml,
    signature,
)
from connectors.wechat.channel import SETTLE_MARGIN
from connectors.wechat.simulate import signed_query
from connectors.wechat.store import WeChatInboundRow, WeChatOutboxRow
from tests.connectors.wechat.fake_api import FakeWeChatAPI

TOKEN = "jiuyeToken2026"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx1234567890abcdef"
CORP_ID = "ww0987654321fedcba"
OPENID = "oUser_123"


class Brain:
    """Answers each turn with its text after ``delay`` seconds, and records the turns."""

    def __init__(self, delay: float = 0.0, text: Callable[[Turn], str] | None = None) -> None:
        self.delay = delay
        self.text = text or (lambda turn: f"答复：{turn.text}")
        self.turns: list[Turn] = []
        self._lock = threading.Lock()

    def __call__(self, turn: Turn) -> Reply:
        with self._lock:
            self.turns.append(turn)
        time.sleep(self.delay)
        return Reply(session_id=turn.session_id, text=self.text(turn))


Make = Callable[..., WeChatChannel]


@pytest.fixture
def make_channel(database: Database, fake_wechat: FakeWeChatAPI) -> Iterator[Make]:
    made: list[WeChatChannel] = []

    def make(brain: Brain, **options: Any) -> WeChatChannel:
        store = WeChatStore(database)
        apis = {
            "wechat": WeChatAPI("mp", base_url=fake_wechat.url, app_id=APP_ID, secret="s1"),
            "wecom": WeChatAPI(
                "work", base_url=fake_wechat.url, app_id=CORP_ID, secret="s2", agent_id=1000002
            ),
        }
        accounts: dict[WeChatChannelName, WeChatAccount] = {
            "wechat": WeChatAccount("wechat", TOKEN, APP_ID, MessageCrypto(TOKEN, AES_KEY, APP_ID)),
            "wecom": WeChatAccount("wecom", TOKEN, CORP_ID, MessageCrypto(TOKEN, AES_KEY, CORP_ID)),
        }
        delivery = CustomerServiceDelivery(
            store, apis, backoff=options.pop("backoff", 0.05), poll_interval=0.2
        )
        channel = WeChatChannel(accounts, store=store, delivery=delivery, respond=brain, **options)
        channel.start()
        made.append(channel)
        return channel

    yield make
    for channel in made:
        channel.stop()


def _query(**extra: str) -> dict[str, str]:
    return signed_query(TOKEN, openid=OPENID, **extra)


def _xml(
    msg_type: str,
    *,
    msg_id: str | None = "1001",
    create_time: int = 1764806400,
    user: str = OPENID,
    **fields: str,
) -> bytes:
    extra = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    ident = f"<MsgId>{msg_id}</MsgId>" if msg_id else ""
    return (
        f"<xml><ToUserName><![CDATA[gh_jiuye]]></ToUserName>"
        f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{create_time}</CreateTime>"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>{extra}{ident}</xml>"
    ).encode()


def _content(answer: str) -> str:
    return parse_xml(answer)["Content"]


def _eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# passive replies ----------------------------------------------------------------------------


def test_a_quick_answer_is_the_passive_reply(
    make_channel: Make, fake_wechat: FakeWeChatAPI
) -> None:
    brain = Brain()
    channel = make_channel(brain)
    account = channel.accounts["wechat"]
    answer = _run(channel.handle(account, _query(), _xml("text", Content="失业保险金怎么领")))
    fields = parse_xml(answer)
    assert fields["Content"] == "答复：失业保险金怎么领"
    assert (fields["ToUserName"], fields["FromUserName"]) == (OPENID, "gh_jiuye")
    assert [t.channel for t in brain.turns] == ["wechat"] and brain.turns[0].user_id == OPENID
    assert fake_wechat.sends() == []  # nothing through the customer-service API


def test_a_redelivery_repeats_the_reply_without_a_second_turn(make_channel: Make) -> None:
    brain = Brain()
    channel = make_channel(brain)
    account = channel.accounts["wechat"]
    body = _xml("text", Content="找工作")
    first = _run(channel.handle(account, _query(), body))
    again = _run(channel.handle(account, _query(), body))
    assert _content(first) == _content(again) == "答复：找工作"
    assert len(brain.turns) == 1


# the 5-second rule ----------------------------------------------------------------------------


def test_a_slow_brain_gets_success_and_one_answer_through_the_api(
    make_channel: Make, fake_wechat: FakeWeChatAPI
) -> None:
    """WeChat delivers three times; the turn runs once and the answer is pushed once."""
    brain = Brain(delay=1.0)
    channel = make_channel(brain, reply_budget=0.3)
    account = channel.accounts["wechat"]
    body = _xml("text", Content="一次性扩岗补助怎么申请", msg_id="2002")

    async def three_deliveries() -> list[str]:
        answers = [await channel.handle(account, _query(), body)]
        await asyncio.sleep(0.1)  # WeChat retries while the first is still running
        answers.append(await channel.handle(account, _query(), body))
        answers.append(await channel.handle(account, _query(), body))
        return answers

    started = time.monotonic()
    answers = _run(three_deliveries())
    assert time.monotonic() - started < 0.9  # each delivery answered within the budget
    assert answers == [SUCCESS] * 3
    _eventually(lambda: len(fake_wechat.texts()) == 1)
    time.sleep(0.3)
    assert fake_wechat.texts(OPENID) == ["答复：一次性扩岗补助怎么申请"]
    assert len(brain.turns) == 1
    (send,) = fake_wechat.sends()
    assert send.path == "/cgi-bin/message/custom/send"
    assert send.body == {
        "touser": OPENID,
        "msgtype": "text",
        "text": {"content": "答复：一次性扩岗补助怎么申请"},
    }
    (token,) = fake_wechat.token_requests()
    assert token.query == {"grant_type": "client_credential", "appid": APP_ID, "secret": "s1"}
    # a redelivery after the deferred answer still does not run the turn again
    assert _run(channel.handle(account, _query(), body)) == SUCCESS
    assert len(brain.turns) == 1


def _slowed(method: Callable[..., Any], seconds: float) -> Callable[..., Any]:
    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return method(*args, **kwargs)

    return slow


@pytest.mark.parametrize("step", ["claim", "settle"])
def test_a_slow_store_still_answers_in_time_and_the_reply_goes_through_the_api(
    make_channel: Make, fake_wechat: FakeWeChatAPI, step: str
) -> None:
    """A busy database delaying the delivery's claim, or the recording of a quick answer:
    the request says ``success`` by the budget plus the margin, the answer it would have
    given passively is sent once through the API, and a redelivery runs nothing again."""
    brain = Brain()
    channel = make_channel(brain, reply_budget=0.3)
    setattr(channel.store, step, _slowed(getattr(channel.store, step), 1.5))
    account = channel.accounts["wechat"]
    body = _xml("text", Content="社保补贴怎么申请", msg_id="2102")

    async def deliver_then_finish() -> tuple[str, float]:
        started = time.monotonic()
        answer = await channel.handle(account, _query(), body)
        seconds = time.monotonic() - started
        await channel.finish_late()
        return answer, seconds

    answer, seconds = _run(deliver_then_finish())
    assert answer == SUCCESS
    assert seconds < 0.3 + SETTLE_MARGIN + 0.3
    _eventually(lambda: len(fake_wechat.texts()) == 1)
    again = _run(channel.handle(account, _query(), body))
    assert again == SUCCESS  # recorded as deferred: no passive copy of the pushed answer
    time.sleep(0.3)
    assert fake_wechat.texts(OPENID) == ["答复：社保补贴怎么申请"]
    assert len(brain.turns) == 1


def test_deliveries_spread_over_two_workers_give_one_answer(
    make_channel: Make, fake_wechat: FakeWeChatAPI
) -> None:
    brain = Brain(delay=0.6)
    workers = [make_channel(brain, reply_budget=0.2), make_channel(brain, reply_budget=0.2)]
    body = _xml("text", Content="灵活就业社保补贴", msg_id="3003")

    async def concurrent() -> list[str]:
        return list(
            await asyncio.gather(
                *(w.handle(w.accounts["wechat"], _query(), body) for w in workers + workers[:1])
            )
        )

    assert _run(concurrent()) == [SUCCESS] * 3
    _eventually(lambda: len(fake_wechat.texts()) >= 1)
    time.sleep(0.5)
    assert fake_wechat.texts() == ["答复：灵活就业社保补贴"]
    assert len(brain.turns) == 1


def test_a_long_answer_sends_its_first_part_passively_and_the_rest_in_order(
    make_channel: Make, fake_wechat: FakeWeChatAPI
) -> None:
    sentence = "符合条件的人员可以申领职业培训补贴，补贴标准按培训工种和等级确定。"
    brain = Brain(text=lambda turn: "\n".join(f"{i}. {sentence}" for i in range(1, 90)))
    channel = make_channel(brain)
    answer = _run(
        channel.handle(channel.accounts["wechat"], _query(), _xml("text", Content="培训补贴"))
    )
    first = _content(answer)
    assert first.startswith("1. ") and len(first.encode()) <= 2048
    _eventually(lambda: len(fake_wechat.texts()) >= 2)
    time.sleep(0.3)
    parts = [first, *fake_wechat.texts()]
    assert all(len(p.encode()) <= 2048 for p in parts)
    numbers = [int(line.split(".")[0]) for p in parts for line in p.split("\n")]
    assert numbers == list(range(1, 90))


# message kinds ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "turn_text", "reply_name"),
    [
        (_xml("voice", Recognition="失业登记在哪办", MediaId="m1"), "失业登记在哪办", None),
        (_xml("voice", MediaId="m1"), None, "wechat_voice_unrecognised"),
        (_xml("image", PicUrl="http://x/1.jpg", MediaId="m2"), None, "wechat_send_text"),
        (_xml("event", msg_id=None, Event="subscribe"), None, "wechat_welcome"),
        (_xml("event", msg_id=None, Event="CLICK", EventKey="JIUYE_JOBS"), "找工作", None),
        (_xml("event", msg_id=None, Event="CLICK", EventKey="JIUYE_HANDOFF"), "转人工", None),
        (_xml("text", Content="   "), None, "wechat_send_text"),
    ],
)
def test_message_kinds(
    make_channel: Make, body: bytes, turn_text: str | None, reply_name: str | None
) -> None:
    brain = Brain()
    channel = make_channel(brain)
    answer = _run(channel.handle(channel.accounts["wechat"], _query(), body))
    if turn_text is not None:
        assert [t.text for t in brain.turns] == [turn_text]
        assert _content(answer) == f"答复：{turn_text}"
    else:
        assert brain.turns == []
        assert _content(answer) == fixed_reply(reply_name or "")


def test_the_policy_button_answers_from_the_menu_and_unsubscribe_gets_success(
    make_channel: Make,
) -> None:
    brain = Brain()
    channel = make_channel(brain)
    account = channel.accounts["wechat"]
    click = _xml("event", msg_id=None, Event="CLICK", EventKey="JIUYE_POLICY")
    assert "政策问题" in _content(_run(channel.handle(account, _query(), click)))
    leave = _xml("event", msg_id=None, Event="unsubscribe", create_time=1764806401)
    assert _run(channel.handle(account, _query(), leave)) == SUCCESS
    assert brain.turns == []


# safe mode and WeCom --------------------------------------------------------------------------


def test_safe_mode_messages_and_replies_interoperate_with_wechatpy(make_channel: Make) -> None:
    channel = make_channel(Brain())
    theirs = WechatpyMPCrypto(TOKEN, AES_KEY, APP_ID)
    timestamp = str(int(time.time()))
    envelope = theirs.encrypt_message(_xml("text", Content="安全模式").decode(), "nx", timestamp)
    query = {
        **_query(),
        "timestamp": timestamp,
        "nonce": "nx",
        "signature": signature(TOKEN, timestamp, "nx"),
        "encrypt_type": "aes",
        "msg_signature": parse_xml(envelope)["MsgSignature"],
    }
    answer = _run(channel.handle(channel.accounts["wechat"], query, envelope.encode()))
    fields = parse_xml(answer)
    plain = theirs.decrypt_message(
        answer, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
    )
    assert _content(plain) == "答复：安全模式"


def test_wecom_verifies_its_url_and_answers_encrypted(make_channel: Make) -> None:
    channel = make_channel(Brain())
    account = channel.accounts["wecom"]
    theirs = WechatpyWorkCrypto(TOKEN, AES_KEY, CORP_ID)
    ours = MessageCrypto(TOKEN, AES_KEY, CORP_ID)
    timestamp = str(int(time.time()))
    echostr = ours.encrypt("5927419")
    query = {
        "timestamp": timestamp,
        "nonce": "e1",
        "echostr": echostr,
        "msg_signature": ours.sign(timestamp, "e1", echostr),
    }
    assert channel.verify_url(account, query) == "5927419"
    with pytest.raises(SignatureError):
        channel.verify_url(account, {**query, "msg_signature": "0" * 40})

    envelope = theirs.encrypt_message(
        _xml("text", Content="企业微信", AgentID="1000002").decode(), "e2", timestamp
    )
    query = {
        "timestamp": timestamp,
        "nonce": "e2",
        "msg_signature": parse_xml(envelope)["MsgSignature"],
    }
    answer = _run(channel.handle(account, query, envelope.encode()))
    fields = parse_xml(answer)
    plain = theirs.decrypt_message(
        answer, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
    )
    assert _content(plain) == "答复：企业微信"


def test_the_official_account_verifies_its_url_with_the_plain_signature(make_channel: Make) -> None:
    channel = make_channel(Brain())
    query = {**_query(), "echostr": "echo-123"}
    assert channel.verify_url(channel.accounts["wechat"], query) == "echo-123"
    with pytest.raises(SignatureError):
        channel.verify_url(channel.accounts["wechat"], {**query, "nonce": "other"})


# refusals -------------------------------------------------------------------------------------


def test_bad_signatures_stale_timestamps_and_big_bodies_are_refused(make_channel: Make) -> None:
    brain = Brain()
    channel = make_channel(brain, max_body_bytes=2000)
    account = channel.accounts["wechat"]
    body = _xml("text", Content="你好")
    with pytest.raises(SignatureError):
        _run(channel.handle(account, {**_query(), "signature": "f" * 40}, body))
    old = str(int(time.time()) - 3600)
    with pytest.raises(ReplayError):
        _run(
            channel.handle(
                account,
                {**_query(), "timestamp": old, "signature": signature(TOKEN, old, "n0nce")},
                body,
            )
        )
    with pytest.raises(BodyTooLargeError):
        _run(channel.handle(account, _query(), _xml("text", Content="长" * 1000)))
    # safe mode with a msg_signature that does not match the ciphertext
    envelope = WechatpyMPCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(body.decode(), "n0nce")
    with pytest.raises(SignatureError):
        _run(
            channel.handle(
                account,
                {**_query(), "encrypt_type": "aes", "msg_signature": "0" * 40},
                envelope.encode(),
            )
        )
    assert brain.turns == []


# the outbox and the 48-hour window -------------------------------------------------------------


def _age_user(database: Database, user: str, hours: float) -> None:
    with database.session() as session:
        session.execute(
            sa.update(WeChatInboundRow)
            .where(WeChatInboundRow.user_id == user)
            .values(received_at=datetime.now(UTC) - timedelta(hours=hours))
        )


def test_caseworker_messages_respect_the_48_hour_window(
    make_channel: Make, database: Database, fake_wechat: FakeWeChatAPI
) -> None:
    channel = make_channel(Brain())
    account = channel.accounts["wechat"]
    assert channel.send_caseworker_reply("wechat", OPENID, "从未来信") is False  # never wrote
    _run(channel.handle(account, _query(), _xml("text", Content="转人工", msg_id="5001")))
    assert channel.send_caseworker_reply("wechat", OPENID, "您好，我是王老师。") is True
    _eventually(lambda: "您好，我是王老师。" in fake_wechat.texts(OPENID))

    _age_user(database, OPENID, hours=49)
    assert channel.send_caseworker_reply("wechat", OPENID, "材料已收到。") is False
    time.sleep(0.4)
    assert "材料已收到。" not in fake_wechat.texts()
    assert channel.store.counts()["held"] == 1
    # the user writes again: what was held goes out
    _run(channel.handle(account, _query(), _xml("text", Content="在吗", msg_id="5002")))
    _eventually(lambda: "材料已收到。" in fake_wechat.texts())
    # the message held before the user's first word went out when they wrote, first
    assert fake_wechat.texts(OPENID) == ["从未来信", "您好，我是王老师。", "材料已收到。"]


def test_window_closed_from_wechat_holds_and_errors_are_retried(
    make_channel: Make, fake_wechat: FakeWeChatAPI, database: Database
) -> None:
    channel = make_channel(Brain())
    account = channel.accounts["wechat"]
    _run(channel.handle(account, _query(), _xml("text", Content="你好", msg_id="6001")))
    fake_wechat.send_errors = [-1, 45015]  # busy once, then "out of the response window"
    channel.send_caseworker_reply("wechat", OPENID, "第一条")
    _eventually(lambda: channel.store.counts()["held"] == 1)
    assert fake_wechat.texts() == []
    with database.session() as session:
        row = session.scalars(sa.select(WeChatOutboxRow)).one()
        assert row.attempts == 1 and "45015" in (row.error or "")


def test_an_expired_token_is_fetched_again_once(
    make_channel: Make, fake_wechat: FakeWeChatAPI
) -> None:
    channel = make_channel(Brain())
    account = channel.accounts["wecom"]
    ours = MessageCrypto(TOKEN, AES_KEY, CORP_ID)
    timestamp = str(int(time.time()))
    encrypted = ours.encrypt(_xml("text", Content="你好", msg_id="7001").decode())
    envelope = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
    query = {
        "timestamp": timestamp,
        "nonce": "t",
        "msg_signature": ours.sign(timestamp, "t", encrypted),
    }
    _run(channel.handle(account, query, envelope))
    assert channel.send_caseworker_reply("wecom", OPENID, "第一条")
    _eventually(lambda: fake_wechat.texts() == ["第一条"])
    fake_wechat.issued.clear()  # WeChat forgets the token (expired elsewhere)
    assert channel.send_caseworker_reply("wecom", OPENID, "第二条")
    _eventually(lambda: fake_wechat.texts() == ["第一条", "第二条"])
    assert len(fake_wechat.token_requests()) == 2
    sends = fake_wechat.sends()
    assert all(s.path == "/cgi-bin/message/send" for s in sends)
    assert sends[-1].body is not None and sends[-1].body["agentid"] == 1000002


def test_deliveries_older_than_a_week_are_forgotten_by_the_worker(
    make_channel: Make, database: Database
) -> None:
    brain = Brain()
    channel = make_channel(brain)
    account = channel.accounts["wechat"]
    _run(channel.handle(account, _query(), _xml("text", Content="旧消息", msg_id="8001")))
    _run(channel.handle(account, _query(), _xml("text", Content="新消息", msg_id="8002")))
    with database.session() as session:
        session.execute(
            sa.update(WeChatInboundRow)
            .where(WeChatInboundRow.message_key == "8001")
            .values(received_at=datetime.now(UTC) - timedelta(days=8))
        )
    channel.delivery._next_purge = 0.0  # the hourly purge is due
    channel.delivery.deliver_pending()
    with database.session() as session:
        kept = session.scalars(sa.select(WeChatInboundRow.message_key)).all()
    assert kept == ["8002"]
