"""The pages: web chat (public), agent assist, caseworker console, service statistics
(admins), login.

Plain HTML + JavaScript from ``assistant/server/static`` (no build step). Pages behind a
role redirect to the login page when nobody is logged in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.server.auth import (
    Principal,
    current_principal,
    log_in,
    log_out,
    require,
)
from assistant.server.errors import ApiError

__all__ = ["STATIC_DIR", "router"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
router = APIRouter()


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html; charset=utf-8")


@router.get("/", include_in_schema=False)
def chat_page() -> FileResponse:
    return _page("index.html")


@router.get("/login", include_in_schema=False)
def login_page() -> FileResponse:
    return _page("login.html")


@router.get("/agent", include_in_schema=False, dependencies=[Depends(require("agent", page=True))])
def agent_page() -> FileResponse:
    return _page("agent.html")


@router.get(
    "/console",
    include_in_schema=False,
    dependencies=[Depends(require("caseworker", page=True))],
)
def console_page() -> FileResponse:
    return _page("console.html")


@router.get("/admin", include_in_schema=False, dependencies=[Depends(require("admin", page=True))])
def admin_page() -> FileResponse:
    return _page("admin.html")


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=500)


class Me(BaseModel):
    name: str | None
    role: str


@router.post("/v1/login", response_model=Me, tags=["登录"], summary="用访问令牌登录")
def login(request: Request, body: LoginBody) -> Me:
    """Checks the token and starts a session (HttpOnly, SameSite=Lax cookie)."""
    request.app.state.limits.check(request)  # slows down guessing
    principal = request.app.state.tokens.check(body.token.strip())
    if principal is None:
        raise ApiError(401, "unauthorized", "访问令牌不正确")
    log_in(request, principal)
    return Me(name=principal.name, role=principal.role)


@router.post("/v1/logout", response_model=Me, tags=["登录"], summary="退出登录")
def logout(request: Request) -> Me:
    log_out(request)
    return Me(name=None, role="public")


@router.get("/v1/me", response_model=Me, tags=["登录"], summary="当前身份")
def me(principal: Annotated[Principal, Depends(current_principal)]) -> Me:
    return Me(name=principal.name, role=principal.role)
