"""Quantities as people type them: numbers, spans of time, percentages and dates.

Users mix Arabic and Chinese numerals (三十五岁, 交了12年, 6千, 1.2万), speak of time in
years and months (一年半, 两年三个月, 18个月, 半年) and of dates relative to the day they
ask (去年6月). The regular expressions here are the building blocks the fact patterns
in ``facts.yaml`` use through the ``{number}``, ``{duration}``, ``{percent}`` and
``{date}`` placeholders; the functions turn what they matched into values.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from knowledge.chinese import parse_chinese_number

__all__ = [
    "DURATION",
    "NUMBER",
    "PERCENT",
    "date_pattern",
    "expand_placeholders",
    "parse_date_phrase",
    "parse_duration_months",
    "parse_number",
    "parse_percent",
]

_CN = "零〇一二两三四五六七八九十百千万"
_ARABIC = r"\d{1,12}(?:\.\d{1,6})?"
# A numeral: 35, 1.2万, 6千, 8k, 三十五, 两. Never the tail of a longer numeral, and never
# longer than a quantity can be (which also keeps matching linear on runs of digits).
NUMBER = (
    rf"(?:(?<![\d.]){_ARABIC}\s*[千万kKwW]?(?![\d.])"
    rf"|(?<![{_CN}])[{_CN}]{{1,12}}(?:点[{_CN}]{{1,6}})?)"
)
_COUNT = rf"(?:{NUMBER}|半)"
# 5年, 一年半, 一年多, 两年三个月, 18个月, 半年, 三个半月.
DURATION = (
    rf"(?:{_COUNT}\s*个?\s*年半?多?(?:\s*零?\s*{_COUNT}\s*个\s*半?\s*月)?|{_COUNT}\s*个\s*半?\s*月)"
)
PERCENT = rf"(?:百分之\s*{NUMBER}|{NUMBER}\s*%)"
_MONTH = rf"(?:\d{{1,2}}|[{_CN}]{{1,3}})"
# 2024, 二〇二四, and the short 24 of "24年毕业" (this century).
_YEAR_DIGITS = r"(?:\d{4}|[〇零一二三四五六七八九]{4}|(?<!\d)\d{2}(?=\s*年))"


def date_pattern(relative_years: dict[str, int]) -> str:
    """A date: 2024-06-30, 2024/6, 2024年6月30日, 二〇二四年六月, 去年6月, 去年.

    ``relative_years`` maps the words before 年 that count from today (今 -> 0, 去 -> -1).
    """
    words = "|".join(re.escape(w) for w in sorted(relative_years, key=len, reverse=True))
    year = f"(?:{_YEAR_DIGITS}|{words})" if words else _YEAR_DIGITS
    numeric = r"\d{4}\s*[-/.]\s*\d{1,2}(?:\s*[-/.]\s*\d{1,2})?"
    worded = rf"{year}\s*年\s*(?:{_MONTH}\s*月份?(?:\s*{_MONTH}\s*[日号])?)?"
    return f"(?:{numeric}|{worded})"


_PLACEHOLDER = re.compile(r"\{(number|duration|percent|date)\}")
_MULTIPLIERS = {"": 1.0, "千": 1e3, "k": 1e3, "万": 1e4, "w": 1e4}
_ARABIC_WITH_UNIT = re.compile(rf"({_ARABIC})\s*([千万kw]?)", re.IGNORECASE)
_DURATION_PARTS = re.compile(
    rf"^(?:(?P<y>{_COUNT})\s*个?\s*年(?P<yh>半)?多?)?\s*零?\s*"
    rf"(?:(?P<m>{_COUNT})\s*个\s*(?P<mh>半)?\s*月)?$"
)
_NUMERIC_DATE = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})(?:\s*[-/.]\s*(\d{1,2}))?")
_WORDED_DATE = re.compile(
    rf"(?P<y>\d{{4}}|\d{{2}}|[〇零一二三四五六七八九]{{4}}|[^\d\s年]+?)\s*年\s*"
    rf"(?:(?P<m>{_MONTH})\s*月份?(?:\s*(?P<d>{_MONTH})\s*[日号])?)?"
)


def expand_placeholders(pattern: str, relative_years: dict[str, int]) -> str:
    """``pattern`` with ``{number}``, ``{duration}``, ``{percent}`` and ``{date}`` replaced
    by named groups of the same names (each may appear once in a pattern)."""
    pieces = {
        "number": NUMBER,
        "duration": DURATION,
        "percent": PERCENT,
        "date": date_pattern(relative_years),
    }
    return _PLACEHOLDER.sub(lambda m: f"(?P<{m.group(1)}>{pieces[m.group(1)]})", pattern)


def parse_number(text: str) -> float | None:
    """``"35"``, ``"三十五"``, ``"6千"``, ``"1.2万"``, ``"8k"``, ``"两"`` -> the value."""
    clean = text.strip()
    if clean == "半":
        return 0.5
    match = _ARABIC_WITH_UNIT.fullmatch(clean)
    if match is not None:
        return float(match.group(1)) * _MULTIPLIERS[match.group(2).lower()]
    whole, _, fraction = clean.partition("点")
    try:
        value = float(parse_chinese_number(whole))
        if fraction:
            digits = "".join(str(parse_chinese_number(ch)) for ch in fraction)
            value += float(f"0.{digits}")
    except (ValueError, OverflowError):  # not a numeral, or one too long to be a quantity
        return None
    return value


def parse_duration_months(text: str) -> float | None:
    """A span of time in months: ``"一年半"`` -> 18, ``"两年三个月"`` -> 27, ``"半年"`` -> 6.

    "一年多" counts as one year: the part after 多 is unknown, and rules ask for minimums.
    """
    match = _DURATION_PARTS.match(re.sub(r"\s+", "", text))
    if match is None or (match.group("y") is None and match.group("m") is None):
        return None
    months = 0.0
    if match.group("y") is not None:
        years = parse_number(match.group("y"))
        if years is None:
            return None
        months += 12 * years + (6 if match.group("yh") else 0)
    if match.group("m") is not None:
        count = parse_number(match.group("m"))
        if count is None:
            return None
        months += count + (0.5 if match.group("mh") else 0)
    return months


def parse_percent(text: str) -> float | None:
    """``"3%"``, ``"百分之三"``, ``"2.5 %"`` -> the number of percent."""
    return parse_number(text.replace("百分之", "").replace("%", ""))


def parse_date_phrase(
    text: str,
    today: date,
    relative_years: dict[str, int],
    *,
    default_month: int | None = None,
) -> date | None:
    """``"2024-06-30"``, ``"2024年6月"``, ``"去年6月"``, ``"去年"`` -> a date.

    A month without a day is read as its last day (graduates leave school at the end of
    the month); a year without a month takes ``default_month`` or is not a date.
    """
    clean = re.sub(r"\s+", "", text)
    numeric = _NUMERIC_DATE.fullmatch(clean)
    if numeric is not None:
        return _make_date(int(numeric.group(1)), int(numeric.group(2)), numeric.group(3))
    worded = _WORDED_DATE.fullmatch(clean)
    if worded is None:
        return None
    year_text = worded.group("y")
    if year_text in relative_years:
        year = today.year + relative_years[year_text]
    else:
        parsed_year = parse_number(year_text)
        if parsed_year is None:
            return None
        year = int(parsed_year) + (2000 if len(year_text) == 2 else 0)
    month_text, day_text = worded.group("m"), worded.group("d")
    if month_text is None:
        return None if default_month is None else _make_date(year, default_month, None)
    month = parse_number(month_text)
    day = None if day_text is None else parse_number(day_text)
    if month is None:
        return None
    return _make_date(year, int(month), None if day is None else str(int(day)))


def _make_date(year: int, month: int, day: str | None) -> date | None:
    if not 1 <= month <= 12 or not 1900 <= year <= 2200:
        return None
    last = calendar.monthrange(year, month)[1]
    try:
        return date(year, month, int(day) if day else last)
    except ValueError:
        return None
