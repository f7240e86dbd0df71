"""What the NLU makes of one message: the intent, the facts and the filters it carries."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assistant.models import Intent

__all__ = ["PointQuery", "Understanding", "VacancyQuery"]


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
    radius_km: float | None = Field(default=None, gt=0, description="3公里以内 -> 3")

    @property
    def narrows(self) -> bool:
        """Filters without a job named ("金水区的呢", "只看全职的"): a narrower last search."""
        return self.keywords is None and any(
            (
                self.district,
                self.salary_min,
                self.employment_type,
                self.education,
                self.near_me,
                self.radius_km,
            )
        )


class PointQuery(BaseModel):
    """What a person asks of the service points they look for, for ``find_service_points``."""

    kinds: list[str] = Field(
        default_factory=list, description="connectors.service_points kinds named: 零工市场"
    )
    open_on: list[int] = Field(
        default_factory=list, description="ISO weekdays (1 Monday … 7 Sunday) asked: 周末 -> 6, 7"
    )


class Understanding(BaseModel):
    """The intent of a message and everything it says, in the shared vocabularies."""

    intent: Intent
    confidence: float = Field(ge=0.0, le=1.0)
    policy_id: str | None = Field(default=None, description="the eligibility rule named")
    policy_in_facts: bool = Field(
        default=False,
        description="the policy is named only inside a fact stated (认定过就业困难人员, "
        "在领失业金): said of the person, not asked about",
    )
    facts: dict[str, Any] = Field(
        default_factory=dict, description="facts.yaml names -> values checked by coerce_facts"
    )
    vacancy: VacancyQuery | None = Field(default=None, description="set for vacancy_search")
    points: PointQuery | None = Field(default=None, description="set for service_points")
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
    asks_rule: bool = Field(
        default=False,
        description="asks what a rule says (合法吗, 会怎么样, 找谁投诉, 是这样吗), "
        "not to be checked, shown vacancies or put through to a person",
    )
