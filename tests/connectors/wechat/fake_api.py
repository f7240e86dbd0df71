"""A fake WeChat server API on 127.0.0.1 (WeChat's servers cannot be reached in tests).

It answers the token endpoints of an Official Account (``/cgi-bin/token``) and a WeCom
app (``/cgi-bin/gettoken``) and the message endpoints (``/cgi-bin/message/custom/send``,
``/cgi-bin/message/send``), and records every request. ``send_errors`` are answered to
sends in turn (WeChat's ``errcode``), then ``{"errcode": 0}``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Call:
    path: str
    query: dict[str, str]
    body: dict[str, Any] | None


@dataclass
class FakeWeChatAPI:
    token_lifetime: int = 7200
    send_errors: list[int] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    accepted: list[Call] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FakeWeChatAPI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer(None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(json.loads(self.rfile.read(length).decode("utf-8")))

            def _answer(self, body: dict[str, Any] | None) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                answer = fake.answer(Call(url.path, query, body))
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def answer(self, call: Call) -> dict[str, Any]:
        with self._lock:
            self.calls.append(call)
            if call.path in ("/cgi-bin/token", "/cgi-bin/gettoken"):
                token = f"token-{len(self.issued) + 1}"
                self.issued.append(token)
                return {"access_token": token, "expires_in": self.token_lifetime}
            if call.path in ("/cgi-bin/message/custom/send", "/cgi-bin/message/send"):
                if call.query.get("access_token") not in self.issued:
                    return {"errcode": 40001, "errmsg": "invalid credential"}
                if self.send_errors:
                    code = self.send_errors.pop(0)
                    return {"errcode": code, "errmsg": f"error {code}"}
                self.accepted.append(call)
                return {"errcode": 0, "errmsg": "ok"}
            return {"errcode": 404, "errmsg": "no such api"}

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def token_requests(self) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path in ("/cgi-bin/token", "/cgi-bin/gettoken")]

    def sends(self) -> list[Call]:
        """Every message send, accepted or not."""
        with self._lock:
            return [c for c in self.calls if c.path.startswith("/cgi-bin/message/")]

    def texts(self, user_id: str | None = None) -> list[str]:
        """The texts of the sends WeChat accepted (a valid token, no scripted error)."""
        with self._lock:
            accepted = list(self.accepted)
        return [
            c.body["text"]["content"]
            for c in accepted
            if c.body and (user_id is None or c.body["touser"] == user_id)
        ]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChatAPI]:
    fake = FakeWeChatAPI().start()
    yield fake
    fake.stop()
