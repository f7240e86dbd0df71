"""Combining the services for one person (分类组合): the personal employment service package.

A :class:`ServicePackage` puts together, for the person's profile: the needs and why, the
benefits the eligibility screen says they may claim (amounts, what is still missing, how to
apply), matching vacancies, training tied to the skills-upgrade subsidy, the nearest
service points and the documents to bring. Every item names its source: a rule's legal
provisions, a vacancy's feed and posting, a service point's data source.

Only job-seeker policies go into a package: employer-side hiring subsidies are advice for
the employer who hires, not something the job seeker claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field

from assistant.packages.catalogue import catalogue
from assistant.packages.needs import Need, assess_needs
from assistant.packages.profile import JobSeekerProfile
from connectors.geo import GeoPoint
from connectors.service_points.models import ServicePointHit
from connectors.service_points.store import ServicePointStore
from connectors.vacancies.models import VacancyHit
from connectors.vacancies.search import VacancySearch
from knowledge.regions import ancestors, region_from_text
from knowledge.rules.engine import EligibilityEngine
from knowledge.rules.models import ApplyInfo, EligibilityResult, RuleSource

__all__ = [
    "BenefitItem",
    "DocumentItem",
    "ServicePackage",
    "ServicePackageBuilder",
    "TrainingItem",
    "VacancyItem",
]

#: The rule of the skills-upgrade subsidy that training options are tied to.
SKILLS_SUBSIDY = "skills_upgrade_subsidy"
#: Words in a service point's services that mean it runs or signs people up for training.
_TRAINING_WORDS = ("培训", "技能")


class BenefitItem(BaseModel):
    policy_id: str
    title: str
    status: str = Field(description="eligible or need_more_facts")
    amounts: list[str] = Field(default_factory=list, description="label: value, as shown")
    missing: list[str] = Field(default_factory=list, description="facts still to confirm")
    apply: ApplyInfo | None = None
    sources: list[RuleSource] = Field(default_factory=list)


class VacancyItem(BaseModel):
    vacancy: VacancyHit
    source: str = Field(description="the feed and, when known, the posting's address")


class TrainingItem(BaseModel):
    title: str
    detail: str
    sources: list[RuleSource] = Field(default_factory=list)
    where: str | None = Field(default=None, description="a service point that signs people up")


class DocumentItem(BaseModel):
    name: str
    needed_for: list[str] = Field(description="the benefits that ask for it")
    sources: list[RuleSource] = Field(default_factory=list)


class ServicePackage(BaseModel):
    """One person's package; ``id`` is set once it is stored."""

    id: int | None = None
    session_id: str | None = None
    region: str
    on_date: date
    profile: JobSeekerProfile
    needs: list[Need] = Field(default_factory=list)
    benefits: list[BenefitItem] = Field(default_factory=list)
    vacancies: list[VacancyItem] = Field(default_factory=list)
    vacancies_note: str | None = Field(
        default=None, description="why the vacancies are wider than wished, or why there are none"
    )
    training: list[TrainingItem] = Field(default_factory=list)
    service_points: list[ServicePointHit] = Field(default_factory=list)
    documents: list[DocumentItem] = Field(default_factory=list)
    follow_up_dates: list[date] = Field(default_factory=list, description="跟踪问效 dates")


