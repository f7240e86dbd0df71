"""The WeChat server API the channel calls: access tokens and customer-service messages.

An Official Account fetches its token at ``/cgi-bin/token`` (AppID + AppSecret) and sends
with ``/cgi-bin/message/custom/send``; a WeCom app fetches at ``/cgi-bin/gettoken``
(CorpID + Secret) and sends with ``/cgi-bin/message/send`` (with its AgentId). The base URL
is a setting, so tests point it at a local fake WeChat API server.

The token is cached in the process until shortly before it expires, and fetched again at
once when WeChat says it is invalid or expired (another worker may have refreshed it).
httpx errors and WeChat's ``errcode`` replies become :class:`WeChatAPIError`.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Literal

import httpx

from connectors.wechat.errors import WeChatAPIError

__all__ = ["TOKEN_INVALID", "WINDOW_CLOSED", "AccountKind", "WeChatAPI"]

AccountKind = Literal["mp", "work"]
#: errcodes meaning the access token is invalid or expired: fetch a new one and retry.
TOKEN_INVALID = frozenset({40001, 40014, 42001})
#: errcodes meaning the 48-hour customer-service window has closed for this user.
WINDOW_CLOSED = frozenset({45015, 45047})
_REFRESH_MARGIN = 300.0  # seconds before expiry that a token is fetched again


class WeChatAPI:
    """One account's API client (an Official Account or a WeCom app)."""

    def __init__(
        self,
        kind: AccountKind,
        *,
        base_url: str,
        app_id: str,
        secret: str,
        agent_id: int | None = None,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if kind == "work" and agent_id is None:
            raise ValueError("企业微信需要设置应用的 AgentId（JIUYE_WECOM_AGENT_ID）")
        self.kind = kind
        self.app_id = app_id
        self.agent_id = agent_id
        self._secret = secret
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
        )
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    # the access token --------------------------------------------------------------------

    def access_token(self, *, refresh: bool = False) -> str:
        """The cached token, fetched when missing, near expiry or ``refresh``."""
        with self._lock:
            if refresh or self._token is None or time.monotonic() >= self._expires:
                if self.kind == "mp":
                    params = {
                        "grant_type": "client_credential",
                        "appid": self.app_id,
                        "secret": self._secret,
                    }
                    body = self._call("GET", "/cgi-bin/token", params=params)
                else:
                    params = {"corpid": self.app_id, "corpsecret": self._secret}
                    body = self._call("GET", "/cgi-bin/gettoken", params=params)
                token = body.get("access_token")
                if not isinstance(token, str) or not token:
                    raise WeChatAPIError("微信接口没有返回 access_token")
                lifetime = float(body.get("expires_in") or 7200)
                self._token = token
                self._expires = time.monotonic() + max(60.0, lifetime - _REFRESH_MARGIN)
            return self._token

    # messages ----------------------------------------------------------------------------

    def send_text(self, user_id: str, text: str) -> None:
        """Sends one text message to the user (an OpenID or a WeCom UserID)."""
        message: dict[str, Any] = {"touser": user_id, "msgtype": "text", "text": {"content": text}}
        path = "/cgi-bin/message/custom/send"
        if self.kind == "work":
            message["agentid"] = self.agent_id
            path = "/cgi-bin/message/send"
        content = json.dumps(message, ensure_ascii=False).encode("utf-8")
        for attempt in range(2):
            token = self.access_token(refresh=attempt > 0)
            try:
                self._call("POST", path, params={"access_token": token}, content=content)
                return
            except WeChatAPIError as exc:
                if exc.errcode not in TOKEN_INVALID or attempt:
                    raise

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Content-Type": "application/json; charset=utf-8"} if "content" in kwargs else {}
        try:
            response = self._client.request(method, path, headers=headers, **kwargs)
            response.raise_for_status()
            body = response.json()
        except httpx.TimeoutException as exc:
            raise WeChatAPIError(f"微信接口请求超时：{path}") from exc
        except httpx.HTTPStatusError as exc:
            raise WeChatAPIError(f"微信接口返回 HTTP {exc.response.status_code}：{path}") from exc
        except httpx.HTTPError as exc:
            raise WeChatAPIError(f"微信接口无法连接：{type(exc).__name__}") from exc
        except ValueError as exc:
            raise WeChatAPIError(f"微信接口返回的不是 JSON：{path}") from exc
        if not isinstance(body, dict):
            raise WeChatAPIError(f"微信接口返回的不是 JSON 对象：{path}")
        errcode = body.get("errcode", 0)
        if errcode:
            errmsg = str(body.get("errmsg", ""))
            raise WeChatAPIError(
                f"微信接口拒绝了请求（{errcode}）：{errmsg}",
                errcode=int(errcode),
                errmsg=errmsg,
            )
        return body
