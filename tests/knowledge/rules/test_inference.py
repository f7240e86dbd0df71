"""Facts that other facts settle (knowledge/rules/inferences.yaml): inferred while unknown,
withdrawn when a later fact contradicts them, never over what was said just now."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.rules.engine import EligibilityEngine
from knowledge.rules.errors import RuleFileError
from knowledge.rules.inference import load_inferences
from knowledge.rules.loader import load_facts

DAY = date(2026, 11, 15)


@pytest.fixture(scope="module")
def engine() -> EligibilityEngine:
    return EligibilityEngine()


def test_near_retirement_registered_unemployed_is_a_difficulty_category(
    engine: EligibilityEngine,
) -> None:
    done = engine.complete({"registered_unemployed": True, "months_to_retirement": 96}, on_date=DAY)
    assert done.facts["difficulty_category"] == "near_retirement_unemployed"
    assert done.added["difficulty_category"] == ["months_to_retirement", "registered_unemployed"]
    # Eleven years from retirement is not "十年以内": nothing is inferred.
    far = engine.complete({"registered_unemployed": True, "months_to_retirement": 132}, on_date=DAY)
    assert "difficulty_category" not in far.facts


def test_long_term_unemployment_needs_registration_and_a_year(engine: EligibilityEngine) -> None:
    assert (
        engine.complete(
            {"registered_unemployed": True, "unemployed_months": 13}, on_date=DAY
        ).facts["difficulty_category"]
        == "long_term_unemployed"
    )
    unknown = engine.complete({"unemployed_months": 13}, on_date=DAY)
    assert "difficulty_category" not in unknown.facts  # registration not said: undecided


def test_the_graduation_year_decides_the_graduating_year(engine: EligibilityEngine) -> None:
    this_year = engine.complete(
        {"graduation_date": date(2026, 6, 30), "is_college_graduate": True}, on_date=DAY
    )
    assert this_year.facts["graduating_student"] is True
    last_year = engine.complete({"graduation_date": date(2025, 6, 30)}, on_date=DAY)
    assert last_year.facts["graduating_student"] is False


def test_a_person_starting_a_business_applies_in_their_own_name(
    engine: EligibilityEngine,
) -> None:
    person = engine.complete({"registered_unemployed": True}, on_date=DAY, speaker="job_seeker")
    assert person.facts["startup_group"] == "registered_unemployed"
    assert person.facts["applicant_type"] == "individual"
    employer = engine.complete({"self_employed_startup": True}, on_date=DAY, speaker="employer")
    assert "applicant_type" not in employer.facts  # an employer says in whose name


def test_a_share_is_computed_from_the_counts(engine: EligibilityEngine) -> None:
    done = engine.complete({"employee_count": 120, "new_hire_count": 12}, on_date=DAY)
    assert done.facts["new_hire_share_percent"] == 10
    no_staff = engine.complete({"employee_count": 0, "new_hire_count": 3}, on_date=DAY)
    assert "new_hire_share_percent" not in no_staff.facts


def test_an_inference_is_withdrawn_when_a_later_fact_contradicts_it(
    engine: EligibilityEngine,
) -> None:
    facts = {
        "registered_unemployed": True,
        "months_to_retirement": 200,  # corrected from 96
        "difficulty_category": "near_retirement_unemployed",
    }
    done = engine.complete(facts, on_date=DAY)
    assert "difficulty_category" not in done.facts
    assert done.withdrawn == ["difficulty_category"]
    kept = engine.complete(facts, on_date=DAY, keep=["difficulty_category"])
    assert kept.facts["difficulty_category"] == "near_retirement_unemployed"


def test_what_is_known_is_never_overwritten(engine: EligibilityEngine) -> None:
    done = engine.complete({"registered_unemployed": True, "startup_group": "veteran"}, on_date=DAY)
    assert done.facts["startup_group"] == "veteran"
    assert "startup_group" not in done.added


def test_the_file_is_checked_against_the_vocabulary(tmp_path: Path) -> None:
    path = tmp_path / "inferences.yaml"
    path.write_text("- set: {no_such_fact: true}\n  when: registered_unemployed\n", "utf-8")
    with pytest.raises(RuleFileError, match="no_such_fact"):
        load_inferences(load_facts(), path)
    path.write_text("- set: {graduating_student: maybe}\n  when: registered_unemployed\n", "utf-8")
    with pytest.raises(RuleFileError):
        load_inferences(load_facts(), path)
