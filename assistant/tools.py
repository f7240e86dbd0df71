"""The six tools, defined once and used by every brain (and later by Rasa and the server).

Each tool has a pydantic argument schema; :meth:`Toolbox.call` validates the arguments,
runs the tool for one turn's context (the user's region, day, location and conversation —
never chosen by a model) and returns both the typed value and a :class:`ToolCall` record
with the JSON result. :meth:`Toolbox.langchain_tools` wraps the same calls as LangChain
tools for function calling.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.conversations import ConversationState
from assistant.handoff import HandoffError, HandoffQueue
from assistant.models import HandoffReason, Role, ToolCall
from assistant.packages.builder import ServicePackage, ServicePackageBuilder
from assistant.packages.profile import build_profile, complete_facts
from assistant.packages.store import PackageNotFoundError, PackageStore
from connectors.errors import ConnectorError
from connectors.geo import GeoPoint
from connectors.service_points.models import KINDS
from connectors.service_points.store import ServicePointStore
from connectors.vacancies.models import Education, EmploymentType
from connectors.vacancies.search import VacancySearch
from knowledge.policies.errors import KnowledgeError
from knowledge.policies.knowledge_base import KnowledgeBase
from knowledge.policies.models import Citation
from knowledge.rules.engine import EligibilityEngine
from knowledge.rules.errors import RuleError
from knowledge.rules.facts import coerce_facts
from knowledge.rules.models import RuleAudience

__all__ = [
    "TOOL_NAMES",
    "BuildServicePackageArgs",
    "CheckEligibilityArgs",
    "FindServicePointsArgs",
    "RequestHandoffArgs",
    "SearchPoliciesArgs",
    "SearchVacanciesArgs",
    "ToolContext",
    "ToolOutcome",
    "Toolbox",
]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchPoliciesArgs(_Args):
    """Search the policy documents in force in the user's region today; returns whole
    articles (or sections) with document title, article and validity. Cite them by their
    marker."""

    query: str = Field(min_length=1, max_length=500, description="the question, in Chinese")
    k: int = Field(default=5, ge=1, le=10, description="how many passages")
    all_audiences: bool = Field(
        default=False,
        description="also documents meant for others (an employers' guide for a job seeker)",
    )


class CheckEligibilityArgs(_Args):
    """Run the policy calculator (政策计算器): check one policy for the user, or screen all
    policies of the user's role when policy_id is omitted. Facts already collected in the
    conversation are used; facts given here override them. Returns the status, amounts,
    each condition with its legal source, and the facts still missing."""

    policy_id: str | None = Field(default=None, description="eligibility rule id; omit to screen")
    facts: dict[str, Any] = Field(
        default_factory=dict, description="facts by name from the fact vocabulary"
    )


class SearchVacanciesArgs(_Args):
    """Search open job vacancies in the user's region."""

    query: str | None = Field(default=None, max_length=200, description="job title or skills")
    district: str | None = Field(default=None, max_length=50, description="区县, e.g. 金水区")
    salary_min: float | None = Field(default=None, ge=0, description="yuan per month")
    employment_type: EmploymentType | None = None
    education: Education | None = Field(default=None, description="the seeker's education")
    near_me: bool = Field(default=False, description="nearest first, from the user's location")
    radius_km: float | None = Field(default=None, gt=0, le=100)
    limit: int = Field(default=5, ge=1, le=20)

    @field_validator("education", mode="before")
    @classmethod
    def _education(cls, value: Any) -> Any:
        """A level's name (MIDDLE_SCHOOL, what the NLU gives) or words (初中, 本科)."""
        return Education.parse(value) if isinstance(value, str) else value


class FindServicePointsArgs(_Args):
    """Find public employment service points (the 15-minute service circle) near the user,
    or in the user's region when no location is known; only of the kinds asked for (零工市场)
    and open on the days asked about (周末 -> [6, 7]) when given."""

    radius_km: float | None = Field(default=None, gt=0, le=100)
    limit: int = Field(default=5, ge=1, le=20)
    kinds: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="kinds of point: " + "、".join(KINDS),
    )
    open_on: list[int] = Field(
        default_factory=list,
        max_length=7,
        description="ISO weekdays the point must open on (any of them): 1 Monday … 7 Sunday",
    )

    @field_validator("open_on")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(not 1 <= day <= 7 for day in value):
            raise ValueError("星期只能是 1（周一）到 7（周日）")
        return value


class BuildServicePackageArgs(_Args):
    """Build the person's personal employment service package (就业服务包) from the facts
    and job wishes collected in the conversation: their profile and key groups, the
    services they need and why, the benefits they may claim, matching vacancies, training,
    the nearest service points, the documents to bring, and follow-ups after 7 and 30
    days. For job seekers only. Set revise when the person corrected their profile."""

    facts: dict[str, Any] = Field(
        default_factory=dict,
        description="facts the person stated, by name from the fact vocabulary",
    )
    occupation: str | None = Field(default=None, max_length=100, description="job sought: 会计")
    district: str | None = Field(default=None, max_length=50, description="区县 to work in")
    salary_min: float | None = Field(default=None, ge=0, description="yuan per month expected")
    employment_type: EmploymentType | None = None
    vacancies: int = Field(default=3, ge=0, le=10, description="how many vacancies to include")
    revise: bool = Field(default=False, description="replace the package issued earlier")


