"""The hand-off webhook against a real HTTP receiver on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from assistant.conversations import ConversationStore
from assistant.handoff import HandoffQueue, HandoffTicketRow
from assistant.models import HandoffTicket, Turn
from connectors.database import Database
from connectors.errors import DatabaseUnavailableError
from connectors.handoff_sinks import HandoffWebhook
from tests.conftest import free_port


@dataclass
class Received:
    path: str
    headers: Message
    body: bytes
    stored: bool | None  # whether the ticket's row was in the database on arrival

    @property
    def ticket_id(self) -> int:
        return int(self.headers["X-Jiuye-Ticket"])


class Receiver:
    """A webhook receiver on 127.0.0.1: records each POST, answers ``statuses`` in turn
    and then 200, after ``delay`` seconds; ``check(ticket_id)`` runs as a request arrives."""

    def __init__(
        self,
        *,
        port: int = 0,
        statuses: Sequence[int] = (),
        delay: float = 0.0,
        check: Callable[[int], bool] | None = None,
    ) -> None:
        self.statuses = list(statuses)
        self.delay = delay
        self.check = check
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ticket_id = int(self.headers["X-Jiuye-Ticket"])
                stored = None if receiver.check is None else receiver.check(ticket_id)
                with receiver._lock:
                    receiver.requests.append(Received(self.path, self.headers, body, stored))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/handoff"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def start(**options: Any) -> Receiver:
        started.append(Receiver(**options))
        return started[-1]

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def webhooks(database: Database) -> Iterator[Callable[..., HandoffWebhook]]:
    made: list[HandoffWebhook] = []

    def make(url: str, **options: Any) -> HandoffWebhook:
        options.setdefault("backoff", 0.01)
        made.append(HandoffWebhook(options.pop("database", database), url, **options))
        return made[-1]

    yield make
    for webhook in made:
        webhook.close()


def _open(
    conversations: ConversationStore, queue: HandoffQueue, user_id: str = "u1"
) -> HandoffTicket:
    state = conversations.load(
        Turn(channel="wechat", user_id=user_id, text="转人工", role="job_seeker", region="410100")
    )
    state.facts = {"age": 35, "registered_on": date(2025, 3, 1)}
    conversations.save(state, [("user", "我要找人工", None)])
    return queue.open(state, reason="user_request", summary="用户要求人工服务")


def _record(database: Database, ticket_id: int) -> tuple[datetime | None, int, str | None]:
    """The ticket's delivery record: notified_at, notify_attempts, notify_error."""
    with database.session() as session:
        row = session.get(HandoffTicketRow, ticket_id)
        assert row is not None
        return row.notified_at, row.notify_attempts, row.notify_error


