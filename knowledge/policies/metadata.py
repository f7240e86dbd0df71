"""Infer a document's metadata from its text when no manifest describes it.

Chinese laws and policy documents state who issued them, when, and under which number in
a few conventional lines at the top ("1999年1月22日中华人民共和国国务院令第258号发布",
"人社部发〔2025〕21号", "自2011年7月1日起施行"). Reading those lines is a heuristic: every
field is left ``None`` rather than guessed when the text does not say it plainly, and a
manifest, when there is one, overrides whatever is inferred here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from knowledge.policies.models import NATIONAL, DocumentMetadata
from knowledge.regions import level_of, region_from_text

__all__ = ["infer_metadata", "parse_date"]

# The corpus closes its header with this marker; other documents get a fixed-size head.
_INFO_END = "<!-- INFO END -->"
_HEAD_CHARS = 1500
_TITLE_MAX_CHARS = 80

_CN_DIGITS = {char: value for value, char in enumerate("零一二三四五六七八九")} | {"〇": 0, "○": 0}
_CN_NUMERAL = "〇○零一二三四五六七八九十"

# A date written the way Chinese documents write one: 2025年6月1日 or 二〇二五年六月一日.
_DATE = (
    r"(?:(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
    rf"|(?P<cy>[〇○零一二三四五六七八九]{{4}})年(?P<cm>[{_CN_NUMERAL}]{{1,2}})月"
    rf"(?P<cd>[{_CN_NUMERAL}]{{1,3}})日)"
)
_TEXT_DATE = re.compile(_DATE)
_ISO_DATE = re.compile(r"(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})")
_WHOLE_TEXT_DATE = re.compile(rf"\s*{_DATE}\s*")

# What a dated line says happened on that date.
_TAKES_EFFECT = re.compile(r"\s*起?\s*(?:施行|实施|生效|执行)")
_EVENT = re.compile(r"通过|发布|公布|印发|颁布|修正|修订|批准")
# "本办法自2025年6月1日起施行" in the closing article of a notice, outside the header.
_IN_FORCE_CLAUSE = re.compile(
    rf"本[\u4e00-\u9fff]{{0,10}}?自\s*{_DATE}\s*起\s*(?:施行|实施|执行|生效)"
)

# 文号. A prefix starts after a non-Chinese character; dates are blanked out beforehand so
# that "1999年1月22日中华人民共和国国务院令" yields 国务院令, not 日…令.
_PREFIX_START = r"(?<![\u4e00-\u9fff、])"
_BRACKET_NUMBER = re.compile(
    _PREFIX_START + r"(?P<prefix>[\u4e00-\u9fff]{1,30})\s*[〔\[(【]\s*(?P<year>\d{4})\s*[〕\])】]"
    r"\s*(?P<num>\d{1,5})\s*号"
)
_ORDER_NUMBER = re.compile(
    _PREFIX_START + r"(?P<prefix>[\u4e00-\u9fff、]{1,40}?)令\s*"
    r"(?:[〔\[(]\s*(?P<year>\d{4})\s*[〕\])]\s*)?"
    rf"第\s*(?P<num>\d{{1,5}}|[{_CN_NUMERAL}百]{{1,8}})\s*号"
)
_ORDER_NUMBER_AFTER = re.compile(  # 海关总署第65号令
    _PREFIX_START + r"(?P<prefix>[\u4e00-\u9fff、]{1,40}?)第\s*(?P<num>\d{1,5})\s*号令"
)
# Words that precede a 文号 in running text but are not part of it.
_NUMBER_LEAD_IN = re.compile(
    r"^(?:根据|按照|依据|依照|参照|关于|印发|转发|发文字号|文号|经|见|以|和|及)+"
)
_PEOPLES_REPUBLIC = "中华人民共和国"

# Issuers.
_ISSUER_LABEL = re.compile(
    r"(?:发文机关|发布机关|发文单位|制定机关)\s*[:：]\s*(?P<issuer>[^\s，。；]+)"
)
_CONGRESS = re.compile(
    _PREFIX_START + r"(?P<place>[\u4e00-\u9fff]{0,12}?)第[一二三四五六七八九十百零〇]+届"
    r"(?P<national>全国)?人民代表大会(?P<standing>常务委员会)?"
)
_COURTS = ("最高人民法院", "最高人民检察院")
_NATIONAL_ORGAN_STARTS = ("国务院", "全国", "国家", "中国", "中央", "最高人民")
_NATIONAL_ORGAN_ENDS = ("部", "总局", "总署", "署")
# "王某诉安徽省怀宁县国土资源局…案": a court case, published as national guidance.
_COURT_CASE = re.compile(r"诉.+案$")
_ORGAN_SUFFIX = re.compile(r"(?:院|部|委员会|委|局|署|行|厅|办公室|政府|法院|检察院|会)$")
_TITLE_ISSUERS = re.compile(r"^(?P<issuers>[\u4e00-\u9fff、 ]{2,60}?)关于")
# 文号 prefixes whose issuer is unambiguous, for notices that name it nowhere else.
_ISSUER_BY_NUMBER_PREFIX = (
    ("人社部", "人力资源社会保障部"),
    ("人社厅", "人力资源社会保障部办公厅"),
    ("国办", "国务院办公厅"),
    ("国发", "国务院"),
    ("国函", "国务院"),
    ("财社", "财政部"),
    ("财税", "财政部"),
)

_STRUCTURAL_HEADING = re.compile(r"第[一二三四五六七八九十百零〇\d]+[编章节条]")
_STEM_VERSION = re.compile(r"\s*[（(]\d{4}-\d{2}-\d{2}[)）]$")


def parse_date(value: str | date) -> date:
    """A date from "2025-06-01", "2025/6/1", "2025.6.1", "2025年6月1日" or "二〇二五年六月一日".

    Raises ``ValueError`` with a message saying which forms are accepted.
    """
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"日期应为文字，例如 2025-06-01，却是 {type(value).__name__}")
    text = unicodedata.normalize("NFKC", value).strip()
    match = _WHOLE_TEXT_DATE.fullmatch(text) or _ISO_DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"无法识别的日期 {value!r}：应写作 2025-06-01、2025/6/1 或 2025年6月1日")
    day = _date_of(match)
    if day is None:
        raise ValueError(f"日期 {value!r} 不存在")
    return day


def infer_metadata(text: str, path: Path | None = None) -> DocumentMetadata:
    """Title, dates, 文号, issuer and region read from the document itself."""
    head_end = _head_end(text)
    head = unicodedata.normalize("NFKC", text[:head_end])
    title = _title(text, path)
    lines = [_LineInfo.of(line) for line in head.splitlines() if line.strip()]
    doc_number = _doc_number(lines)
    issuer = _issuer(title, lines, doc_number)
    region = _region(title, issuer)
    return DocumentMetadata(
        title=title,
        issuer=issuer,
        doc_number=doc_number,
        region=region,
        level=level_of(region),
        valid_from=_valid_from(head, unicodedata.normalize("NFKC", text[head_end:])),
        source=str(path) if path is not None else None,
    )


# -- dates ---------------------------------------------------------------------------


def _date_of(match: re.Match[str]) -> date | None:
    """The date a ``_DATE`` or ``_ISO_DATE`` match denotes, None if it is no real day."""
    groups = match.groupdict()
    try:
        if groups.get("y"):
            return date(int(groups["y"]), int(groups["m"]), int(groups["d"]))
        year = int("".join(str(_CN_DIGITS[c]) for c in groups["cy"]))
        return date(year, _cn_small_number(groups["cm"]), _cn_small_number(groups["cd"]))
    except (ValueError, KeyError):
        return None


def _cn_small_number(text: str) -> int:
    """一 … 三十一: the numbers that months and days are written with."""
    if "十" not in text:
        return _CN_DIGITS[text]
    tens, _, units = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def _head_end(text: str) -> int:
    """Where the header ends: the corpus's marker, else a fixed number of characters."""
    end = text.find(_INFO_END)
    return end if end >= 0 else min(len(text), _HEAD_CHARS)