class RequestHandoffArgs(_Args):
    """Hand the conversation to a human caseworker with a summary of the situation."""

    reason: HandoffReason = "user_request"
    summary: str = Field(min_length=1, max_length=1000)


_SCHEMAS: dict[str, type[_Args]] = {
    "search_policies": SearchPoliciesArgs,
    "check_eligibility": CheckEligibilityArgs,
    "search_vacancies": SearchVacanciesArgs,
    "find_service_points": FindServicePointsArgs,
    "build_service_package": BuildServicePackageArgs,
    "request_handoff": RequestHandoffArgs,
}
TOOL_NAMES: tuple[str, ...] = tuple(_SCHEMAS)
#: A package cites the explainer passage of this many of its benefits.
_CITED_BENEFITS = 3
logger = logging.getLogger(__name__)


@dataclass
class ToolContext:
    """Who is asking, where and when: set by the engine, never by a model."""

    state: ConversationState
    region: str
    on_date: date
    role: Role
    location: GeoPoint | None = None
    citations: list[Citation] = field(default_factory=list, repr=False)

    @property
    def audience(self) -> RuleAudience | None:
        """The documents and rules meant for the person: a hotline agent sees all."""
        return None if self.role == "agent" else self.role

    def cite(self, citations: list[Citation]) -> list[int]:
        """Numbers the passages for this turn (1, 2, …), reusing a number for a passage
        already cited, so markers in an answer map to real citations."""
        markers = []
        for citation in citations:
            known = next(
                (i for i, c in enumerate(self.citations, 1) if c.chunk_id == citation.chunk_id),
                None,
            )
            if known is None:
                self.citations.append(citation)
                known = len(self.citations)
            markers.append(known)
        return markers


@dataclass
class ToolOutcome:
    """A tool's typed value (for the composer) and its record (for the reply)."""

    call: ToolCall
    value: Any = None

    @property
    def ok(self) -> bool:
        return self.call.error is None


