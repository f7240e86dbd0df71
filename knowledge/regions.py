"""GB/T 2260 region codes: validation, hierarchy, names, and finding a place in a title.

A code has six digits: two for the province, two for the prefecture (city), two for the
county; trailing ``00`` pairs mean "the whole of". ``000000`` stands for the whole country.
Documents carry one code, and a user's code matches every document of its ancestors, which
is why ``ancestors`` lists the national code first.

The names live in ``regions.tsv`` beside this module (data, not code): every
provincial-level and prefecture-level division plus the county-level ones that have laws
of their own in the corpus. A county-level name with an ethnic group in it is also known
by the short name people use: 管城回族区 as 管城区, 石柱土家族自治县 as 石柱县.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

__all__ = [
    "NATIONAL",
    "RegionLevel",
    "ancestors",
    "is_valid_region",
    "level_of",
    "region_from_text",
    "region_mentions",
    "region_name",
    "validate_region",
    "without_place_names",
]

RegionLevel = Literal["national", "provincial", "municipal", "county"]

# Same value as knowledge.policies.models.NATIONAL. This module must not import the policies
# package: its __init__ pulls in ingestion (which uses this module) and the stores.
NATIONAL = "000000"
_CODE = re.compile(r"[0-9]{6}")
_NATIONAL_NAME = "全国"
_TABLE_FILE = Path(__file__).with_name("regions.tsv")
# A deeper division is the more specific answer when a title names several places:
# "山东省青岛前湾保税港区条例" applies in Qingdao, not in all of Shandong.
_DEPTH: dict[RegionLevel, int] = {"national": 0, "provincial": 1, "municipal": 2, "county": 3}
# The 56 ethnic groups, for the short names of county-level divisions named after them.
_ETHNIC_GROUPS = (
    *("蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白"),
    *("土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡"),
    *("纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬"),
    *("锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安"),
    *("裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺"),
)
_ETHNIC_NAME = re.compile(
    rf"(?P<stem>.+?)(?:(?:{'|'.join(sorted(_ETHNIC_GROUPS, key=len, reverse=True))})族)+"
    r"(?:自治)?(?P<kind>区|县|旗)"
)


@dataclass(frozen=True)
class _RegionTable:
    names: dict[str, str]  # code -> official name
    by_alias: dict[str, str]  # official or short name -> code
    pattern: re.Pattern[str]  # every alias, longest first


def is_valid_region(code: object) -> bool:
    """True for a string of exactly six ASCII digits (``000000`` included)."""
    return isinstance(code, str) and _CODE.fullmatch(code) is not None


def validate_region(code: object) -> str:
    """Return ``code`` unchanged when valid, else raise ``InvalidRegionError``."""
    if not is_valid_region(code):
        # Imported here, not at the top, for the reason given at NATIONAL.
        from knowledge.policies.errors import InvalidRegionError

        raise InvalidRegionError(code)
    assert isinstance(code, str)  # narrowed by is_valid_region
    return code


def level_of(code: str) -> RegionLevel:
    """The administrative level a code denotes, from its trailing zero pairs."""
    validate_region(code)
    if code == NATIONAL:
        return "national"
    if code.endswith("0000"):
        return "provincial"
    if code.endswith("00"):
        return "municipal"
    return "county"


def ancestors(code: str) -> list[str]:
    """The code and every division containing it, national first.

    ``"410102"`` → ``["000000", "410000", "410100", "410102"]``. A document of any of these
    regions applies to someone in ``code``.
    """
    level = level_of(code)
    chain = [NATIONAL]
    if level != "national":
        chain.append(code[:2] + "0000")
    if level in ("municipal", "county"):
        chain.append(code[:4] + "00")
    if level == "county":
        chain.append(code)
    return chain


def region_name(code: str) -> str | None:
    """The official name (``"410100"`` → ``"郑州市"``), ``"全国"`` for national, else None."""
    if code == NATIONAL:
        return _NATIONAL_NAME
    return _table().names.get(code)


def region_mentions(text: str) -> list[tuple[int, int, str]]:
    """Every place named in ``text`` as (start, end, code), leftmost-longest, in order."""
    table = _table()
    return [(m.start(), m.end(), table.by_alias[m.group()]) for m in table.pattern.finditer(text)]


def region_from_text(text: str) -> str | None:
    """The code of the most specific place named in ``text`` (usually a title), or None.

    Names are matched leftmost-longest, so "郑州市" is read as one name and "浙江西部" as
    浙江 followed by other words, never as 江西. When several places are named, the deepest
    division wins ("广东省中新广州知识城条例" → 广州 440100); among equals, the first.
    """
    best: tuple[int, int, str] | None = None  # (-depth, position, code)
    table = _table()
    for match in table.pattern.finditer(text):
        code = table.by_alias[match.group()]
        candidate = (-_DEPTH[level_of(code)], match.start(), code)
        if best is None or candidate < best:
            best = candidate
    return None if best is None else best[2]


def _nowhere(name: str) -> bool:
    return False


def without_place_names(text: str, *, keep: Callable[[str], bool] = _nowhere) -> str:
    """``text`` with the names of places left out ("我在广州，失业保险金怎么申请" ->
    "我在，失业保险金怎么申请"), but those ``keep`` says to keep."""
    return _table().pattern.sub(lambda m: m.group() if keep(m.group()) else "", text)


def _ethnic_short_name(name: str) -> str | None:
    """管城回族区 -> 管城区, 彭水苗族土家族自治县 -> 彭水县; None for other names."""
    match = _ETHNIC_NAME.fullmatch(name)
    return match.group("stem") + match.group("kind") if match else None


@lru_cache(maxsize=1)
def _table() -> _RegionTable:
    """Load ``regions.tsv`` once; a malformed row is a programming error, so fail loudly."""
    text = _TABLE_FILE.read_text(encoding="utf-8")
    names: dict[str, str] = {}
    by_alias: dict[str, str] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        code, name, *rest = line.split("\t")
        if not is_valid_region(code) or code in names or not name:
            raise ValueError(f"regions.tsv line {line_no}: bad or duplicate row {line!r}")
        names[code] = name
        aliases = [name, *(a.strip() for a in rest[0].split(",") if a.strip())] if rest else [name]
        for alias in aliases:
            if by_alias.setdefault(alias, code) != code:
                raise ValueError(f"regions.tsv line {line_no}: {alias} names two regions")
    for code, name in names.items():
        short = _ethnic_short_name(name) if level_of(code) == "county" else None
        if short is not None:
            by_alias.setdefault(short, code)  # a name of the table itself always wins
    longest_first = sorted(by_alias, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(alias) for alias in longest_first))
    return _RegionTable(names=names, by_alias=by_alias, pattern=pattern)
