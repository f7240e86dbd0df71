"""Dependencies failing: the service keeps answering.

- the LLM endpoint down, slow or answering garbage → the offline brain's answer;
- the Chroma server killed, or down when the service starts → policy answers from BM25
  alone, one logged warning, ``/readyz`` "degraded", dense search back once Chroma is;
- the vacancy feed down or broken → the last good vacancies are still searched.

Every outside service here is real except the LLM (the scripted OpenAI-compatible server):
a real ``chroma run`` server on 127.0.0.1, a real HTTP feed server, the app's HTTP stack.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

import connectors.vectorstore
from assistant.runtime import build_database
from assistant.server.app import create_app
from assistant.server.services import build_services
from connectors.vacancies.demo import DEFAULT_SOURCE
from connectors.vacancies.samples import SAMPLE_FEED
from connectors.vacancies.store import VacancyStore
from connectors.vectorstore import VectorStore
from knowledge.policies.knowledge_base import KnowledgeBase, collection_name
from tests.assistant.openai_stub import OpenAIStub, delay, garbage, status
from tests.assistant.openai_stub import openai_stub as openai_stub  # fixture
from tests.conftest import MemoEmbedder, free_port
from tests.faults.conftest import Held
from tests.server.conftest import AppFactory, bearer, service_settings
from tests.server.conftest import make_client as make_client  # fixture

pytestmark = pytest.mark.slow

#: First questions of each kind a user asks; each is answered without the LLM as well.
QUESTIONS = [
    "失业保险金怎么领",
    "领失业金期间医保怎么办",
    "就业困难人员认定条件",
    "我能领失业金吗",
    "郑州有焊工岗位吗",
    "最近的就业服务站在哪",
]
POLICY_QUESTIONS = [
    "失业保险金怎么领",
    "领失业金期间医保怎么办",
    "就业困难人员认定条件",
    "失业登记需要什么材料",
    "社会保险法第四十六条怎么规定的",
    "灵活就业人员社保补贴标准",
]


def _chat(client: TestClient, text: str, user: str, **extra: Any) -> dict[str, Any]:
    """One turn as ``user`` (naming the user takes a token: the hotline system's)."""
    body = {"text": text, "user_id": user, **extra}
    response = client.post("/v1/chat", json=body, headers=bearer("agent"))
    assert response.status_code == 200, response.text
    return dict(response.json())


# -- the LLM endpoint ----------------------------------------------------------------------

LLM_FAILURES: dict[str, Callable[[], Any]] = {
    "slow": lambda: delay(5),
    "http 500": lambda: status(500),
    "http 429": lambda: status(429, "Rate limit reached"),
    "truncated json": lambda: garbage(),
    "html": lambda: garbage(b"<html><body>502 Bad Gateway</body></html>", "text/html"),
    "no choices": lambda: garbage(b'{"id": "x", "object": "chat.completion"}'),
}


def test_llm_down_slow_or_garbage_gives_the_offline_answer(
    make_client: AppFactory, openai_stub: OpenAIStub, held: Held
) -> None:
    llm = {"llm_model": "stub", "llm_api_key": "x", "llm_timeout": 0.5}
    client = make_client(llm_base_url=openai_stub.url, **llm)
    # What the offline brain answers to each question (its own user, asked for directly).
    offline = {
        q: _chat(client, q, f"offline-{i}", brain="offline") for i, q in enumerate(QUESTIONS)
    }
    for failure, step in LLM_FAILURES.items():
        openai_stub.script([step() for _ in QUESTIONS])
        for i, question in enumerate(QUESTIONS):
            reply = _chat(client, question, f"{failure}-{i}")
            same = reply["text"] == offline[question]["text"]
            held.check(
                "LLM failing → offline answer",
                reply["brain"] == "offline"
                and any(f.startswith("llm_fallback:") for f in reply["flags"])
                and same,
                f"{failure}: {question!r} → brain {reply['brain']}, flags {reply['flags']}, "
                f"same text as offline: {same}",
            )
    nowhere = make_client(llm_base_url=f"http://127.0.0.1:{free_port()}/v1", **llm)
    for i, question in enumerate(QUESTIONS):
        reply = _chat(nowhere, question, f"down-{i}")
        held.check(
            "LLM failing → offline answer",
            reply["brain"] == "offline"
            and "llm_fallback:connection" in reply["flags"]
            and reply["text"] == offline[question]["text"],
            f"endpoint down: {question!r} → {reply['brain']} {reply['flags']}",
        )


# -- the Chroma server ---------------------------------------------------------------------


class ChromaServer:
    """``chroma run`` on 127.0.0.1 over a persisted folder; killed with SIGKILL."""

    def __init__(self, path: Path, port: int) -> None:
        self.path = path
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        chroma = Path(sys.executable).with_name("chroma")
        command = [str(chroma), "run", "--path", str(self.path)]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self._process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("chroma run did not start")

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(10)
            self._process = None


@pytest.fixture
def chroma_data(sample_data_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the samples; their vectors are served by a Chroma server."""
    data_dir = tmp_path / "data"
    shutil.copytree(sample_data_dir, data_dir)
    return data_dir


@pytest.fixture
def chroma_server(chroma_data: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(chroma_data / "chroma", free_port())
    yield server
    server.kill()


@pytest.fixture
def fast_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connectors.vectorstore, "_RECONNECT_SECONDS", 0.2)


def _service_over_chroma(
    data_dir: Path, server: ChromaServer, embedder: MemoEmbedder
) -> TestClient:
    settings = service_settings(data_dir, chroma_url=server.url)
    database = build_database(settings)
    vectors = VectorStore(collection_name(embedder.name), url=server.url)
    services = build_services(settings, KnowledgeBase(database, vectors, embedder))
    client = TestClient(create_app(settings, services), base_url="http://127.0.0.1")
    client.__enter__()
    return client


def _close(client: TestClient) -> None:
    client.__exit__(None, None, None)
    client.app.state.services.knowledge.database.dispose()  # type: ignore[attr-defined]


def _warnings(caplog: pytest.LogCaptureFixture, words: str) -> int:
    return sum(
        1 for r in caplog.records if r.levelno == logging.WARNING and words in r.getMessage()
    )


def _cited(reply: dict[str, Any]) -> list[str]:
    return [c["doc_id"] for c in reply["citations"]]


def test_chroma_killed_gives_lexical_answers_with_one_warning_then_recovers(
    chroma_data: Path,
    chroma_server: ChromaServer,
    embedder: MemoEmbedder,
    caplog: pytest.LogCaptureFixture,
    held: Held,
) -> None:
    chroma_server.start()
    client = _service_over_chroma(chroma_data, chroma_server, embedder)
    try:
        retriever = client.app.state.services.knowledge.retriever  # type: ignore[attr-defined]
        assert client.get("/readyz").json()["status"] == "ready"
        hybrid = {q: _chat(client, q, f"up-{i}") for i, q in enumerate(POLICY_QUESTIONS)}
        assert all(_cited(r) for r in hybrid.values())

        chroma_server.kill()
        caplog.set_level(logging.WARNING, logger="jiuye")
        for i, question in enumerate(POLICY_QUESTIONS):
            reply = _chat(client, question, f"down-{i}")
            lexical = {c.doc_id for c in retriever.search(question, mode="lexical", k=5)}
            held.check(
                "Chroma down → lexical-only answers",
                bool(_cited(reply)) and set(_cited(reply)) <= lexical,
                f"{question!r}: cited {_cited(reply)}, BM25 alone finds {sorted(lexical)}",
            )
        assert retriever.dense_unavailable
        assert _warnings(caplog, "dense search unavailable") == 1  # once per outage
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["vectors"].startswith("error")

        chroma_server.start()
        reply = _chat(client, POLICY_QUESTIONS[0], "back-0")
        assert _cited(reply) and not retriever.dense_unavailable
        assert _warnings(caplog, "dense search available again") == 1
        assert client.get("/readyz").json()["status"] == "ready"
    finally:
        _close(client)


def test_a_service_started_while_chroma_is_down_answers_and_reconnects(
    chroma_data: Path,
    chroma_server: ChromaServer,
    embedder: MemoEmbedder,
    fast_reconnect: None,
    caplog: pytest.LogCaptureFixture,
    held: Held,
) -> None:
    caplog.set_level(logging.WARNING, logger="jiuye")
    client = _service_over_chroma(chroma_data, chroma_server, embedder)  # nothing listens
    try:
        assert _warnings(caplog, "Chroma server unavailable at start") == 1
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        for i, question in enumerate(POLICY_QUESTIONS):
            reply = _chat(client, question, f"cold-{i}")
            held.check(
                "Chroma down at start → lexical-only answers",
                bool(_cited(reply)) and "出错" not in reply["text"],
                f"{question!r}: {reply['text'][:80]}",
            )
        chroma_server.start()
        time.sleep(0.3)  # past the reconnect pause
        assert client.get("/readyz").json()["status"] == "ready"
        knowledge = client.app.state.services.knowledge  # type: ignore[attr-defined]
        assert knowledge.vectors.count() > 0
        assert _warnings(caplog, "answers again") == 1
    finally:
        _close(client)


# -- the vacancy feed ----------------------------------------------------------------------


def _found(reply: dict[str, Any]) -> list[Any]:
    """The vacancy searches of a reply and what they found."""
    return [
        (call["arguments"], call["result"])
        for call in reply["tool_calls"]
        if call["name"] == "search_vacancies"
    ]


class FeedServer:
    """Serves the sample vacancy feed on 127.0.0.1 — or fails the way feeds fail."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.body = SAMPLE_FEED.read_bytes()
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body, kind = feed.answer()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/jobs.jsonl"

    def answer(self) -> tuple[int, bytes, str]:
        if self.mode == "500":
            return 500, b"internal error", "text/plain"
        if self.mode == "html":
            return 200, "<html><body>系统维护中</body></html>".encode(), "text/html"
        if self.mode == "truncated":
            return 200, self.body[: len(self.body) // 3], "application/x-ndjson"
        if self.mode == "empty":
            return 200, b"", "application/x-ndjson"
        return 200, self.body, "application/x-ndjson"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_a_feed_that_is_down_or_broken_keeps_the_last_good_vacancies(
    make_client: AppFactory, tmp_path: Path, held: Held
) -> None:
    feed = FeedServer()
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        f"feeds:\n  - location: {feed.url}\n    source: {DEFAULT_SOURCE}\n    region: '410100'\n",
        encoding="utf-8",
    )
    client = make_client(vacancy_feeds=feeds)
    admin = bearer("admin")
    try:
        first = client.post("/v1/admin/vacancies/sync", headers=admin).json()
        assert [o["status"] for o in first] in (["updated"], ["unchanged"])
        database = client.app.state.services.knowledge.database  # type: ignore[attr-defined]
        good = set(VacancyStore(database).known(DEFAULT_SOURCE))
        assert good
        searches = ["郑州有焊工岗位吗", "金水区有没有厨师的工作", "找个兼职"]
        before = {q: _found(_chat(client, q, f"before-{i}")) for i, q in enumerate(searches)}

        # What the administrator is told, besides "nothing changed in the store".
        told = {"500": "HTTP 500", "html": "", "truncated": "可能被截断", "empty": "为防误删"}
        told["down"] = "无法访问"
        for mode, words in told.items():
            feed.mode = mode
            if mode == "down":
                feed.stop()
            outcome = client.post("/v1/admin/vacancies/sync", headers=admin).json()[0]
            kept = set(VacancyStore(database).known(DEFAULT_SOURCE)) == good
            said = " ".join([outcome["summary"], *outcome["notes"]])
            held.check(
                "vacancy feed down → last good data",
                kept and words in said,
                f"{mode}: {outcome}, store kept: {kept}",
            )
            for i, question in enumerate(searches):
                after = _found(_chat(client, question, f"{mode}-{i}"))
                held.check(
                    "vacancy feed down → last good data",
                    after == before[question],
                    f"{mode}: {question!r} found something else",
                )
    finally:
        if feed.mode != "down":
            feed.stop()