def _eventually(condition: Callable[[], bool], timeout: float = 5.0) -> float:
    """Seconds until ``condition`` held; fails after ``timeout``."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not true after {timeout}s")
        time.sleep(0.01)
    return time.monotonic() - start


def _passes_until(webhook: HandoffWebhook, condition: Callable[[], bool]) -> int:
    """Runs delivery passes until ``condition`` holds; returns how many were delivered."""
    delivered = 0

    def step() -> bool:
        nonlocal delivered
        delivered += webhook.deliver_pending()
        return condition()

    _eventually(step)
    return delivered


def test_the_request_carries_the_ticket_and_a_verifiable_signature(
    database: Database,
    conversations: ConversationStore,
    queue: HandoffQueue,
    receivers: Callable[..., Receiver],
    webhooks: Callable[..., HandoffWebhook],
) -> None:
    receiver = receivers()
    webhook = webhooks(
        receiver.url, secret="s3cret", console_url="https://jiuye.example/tickets/{id}"
    )
    ticket = _open(conversations, queue)

    assert webhook.deliver_pending() == 1
    assert webhook.deliver_pending() == 0  # delivered once, never again
    (request,) = receiver.requests
    assert request.path == "/hooks/handoff"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Jiuye-Event"] == "handoff.opened"
    assert request.headers["X-Jiuye-Ticket"] == str(ticket.id)
    expected = hmac.new(b"s3cret", request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Jiuye-Signature"], f"sha256={expected}")

    payload = json.loads(request.body)
    assert payload["event"] == "handoff.opened"
    assert payload["console_url"] == f"https://jiuye.example/tickets/{ticket.id}"
    sent = payload["ticket"]
    assert datetime.fromisoformat(sent.pop("created_at")) == ticket.created_at
    assert sent == {
        "id": ticket.id,
        "session_id": "wechat:u1",
        "channel": "wechat",
        "user_id": "u1",
        "role": "job_seeker",
        "region": "410100",
        "reason": "user_request",
        "summary": "用户要求人工服务",
        "facts": {"age": 35, "registered_on": "2025-03-01"},
        "contact": "wechat:u1",
        "status": "open",
    }
    assert "我要找人工" not in request.body.decode("utf-8")  # no transcript

    notified_at, attempts, error = _record(database, ticket.id)
    assert notified_at is not None and (attempts, error) == (1, None)

    # Without a secret there is no signature, and without a template no console link.
    plain = webhooks(receiver.url)
    other = _open(conversations, queue, "u2")
    assert plain.deliver_pending() == 1
    last = receiver.requests[-1]
    assert last.ticket_id == other.id and "X-Jiuye-Signature" not in last.headers
    assert json.loads(last.body)["console_url"] is None


def test_the_ticket_is_stored_before_the_webhook_fires(
    database: Database,
    database_url: str,
    conversations: ConversationStore,
    queue: HandoffQueue,
    receivers: Callable[..., Receiver],
    webhooks: Callable[..., HandoffWebhook],
) -> None:
    observer = Database(database_url, migrate=False)  # another process looking at the table

    def stored(ticket_id: int) -> bool:
        with observer.session() as session:
            return session.get(HandoffTicketRow, ticket_id) is not None

    try:
        receiver = receivers(check=stored)
        webhook = webhooks(receiver.url, poll_interval=60)
        queue.on_open.append(webhook.notify)
        webhook.start()
        ticket = _open(conversations, queue)
        _eventually(lambda: _record(database, ticket.id)[0] is not None)
        (request,) = receiver.requests
        assert request.ticket_id == ticket.id and request.stored is True
    finally:
        observer.dispose()


def test_notify_wakes_the_worker_at_once(
    database: Database,
    conversations: ConversationStore,
    queue: HandoffQueue,
    receivers: Callable[..., Receiver],
    webhooks: Callable[..., HandoffWebhook],
) -> None:
    receiver = receivers()
    webhook = webhooks(receiver.url, poll_interval=60)
    first = _open(conversations, queue, "u0")
    webhook.start()  # its first pass delivers what is pending, then it sleeps
    _eventually(lambda: _record(database, first.id)[0] is not None)
    ticket = _open(conversations, queue)  # no listener: the worker sleeps on
    time.sleep(0.3)
    assert [r.ticket_id for r in receiver.requests] == [first.id]
    assert _record(database, ticket.id)[0] is None

    webhook.notify(ticket)
    assert _eventually(lambda: _record(database, ticket.id)[0] is not None) < 2

    queue.on_open.append(webhook.notify)
    for user in ("u2", "u3"):
        later = _open(conversations, queue, user)
        assert _eventually(lambda: _record(database, later.id)[0] is not None) < 2  # noqa: B023
    assert [r.ticket_id for r in receiver.requests][:2] == [first.id, ticket.id]
    assert len(receiver.requests) == 4


def test_server_errors_are_retried_until_delivered_once(
    database: Database,
    conversations: ConversationStore,
    queue: HandoffQueue,
    receivers: Callable[..., Receiver],
    webhooks: Callable[..., HandoffWebhook],
) -> None:
    receiver = receivers(statuses=[500, 503])
    webhook = webhooks(receiver.url)
    ticket = _open(conversations, queue)

    assert webhook.deliver_pending() == 0
    assert _record(database, ticket.id) == (None, 1, "HTTP 500")
    _passes_until(webhook, lambda: _record(database, ticket.id)[1] == 2)
    assert _record(database, ticket.id) == (None, 2, "HTTP 503")
    assert _passes_until(webhook, lambda: _record(database, ticket.id)[0] is not None) == 1

    notified_at, attempts, error = _record(database, ticket.id)
    assert notified_at is not None and (attempts, error) == (3, None)
    time.sleep(0.05)
    assert webhook.deliver_pending() == 0
    assert [r.ticket_id for r in receiver.requests] == [ticket.id] * 3
    assert len({r.body for r in receiver.requests}) == 1


def test_the_worker_retries_when_the_backoff_is_due_not_at_the_next_poll(
    database: Database,
    conversations: ConversationStore,
    queue: HandoffQueue,
    receivers: Callable[..., Receiver],
    webhooks: Callable[..., HandoffWebhook],
) -> None:
    receiver = receivers(statuses=[500])
    webhook = webhooks(receiver.url, backoff=0.3, poll_interval=60)
    queue.on_open.append(webhook.notify)
    webhook.start()
    ticket = _open(conversations, queue)
    _eventually(lambda: _record(database, ticket.id)[0] is not None)
    assert [r.ticket_id for r in receiver.requests] == [ticket.id, ticket.id]
    assert _record(database, ticket.id)[1:] == (2, None)


def test_a_receiver_that_is_down_gets_the_ticket_when_it_comes_back(
    database: Database,
    conversations: ConversationStore,
    queue: HandoffQueue,
    receivers: Callable[..., Receiver],
    webhooks: Callable[..., HandoffWebhook],
) -> None:
    port = free_port()  # nobody listens: connections are refused
    webhook = webhooks(f"http://127.0.0.1:{port}/hooks/handoff")
    ticket = _open(conversations, queue)
    assert webhook.deliver_pending() == 0
    _passes_until(webhook, lambda: _record(database, ticket.id)[1] == 2)
    notified_at, _, error = _record(database, ticket.id)
    assert notified_at is None and error is not None and error.startswith("连接失败")

    receiver = receivers(port=port)
    assert _passes_until(webhook, lambda: _record(database, ticket.id)[0] is not None) == 1
    assert [r.ticket_id for r in receiver.requests] == [ticket.id]
    assert _record(database, ticket.id)[1:] == (3, None)


def test_a_timeout_is_retried_and_the_ticket_header_lets_the_receiver_deduplicate(
    database: Database,
    conversations: ConversationStore,
    queue: HandoffQueue,
    receivers: Callable[..., Receiver],
    webhooks: Callable[..., HandoffWebhook],
) -> None:
    receiver = receivers(delay=0.5)
    webhook = webhooks(receiver.url, timeout=0.1)
    ticket = _open(conversations, queue)
    assert webhook.deliver_pending() == 0
    assert _record(database, ticket.id) == (None, 1, "请求超时")

    receiver.delay = 0.0
    assert _passes_until(webhook, lambda: _record(database, ticket.id)[0] is not None) == 1
    # The receiver saw the ticket twice (it got the first request, too late); the
    # X-Jiuye-Ticket header is how it tells.
    assert [r.ticket_id for r in receiver.requests] == [ticket.id, ticket.id]


def test_it_gives_up_after_max_attempts_and_keeps_the_error(
    database: Database,
    database_url: str,
    conversations: ConversationStore,
    queue: HandoffQueue,
    receivers: Callable[..., Receiver],
    webhooks: Callable[..., HandoffWebhook],
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver = receivers(statuses=[502] * 10)
    webhook = webhooks(receiver.url, max_attempts=3)
    ticket = _open(conversations, queue)
    with caplog.at_level(logging.WARNING, logger="jiuye.handoff"):
        _passes_until(webhook, lambda: _record(database, ticket.id)[1] == 3)
        time.sleep(0.05)
        assert webhook.deliver_pending() == 0
    assert _record(database, ticket.id) == (None, 3, "HTTP 502")
    assert len(receiver.requests) == 3
    gave_up = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(gave_up) == 1 and "gave up" in gave_up[0].getMessage()
    assert str(ticket.id) in gave_up[0].getMessage()

    # A restart does not start over: the attempts are on the ticket.
    restarted = Database(database_url, migrate=False)
    try:
        assert webhooks(receiver.url, max_attempts=3, database=restarted).deliver_pending() == 0
    finally:
        restarted.dispose()
    assert len(receiver.requests) == 3


def test_a_restarted_notifier_delivers_what_was_left(
    database: Database,
    database_url: str,
    conversations: ConversationStore,
    queue: HandoffQueue,
    receivers: Callable[..., Receiver],
    webhooks: Callable[..., HandoffWebhook],
) -> None:
    receiver = receivers(statuses=[500])
    before = webhooks(receiver.url, backoff=100)  # the next attempt would be far away
    queue.on_open.append(before.notify)
    failed = _open(conversations, queue)
    assert before.deliver_pending() == 0
    assert before.deliver_pending() == 0  # not due yet
    assert len(receiver.requests) == 1
    before.close()  # the process ends
    queue.on_open.clear()
    unsent = _open(conversations, queue, "u2")  # opened while no notifier was running

    restarted = Database(database_url, migrate=False)
    after = webhooks(receiver.url, backoff=100, database=restarted)
    try:
        after.start()
        for ticket in (failed, unsent):
            _eventually(lambda: _record(database, ticket.id)[0] is not None)  # noqa: B023
    finally:
        after.stop()
        restarted.dispose()
    assert [r.ticket_id for r in receiver.requests] == [failed.id, failed.id, unsent.id]
    assert _record(database, failed.id)[1:] == (2, None)
    assert _record(database, unsent.id)[1:] == (1, None)


def test_closed_tickets_are_not_announced_and_claimed_ones_say_so(
    database: Database,
    conversations: ConversationStore,
    queue: HandoffQueue,
    receivers: Callable[..., Receiver],
    webhooks: Callable[..., HandoffWebhook],
) -> None:
    receiver = receivers()
    webhook = webhooks(receiver.url)
    closed = _open(conversations, queue, "u1")
    queue.claim(closed.id, "张三")
    queue.close(closed.id, "张三")
    claimed = _open(conversations, queue, "u2")
    queue.claim(claimed.id, "李四")

    assert webhook.deliver_pending() == 1
    (request,) = receiver.requests
    assert request.ticket_id == claimed.id
    assert json.loads(request.body)["ticket"]["status"] == "claimed"
    assert _record(database, closed.id) == (None, 0, None)


def test_the_worker_survives_a_failing_pass(
    database: Database,
    conversations: ConversationStore,
    queue: HandoffQueue,
    receivers: Callable[..., Receiver],
    webhooks: Callable[..., HandoffWebhook],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver = receivers()
    webhook = webhooks(receiver.url, poll_interval=0.05)
    real_pass = webhook.deliver_pending
    calls = 0

    def flaky_pass() -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise DatabaseUnavailableError("数据库无法连接")
        return real_pass()

    monkeypatch.setattr(webhook, "deliver_pending", flaky_pass)
    ticket = _open(conversations, queue)
    with caplog.at_level(logging.ERROR, logger="jiuye.handoff"):
        webhook.start()
        _eventually(lambda: _record(database, ticket.id)[0] is not None)
    assert calls >= 2 and len(receiver.requests) == 1
    assert any("pass failed" in r.getMessage() for r in caplog.records)


def test_notify_never_raises_and_bad_settings_are_refused(
    database: Database, conversations: ConversationStore, queue: HandoffQueue
) -> None:
    webhook = HandoffWebhook(database, "http://127.0.0.1:9/hooks")
    try:
        webhook.notify(_open(conversations, queue))  # not started: nothing happens
        webhook.stop()  # stopping a worker that never started is harmless
    finally:
        webhook.close()
    refused: list[tuple[str, dict[str, Any]]] = [
        ("ftp://example.org/hook", {}),
        ("not a url", {}),
        ("http://127.0.0.1/hook", {"max_attempts": 0}),
        ("http://127.0.0.1/hook", {"backoff": 0}),
        ("http://127.0.0.1/hook", {"console_url": "https://x/{ticket}"}),
    ]
    for url, options in refused:
        with pytest.raises(ValueError):
            HandoffWebhook(database, url, **options)
