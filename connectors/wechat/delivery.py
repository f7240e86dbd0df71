"""Sends the WeChat outbox through the customer-service message API.

A pass takes the pending messages oldest first. A user's messages keep their order: when
one fails, that user's later messages wait for the next pass. A failure is retried after
``backoff ** attempts`` seconds, up to ``max_attempts``; WeChat's "48-hour window closed"
answer holds the message until the user writes again (see :mod:`connectors.wechat.store`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from connectors.outbox import OutboxWorker
from connectors.wechat.api import WINDOW_CLOSED, WeChatAPI
from connectors.wechat.errors import WeChatAPIError
from connectors.wechat.store import WeChatStore

__all__ = ["CustomerServiceDelivery"]

log = logging.getLogger("jiuye.wechat")

_PURGE_INTERVAL = 3600.0  # seconds between purges of old deliveries


class CustomerServiceDelivery(OutboxWorker):
    """Delivers ``wechat_outbox`` with the API of each channel (``wechat``, ``wecom``)."""

    name = "wechat-delivery"

    def __init__(
        self,
        store: WeChatStore,
        apis: Mapping[str, WeChatAPI],
        *,
        max_attempts: int = 6,
        backoff: float = 2.0,
        poll_interval: float = 10.0,
    ) -> None:
        super().__init__(poll_interval=poll_interval, log=log)
        if max_attempts < 1 or backoff <= 0:
            raise ValueError("最大尝试次数至少为 1，退避基数必须大于 0")
        self.store = store
        self.apis = dict(apis)
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._next_purge = 0.0  # monotonic time of the next purge of old deliveries

    def deliver_pending(self) -> int:
        """Sends what is due; returns how many messages WeChat accepted. About once an
        hour it also forgets deliveries older than a week (see ``WeChatStore.purge``)."""
        with self._pass_lock:
            if time.monotonic() >= self._next_purge:
                self._next_purge = time.monotonic() + _PURGE_INTERVAL
                removed = self.store.purge()
                if removed:
                    log.info("wechat: forgot %s deliveries older than a week", removed)
            messages = self.store.pending()
            for stale in set(self._due) - {m.id for m in messages}:
                del self._due[stale]
            blocked: set[tuple[str, str]] = set()
            sent = 0
            for message in messages:
                if self.stopping:
                    break
                user = (message.channel, message.user_id)
                due = self._due.get(message.id)
                if user in blocked or (due is not None and due > time.monotonic()):
                    blocked.add(user)
                    continue
                if self._send(
                    message.id, message.channel, message.user_id, message.text, message.attempts
                ):
                    sent += 1
                else:
                    blocked.add(user)
            return sent

    def close(self) -> None:
        self.stop()
        for api in self.apis.values():
            api.close()

    def _send(self, message_id: int, channel: str, user_id: str, text: str, attempts: int) -> bool:
        api = self.apis.get(channel)
        if api is None:
            self.store.outcome(message_id, error=f"没有配置 {channel} 的接口", final=True)
            return False
        if not self.store.lease(message_id):
            return False  # another worker is sending it: this user's later messages wait
        try:
            api.send_text(user_id, text)
        except WeChatAPIError as exc:
            if exc.errcode in WINDOW_CLOSED:
                self.store.hold(message_id, str(exc))
                log.info("wechat message %s held: the 48-hour window is closed", message_id)
                return False
            final = attempts + 1 >= self.max_attempts
            self.store.outcome(message_id, error=str(exc), final=final)
            if final:
                self._due.pop(message_id, None)
                log.error(
                    "wechat message %s given up after %s attempts: %s",
                    message_id,
                    attempts + 1,
                    exc,
                )
            else:
                self._due[message_id] = time.monotonic() + self.backoff ** (attempts + 1)
                log.warning(
                    "wechat message %s: attempt %s failed (%s); retrying",
                    message_id,
                    attempts + 1,
                    exc,
                )
            return False
        self.store.outcome(message_id, error=None)
        self._due.pop(message_id, None)
        return True
