"""The WeChat channel: a callback request in, a passive reply (or ``success``) out.

One :class:`WeChatAccount` is an Official Account (channel ``wechat``, path ``/wechat/mp``)
or a WeCom app (channel ``wecom``, path ``/wechat/work``). For each POST the account checks
the signature and the timestamp, decrypts in safe mode, parses the XML safely and turns the
message into a :class:`~assistant.models.Turn`.

The 5-second rule: WeChat drops an answer that takes longer than 5 s and delivers the
message again, up to three times. The first delivery of a message owns it (see
:class:`~connectors.wechat.store.WeChatStore`) and runs the turn in a worker thread. When
the reply is ready within ``reply_budget`` seconds it goes back passively (the first part;
longer replies send their other parts through the customer-service API); otherwise the
request answers ``success`` at once and the reply, when ready, goes into the outbox. The
budget runs from the callback's arrival, and the whole request is bounded: when the store
itself is slow (a busy SQLite) the request answers ``success`` at ``reply_budget`` plus
:data:`SETTLE_MARGIN` seconds and whatever it was going to say passively goes to the
outbox instead. A redelivery of a message never runs it again: it repeats the stored
passive reply, or answers ``success`` while the owner is still working or has deferred.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

from assistant.models import Reply, Turn
from assistant.prompts import reply as fixed_reply
from connectors.wechat.crypto import MessageCrypto, check_timestamp, verify_signature
from connectors.wechat.delivery import CustomerServiceDelivery
from connectors.wechat.errors import BodyTooLargeError, DecryptError
from connectors.wechat.formatting import format_reply, split_message
from connectors.wechat.messages import InboundMessage, parse_xml, text_reply_xml
from connectors.wechat.store import WeChatStore

__all__ = [
    "MENU_FILE",
    "SUCCESS",
    "WeChatAccount",
    "WeChatChannel",
    "WeChatChannelName",
    "menu",
]

log = logging.getLogger("jiuye.wechat")

SUCCESS = "success"  # tells WeChat the message was received and no passive reply follows
MENU_FILE = Path(__file__).with_name("menu.yaml")
WeChatChannelName = Literal["wechat", "wecom"]
_MAX_TEXT = 2000  # characters of a message taken into a turn


@lru_cache(maxsize=1)
def menu() -> dict[str, dict[str, str]]:
    """The menu buttons by EventKey (``menu.yaml``)."""
    data = yaml.safe_load(MENU_FILE.read_text(encoding="utf-8")) or {}
    return {str(key): dict(value) for key, value in data.items()}


@dataclass(frozen=True)
class WeChatAccount:
    """One account's callback settings.

    ``crypto`` is required for WeCom (always encrypted) and for an Official Account in
    compatible or safe mode; ``receive_id`` is the AppID or the CorpID.
    """

    channel: WeChatChannelName
    token: str
    receive_id: str
    crypto: MessageCrypto | None = None

    @property
    def always_encrypted(self) -> bool:
        return self.channel == "wecom"


#: Seconds past the reply budget a request may spend recording its answer before it
#: answers ``success`` and sends that answer through the outbox (WeChat waits 5 s).
SETTLE_MARGIN = 0.5


@dataclass
class _Job:
    """One message's answer, shared by the request (which may stop waiting), its answering
    task and the worker running the turn."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    parts: list[str] | None = None
    deferred: bool = False  # the worker queues the turn's reply for the outbox
    late: bool = False  # the request has answered ``success``: nothing goes back passively


