"""Shapes of the eligibility rules (as written in YAML) and of their results."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ApplyInfo",
    "ConditionRule",
    "ConditionTrace",
    "DatedValue",
    "EligibilityResult",
    "EligibilityStatus",
    "FactDefinition",
    "MissingFact",
    "OutputRule",
    "OutputValue",
    "Parameter",
    "PolicyRule",
    "RegionOverride",
    "RuleAudience",
    "RuleSource",
    "ScreeningResult",
]

RuleAudience = Literal["job_seeker", "employer"]
EligibilityStatus = Literal["eligible", "not_eligible", "need_more_facts", "ended", "not_yet"]
FactType = Literal["bool", "int", "float", "str", "enum", "date", "list"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleSource(_Strict):
    """A document and article a rule rests on; ``note`` says what is not yet confirmed."""

    document: str
    article: str | None = None
    doc_number: str | None = None
    note: str | None = None
    sample: bool = False

    @property
    def label(self) -> str:
        return f"《{self.document}》{self.article or ''}"


class DatedValue(_Strict):
    """A parameter value from a date on (OpenFisca style), with its source."""

    since: date
    value: Any
    source: str
    sample: bool = False
    note: str | None = None


class Parameter(_Strict):
    label: str
    unit: str | None = None
    values: list[DatedValue] = Field(default_factory=list)
    note: str | None = None


class ConditionRule(_Strict):
    id: str
    label: str
    when: str
    source: str
    explain_no: str | None = None


class OutputRule(_Strict):
    id: str
    label: str
    unit: str | None = None
    value: str
    source: str
    note: str | None = None


class ApplyInfo(_Strict):
    where: str
    materials: list[str] = Field(default_factory=list)
    deadline: str | None = None
    how: str | None = None
    source: str | None = None


class RegionOverride(_Strict):
    """What a province or city changes: parameter values, extra conditions, how to apply."""

    name: str | None = None
    sample: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    parameters: dict[str, list[DatedValue]] = Field(default_factory=dict)
    conditions: list[ConditionRule] = Field(default_factory=list)
    apply: ApplyInfo | None = None
    sources: dict[str, RuleSource] = Field(default_factory=dict)


class PolicyRule(_Strict):
    id: str
    title: str
    audience: RuleAudience
    summary: str | None = None
    sources: dict[str, RuleSource]
    valid_from: date | None = None
    valid_to: date | None = Field(default=None, description="the last day in force")
    validity_source: str | None = Field(
        default=None, description="the source (key of sources) that sets the window"
    )
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    conditions: list[ConditionRule]
    outputs: list[OutputRule] = Field(default_factory=list)
    apply: ApplyInfo
    regions: dict[str, RegionOverride] = Field(default_factory=dict)


class FactDefinition(_Strict):
    """One entry of the fact vocabulary shared by the NLU, the LLM tools and Rasa slots."""

    name: str
    type: FactType
    label: str
    question: str
    unit: str | None = None
    values: dict[str, str] | None = Field(
        default=None, description="allowed values (enum/list) -> Chinese label"
    )
    min: float | None = None
    max: float | None = None
    open_question: str | None = Field(
        default=None,
        description="the question in plain words when there are too many options to list",
    )
    hire_fact: str | None = Field(
        default=None,
        description="the same fact said of a person an employer hires (age -> hire_age): "
        "what an employer says of a person is about its hire",
    )


# -- results ------------------------------------------------------------------------------


class ConditionTrace(BaseModel):
    id: str
    label: str
    expression: str
    outcome: Literal["met", "not_met", "unknown"]
    values: dict[str, Any] = Field(default_factory=dict)
    source: RuleSource
    explanation: str


#: Units written as words after a number: 18 月 -> 18个月.
_UNIT_WORDS = {"月": "个月"}


class OutputValue(BaseModel):
    """An amount or duration: ``source`` is its legal basis, ``parameter_sources`` name
    where the figures in it come from (a notice, a province, sample data)."""

    id: str
    label: str
    value: Any = None
    unit: str | None = None
    source: RuleSource
    parameter_sources: list[RuleSource] = Field(default_factory=list)
    note: str | None = None
    inputs: dict[str, Any] = Field(
        default_factory=dict, description="the facts the value was computed from"
    )
    set_locally: bool = Field(
        default=False,
        description="no value because the region's standard is not in the rules (not for "
        "want of facts): the local standard applies",
    )

    @property
    def sample(self) -> bool:
        return self.source.sample or any(s.sample for s in self.parameter_sources)

    def shown(self) -> str:
        """The value with its unit in words ("18个月", "1234元/月（示例数据）"), or, when
        the value is not known here, that the local standard applies. Notes on where a
        figure comes from are for staff and stay out of it."""
        if self.value is None:
            return "以当地公布的标准为准"
        value = f"{self.value:g}" if isinstance(self.value, float) else str(self.value)
        sample = "（示例数据，不是官方数值）" if self.sample else ""
        return f"{value}{_UNIT_WORDS.get(self.unit or '', self.unit or '')}{sample}"


class MissingFact(BaseModel):
    name: str
    label: str
    question: str
    type: FactType
    unit: str | None = None
    values: dict[str, str] | None = None
    open_question: str | None = None

    @classmethod
    def asking(cls, definition: FactDefinition) -> MissingFact:
        """The question for a fact of the vocabulary."""
        return cls(
            name=definition.name,
            label=definition.label,
            question=definition.question,
            type=definition.type,
            unit=definition.unit,
            values=definition.values,
            open_question=definition.open_question,
        )


class EligibilityResult(BaseModel):
    policy_id: str
    title: str
    audience: RuleAudience
    status: EligibilityStatus
    region: str
    on_date: date
    outputs: list[OutputValue] = Field(default_factory=list)
    missing: list[MissingFact] = Field(default_factory=list)
    trace: list[ConditionTrace] = Field(default_factory=list)
    apply: ApplyInfo | None = None
    sources: list[RuleSource] = Field(default_factory=list)
    valid_from: date | None = None
    valid_to: date | None = None
    notes: list[str] = Field(default_factory=list)

    def output(self, output_id: str) -> Any:
        return next((o.value for o in self.outputs if o.id == output_id), None)


class ScreeningResult(BaseModel):
    """One profile, every benefit: what may apply and what to ask next."""

    region: str
    on_date: date
    results: list[EligibilityResult]
    next_questions: list[MissingFact] = Field(default_factory=list)
