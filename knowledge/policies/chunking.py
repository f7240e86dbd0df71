"""Clause-aware chunking of Chinese legal and policy texts.

A citation names one article (第十七条), so a chunk must never hold two: the text is cut
along its 编/章/节/条 structure first, and only an article longer than ``max_chars`` is cut
further, at 款 (lines) and 项 ((一)(二)…, 1. 2.) boundaries, then at sentences, and as a
last resort at ``max_chars``. Headings become metadata of the chunks under them instead of
chunks of their own, so a search hit on "第五章 失业保险" still lands on an article.

Spans are offsets into the text as given (nothing is normalised first), so the caller can
quote ``text[start:end]`` exactly; full-width and zero-width spaces are handled by the
patterns and by trimming instead.

Documents without articles (notices, cases, guides) fall back to Markdown headings,
paragraphs and sentences, packed up to ``max_chars``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import pairwise

from knowledge.chinese import parse_chinese_number, split_sentences, to_chinese_number, trim_span

__all__ = ["ChunkSpan", "chunk_text"]


@dataclass(frozen=True)
class ChunkSpan:
    """One chunk: ``text[start:end]`` is its own text, exactly, without any heading prefix.

    ``heading`` is "" except for the second and later parts of a split article, which
    carry the article heading (第十七条) so each part still says what it belongs to.
    """

    start: int
    end: int
    heading: str
    part: str | None
    chapter: str | None
    section: str | None
    article: str | None
    article_no: int | None


# Numerals as legal texts write them: Chinese, financial, Arabic and full-width digits.
_NUM = r"[零〇○一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟0-9０-９]+"
_CN_NUM = r"[零〇一二两三四五六七八九十百千]+"
# What follows 第X条 when it is a reference, not an article start: 第十七条第二款,
# 第十七条、第十八条, 第十七条的规定, 第十七条规定的, 第十七条所称 ...
_NOT_ARTICLE_AFTER = r"第、，,。；;的之规所中至和及或与项款修起条"
# A stray space before 条 occurs in the corpus ("第一百二十四 条采用……").
_ARTICLE = re.compile(
    rf"[ \t\u3000\u00a0]*(第[ \t\u3000]*({_NUM})[ \t\u3000]*条(?:之({_CN_NUM}))?)"
    rf"(?=\s|$|[^{_NOT_ARTICLE_AFTER}])"
)
# 编/分编/章/节 headings, with or without a Markdown prefix:
# "## 第一章  总则", "第三章　失业保险金".
_STRUCTURE = re.compile(
    rf"[ \t\u3000\u00a0]*(?:#{{1,6}}[ \t\u3000\u00a0]*)?(第({_NUM})(分编|编|章|节))"
    rf"(?![{_NOT_ARTICLE_AFTER}])(.*)"
)
_MARKDOWN_HEADING = re.compile(r"[ \t\u3000\u00a0]*(#{1,6})[ \t\u3000\u00a0]*(.*)")
_COMMENT = re.compile(r"\s*<!--.*-->\s*")
# A plain line that names a chapter is short and is not a sentence; this keeps lines such
# as "第七节相应改为第八节，……" (an amendment) out of the structure.
_PLAIN_HEADING_MAX = 40
_SENTENCE_MARKS = re.compile(r"[。，；：,;:]")
# 项 markers inside one long line: （一） (一) 1. 1． 1、, right after a clause mark.
_ITEM = re.compile(r"(?<=[：:；;。])\s*(?:[（(]" + _CN_NUM + r"[）)]|\d{1,2}[.．、](?!\d))")
_SPACES = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")

Span = tuple[int, int]


@dataclass
class _Outline:
    """Where the reader is in the document's structure while walking it."""

    part: str | None = None
    base_part: str | None = None  # the 编 a 分编 belongs to
    chapter: str | None = None
    section: str | None = None
    article: str | None = None
    article_no: int | None = None


@dataclass
class _Block:
    """Consecutive content lines under one outline position: one article, or loose text."""

    outline: _Outline
    lines: list[Span] = field(default_factory=list)


