"""What the NLU makes of one message: the intent, the facts and the filters it carries."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assistant.models import Intent

__all__ = ["Understanding", "VacancyQuery"]


class VacancyQuery(BaseModel):
    """Job-search filters said in the message, ready for ``search_vacancies``."""

    keywords: str | None = Field(default=None, description="job title / skill words: 厨师")
    district: str | None = Field(default=None, description="区县 name as said: 金水区")
    salary_min: float | None = Field(default=None, description="yuan per month")
    employment_type: str | None = Field(
        default=None, description="connectors.vacancies EmploymentType value: PART_TIME"
    )
    education: str | None = Field(
        default=None, description="the seeker's connectors.vacancies Education name: ASSOCIATE"
    )
    near_me: bool = Field(default=False, description="附近 / 离我近 / 家门口")


class Understanding(BaseModel):
    """The intent of a message and everything it says, in the shared vocabularies."""

    intent: Intent
    confidence: float = Field(ge=0.0, le=1.0)
    policy_id: str | None = Field(default=None, description="the eligibility rule named")
    facts: dict[str, Any] = Field(
        default_factory=dict, description="facts.yaml names -> values checked by coerce_facts"
    )
    vacancy: VacancyQuery | None = Field(default=None, description="set for vacancy_search")
    region: str | None = Field(default=None, description="GB/T 2260 code of a place named")
    consequential: bool = Field(
        default=False, description="asks about money, deadlines, eligibility or penalties"
    )
    inferred: dict[str, str] = Field(
        default_factory=dict,
        description="facts inferred rather than said -> the words they were inferred from",
    )
    rights: bool = Field(
        default=False, description="asks about the law or one's rights at work (合法吗, 怎么办)"
    )
    asks_for_policies: bool = Field(
        default=False, description="asks which policies one may claim (我能享受哪些补贴)"
    )
    names_benefit: bool = Field(
        default=False, description="names a benefit by name (青年安家补贴), known or not"
    )