def _valid_from(head: str, body: str) -> date | None:
    """The day the current version applies from.

    An explicit 施行 date wins unless a later amendment or publication is listed (then the
    施行 line describes an older version); otherwise the latest dated event is the current
    version's date.
    """
    in_force: list[date] = []
    events: list[date] = []
    for line in head.splitlines():
        matches = list(_TEXT_DATE.finditer(line))
        for index, match in enumerate(matches):
            day = _date_of(match)
            if day is None:
                continue
            # What follows the date, up to the next date on the line, says what happened.
            end = matches[index + 1].start() if index + 1 < len(matches) else len(line)
            said = line[match.end() : end]
            if _TAKES_EFFECT.match(said):
                in_force.append(day)
            elif _EVENT.search(said):
                events.append(day)
    for match in _IN_FORCE_CLAUSE.finditer(body):
        if (day := _date_of(match)) is not None:
            in_force.append(day)
    latest_event = max(events, default=None)
    latest_in_force = max(in_force, default=None)
    if latest_in_force is not None and (latest_event is None or latest_in_force >= latest_event):
        return latest_in_force
    return latest_event


# -- title ---------------------------------------------------------------------------


def _title(text: str, path: Path | None) -> str | None:
    """The first "# " heading near the top, else the first short line, else the file name."""
    candidates = [line.strip() for line in text.splitlines()[:40] if line.strip()][:10]
    for line in candidates:
        if line.startswith("# "):
            title = line[2:].strip()
            if title and not _STRUCTURAL_HEADING.match(title):
                return title
    for line in candidates:
        plain = line.lstrip("#").strip()
        if (
            plain
            and len(plain) <= _TITLE_MAX_CHARS
            and not plain.startswith("<!--")
            and not _is_number_or_date(plain)
            and not _STRUCTURAL_HEADING.match(plain)
        ):
            return plain
    if path is not None:
        return _STEM_VERSION.sub("", path.stem) or None
    return None


