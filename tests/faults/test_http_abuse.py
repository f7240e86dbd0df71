"""HTTP abuse against a real uvicorn server on 127.0.0.1: generated requests for every
operation of the OpenAPI schema (schemathesis), and oversized and malformed bodies to the
chat, assist, login, upload and WeChat endpoints.

Every request must be refused with a 4xx (or answered), never a 5xx; a refusal by the app
is its JSON error (``{"error": {"code", "message", "request_id"}}``) in Chinese; and after
each kind of abuse the server still answers a normal turn.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from assistant.runtime import build_database
from assistant.server.app import create_app
from assistant.server.services import build_services
from connectors.wechat import MessageCrypto, parse_xml, signature
from connectors.wechat.simulate import signed_query, text_message_xml
from tests.conftest import MemoEmbedder, _fresh_postgres, make_knowledge_base
from tests.faults.conftest import Held
from tests.server.conftest import (
    PEOPLE,
    LiveServer,
    _serve,
    bearer,
    build_test_services,
    service_settings,
)

MAX_BODY = 20_000  # bytes of a JSON body (the setting's default is 256 KB)
MAX_UPLOAD = 200_000  # bytes of a document upload
WECHAT_MAX_BODY = 8_000  # bytes of a WeChat callback
TOKEN = "abuseToken2026"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx00abuse0000test"
OPENID = "oAbuser_001"
_CJK = re.compile(r"[\u4e00-\u9fff]")

ABUSE = "http abuse: 4xx, never 5xx"
ERROR_BODY = "http abuse: Chinese JSON error"
AFTERWARDS = "http abuse: normal turn afterwards"


@pytest.fixture(scope="module")
def server(
    sample_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, embedder: MemoEmbedder
) -> Iterator[LiveServer]:
    """A real uvicorn server over its own copy of the samples, with small body limits, a
    WeChat Official Account in safe mode, and rate limits no test here reaches."""
    data_dir = tmp_path_factory.mktemp("abuse") / "data"
    shutil.copytree(sample_data_dir, data_dir)
    settings = service_settings(
        data_dir,
        default_region="410100",
        rate_limit_user="100000/minute",
        rate_limit_ip="100000/minute",
        max_body_bytes=MAX_BODY,
        max_upload_bytes=MAX_UPLOAD,
        wechat_token=TOKEN,
        wechat_app_id=APP_ID,
        wechat_aes_key=AES_KEY,
        wechat_max_body_bytes=WECHAT_MAX_BODY,
    )
    services = build_test_services(data_dir, embedder, settings)
    yield from _serve(create_app(settings, services))
    services.knowledge.database.dispose()


@pytest.fixture(scope="module")
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


# helpers -------------------------------------------------------------------------------


def refused(
    held: Held,
    what: str,
    response: httpx.Response,
    expected: set[int],
) -> None:
    """Counts one abusive request: its status is one of ``expected`` (all 4xx) and the
    body is the app's JSON error with a Chinese message."""
    assert expected and all(400 <= s < 500 for s in expected)
    status = response.status_code
    held.check(ABUSE, status in expected, f"{what}: {status} (expected {sorted(expected)})")
    try:
        error = response.json()["error"]
        ok = isinstance(error["code"], str) and isinstance(error["message"], str)
        ok = ok and bool(_CJK.search(error["message"]))
        detail = f"{what}: {error}"
    except (ValueError, KeyError, TypeError) as exc:
        ok, detail = False, f"{what}: not the JSON error ({exc!r}): {response.text[:200]}"
    held.check(ERROR_BODY, ok, detail)


def normal_turn(held: Held, http: httpx.Client, after: str) -> None:
    response = http.post("/v1/chat", json={"text": "失业保险金怎么领"})
    ok = response.status_code == 200 and bool(response.json().get("text"))
    held.check(AFTERWARDS, ok, f"after {after}: {response.status_code} {response.text[:200]}")