class Toolbox:
    """The running components the tools need; shared by every brain and channel."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        rules: EligibilityEngine,
        vacancies: VacancySearch,
        points: ServicePointStore,
        handoffs: HandoffQueue,
        packages: PackageStore,
    ) -> None:
        self.knowledge = knowledge
        self.rules = rules
        self.vacancies = vacancies
        self.points = points
        self.handoffs = handoffs
        self.packages = packages
        self.package_builder = ServicePackageBuilder(rules, vacancies, points)
        self._runners: dict[str, Callable[[Any, ToolContext], Any]] = {
            "search_policies": self._search_policies,
            "check_eligibility": self._check_eligibility,
            "search_vacancies": self._search_vacancies,
            "find_service_points": self._find_service_points,
            "build_service_package": self._build_service_package,
            "request_handoff": self._request_handoff,
        }

    def call(
        self,
        name: str,
        arguments: Mapping[str, Any],
        context: ToolContext,
        *,
        cite: bool = True,
    ) -> ToolOutcome:
        """Validates and runs one tool; bad arguments and refusals come back as the
        call's error (in Chinese), so a model can correct itself.

        Passages a tool returns are cited (numbered for the turn, so a model can refer to
        them) unless ``cite`` is false: the offline brain cites only the passages its
        answer quotes or lists."""
        record = ToolCall(name=name, arguments=dict(arguments))
        started = time.perf_counter()
        try:
            schema = _SCHEMAS.get(name)
            if schema is None:
                raise _Refused(f"没有名为 {name} 的工具；可用的工具：{'、'.join(TOOL_NAMES)}")
            args = schema.model_validate(dict(arguments))
            record.arguments = args.model_dump(mode="json", exclude_defaults=True)
            value = self._runners[name](args, context)
            record.result = _jsonable(value, context if cite else None)
            return ToolOutcome(record, value)
        except ValidationError as exc:
            record.error = "参数不正确：" + "；".join(
                f"{'.'.join(str(p) for p in e['loc']) or '参数'} {e['msg']}" for e in exc.errors()
            )
        except (_Refused, RuleError, ValueError) as exc:
            record.error = str(exc)
        except (ConnectorError, KnowledgeError, HandoffError) as exc:
            logger.warning("tool %s failed: %s", name, exc)
            record.error = f"暂时无法完成查询，请稍后再试（{type(exc).__name__}）"
        finally:
            record.duration_ms = (time.perf_counter() - started) * 1000
        return ToolOutcome(record)

    def langchain_tools(
        self, context: ToolContext, record: Callable[[ToolOutcome], None]
    ) -> list[BaseTool]:
        """The tools as LangChain tools for ``bind_tools``; each call is passed to
        ``record`` and returns its JSON result (or error) to the model."""

        def runner(name: str) -> Callable[..., str]:
            def run(**kwargs: Any) -> str:
                outcome = self.call(name, kwargs, context)
                record(outcome)
                if outcome.call.error:
                    return json.dumps({"error": outcome.call.error}, ensure_ascii=False)
                return json.dumps(outcome.call.result, ensure_ascii=False, default=str)

            return run

        return [
            StructuredTool.from_function(
                func=runner(name),
                name=name,
                description=(schema.__doc__ or name).strip(),
                args_schema=schema,
            )
            for name, schema in _SCHEMAS.items()
        ]

    # -- the tools -----------------------------------------------------------------------

    def _search_policies(self, args: SearchPoliciesArgs, context: ToolContext) -> list[Citation]:
        return self.knowledge.search(
            args.query,
            region=context.region,
            on_date=context.on_date,
            audience=None if args.all_audiences else context.audience,
            k=args.k,
            whole=True,
        )

    def _check_eligibility(self, args: CheckEligibilityArgs, context: ToolContext) -> Any:
        facts = {**context.state.facts, **args.facts}
        known = {name: value for name, value in facts.items() if name in self.rules.facts}
        if args.policy_id:
            return self.rules.check(
                args.policy_id, known, region=context.region, on_date=context.on_date
            )
        return self.rules.screen(
            known,
            region=context.region,
            on_date=context.on_date,
            audience=context.audience,
        )

    def _search_vacancies(self, args: SearchVacanciesArgs, context: ToolContext) -> Any:
        near = context.location if args.near_me or args.radius_km else None
        if args.radius_km and near is None:
            raise _Refused("不知道您的位置，无法按距离查找；请告诉我您在哪个区，或发送位置")
        return self.vacancies.search_vacancies(
            args.query,
            region=context.region,
            district=args.district,
            salary_min=args.salary_min,
            employment_type=args.employment_type,
            education=args.education,
            near=near,
            radius_km=args.radius_km,
            limit=args.limit,
            on_date=context.on_date,
        )

    def _find_service_points(self, args: FindServicePointsArgs, context: ToolContext) -> Any:
        kinds, days = args.kinds, args.open_on
        if context.location is not None:
            return self.points.find(
                near=context.location,
                radius_km=args.radius_km,
                limit=args.limit,
                kinds=kinds,
                open_on=days,
            )
        return self.points.find(region=context.region, limit=args.limit, kinds=kinds, open_on=days)

    def _build_service_package(
        self, args: BuildServicePackageArgs, context: ToolContext
    ) -> ServicePackage:
        if context.role == "employer":
            raise _Refused(
                "就业服务包是为求职者准备的。企业招用人员能享受的补贴，可以直接问我，"
                "例如“招了应届毕业生有什么补贴”"
            )
        state = context.state
        state.facts.update(coerce_facts(args.facts, self.rules.facts))
        wishes = args.model_dump(
            include={"occupation", "district", "salary_min", "employment_type"}, exclude_none=True
        )
        state.wishes.update({k: str(v) if k == "employment_type" else v for k, v in wishes.items()})
        complete_facts(state.facts, on_date=context.on_date)
        profile = build_profile(
            state.facts,
            state.wishes,
            region=context.region,
            on_date=context.on_date,
            vocabulary=self.rules.facts,
        )
        package = self.package_builder.build(
            profile, location=context.location, vacancy_limit=args.vacancies
        )
        stored = None
        if args.revise and state.package_id is not None:
            try:
                stored = self.packages.revise(state.package_id, package)
            except PackageNotFoundError:
                stored = None  # deleted meanwhile: issue a new one
        if stored is None:
            stored = self.packages.save(
                package, session_id=state.session_id, channel=state.channel, user_id=state.user_id
            )
        state.package_id = stored.id
        for benefit in stored.benefits[:_CITED_BENEFITS]:
            # The explainer of each benefit, so the package cites the documents too.
            context.cite(
                self.knowledge.search(
                    benefit.title,
                    region=context.region,
                    on_date=context.on_date,
                    audience="job_seeker",
                    k=1,
                )
            )
        return stored

    def _request_handoff(self, args: RequestHandoffArgs, context: ToolContext) -> Any:
        return self.handoffs.open(context.state, reason=args.reason, summary=args.summary)


class _Refused(Exception):
    """A tool call that cannot be run as asked; its message goes back to the brain."""


def _jsonable(value: Any, context: ToolContext | None) -> Any:
    """A tool's value as JSON; passages carry the marker they are cited by (when cited)."""
    if context is not None and isinstance(value, list) and value and isinstance(value[0], Citation):
        markers = context.cite(value)
        return [
            {"marker": marker, **citation.model_dump(mode="json")}
            for marker, citation in zip(markers, value, strict=True)
        ]
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    return value
