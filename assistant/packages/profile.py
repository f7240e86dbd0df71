"""The job-seeker profile (求职画像): who the person is and what work they look for.

Built from what the conversation collected — the facts of knowledge/rules/facts.yaml and
the job wishes read from what the person said they look for (job, place, pay, hours) —
never from a model's guess. The person sees it in their package and corrects it by
saying so ("这不对，我是去年毕业的"); :func:`reconcile_facts` keeps facts that the
correction contradicts from lingering.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from assistant.packages.catalogue import KEY_GROUPS, KeyGroup, catalogue
from knowledge.rules.models import FactDefinition, RuleSource

_Vocabulary = Mapping[str, FactDefinition]

__all__ = [
    "GroupMembership",
    "JobSeekerProfile",
    "JobWishes",
    "build_profile",
    "complete_facts",
    "reconcile_facts",
]


class JobWishes(BaseModel):
    """What work the person looks for, as they said it (the vacancy search's filters)."""

    occupation: str | None = Field(default=None, description="job title or skills: 厨师")
    district: str | None = Field(default=None, description="区县: 金水区")
    salary_min: float | None = Field(default=None, description="yuan per month")
    employment_type: str | None = Field(default=None, description="EmploymentType value")
    near_me: bool = Field(default=False, description="wants work near home")

    @property
    def empty(self) -> bool:
        return not (self.occupation or self.district or self.salary_min or self.employment_type)


class GroupMembership(BaseModel):
    """A key group the person belongs to, why the assistant thinks so, and the provision."""

    group: KeyGroup
    label: str
    basis: str = Field(description="what the person said that puts them in the group")
    source: RuleSource


class JobSeekerProfile(BaseModel):
    """What the package is built for; shown to the person, corrected in conversation."""

    region: str
    on_date: date
    key_groups: list[GroupMembership] = Field(default_factory=list)
    situation: list[str] = Field(
        default_factory=list, description="known facts in the vocabulary's words"
    )
    wishes: JobWishes = Field(default_factory=JobWishes)
    unemployed: bool | None = Field(default=None, description="out of work, when known")
    facts: dict[str, Any] = Field(default_factory=dict, description="the facts it was built from")

    def has(self, group: KeyGroup) -> bool:
        return any(m.group == group for m in self.key_groups)

    @property
    def group_codes(self) -> list[KeyGroup]:
        return [m.group for m in self.key_groups]


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _graduate(facts: Mapping[str, Any], day: date, vocabulary: _Vocabulary) -> str | None:
    if facts.get("is_college_graduate") is False:
        return None
    if facts.get("graduating_student") is True:
        return "毕业年度内的高校毕业生"
    graduated = facts.get("graduation_date")
    if isinstance(graduated, date) and facts.get("is_college_graduate") is not False:
        months = _months_between(graduated, day)
        limit = int(catalogue().parameter("graduate_months"))
        if 0 <= months <= limit:
            return f"{graduated.year}年{graduated.month}月毕业，离校{months}个月"
    return None


def _registered_unemployed(
    facts: Mapping[str, Any], day: date, vocabulary: _Vocabulary
) -> str | None:
    return "已办理失业登记" if facts.get("registered_unemployed") is True else None


def _employment_difficulty(
    facts: Mapping[str, Any], day: date, vocabulary: _Vocabulary
) -> str | None:
    if facts.get("is_employment_difficulty") is True:
        return "已被认定为就业困难人员"
    category = facts.get("difficulty_category")
    if category and category not in ("none", "other"):
        return "属于就业困难情形：" + _value_label(vocabulary, "difficulty_category", category)
    return None


def _migrant_worker(facts: Mapping[str, Any], day: date, vocabulary: _Vocabulary) -> str | None:
    if facts.get("migrant_worker") is True:
        return "进城务工的农村劳动者"
    if facts.get("startup_group") == "returning_migrant":
        return "返乡创业的农民工"
    return None


def _veteran(facts: Mapping[str, Any], day: date, vocabulary: _Vocabulary) -> str | None:
    if facts.get("startup_group") == "veteran" or facts.get("difficulty_category") == (
        "unemployed_veteran"
    ):
        return "退役军人"
    return None


def _disabled(facts: Mapping[str, Any], day: date, vocabulary: _Vocabulary) -> str | None:
    if facts.get("hardship_category") == "disabled" or facts.get("difficulty_category") == (
        "unemployed_disabled"
    ):
        return "本人是残疾人"
    return None


def _long_term_unemployed(
    facts: Mapping[str, Any], day: date, vocabulary: _Vocabulary
) -> str | None:
    months = facts.get("unemployed_months")
    limit = int(catalogue().parameter("long_term_unemployed_months"))
    if isinstance(months, int | float) and months >= limit:
        return f"已连续失业{months:g}个月"
    if facts.get("difficulty_category") == "long_term_unemployed":
        return "连续失业一年以上"
    return None


def _older_worker(facts: Mapping[str, Any], day: date, vocabulary: _Vocabulary) -> str | None:
    age = facts.get("age")
    if isinstance(age, int | float) and age >= catalogue().parameter("older_worker_age"):
        return f"{age:g}岁"
    months = facts.get("months_to_retirement")
    limit = catalogue().parameter("older_worker_months_to_retirement")
    if isinstance(months, int | float) and months <= limit:
        return f"距法定退休年龄{months:g}个月"
    if facts.get("difficulty_category") == "near_retirement_unemployed":
        return "距法定退休年龄十年以内"
    return None


_GROUP_TESTS: dict[KeyGroup, Callable[[Mapping[str, Any], date, _Vocabulary], str | None]] = {
    "graduate": _graduate,
    "registered_unemployed": _registered_unemployed,
    "employment_difficulty": _employment_difficulty,
    "migrant_worker": _migrant_worker,
    "veteran": _veteran,
    "disabled": _disabled,
    "long_term_unemployed": _long_term_unemployed,
    "older_worker": _older_worker,
}
assert set(_GROUP_TESTS) == set(KEY_GROUPS)

#: Facts that say the person is out of work (True) or in work (False).
_OUT_OF_WORK = ("registered_unemployed", "receiving_unemployment_benefit", "involuntary_separation")


def _value_label(vocabulary: _Vocabulary, name: str, code: str) -> str:
    definition = vocabulary.get(name)
    if definition is not None and definition.values:
        return definition.values.get(code, code)
    return code


def _unemployed(facts: Mapping[str, Any]) -> bool | None:
    if facts.get("reemployed") is True:
        return False
    if facts.get("reemployed") is False or any(facts.get(n) is True for n in _OUT_OF_WORK):
        return True
    months = facts.get("unemployed_months")
    if isinstance(months, int | float):
        return months > 0
    return None


def build_profile(
    facts: Mapping[str, Any],
    wishes: Mapping[str, Any] | JobWishes | None,
    *,
    region: str,
    on_date: date,
    vocabulary: Mapping[str, FactDefinition],
) -> JobSeekerProfile:
    """The profile for the facts and job wishes collected so far."""
    from assistant.composer import facts_summary

    known = {name: value for name, value in facts.items() if name in vocabulary}
    groups = catalogue().key_groups
    memberships = []
    for group, test in _GROUP_TESTS.items():
        basis = test(known, on_date, vocabulary)
        if basis is not None:
            entry = groups[group]
            memberships.append(
                GroupMembership(group=group, label=entry.label, basis=basis, source=entry.source)
            )
    summary = facts_summary(known, vocabulary)
    return JobSeekerProfile(
        region=region,
        on_date=on_date,
        key_groups=memberships,
        situation=summary.split("；") if summary else [],
        wishes=JobWishes.model_validate(wishes or {}),
        unemployed=_unemployed(known),
        facts=known,
    )


def reconcile_facts(facts: dict[str, Any], said: Mapping[str, Any], *, on_date: date) -> None:
    """Drops or updates collected facts that what was just ``said`` contradicts.

    A graduation date said now settles whether the person graduates this year; saying
    "今年毕业" drops a graduation date from another year.
    """
    graduated = said.get("graduation_date")
    if isinstance(graduated, date) and "graduating_student" not in said:
        facts["graduating_student"] = graduated.year == on_date.year
    if said.get("graduating_student") is True and "graduation_date" not in said:
        previous = facts.get("graduation_date")
        if isinstance(previous, date) and previous.year != on_date.year:
            del facts["graduation_date"]
    if said.get("reemployed") is True:
        facts.pop("unemployed_months", None)


def complete_facts(facts: dict[str, Any], *, on_date: date) -> None:
    """Fills in what the collected facts already settle: a graduation date says whether
    the person graduates this year (毕业年度)."""
    graduated = facts.get("graduation_date")
    if isinstance(graduated, date) and "graduating_student" not in facts:
        facts["graduating_student"] = graduated.year == on_date.year
