"""The WeChat callbacks: ``/wechat/mp`` (Official Account) and ``/wechat/work`` (WeCom).

Public routes: WeChat's servers call them, and every request proves itself with the
account's signature (and, in safe mode, the message's ``msg_signature``). GET verifies the
URL when it is configured in the WeChat admin console; POST carries messages and gets the
passive reply XML or ``success``. The per-user turn limit applies (a user over it is asked
to slow down); the per-address limit does not, as every request comes from WeChat.
Refusals are the service's JSON errors: a wrong signature or an old timestamp 403, a
malformed or encrypted-wrong body 400, an oversized body 413, an account that is not
configured 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from assistant.server.deps import services
from assistant.server.errors import ApiError
from assistant.server.services import Services
from connectors.wechat import (
    BodyTooLargeError,
    DecryptError,
    MessageXMLError,
    ReplayError,
    SignatureError,
    WeChatAccount,
    WeChatChannel,
    WeChatError,
)

__all__ = ["router"]

router = APIRouter(tags=["微信"])

_PATHS = {"wechat": "/wechat/mp", "wecom": "/wechat/work"}
_NAMES = {"wechat": "微信公众号", "wecom": "企业微信"}
_STATUS: list[tuple[type[WeChatError], int, str]] = [
    (SignatureError, 403, "bad_signature"),
    (ReplayError, 403, "stale_request"),
    (BodyTooLargeError, 413, "too_large"),
    (DecryptError, 400, "bad_message"),
    (MessageXMLError, 400, "bad_message"),
]


def _refusal(exc: WeChatError) -> ApiError:
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            return ApiError(status, code, str(exc))
    return ApiError(400, "bad_request", str(exc))


def _account(svc: Services, channel: str) -> tuple[WeChatChannel, WeChatAccount]:
    account = svc.wechat.accounts.get(channel) if svc.wechat else None  # type: ignore[call-overload]
    if svc.wechat is None or account is None:
        raise ApiError(404, "not_found", f"没有配置{_NAMES[channel]}接入")
    return svc.wechat, account


def _allow(request: Request, svc: Services, user: str) -> bool:
    allowed: bool = request.app.state.limits.allow_user(user)
    if not allowed:
        svc.metrics.rate_limited.labels("user").inc()
    return allowed


def _routes(channel: str) -> None:
    path = _PATHS[channel]

    async def verify(request: Request, svc: Annotated[Services, Depends(services)]) -> Response:
        wechat, account = _account(svc, channel)
        try:
            echostr = await run_in_threadpool(
                wechat.verify_url, account, dict(request.query_params)
            )
        except WeChatError as exc:
            raise _refusal(exc) from exc
        return PlainTextResponse(echostr)

    async def receive(request: Request, svc: Annotated[Services, Depends(services)]) -> Response:
        wechat, account = _account(svc, channel)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > wechat.max_body_bytes:
                raise _refusal(BodyTooLargeError("微信消息过大"))
        try:
            answer = await wechat.handle(
                account,
                dict(request.query_params),
                bytes(body),
                allow=lambda user: _allow(request, svc, user),
            )
        except WeChatError as exc:
            raise _refusal(exc) from exc
        media = "text/plain" if answer == "success" else "application/xml"
        return Response(answer, media_type=media)

    name = _NAMES[channel]
    router.add_api_route(
        path,
        verify,
        methods=["GET"],
        summary=f"{name}：验证回调地址",
        response_class=PlainTextResponse,
    )
    router.add_api_route(
        path, receive, methods=["POST"], summary=f"{name}：接收消息", response_class=Response
    )


for _channel in _PATHS:
    _routes(_channel)
