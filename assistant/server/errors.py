"""JSON errors: every refusal is ``{"error": {"code", "message", ...}}`` in Chinese, and no
stack trace ever reaches a client (it goes to the log with the request id)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from assistant.handoff import (
    HandoffError,
    TicketAlreadyClaimedError,
    TicketClaimedByOtherError,
    TicketNotFoundError,
)
from assistant.server.auth import LoginRequired
from assistant.server.observability import request_id
from connectors.errors import DatabaseUnavailableError

__all__ = ["ApiError", "error_body", "install_error_handlers"]

log = logging.getLogger("jiuye.server")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}
_MESSAGES = {
    # Only the framework raises 400: a body its JSON or multipart parser gives up on.
    400: "请求内容无法解析，请检查格式和编码",
    404: "没有这个地址",
    405: "不支持这个请求方法",
}


class ApiError(Exception):
    """A refusal with its HTTP status, a stable code and a Chinese message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.details = details


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "request_id": request_id(), **details}}


def _json(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **details: Any
) -> JSONResponse:
    return JSONResponse(error_body(code, message, **details), status_code=status, headers=headers)


#: Chinese wording of pydantic's most common error types (others keep pydantic's text).
_VALIDATION_MESSAGES = {
    "missing": "缺少此项",
    "extra_forbidden": "不认识的字段",
    "string_too_short": "不能为空或过短",
    "string_too_long": "过长",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "too_short": "条目过少",
    "too_long": "条目过多",
    "greater_than_equal": "过小",
    "less_than_equal": "过大",
}


def _problem(error: Any) -> dict[str, str]:
    kind = str(error.get("type", ""))
    message = _VALIDATION_MESSAGES.get(kind) or str(error.get("msg", ""))
    if kind == "literal_error" and error.get("ctx", {}).get("expected"):
        message += f"（可选 {error['ctx']['expected']}）"
    return {"field": _field(error.get("loc", ())), "message": message}


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "请求"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> Response:
        return _json(exc.status, exc.code, exc.message, exc.headers, **exc.details)

    @app.exception_handler(LoginRequired)
    async def login_required(_: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> Response:
        problems = [_problem(e) for e in exc.errors()]
        summary = "；".join(f"{p['field']}：{p['message']}" for p in problems[:5])
        return _json(422, "validation_error", f"请求内容不正确：{summary}", problems=problems)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else None
        message = _MESSAGES.get(exc.status_code) or detail or "请求无法处理"
        code = _CODES.get(exc.status_code, "error")
        return _json(exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(HandoffError)
    async def handoff_refused(_: Request, exc: HandoffError) -> Response:
        if isinstance(exc, TicketNotFoundError):
            return _json(404, "ticket_not_found", str(exc))
        code = (
            "ticket_claimed"
            if isinstance(exc, TicketAlreadyClaimedError | TicketClaimedByOtherError)
            else "ticket_state"
        )
        return _json(409, code, str(exc), ticket=exc.ticket_id)

    @app.exception_handler(DatabaseUnavailableError)
    async def database_unavailable(request: Request, exc: DatabaseUnavailableError) -> Response:
        # A handler of its own, so the connection stays up (the catch-all re-raises).
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return _json(
            503,
            "unavailable",
            "服务繁忙，请稍后再试。",
            {"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        metrics = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.errors.labels("unhandled").inc()
        return _json(500, "internal_error", "服务内部错误，请稍后再试；如持续出现请联系管理员。")