def chunk_text(text: str, *, max_chars: int = 600, min_chars: int = 0) -> list[ChunkSpan]:
    """Cut ``text`` into chunks that never span two articles.

    ``max_chars`` bounds a chunk's span (``end - start``) wherever the text allows it.
    ``min_chars`` folds a split-off piece shorter than that into its neighbour within the
    same article or passage (it never joins two articles), so long articles do not leave
    tiny tails; the folded chunk may then exceed ``max_chars``.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    chunks: list[ChunkSpan] = []
    for block in _blocks(text):
        spans = _split_block(text, block.lines, max_chars)
        spans = _fold_small(spans, min_chars)
        outline = block.outline
        for index, (start, end) in enumerate(spans):
            heading = outline.article if index > 0 and outline.article else ""
            chunks.append(
                ChunkSpan(
                    start=start,
                    end=end,
                    heading=heading,
                    part=outline.part,
                    chapter=outline.chapter,
                    section=outline.section,
                    article=outline.article,
                    article_no=outline.article_no,
                )
            )
    return chunks


def _lines(text: str) -> Iterator[Span]:
    """``(start, end)`` of every line, without its line break."""
    start = 0
    while start <= len(text):
        newline = text.find("\n", start)
        end = len(text) if newline < 0 else newline
        yield start, end
        if newline < 0:
            return
        start = newline + 1


def _blocks(text: str) -> Iterator[_Block]:
    """Walk the lines once, tracking the outline and grouping content lines into blocks."""
    marker = re.search(r"^\s*<!--\s*INFO END\s*-->", text, re.MULTILINE)
    # Issuing and amendment lines sit above the marker; they quote other documents
    # ("……第三十一条的决定》第一次修正"), so articles are looked for only below it.
    body_start = marker.end() if marker else 0
    outline = _Outline()
    block: _Block | None = None  # the block being filled, under the outline it began in
    seen_content = False

    def close() -> Iterator[_Block]:
        nonlocal block
        if block is not None:
            yield block
        block = None

    def add(span: Span) -> None:
        nonlocal block
        if block is None:
            block = _Block(replace(outline))
        block.lines.append(span)

    for line_start, line_end in _lines(text):
        start, end = trim_span(text, line_start, line_end)
        if start == end:
            continue
        line = text[start:end]
        if _COMMENT.fullmatch(line):
            # <!-- INFO END -->, <!-- FORCE BREAK -->: a break between passages, but an
            # article (with a <!-- TABLE --> inside, say) stays whole.
            if outline.article is None:
                yield from close()
            continue
        if line_start < body_start or (not marker and not seen_content and _is_title(line)):
            # Header (title, issuing lines): content, minus the Markdown prefix of the title.
            heading = _MARKDOWN_HEADING.fullmatch(line)
            if heading is not None:
                start += heading.start(2)
            if end > start:
                add((start, end))
            seen_content = True
            continue
        seen_content = True
        structure = _structure_heading(line)
        if structure is not None:
            yield from close()
            _enter(outline, *structure)
            continue
        heading = _MARKDOWN_HEADING.fullmatch(line)
        if heading is not None:
            # Other headings ("## 一、一般规定", "## 基本案情") act as chapters.
            yield from close()
            outline.chapter = _clean_heading(heading.group(2)) or None
            outline.section = outline.article = outline.article_no = None
            continue
        article = _ARTICLE.match(line)
        number = _article_number(article) if article is not None else None
        if number is not None:
            yield from close()
            outline.article_no, outline.article = number
        add((start, end))
    yield from close()


def _is_title(line: str) -> bool:
    """A level-1 Markdown heading that is not structure: the document's own title."""
    return line.startswith("# ") and _structure_heading(line) is None


def _article_number(match: re.Match[str]) -> tuple[int, str] | None:
    """``(17, "第十七条")`` for a matched article start; 之一 articles keep their suffix."""
    numeral, sub_numeral = match.group(2, 3)
    try:
        number = parse_chinese_number(numeral)
        suffix = f"之{to_chinese_number(parse_chinese_number(sub_numeral))}" if sub_numeral else ""
    except ValueError:
        return None
    if number == 0:
        return None
    return number, f"第{to_chinese_number(number)}条{suffix}"


