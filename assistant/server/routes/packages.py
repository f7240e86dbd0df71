"""Service packages and their follow-ups (跟踪问效) over HTTP.

A web visitor's page asks ``GET /v1/follow-ups`` when it opens: a follow-up of theirs that
has fallen due is asked then (and written to their transcript), not only when they next
write. Caseworkers read packages, the people whose follow-up shows no progress, and hand
one of them to the hand-off queue (``POST /v1/packages/{id}/ticket``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from assistant.packages.casework import (
    NO_PROGRESS_LABELS,
    PackageTicketExistsError,
    key_group_labels,
    open_follow_up_ticket,
)
from assistant.packages.followup import ask_in_transcript
from assistant.packages.store import NoProgress, PackageNotFoundError, StoredPackage
from assistant.server.auth import Principal, current_principal, require
from assistant.server.deps import services
from assistant.server.errors import ApiError
from assistant.server.routes.chat import caller_identity
from assistant.server.routes.handoffs import TicketView, ticket_view
from assistant.server.services import Services

__all__ = ["FollowUpQuestion", "NoProgressEntry", "router"]

router = APIRouter(tags=["就业服务包"])
caseworker = require("caseworker")
#: A package number: the column is an INTEGER (32 bits on PostgreSQL).
PackageId = Annotated[int, Path(ge=1, le=2**31 - 1, description="服务包编号")]


class FollowUpQuestion(BaseModel):
    question: str | None = Field(description="the follow-up asked now, or None when none is due")
    session_id: str = Field(description="the caller's conversation")


class NoProgressEntry(NoProgress):
    key_group_labels: list[str] = Field(description="the key groups' names")
    reason_label: str


def _now(svc: Services) -> datetime:
    """The follow-ups' clock (tests move it), or now."""
    follow_ups = svc.assistant.follow_ups
    return follow_ups.clock() if follow_ups is not None else datetime.now(UTC)


def _ask_due(svc: Services, session_id: str) -> str | None:
    """Asks the session's due follow-ups: all are marked asked and the latest is the one
    asked about (as in the chat), in one transaction with the transcript's message, so a
    question is never marked asked without being shown."""
    state = svc.assistant.conversations.get(session_id)
    # Only people with a package have follow-ups; none is asked while a caseworker talks.
    if state is None or state.package_id is None or state.open_ticket is not None:
        return None
    asked = ask_in_transcript(
        svc.assistant.toolbox.packages, svc.assistant.conversations, session_id, now=_now(svc)
    )
    return asked[1] if asked is not None else None


@router.get("/v1/follow-ups", response_model=FollowUpQuestion, summary="到期的跟踪回访")
async def follow_up(
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
    svc: Annotated[Services, Depends(services)],
) -> FollowUpQuestion:
    """The caller's due follow-up question, asked once: it is added to their conversation
    as the assistant's message, and their next message can answer it."""
    request.app.state.limits.check(request)
    user_id, channel = caller_identity(request, principal)
    session_id = f"{channel}:{user_id}"
    question = await run_in_threadpool(_ask_due, svc, session_id)
    return FollowUpQuestion(question=question, session_id=session_id)


@router.get(
    "/v1/follow-ups/no-progress",
    response_model=list[NoProgressEntry],
    summary="回访无进展的人员",
    dependencies=[Depends(caseworker)],
)
def no_progress(
    svc: Annotated[Services, Depends(services)],
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many")] = 200,
) -> list[NoProgressEntry]:
    """People whose latest follow-up answer says no progress, or who did not answer, and
    for whom no ticket was opened yet; oldest package first."""
    return [
        NoProgressEntry(
            **entry.model_dump(),
            key_group_labels=key_group_labels(entry.key_groups),
            reason_label=NO_PROGRESS_LABELS.get(entry.reason, entry.reason),
        )
        for entry in svc.assistant.toolbox.packages.no_progress(now=_now(svc), limit=limit)
    ]


def _package(svc: Services, package_id: int) -> StoredPackage:
    try:
        return svc.assistant.toolbox.packages.get(package_id)
    except PackageNotFoundError as exc:
        raise ApiError(404, "package_not_found", str(exc)) from exc


@router.get(
    "/v1/packages/{package_id}",
    response_model=StoredPackage,
    summary="就业服务包详情",
    dependencies=[Depends(caseworker)],
)
def package(package_id: PackageId, svc: Annotated[Services, Depends(services)]) -> StoredPackage:
    """The package as issued, with its follow-ups, outcome and ticket."""
    return _package(svc, package_id)


@router.get(
    "/v1/sessions/{session_id}/packages",
    response_model=list[StoredPackage],
    summary="会话的就业服务包",
    dependencies=[Depends(caseworker)],
)
def session_packages(
    session_id: Annotated[str, Path(max_length=250)], svc: Annotated[Services, Depends(services)]
) -> list[StoredPackage]:
    """The conversation's packages, the newest first (empty when it has none)."""
    return svc.assistant.toolbox.packages.for_session(session_id)


@router.post(
    "/v1/packages/{package_id}/ticket",
    response_model=TicketView,
    summary="转人工跟进",
    dependencies=[Depends(caseworker)],
    responses={404: {"description": "no such package"}, 409: {"description": "ticket exists"}},
)
def open_ticket(package_id: PackageId, svc: Annotated[Services, Depends(services)]) -> TicketView:
    """Opens a hand-off ticket (reason ``no_progress``) for the package's conversation:
    the summary names the package and what its follow-ups found, the facts are those the
    package was built from, and the transcript is the conversation's."""
    try:
        ticket = open_follow_up_ticket(
            svc.assistant.toolbox.packages, svc.assistant.handoffs, package_id
        )
    except PackageNotFoundError as exc:
        raise ApiError(404, "package_not_found", str(exc)) from exc
    except PackageTicketExistsError as exc:
        raise ApiError(409, "package_ticket_exists", str(exc), ticket=exc.ticket_id) from exc
    return ticket_view(ticket, svc.assistant.toolbox.rules.facts)