def _is_number_or_date(line: str) -> bool:
    normalized = unicodedata.normalize("NFKC", line).strip("()（） ")
    return bool(_WHOLE_TEXT_DATE.fullmatch(normalized) or _doc_numbers(normalized, whole=True))


# -- 文号 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LineInfo:
    """One header line (NFKC) with the 文号 it contains and whether it records an event."""

    text: str
    numbers: tuple[str, ...]
    is_event: bool
    is_number_only: bool

    @classmethod
    def of(cls, line: str) -> _LineInfo:
        text = line.strip()
        return cls(
            text=text,
            numbers=tuple(_doc_numbers(text)),
            is_event=bool(_TEXT_DATE.search(text) and _EVENT.search(text)),
            is_number_only=bool(_doc_numbers(text.strip("()（） "), whole=True)),
        )


def _doc_numbers(text: str, *, whole: bool = False) -> list[str]:
    """Every 文号 in ``text`` in normalised form; with ``whole``, only if it is all of it."""
    found: list[tuple[int, int, str]] = []
    text = _blank_dates(text)
    for match in _BRACKET_NUMBER.finditer(text):
        prefix = _number_prefix(match.group("prefix"))
        if prefix:
            found.append(
                (match.start(), match.end(), f"{prefix}〔{match['year']}〕{match['num']}号")
            )
    for match in _ORDER_NUMBER.finditer(text):
        prefix = _number_prefix(match.group("prefix"))
        if prefix:
            year = f"〔{match['year']}〕" if match["year"] else ""
            found.append((match.start(), match.end(), f"{prefix}令{year}第{match['num']}号"))
    for match in _ORDER_NUMBER_AFTER.finditer(text):
        prefix = _number_prefix(match.group("prefix"))
        if prefix:
            found.append((match.start(), match.end(), f"{prefix}第{match['num']}号令"))
    found.sort()
    if whole:
        return [number for start, end, number in found if start == 0 and end == len(text)]
    return [number for _, _, number in found]


