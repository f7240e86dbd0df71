"""The HTTP API through the real app: chat, transcripts, hand-off round trip, agent-assist,
admin, health, metrics, logs, limits and errors."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.models import Turn
from assistant.server.observability import JsonLogFormatter
from connectors.errors import DatabaseUnavailableError
from tests.server.conftest import OTHER_CASEWORKER, AppFactory, LiveServer, bearer

ZHENGZHOU = "410100"


def _ask(client: TestClient, text: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/chat", json={"text": text, "region": ZHENGZHOU, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_chat_answers_with_citations_and_keeps_the_visitors_conversation(
    client: TestClient, make_client: AppFactory
) -> None:
    reply = _ask(client, "失业保险金怎么申请")
    assert reply["brain"] == "offline"
    assert reply["citations"], reply
    assert "[1]" in reply["text"]
    titles = {c["title"] for c in reply["citations"]}
    assert any("失业保险" in title for title in titles)
    session_id = reply["session_id"]
    assert session_id.startswith("web:v")
    # The cookie keeps the visitor: the second turn is in the same conversation.
    again = _ask(client, "我今年35岁")
    assert again["session_id"] == session_id
    transcript = client.get(f"/v1/sessions/{session_id}").json()
    assert [m["sender"] for m in transcript["messages"]] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert transcript["messages"][1]["citations"][0]["doc_id"] == reply["citations"][0]["doc_id"]
    assert transcript["facts"].get("age") == 35
    later = client.get(f"/v1/sessions/{session_id}", params={"since": 2}).json()
    assert [m["index"] for m in later["messages"]] == [2, 3]
    # Another visitor has another conversation and cannot read this one.
    stranger = TestClient(client.app, base_url="http://127.0.0.1")
    assert stranger.get(f"/v1/sessions/{session_id}").status_code == 404
    assert stranger.post("/v1/chat", json={"text": "你好"}).json()["session_id"] != session_id
    # Caseworkers may read any conversation.
    assert client.get(f"/v1/sessions/{session_id}", headers=bearer("caseworker")).status_code == 200


def test_bad_input_gets_clear_json_errors(client: TestClient) -> None:
    cases: list[tuple[dict[str, Any] | bytes, int, str]] = [
        ({"text": ""}, 422, "text"),
        ({"text": "   "}, 422, "不能为空"),
        ({"text": "你好", "region": "12ab"}, 422, "12ab"),
        ({"text": "你好", "colour": "red"}, 422, "colour"),
        ({"text": "你好", "role": "boss"}, 422, "role"),
        ({"text": "字" * 2001}, 422, "text"),
        ({"text": "你好", "location": {"lat": 123, "lon": 0}}, 422, "location"),
        (b"{not json", 422, "JSON"),
    ]
    for body, status, mention in cases:
        if isinstance(body, bytes):
            response = client.post(
                "/v1/chat", content=body, headers={"content-type": "application/json"}
            )
        else:
            response = client.post("/v1/chat", json=body)
        assert response.status_code == status, (body, response.text)
        error = response.json()["error"]
        assert mention in error["message"] + json.dumps(error, ensure_ascii=False), (body, error)
        assert error["request_id"] == response.headers["x-request-id"]
        assert "Traceback" not in response.text
    assert client.get("/v1/nowhere").json()["error"]["code"] == "not_found"


def test_bodies_over_the_limit_are_refused(make_client: AppFactory) -> None:
    client = make_client(max_body_bytes=2000)
    big = json.dumps({"text": "字" * 1000}).encode()
    declared = client.post("/v1/chat", content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while reading
        yield big[:1000]
        yield big[1000:]

    streamed = client.post(
        "/v1/chat", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert client.post("/v1/chat", json={"text": "你好"}).status_code == 200


def test_rate_limits_per_user_and_per_address(make_client: AppFactory) -> None:
    client = make_client(rate_limit_user="2/minute", rate_limit_ip="1000/minute")
    assert client.post("/v1/chat", json={"text": "你好"}).status_code == 200
    assert client.post("/v1/chat", json={"text": "你好"}).status_code == 200
    refused = client.post("/v1/chat", json={"text": "你好"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "频繁" in refused.json()["error"]["message"]
    # Another visitor (another user) from the same address is still served.
    other = TestClient(client.app, base_url="http://127.0.0.1")
    assert other.post("/v1/chat", json={"text": "你好"}).status_code == 200

    by_address = make_client(rate_limit_ip="3/minute")
    codes = [by_address.post("/v1/login", json={"token": "guess"}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_handoff_round_trip(client: TestClient) -> None:
    reply = _ask(client, "我要转人工")
    ticket = reply["handoff"]
    assert ticket and ticket["status"] == "open"
    session_id = reply["session_id"]

    queue = client.get("/v1/handoffs", headers=bearer("caseworker")).json()
    entry = next(e for e in queue if e["id"] == ticket["id"])
    assert entry["reason"] == "user_request"
    assert entry["reason_label"] == "用户要求转人工"
    assert entry["channel"] == "web"
    assert entry["waiting_seconds"] >= 0
    detail = client.get(f"/v1/handoffs/{ticket['id']}", headers=bearer("caseworker")).json()
    assert [m["sender"] for m in detail["transcript"]][:2] == ["user", "assistant"]

    # Replying before claiming is refused; claiming gives it to the logged-in caseworker.
    early = client.post(
        f"/v1/handoffs/{ticket['id']}/reply", json={"text": "您好"}, headers=bearer("caseworker")
    )
    assert early.status_code == 409
    claimed = client.post(f"/v1/handoffs/{ticket['id']}/claim", headers=bearer("caseworker"))
    assert claimed.json()["status"] == "claimed"
    assert claimed.json()["claimed_by"] == "王老师"
    zhao = {"Authorization": f"Bearer {OTHER_CASEWORKER[1]}"}
    stolen = client.post(f"/v1/handoffs/{ticket['id']}/claim", headers=zhao)
    assert stolen.status_code == 409
    assert stolen.json()["error"]["code"] == "ticket_claimed"

    answer = client.post(
        f"/v1/handoffs/{ticket['id']}/reply",
        json={"text": "您好，我是王老师，请问有什么可以帮您？"},
        headers=bearer("caseworker"),
    )
    assert answer.status_code == 200
    assert answer.json()["delivered"] is True
    # While the ticket is open the user's messages go to the caseworker, not the brain.
    waiting = _ask(client, "我想问失业金的事")
    assert waiting["handoff"]["id"] == ticket["id"]
    transcript = client.get(f"/v1/sessions/{session_id}").json()
    senders = [m["sender"] for m in transcript["messages"]]
    assert "caseworker" in senders
    assert transcript["open_ticket"] == ticket["id"]

    assert client.post(f"/v1/handoffs/{ticket['id']}/close", headers=zhao).status_code == 409
    closed = client.post(
        f"/v1/handoffs/{ticket['id']}/close", json={"note": "已解答"}, headers=bearer("caseworker")
    )
    assert closed.json()["status"] == "closed"
    assert client.get("/v1/handoffs", headers=bearer("caseworker")).json() == []
    after = client.get(f"/v1/sessions/{session_id}").json()
    assert after["open_ticket"] is None
    assert after["messages"][-1]["sender"] == "system"
    resumed = _ask(client, "失业保险金怎么申请")
    assert resumed["handoff"] is None and resumed["citations"]
    missing = client.post("/v1/handoffs/999/claim", headers=bearer("caseworker"))
    assert missing.status_code == 404


def test_a_ticket_shows_its_facts_in_the_vocabularys_words(client: TestClient) -> None:
    """The console reads facts by their Chinese labels and values, never by their names."""
    services = client.app.state.services  # type: ignore[attr-defined]
    turn = Turn(channel="web", user_id="facts-shown", text="转人工", role="job_seeker")
    state = services.assistant.conversations.load(turn)
    state.facts = {
        "contribution_years": 7.0,
        "involuntary_separation": True,
        "registered_unemployed": False,
        "hardship_category": "low_income_family",
        "age": 35,
        "seeking_work": None,
        "not_in_the_vocabulary": "x",
    }
    ticket = services.assistant.handoffs.open(state, reason="user_request", summary="转人工")

    detail = client.get(f"/v1/handoffs/{ticket.id}", headers=bearer("caseworker")).json()
    shown = {fact["label"]: fact["value"] for fact in detail["facts_shown"]}
    assert shown == {
        "累计缴纳失业保险费年限": "7年",
        "非因本人意愿中断就业": "是",
        "已办理失业登记": "否",
        "家庭或本人的困难情形": "城乡最低生活保障家庭",
        "年龄": "35岁",
    }
    assert detail["facts_shown"][0]["name"] == "contribution_years"  # in the facts' order
    assert detail["facts"]["contribution_years"] == 7.0  # the raw facts stay for systems
    assert detail["reason_label"] == "用户要求转人工"
    claimed = client.post(f"/v1/handoffs/{ticket.id}/claim", headers=bearer("caseworker"))
    assert {f["label"] for f in claimed.json()["facts_shown"]} == set(shown)


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def test_a_new_ticket_calls_the_configured_webhook(make_client: AppFactory, receiver: str) -> None:
    client = make_client(handoff_webhook_url=receiver)
    ticket = _ask(client, "转人工")["handoff"]
    deadline = threading.Event()
    for _ in range(100):
        if _Receiver.received:
            break
        deadline.wait(0.05)
    assert [event["ticket"]["id"] for event in _Receiver.received] == [ticket["id"]]
    assert _Receiver.received[0]["event"] == "handoff.opened"


def test_agent_assist_and_its_feedback(client: TestClient) -> None:
    call = {
        "call_id": "call-1",
        "region": ZHENGZHOU,
        "utterances": [
            {"speaker": "agent", "text": "您好，12333，请讲。"},
            {"speaker": "caller", "text": "我被公司辞退了，失业保险金怎么领？"},
        ],
    }
    response = client.post("/v1/assist", json=call, headers=bearer("agent"))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["call_id"] == "call-1"
    assert result["suggestions"] and result["suggestions"][0]["citations"]
    assert result["summary"]
    suggestion = result["suggestions"][0]["id"]
    for event in ("displayed", "copied", "helpful"):
        recorded = client.post(
            "/v1/assist/feedback",
            json={"call_id": "call-1", "suggestion_id": suggestion, "event": event},
            headers=bearer("agent"),
        )
        assert recorded.json() == {"recorded": True}
    bad = client.post(
        "/v1/assist/feedback",
        json={"call_id": "call-1", "suggestion_id": suggestion, "event": "loved"},
        headers=bearer("agent"),
    )
    assert bad.status_code == 422
    stats = client.get("/v1/admin/stats", headers=bearer("admin")).json()
    assert stats["feedback"] == {"displayed": 1, "copied": 1, "helpful": 1, "not_helpful": 0}
    metrics = client.get("/metrics").text
    assert 'jiuye_assist_feedback_total{event="helpful"} 1.0' in metrics
    # Assist stores nothing: no conversation for the call.
    assert client.get("/v1/admin/stats", headers=bearer("admin")).json()["sessions"] == 0


def test_admin_uploads_lists_syncs_and_counts(client: TestClient) -> None:
    admin = bearer("admin")
    text = (
        "郑州市青年就业见习补贴办法（测试）\n\n"
        "第一条 见习单位吸纳离校两年内未就业高校毕业生参加就业见习的，"
        "按每人每月九百元给予见习补贴。\n\n第二条 本办法自2026年1月1日起施行。\n"
    )
    uploaded = client.post(
        "/v1/admin/documents",
        headers=admin,
        files={"files": ("见习补贴.md", text.encode("utf-8"), "text/markdown")},
        data={
            "region": ZHENGZHOU,
            "title": "郑州市青年就业见习补贴办法（测试）",
            "valid_from": "2026-01-01",
        },
    )
    assert uploaded.status_code == 200, uploaded.text
    assert len(uploaded.json()["added"]) == 1 and uploaded.json()["chunks_written"] >= 2
    documents = client.get("/v1/admin/documents", headers=admin).json()
    mine = next(d for d in documents if d["title"].startswith("郑州市青年就业见习补贴办法"))
    assert mine["region"] == ZHENGZHOU and mine["region_name"] == "郑州市"
    assert mine["valid_from"] == "2026-01-01" and mine["in_force"] is True
    assert any(d["in_force"] is False for d in documents)  # the samples carry old versions
    # The running service's index has it at once (no restart).
    knowledge = client.app.state.services.knowledge  # type: ignore[attr-defined]
    found = knowledge.search("见习单位吸纳高校毕业生 见习补贴", region=ZHENGZHOU, k=3)
    assert found and found[0].doc_id == mine["id"]

    refused = client.post(
        "/v1/admin/documents", headers=admin, files={"files": ("x.exe", b"MZ", "application/x")}
    )
    assert refused.status_code == 415
    bad_region = client.post(
        "/v1/admin/documents",
        headers=admin,
        files={"files": ("a.md", b"x", "text/markdown")},
        data={"region": "12"},
    )
    assert bad_region.status_code == 422

    synced = client.post("/v1/admin/vacancies/sync", headers=admin).json()
    assert synced and synced[0]["status"] in ("updated", "unchanged")
    stats = client.get("/v1/admin/stats", headers=admin).json()
    assert stats["turns"] == 0 and stats["answer_rate"] is None
    _ask(client, "失业保险金怎么申请")
    _ask(client, "火星移民安家补贴是什么政策？")
    stats = client.get("/v1/admin/stats", headers=admin).json()
    assert stats["turns"] == 2 and stats["answers"] == 2
    assert 0 < stats["answer_rate"] < 1
    assert stats["handoffs"] == {"open": 0, "claimed": 0, "closed": 0}


def test_health_readiness_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    _ask(client, "郑州有焊工岗位吗")
    _ask(client, "转人工")
    metrics = client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'jiuye_turn_seconds_count{brain="offline",channel="web"} 2.0' in text
    assert 'jiuye_tool_calls_total{outcome="ok",tool="search_vacancies"} 1.0' in text
    assert 'jiuye_handoffs_total{channel="web",reason="user_request"} 1.0' in text
    assert 'jiuye_handoff_queue{status="open"} 1.0' in text
    assert 'jiuye_http_requests_total{method="POST",route="/v1/chat",status="200"} 2.0' in text

    database = client.app.state.services.knowledge.database  # type: ignore[attr-defined]

    def broken() -> Any:
        raise RuntimeError("database down")

    database.session = broken
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["checks"]["database"].startswith("error")
    assert client.get("/healthz").status_code == 200


def test_an_unexpected_failure_is_a_json_500_without_a_trace(client: TestClient) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]

    def crash(_: Any) -> Any:
        raise RuntimeError("secret internals")

    services.assist.suggest = crash
    client_500 = TestClient(client.app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    response = client_500.post(
        "/v1/assist",
        json={"call_id": "c", "utterances": [{"speaker": "caller", "text": "你好"}]},
        headers=bearer("agent"),
    )
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert 'jiuye_errors_total{kind="unhandled"} 1.0' in client.get("/metrics").text


def test_a_database_that_cannot_be_written_is_a_503_to_retry(client: TestClient) -> None:
    # Found by bench/load.py: at 64 users a SQLite writer waited out the lock; the catch-all
    # 500 also closed the keep-alive connection. Now: 503 with Retry-After.
    services = client.app.state.services  # type: ignore[attr-defined]

    def locked(*_: Any, **__: Any) -> Any:
        raise DatabaseUnavailableError("database is locked")

    services.respond = locked
    response = client.post("/v1/chat", json={"text": "失业保险金怎么领"})
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert response.json()["error"]["code"] == "unavailable"
    assert "locked" not in response.text


def test_logs_are_json_with_request_ids_and_no_personal_data(client: TestClient) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    try:
        response = client.post(
            "/v1/chat",
            json={"text": "我的手机号是13812345678，身份证410102199001011234，失业金怎么领"},
            headers={"X-Request-ID": "req-42"},
        )
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    assert response.headers["x-request-id"] == "req-42"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    mine = [line for line in lines if line.get("request_id") == "req-42"]
    loggers = {line["logger"] for line in mine}
    assert {"jiuye.turns", "jiuye.access"} <= loggers
    access = next(line for line in mine if line["logger"] == "jiuye.access")
    assert access["status"] == 200 and access["path"] == "/v1/chat"
    assert "13812345678" not in stream.getvalue()
    assert "410102199001011234" not in stream.getvalue()


def test_sse_streams_the_reply(live_server: LiveServer) -> None:
    events: list[tuple[str, Any]] = []
    with (
        httpx.Client(base_url=live_server.url, timeout=30) as http,
        http.stream(
            "POST", "/v1/chat/stream", json={"text": "失业保险金怎么申请", "region": ZHENGZHOU}
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event = "message"
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((event, json.loads(line.split(":", 1)[1])))
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "start" and kinds[-2:] == ["reply", "done"]
    assert kinds.count("delta") >= 2
    reply = events[-2][1]
    assert "".join(data["text"] for kind, data in events if kind == "delta") == reply["text"]
    assert reply["citations"]
