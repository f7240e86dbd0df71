"""Numbers, spans of time, percentages and dates as people type them."""

from __future__ import annotations

import re
from datetime import date

import pytest

from assistant.nlu.numbers import (
    DURATION,
    expand_placeholders,
    parse_date_phrase,
    parse_duration_months,
    parse_number,
    parse_percent,
)

YEARS = {"今": 0, "去": -1, "前": -2, "明": 1}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("35", 35),
        ("三十五", 35),
        ("两", 2),
        ("十二", 12),
        ("一百零三", 103),
        ("6千", 6000),
        ("1.2万", 12000),
        ("8k", 8000),
        ("8K", 8000),
        ("三点五", 3.5),
        ("半", 0.5),
        ("几个", None),
    ],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("5年", 60),
        ("五年", 60),
        ("一年半", 18),
        ("1.5年", 18),
        ("两年三个月", 27),
        ("两年零三个月", 27),
        ("18个月", 18),
        ("半年", 6),
        ("一年多", 12),
        ("三个半月", 3.5),
        ("半个月", 0.5),
    ],
)
def test_parse_duration(text: str, months: float) -> None:
    assert re.fullmatch(DURATION, text), text
    assert parse_duration_months(text) == months


@pytest.mark.parametrize(("text", "value"), [("3%", 3), ("百分之三", 3), ("百分之二点五", 2.5)])
def test_parse_percent(text: str, value: float) -> None:
    assert parse_percent(text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-30", date(2024, 6, 30)),
        ("2024/6/30", date(2024, 6, 30)),
        ("2024年6月30日", date(2024, 6, 30)),
        ("二〇二四年六月", date(2024, 6, 30)),
        ("2024年2月", date(2024, 2, 29)),  # a month alone is its last day
        ("去年6月", date(2024, 6, 30)),
        ("今年七月", date(2025, 7, 31)),
        ("前年9月1号", date(2023, 9, 1)),
        ("去年", None),  # a year alone needs a default month
        ("2024-02-30", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date_phrase(text, date(2025, 3, 15), YEARS) == expected


def test_year_alone_with_a_default_month() -> None:
    assert parse_date_phrase("去年", date(2025, 3, 15), YEARS, default_month=6) == date(2024, 6, 30)


def test_placeholders_become_named_groups() -> None:
    pattern = re.compile(expand_placeholders("交了{duration}", YEARS))
    match = pattern.search("我交了两年三个月社保")
    assert match is not None and match.group("duration") == "两年三个月"


def test_number_is_never_the_tail_of_a_longer_number() -> None:
    pattern = re.compile(expand_placeholders("{number}岁", YEARS))
    match = pattern.search("1045岁")
    assert match is not None and match.group("number") == "1045"
