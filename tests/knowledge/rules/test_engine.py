"""The eligibility engine: bad input, validity windows, region overrides, screening."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.rules.engine import EligibilityEngine
from knowledge.rules.errors import FactValueError, UnknownFactError, UnknownPolicyError
from knowledge.rules.loader import load_facts, load_policy

WINDOWED = """
id: youth_grant
title: 测试青年补贴
audience: job_seeker
sources:
  n1: {document: 测试通知, article: 第一条}
  p1: {document: 测试省细则, article: 第二条}
  c1: {document: 测试市细则, article: 第三条, sample: true}
valid_from: 2025-01-01
valid_to: 2025-12-31
parameters:
  max_age: {label: 年龄上限, unit: 岁, values: [{since: 2025-01-01, value: 24, source: n1}]}
  amount: {label: 补贴金额, unit: 元, values: [{since: 2025-01-01, value: 1000, source: n1}]}
conditions:
  - {id: age, label: 年龄不超过上限, when: age <= param.max_age, source: n1}
outputs:
  - {id: amount, label: 补贴金额, unit: 元, value: param.amount, source: n1}
apply: {where: 测试窗口}
regions:
  "410000":
    parameters:
      amount: [{since: 2025-01-01, value: 1200, source: p1}]
    conditions:
      - {id: registered, label: 已办理失业登记, when: registered_unemployed, source: p1}
  "410100":
    sample: true
    parameters:
      amount: [{since: 2025-07-01, value: 1500, source: c1, sample: true, note: 虚构的示例值}]
"""


@pytest.fixture(scope="module")
def engine() -> EligibilityEngine:
    return EligibilityEngine()


@pytest.fixture(scope="module")
def windowed(tmp_path_factory: pytest.TempPathFactory) -> EligibilityEngine:
    path: Path = tmp_path_factory.mktemp("rules") / "youth_grant.yaml"
    path.write_text(WINDOWED, encoding="utf-8")
    facts = load_facts()
    return EligibilityEngine({"youth_grant": load_policy(path, facts)}, facts)


def test_the_last_day_of_the_window_and_the_day_after(windowed: EligibilityEngine) -> None:
    last = windowed.check("youth_grant", {"age": 24}, on_date=date(2025, 12, 31))
    assert last.status == "eligible" and last.output("amount") == 1000
    after = windowed.check("youth_grant", {"age": 24}, on_date=date(2026, 1, 1))
    assert after.status == "ended"
    assert after.valid_to == date(2025, 12, 31)
    assert any("2025-12-31" in note for note in after.notes)
    assert after.trace == []  # an ended policy is reported, not silently evaluated
    assert after.apply is not None and after.apply.where == "测试窗口"  # where to ask now
    before = windowed.check("youth_grant", {"age": 24}, on_date=date(2024, 12, 31))
    assert before.status == "not_yet"


def test_the_most_specific_region_in_force_wins(windowed: EligibilityEngine) -> None:
    day = date(2025, 8, 1)
    facts = {"age": 20, "registered_unemployed": True}
    assert (
        windowed.check("youth_grant", facts, region="440100", on_date=day).output("amount") == 1000
    )
    assert (
        windowed.check("youth_grant", facts, region="410300", on_date=day).output("amount") == 1200
    )
    city = windowed.check("youth_grant", facts, region="410102", on_date=day)
    assert city.output("amount") == 1500
    amount = city.outputs[0]
    assert amount.sample and any("示例数据" in n for n in city.notes)
    # The legal basis stays the notice; the figure names the city's rules and its note.
    assert amount.source.label == "《测试通知》第一条"
    assert [s.label for s in amount.parameter_sources] == ["《测试市细则》第三条"]
    assert amount.note == "虚构的示例值"
    assert "《测试市细则》第三条" in [s.label for s in city.sources]
    # Before the city's value starts, the province's applies.
    june = windowed.check("youth_grant", facts, region="410100", on_date=date(2025, 6, 30))
    assert june.output("amount") == 1200
    # The province adds a condition that the nation does not have.
    unregistered = windowed.check(
        "youth_grant", {"age": 20, "registered_unemployed": False}, region="410100", on_date=day
    )
    assert unregistered.status == "not_eligible"
    assert [t.source.label for t in unregistered.trace if t.outcome == "not_met"] == [
        "《测试省细则》第二条"
    ]
    national = windowed.check("youth_grant", {"age": 20}, region="000000", on_date=day)
    assert national.status == "eligible"


def test_bad_input_gets_clear_errors(engine: EligibilityEngine) -> None:
    with pytest.raises(UnknownPolicyError, match="没有这项政策"):
        engine.check("free_money", {})
    with pytest.raises(UnknownFactError, match="不认识"):
        engine.check("unemployment_benefit", {"favourite_colour": "red"})
    with pytest.raises(FactValueError, match="contribution_years"):
        engine.check("unemployment_benefit", {"contribution_years": "很多年"})
    with pytest.raises(FactValueError, match="不能小于"):
        engine.check("unemployment_benefit", {"contribution_years": -1})
    with pytest.raises(FactValueError):
        engine.check("unemployment_benefit", {"involuntary_separation": "也许"})


def test_facts_in_words_are_understood(engine: EligibilityEngine) -> None:
    result = engine.check(
        "unemployment_benefit",
        {
            "contribution_years": "6",
            "involuntary_separation": "是",
            "registered_unemployed": "yes",
            "seeking_work": True,
            "reemployed": "否",
            "receiving_pension": "no",
        },
        on_date=date(2025, 6, 1),
    )
    assert result.status == "eligible" and result.output("duration_months") == 18


def test_screening_one_profile_against_every_policy(engine: EligibilityEngine) -> None:
    screening = engine.screen(
        {"contribution_years": 3, "involuntary_separation": True},
        region="410100",
        on_date=date(2025, 6, 1),
        audience="job_seeker",
    )
    ids = [r.policy_id for r in screening.results]
    assert "unemployment_benefit" in ids
    assert all(r.audience == "job_seeker" for r in screening.results)
    order = {"eligible": 0, "need_more_facts": 1, "not_eligible": 2, "not_yet": 3, "ended": 4}
    ranks = [order[r.status] for r in screening.results]
    assert ranks == sorted(ranks)
    asked = [q.name for q in screening.next_questions]
    assert len(asked) == len(set(asked))
    assert "contribution_years" not in asked and "involuntary_separation" not in asked
    all_missing = {m.name for r in screening.results for m in r.missing}
    assert set(asked) == all_missing
