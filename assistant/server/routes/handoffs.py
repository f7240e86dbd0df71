"""The caseworkers' queue: list, read, claim, reply to the user, close.

The caseworker is the logged-in token holder, never a name from the request body. A reply
is stored in the conversation's transcript, which is how it reaches a web user (the page
polls the transcript); on WeChat and WeCom it also goes out through the customer-service
message API, and when the user's 48-hour window has closed the transcript says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from assistant.composer import facts_summary
from assistant.models import HandoffTicket, Message, TicketStatus
from assistant.prompts import reply as fixed_reply
from assistant.server.auth import Principal, require
from assistant.server.deps import services
from assistant.server.services import Services
from knowledge.rules.models import FactDefinition

__all__ = ["REASON_LABELS", "FactShown", "TicketView", "facts_shown", "router", "ticket_view"]

caseworker = require("caseworker")
router = APIRouter(prefix="/v1/handoffs", tags=["转人工"], dependencies=[Depends(caseworker)])

REASON_LABELS = {
    "user_request": "用户要求转人工",
    "low_confidence": "助手没有把握",
    "repeated_failure": "连续两次未能解答",
    "complaint": "投诉",
    "sensitive": "敏感事项",
    "policy_exception": "政策例外情形",
    "no_progress": "服务包回访无进展",
}
#: A ticket number: the tickets' id column is an INTEGER (32 bits on PostgreSQL), and a
#: larger number reached the database driver as an overflow (a 500).
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1, description="工单编号")]
#: Channels whose users read caseworker replies from the stored transcript.
_TRANSCRIPT_CHANNELS = frozenset({"web", "api", "cli", "hotline"})


class QueueEntry(BaseModel):
    id: int
    session_id: str
    channel: str
    user_id: str
    role: str
    region: str | None
    reason: str
    reason_label: str
    summary: str
    status: TicketStatus
    created_at: datetime
    waiting_seconds: int
    claimed_by: str | None


class FactShown(BaseModel):
    """One known fact as people read it: the vocabulary's label and the value's wording."""

    name: str
    label: str
    value: str


class TicketView(HandoffTicket):
    reason_label: str
    waiting_seconds: int
    facts_shown: list[FactShown] = Field(
        default_factory=list, description="the facts in the fact vocabulary's Chinese words"
    )


class ReplyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)


class CloseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class ReplyOutcome(BaseModel):
    message: Message
    delivered: bool = Field(
        description="the user can see it now (web, API) or it is on its way (WeChat, WeCom)"
    )
    channel: str
    note: str | None = Field(default=None, description="why it was not delivered")


def _waiting(ticket: HandoffTicket) -> int:
    end = ticket.claimed_at or datetime.now(UTC)
    return max(0, int((end - ticket.created_at).total_seconds()))


def _fact_shown(
    name: str, value: Any, definition: FactDefinition, vocabulary: Mapping[str, FactDefinition]
) -> FactShown | None:
    if value is None:
        return None
    if isinstance(value, list | tuple | set):  # a list of enum codes: each by its label
        labels = definition.values or {}
        shown = "、".join(labels.get(str(v), str(v)) for v in value)
        return FactShown(name=name, label=definition.label, value=shown or "无")
    # The wording the assistant uses elsewhere ("累计缴纳失业保险费年限：7年").
    line = facts_summary({name: value}, vocabulary)
    label, sep, shown = line.partition("：")
    if not sep:
        return None
    return FactShown(name=name, label=label, value=shown)


def facts_shown(
    facts: Mapping[str, Any], vocabulary: Mapping[str, FactDefinition]
) -> list[FactShown]:
    """The ticket's facts by their Chinese labels and values; a name outside the vocabulary
    has no label people could read and is left to the raw ``facts``."""
    shown: list[FactShown] = []
    for name, value in facts.items():
        definition = vocabulary.get(name)
        if definition is None:
            continue
        fact = _fact_shown(name, value, definition, vocabulary)
        if fact is not None:
            shown.append(fact)
    return shown


def ticket_view(
    ticket: HandoffTicket, vocabulary: Mapping[str, FactDefinition] | None = None
) -> TicketView:
    return TicketView(
        **ticket.model_dump(),
        reason_label=REASON_LABELS.get(ticket.reason, ticket.reason),
        waiting_seconds=_waiting(ticket),
        facts_shown=facts_shown(ticket.facts, vocabulary) if vocabulary is not None else [],
    )


def _vocabulary(svc: Services) -> Mapping[str, FactDefinition]:
    return svc.assistant.toolbox.rules.facts


@router.get("", response_model=list[QueueEntry], summary="转人工队列")
def queue(
    svc: Annotated[Services, Depends(services)], status: TicketStatus | None = None
) -> list[QueueEntry]:
    """Open and claimed tickets, oldest first (or those with ``status``)."""
    tickets = svc.assistant.handoffs.queue(status=status)
    return [
        QueueEntry(
            **ticket.model_dump(exclude={"transcript", "facts", "contact"}),
            reason_label=REASON_LABELS.get(ticket.reason, ticket.reason),
            waiting_seconds=_waiting(ticket),
        )
        for ticket in tickets
    ]


@router.get("/{ticket_id}", response_model=TicketView, summary="工单详情")
def ticket(ticket_id: TicketId, svc: Annotated[Services, Depends(services)]) -> TicketView:
    return ticket_view(svc.assistant.handoffs.get(ticket_id), _vocabulary(svc))


@router.post("/{ticket_id}/claim", response_model=TicketView, summary="认领工单")
def claim(
    ticket_id: TicketId,
    who: Annotated[Principal, Depends(caseworker)],
    svc: Annotated[Services, Depends(services)],
) -> TicketView:
    ticket = svc.assistant.handoffs.claim(ticket_id, who.name or "")
    return ticket_view(ticket, _vocabulary(svc))


@router.post("/{ticket_id}/reply", response_model=ReplyOutcome, summary="回复用户")
async def reply(
    ticket_id: TicketId,
    body: ReplyBody,
    who: Annotated[Principal, Depends(caseworker)],
    svc: Annotated[Services, Depends(services)],
) -> ReplyOutcome:
    queue = svc.assistant.handoffs
    message = await run_in_threadpool(queue.reply, ticket_id, who.name or "", body.text)
    ticket = await run_in_threadpool(queue.get, ticket_id)
    delivered, note = ticket.channel in _TRANSCRIPT_CHANNELS, None
    wechat = svc.wechat
    if wechat is not None and wechat.can_send(ticket.channel):
        delivered = await run_in_threadpool(
            wechat.send_caseworker_reply, ticket.channel, ticket.user_id, body.text
        )
        if not delivered:
            note = fixed_reply("wechat_window_closed")
            await run_in_threadpool(queue.add_note, ticket_id, note)
    return ReplyOutcome(message=message, delivered=delivered, channel=ticket.channel, note=note)


@router.post("/{ticket_id}/close", response_model=TicketView, summary="结束人工服务")
def close(
    ticket_id: TicketId,
    who: Annotated[Principal, Depends(caseworker)],
    svc: Annotated[Services, Depends(services)],
    body: CloseBody | None = None,
) -> TicketView:
    note = body.note if body else None
    ticket = svc.assistant.handoffs.close(ticket_id, who.name or "", note=note)
    return ticket_view(ticket, _vocabulary(svc))
