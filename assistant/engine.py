"""The conversation engine: one turn in, one stored, grounded reply out.

``Assistant.respond`` loads the conversation, masks PII and flags injections, lets a brain
answer (or, while a hand-off ticket is open, passes the message to the caseworker), hands
off after two failed answers in a row, masks PII in the answer, and stores the turn — the
user's message, the answer, the facts — before it returns.
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from assistant.brains import Brain, Draft, TurnContext
from assistant.brains.offline import OfflineBrain
from assistant.conversations import ConversationState, ConversationStore
from assistant.guardrails.injection import injection_markers
from assistant.guardrails.pii import mask_pii
from assistant.handoff import HandoffQueue
from assistant.models import BrainName, Reply, Sender, Turn
from assistant.packages.builder import ServicePackage
from assistant.packages.followup import FollowUps
from assistant.prompts import reply
from assistant.tools import Toolbox, ToolContext

__all__ = ["HISTORY_TURNS", "Assistant"]

#: Messages of earlier turns a brain sees (the LLM's context window).
HISTORY_TURNS = 12
_BEIJING = ZoneInfo("Asia/Shanghai")


def _turn_region(state: ConversationState, sent: str | None) -> str | None:
    """The region of this turn: a place the person named in the conversation ("我在广州")
    wins over the region the channel sends with every message, until the channel sends a
    different one (they picked another region) or they name another place."""
    if sent is not None and sent != state.channel_region:
        if state.channel_region is not None:
            state.said_region = None
        state.channel_region = sent
    return state.said_region or sent


def _today() -> date:
    return datetime.now(_BEIJING).date()


class Assistant:
    """Answers turns with the offline brain, or the LLM brain when one is configured."""

    def __init__(
        self,
        *,
        conversations: ConversationStore,
        handoffs: HandoffQueue,
        offline: OfflineBrain,
        llm: Brain | None = None,
        default_region: str = "000000",
        default_brain: BrainName | None = None,
        follow_ups: FollowUps | None = None,
    ) -> None:
        self.conversations = conversations
        self.handoffs = handoffs
        self.offline = offline
        self.llm = llm
        self.default_region = default_region
        self.default_brain: BrainName = default_brain or ("llm" if llm else "offline")
        self.follow_ups = follow_ups

    @property
    def toolbox(self) -> Toolbox:
        return self.offline.toolbox

    def brain(self, name: BrainName | None = None) -> Brain:
        chosen = name or self.default_brain
        if chosen == "llm":
            if self.llm is None:
                raise ValueError(
                    "没有配置大模型：请设置 JIUYE_LLM_BASE_URL、JIUYE_LLM_MODEL"
                    " 和 JIUYE_LLM_API_KEY"
                )
            return self.llm
        return self.offline

    def respond(self, turn: Turn, *, brain: BrainName | None = None) -> Reply:
        started = time.perf_counter()
        chosen = self.brain(brain)
        state = self.conversations.load(turn)
        masked = mask_pii(turn.text)
        flags = [f"pii:{kind}" for kind in masked.kinds]
        if injection_markers(masked.text):
            flags.append("injection")
        state.region = _turn_region(state, turn.region) or state.region or self.default_region
        context = TurnContext(
            turn=turn,
            text=masked.text,
            state=state,
            tools=ToolContext(
                state=state,
                region=state.region,
                on_date=turn.on_date or _today(),
                role=turn.role,
                location=turn.location,
            ),
            # Only a model reads the earlier turns; the offline brain keeps its memory in
            # the conversation state, so its turns skip this read.
            history=(
                self.conversations.transcript(state.session_id, limit=HISTORY_TURNS)
                if chosen.name == "llm"
                else []
            ),
            flags=flags,
        )
        ticket = self.handoffs.for_session(state.session_id) if state.open_ticket else None
        # Only people with a package have follow-ups: other turns skip these reads.
        follow_ups = self.follow_ups if state.package_id is not None else None
        answer = follow_ups.take_answer(state.session_id, masked.text) if follow_ups else None
        if ticket is not None:
            draft = Draft(reply("ticket_waiting", ticket=ticket.id), handoff=ticket)
            sender: Sender = "system"
        elif answer is not None:
            draft = Draft(answer.text, intent="follow_up")
            sender = "assistant"
        else:
            if state.open_ticket:  # closed elsewhere without clearing: resume
                state.open_ticket = None
            draft = chosen.respond(context)
            self._count_failures(context, draft)
            sender = "assistant"
        question = follow_ups.ask_due(state.session_id) if follow_ups and ticket is None else None
        if question:
            draft.text += "\n\n" + question
        public = " ".join(json.dumps(o.call.result, ensure_ascii=False) for o in draft.outcomes)
        text = mask_pii(draft.text, keep=public).text
        if draft.intent:
            state.last_intent = draft.intent
        citations = list(context.tools.citations)
        calls = [outcome.call for outcome in draft.outcomes]
        payload = {
            "brain": draft.brain,
            "intent": draft.intent,
            "confidence": draft.confidence,
            "answered": draft.answered,
            "citations": [c.model_dump(mode="json") for c in citations],
            "tool_calls": [c.model_dump(mode="json", exclude={"result"}) for c in calls],
            "handoff": draft.handoff.id if draft.handoff else None,
        }
        stored_at = time.perf_counter()
        messages: list[tuple[Sender, str, dict[str, Any] | None]] = [
            ("user", masked.text, None),
            (sender, text, payload),
        ]
        self.conversations.save(state, messages)
        handoff = self.handoffs.get(draft.handoff.id) if draft.handoff else None
        package = next(
            (o.value for o in draft.outcomes if isinstance(o.value, ServicePackage)), None
        )
        finished = time.perf_counter()
        timings = context.timings
        timings.tools_ms = sum(c.duration_ms for c in calls)
        timings.store_ms = (finished - stored_at) * 1000
        timings.total_ms = (finished - started) * 1000
        return Reply(
            session_id=state.session_id,
            text=text,
            brain=draft.brain,
            intent=draft.intent,
            citations=citations,
            tool_calls=calls,
            facts=dict(state.facts),
            questions=draft.questions,
            handoff=handoff,
            package=package,
            confidence=max(0.0, min(1.0, draft.confidence)),
            summary=draft.summary,
            flags=flags,
            timings=timings,
        )

    def _count_failures(self, context: TurnContext, draft: Draft) -> None:
        """Two failed answers in a row hand the conversation to a caseworker."""
        state = context.state
        if draft.handoff is not None or draft.answered:
            state.failures = 0
            return
        state.failures += 1
        if state.failures < 2:
            return
        ticket = self.offline.handoff(context, "repeated_failure")
        draft.outcomes.append(ticket)
        if ticket.ok:
            draft.handoff = ticket.value
            draft.text += "\n\n" + reply("repeated_failure_handoff", ticket=ticket.value.id)
            state.failures = 0