class ServicePackageBuilder:
    """Builds packages from the same rules, vacancy search and service points the tools use."""

    def __init__(
        self, rules: EligibilityEngine, vacancies: VacancySearch, points: ServicePointStore
    ) -> None:
        self.rules = rules
        self.vacancies = vacancies
        self.points = points

    def build(
        self, profile: JobSeekerProfile, *, location: GeoPoint | None = None, vacancy_limit: int = 3
    ) -> ServicePackage:
        facts = {n: v for n, v in profile.facts.items() if n in self.rules.facts}
        screen = self.rules.screen(
            facts, region=profile.region, on_date=profile.on_date, audience="job_seeker"
        )
        results = [r for r in screen.results if _relevant(r)]
        benefits = [self._benefit(r) for r in results]
        points = self._points(profile, location)
        vacancies, vacancies_note = self._vacancies(profile, location, vacancy_limit)
        days = catalogue().parameter("follow_up_days")
        return ServicePackage(
            region=profile.region,
            on_date=profile.on_date,
            profile=profile,
            needs=assess_needs(profile, [b.title for b in benefits]),
            benefits=benefits,
            vacancies=vacancies,
            vacancies_note=vacancies_note,
            training=self._training(profile, screen.results, points),
            service_points=points,
            documents=self._documents(results),
            follow_up_dates=[profile.on_date + timedelta(days=int(d)) for d in days],
        )

    def _benefit(self, result: EligibilityResult) -> BenefitItem:
        return BenefitItem(
            policy_id=result.policy_id,
            title=result.title,
            status=result.status,
            amounts=[f"{o.label}：{o.shown()}" for o in result.outputs],
            missing=[m.label for m in result.missing],
            apply=result.apply,
            sources=result.sources,
        )

    def _vacancies(
        self, profile: JobSeekerProfile, location: GeoPoint | None, limit: int
    ) -> tuple[list[VacancyItem], str | None]:
        """The vacancies matching the wishes, and a note when they had to be widened (or
        none was found): the person is told, not shown other work as if it matched."""
        wishes = profile.wishes
        found = self.vacancies.search_vacancies(
            wishes.occupation,
            region=profile.region,
            district=wishes.district,
            salary_min=wishes.salary_min,
            employment_type=wishes.employment_type,
            near=location if wishes.near_me else None,
            limit=limit,
            on_date=profile.on_date,
        )
        note = None
        if not found.hits and (wishes.district or wishes.salary_min or wishes.employment_type):
            # Nothing matches every wish: the job sought anywhere in the city (a district
            # named in the message may have made the region the district itself).
            city = ancestors(profile.region)[:3][-1]
            found = self.vacancies.search_vacancies(
                wishes.occupation, region=city, limit=limit, on_date=profile.on_date
            )
            if found.hits:
                note = "没有完全符合您要求（地点、工资或用工形式）的岗位，下面是全市的同类岗位。"
        if not found.hits:
            sought = f"“{wishes.occupation}”的" if wishes.occupation else ""
            note = (
                f"暂时没有找到{sought}在招岗位，可以换个说法再找，或到下面的服务网点登记求职意向。"
            )
        items = [
            VacancyItem(vacancy=hit, source=hit.source + (f"：{hit.url}" if hit.url else ""))
            for hit in found.hits
        ]
        return items, note

    def _points(
        self, profile: JobSeekerProfile, location: GeoPoint | None
    ) -> list[ServicePointHit]:
        """The nearest points to the person's location, else in the district they want to
        work in (when it lies in their region), else in their region."""
        if location is not None:
            hits = self.points.find(near=location, limit=3)
            if hits:
                return hits
        district = profile.wishes.district
        code = region_from_text(district) if district else None
        if code is not None and profile.region in ancestors(code):
            hits = self.points.find(region=code, limit=3)
            if hits:
                return hits
        return self.points.find(region=profile.region, limit=3)

    def _training(
        self,
        profile: JobSeekerProfile,
        results: list[EligibilityResult],
        points: list[ServicePointHit],
    ) -> list[TrainingItem]:
        if profile.unemployed is False and profile.facts.get("certificate_level") not in (
            None,
            "none",
        ):
            return []
        items = []
        need = catalogue().needs["training"]
        trainer = next(
            (
                h.point
                for h in points
                if any(w in s for s in h.point.services for w in _TRAINING_WORDS)
            ),
            None,
        )
        items.append(
            TrainingItem(
                title="职业技能培训",
                detail="参加就业技能培训，失业人员按有关规定享受政府培训补贴",
                sources=[need.source],
                where=f"{trainer.name}（{trainer.address}）" if trainer else None,
            )
        )
        skills = next((r for r in results if r.policy_id == SKILLS_SUBSIDY), None)
        if skills is not None and skills.status in ("eligible", "need_more_facts"):
            detail = "取得职业资格证书或职业技能等级证书后，可按证书等级申请技能提升补贴"
            amounts = [o.shown() for o in skills.outputs]
            if amounts:
                detail += "：" + "；".join(amounts)
            waiting = [m.label for m in skills.missing]
            if waiting:
                detail += "（还需确认：" + "、".join(waiting) + "）"
            items.append(
                TrainingItem(title=f"考证 + {skills.title}", detail=detail, sources=skills.sources)
            )
        return items

    def _documents(self, results: list[EligibilityResult]) -> list[DocumentItem]:
        """The materials every benefit asks for, once each, with the benefits that ask."""
        items: dict[str, DocumentItem] = {}
        for result in results:
            if result.apply is None:
                continue
            source = self._apply_source(result)
            for name in result.apply.materials:
                item = items.setdefault(name, DocumentItem(name=name, needed_for=[]))
                item.needed_for.append(result.title)
                if source is not None and source not in item.sources:
                    item.sources.append(source)
        return list(items.values())

    def _apply_source(self, result: EligibilityResult) -> RuleSource | None:
        """The provision the rule's application instructions come from."""
        rule = self.rules.rules.get(result.policy_id)
        key = result.apply.source if result.apply else None
        if rule is not None and key:
            for layer in [*(o.sources for o in rule.regions.values()), rule.sources]:
                if key in layer:
                    return layer[key]
        return result.sources[0] if result.sources else None


def _relevant(result: EligibilityResult) -> bool:
    """A benefit the person may claim: eligible, or undecided with a condition already met
    and few facts left to confirm (``possible_benefit_missing``)."""
    if result.status == "eligible":
        return True
    limit = int(catalogue().parameter("possible_benefit_missing"))
    return (
        result.status == "need_more_facts"
        and any(t.outcome == "met" for t in result.trace)
        and len(result.missing) <= limit
    )


def package_facts(facts: Mapping[str, Any], vocabulary: Mapping[str, Any]) -> dict[str, Any]:
    """The collected facts a package reads: the vocabulary's, without the hired employee's."""
    return {n: v for n, v in facts.items() if n in vocabulary and not n.startswith("hire_")}
