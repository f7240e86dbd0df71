"""Article references in questions: "失业保险条例第十七条怎么规定的" -> (失业保险条例, 17).

A question that names an article should be answered from that article, not from whatever
ranks highest; this module finds the reference and scores how well a document title fits
the words the user used, so the caller can look the article up directly. Titles are
compared loosely (no 《》, no 中华人民共和国, no version dates), and a title with a place
name the user did not say ranks below the national document of the same name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.chinese import parse_chinese_number, to_chinese_number

__all__ = [
    "ArticleReference",
    "cited_article_fit",
    "parse_article_reference",
    "spell_article_numbers",
    "title_match_score",
    "title_matches",
]


@dataclass(frozen=True)
class ArticleReference:
    """An article named in a question; ``title_hint`` is "" when no document was named."""

    title_hint: str
    article_no: int
    article: str


_NUM = r"[零〇一二两三四五六七八九十百千0-9０-９]+"
_ARTICLE = re.compile(rf"第\s*({_NUM})\s*条")
_BOOK_TITLE = re.compile(r"《([^《》]+)》")
# Where a title in running text cannot extend past.
_BREAK = re.compile(r"[\s，,。.！!？?；;：:、“”\"'（）()]")
# Words people put before a title: "请问", "我想了解一下", "根据"...
_LEADING_FILLER = re.compile(
    r"^(?:请问|请|麻烦|帮我|帮忙|我想|我要|想|问一下|问问|了解一下|了解|知道|查一下|查询|查查|"
    r"看看|看一下|咨询|关于|根据|按照|依照|依据|那个|这个|在|一下)+"
)
# Words after a title that are not part of it: "社会保险法中", "失业保险条例的", "劳动法里".
_TRAILING_FILLER = re.compile(r"(?:的|中|里|里面|上|当中|之中)+$")
# Document types a title ends with; used to tell "劳动合同法规定" (法 + 规定) from
# "若干规定" (a title that really ends with 规定).
_DOC_TYPE_END = re.compile(
    r"(?:法|条例|规定|办法|细则|规则|决定|解释|意见|通知|章程|纲要|方案|准则|批复|公告|"
    r"决议|法典|修正案)$"
)
# "本法", "该条例" point at a document already in the conversation: no title to match.
_DEICTIC = re.compile(r"^(?:本|该|此|这个|这部|那个|上述)(?:法|条例|规定|办法|细则|文件|政策)?$")

_NATIONAL_PREFIX = "中华人民共和国"
_VERSION = re.compile(r"[(（][^()（）]*\d{4}[^()（）]*[)）]")  # (2018-12-29), （2018年修正）
_DECORATION = re.compile(r"[《》〈〉<>\"“”'‘’\s\u3000]")
# A place at the start of a title: 上海市…, 浙江省…, 广西壮族自治区…, 青岛市….
_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,9}?(?:省|市|自治区|自治州|自治县|特别行政区|县)")


def parse_article_reference(query: str) -> ArticleReference | None:
    """The first article a question names, with the document title it mentions if any."""
    match = _ARTICLE.search(query)
    if match is None:
        return None
    try:
        number = parse_chinese_number(match.group(1))
    except ValueError:
        return None
    if number <= 0:
        return None
    return ArticleReference(
        title_hint=_title_hint(query, match.start()),
        article_no=number,
        article=f"第{to_chinese_number(number)}条",
    )


def _title_hint(query: str, article_start: int) -> str:
    """The words naming the document: 《…》 if quoted, else the phrase before 第X条."""
    before = query[:article_start]
    quoted = _BOOK_TITLE.findall(before) or _BOOK_TITLE.findall(query)
    if quoted:
        return _clean_hint(quoted[-1])
    # The phrase that runs into 第X条, without anything before the last break.
    phrase = _BREAK.split(before)[-1]
    return _clean_hint(phrase)


def _clean_hint(hint: str) -> str:
    hint = _DECORATION.sub("", hint)
    hint = _LEADING_FILLER.sub("", hint)
    hint = _TRAILING_FILLER.sub("", hint)
    # "劳动合同法规定" -> "劳动合同法", but "促进就业若干规定" keeps its 规定.
    if hint.endswith("规定") and _DOC_TYPE_END.search(hint[:-2]):
        hint = _TRAILING_FILLER.sub("", hint[:-2])
    if _DEICTIC.fullmatch(hint):
        return ""
    return hint


def _clean_title(title: str) -> str:
    """A title reduced to what users actually type: no 《》, 中华人民共和国, dates, spaces."""
    title = _VERSION.sub("", title)
    title = _DECORATION.sub("", title)
    return title.replace(_NATIONAL_PREFIX, "")


def title_match_score(title_hint: str, title: str) -> float:
    """How well ``title`` fits the words ``title_hint``: 1.0 same title, 0.0 unrelated.

    Containment scores between, higher the closer the lengths are, so "社会保险法" ranks
    "社会保险法" above "社会保险法实施细则". A title that starts with a place name the hint
    does not mention is ranked further down: a user who says "失业保险条例" means the
    national regulation before "上海市失业保险条例".
    """
    hint = _clean_title(title_hint)
    clean = _clean_title(title)
    if not hint or not clean:
        return 0.0
    place = _PLACE.match(clean)
    if place is not None and place.group()[-1] in "省市":
        # Users drop the 省/市 of a place name: "上海失业保险条例" means 上海市失业保险条例.
        short = place.group()[:-1] + clean[place.end() :]
        if hint == short:
            return 0.95
        if hint.startswith(place.group()[:-1]) and hint in short:
            return 0.95 * _containment(hint, short)
    if hint == clean:
        return 1.0
    if hint in clean:
        score = _containment(hint, clean)
        if place is not None and place.group() not in hint:
            score *= 0.7
        return score
    if len(clean) >= 2 and clean in hint:
        return 0.5 + 0.3 * len(clean) / len(hint)
    return 0.0


def _containment(inner: str, outer: str) -> float:
    """0.6..0.9 for ``inner`` inside ``outer``, higher the more of ``outer`` it covers."""
    return 0.6 + 0.3 * len(inner) / len(outer)


def title_matches(title_hint: str, title: str) -> bool:
    """True when ``title`` plausibly is the document ``title_hint`` names."""
    return title_match_score(title_hint, title) > 0


_ARABIC_ARTICLE = re.compile(r"第\s*([0-9０-９]+)\s*条")


def spell_article_numbers(text: str) -> str:
    """ "第46条" written as documents write it, "第四十六条", so that the words match."""
    return _ARABIC_ARTICLE.sub(
        lambda m: f"第{to_chinese_number(parse_chinese_number(m.group(1)))}条", text
    )


def cited_article_fit(reference: ArticleReference, labels: Iterable[str]) -> float:
    """How well the sources ``labels`` ("《中华人民共和国社会保险法》第四十六条") cite the
    article ``reference`` names: the best title match among those of its number, 0 when
    none is."""
    cited = (parse_article_reference(label) for label in labels)
    return max(
        (
            title_match_score(reference.title_hint, other.title_hint)
            for other in cited
            if other is not None and other.article_no == reference.article_no
        ),
        default=0.0,
    )
