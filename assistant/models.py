"""Shapes that cross the assistant's boundary: a turn in, a reply out, and what they carry.

A :class:`Reply` is the one contract between the brains and everything around them (CLI,
server, WeChat, Rasa, evaluation): whatever brain answered, the reply has the same shape.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from assistant.packages.builder import ServicePackage
from connectors.geo import GeoPoint
from knowledge.policies.models import Citation
from knowledge.regions import validate_region
from knowledge.rules.models import MissingFact

__all__ = [
    "BRAINS",
    "CHANNELS",
    "ENGINE_INTENTS",
    "HANDOFF_REASONS",
    "INTENTS",
    "ROLES",
    "BrainName",
    "Channel",
    "HandoffReason",
    "HandoffTicket",
    "Intent",
    "Message",
    "MessageText",
    "RegionCode",
    "Reply",
    "Role",
    "Sender",
    "TicketStatus",
    "Timings",
    "ToolCall",
    "Turn",
]

Role = Literal["job_seeker", "employer", "agent"]
ROLES: tuple[Role, ...] = get_args(Role)
Channel = Literal["web", "wechat", "wecom", "hotline", "rasa", "cli", "api"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)
BrainName = Literal["offline", "llm"]
BRAINS: tuple[BrainName, ...] = get_args(BrainName)
Intent = Literal[
    "policy_question",
    "eligibility_check",
    "provide_facts",
    "vacancy_search",
    "service_points",
    "service_package",
    "follow_up",
    "handoff_request",
    "greeting",
    "thanks",
    "reset",
    "out_of_scope",
]
INTENTS: tuple[Intent, ...] = get_args(Intent)
#: Intents the engine sets itself (a follow-up answered), never the NLU.
ENGINE_INTENTS: frozenset[Intent] = frozenset({"follow_up"})
HandoffReason = Literal[
    "user_request",
    "low_confidence",
    "repeated_failure",
    "complaint",
    "sensitive",
    "policy_exception",
    "no_progress",
]
HANDOFF_REASONS: tuple[HandoffReason, ...] = get_args(HandoffReason)
TicketStatus = Literal["open", "claimed", "closed"]
Sender = Literal["user", "assistant", "caseworker", "system"]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("消息内容不能为空")
    return value


#: What a person said: not blank (length bounds are set where it is used).
MessageText = Annotated[str, AfterValidator(_not_blank)]
#: A GB/T 2260 region code, checked against the known regions.
RegionCode = Annotated[str, AfterValidator(validate_region)]


class Turn(BaseModel):
    """One message from a person, with who and where they are."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel = "api"
    user_id: str = Field(min_length=1, max_length=200)
    role: Role = "job_seeker"
    region: RegionCode | None = Field(
        default=None, description="GB/T 2260 code; the default when unset"
    )
    location: GeoPoint | None = Field(default=None, description="WGS-84, for nearby searches")
    text: MessageText = Field(min_length=1, max_length=4000)
    on_date: date | None = Field(default=None, description="the day of the question (tests, eval)")

    @property
    def session_id(self) -> str:
        """One conversation per person and channel."""
        return f"{self.channel}:{self.user_id}"


class ToolCall(BaseModel):
    """A tool the brain called: its arguments and its result (JSON), or the error."""

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    result: Any = None
    error: str | None = None
    duration_ms: float = 0.0


class Message(BaseModel):
    """A line of the transcript, PII already masked."""

    sender: Sender
    text: str
    created_at: datetime


class HandoffTicket(BaseModel):
    """A conversation handed to a caseworker, with everything needed to take it over."""

    id: int
    session_id: str
    channel: Channel
    user_id: str
    role: Role
    region: str | None = None
    reason: HandoffReason
    summary: str
    facts: dict[str, Any] = Field(default_factory=dict)
    transcript: list[Message] = Field(default_factory=list)
    contact: str = Field(description="how to reach the user: the channel and its user id")
    status: TicketStatus = "open"
    created_at: datetime
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    closed_at: datetime | None = None


class Timings(BaseModel):
    """Milliseconds spent in each step of the turn."""

    total_ms: float = 0.0
    understand_ms: float = 0.0
    tools_ms: float = 0.0
    llm_ms: float = 0.0
    compose_ms: float = 0.0
    store_ms: float = 0.0


class Reply(BaseModel):
    """What the assistant answers, with everything that grounds it."""

    session_id: str
    text: str
    brain: BrainName = "offline"
    intent: Intent | None = None
    citations: list[Citation] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    facts: dict[str, Any] = Field(default_factory=dict, description="facts collected so far")
    questions: list[MissingFact] = Field(
        default_factory=list, description="the facts this reply asks for"
    )
    handoff: HandoffTicket | None = None
    package: ServicePackage | None = Field(
        default=None, description="the service package built in this turn (web card)"
    )
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    summary: str | None = Field(default=None, description="hotline agents: the caller's situation")
    flags: list[str] = Field(
        default_factory=list, description="what the guardrails noticed: pii, injection, …"
    )
    timings: Timings = Field(default_factory=Timings)
