"""A scripted OpenAI-compatible chat server: the LLM brain's stand-in in tests.

It speaks the real wire format of ``POST /v1/chat/completions`` (non-streaming) on
127.0.0.1, so the real ``openai`` client and langchain-openai run end to end: tool calls
with ``id``/``type``/``function{name, arguments}`` (arguments as a JSON string, as OpenAI
sends them), ``finish_reason`` and ``usage``. A test scripts the model's side of the
conversation as a list of steps, played one per request in order:

- :func:`answer` — a text answer;
- :func:`call` / :func:`calls` — one or several tool calls (arguments as a dict, or as a
  raw string to send JSON the client cannot parse);
- :func:`delay` — wait before playing another step (to trigger the client's timeout);
- :func:`status` — an HTTP error (500 by default) with OpenAI's error body;
- :func:`garbage` — a 200 whose body is not a chat completion;
- any callable taking the request's JSON body and returning a step, for answers that
  depend on what the client sent.

Every request body is recorded in :attr:`OpenAIStub.requests`. A request beyond the script
gets a 500 and is counted in :attr:`OpenAIStub.unscripted`; a callable step that raises
gets a 500 too, and its exception is kept in :attr:`OpenAIStub.errors`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

__all__ = [
    "Answer",
    "Delay",
    "Garbage",
    "HTTPFailure",
    "OpenAIStub",
    "Step",
    "ToolCallSpec",
    "answer",
    "call",
    "calls",
    "delay",
    "garbage",
    "openai_stub",
    "status",
]


@dataclass(frozen=True)
class ToolCallSpec:
    """One function call the scripted model makes."""

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    def wire(self, fallback_id: str) -> dict[str, Any]:
        arguments = (
            self.arguments
            if isinstance(self.arguments, str)
            else json.dumps(dict(self.arguments), ensure_ascii=False)
        )
        return {
            "id": self.id or fallback_id,
            "type": "function",
            "function": {"name": self.name, "arguments": arguments},
        }


@dataclass(frozen=True)
class Answer:
    """A chat completion: text, tool calls, or both."""

    content: str | None = None
    tool_calls: tuple[ToolCallSpec, ...] = ()


@dataclass(frozen=True)
class Delay:
    """Waits ``seconds`` before playing ``then``: long enough, the client gives up first."""

    seconds: float
    then: Step = Answer("（迟到的回答）")


@dataclass(frozen=True)
class HTTPFailure:
    code: int = 500
    message: str = "The server had an error while processing your request."


@dataclass(frozen=True)
class Garbage:
    body: bytes = b'{"id": "chatcmpl-garbage", "choices": [ {"mess'
    content_type: str = "application/json"


Step = Answer | Delay | HTTPFailure | Garbage | Callable[[dict[str, Any]], "Step"]


def answer(text: str) -> Answer:
    return Answer(content=text)


def call(
    name: str, arguments: Mapping[str, Any] | str | None = None, *, id: str | None = None
) -> Answer:
    return Answer(tool_calls=(ToolCallSpec(name, {} if arguments is None else arguments, id),))


def calls(*specs: ToolCallSpec) -> Answer:
    return Answer(tool_calls=tuple(specs))


def delay(seconds: float, then: Step | None = None) -> Delay:
    return Delay(seconds, then) if then is not None else Delay(seconds)


def status(code: int = 500, message: str | None = None) -> HTTPFailure:
    return HTTPFailure(code, message) if message else HTTPFailure(code)


def garbage(body: bytes | None = None, content_type: str = "application/json") -> Garbage:
    return Garbage(body, content_type) if body is not None else Garbage(content_type=content_type)


class OpenAIStub:
    """The server; use as a context manager (or the ``openai_stub`` fixture)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.unscripted = 0
        self.errors: list[Exception] = []
        self._steps: list[Step] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL for an OpenAI client (ends in ``/v1``)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, steps: list[Step]) -> None:
        """Replaces the steps still to play."""
        with self._lock:
            self._steps = list(steps)

    def __enter__(self) -> OpenAIStub:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- serving -------------------------------------------------------------------------

    def _next(self, body: dict[str, Any]) -> Step | None:
        with self._lock:
            self.requests.append(body)
            if not self._steps:
                self.unscripted += 1
                return None
            return self._steps.pop(0)

    def _play(self, step: Step | None, body: dict[str, Any]) -> tuple[int, bytes, str]:
        while callable(step):
            try:
                step = step(body)
            except Exception as exc:  # a test's step failed: tell the client, keep the error
                self.errors.append(exc)
                return self._error(500, f"openai stub: the scripted step raised {exc!r}")
        if step is None:
            return self._error(500, "openai stub: no scripted step left for this request")
        if isinstance(step, Delay):
            if self._closing.wait(step.seconds):
                return self._error(503, "openai stub: shutting down")
            return self._play(step.then, body)
        if isinstance(step, HTTPFailure):
            return self._error(step.code, step.message)
        if isinstance(step, Garbage):
            return 200, step.body, step.content_type
        assert isinstance(step, Answer)
        return (
            200,
            json.dumps(self._completion(step, body), ensure_ascii=False).encode(),
            ("application/json"),
        )

    def _completion(self, step: Answer, body: dict[str, Any]) -> dict[str, Any]:
        number = next(self._ids)
        message: dict[str, Any] = {"role": "assistant", "content": step.content, "refusal": None}
        if step.tool_calls:
            message["tool_calls"] = [
                spec.wire(f"call_{number}_{i}") for i, spec in enumerate(step.tool_calls)
            ]
        prompt_tokens = len(json.dumps(body.get("messages", []), ensure_ascii=False)) // 2
        completion_tokens = len(json.dumps(message, ensure_ascii=False)) // 2
        return {
            "id": f"chatcmpl-stub-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "stub"),
            "system_fingerprint": "fp_stub",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": "tool_calls" if step.tool_calls else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    @staticmethod
    def _error(code: int, message: str) -> tuple[int, bytes, str]:
        kind = "server_error" if code >= 500 else "invalid_request_error"
        body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        return code, json.dumps(body).encode(), "application/json"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(*stub._error(404, f"openai stub: no route {self.path}"))
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    self._send(*stub._error(400, "openai stub: the body is not JSON"))
                    return
                self._send(*stub._play(stub._next(body), body))

            def _send(self, code: int, payload: bytes, content_type: str) -> None:
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (timeout) and closed the connection
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def openai_stub() -> Iterator[OpenAIStub]:
    """A running scripted server; ``.url`` is the base URL, ``.script([...])`` the plan."""
    with OpenAIStub() as stub:
        yield stub
