"""The calculator's side of a conversation: whose facts were said, which policy they speak
to, what they settle — the helpers, then conversations through Assistant.respond with the
offline brain over the shipped samples."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from assistant.brains.calculator import as_hire_facts, facts_in_words, policy_spoken_to
from assistant.engine import Assistant
from assistant.models import Reply, Role, Turn
from knowledge.rules.loader import load_facts, load_policies
from tests.assistant.conftest import AssistantFactory

TODAY = date(2026, 11, 15)


def test_what_an_employer_says_of_a_person_is_its_hires() -> None:
    vocabulary = load_facts()
    moved = as_hire_facts(
        {"age": 23, "contribution_years": 0.92, "months_to_retirement": 84, "reemployed": False},
        vocabulary,
    )
    assert moved == {
        "hire_age": 23,
        "hire_insurance_months": 11,  # years said of the hire, in the hire fact's months
        "hire_months_to_retirement": 84,
        "reemployed": False,  # no hire fact: left for the caller to keep or drop
    }
    # A hire's fact said outright wins over the same fact said of "a person".
    assert as_hire_facts({"age": 40, "hire_age": 22}, vocabulary) == {"hire_age": 22}


def test_facts_speak_to_the_policy_that_asks_about_most_of_them() -> None:
    rules = load_policies()
    seeker = {k: r for k, r in rules.items() if r.audience == "job_seeker"}
    said = ["involuntary_separation", "reemployed", "seeking_work"]
    assert policy_spoken_to(said, seeker) == "unemployment_benefit"
    # A tie is no answer: the screen stays.
    assert policy_spoken_to(["hardship_category", "difficulty_category"], seeker) is None
    employer = {k: r for k, r in rules.items() if r.audience == "employer"}
    hire = ["hire_is_employment_difficulty", "labor_contract_signed", "hire_social_insurance_paid"]
    assert policy_spoken_to(hire, employer) == "social_insurance_subsidy"
    # Only a policy that asks about more of them than the one being checked takes over.
    assert policy_spoken_to(hire, employer, than="social_insurance_subsidy") is None
    assert (
        policy_spoken_to(hire, employer, than="one_time_hiring_subsidy")
        == "social_insurance_subsidy"
    )


def test_the_facts_an_inference_rests_on_are_said_in_words() -> None:
    words = facts_in_words(
        ["registered_unemployed", "months_to_retirement"],
        {"registered_unemployed": True, "months_to_retirement": 96},
        load_facts(),
    )
    assert words == "已办理失业登记、距法定退休年龄的月数96月"


# -- conversations -----------------------------------------------------------------------


def say(assistant: Assistant, text: str, *, user: str, role: Role = "job_seeker") -> Reply:
    return assistant.respond(
        Turn(channel="web", user_id=user, role=role, region="410100", text=text, on_date=TODAY)
    )


def checks(reply: Reply) -> list[dict[str, Any]]:
    return [c.result for c in reply.tool_calls if c.name == "check_eligibility"]


@pytest.fixture
def assistant(make_assistant: AssistantFactory) -> Assistant:
    return make_assistant()


def test_the_first_message_is_checked_with_every_fact_it_gives(assistant: Assistant) -> None:
    reply = say(
        assistant, "俺在厂里干了九年，一直交着失业保险，今年厂子黄了，失业金能领几个月？", user="a"
    )
    (check,) = checks(reply)
    assert check["policy_id"] == "unemployment_benefit"
    assert "18个月" in reply.text and reply.text.count("？") == 1


def test_an_employers_words_about_its_hire_reach_the_employer_side_check(
    assistant: Assistant,
) -> None:
    reply = say(
        assistant,
        "我们单位今年招了一个大姐，之前失业一年多，街道已经认定她是就业困难人员了，"
        "离退休还有7年，签了三年合同，社保正常交",
        user="b",
        role="employer",
    )
    (check,) = checks(reply)
    assert check["policy_id"] == "social_insurance_subsidy"
    assert check["status"] == "eligible" and "36个月" in reply.text
    assert reply.facts["hire_months_to_retirement"] == 84
    assert "months_to_retirement" not in reply.facts  # never the employer's own
    assert "unemployed_months" not in reply.facts


def test_an_obvious_inference_is_said_and_can_be_corrected(assistant: Assistant) -> None:
    reply = say(
        assistant,
        "我离退休还有8年，厂里下岗以后一直没找到活，失业登记办了，能认定就业困难人员不？",
        user="c",
    )
    (check,) = checks(reply)
    assert check["status"] == "eligible"
    assert reply.facts["difficulty_category"] == "near_retirement_unemployed"
    assert "如果不对请告诉我" in reply.text
    reply = say(assistant, "说错了，离退休还有15年", user="c")
    assert "difficulty_category" not in reply.facts  # the inference no longer holds


def test_after_a_screen_the_facts_narrow_it_to_one_policy(assistant: Assistant) -> None:
    first = say(assistant, "我能享受哪些政策？", user="d")
    assert "results" in checks(first)[0]  # a screen
    reply = say(assistant, "被公司裁了，还没找到工作", user="d")
    (check,) = checks(reply)
    assert check["policy_id"] == "unemployment_benefit"
    assert reply.facts["seeking_work"] is True  # inferred from "还没找到工作", and said
    assert "还没找到工作" in reply.text and reply.text.count("？") == 1
