"""What a run produced: turns, cases, suites and the run, in the shape of the JSON report.

The ``--json`` report is :meth:`RunReport.model_dump` of these models (spec shape plus more
fields), and ``--compare`` reads such a file back with :meth:`RunReport.model_validate`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CaseResult",
    "CheckResult",
    "CitationRecord",
    "HandoffRecord",
    "KindRate",
    "Metrics",
    "RunReport",
    "RunSummary",
    "SuiteResult",
    "ToolRecord",
    "TurnResult",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ToolRecord(_Model):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class CitationRecord(_Model):
    title: str
    article: str | None = None
    path: str = Field(default="", description="the document's source (manifest path)")
    region: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    doc_id: str | None = None


class HandoffRecord(_Model):
    id: int
    reason: str


class CheckResult(_Model):
    """One expectation kind checked on one turn; ``passed`` None means skipped."""

    kind: str
    passed: bool | None
    detail: str = ""
    expected: Any = None


class TurnResult(_Model):
    user: str
    reply: str = ""
    passed: bool = False
    tools: list[ToolRecord] = Field(default_factory=list)
    citations: list[CitationRecord] = Field(default_factory=list)
    failures: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list, description="checks that could not run")
    checks: list[CheckResult] = Field(default_factory=list)
    latency_ms: float = 0.0
    handoff: HandoffRecord | None = Field(default=None, description="a ticket opened this turn")
    facts: dict[str, Any] = Field(default_factory=dict)
    error: str | None = Field(default=None, description="the assistant raised: the error")


class CaseResult(_Model):
    id: str
    tags: list[str] = Field(default_factory=list)
    passed: bool = False
    turns: list[TurnResult] = Field(
        default_factory=list, description="the first failing run, else the first run"
    )
    runs: int = 1
    passes: int = 0
    duration_ms: float = 0.0

    @property
    def flaky(self) -> bool:
        return 0 < self.passes < self.runs

    @property
    def skipped(self) -> list[str]:
        return [s for turn in self.turns for s in turn.skipped]


class KindRate(_Model):
    checked: int = 0
    passed: int = 0

    @property
    def rate(self) -> float | None:
        return self.passed / self.checked if self.checked else None


class Metrics(_Model):
    """The figures the spec lists; a rate is None when nothing measured it."""

    cases: int = 0
    passed: int = 0
    flaky: int = 0
    turns: int = 0
    expectations: dict[str, KindRate] = Field(default_factory=dict)
    tool_call_accuracy: float | None = None
    handoff_precision: float | None = None
    handoff_recall: float | None = None
    citation_accuracy: float | None = None
    refusal_accuracy: float | None = None
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    skipped_checks: int = 0


class SuiteResult(_Model):
    suite: str
    file: str
    kind: Literal["suite", "rasa"] = "suite"
    today: date | None = None
    cases: list[CaseResult] = Field(default_factory=list)
    metrics: Metrics = Field(default_factory=Metrics)
    error: str | None = Field(default=None, description="the suite could not be set up")
    setup_ms: float = 0.0
    setup_cached: bool = False


class RunSummary(_Model):
    cases: int = 0
    passed: int = 0
    failed: int = 0
    flaky: int = 0
    errors: int = Field(default=0, description="suites that could not be set up")
    interrupted: bool = False
    metrics: Metrics = Field(default_factory=Metrics)


class RunReport(_Model):
    summary: RunSummary = Field(default_factory=RunSummary)
    suites: list[SuiteResult] = Field(default_factory=list)
    brain: str = "offline"
    repeat: int = 1
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def ok(self) -> bool:
        s = self.summary
        return not s.interrupted and s.errors == 0 and s.failed == 0 and s.cases > 0

    def cases(self) -> dict[tuple[str, str], CaseResult]:
        """Every case by (suite name, case id)."""
        return {(s.suite, c.id): c for s in self.suites for c in s.cases}
