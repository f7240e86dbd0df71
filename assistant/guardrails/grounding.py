"""The outbound check: every amount, duration, date, rate and article in an answer has a source.

Principle 1 ("grounded or silent") is enforced here, after the brain has written its
answer: the figures in each sentence are compared with the figures in the evidence (tool
results serialised as JSON, cited passages), and sentences with a figure found nowhere in
the evidence are reported so the caller can drop them. Figures are compared by value, not
by spelling: 二十四个月 is 24个月, 第46条 is 第四十六条, 1,234元 is 一千二百三十四元, and
2024-07-01 is 2024年7月1日.

Canonical forms: ``1234元``, ``1234.5元`` (1.5万 -> ``15000元``), ``50%`` (百分之五十,
万分之五 -> ``0.05%``), ``24个月``, ``3年``, ``30日`` (天 and 日), ``15个工作日``, ``2周``,
``8小时``, ``16岁`` (周岁 and 岁), ``2024-07-01``, ``2024-07``, ``--07-01`` (a day without a
year), ``--07`` (a month), ``第四十六条``. A range (6000-8000元/月) gives both ends. Bare
numbers (phone numbers such as 12333) and citation markers ([1], 【1】) are not claims.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from knowledge.chinese import normalize, parse_chinese_number, to_chinese_number

__all__ = ["UngroundedClaim", "factual_claims", "remove_sentences", "ungrounded_sentences"]


class UngroundedClaim(NamedTuple):
    """A sentence of the answer and the claims in it that no evidence supports."""

    sentence: str
    claims: tuple[str, ...]


class _Claim(NamedTuple):
    start: int
    end: int
    kind: str  # amount | percent | duration | age | date | article
    canonical: str
    value: Decimal | None  # the number a bare figure in JSON evidence may stand for


# A number as written: 1,234 / 1234.5 / 1.5万 / 3千 / 一千二百 / 二十四 / 壹仟.
_ARABIC = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_CN = r"[零〇○一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億]+"
# Characters that make a Chinese numeral part of a word: 统一年度, 同一天, 万一, 第一年.
_WORD_BEFORE = r"(?<![统同万唯单第这那每某逐初有哪另])"
# Not inside a longer number (a comma counts only after a digit: NFKC turns ， into ,),
# and not an ordinal (第3年).
_NOT_INSIDE = r"(?<![\d.第])(?<!\d,)"
_NUMBER = rf"(?:{_NOT_INSIDE}{_ARABIC}(?:\s*[万千亿])?|{_WORD_BEFORE}{_CN})"
_RANGE = r"\s*(?:-|~|～|—|–|至|到)\s*"
_PER = {"百分之": Decimal(1), "千分之": Decimal("0.1"), "万分之": Decimal("0.01")}
_MULTIPLIERS = {"千": Decimal(1000), "万": Decimal(10_000), "亿": Decimal(100_000_000)}

_DURATION_UNITS = {
    "个工作日": "个工作日",
    "工作日": "个工作日",
    "个小时": "小时",
    "小时": "小时",
    "个星期": "周",
    "星期": "周",
    "个月": "个月",
    "周": "周",
    "年": "年",
    "天": "日",
    "日": "日",
}
_DURATION_UNIT = "|".join(sorted(_DURATION_UNITS, key=len, reverse=True))
# After 万 these mean a count, not money: 1.5万人, 3万个岗位.
_COUNT_AFTER_WAN = "人名个位次户家件项所岗余多平公字份台辆条"

_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)\]\"']*(?:\s*(?:\[\d+\]|【\d+】))*")
_BARE_NUMBER = re.compile(rf"{_NOT_INSIDE}{_ARABIC}(?!\d)")


def factual_claims(text: str) -> list[str]:
    """The claims in ``text`` in canonical form, in order of appearance, each once."""
    return list(dict.fromkeys(claim.canonical for claim in _scan(normalize(text))))


def ungrounded_sentences(answer: str, evidence: Sequence[str]) -> list[UngroundedClaim]:
    """The sentences of ``answer`` with at least one claim that no evidence text supports,
    each with those claims. Evidence that parses as JSON is read value by value, so a
    number such as ``{"max_months": 24}`` grounds 24个月 and escaped Chinese is read."""
    claims, numbers = _evidence_index(evidence)
    found = []
    for start, end in _sentence_spans(answer):
        sentence = answer[start:end]
        missing = [
            claim.canonical
            for claim in _scan(normalize(sentence))
            if not _grounded(claim, claims, numbers)
        ]
        if missing:
            found.append(UngroundedClaim(sentence, tuple(dict.fromkeys(missing))))
    return found


def remove_sentences(answer: str, sentences: Sequence[str]) -> str:
    """``answer`` without the given sentences; lines left empty are dropped."""
    targets = {s.strip() for s in sentences if s.strip()}
    lines = []
    for line in answer.split("\n"):
        spans = _line_spans(line)
        kept = [(s, e) for s, e in spans if line[s:e] not in targets]
        if len(kept) == len(spans):
            lines.append(line)
            continue
        if not kept:
            continue
        out = line[: spans[0][0]]
        previous_end: int | None = None
        for start, end in spans:
            if (start, end) in kept:
                if previous_end is not None and out.strip():
                    out += line[previous_end:start]
                out += line[start:end]
            previous_end = end
        lines.append(out)
    text = "\n".join(lines)
    for target in targets:  # a sentence given in another cut than ours
        text = text.replace(target, "")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- finding claims ---------------------------------------------------------------------


def _scan(text: str) -> list[_Claim]:
    """Claims in ``text`` (already normalised), earlier rules first, no two overlapping."""
    claims: list[_Claim] = []
    for pattern, read in _RULES:
        for match in pattern.finditer(text):
            if any(match.start() < c.end and c.start < match.end() for c in claims):
                continue
            try:
                claims.extend(read(match))
            except (ValueError, InvalidOperation):
                continue  # not a well-formed numeral or not a real date: not a claim
    return sorted(claims, key=lambda claim: (claim.start, claim.end))


def _number(text: str) -> tuple[Decimal, bool]:
    """The value of one written number, and whether it carried its own 千/万/亿."""
    text = text.strip()
    arabic = re.fullmatch(rf"({_ARABIC})\s*([万千亿])?", text)
    if arabic is not None:
        value = Decimal(arabic.group(1).replace(",", ""))
        unit = arabic.group(2)
        return (value * _MULTIPLIERS[unit], True) if unit else (value, False)
    return Decimal(parse_chinese_number(text)), text[-1] in "千万亿萬億"


def _range_values(first: str | None, second: str) -> list[Decimal]:
    """Both ends of "6-8千" or "6000至8000": a bare first end takes the second's 千/万."""
    high, high_scaled = _number(second)
    if first is None:
        return [high]
    low, low_scaled = _number(first)
    if high_scaled and not low_scaled:
        unit = re.search(r"[千万亿]$", second.strip())
        if unit is not None:
            low *= _MULTIPLIERS[unit.group()]
    return [low, high]


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _claims(match: re.Match[str], kind: str, values: list[Decimal], unit: str) -> list[_Claim]:
    return [_Claim(match.start(), match.end(), kind, f"{_plain(v)}{unit}", v) for v in values]


