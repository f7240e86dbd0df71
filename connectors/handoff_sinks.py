"""The hand-off webhook: tells an outside system (a WeCom bot, a CRM) that a ticket opened.

The ticket is committed before anyone is told, and the delivery record lives on the ticket
row (``notified_at``, ``notify_attempts``, ``notify_error``), so the tickets table is the
outbox: a webhook that is down, or a server that restarts, delays a notification but never
loses it. :meth:`HandoffWebhook.notify` is the queue's ``on_open`` listener; it only wakes a
worker thread, which posts every undelivered ticket, retrying with exponential backoff.

The request::

    POST <url>
    Content-Type: application/json
    X-Jiuye-Event: handoff.opened
    X-Jiuye-Ticket: 42                      the idempotency key (see below)
    X-Jiuye-Signature: sha256=<hex>         only with a secret: HMAC-SHA256 of the raw body

    {"event": "handoff.opened",
     "ticket": {"id": 42, "session_id": "wechat:o6_bm", "channel": "wechat",
                "user_id": "o6_bm", "role": "job_seeker", "region": "410100",
                "reason": "user_request", "summary": "…", "facts": {"age": 35},
                "contact": "wechat:o6_bm", "status": "open",
                "created_at": "2026-11-22T08:00:00Z"},
     "console_url": "https://…/tickets/42" or null}

The ticket is as it stands when posted (a late delivery may say ``claimed``). The transcript
is left out: it is long and holds the user's own words; the caseworker reads it in the
console, which ``console_url`` links to when a template is configured. Dates inside
``facts`` are ISO 8601 strings.

Delivery: every POST counts in ``notify_attempts``; any 2xx sets ``notified_at`` (and clears
``notify_error``). Anything else (another status, a timeout, a refused connection) keeps a
short reason in ``notify_error`` and retries ``backoff ** attempts`` seconds after that
attempt; after ``max_attempts`` the ticket is given up and logged as an error on
``jiuye.handoff``. Retry times are kept in memory, so
after a restart a pending ticket is simply due at once. Closed tickets are not posted: the
hand-off is over, so "opened" would only mislead.

At least once, not exactly once: two server processes may rarely post the same ticket
twice, and a receiver that timed out after accepting will see it again. Receivers
deduplicate on ``X-Jiuye-Ticket``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import httpx
import sqlalchemy as sa

from assistant.handoff import HandoffTicketRow
from connectors.database.engine import Database
from connectors.outbox import OutboxWorker

__all__ = ["HandoffWebhook"]

EVENT_OPENED = "handoff.opened"
USER_AGENT = "jiuye-handoff-webhook/0.1"
#: The ticket fields a receiver gets (everything but the transcript and the claim).
PAYLOAD_FIELDS = frozenset(
    {
        "id",
        "session_id",
        "channel",
        "user_id",
        "role",
        "region",
        "reason",
        "summary",
        "facts",
        "contact",
        "status",
        "created_at",
    }
)
_ERROR_LIMIT = 500  # characters of notify_error

log = logging.getLogger("jiuye.handoff")


def _now() -> datetime:
    return datetime.now(UTC)


class HandoffWebhook(OutboxWorker):
    """Posts each newly opened hand-off ticket to ``url`` until it is accepted.

    ``console_url`` is an optional template such as ``https://jiuye.example/tickets/{id}``.
    ``transport`` replaces httpx's network transport (tests only). :meth:`notify` is the
    queue's ``on_open`` listener: it only wakes the worker (the ticket is read back from the
    database, so nothing can be lost); without :meth:`start`, nothing is posted until
    :meth:`deliver_pending` runs.
    """

    name = "handoff-webhook"

    def __init__(
        self,
        database: Database,
        url: str,
        *,
        secret: str | None = None,
        console_url: str | None = None,
        timeout: float = 5.0,
        max_attempts: int = 8,
        backoff: float = 2.0,
        poll_interval: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
            raise ValueError(f"转人工通知地址必须是 http(s) 网址：{url}")
        if max_attempts < 1:
            raise ValueError("最大尝试次数至少为 1")
        if timeout <= 0 or backoff <= 0:
            raise ValueError("超时和退避基数必须大于 0")
        if console_url is not None:
            try:
                console_url.format(id=0)
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"工作台地址模板只能含有 {{id}}：{console_url}") from exc
        super().__init__(poll_interval=poll_interval, log=log)
        self.database = database
        self.url = url
        self.secret = secret
        self.console_url = console_url
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._client = httpx.Client(
            timeout=timeout, transport=transport, headers={"User-Agent": USER_AGENT}
        )

    # the listener and the outbox pass ----------------------------------------------------

    def deliver_pending(self) -> int:
        """Posts every undelivered ticket that is due; returns how many were accepted.

        Webhook failures are recorded on the tickets, never raised; a database failure
        raises :class:`~connectors.errors.DatabaseError` and is retried on the next pass.
        """
        with self._pass_lock:
            rows = self._pending()
            pending = {row.id for row in rows}
            for ticket_id in set(self._due) - pending:  # delivered elsewhere, closed, ...
                del self._due[ticket_id]
            delivered = 0
            for row in rows:
                if self.stopping:
                    break  # stop() ends the worker between tickets, not after the backlog
                due = self._due.get(row.id)
                if due is not None and due > time.monotonic():
                    continue
                if self._deliver(row):
                    delivered += 1
            return delivered

    def close(self) -> None:
        """Stops the worker and releases the HTTP connections."""
        self.stop()
        self._client.close()

    # one ticket --------------------------------------------------------------------------

    def _pending(self) -> list[HandoffTicketRow]:
        query = (
            sa.select(HandoffTicketRow)
            .where(
                HandoffTicketRow.notified_at.is_(None),
                HandoffTicketRow.notify_attempts < self.max_attempts,
                HandoffTicketRow.status != "closed",
            )
            .order_by(HandoffTicketRow.id)
        )
        with self.database.session() as session:
            return list(session.scalars(query))

    def _deliver(self, row: HandoffTicketRow) -> bool:
        """One POST, its outcome written to the ticket row; True if it was accepted."""
        body = self._body(row)
        error = self._post(row.id, body)
        attempts = row.notify_attempts + 1
        values: dict[str, Any] = {"notify_attempts": HandoffTicketRow.notify_attempts + 1}
        if error is None:
            values.update(notified_at=_now(), notify_error=None)
        else:
            values["notify_error"] = error[:_ERROR_LIMIT]
        with self.database.session() as session:
            session.execute(
                sa.update(HandoffTicketRow)
                .where(HandoffTicketRow.id == row.id, HandoffTicketRow.notified_at.is_(None))
                .values(**values)
            )
        if error is None:
            self._due.pop(row.id, None)
            log.info("hand-off ticket %s posted to the webhook", row.id)
            return True
        if attempts >= self.max_attempts:
            self._due.pop(row.id, None)
            log.error(
                "hand-off ticket %s: webhook gave up after %s attempts: %s",
                row.id,
                attempts,
                error,
            )
        else:
            self._due[row.id] = time.monotonic() + self.backoff**attempts
            log.warning(
                "hand-off ticket %s: webhook attempt %s failed (%s); retrying",
                row.id,
                attempts,
                error,
            )
        return False

    def _body(self, row: HandoffTicketRow) -> bytes:
        ticket = row.to_ticket([]).model_dump(mode="json", include=set(PAYLOAD_FIELDS))
        console = None if self.console_url is None else self.console_url.format(id=row.id)
        payload = {"event": EVENT_OPENED, "ticket": ticket, "console_url": console}
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def _post(self, ticket_id: int, body: bytes) -> str | None:
        """None when the receiver accepted ``body``, else why not (short, for the ticket)."""
        headers = {
            "Content-Type": "application/json",
            "X-Jiuye-Event": EVENT_OPENED,
            "X-Jiuye-Ticket": str(ticket_id),
        }
        if self.secret is not None:
            digest = hmac.new(self.secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
            headers["X-Jiuye-Signature"] = f"sha256={digest}"
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return "请求超时"
        except httpx.TransportError as exc:
            return f"连接失败：{type(exc).__name__} {exc}".strip()
        except httpx.HTTPError as exc:
            return f"请求失败：{type(exc).__name__} {exc}".strip()
        if response.is_success:
            return None
        return f"HTTP {response.status_code}"
