"""The WeChat callbacks through the real app and engine: URL verification, answers with
their sources, safe mode, refusals as HTTP statuses, the 5-second rule on a real uvicorn
server, and caseworker replies pushed through the customer-service API."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from wechatpy.crypto import WeChatCrypto as WechatpyMPCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WechatpyWorkCrypto

from assistant.prompts import reply as fixed_reply
from assistant.server.app import create_app
from connectors.wechat import MessageCrypto, parse_xml, signature
from connectors.wechat.simulate import signed_query, text_message_xml
from connectors.wechat.store import WeChatInboundRow
from tests.conftest import MemoEmbedder
from tests.connectors.wechat.fake_api import FakeWeChatAPI
from tests.connectors.wechat.fake_api import fake_wechat as fake_wechat  # fixture
from tests.server.conftest import AppFactory, _serve, bearer, build_test_services, service_settings

TOKEN = "jiuyeToken2026"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx1234567890abcdef"
CORP_ID = "ww0987654321fedcba"
OPENID = "oJobSeeker_001"


def _wechat_settings(fake: FakeWeChatAPI, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "default_region": "410100",
        "wechat_token": TOKEN,
        "wechat_app_id": APP_ID,
        "wechat_app_secret": "mp-secret",
        "wechat_aes_key": AES_KEY,
        "wecom_token": TOKEN,
        "wecom_corp_id": CORP_ID,
        "wecom_secret": "work-secret",
        "wecom_aes_key": AES_KEY,
        "wecom_agent_id": 1000002,
        "wechat_api_base": fake.url,
        "wecom_api_base": fake.url,
        "wechat_max_body_bytes": 8000,
    }
    values.update(overrides)
    return values


@pytest.fixture
def wechat_client(make_client: AppFactory, fake_wechat: FakeWeChatAPI) -> TestClient:
    return make_client(**_wechat_settings(fake_wechat))


def _signed(**extra: str) -> dict[str, str]:
    return signed_query(TOKEN, openid=OPENID, **extra)


def _text(content: str, msg_id: int, user: str = OPENID) -> str:
    return text_message_xml(from_user=user, content=content, msg_id=msg_id)


def _post(client: TestClient, body: str | bytes, **query: str) -> Any:
    return client.post("/wechat/mp", params=_signed(**query), content=body)


def _eventually(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_unconfigured_accounts_are_not_found(client: TestClient) -> None:
    for path in ("/wechat/mp", "/wechat/work"):
        response = client.get(path, params=_signed(echostr="x"))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_url_verification_for_both_accounts(wechat_client: TestClient) -> None:
    verify = wechat_client.get("/wechat/mp", params=_signed(echostr="7781234"))
    assert (verify.status_code, verify.text) == (200, "7781234")
    assert verify.headers["content-type"].startswith("text/plain")
    forged = wechat_client.get("/wechat/mp", params={**_signed(echostr="1"), "signature": "0" * 40})
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "bad_signature"

    ours = MessageCrypto(TOKEN, AES_KEY, CORP_ID)
    timestamp = str(int(time.time()))
    echostr = ours.encrypt("3350912")
    query = {
        "timestamp": timestamp,
        "nonce": "w",
        "echostr": echostr,
        "msg_signature": ours.sign(timestamp, "w", echostr),
    }
    work = wechat_client.get("/wechat/work", params=query)
    assert (work.status_code, work.text) == (200, "3350912")


def test_a_question_is_answered_in_plain_text_with_its_sources(
    wechat_client: TestClient, fake_wechat: FakeWeChatAPI
) -> None:
    response = _post(wechat_client, _text("失业保险金怎么申请", 9001))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    fields = parse_xml(response.content)
    content = fields["Content"]
    assert (fields["ToUserName"], fields["MsgType"]) == (OPENID, "text")
    assert "来源：\n[1] 《" in content and "失业保险" in content
    assert "**" not in content and "##" not in content
    assert len(content.encode("utf-8")) <= 2048
    transcript = wechat_client.get(f"/v1/sessions/wechat:{OPENID}", headers=bearer("caseworker"))
    assert [m["sender"] for m in transcript.json()["messages"]] == ["user", "assistant"]


def test_a_subscriber_is_welcomed_and_menu_clicks_run_turns(wechat_client: TestClient) -> None:
    base = (
        "<xml><ToUserName>gh_jiuye</ToUserName><FromUserName>{u}</FromUserName>"
        "<CreateTime>{t}</CreateTime><MsgType>event</MsgType><Event>{e}</Event>{k}</xml>"
    )
    now = int(time.time())
    welcome = _post(wechat_client, base.format(u=OPENID, t=now, e="subscribe", k=""))
    assert parse_xml(welcome.content)["Content"] == fixed_reply("wechat_welcome")
    click = base.format(u=OPENID, t=now + 1, e="CLICK", k="<EventKey>JIUYE_JOBS</EventKey>")
    jobs = parse_xml(_post(wechat_client, click).content)["Content"]
    assert "岗位" in jobs


def test_safe_mode_round_trip_with_wechatpy(wechat_client: TestClient) -> None:
    theirs = WechatpyMPCrypto(TOKEN, AES_KEY, APP_ID)
    timestamp = str(int(time.time()))
    envelope = theirs.encrypt_message(_text("就业困难人员认定条件", 9101), "s1", timestamp)
    query = {
        "timestamp": timestamp,
        "nonce": "s1",
        "signature": signature(TOKEN, timestamp, "s1"),
        "encrypt_type": "aes",
        "msg_signature": parse_xml(envelope)["MsgSignature"],
    }
    response = wechat_client.post("/wechat/mp", params=query, content=envelope)
    assert response.status_code == 200, response.text
    fields = parse_xml(response.content)
    assert set(fields) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    plain = theirs.decrypt_message(
        response.text, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
    )
    assert "来源：" in parse_xml(plain)["Content"]


def test_wecom_messages_are_answered_encrypted(wechat_client: TestClient) -> None:
    theirs = WechatpyWorkCrypto(TOKEN, AES_KEY, CORP_ID)
    timestamp = str(int(time.time()))
    envelope = theirs.encrypt_message(_text("失业保险金能领多久", 9201, "zhangsan"), "k", timestamp)
    query = {
        "timestamp": timestamp,
        "nonce": "k",
        "msg_signature": parse_xml(envelope)["MsgSignature"],
    }
    response = wechat_client.post("/wechat/work", params=query, content=envelope)
    assert response.status_code == 200, response.text
    fields = parse_xml(response.content)
    plain = theirs.decrypt_message(
        response.text, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
    )
    assert parse_xml(plain)["ToUserName"] == "zhangsan"


XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><ToUserName>gh</ToUserName><FromUserName>oU</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>"
)


def test_refusals_have_their_status(wechat_client: TestClient) -> None:
    cases: list[tuple[Any, int, str]] = [
        (_post(wechat_client, XXE), 400, "bad_message"),
        (_post(wechat_client, "<xml><oops>"), 400, "bad_message"),
        (_post(wechat_client, _text("长" * 3000, 1)), 413, "too_large"),
        (
            wechat_client.post(
                "/wechat/mp", params={**_signed(), "signature": "f" * 40}, content=_text("你好", 2)
            ),
            403,
            "bad_signature",
        ),
        (
            wechat_client.post(
                "/wechat/mp",
                params={
                    "timestamp": "1000",
                    "nonce": "n",
                    "signature": signature(TOKEN, "1000", "n"),
                },
                content=_text("你好", 3),
            ),
            403,
            "stale_request",
        ),
        (
            _post(
                wechat_client,
                "<xml><Encrypt>AAAA</Encrypt></xml>",
                encrypt_type="aes",
                msg_signature="0" * 40,
            ),
            403,
            "bad_signature",
        ),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code
        assert response.json()["error"]["message"]


def test_caseworker_replies_go_out_through_the_customer_service_api(
    wechat_client: TestClient, fake_wechat: FakeWeChatAPI
) -> None:
    answer = parse_xml(_post(wechat_client, _text("我要转人工", 9301)).content)["Content"]
    assert "人工" in answer
    (entry,) = wechat_client.get("/v1/handoffs", headers=bearer("caseworker")).json()
    assert (entry["channel"], entry["user_id"]) == ("wechat", OPENID)
    ticket = entry["id"]
    assert wechat_client.post(
        f"/v1/handoffs/{ticket}/claim", headers=bearer("caseworker")
    ).is_success
    sent = wechat_client.post(
        f"/v1/handoffs/{ticket}/reply",
        headers=bearer("caseworker"),
        json={"text": "您好，我是王老师，请问您在哪个区？"},
    ).json()
    assert sent["delivered"] is True and sent["note"] is None
    _eventually(lambda: fake_wechat.texts(OPENID) == ["您好，我是王老师，请问您在哪个区？"])

    # 49 hours later WeChat would refuse: the reply waits, and the ticket says why
    services = wechat_client.app.state.services  # type: ignore[attr-defined]
    with services.knowledge.database.session() as session:
        session.execute(
            sa.update(WeChatInboundRow).values(received_at=datetime.now(UTC) - timedelta(hours=49))
        )
    late = wechat_client.post(
        f"/v1/handoffs/{ticket}/reply", headers=bearer("caseworker"), json={"text": "材料齐了吗？"}
    ).json()
    assert late["delivered"] is False
    assert late["note"] == fixed_reply("wechat_window_closed")
    messages = wechat_client.get(f"/v1/handoffs/{ticket}", headers=bearer("caseworker")).json()[
        "transcript"
    ]
    assert [m["sender"] for m in messages[-2:]] == ["caseworker", "system"]
    assert "48 小时" in messages[-1]["text"]
    time.sleep(0.5)
    assert fake_wechat.texts(OPENID) == ["您好，我是王老师，请问您在哪个区？"]


@pytest.fixture
def slow_wechat_server(
    sample_data_dir: Path, tmp_path: Path, embedder: MemoEmbedder, fake_wechat: FakeWeChatAPI
) -> Iterator[str]:
    """A real uvicorn server whose reply budget no real turn can meet (1 ms)."""
    data_dir = tmp_path / "data"
    shutil.copytree(sample_data_dir, data_dir)
    settings = service_settings(
        data_dir, **_wechat_settings(fake_wechat, wechat_reply_budget=0.001)
    )
    services = build_test_services(data_dir, embedder, settings)
    for live in _serve(create_app(settings, services)):
        yield live.url
    services.knowledge.database.dispose()


def test_three_deliveries_of_a_slow_answer_give_one_pushed_answer(
    slow_wechat_server: str, fake_wechat: FakeWeChatAPI
) -> None:
    body = _text("失业保险金怎么申请", 9401)

    async def deliveries() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=slow_wechat_server, timeout=10) as client:
            first = await client.post("/wechat/mp", params=_signed(), content=body)
            rest = await asyncio.gather(
                *(client.post("/wechat/mp", params=_signed(), content=body) for _ in range(2))
            )
            return [first, *rest]

    responses = asyncio.run(deliveries())
    assert [(r.status_code, r.text) for r in responses] == [(200, "success")] * 3
    _eventually(lambda: len(fake_wechat.texts(OPENID)) >= 1)
    time.sleep(1.0)
    (pushed,) = fake_wechat.texts(OPENID)
    assert "来源：" in pushed and "失业保险" in pushed
    assert len(fake_wechat.token_requests()) == 1
    transcript = httpx.get(
        f"{slow_wechat_server}/v1/sessions/wechat:{OPENID}", headers=bearer("caseworker")
    ).json()
    assert [m["sender"] for m in transcript["messages"]] == ["user", "assistant"]


def test_a_user_over_the_turn_limit_is_asked_to_slow_down(
    make_client: AppFactory, fake_wechat: FakeWeChatAPI
) -> None:
    client = make_client(**_wechat_settings(fake_wechat), rate_limit_user="2/minute")
    answers = [
        parse_xml(_post(client, _text("失业保险金怎么申请", 9500 + i)).content)["Content"]
        for i in range(3)
    ]
    assert all("来源：" in a for a in answers[:2])
    assert answers[2] == fixed_reply("wechat_slow_down")
    other = parse_xml(_post(client, _text("失业保险金怎么申请", 9600, "oOther")).content)
    assert "来源：" in other["Content"]  # another user is not limited
    assert 'jiuye_rate_limited_total{limit="user"} 1.0' in client.get("/metrics").text
