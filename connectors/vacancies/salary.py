"""Pay in yuan per month, whatever unit a posting quotes it in.

Hourly and daily pay convert with the statutory 月计薪天数 of 21.75 days (8 hours a day):
劳动和社会保障部《关于职工全年月平均工作时间和工资折算问题的通知》（劳社部发〔2008〕3号）
第二部分 "日工资、小时工资的折算": 日工资＝月工资收入÷月计薪天数，小时工资＝月工资收入÷
（月计薪天数×8小时），月计薪天数＝（365天−104天）÷12月＝21.75天. A week is 5 of those days.
"""

from __future__ import annotations

import re
from enum import StrEnum

from knowledge.chinese import normalize

__all__ = [
    "PAID_DAYS_PER_MONTH",
    "SALARY_SOURCE",
    "SalaryUnit",
    "monthly",
    "parse_salary_text",
]

PAID_DAYS_PER_MONTH = 21.75
SALARY_SOURCE = "劳社部发〔2008〕3号《关于职工全年月平均工作时间和工资折算问题的通知》第二部分"


class SalaryUnit(StrEnum):
    """schema.org ``unitText`` values for pay."""

    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    YEAR = "YEAR"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, text: str) -> SalaryUnit:
        key = normalize(text).strip().upper()
        if key in cls.__members__:
            return cls[key]
        for unit, words in _UNIT_WORDS.items():
            if key.lower() in words:
                return unit
        raise ValueError(f"不认识的薪资单位：{text}")


_LABELS = {
    SalaryUnit.HOUR: "小时",
    SalaryUnit.DAY: "天",
    SalaryUnit.WEEK: "周",
    SalaryUnit.MONTH: "月",
    SalaryUnit.YEAR: "年",
}
_UNIT_WORDS = {
    SalaryUnit.HOUR: {"小时", "时", "h", "hourly", "per hour"},
    SalaryUnit.DAY: {"天", "日", "d", "daily", "per day"},
    SalaryUnit.WEEK: {"周", "星期", "w", "weekly"},
    SalaryUnit.MONTH: {"月", "m", "monthly", "per month"},
    SalaryUnit.YEAR: {"年", "y", "yearly", "annual", "annually", "per year"},
}
_PER_MONTH = {
    SalaryUnit.HOUR: PAID_DAYS_PER_MONTH * 8,
    SalaryUnit.DAY: PAID_DAYS_PER_MONTH,
    SalaryUnit.WEEK: PAID_DAYS_PER_MONTH / 5,
    SalaryUnit.MONTH: 1.0,
    SalaryUnit.YEAR: 1 / 12,
}


def monthly(amount: float, unit: SalaryUnit) -> float:
    """``amount`` per ``unit`` as yuan per month, rounded to the yuan."""
    return float(round(amount * _PER_MONTH[unit]))


_MULTIPLIERS = {"": 1, "k": 1000, "千": 1000, "w": 10_000, "万": 10_000}
_AMOUNT = r"(\d+(?:\.\d+)?)\s*([kw千万]?)"
_SALARY = re.compile(
    rf"{_AMOUNT}\s*(?:(?:-|~|至|到)\s*{_AMOUNT})?\s*(?:元|rmb|cny)?\s*"
    r"(?:/|每|一)?\s*(小时|时|天|日|周|月|年)?"
)
_NEGOTIABLE = ("面议", "面谈", "商议", "协商")


def parse_salary_text(text: str) -> tuple[float | None, float | None, SalaryUnit] | None:
    """``"6000-8000元/月"``, ``"8k-12k"``, ``"150元/天"``, ``"5000元以上"`` → (min, max, unit).

    Returns None for negotiable pay (``面议``); raises ValueError for text that is not pay.
    A figure followed by 以上/起 is a minimum; 以下 a maximum. A year figure written in 万
    (``"10-15万/年"``) is read as such. Without a unit the amount is per month.
    """
    clean = normalize(text).strip().lower().replace(",", "")
    if not clean or any(word in clean for word in _NEGOTIABLE):
        return None
    match = _SALARY.search(clean)
    if match is None:
        raise ValueError(f"看不懂的薪资：{text}")
    low = float(match.group(1)) * _MULTIPLIERS[match.group(2)]
    high: float | None = None
    if match.group(3) is not None:
        high = float(match.group(3)) * _MULTIPLIERS[match.group(4) or match.group(2)]
        # "10-15万" shares the upper figure's 万; "5000-1万" does not (5000万 > 1万).
        if not match.group(2) and low * _MULTIPLIERS[match.group(4)] <= high:
            low *= _MULTIPLIERS[match.group(4)]
    unit = SalaryUnit.parse(match.group(5)) if match.group(5) else SalaryUnit.MONTH
    rest = clean[match.end() :]
    if high is None and "以下" in rest:
        return None, low, unit
    return low, high, unit
