"""The days a service point is open, read from its opening hours as published.

Opening hours come as free Chinese text: "周一至周五 9:00-17:00（法定节假日除外）",
"周一至周六 8:30-17:00", "每天 6:00-12:00", "工作日 9:00-17:00，周六上午 9:00-12:00",
"周二至周日开放，周一闭馆". Weekdays are ISO numbers: 1 Monday … 7 Sunday. Public holidays
are not weekdays and are left aside.
"""

from __future__ import annotations

import re

__all__ = ["EVERY_DAY", "open_days"]

EVERY_DAY = frozenset(range(1, 8))
_DAY_NUMBER = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
_DAY = r"(?:周|星期|礼拜)(?P<{name}>[一二三四五六日天])"
_RANGE = re.compile(
    _DAY.format(name="first") + r"\s*(?:至|到|-|—|－|~|～)\s*" + _DAY.format(name="last")
)
_SINGLE = re.compile(
    r"(?:周|星期|礼拜)(?P<days>[一二三四五六日天](?:[、，,和及与]?[一二三四五六日天])*)"
)
_EVERY = re.compile(r"每天|每日|天天|全天|全周|全年无休|全年开放|7\s*[×x*]\s*24|无休")
_WORKDAYS = re.compile(r"工作日")
_WEEKEND = re.compile(r"周末|双休日")
#: Words after a day that close it ("周一闭馆", "周末休息", "节假日除外").
_CLOSED = re.compile(r"\s*(?:全天)?(?:闭馆|休息|休馆|不开放|不办公|闭店|除外|不营业|停止服务)")


def open_days(hours: str) -> frozenset[int] | None:
    """The weekdays ``hours`` says the point is open, or None when it names no day."""
    opened: set[int] = set()
    closed: set[int] = set()
    said = False
    text = hours.strip()
    if _EVERY.search(text):
        said = True
        opened |= EVERY_DAY
    consumed: list[tuple[int, int]] = []
    for match in _RANGE.finditer(text):
        said = True
        first, last = _DAY_NUMBER[match["first"]], _DAY_NUMBER[match["last"]]
        days = _span(first, last)
        (closed if _CLOSED.match(text, match.end()) else opened).update(days)
        consumed.append(match.span())
    for match in _SINGLE.finditer(text):
        if any(start <= match.start() < end for start, end in consumed):
            continue
        said = True
        days = {_DAY_NUMBER[c] for c in match["days"] if c in _DAY_NUMBER}
        (closed if _CLOSED.match(text, match.end()) else opened).update(days)
    named: tuple[tuple[re.Pattern[str], frozenset[int]], ...] = (
        (_WORKDAYS, frozenset(range(1, 6))),
        (_WEEKEND, frozenset({6, 7})),
    )
    for pattern, group in named:
        for match in pattern.finditer(text):
            said = True
            (closed if _CLOSED.match(text, match.end()) else opened).update(group)
    if not said:
        return None
    if not opened and closed:  # "周一闭馆" alone: open the other days
        opened = set(EVERY_DAY)
    return frozenset(opened - closed)


def _span(first: int, last: int) -> set[int]:
    """周一至周五 -> 1..5; 周六至周二 wraps round the week."""
    if first <= last:
        return set(range(first, last + 1))
    return set(range(first, 8)) | set(range(1, last + 1))
