"""Search filters the NLU reads: a radius, short place names, education below 初中, the
words around a job title, a follow-up that narrows the last search, and what is asked of
service points (a kind, the days open)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from assistant.nlu import NLU
from assistant.nlu.models import VacancyQuery
from connectors.vacancies.models import Education
from tests.assistant.nlu.conftest import TODAY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3公里以内的保洁工作", {"keywords": "保洁", "radius_km": 3.0}),
        ("附近2公里内有保洁的活吗", {"keywords": "保洁", "radius_km": 2.0, "near_me": True}),
        ("方圆五公里有没有电工", {"keywords": "电工", "radius_km": 5.0}),
        ("五百米内的兼职", {"employment_type": "PART_TIME", "radius_km": 0.5}),
        ("离我1.5km的快递员", {"keywords": "快递员", "radius_km": 1.5}),
        ("管城区有没有保洁的工作", {"keywords": "保洁", "district": "管城回族区"}),
        ("郑州管城区招电工吗", {"keywords": "电工", "district": "管城回族区"}),
        ("你好，我想问问有没有保洁的工作", {"keywords": "保洁"}),
        ("您好，打听一下有招叉车司机的吗", {"keywords": "叉车司机"}),
        ("我小学学历，有没有叉车的工作", {"keywords": "叉车", "education": "NONE"}),
        ("初中毕业找个普工", {"keywords": "普工", "education": "MIDDLE_SCHOOL"}),
    ],
)
def test_filters_and_keywords(rules_nlu: NLU, text: str, expected: dict[str, Any]) -> None:
    query = rules_nlu.job_search(text, today=TODAY)
    # Every filter not named stays at its default: nothing read that was not said.
    defaults = VacancyQuery().model_dump()
    assert query.model_dump() == {**defaults, **expected}


def test_a_radius_beyond_what_a_search_takes_is_not_read(rules_nlu: NLU) -> None:
    assert rules_nlu.job_search("300公里以内的保洁", today=TODAY).radius_km is None


def test_primary_school_qualifies_for_postings_asking_for_none() -> None:
    assert Education.parse("小学") is Education.NONE
    assert Education.parse("小学及以上") is Education.NONE
    assert Education.parse("初中及以上") is Education.MIDDLE_SCHOOL


@pytest.mark.parametrize(
    ("text", "filters"),
    [
        ("金水区的呢", {"district": "金水区"}),
        ("只看金水区的", {"district": "金水区"}),
        ("管城区的有吗", {"district": "管城回族区"}),
        ("要全职的", {"employment_type": "FULL_TIME"}),
        ("工资8000以上的", {"salary_min": 8000.0}),
    ],
)
def test_filters_alone_after_a_search_narrow_it(
    nlu: NLU, text: str, filters: dict[str, Any]
) -> None:
    result = nlu.understand(text, today=TODAY, searching=True)
    assert result.intent == "vacancy_search"
    assert result.vacancy is not None and result.vacancy.keywords is None
    assert result.vacancy.model_dump(exclude_defaults=True) == filters


@pytest.mark.parametrize("text", ["金水区的呢", "只看金水区的"])
def test_filters_alone_without_a_search_before_are_not_a_search(nlu: NLU, text: str) -> None:
    assert nlu.understand(text, today=TODAY).intent != "vacancy_search"


@pytest.mark.parametrize("text", ["转人工", "谢谢", "金水区的失业金怎么领"])
def test_other_requests_after_a_search_are_not_narrowed(rules_nlu: NLU, text: str) -> None:
    plain = rules_nlu.understand(text, today=TODAY)
    after = rules_nlu.understand(text, today=TODAY, searching=True)
    assert after.intent == plain.intent != "vacancy_search"


@pytest.mark.parametrize(
    ("text", "kinds", "days"),
    [
        ("附近有没有零工市场", ["零工市场"], []),
        ("最近的人才市场怎么走", ["人力资源市场"], []),
        ("附近的就业服务站在哪", [], []),
        ("周末哪个就业服务站开门", [], [6, 7]),
        ("周日零工驿站开不开", ["零工市场"], [7]),
        ("明天社区就业服务站上班吗", ["社区就业服务站"], [date(2025, 3, 16).isoweekday()]),
    ],
)
def test_what_is_asked_of_service_points(
    rules_nlu: NLU, text: str, kinds: list[str], days: list[int]
) -> None:
    asked = rules_nlu.point_query(text, today=TODAY)
    assert (asked.kinds, asked.open_on) == (kinds, days)


def test_a_service_point_request_carries_what_it_asks(embedded_nlu: NLU) -> None:
    result = embedded_nlu.understand("附近有没有零工市场", today=TODAY)
    assert result.intent == "service_points"
    assert result.points is not None and result.points.kinds == ["零工市场"]
