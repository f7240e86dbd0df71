"""Abuse limits: request body size, and turns per user and requests per client address.

Rate limits use the ``limits`` library's moving windows in process memory (one window per
worker: with N workers a client gets at most N times the limit; a shared store is the
next step when that matters). A refused request gets 429 with ``Retry-After``.
"""

from __future__ import annotations

import json
import math
import time

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.server.errors import ApiError, error_body

__all__ = ["BodySizeLimit", "RateLimits"]


class RateLimits:
    """Per-user and per-address limits, checked by the routes that do real work."""

    def __init__(self, per_user: str, per_ip: str) -> None:
        try:
            self.per_user: RateLimitItem = parse(per_user)
            self.per_ip: RateLimitItem = parse(per_ip)
        except ValueError as exc:
            raise ValueError(f"限流设置格式不正确（应如 30/minute）：{exc}") from exc
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def allow_user(self, user: str) -> bool:
        """Counts one turn of ``user`` against the per-user limit (for callers such as
        WeChat, whose requests all come from WeChat's servers); False when exceeded."""
        return bool(self._limiter.hit(self.per_user, "user", user))

    def check(self, request: Request, user: str | None = None) -> None:
        """Counts the request; raises a 429 :class:`ApiError` when a limit is exceeded."""
        address = request.client.host if request.client else "unknown"
        checks = [("ip", self.per_ip, address)]
        if user:
            checks.append(("user", self.per_user, user))
        for name, item, key in checks:
            if not self._limiter.hit(item, name, key):
                reset, _ = self._limiter.get_window_stats(item, name, key)
                wait = max(1, math.ceil(reset - time.time()))
                metrics = getattr(request.app.state, "metrics", None)
                if metrics is not None:
                    metrics.rate_limited.labels(name).inc()
                who = "您的账号" if name == "user" else "您的网络地址"
                raise ApiError(
                    429,
                    "rate_limited",
                    f"{who}请求过于频繁，请 {wait} 秒后再试",
                    headers={"Retry-After": str(wait)},
                )


class BodySizeLimit:
    """Refuses request bodies over ``limit`` bytes (``upload_limit`` under ``upload_prefix``)
    with 413, by the declared length or, for chunked bodies, while reading."""

    def __init__(self, app: ASGIApp, *, limit: int, upload_limit: int, upload_prefix: str) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.upload_prefix = upload_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"].startswith(self.upload_prefix) else self.limit
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # a chunked body that grew past the limit
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, counted, send)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        body = json.dumps(
            error_body("too_large", _too_large(limit)),
            ensure_ascii=False,
        ).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> str:
    return f"请求内容过大（上限 {limit // 1000} KB）"
