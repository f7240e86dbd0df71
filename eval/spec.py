"""The conversation-suite format v1 (../shared/specs/conversation-suites.md) as models.

Every model forbids unknown keys, so a misspelt expectation is an error rather than a
check silently skipped. Paths stay as written; :mod:`eval.loader` resolves them against
the suite file.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.models import HANDOFF_REASONS, Role
from assistant.tools import TOOL_NAMES
from connectors.geo import GeoPoint
from knowledge.regions import is_valid_region, region_name
from knowledge.rules.models import EligibilityStatus

__all__ = [
    "EXPECTATION_KINDS",
    "CaseSpec",
    "CitationPattern",
    "Defaults",
    "EligibilityExpectation",
    "Expectations",
    "KnowledgeSource",
    "SetupSpec",
    "SuiteChannel",
    "SuiteSpec",
    "TurnSpec",
    "VacancyExpectation",
]

SuiteChannel = Literal["web", "wechat", "wecom", "hotline", "rasa"]


def _region_code(value: Any) -> str | None:
    """A known GB/T 2260 code; written unquoted in YAML (410100) it is read as text."""
    if value is None:
        return None
    code = str(value)
    if not is_valid_region(code) or region_name(code) is None:
        raise ValueError(f"unknown region code {code} (GB/T 2260, e.g. 410100 for 郑州市)")
    return code


def _lat_lon(value: Any) -> Any:
    """``[lat, lon]`` as the spec writes a location, or a mapping with lat and lon."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return {"lat": value[0], "lon": value[1]}
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KnowledgeSource(_Strict):
    """Documents to ingest: a JSONL manifest (optionally cut to an ``only`` list) or a path."""

    manifest: str | None = None
    only: str | None = None
    path: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> KnowledgeSource:
        if (self.manifest is None) == (self.path is None):
            raise ValueError("give exactly one of manifest or path")
        if self.only is not None and self.manifest is None:
            raise ValueError("only goes with manifest")
        return self


class SetupSpec(_Strict):
    knowledge: list[KnowledgeSource] = Field(default_factory=list)
    rules: str | None = None
    vacancies: str | None = None
    service_points: str | None = None
    today: date | None = None
    use_samples: bool = True


class Defaults(_Strict):
    channel: SuiteChannel = "web"
    role: Role = "job_seeker"
    region: str | None = Field(default=None, description="default: JIUYE_DEFAULT_REGION")
    location: GeoPoint | None = None

    _region = field_validator("region", mode="before")(classmethod(lambda cls, v: _region_code(v)))
    _location = field_validator("location", mode="before")(classmethod(lambda cls, v: _lat_lon(v)))


class CitationPattern(_Strict):
    """Matches a citation: title by substring, article exactly (第X条), path by suffix."""

    title: str | None = None
    article: str | None = None
    path: str | None = None

    @model_validator(mode="after")
    def _something(self) -> CitationPattern:
        if self.title is None and self.article is None and self.path is None:
            raise ValueError("a citation pattern needs title, article or path")
        return self


class EligibilityExpectation(BaseModel):
    """``policy`` and ``result``; any further key must equal the result's field or output."""

    model_config = ConfigDict(extra="allow", frozen=True)

    policy: str
    result: EligibilityStatus

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class VacancyExpectation(_Strict):
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    all: dict[str, Any] = Field(default_factory=dict)


def _known_tools(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in TOOL_NAMES]
    if unknown:
        raise ValueError(f"unknown tool {', '.join(unknown)}; tools are {', '.join(TOOL_NAMES)}")
    return names


class Expectations(_Strict):
    """What must hold for a turn to pass; every key is optional."""

    contains_all: list[str] | None = None
    contains_any: list[str] | None = None
    not_contains: list[str] | None = None
    regex: str | None = None
    tool: str | None = None
    tools: list[str] | None = None
    tool_args: dict[str, Any] | None = None
    no_tool: list[str] | None = None
    cites_any: list[CitationPattern] | None = None
    cites_none: list[CitationPattern] | None = None
    cites_current_only: bool | None = None
    handoff: bool | None = None
    handoff_reason: str | None = None
    refuses: bool | None = None
    facts: dict[str, Any] | None = None
    #: extension (Rasa ``slot_was_set`` with a bare name): these facts are set, to anything
    facts_set: list[str] | None = None
    eligibility: EligibilityExpectation | None = None
    vacancies: VacancyExpectation | None = None
    max_latency_ms: float | None = Field(default=None, gt=0)

    @field_validator("tool")
    @classmethod
    def _tool(cls, value: str | None) -> str | None:
        return None if value is None else _known_tools([value])[0]

    @field_validator("tools", "no_tool")
    @classmethod
    def _tools(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _known_tools(value)

    @field_validator("handoff_reason")
    @classmethod
    def _reason(cls, value: str | None) -> str | None:
        if value is not None and value not in HANDOFF_REASONS:
            raise ValueError(f"unknown reason {value}; reasons are {', '.join(HANDOFF_REASONS)}")
        return value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        import re

        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"bad regular expression: {exc}") from None
        return value

    def kinds(self) -> list[str]:
        """The expectation kinds given, in the order of the spec's table."""
        return [name for name in EXPECTATION_KINDS if getattr(self, name) is not None]


EXPECTATION_KINDS: tuple[str, ...] = tuple(Expectations.model_fields)


class TurnSpec(_Strict):
    user: str = Field(min_length=1, max_length=4000)
    expect: Expectations = Field(default_factory=Expectations)
    #: Rasa ``utter`` steps: response names expected after this turn (reported as skipped
    #: where the assistant names none).
    utter: list[str] = Field(default_factory=list)


class CaseSpec(_Strict):
    id: str = Field(min_length=1, max_length=200)
    tags: list[str] = Field(default_factory=list)
    description: str | None = None
    channel: SuiteChannel | None = None
    role: Role | None = None
    region: str | None = None
    location: GeoPoint | None = None
    turns: list[TurnSpec] = Field(min_length=1)

    _region = field_validator("region", mode="before")(classmethod(lambda cls, v: _region_code(v)))
    _location = field_validator("location", mode="before")(classmethod(lambda cls, v: _lat_lon(v)))

    def settled(self, defaults: Defaults) -> ResolvedCase:
        location = self.location if "location" in self.model_fields_set else defaults.location
        return ResolvedCase(
            spec=self,
            channel=self.channel or defaults.channel,
            role=self.role or defaults.role,
            region=self.region or defaults.region,
            location=location,
        )


class ResolvedCase(BaseModel):
    """A case with the suite's defaults applied."""

    model_config = ConfigDict(frozen=True)

    spec: CaseSpec
    channel: SuiteChannel
    role: Role
    region: str | None
    location: GeoPoint | None

    @property
    def id(self) -> str:
        return self.spec.id


class SuiteSpec(_Strict):
    suite: str = Field(min_length=1)
    description: str | None = None
    setup: SetupSpec = Field(default_factory=SetupSpec)
    defaults: Defaults = Field(default_factory=Defaults)
    cases: list[CaseSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> SuiteSpec:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"duplicate case id {case.id}")
            seen.add(case.id)
        return self

    def resolved(self) -> list[ResolvedCase]:
        return [case.settled(self.defaults) for case in self.cases]
