"""Brains decide which tools a turn needs and compose the answer from their results.

The offline brain (rules + embeddings, no network) is the default and the fallback; the
LLM brain calls the same tools through function calling. Both receive a
:class:`TurnContext` and return a :class:`Draft`, which the engine turns into a Reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from assistant.conversations import ConversationState
from assistant.models import BrainName, HandoffTicket, Intent, Message, Timings, Turn
from assistant.tools import ToolContext, ToolOutcome
from knowledge.rules.models import MissingFact

__all__ = ["Brain", "Draft", "TurnContext"]


@dataclass
class TurnContext:
    """One turn as a brain sees it: the masked text, the conversation and the tools' context."""

    turn: Turn
    text: str
    state: ConversationState
    tools: ToolContext
    history: list[Message] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)


@dataclass
class Draft:
    """A brain's answer before the engine checks, stores and returns it."""

    text: str
    brain: BrainName = "offline"
    intent: Intent | None = None
    outcomes: list[ToolOutcome] = field(default_factory=list)
    questions: list[MissingFact] = field(default_factory=list)
    confidence: float = 1.0
    answered: bool = True
    handoff: HandoffTicket | None = None
    summary: str | None = None


class Brain(Protocol):
    name: BrainName

    def respond(self, context: TurnContext) -> Draft: ...
