"""What operators see: request ids, JSON logs with PII masked, and Prometheus metrics.

Every request gets an id (the caller's ``X-Request-ID`` when it is sane, else a new one),
echoed in the response and in every log line written while the request runs. Log lines
are one JSON object each; their message and string fields pass through the PII masker, so
a phone or ID number a user typed never reaches the log. Metrics live in the app's own
registry (several apps in one test process never share counters).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.guardrails.pii import mask_pii

if TYPE_CHECKING:
    from assistant.packages.store import PackageStatistics

__all__ = [
    "JsonLogFormatter",
    "Metrics",
    "PackageCollector",
    "RequestContextMiddleware",
    "configure_logging",
    "request_id",
]

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "jiuye_request_id", default=None
)
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
}
access_log = logging.getLogger("jiuye.access")


def request_id() -> str | None:
    """The id of the request being served (None outside a request)."""
    return _request_id.get()


def _masked(value: Any) -> Any:
    return mask_pii(value).text if isinstance(value, str) else value


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": _masked(record.getMessage()),
        }
        rid = getattr(record, "request_id", None) or request_id()
        if rid:
            entry["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key != "request_id" and not key.startswith("_"):
                entry[key] = _masked(value)
        if record.exc_info:
            entry["exception"] = _masked(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    """JSON lines on stderr for the server and uvicorn (replacing their handlers)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our access log has request ids


class PackageCollector(Collector):
    """Service packages and their follow-ups, read from the store at each scrape (the
    database is the truth, shared by every worker): packages issued, in total and per key
    group ("none" for people in no key group), follow-ups asked and answered, and the
    packages by their best outcome so far ("none" before any answer)."""

    def __init__(self) -> None:
        #: Reads the figures; set once the services exist (``Services`` does).
        self.source: Callable[[], PackageStatistics] | None = None

    def describe(self) -> Iterator[Metric]:
        yield from self._families(None)

    def collect(self) -> Iterator[Metric]:
        yield from self._families(self.source() if self.source is not None else None)

    @staticmethod
    def _families(stats: PackageStatistics | None) -> Iterator[Metric]:
        issued = CounterMetricFamily("jiuye_service_packages", "Service packages issued")
        groups = CounterMetricFamily(
            "jiuye_service_packages_key_group",
            "Service packages issued per key group",
            labels=["key_group"],
        )
        follow_ups = CounterMetricFamily(
            "jiuye_follow_ups", "Package follow-ups asked and answered", labels=["state"]
        )
        outcomes = GaugeMetricFamily(
            "jiuye_package_outcomes", "Service packages by best outcome", labels=["outcome"]
        )
        if stats is not None:
            issued.add_metric([], stats.issued)
            for group, count in sorted(stats.by_key_group.items()):
                groups.add_metric([group], count)
            groups.add_metric(["none"], stats.without_key_group)
            follow_ups.add_metric(["asked"], stats.follow_ups_asked)
            follow_ups.add_metric(["answered"], stats.follow_ups_answered)
            for outcome, count in stats.outcomes.items():
                outcomes.add_metric([outcome], count)
        yield from (issued, groups, follow_ups, outcomes)


class Metrics:
    """The service's Prometheus metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.turn_seconds = Histogram(
            "jiuye_turn_seconds",
            "Time to answer one turn",
            ["brain", "channel"],
            registry=r,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30),
        )
        self.tool_calls = Counter(
            "jiuye_tool_calls", "Tool calls by tool and outcome", ["tool", "outcome"], registry=r
        )
        self.handoffs = Counter(
            "jiuye_handoffs", "Hand-off tickets opened", ["reason", "channel"], registry=r
        )
        self.errors = Counter("jiuye_errors", "Errors by kind", ["kind"], registry=r)
        self.requests = Counter(
            "jiuye_http_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.request_seconds = Histogram(
            "jiuye_http_request_seconds", "HTTP request duration", ["route"], registry=r
        )
        self.feedback = Counter(
            "jiuye_assist_feedback", "Agent-assist feedback events", ["event"], registry=r
        )
        self.rate_limited = Counter(
            "jiuye_rate_limited", "Requests refused by a rate limit", ["limit"], registry=r
        )
        self.handoff_queue = Gauge(
            "jiuye_handoff_queue", "Tickets waiting or being served", ["status"], registry=r
        )
        self.packages = PackageCollector()
        r.register(self.packages)


class RequestContextMiddleware:
    """Request id, access log line and HTTP metrics for every request (pure ASGI, so
    streaming responses are timed to their end)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = _request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
            self.metrics.request_seconds.labels(template).observe(elapsed)
            if status >= 500:
                self.metrics.errors.labels("http_5xx").inc()
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
            _request_id.reset(token)
