"""Pushing due package follow-ups to WeChat users (跟踪问效 without waiting for them).

A follow-up of a person on WeChat (``wechat``) or WeCom (``wecom``) that has fallen due is
sent through the customer-service message API while the 48-hour window is open (see
:mod:`connectors.wechat.store`). Outside the window WeChat would refuse the message, so the
follow-up stays scheduled and the engine asks it at the end of the reply to the person's
next message (see :mod:`assistant.packages.followup`).

Each push is one transaction: the follow-up is marked asked (the claim: the ``UPDATE``
counts a row only for the worker that changed it, so with several workers on the same
database each follow-up is sent once), the question is queued in ``wechat_outbox`` (kind
``follow_up``) and appended to the transcript as an assistant message. A failure leaves
all three undone and the follow-up scheduled for the next pass. The person's answer comes
back through the channel as a normal turn, and the engine records the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from assistant.conversations import ConversationStore
from assistant.packages.followup import ask_in_transcript
from assistant.packages.store import FollowUp, PackageStore
from connectors.database import Database
from connectors.outbox import OutboxWorker
from connectors.wechat.formatting import split_message
from connectors.wechat.store import WeChatStore

__all__ = ["PUSH_CHANNELS", "FollowUpPush"]

log = logging.getLogger("jiuye.packages")

#: The channels whose users can be sent a message unasked (customer-service messages).
PUSH_CHANNELS: tuple[str, ...] = ("wechat", "wecom")


class FollowUpPush(OutboxWorker):
    """Every ``interval`` seconds, queues the due follow-ups of WeChat users in the window.

    ``notify`` is called after a pass that queued something (the delivery worker's
    ``notify``, so the questions go out at once); ``clock`` gives the time (tests)."""

    name = "follow-up-push"

    def __init__(
        self,
        database: Database,
        *,
        channels: Sequence[str] = PUSH_CHANNELS,
        interval: float = 300.0,
        notify: Callable[[], None] | None = None,
        clock: Callable[[], datetime] | None = None,
        batch: int = 200,
    ) -> None:
        super().__init__(poll_interval=interval, log=log)
        unknown = set(channels) - set(PUSH_CHANNELS)
        if unknown:
            raise ValueError(f"只能向微信渠道推送回访：{sorted(unknown)}")
        if batch < 1:
            raise ValueError("每批条数至少为 1")
        self.database = database
        self.channels = tuple(channels)
        self.packages = PackageStore(database)
        self.wechat = WeChatStore(database)
        self.conversations = ConversationStore(database)
        self.notify_delivery = notify
        self.clock = clock or (lambda: datetime.now(UTC))
        self.batch = batch

    def deliver_pending(self) -> int:
        return self.run_once()

    def run_once(self) -> int:
        """One pass over every due follow-up; returns how many questions were queued."""
        if not self.channels:
            return 0
        with self._pass_lock:
            now = self.clock()
            pushed = 0
            seen: set[str] = set()  # sessions handled in this pass (all their due ones)
            after: FollowUp | None = None
            while not self.stopping:
                page = self.packages.due_on_channels(
                    self.channels, now=now, limit=self.batch, after=after
                )
                for follow_up in page:
                    if self.stopping:
                        break
                    if follow_up.session_id in seen:
                        continue
                    seen.add(follow_up.session_id)
                    if not self.wechat.in_window(follow_up.channel, follow_up.user_id, now=now):
                        continue  # asked by the engine when the person next writes
                    try:
                        pushed += self._push(follow_up.session_id, follow_up.channel, now)
                    except Exception:  # one broken session does not stop the others
                        log.exception("follow-up %s could not be pushed", follow_up.id)
                if len(page) < self.batch:
                    break
                after = page[-1]
        if pushed and self.notify_delivery is not None:
            self.notify_delivery()
        return pushed

    def _push(self, session_id: str, channel: str, now: datetime) -> bool:
        """Asks the session's due follow-ups in one message, queued for WeChat with the
        transcript line; False when another worker or the engine asked first."""

        def queue(session: Session, follow_up: FollowUp, text: str) -> None:
            self.wechat.enqueue_in(
                session, follow_up.channel, follow_up.user_id, split_message(text), kind="follow_up"
            )

        asked = ask_in_transcript(
            self.packages,
            self.conversations,
            session_id,
            now=now,
            payload={"pushed": channel},
            alongside=queue,
        )
        if asked is None:
            return False
        latest, _ = asked
        log.info(
            "follow-up pushed",
            extra={"session_id": session_id, "follow_up": latest.id, "day": latest.day},
        )
        return True
