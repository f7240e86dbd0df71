"""Hotline agent-assist: suggestions for the live call, and what the agent did with them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from assistant.assist import AssistRequest, AssistResult
from assistant.feedback import FeedbackEvent
from assistant.server.auth import Principal, require
from assistant.server.deps import services
from assistant.server.services import Services

__all__ = ["router"]

agent = require("agent")
router = APIRouter(prefix="/v1/assist", tags=["坐席辅助"], dependencies=[Depends(agent)])


class FeedbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    call_id: str = Field(min_length=1, max_length=200)
    suggestion_id: str = Field(min_length=1, max_length=64)
    event: FeedbackEvent


class Recorded(BaseModel):
    recorded: bool = True


@router.post("", response_model=AssistResult, summary="坐席辅助建议")
async def assist(
    request: Request,
    body: AssistRequest,
    who: Annotated[Principal, Depends(agent)],
    svc: Annotated[Services, Depends(services)],
) -> AssistResult:
    """The transcript so far → suggested answers, checks worth running, summary, next steps."""
    request.app.state.limits.check(request, f"agent:{who.name}")
    return await run_in_threadpool(svc.assist.suggest, body)


@router.post("/feedback", response_model=Recorded, summary="建议的使用反馈")
def feedback(
    body: FeedbackBody,
    who: Annotated[Principal, Depends(agent)],
    svc: Annotated[Services, Depends(services)],
) -> Recorded:
    """Displayed / copied / helpful / not helpful, stored before the answer."""
    svc.feedback.record(body.call_id, body.suggestion_id, body.event, agent=who.name)
    svc.metrics.feedback.labels(body.event).inc()
    return Recorded()
