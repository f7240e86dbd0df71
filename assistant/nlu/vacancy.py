"""Job-search filters in a message, and the job title or skills left over as keywords.

Pay is read by the vacancy connector's own parser (``parse_salary_text``) after Chinese
numerals are written as digits, so "八千以上" and "200元/天" end up as yuan per month the
same way postings do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.nlu.lexicon import VacancyLexicon
from assistant.nlu.models import VacancyQuery
from assistant.nlu.numbers import NUMBER, parse_number
from connectors.vacancies.models import Education
from connectors.vacancies.salary import SalaryUnit, monthly, parse_salary_text
from knowledge.chinese import jieba_tokenizer
from knowledge.regions import region_from_text, region_mentions

__all__ = ["VacancyReader"]

_NUMERAL = re.compile(NUMBER)
_WORD = re.compile(r"\w")
_NUMERIC_TOKEN = re.compile(rf"(?:{NUMBER})(?:岁|年|个月|月|人|元|块|k)?", re.IGNORECASE)
_GAP = " "
#: The longest radius a search takes (the tool's limit), in km.
_MAX_RADIUS_KM = 100.0
_KM_PER_UNIT = {"公里": 1.0, "千米": 1.0, "km": 1.0, "米": 0.001}


class VacancyReader:
    def __init__(self, lexicon: VacancyLexicon) -> None:
        self._lexicon = lexicon

    def warm_up(self) -> None:
        jieba_tokenizer()

    def read(
        self, text: str, *, district: str | None, used: Iterable[tuple[int, int]] = ()
    ) -> VacancyQuery:
        """The filters of ``text``; ``used`` are spans already read as facts."""
        lexicon = self._lexicon
        spans = list(used)
        salary_min: float | None = None
        for pattern in lexicon.salary:
            match = pattern.search(text)
            if match is None:
                continue
            per = match.groupdict().get("per")
            salary_min = _monthly_minimum(match.group("pay") + (f"/{per}" if per else ""))
            if salary_min is not None:
                spans.append(match.span())
                break
        employment_type = None
        kind = lexicon.employment_types.search(text)
        if kind is not None:
            employment_type = lexicon.employment_type_of[kind.group()]
            spans.append(kind.span())
        education = None
        level = lexicon.education.search(text)
        if level is not None:
            education = Education.parse(level.group("level")).name
            spans.append(level.span())
        near = lexicon.near_me.search(text)
        if near is not None:
            spans.append(near.span())
        radius_km = None
        distance = lexicon.radius.search(text)
        if distance is not None:
            radius_km = _kilometres(distance.group("amount"), distance.group("unit"))
            spans.append(distance.span())
        if district is not None:
            spans += [m.span() for m in re.finditer(re.escape(district), text)]
        # Places are filters (or the user's region), never job words: 管城区, 郑州市.
        spans += [(start, end) for start, end, _ in region_mentions(text)]
        return VacancyQuery(
            keywords=self._keywords(text, spans),
            district=district,
            salary_min=salary_min,
            employment_type=employment_type,
            education=education,
            near_me=near is not None,
            radius_km=radius_km,
        )

    def _keywords(self, text: str, spans: list[tuple[int, int]]) -> str | None:
        """Adjacent words that are not filters or filler, joined; separate runs by a space.

        Dictionary words only (no HMM guesses), so that 有招电工 is 有/招/电工, not 有招.
        """
        chars = list(text)
        for start, end in spans:
            chars[start:end] = _GAP * (end - start)
        groups: list[str] = []
        current = ""
        for token in jieba_tokenizer().lcut("".join(chars), HMM=False):
            if self._is_keyword(token):
                current += token
            elif current:
                groups.append(current)
                current = ""
        if current:
            groups.append(current)
        return " ".join(groups) or None

    def _is_keyword(self, token: str) -> bool:
        return (
            _WORD.search(token) is not None
            and token not in self._lexicon.stopwords
            and _NUMERIC_TOKEN.fullmatch(token) is None
            and region_from_text(token) is None
        )


def _kilometres(amount: str, unit: str) -> float | None:
    """Kilometres: 3 公里 -> 3.0, 五百 米 -> 0.5; None for nothing or beyond a search's reach."""
    value = parse_number(amount)
    if value is None:
        return None
    km = value * _KM_PER_UNIT[unit.lower()]
    return km if 0 < km <= _MAX_RADIUS_KM else None


def _monthly_minimum(pay: str) -> float | None:
    """The lower figure of ``pay`` in yuan per month: "八千" -> 8000, "200元/天" -> 4350."""

    def digits(match: re.Match[str]) -> str:
        value = parse_number(match.group())
        if value is None:
            return match.group()
        return str(int(value)) if value.is_integer() else str(value)

    try:
        parsed = parse_salary_text(_NUMERAL.sub(digits, pay))
    except ValueError:
        return None
    if parsed is None:
        return None
    low, _, unit = parsed
    if low is None:
        return None
    amount = monthly(low, unit) if unit is not SalaryUnit.MONTH else low
    return amount if amount > 0 else None