def _blank_dates(text: str) -> str:
    """Dates replaced by spaces of the same length, so positions stay valid."""
    return _TEXT_DATE.sub(lambda match: " " * len(match.group()), text)


def _number_prefix(prefix: str) -> str:
    prefix = _NUMBER_LEAD_IN.sub("", prefix.replace(_PEOPLES_REPUBLIC, ""))
    return prefix.strip("、")


def _doc_number(lines: list[_LineInfo]) -> str | None:
    """A 文号 on a line of its own first (how notices print it), else the last one on a
    dated event line (the current version's), else the first one in the header."""
    for line in lines:
        if line.is_number_only and line.numbers:
            return line.numbers[0]
    on_events = [number for line in lines if line.is_event for number in line.numbers]
    if on_events:
        return on_events[-1]
    return next((number for line in lines for number in line.numbers), None)


# -- issuer --------------------------------------------------------------------------


def _issuer(title: str | None, lines: list[_LineInfo], doc_number: str | None) -> str | None:
    """Who issued the document, as its header or title names it; None when neither does."""
    for line in lines:
        if labelled := _ISSUER_LABEL.search(line.text):
            return labelled.group("issuer")
    if title and (from_title := _issuer_from_title(unicodedata.normalize("NFKC", title))):
        return from_title
    first_event = next((line.text for line in lines if line.is_event), None)
    if first_event is not None and (from_event := _issuer_from_event(first_event)):
        return from_event
    if doc_number:
        if "令" in doc_number:
            organ = doc_number.split("令", 1)[0].split("第", 1)[0]
            if organ and organ != "主席":
                return "国务院" if organ == "国" else organ
        for prefix, issuer in _ISSUER_BY_NUMBER_PREFIX:
            if doc_number.startswith(prefix):
                return issuer
    return None


def _issuer_from_title(title: str) -> str | None:
    """The organs named before 关于, joined by 、 ("人社部 财政部关于…" → "人社部、财政部")."""
    match = _TITLE_ISSUERS.match(title)
    if match is None:
        return None
    named = match.group("issuers").replace(_PEOPLES_REPUBLIC, "")
    organs = [organ for organ in re.split(r"[、 ]+", named) if organ]
    if organs and all(_ORGAN_SUFFIX.search(organ) for organ in organs):
        return "、".join(organs)
    return None


def _issuer_from_event(line: str) -> str | None:
    if congress := _CONGRESS.search(_blank_dates(line)):
        body = "全国人民代表大会" if congress["national"] else f"{congress['place']}人民代表大会"
        return body + (congress["standing"] or "")
    for court in _COURTS:
        if court in line:
            return court
    if "国务院" in line:
        return "国务院"
    return None


# -- region --------------------------------------------------------------------------


def _region(title: str | None, issuer: str | None) -> str:
    """The region the title (else the issuer) names, unless the document is national.

    National documents may name a place ("…香港特别行政区基本法", "最高人民法院关于上海金融
    法院案件管辖的规定") and court cases name the litigants' towns; they apply nationwide all
    the same. A local regulation's title may name no place ("中关村国家自主创新示范区条例"),
    but its issuer does (北京市人民代表大会常务委员会).
    """
    normalized = unicodedata.normalize("NFKC", title) if title else ""
    if normalized.startswith(_PEOPLES_REPUBLIC) or _COURT_CASE.search(normalized):
        return NATIONAL
    if issuer is not None and _is_national_issuer(issuer):
        return NATIONAL
    return (
        region_from_text(normalized)
        or (region_from_text(issuer) if issuer is not None else None)
        or NATIONAL
    )


def _is_national_issuer(issuer: str) -> bool:
    """True when every organ named is a central one (国务院, 人力资源社会保障部, 海关总署…)."""
    organs = [organ for organ in issuer.split("、") if organ]
    return bool(organs) and all(
        region_from_text(organ) is None
        and (organ.startswith(_NATIONAL_ORGAN_STARTS) or organ.endswith(_NATIONAL_ORGAN_ENDS))
        for organ in organs
    )
