"""The job-seeker profile: key groups from collected facts, corrections, and the needs."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from assistant.packages.catalogue import KEY_GROUPS, NEEDS, catalogue
from assistant.packages.needs import assess_needs
from assistant.packages.profile import (
    JobSeekerProfile,
    build_profile,
    complete_facts,
    reconcile_facts,
)
from knowledge.rules.loader import load_facts

TODAY = date(2026, 12, 5)
VOCABULARY = load_facts()


def profile(facts: dict[str, Any], wishes: dict[str, Any] | None = None) -> JobSeekerProfile:
    return build_profile(facts, wishes, region="410100", on_date=TODAY, vocabulary=VOCABULARY)


@pytest.mark.parametrize(
    ("facts", "group"),
    [
        ({"graduating_student": True}, "graduate"),
        ({"is_college_graduate": True, "graduation_date": date(2025, 6, 30)}, "graduate"),
        ({"graduation_date": date(2024, 12, 31)}, "graduate"),  # 24 months: the last month
        ({"registered_unemployed": True}, "registered_unemployed"),
        ({"is_employment_difficulty": True}, "employment_difficulty"),
        ({"difficulty_category": "zero_employment_household"}, "employment_difficulty"),
        ({"migrant_worker": True}, "migrant_worker"),
        ({"startup_group": "returning_migrant"}, "migrant_worker"),
        ({"startup_group": "veteran"}, "veteran"),
        ({"difficulty_category": "unemployed_veteran"}, "veteran"),
        ({"hardship_category": "disabled"}, "disabled"),
        ({"unemployed_months": 12}, "long_term_unemployed"),
        ({"difficulty_category": "long_term_unemployed"}, "long_term_unemployed"),
        ({"age": 50}, "older_worker"),
        ({"months_to_retirement": 120}, "older_worker"),
    ],
)
def test_each_key_group_is_found_from_its_facts(facts: dict[str, Any], group: str) -> None:
    found = profile(facts)
    assert found.has(group)  # type: ignore[arg-type]
    membership = next(m for m in found.key_groups if m.group == group)
    assert membership.label == catalogue().key_groups[group].label  # type: ignore[index]
    assert membership.basis and membership.source.document


@pytest.mark.parametrize(
    "facts",
    [
        {"graduation_date": date(2024, 11, 30)},  # 25 months after leaving school
        {"graduating_student": True, "is_college_graduate": False},  # not a college graduate
        {"unemployed_months": 11},
        {"age": 49, "months_to_retirement": 121},
        {"difficulty_category": "none", "is_employment_difficulty": False},
        {"registered_unemployed": False},
        {"hire_group": "graduating_student", "hire_age": 60},  # the employer's new hire
    ],
)
def test_facts_just_outside_a_group_do_not_put_the_person_in_it(facts: dict[str, Any]) -> None:
    assert profile(facts).key_groups == []


def test_every_group_and_need_has_a_catalogue_entry_with_a_source() -> None:
    entries = catalogue()
    assert set(entries.key_groups) == set(KEY_GROUPS)
    assert set(entries.needs) == set(NEEDS)
    for entry in [*entries.key_groups.values(), *entries.needs.values()]:
        assert entry.source.document
    # Values not confirmed from a primary document are parameters with a note saying so.
    for name in ("graduate_months", "older_worker_age", "follow_up_days"):
        assert "待核实" in entries.parameters[name].note


def test_the_profile_shows_wishes_and_situation_in_the_persons_words() -> None:
    found = profile(
        {"registered_unemployed": True, "age": 35},
        {"occupation": "电工", "district": "金水区", "salary_min": 6000},
    )
    assert found.wishes.occupation == "电工" and found.wishes.salary_min == 6000
    assert "已办理失业登记：是" in found.situation
    assert "年龄：35岁" in found.situation
    assert found.unemployed is True


def test_saying_last_year_corrects_a_graduate_of_this_year() -> None:
    facts: dict[str, Any] = {"graduating_student": True, "graduation_date": date(2026, 6, 30)}
    said = {"graduation_date": date(2025, 6, 30)}
    facts.update(said)
    reconcile_facts(facts, said, on_date=TODAY)
    assert facts["graduating_student"] is False
    found = profile(facts)
    assert found.has("graduate")  # still within two years of leaving
    assert "2025年6月毕业" in found.key_groups[0].basis


def test_saying_this_year_drops_a_graduation_date_of_another_year() -> None:
    facts: dict[str, Any] = {"graduation_date": date(2023, 6, 30)}
    reconcile_facts(facts, {"graduating_student": True}, on_date=TODAY)
    assert "graduation_date" not in facts


def test_a_graduation_date_settles_whether_the_person_graduates_this_year() -> None:
    facts: dict[str, Any] = {"graduation_date": date(2026, 7, 1)}
    complete_facts(facts, on_date=TODAY)
    assert facts["graduating_student"] is True
    told: dict[str, Any] = {"graduation_date": date(2026, 7, 1), "graduating_student": False}
    complete_facts(told, on_date=TODAY)
    assert told["graduating_student"] is False  # what the person said is kept


def test_needs_follow_from_the_profile_with_reasons_and_sources() -> None:
    graduate = profile({"graduating_student": True, "reemployed": False}, {"occupation": "会计"})
    needs = {n.kind: n for n in assess_needs(graduate, ["一次性求职创业补贴"])}
    assert {"job_placement", "career_guidance", "training", "benefits"} <= set(needs)
    assert "会计" in needs["job_placement"].reason
    assert "一次性求职创业补贴" in needs["benefits"].reason
    assert "employment_assistance" not in needs
    assert needs["job_placement"].source.article == "第三十五条"

    difficulty = profile(
        {"difficulty_category": "unemployed_disabled", "registered_unemployed": False}
    )
    needs = {n.kind: n for n in assess_needs(difficulty, [])}
    assert needs["employment_assistance"].source.article == "第五十二条"
    assert "unemployment_registration" in needs  # said not registered
    assert "benefits" not in needs  # nothing claimable: no guess


def test_someone_back_in_work_needs_no_placement_and_a_founder_needs_startup_help() -> None:
    working = profile({"reemployed": True, "certificate_level": "level4"})
    assert assess_needs(working, []) == []
    founder = profile({"self_employed_startup": True, "startup_group": "college_graduate"})
    kinds = [n.kind for n in assess_needs(founder, [])]
    assert "entrepreneurship" in kinds and "job_placement" not in kinds