def _structure_heading(line: str) -> tuple[str, str] | None:
    """``(kind, heading)`` for a 编/分编/章/节 heading line, e.g. ("章", "第一章 总则")."""
    match = _STRUCTURE.fullmatch(line)
    if match is None:
        return None
    label, numeral, kind, name = match.group(1, 2, 3, 4)
    name = _clean_heading(name)
    is_markdown = line.lstrip(" \t\u3000\u00a0").startswith("#")
    if not is_markdown and (len(name) > _PLAIN_HEADING_MAX or _SENTENCE_MARKS.search(name)):
        return None
    try:
        label = f"第{to_chinese_number(parse_chinese_number(numeral))}{kind}"
    except ValueError:
        return None
    return kind, f"{label} {name}" if name else label


def _clean_heading(name: str) -> str:
    """One space at most, none between two Chinese characters ("总 则" -> "总则")."""
    return _CJK_GAP.sub("", _SPACES.sub(" ", name).strip())


def _enter(outline: _Outline, kind: str, heading: str) -> None:
    """Move the outline into a new 编/分编/章/节; lower levels and the article end there."""
    if kind == "编":
        outline.part = outline.base_part = heading
        outline.chapter = None
    elif kind == "分编":
        outline.part = f"{outline.base_part} {heading}" if outline.base_part else heading
        outline.chapter = None
    elif kind == "章":
        outline.chapter = heading
    outline.section = heading if kind == "节" else None
    outline.article = outline.article_no = None


def _split_block(text: str, lines: list[Span], max_chars: int) -> list[Span]:
    """The block as one span when it fits, else packed pieces from ever finer cuts."""
    start, end = lines[0][0], lines[-1][1]
    if end - start <= max_chars:
        return [(start, end)]
    pieces: list[Span] = []
    for line in lines:
        pieces.extend(_split_piece(text, line, max_chars, _FINER_CUTS))
    return _pack(pieces, max_chars)


def _items(text: str, span: Span) -> list[Span]:
    """Cut one line before each inline 项 marker: "……：（一）……；（二）……"."""
    start, end = span
    cuts = [m.start() for m in _ITEM.finditer(text, start, end) if m.start() > start]
    bounds = [start, *cuts, end]
    return [trim_span(text, a, b) for a, b in pairwise(bounds)]


def _sentences(text: str, span: Span) -> list[Span]:
    start, end = span
    return [(start + a, start + b) for a, b in split_sentences(text[start:end])]


_FINER_CUTS: tuple[Callable[[str, Span], list[Span]], ...] = (_items, _sentences)


def _split_piece(
    text: str, span: Span, max_chars: int, cuts: tuple[Callable[[str, Span], list[Span]], ...]
) -> list[Span]:
    """Cut an oversized piece with the first cut that divides it, recursing to finer ones."""
    start, end = span
    if end - start <= max_chars:
        return [span]
    for index, cut in enumerate(cuts):
        pieces = [(a, b) for a, b in cut(text, span) if b > a]
        if len(pieces) > 1:
            finer = cuts[index + 1 :]
            out: list[Span] = []
            for piece in pieces:
                out.extend(_split_piece(text, piece, max_chars, finer))
            return out
    return _hard_split(text, span, max_chars)


def _hard_split(text: str, span: Span, max_chars: int) -> list[Span]:
    """Fixed-width windows, the last resort for a sentence longer than ``max_chars``."""
    start, end = span
    out: list[Span] = []
    for offset in range(start, end, max_chars):
        piece = trim_span(text, offset, min(offset + max_chars, end))
        if piece[1] > piece[0]:
            out.append(piece)
    return out


def _pack(pieces: list[Span], max_chars: int) -> list[Span]:
    """Join consecutive pieces greedily while the joined span stays within ``max_chars``."""
    packed: list[Span] = []
    for start, end in pieces:
        if packed and end - packed[-1][0] <= max_chars:
            packed[-1] = (packed[-1][0], end)
        else:
            packed.append((start, end))
    return packed


def _fold_small(spans: list[Span], min_chars: int) -> list[Span]:
    """Fold pieces shorter than ``min_chars`` into the previous one (the first into the next)."""
    if min_chars <= 0 or len(spans) < 2:
        return spans
    folded: list[Span] = []
    for start, end in spans:
        if folded and (end - start < min_chars or folded[-1][1] - folded[-1][0] < min_chars):
            folded[-1] = (folded[-1][0], end)
        else:
            folded.append((start, end))
    return folded