def _read_amount(match: re.Match[str]) -> list[_Claim]:
    if match.group("unit") is None and not match.group("prefix"):
        # 1.5万 without 元 is money, 1.5万人 is not, and a bare number is no claim at all.
        following = match.string[match.end() : match.end() + 1]
        if not match.group("high").rstrip().endswith(("万", "亿", "萬", "億")):
            return []
        if following and following in _COUNT_AFTER_WAN:
            return []
    values = _range_values(match.group("low"), match.group("high"))
    return _claims(match, "amount", values, "元")


def _read_percent(match: re.Match[str]) -> list[_Claim]:
    if match.group("word"):
        values = [_number(match.group("word_value"))[0] * _PER[match.group("word")]]
    else:
        values = _range_values(match.group("low"), match.group("high"))
        if match.group("sign") == "‰":
            values = [v / 10 for v in values]
    return _claims(match, "percent", values, "%")


def _read_duration(match: re.Match[str]) -> list[_Claim]:
    values = _range_values(match.group("low"), match.group("high"))
    unit = _DURATION_UNITS[match.group("unit")]
    return _claims(match, "duration", values, unit)


def _read_age(match: re.Match[str]) -> list[_Claim]:
    values = _range_values(match.group("low"), match.group("high"))
    return _claims(match, "age", values, "岁")


def _read_article(match: re.Match[str]) -> list[_Claim]:
    number = parse_chinese_number(match.group(1))
    if number <= 0:
        return []
    canonical = f"第{to_chinese_number(number)}条"
    return [_Claim(match.start(), match.end(), "article", canonical, None)]


def _read_date(match: re.Match[str]) -> list[_Claim]:
    year, month, day = (match.group(n) for n in ("year", "month", "day"))
    y = parse_chinese_number(year) if year else 2000  # a leap year, so 2月29日 is a day
    m = parse_chinese_number(month) if month else 1
    d = parse_chinese_number(day) if day else 1
    try:
        date(y, m, d)
    except ValueError:  # 2月30日 is no day; as written, it is grounded by nothing else
        return [_Claim(match.start(), match.end(), "date", re.sub(r"\s", "", match[0]), None)]
    if year and day:
        canonical = f"{y:04d}-{m:02d}-{d:02d}"
    elif year and month:
        canonical = f"{y:04d}-{m:02d}"
    elif day:
        canonical = f"--{m:02d}-{d:02d}"
    else:
        canonical = f"--{m:02d}"
    return [_Claim(match.start(), match.end(), "date", canonical, None)]


def _number_pair(suffix: str = "") -> str:
    """An optional range start, then a number: ``(?P<low>…)`` and ``(?P<high>…)``."""
    return rf"(?:(?P<low>{_NUMBER}){suffix}{_RANGE})?(?P<high>{_NUMBER})"


