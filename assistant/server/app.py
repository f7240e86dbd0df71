"""The FastAPI application: routes, pages, access control, limits, logs and metrics.

``create_app(settings)`` builds the services on start-up (in the lifespan, which also
starts the vacancy sync and the hand-off webhook and stops them on shutdown);
``create_app(settings, services=...)`` serves prebuilt ones (tests, benchmarks).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from assistant.server.abuse import BodySizeLimit, RateLimits
from assistant.server.auth import TokenBook
from assistant.server.errors import install_error_handlers
from assistant.server.observability import Metrics, RequestContextMiddleware
from assistant.server.routes import (
    admin,
    assist,
    chat,
    handoffs,
    health,
    packages,
    pages,
    wechat,
)
from assistant.server.services import Services, build_services
from assistant.settings import Settings

__all__ = ["SESSION_COOKIE", "create_app"]

SESSION_COOKIE = "jiuye_session"

_DESCRIPTION = """就业（Jiuye）公共就业服务助手的 HTTP 接口。

- 对话：`POST /v1/chat`（及 SSE 流式 `/v1/chat/stream`），会话记录 `GET /v1/sessions/{id}`
- 坐席辅助：`POST /v1/assist`、`POST /v1/assist/feedback`（需坐席令牌）
- 转人工：`/v1/handoffs`（需人工服务专员令牌）
- 就业服务包：到期回访 `GET /v1/follow-ups`（访客）；服务包 `/v1/packages/{id}`、
  回访无进展名单 `GET /v1/follow-ups/no-progress`、转人工跟进 `POST /v1/packages/{id}/ticket`
  （需人工服务专员令牌）
- 管理：`/v1/admin/*`（需管理员令牌）
- 微信：`/wechat/mp`（公众号）、`/wechat/work`（企业微信）回调，按微信签名校验

令牌以 `Authorization: Bearer <令牌>` 发送；页面登录后使用会话 Cookie。
错误统一为 `{"error": {"code", "message", "request_id"}}`。
"""


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    metrics = services.metrics if services is not None else Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        running = services or build_services(settings)
        running.metrics = metrics
        app.state.services = running
        running.start()
        try:
            yield
        finally:
            if running.wechat is not None:
                await running.wechat.finish_late()  # before the loop cancels them
            running.stop()

    app = FastAPI(
        title="就业 Jiuye",
        version="0.1.0",
        description=_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.tokens = TokenBook(settings.access_tokens)
    app.state.limits = RateLimits(settings.rate_limit_user, settings.rate_limit_ip)
    if services is not None:
        app.state.services = services

    install_error_handlers(app)
    for router in (
        chat.router,
        assist.router,
        handoffs.router,
        packages.router,
        admin.router,
        health.router,
        wechat.router,
    ):
        app.include_router(router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")

    # Outermost last: request id and metrics see everything, including refusals.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret or secrets.token_hex(32),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(
        BodySizeLimit,
        limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
        upload_prefix="/v1/admin/documents",
    )
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    return app