class WeChatChannel:
    """Answers the callbacks of the configured accounts with the assistant."""

    def __init__(
        self,
        accounts: Mapping[WeChatChannelName, WeChatAccount],
        *,
        store: WeChatStore,
        delivery: CustomerServiceDelivery,
        respond: Callable[[Turn], Reply],
        reply_budget: float = 4.0,
        replay_window: float = 300.0,
        max_body_bytes: int = 64_000,
        workers: int = 8,
    ) -> None:
        self.accounts = dict(accounts)
        self.store = store
        self.delivery = delivery
        self.respond = respond
        self.reply_budget = reply_budget
        self.replay_window = replay_window
        self.max_body_bytes = max_body_bytes
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wechat")
        self._late_tasks: set[asyncio.Task[str | None]] = set()

    def start(self) -> None:
        self.delivery.start()

    async def finish_late(self) -> None:
        """Waits for the answers still being recorded after their request said ``success``
        (call it before the event loop closes, which would cancel them)."""
        while self._late_tasks:
            await asyncio.gather(*list(self._late_tasks), return_exceptions=True)

    def stop(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=False)
        self.delivery.close()

    # URL verification (GET) -----------------------------------------------------------

    def verify_url(self, account: WeChatAccount, query: Mapping[str, str]) -> str:
        """The ``echostr`` to return when the signature is right (decrypted for WeCom)."""
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        echostr = query.get("echostr", "")
        check_timestamp(timestamp, window=self.replay_window)
        if account.always_encrypted:
            if account.crypto is None:
                raise DecryptError("企业微信回调需要配置 EncodingAESKey")
            return account.crypto.decrypt_echostr(
                query.get("msg_signature", ""), timestamp, nonce, echostr
            )
        verify_signature(query.get("signature", ""), account.token, timestamp, nonce)
        return echostr

    # messages (POST) --------------------------------------------------------------------

    async def handle(
        self,
        account: WeChatAccount,
        query: Mapping[str, str],
        body: bytes,
        *,
        allow: Callable[[str], bool] | None = None,
    ) -> str:
        """The response body for one callback: reply XML, or ``success``.

        ``allow(session_id)`` is the per-user rate limit: when it says no, the user is
        asked to slow down and no turn runs."""
        # WeChat's 5 seconds run from the callback's arrival, not from the turn's start.
        deadline = time.monotonic() + self.reply_budget
        if len(body) > self.max_body_bytes:
            raise BodyTooLargeError(f"微信消息过大（上限 {self.max_body_bytes // 1000} KB）")
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        check_timestamp(timestamp, window=self.replay_window)
        encrypted = account.always_encrypted or query.get("encrypt_type", "raw") == "aes"
        if not account.always_encrypted:
            verify_signature(query.get("signature", ""), account.token, timestamp, nonce)
        fields = parse_xml(body)
        if encrypted:
            if account.crypto is None:
                raise DecryptError("收到加密消息，但没有配置 EncodingAESKey")
            cipher = fields.get("Encrypt")
            if not cipher:
                raise DecryptError("加密消息缺少 Encrypt 字段")
            account.crypto.verify(query.get("msg_signature"), timestamp, nonce, cipher)
            fields = parse_xml(account.crypto.decrypt(cipher))
        message = InboundMessage.from_fields(fields)
        job = _Job()
        answering = asyncio.ensure_future(self._answer(account, message, deadline, job, allow))
        await asyncio.wait(
            [answering], timeout=max(0.0, deadline + SETTLE_MARGIN - time.monotonic())
        )
        if not answering.done():
            # Single-threaded here: the task sees ``late`` before it could return a text.
            job.late = True
            self._late_tasks.add(answering)
            answering.add_done_callback(self._late_tasks.discard)
            log.warning("wechat callback for %s over time: answered success", message.dedupe_key)
            return SUCCESS
        text = answering.result()
        if text is None:
            return SUCCESS
        xml = text_reply_xml(
            to_user=message.from_user,
            from_user=message.to_user,
            content=text,
            create_time=int(time.time()),
        )
        if encrypted and account.crypto is not None:
            return account.crypto.encrypt_reply(
                xml, timestamp=str(int(time.time())), nonce=secrets.token_hex(8)
            )
        return xml

    async def _answer(
        self,
        account: WeChatAccount,
        message: InboundMessage,
        deadline: float,
        job: _Job,
        allow: Callable[[str], bool] | None = None,
    ) -> str | None:
        """The passive reply's text, or None for ``success`` (always when the turn is not
        ready by ``deadline``, a ``time.monotonic()`` instant). Once ``job.late`` is set
        the request no longer waits: a text it would have returned goes to the outbox."""
        channel = account.channel
        delivery = await asyncio.to_thread(
            self.store.claim,
            channel,
            message.dedupe_key,
            user_id=message.from_user,
            msg_type=message.msg_type,
        )
        if not delivery.owner:
            log.info("wechat redelivery of %s (%s)", message.dedupe_key, delivery.status)
            return delivery.reply if delivery.status == "answered" else None
        if await asyncio.to_thread(self.store.release_held, channel, message.from_user):
            self.delivery.notify()  # held messages may go now that the user wrote
        utterance, fixed = self._understand(message)
        if (
            utterance is not None
            and allow is not None
            and not allow(f"{channel}:{message.from_user}")
        ):
            utterance, fixed = None, fixed_reply("wechat_slow_down")
        if fixed is not None or utterance is None:
            await asyncio.to_thread(
                self.store.settle, channel, message.dedupe_key, "answered", fixed
            )
            return self._passively(channel, message, [fixed] if fixed else [], job)
        future = self._executor.submit(self._run_turn, account, message, utterance, job)
        await asyncio.wait(
            [asyncio.wrap_future(future)], timeout=max(0.0, deadline - time.monotonic())
        )
        with job.lock:
            parts = job.parts
            if parts is None:
                job.deferred = True  # the worker queues the reply when it is ready
        if parts is None:
            log.info("wechat turn over budget for %s: reply deferred", message.dedupe_key)
            return None
        first = parts[0] if parts else None
        await asyncio.to_thread(self.store.settle, channel, message.dedupe_key, "answered", first)
        return self._passively(channel, message, parts, job)

    def _passively(
        self, channel: str, message: InboundMessage, parts: list[str], job: _Job
    ) -> str | None:
        """The first part to return passively, the rest queued for the outbox; all of them
        queued when the request has stopped waiting. No ``await`` here: the answer goes
        back, or to the outbox, never neither."""
        passive, queued = (None, parts) if job.late else (parts[0] if parts else None, parts[1:])
        if queued:
            self._executor.submit(self._send_later, channel, message, queued, job.late)
        return passive

    def _send_later(
        self, channel: str, message: InboundMessage, parts: list[str], deferred: bool
    ) -> None:
        """Worker thread: ``parts`` into the outbox (the message marked deferred first when
        none of its answer went back passively, so a redelivery answers ``success``)."""
        try:
            if deferred:
                self.store.settle(channel, message.dedupe_key, "deferred")
            if self.store.enqueue(channel, message.from_user, parts, kind="reply"):
                self.delivery.notify()
        except Exception:
            log.exception("wechat reply for %s could not be queued", message.dedupe_key)

    def _understand(self, message: InboundMessage) -> tuple[str | None, str | None]:
        """(utterance for the engine, fixed reply): at most one is set; both None means
        no answer at all."""
        kind = message.msg_type
        if kind == "text":
            text = (message.content or "").strip()
            return (text[:_MAX_TEXT], None) if text else (None, fixed_reply("wechat_send_text"))
        if kind == "voice":
            heard = (message.recognition or "").strip()
            if heard:
                return heard[:_MAX_TEXT], None
            return None, fixed_reply("wechat_voice_unrecognised")
        if kind == "event":
            event = message.event or ""
            if event == "subscribe":
                return None, fixed_reply("wechat_welcome")
            if event == "click":
                button = menu().get(message.event_key or "")
                if button is None:
                    return None, fixed_reply("wechat_send_text")
                if "reply" in button:
                    return None, button["reply"]
                return button["utterance"], None
            return None, None  # unsubscribe, VIEW, LOCATION, …: received, nothing to say
        return None, fixed_reply("wechat_send_text")

    def _run_turn(
        self, account: WeChatAccount, message: InboundMessage, utterance: str, job: _Job
    ) -> None:
        """Worker thread: the turn, then either hand the parts to the waiting request or,
        if it stopped waiting, queue them for the customer-service API."""
        try:
            turn = Turn(channel=account.channel, user_id=message.from_user, text=utterance)
            parts = split_message(format_reply(self.respond(turn)))
        except Exception:
            log.exception("wechat turn failed for %s", message.dedupe_key)
            parts = [fixed_reply("wechat_error")]
        with job.lock:
            job.parts = parts
            deferred = job.deferred
        if deferred:
            self._send_later(account.channel, message, parts, deferred=True)

    # caseworkers ------------------------------------------------------------------------

    def can_send(self, channel: str) -> bool:
        """The channel is configured with its API (so messages can be pushed)."""
        return channel in self.accounts and channel in self.delivery.apis

    def send_caseworker_reply(self, channel: str, user_id: str, text: str) -> bool:
        """Queues a caseworker's message; False when the 48-hour window has closed (it is
        held and goes out when the user writes again)."""
        parts = split_message(text)
        queued = self.store.enqueue(channel, user_id, parts, kind="caseworker")
        if queued:
            self.delivery.notify()
        return queued
