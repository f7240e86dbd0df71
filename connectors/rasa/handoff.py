"""``action_handoff``: hands a Rasa conversation to a caseworker.

The caseworker console reads Jiuye's conversation store, so the tracker's user and bot
messages are copied there first (PII masked, each tracker event once), then the
request_handoff tool opens the ticket with a summary and the fact slots, and the action
pauses the Rasa conversation until a person has taken it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rasa_sdk.events import ConversationPaused

from assistant import composer
from assistant.guardrails.pii import mask_pii
from assistant.models import Sender
from assistant.prompts import reply
from connectors.rasa.base import JiuyeAction, latest_text
from connectors.rasa.context import session_id
from connectors.rasa.facts import read_fact_slots

__all__ = ["HandoffAction"]

_SENDERS: dict[str, Sender] = {"user": "user", "bot": "assistant"}
#: Payload key marking the tracker event a stored message came from.
_EVENT_KEY = "rasa_event"


class HandoffAction(JiuyeAction):
    action_name = "action_handoff"

    def act(self, dispatcher: Any, tracker: Any, domain: Mapping[str, Any]) -> list[Any]:
        vocabulary = self.parts.toolbox.rules.facts
        facts, _ = read_fact_slots(tracker.slots, vocabulary, self.parts.nlu)
        context = self.parts.context(tracker, facts)
        self.parts.conversations.save(context.state, self._new_messages(tracker))
        known = composer.facts_summary(facts, vocabulary)
        summary = reply(
            "handoff_summary",
            reason="用户要求转人工",
            asked=mask_pii(latest_text(tracker)).text[:200],
            facts=f"已知情况：{known}。" if known else "",
        )
        ticket = self.parts.toolbox.call(
            "request_handoff", {"reason": "user_request", "summary": summary}, context
        )
        if not ticket.ok:
            dispatcher.utter_message(text=reply("handoff_failed"))
            return []
        dispatcher.utter_message(
            text=composer.handoff_answer(ticket.value),
            json_message={
                "handoff": {"ticket": ticket.value.id, "session_id": session_id(tracker)}
            },
        )
        return [ConversationPaused()]

    def _new_messages(self, tracker: Any) -> list[tuple[Sender, str, dict[str, Any] | None]]:
        """The tracker's user and bot messages not stored yet, oldest first."""
        stored = {
            (payload or {}).get(_EVENT_KEY)
            for _, payload in self.parts.conversations.payloads(session_id(tracker))
        }
        messages: list[tuple[Sender, str, dict[str, Any] | None]] = []
        for event in tracker.events:
            sender = _SENDERS.get(event.get("event", ""))
            text = str(event.get("text") or "").strip()
            if sender is None or not text:
                continue
            key = f"{event.get('event')}:{event.get('timestamp')}:{text[:100]}"
            if key in stored:
                continue
            messages.append((sender, mask_pii(text).text, {_EVENT_KEY: key}))
        return messages