_YEAR = r"(?P<year>\d{4}|[零〇○一二三四五六七八九]{4})"
_MONTH = r"(?P<month>\d{1,2}|[一二三四五六七八九十]{1,3})"
_DAY = r"(?P<day>\d{1,2}|[一二三四五六七八九十]{1,3})"
_NO_YEAR = r"(?P<year>)(?<![\d个])" + _WORD_BEFORE
_NO_DAY = r"(?P<day>)"

_PERCENT_PAIR = _number_pair(r"\s*[%‰]?")
_AMOUNT_PAIR = _number_pair(r"\s*(?:元|块钱)?")

_Reader = Callable[[re.Match[str]], list[_Claim]]
# In priority order: dates first, so 2024-07-01 is not read as a range and 2024年7月 not
# as the duration 2024年; articles before amounts, so 第3条 is not a bare 3.
_RULES: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    (re.compile(rf"(?<!\d){_YEAR}\s*年\s*{_MONTH}\s*月\s*{_DAY}\s*[日号]"), _read_date),
    (
        re.compile(r"(?<![\d.])(?P<year>\d{4})([-/.])(?P<month>\d{1,2})\2(?P<day>\d{1,2})(?!\d)"),
        _read_date,
    ),
    (re.compile(rf"(?<!\d){_YEAR}\s*年\s*{_MONTH}\s*月(?!\s*\d){_NO_DAY}"), _read_date),
    (
        re.compile(rf"(?<![\d.])(?P<year>\d{{4}})-(?P<month>\d{{1,2}})(?![\d-]){_NO_DAY}"),
        _read_date,
    ),
    (re.compile(rf"{_NO_YEAR}{_MONTH}\s*月\s*{_DAY}\s*[日号]"), _read_date),
    (re.compile(rf"{_NO_YEAR}{_MONTH}\s*月份?(?![\d一二三四五六七八九十]){_NO_DAY}"), _read_date),
    (re.compile(rf"第\s*({_ARABIC}|{_CN})\s*条"), _read_article),
    (
        re.compile(
            rf"(?P<word>百分之|千分之|万分之)(?P<word_value>{_ARABIC}|{_CN})"
            rf"|{_PERCENT_PAIR}\s*(?P<sign>[%‰])"
        ),
        _read_percent,
    ),
    (
        re.compile(
            rf"(?P<prefix>[¥￥]|人民币)?\s*{_AMOUNT_PAIR}"
            r"\s*(?P<unit>元钱|元|块钱|(?<=\d)块)?"
        ),
        _read_amount,
    ),
    (re.compile(rf"{_number_pair()}\s*周?岁"), _read_age),
    (
        re.compile(rf"{_number_pair()}\s*(?P<unit>{_DURATION_UNIT})(?!级|代|纪|华|轻)"),
        _read_duration,
    ),
)


# --- evidence ----------------------------------------------------------------------------


def _evidence_index(evidence: Sequence[str]) -> tuple[set[str], set[Decimal]]:
    """Every claim the evidence makes (dates also by month and year), and every number it
    states without a unit, as JSON values do."""
    claims: set[str] = set()
    numbers: set[Decimal] = set()
    for item in evidence:
        for value in _json_values(item):
            if isinstance(value, str):
                text = normalize(value)
                found = _scan(text)
                for claim in found:
                    claims.update(_date_views(claim.canonical) if claim.kind == "date" else ())
                    claims.add(claim.canonical)
                for bare in _BARE_NUMBER.finditer(text):
                    if not any(c.start <= bare.start() < c.end for c in found):
                        numbers.add(Decimal(bare.group().replace(",", "")))
            else:
                numbers.add(Decimal(str(value)))
    return claims, numbers


def _json_values(item: str) -> Iterator[str | int | float]:
    """The strings and numbers in a JSON document, or the text itself when it is not JSON."""
    try:
        data: Any = json.loads(item)
    except ValueError:
        yield item
        return
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            yield value


def _date_views(canonical: str) -> set[str]:
    """2024-07-01 also stands for 2024-07, 2024年, --07-01 and --07."""
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", canonical)
    if match is None:
        return set()
    year, month, day = match.groups()
    views = {f"{year}-{month}", f"{int(year)}年", f"--{month}"}
    if day:
        views.add(f"--{month}-{day}")
    return views


def _grounded(claim: _Claim, claims: set[str], numbers: set[Decimal]) -> bool:
    if claim.canonical in claims:
        return True
    if claim.value is None:
        return False
    if claim.kind == "percent" and claim.value / 100 in numbers:
        return True  # {"rate": 0.6} grounds 60%
    return claim.value in numbers


# --- sentences ---------------------------------------------------------------------------


def _line_spans(line: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(line)))
    trimmed = [_trim(line, s, e) for s, e in spans]
    return [(s, e) for s, e in trimmed if e > s]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences of ``text``: ended by 。！？； (and ASCII !?;) or a line break, with closing
    quotes and citation markers kept with the sentence they follow."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        spans.extend((offset + s, offset + e) for s, e in _line_spans(line))
        offset += len(line) + 1
    return spans