def chunks(total: int, size: int = 4096) -> Iterator[bytes]:
    """A body of ``total`` bytes sent chunked (httpx sends no Content-Length for it)."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"x" * piece


def raw_exchange(server: LiveServer, request: bytes) -> list[int]:
    """Sends raw bytes and returns the status of every response read until the server
    closes the connection (or goes quiet)."""
    host, port = server.url.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        conn.shutdown(socket.SHUT_WR)
        try:
            while data := conn.recv(65536):
                received += data
        except (TimeoutError, ConnectionResetError):
            pass
    return [int(s) for s in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]


def agent() -> dict[str, str]:
    return bearer("agent")


# schemathesis ----------------------------------------------------------------------------

#: Generated requests per operation: valid data (schemathesis "positive") and invalid.
EXAMPLES = {
    schemathesis.GenerationMode.POSITIVE: 15,
    schemathesis.GenerationMode.NEGATIVE: 10,
}


def fuzz(
    operation: Any,
    mode: schemathesis.GenerationMode,
    *,
    url: str,
    session: requests.Session,
    held: Held,
) -> int:
    """Runs the operation's generated cases (derandomized: the same ones every run) and
    counts the checks; returns how many requests were made."""
    calls: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def exercise(case: Any) -> None:
        response = case.call(base_url=url, session=session, timeout=30)
        calls.append(response.status_code)
        for category, check in (
            ("schemathesis: no 5xx", not_a_server_error),
            ("schemathesis: response schema", response_schema_conformance),
        ):
            try:
                case.validate_response(response, checks=[check])
                ok, detail = True, ""
            except FailureGroup as exc:  # what a failed check raises (a BaseExceptionGroup)
                ok = False
                detail = f"{operation.label} -> {response.status_code}: {exc}\n"
                detail += case.as_curl_command()
            held.check(category, ok, detail)

    try:
        exercise()
    except Unsatisfiable:
        # An operation without parameters or body has no invalid data to generate.
        if mode is not schemathesis.GenerationMode.NEGATIVE:
            raise
    return len(calls)


@pytest.mark.slow
def test_generated_requests_never_get_a_server_error(server: LiveServer, held: Held) -> None:
    """Every operation of the OpenAPI schema, with valid and invalid generated data, as the
    admin (who may call everything): no 5xx, and responses as the schema says."""
    raw = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(raw)
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), results  # the schema is valid
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 20, [op.label for op in operations]
    with requests.Session() as session:
        session.headers.update(bearer("admin"))
        for operation in operations:
            made = sum(
                fuzz(operation, mode, url=server.url, session=session, held=held)
                for mode in EXAMPLES
            )
            held.check("schemathesis: operations exercised", made > 0, operation.label)


def test_ticket_ids_beyond_the_database_integer_are_refused(http: httpx.Client, held: Held) -> None:
    """Regression: an id past the INTEGER column (found by schemathesis) was a 500."""
    for ticket_id in ("2147483648", "9223372036854775808", "-9223372036854775809", "9" * 30, "0"):
        for method, path in (
            ("GET", ""),
            ("POST", "/claim"),
            ("POST", "/close"),
        ):
            response = http.request(
                method, f"/v1/handoffs/{ticket_id}{path}", headers=bearer("caseworker")
            )
            refused(held, f"{method} ticket {ticket_id}{path}", response, {422})
        response = http.post(
            f"/v1/handoffs/{ticket_id}/reply", json={"text": "您好"}, headers=bearer("caseworker")
        )
        refused(held, f"reply to ticket {ticket_id}", response, {422})
    missing = http.get("/v1/handoffs/2147483647", headers=bearer("caseworker"))
    refused(held, "the largest id", missing, {404})
    normal_turn(held, http, "huge ticket ids")


# oversized bodies ------------------------------------------------------------------------

JSON_ENDPOINTS: list[tuple[str, Callable[[], dict[str, str]]]] = [
    ("/v1/chat", dict),
    ("/v1/chat/stream", dict),
    ("/v1/assist", agent),
    ("/v1/login", dict),
]


def test_oversized_json_bodies_are_refused_413(
    server: LiveServer, http: httpx.Client, held: Held
) -> None:
    big = json.dumps({"text": "失" * MAX_BODY}).encode()
    for path, headers in JSON_ENDPOINTS:
        declared = http.post(
            path, content=big, headers={**headers(), "Content-Type": "application/json"}
        )
        refused(held, f"{path} {len(big)} bytes with Content-Length", declared, {413})
        chunked = http.post(
            path,
            content=chunks(MAX_BODY * 3),
            headers={**headers(), "Content-Type": "application/json"},
        )
        refused(held, f"{path} chunked past the limit", chunked, {413})
        # A length that does not fit any integer the server would use.
        statuses = raw_exchange(
            server,
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {'9' * 40}\r\nConnection: close\r\n\r\n".encode()
            + b"{}",
        )
        held.check(
            ABUSE,
            bool(statuses) and all(400 <= s < 500 for s in statuses),
            f"{path} absurd Content-Length: {statuses}",
        )
        # No length at all: the body is not a body (HTTP/1.1), and the bytes after the
        # headers are a malformed next request.
        statuses = raw_exchange(
            server,
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"\r\n".encode()
            + big,
        )
        held.check(
            ABUSE,
            bool(statuses) and all(400 <= s < 500 for s in statuses),
            f"{path} body without Content-Length: {statuses}",
        )
    normal_turn(held, http, "oversized JSON bodies")


def upload(name: str, size: int) -> dict[str, Any]:
    return {"files": [("files", (name, b"a" * size, "text/plain"))]}


BOUNDARY = "jiuyeAbuseBoundary"


def multipart_stream(name: str, size: int) -> Iterator[bytes]:
    """One file of ``size`` bytes as a multipart body, sent chunked."""
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="{name}"\r\nContent-Type: text/plain\r\n\r\n'
    ).encode()
    yield from chunks(size)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def test_oversized_uploads_are_refused_413(http: httpx.Client, held: Held) -> None:
    admin = bearer("admin")
    too_big = http.post("/v1/admin/documents", headers=admin, **upload("big.txt", MAX_UPLOAD))
    refused(held, "upload past max_upload_bytes", too_big, {413})
    chunked = http.post(
        "/v1/admin/documents",
        headers={**admin, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        content=multipart_stream("big.txt", MAX_UPLOAD * 2),
    )
    refused(held, "chunked upload past max_upload_bytes", chunked, {413})
    # Between the JSON limit and the upload limit: the upload limit applies (415 for the
    # file type, not 413 for the size).
    allowed = http.post("/v1/admin/documents", headers=admin, **upload("between.exe", MAX_BODY * 2))
    refused(held, "upload between the two limits", allowed, {415})
    not_multipart = http.post("/v1/admin/documents", headers=admin, json={"files": ["x"]})
    refused(held, "JSON to the upload endpoint", not_multipart, {422})
    broken = http.post(
        "/v1/admin/documents",
        headers={**admin, "Content-Type": "multipart/form-data; boundary=x"},
        content=b"no multipart at all",
    )
    refused(held, "a broken multipart body", broken, {400})
    normal_turn(held, http, "oversized uploads")


# malformed bodies ------------------------------------------------------------------------


#: Bodies the JSON parser itself gives up on: FastAPI refuses them with a 400, which the
#: service words in Chinese (its own text is English).
UNPARSABLE: list[tuple[str, bytes]] = [
    ("invalid UTF-8", b'{"text": "\xff\xfe\xfd"}'),
    ("a list nested 5000 deep", b'{"text": "x", "location": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    ("an object nested 3000 deep", b'{"a":' * 3000 + b"1" + b"}" * 3000),
    ("a 5000-digit integer", b'{"text": "x", "location": {"lat": ' + b"9" * 5000 + b', "lon": 1}}'),
]


def test_malformed_chat_bodies_are_refused(http: httpx.Client, held: Held) -> None:
    json_type = "application/json"
    cases: list[tuple[str, bytes, str, int]] = [
        ("invalid JSON", '{"text": "失业金'.encode(), json_type, 422),
        ("empty body", b"", json_type, 422),
        ("a JSON list", '["失业金怎么领"]'.encode(), json_type, 422),
        ("a JSON string", '"失业金怎么领"'.encode(), json_type, 422),
        ("null", b"null", json_type, 422),
        ("text a number", b'{"text": 5}', json_type, 422),
        ("text blank", b'{"text": "   "}', json_type, 422),
        ("unknown field", '{"text": "你好", "admin": true}'.encode(), json_type, 422),
        ("text/plain", '{"text": "你好"}'.encode(), "text/plain", 422),
        ("form", "text=你好".encode(), "application/x-www-form-urlencoded", 422),
        ("XML", "<text>你好</text>".encode(), "application/xml", 422),
        (
            "a list nested 500 deep",
            b'{"text": "x", "location": ' + b"[" * 500 + b"]" * 500 + b"}",
            json_type,
            422,
        ),
        ("2001 characters", json.dumps({"text": "失" * 2001}).encode(), json_type, 422),
        ("raw control character", '{"text": "失\x00业"}'.encode(), json_type, 422),
        (
            "latitude 1e400",
            b'{"text": "x", "location": {"lat": 1e400, "lon": 113}}',
            json_type,
            422,
        ),
        ("latitude NaN", b'{"text": "x", "location": {"lat": NaN, "lon": 113}}', json_type, 422),
        (
            "latitude 2**70",
            b'{"text": "x", "location": {"lat": 1180591620717411303424, "lon": 1}}',
            json_type,
            422,
        ),
        ("region a number", b'{"text": "x", "region": 1e999}', json_type, 422),
        ("region not six digits", b'{"text": "x", "region": "41010x"}', json_type, 422),
        ("date year 99999", b'{"text": "x", "on_date": "99999-01-01"}', json_type, 422),
        ("role unknown", b'{"text": "x", "role": "root"}', json_type, 422),
        ("brain unknown", b'{"text": "x", "brain": "gpt"}', json_type, 422),
        ("user_id from the public", b'{"text": "x", "user_id": "someone"}', json_type, 403),
    ]
    for what, body, content_type, expected in cases:
        response = http.post("/v1/chat", content=body, headers={"Content-Type": content_type})
        refused(held, f"/v1/chat {what}", response, {expected})
    for what, body in UNPARSABLE:
        response = http.post("/v1/chat", content=body, headers={"Content-Type": json_type})
        refused(held, f"/v1/chat {what}", response, {400})
    normal_turn(held, http, "malformed chat bodies")


@pytest.mark.parametrize("body", [b for _, b in UNPARSABLE], ids=[w for w, _ in UNPARSABLE])
def test_unparsable_bodies_are_refused_in_chinese(http: httpx.Client, body: bytes) -> None:
    response = http.post("/v1/chat", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert _CJK.search(response.json()["error"]["message"]), response.text


def test_unparsable_bodies_are_a_4xx_everywhere(http: httpx.Client, held: Held) -> None:
    for path, headers in JSON_ENDPOINTS:
        for what, body in UNPARSABLE:
            response = http.post(
                path, content=body, headers={**headers(), "Content-Type": "application/json"}
            )
            refused(held, f"{path} {what}", response, {400})
    normal_turn(held, http, "unparsable bodies")


NUL_REQUESTS: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
    ("chat text", "/v1/chat", {"text": "失业金\u0000怎么领"}, {}),
    (
        "assist utterance",
        "/v1/assist",
        {"call_id": "c1", "utterances": [{"speaker": "caller", "text": "失业金\u0000"}]},
        bearer("agent"),
    ),
    (
        "feedback call_id",
        "/v1/assist/feedback",
        {"call_id": "c\u00001", "suggestion_id": "s1", "event": "copied"},
        bearer("agent"),
    ),
]


def _without_nul(body: Any) -> Any:
    return json.loads(json.dumps(body).replace("\\u0000", ""))


def answered_like_without_nul(held: Held, client: httpx.Client, backend: str) -> None:
    """An escaped NUL (valid JSON) is answered exactly like the same request without it,
    and the stored transcript holds the text without it (PostgreSQL text cannot hold NUL;
    the database layer drops it on every backend)."""
    for what, path, body, headers in NUL_REQUESTS:
        with_nul = client.post(path, json=body, headers=headers)
        without = client.post(path, json=_without_nul(body), headers=headers)
        held.check(
            ABUSE,
            with_nul.status_code == without.status_code and with_nul.status_code < 500,
            f"{backend} NUL in {what}: {with_nul.status_code}, without: {without.status_code}",
        )
    chat = client.post("/v1/chat", json={"text": "失业金\u0000怎么领"})
    held.check(ABUSE, chat.status_code == 200, f"{backend} NUL chat: {chat.status_code}")
    if chat.status_code == 200:
        transcript = client.get(f"/v1/sessions/{chat.json()['session_id']}").json()
        said = [m["text"] for m in transcript["messages"] if m["sender"] == "user"]
        ok = said[-1:] == ["失业金怎么领"] and not any("\x00" in text for text in said)
        held.check(ABUSE, ok, f"{backend} stored transcript: {said}")


def test_a_null_byte_is_answered_like_the_text_without_it(http: httpx.Client, held: Held) -> None:
    answered_like_without_nul(held, http, "SQLite")
    normal_turn(held, http, "a null byte")


@pytest.fixture(scope="module")
def postgres_server(
    postgres_admin: sa.Engine, tmp_path_factory: pytest.TempPathFactory, embedder: MemoEmbedder
) -> Iterator[LiveServer]:
    """The service over a fresh PostgreSQL database (skipped when none answers); no
    documents are needed for what is tried here."""
    data_dir = tmp_path_factory.mktemp("abuse-pg") / "data"
    for url in _fresh_postgres(postgres_admin):
        settings = service_settings(
            data_dir, database_url=url, default_region="410100", rate_limit_ip="100000/minute"
        )
        knowledge = make_knowledge_base(build_database(settings), data_dir, embedder)
        try:
            yield from _serve(create_app(settings, build_services(settings, knowledge)))
        finally:
            knowledge.database.dispose()


def test_a_null_byte_is_not_a_server_error_on_postgresql(
    postgres_server: LiveServer, held: Held
) -> None:
    with httpx.Client(base_url=postgres_server.url, timeout=30) as client:
        answered_like_without_nul(held, client, "PostgreSQL")
        normal_turn(held, client, "a null byte on PostgreSQL")


def test_malformed_assist_bodies_are_refused(http: httpx.Client, held: Held) -> None:
    line = {"speaker": "caller", "text": "我想问失业金"}
    cases: list[tuple[str, Any, set[int]]] = [
        ("no utterances", {"call_id": "c1", "utterances": []}, {422}),
        ("utterances an object", {"call_id": "c1", "utterances": line}, {422}),
        ("speaker unknown", {"call_id": "c1", "utterances": [{**line, "speaker": "x"}]}, {422}),
        (
            "2001 characters",
            {"call_id": "c1", "utterances": [{**line, "text": "失" * 2001}]},
            {422},
        ),
        ("201 utterances", {"call_id": "c1", "utterances": [line] * 201}, {422}),
        ("call_id 201 characters", {"call_id": "c" * 201, "utterances": [line]}, {422}),
        ("call_id a huge number", {"call_id": 10**300, "utterances": [line]}, {422}),
        ("region not six digits", {"call_id": "c1", "utterances": [line], "region": "123"}, {422}),
    ]
    for what, body, expected in cases:
        response = http.post("/v1/assist", json=body, headers=agent())
        refused(held, f"/v1/assist {what}", response, expected)
    invalid = http.post(
        "/v1/assist",
        content=b'{"call_id": ',
        headers={**agent(), "Content-Type": "application/json"},
    )
    refused(held, "/v1/assist invalid JSON", invalid, {422})
    anonymous = http.post("/v1/assist", json={"call_id": "c1", "utterances": [line]})
    refused(held, "/v1/assist without a token", anonymous, {401})
    working = http.post("/v1/assist", json={"call_id": "c1", "utterances": [line]}, headers=agent())
    held.check(AFTERWARDS, working.status_code == 200, f"assist: {working.status_code}")
    normal_turn(held, http, "malformed assist bodies")


def test_malformed_logins_are_refused(http: httpx.Client, held: Held) -> None:
    cases: list[tuple[str, bytes, str, set[int]]] = [
        ("invalid JSON", b'{"token": ', "application/json", {422}),
        ("token a number", b'{"token": 123}', "application/json", {422}),
        (
            "token 501 characters",
            json.dumps({"token": "t" * 501}).encode(),
            "application/json",
            {422},
        ),
        ("token empty", b'{"token": ""}', "application/json", {422}),
        ("token with NUL", b'{"token": "admin\\u0000"}', "application/json", {401}),
        ("token as a form", b"token=abc", "application/x-www-form-urlencoded", {422}),
        ("wrong token", b'{"token": "not-a-token"}', "application/json", {401}),
    ]
    for what, body, content_type, expected in cases:
        response = http.post("/v1/login", content=body, headers={"Content-Type": content_type})
        refused(held, f"/v1/login {what}", response, expected)
    # A client of its own, so the session cookie does not make later turns the agent's.
    with httpx.Client(base_url=str(http.base_url), timeout=30) as other:
        good = other.post("/v1/login", json={"token": PEOPLE["agent"][1]})
    held.check(AFTERWARDS, good.status_code == 200, f"login: {good.status_code} {good.text}")
    normal_turn(held, http, "malformed logins")


# WeChat callbacks ------------------------------------------------------------------------


def _signed() -> dict[str, str]:
    return signed_query(TOKEN, openid=OPENID)


def _text_xml(content: str, msg_id: int) -> str:
    return text_message_xml(from_user=OPENID, content=content, msg_id=msg_id)


def test_abusive_wechat_callbacks_are_refused(http: httpx.Client, held: Held) -> None:
    crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    padding = "失" * (WECHAT_MAX_BODY // 3 + 10)
    big = _text_xml(padding, 9001).encode()
    assert WECHAT_MAX_BODY < len(big) < MAX_BODY
    declared = http.post("/wechat/mp", params=_signed(), content=big)
    refused(held, "WeChat body past its limit", declared, {413})
    chunked = http.post("/wechat/mp", params=_signed(), content=chunks(WECHAT_MAX_BODY * 2))
    refused(held, "WeChat body chunked past its limit", chunked, {413})
    huge = http.post("/wechat/mp", params=_signed(), content=b"x" * (MAX_BODY + 1))
    refused(held, "WeChat body past the JSON limit", huge, {413})
    unsigned = http.post("/wechat/mp", params={**_signed(), "signature": "0" * 40}, content=big)
    refused(held, "a large body with a wrong signature", unsigned, {403, 413})
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        "<xml><Content>&c;</Content></xml>"
    )
    cipher = crypto.encrypt("<xml><Content>x</Content></xml>")
    timestamp, nonce = str(int(time.time())), "n1"
    secure = {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": signature(TOKEN, timestamp, nonce),
        "encrypt_type": "aes",
        "msg_signature": crypto.sign(timestamp, nonce, cipher[:-4] + "AAAA"),
    }
    malformed: list[tuple[str, dict[str, str], bytes, set[int]]] = [
        ("not XML", _signed(), "失业金怎么领".encode(), {400}),
        ("truncated XML", _signed(), _text_xml("你好", 9002).encode()[:-10], {400}),
        ("entity expansion", _signed(), bomb.encode(), {400}),
        ("invalid UTF-8", _signed(), b"<xml><Content>\xff\xfe</Content></xml>", {400}),
        ("NUL byte", _signed(), b"<xml><Content>a\x00b</Content></xml>", {400}),
        ("deep XML", _signed(), ("<a>" * 1000 + "</a>" * 1000).encode(), {400}),
        (
            "tampered cipher",
            secure,
            f"<xml><Encrypt><![CDATA[{cipher[:-4]}AAAA]]></Encrypt></xml>".encode(),
            {400},
        ),
        ("no timestamp", {"signature": "x", "nonce": "n"}, big[:200], {403}),
    ]
    for what, query, body, expected in malformed:
        response = http.post("/wechat/mp", params=query, content=body)
        refused(held, f"WeChat {what}", response, expected)
    answer = http.post("/wechat/mp", params=_signed(), content=_text_xml("失业保险金怎么领", 9003))
    passive = answer.status_code == 200 and bool(parse_xml(answer.content).get("Content"))
    held.check(AFTERWARDS, passive, f"WeChat question: {answer.status_code} {answer.text[:200]}")
    normal_turn(held, http, "abusive WeChat callbacks")
