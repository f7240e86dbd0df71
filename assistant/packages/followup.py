"""Following up a package (跟踪问效) inside the conversation.

When a person with a package writes, a follow-up that has fallen due is asked at the end
of the reply (web users see it on their next visit; WeChat users get it pushed while the
48-hour window is open, see :mod:`assistant.packages.push`, or here when they next
write). The next message that reads as an answer — "找到工作了", "2", "还没有进展" —
records the outcome on the package.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from assistant.conversations import ConversationRow, ConversationStore
from assistant.packages.catalogue import catalogue
from assistant.packages.store import OUTCOMES, FollowUp, Outcome, PackageStore
from knowledge.chinese import normalize

__all__ = [
    "FollowUpAnswer",
    "FollowUps",
    "ask_in_transcript",
    "follow_up_question",
    "read_outcome",
]


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], dict[Outcome, re.Pattern[str]]]:
    texts = catalogue().follow_up
    if set(texts.outcomes) != set(OUTCOMES) or set(texts.thanks) != set(OUTCOMES):
        raise ValueError(f"packages.yaml 的 follow_up 须为每种结果写规则和答复：{OUTCOMES}")
    compiled = {o: re.compile(texts.outcomes[o], re.IGNORECASE) for o in OUTCOMES}
    return re.compile(texts.negated), compiled


def read_outcome(text: str) -> Outcome | None:
    """The outcome an answer reports, or None when it does not read as an answer."""
    clean = normalize(text).strip(" \t,，.。!！~～")
    if not clean or len(clean) > catalogue().follow_up.max_answer_chars:
        return None
    negated, outcomes = _patterns()
    positive = negated.sub("，", clean)
    for outcome in OUTCOMES[:-1]:  # the best progress said, before "no progress"
        if outcomes[outcome].search(positive):
            return outcome
    return "no_progress" if outcomes["no_progress"].search(clean) else None


def follow_up_question(follow_up: FollowUp) -> str:
    return catalogue().follow_up.question.format(days=follow_up.day, package=follow_up.package_id)


class FollowUpAnswer:
    """An answer taken: the follow-up, the outcome, and what to say back."""

    def __init__(self, follow_up: FollowUp, outcome: Outcome) -> None:
        self.follow_up = follow_up
        self.outcome = outcome
        self.text = catalogue().follow_up.thanks[outcome]


class FollowUps:
    """Asks due follow-ups and takes their answers, for the engine."""

    def __init__(self, store: PackageStore, *, clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.clock = clock or (lambda: datetime.now(UTC))

    def take_answer(self, session_id: str, text: str) -> FollowUpAnswer | None:
        """Records ``text`` as the answer to the follow-up asked last, when it reads as one."""
        now = self.clock()
        waiting = self.store.awaiting_answer(session_id, now=now)
        if waiting is None:
            return None
        outcome = read_outcome(text)
        if outcome is None:
            return None
        self.store.record_answer(waiting.id, outcome, text, now=now)
        return FollowUpAnswer(waiting, outcome)

    def ask_due(self, session_id: str) -> str | None:
        """The question of the follow-ups due in this session, once: all due ones are
        marked asked, and the latest is the one asked about (a person back after a month
        is asked once, not twice)."""
        now = self.clock()
        due = self.store.due(session_id, now=now)
        if not due or not self.store.mark_asked([f.id for f in due], now=now):
            return None
        return follow_up_question(due[-1])


def ask_in_transcript(
    store: PackageStore,
    conversations: ConversationStore,
    session_id: str,
    *,
    now: datetime,
    payload: Mapping[str, Any] | None = None,
    alongside: Callable[[Session, FollowUp, str], None] | None = None,
) -> tuple[FollowUp, str] | None:
    """Asks the session's due follow-ups outside a turn (the web page opening, the WeChat
    push) as an assistant message of its conversation.

    All due ones are marked asked and the latest is the one asked about, as in the chat,
    in one transaction with the message and with ``alongside``'s writes (the WeChat outbox
    row): a follow-up is never marked asked without being asked, and with several workers
    each is asked once. Returns the follow-up asked about and the question, or None when
    none is due or another worker asked first."""
    due = store.due(session_id, now=now)
    if not due:
        return None
    latest = due[-1]
    text = follow_up_question(latest)
    record: dict[str, Any] = {
        "brain": None,
        "intent": "follow_up",
        "follow_up": latest.id,
        "package": latest.package_id,
        **(payload or {}),
    }
    with store.database.session() as session:
        if store.mark_asked_in(session, [f.id for f in due], now=now) == 0:
            return None
        if alongside is not None:
            alongside(session, latest, text)
        if session.get(ConversationRow, session_id) is not None:
            conversations.post_in(session, session_id, [("assistant", text, record)], now=now)
    return latest, text
