"""Web chat and API turns: ``POST /v1/chat``, its SSE variant, and the transcript.

The public (the web page) talks as an anonymous visitor whose id lives in the session
cookie, on the ``web`` channel, as a job seeker or an employer. A caller with an access
token (an integrating system) may name the user and channel itself.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.models import BrainName, Channel, Reply, Role, Sender, Turn
from assistant.server.auth import Principal, current_principal, visitor_id
from assistant.server.deps import services
from assistant.server.errors import ApiError
from assistant.server.services import Services
from connectors.geo import GeoPoint
from knowledge.policies.models import Citation

__all__ = ["caller_identity", "router"]

router = APIRouter(tags=["对话"])
_SENTENCE_END = re.compile(r"(?<=[。！？；\n])")


class ChatRequest(BaseModel):
    """One message from a person."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)
    role: Role = "job_seeker"
    region: str | None = Field(default=None, description="GB/T 2260 code, e.g. 410100")
    location: GeoPoint | None = None
    user_id: str | None = Field(
        default=None, max_length=200, description="token holders only; the visitor otherwise"
    )
    channel: Channel | None = Field(default=None, description="token holders only; web otherwise")
    brain: BrainName | None = None
    on_date: date | None = Field(default=None, description="the day of the question (testing)")


class TranscriptMessage(BaseModel):
    index: int
    sender: Sender
    text: str
    created_at: datetime
    citations: list[Citation] = Field(default_factory=list)


class SessionView(BaseModel):
    session_id: str
    role: Role | None = None
    region: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    open_ticket: int | None = None
    messages: list[TranscriptMessage]


def caller_identity(request: Request, principal: Principal) -> tuple[str, Channel]:
    """The user id and channel a caller's turns have unless a token holder names them:
    the visitor on ``web`` for the public, the token holder on ``api`` otherwise."""
    if principal.role == "public":
        return visitor_id(request), "web"
    return f"{principal.role}:{principal.name}", "api"


def _turn(request: Request, body: ChatRequest, principal: Principal) -> Turn:
    if principal.role == "public":
        if body.user_id is not None or body.channel is not None:
            raise ApiError(403, "forbidden", "只有持访问令牌的系统可以指定 user_id 和 channel")
        if body.role == "agent":
            raise ApiError(403, "forbidden", "坐席角色需要登录")
    user_id, channel = caller_identity(request, principal)
    if principal.role != "public":  # a token holder may speak for a named user
        user_id, channel = body.user_id or user_id, body.channel or channel
    values = body.model_dump(exclude={"user_id", "channel", "brain"}, exclude_unset=True)
    try:
        return Turn(user_id=user_id, channel=channel, **values)
    except ValidationError as exc:
        message = "；".join(str(e.get("msg", "")) for e in exc.errors())
        raise ApiError(422, "validation_error", f"请求内容不正确：{message}") from exc


async def _answer(
    request: Request, body: ChatRequest, principal: Principal, svc: Services
) -> Reply:
    turn = _turn(request, body, principal)
    request.app.state.limits.check(request, turn.session_id)
    try:
        svc.assistant.brain(body.brain)
    except ValueError as exc:
        raise ApiError(400, "brain_unavailable", str(exc)) from exc
    return await run_in_threadpool(svc.respond, turn, brain=body.brain)


@router.post("/v1/chat", response_model=Reply, summary="一轮对话")
async def chat(
    request: Request,
    body: ChatRequest,
    principal: Annotated[Principal, Depends(current_principal)],
    svc: Annotated[Services, Depends(services)],
) -> Reply:
    """Answers one message: text, citations, tool calls, facts, hand-off."""
    return await _answer(request, body, principal, svc)


@router.post(
    "/v1/chat/stream",
    response_class=EventSourceResponse,
    summary="一轮对话（SSE 流式）",
    responses={200: {"description": "events: start, delta (text parts), reply, done / error"}},
)
async def chat_stream(
    request: Request,
    body: ChatRequest,
    principal: Annotated[Principal, Depends(current_principal)],
    svc: Annotated[Services, Depends(services)],
) -> AsyncIterator[ServerSentEvent]:
    """The same turn as server-sent events: ``start`` at once, the answer's text in
    sentence-sized ``delta`` events, then the whole ``reply`` and ``done``. A refusal
    (rate limit, bad region, …) is an ``error`` event with the JSON error's code and
    message, since the stream has already begun."""
    yield ServerSentEvent(event="start", data={})
    try:
        reply = await _answer(request, body, principal, svc)
    except ApiError as exc:
        yield ServerSentEvent(event="error", data={"code": exc.code, "message": exc.message})
        return
    for part in (p for p in _SENTENCE_END.split(reply.text) if p):
        yield ServerSentEvent(event="delta", data={"text": part})
    yield ServerSentEvent(event="reply", data=reply.model_dump(mode="json"))
    yield ServerSentEvent(event="done", data={})


@router.get("/v1/sessions/{session_id}", response_model=SessionView, summary="会话记录")
def session_transcript(
    session_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
    svc: Annotated[Services, Depends(services)],
    since: Annotated[int, Query(ge=0, description="only messages from this index on")] = 0,
) -> SessionView:
    """A visitor reads their own conversation; caseworkers and admins any."""
    own = principal.role == "public" and session_id == f"web:{visitor_id(request)}"
    if not (own or principal.may("caseworker")):
        raise ApiError(404, "not_found", "没有这个会话")
    state = svc.assistant.conversations.get(session_id)
    if state is None:
        if own:  # a visitor who has not written yet
            return SessionView(session_id=session_id, messages=[])
        raise ApiError(404, "not_found", "没有这个会话")
    messages = [
        TranscriptMessage(
            index=index,
            sender=message.sender,
            text=message.text,
            created_at=message.created_at,
            citations=(payload or {}).get("citations") or [],
        )
        for index, (message, payload) in enumerate(
            svc.assistant.conversations.payloads(session_id, since=since), start=since
        )
    ]
    return SessionView(
        session_id=session_id,
        role=state.role,
        region=state.region,
        facts=state.facts,
        open_ticket=state.open_ticket,
        messages=messages,
    )
