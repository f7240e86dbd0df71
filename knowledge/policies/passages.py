"""The structure of a passage as a reader quotes it: paragraphs (款), a lead-in with its
list items (项), tables, and the sentences inside them.

An answer must quote the whole unit that answers, never a fragment: "具备下列条件的失业人员，
可以领取失业保险金：" means nothing without its items, a sentence is never cut at "；", and a
table is read row by row with its header. This module cuts an article or an explainer's
section into such :class:`Segment` s, and reads the inline sources explainers write after
a statement ("（《中华人民共和国社会保险法》第四十六条）"), so that a paraphrase can be
attributed to the explainer that wrote it and the article it names shown as its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from knowledge.chinese import split_sentences

__all__ = [
    "ARTICLE_LABEL",
    "Segment",
    "Sentence",
    "inline_sources",
    "plain_text",
    "segments",
]

#: "第四十五条 " at the start of an article's first paragraph.
ARTICLE_LABEL = re.compile(
    r"^\s*第[零〇一二两三四五六七八九十百千0-9]+条(?:之[一二三四五六七八九十]+)?[\s\u3000]*"
)
#: An explainer's inline source: "（《中华人民共和国社会保险法》第四十六条第（一）项）",
#: several in one bracket separated by "；".
_INLINE_SOURCE = re.compile(
    r"[（(]\s*(《[^《》]+》[^（）()]*?(?:[（(][^（）()]*[）)][^（）()]*?)*)[）)]"
)
_ONE_SOURCE = re.compile(
    r"《([^《》]+)》((?:第[^，,。；;、《]*?条)?(?:第[^，,。；;、《]*?[款项])*)"
)
#: A table row, and the rule under its header.
_TABLE_ROW = re.compile(r"^\s*\|")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")
#: A list item: (一) （一） 1. 1、 1） ① - * +
_ITEM = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十]+[）)]|\d{1,2}\s*[.．、)）]|[①-⑳]|[-*+•·]\s)"
)
_ITEM_MARK = re.compile(r"^\s*(?:[-*+•·]\s+)")
_MARKDOWN = re.compile(r"\*\*|__|`")
_QUOTE_MARK = re.compile(r"^\s*>\s*")
#: Notes an editor left for checking, which readers must not see — except the advice a
#: note may carry ("待核实：以当年通知为准" still tells the reader what to rely on).
_EDITOR_NOTE = re.compile(r"([（(]\s*)?待核实[:：]([^）)。\n]*)([）)]|。)?")
_ADVICE = re.compile(r"以[^，,；;]{1,30}为准")


def _without_notes(text: str) -> str:
    def keep_advice(match: re.Match[str]) -> str:
        advice = _ADVICE.search(match.group(2))
        if advice is None:
            return ""
        return f"（{advice.group()}）" if match.group(1) else advice.group() + "。"

    return _EDITOR_NOTE.sub(keep_advice, text)


def inline_sources(text: str) -> list[str]:
    """The sources a sentence names in brackets, as "《title》第X条" labels, in order."""
    found: list[str] = []
    for bracket in _INLINE_SOURCE.finditer(text):
        for source in _ONE_SOURCE.finditer(bracket.group(1)):
            label = f"《{source.group(1)}》{source.group(2) or ''}"
            if label not in found:
                found.append(label)
    return found


def plain_text(text: str) -> str:
    """``text`` as a reader sees it: no Markdown marks, no inline sources, no editor's
    notes (待核实), no blockquote marks."""
    text = _QUOTE_MARK.sub("", text)
    text = _without_notes(text)
    text = _INLINE_SOURCE.sub("", text)
    text = _MARKDOWN.sub("", text)
    return re.sub(r"\s*([，。；：、])", r"\1", text).strip()


@dataclass(frozen=True)
class Sentence:
    """One sentence (a table row, a list item) as written and as read."""

    text: str
    sources: tuple[str, ...] = ()

    @property
    def plain(self) -> str:
        return plain_text(self.text)


@dataclass(frozen=True)
class Segment:
    """A unit that is quoted whole: a paragraph, a lead-in with its items, or a table.

    ``lines`` are what is shown, one per line: the paragraph; the lead-in then each item;
    the header then each row. ``sentences`` are what is scored and what a lead sentence
    is taken from. ``lead_in`` is the sentence that introduces a list or table, if any.
    """

    kind: Literal["paragraph", "list", "table"]
    lines: tuple[str, ...]
    sentences: tuple[Sentence, ...]
    lead_in: str | None = None
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def plain(self) -> str:
        return "\n".join(plain_text(line) for line in self.lines)

    @property
    def sources(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for sentence in self.sentences:
            seen.update(dict.fromkeys(sentence.sources))
        return tuple(seen)


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _table(table: list[str], lead_in: str | None) -> Segment:
    """A table whose source column ("依据") becomes each row's inline source."""
    header = _cells(table[0])
    body = [_cells(r) for r in table[1:]]
    source_columns = {
        i for i, name in enumerate(header) if name in ("依据", "出处", "来源", "法律依据")
    }
    sentences: list[Sentence] = []
    lines: list[str] = []
    rows: list[tuple[str, ...]] = []
    for cells in body:
        shown = [c for i, c in enumerate(cells) if i not in source_columns and c]
        sources = tuple(
            label
            for i, c in enumerate(cells)
            if i in source_columns
            for label in inline_sources(f"（{c}）")
        )
        labelled = [
            f"{header[i]}：{c}" if i < len(header) and header[i] else c
            for i, c in enumerate(cells)
            if i not in source_columns and c
        ]
        lines.append("；".join(labelled))
        sentences.append(Sentence("，".join(shown), sources))
        rows.append(tuple(c for i, c in enumerate(cells) if i not in source_columns))
    if lead_in:
        lines.insert(0, lead_in)
    shown_header = tuple(h for i, h in enumerate(header) if i not in source_columns)
    return Segment("table", tuple(lines), tuple(sentences), lead_in, shown_header, tuple(rows))


def _sentences_of(line: str) -> list[Sentence]:
    """A paragraph's sentences; "；" never ends one (a clause list stays whole)."""
    out: list[Sentence] = []
    for start, end in split_sentences(line):
        piece = line[start:end]
        if out and not out[-1].text.endswith(("。", "！", "？", "!", "?")):
            joined = out[-1].text + piece
            out[-1] = Sentence(joined, tuple(inline_sources(joined)))
        else:
            out.append(Sentence(piece, tuple(inline_sources(piece))))
    return out


def segments(text: str) -> list[Segment]:
    """The quotable units of a passage, in order."""
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not _TABLE_RULE.match(line) and plain_text(line)
    ]
    out: list[Segment] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        opens = out[-1] if out and out[-1].kind == "paragraph" else None
        lead_in = (
            opens.lines[0] if opens and opens.lines[0].rstrip().endswith(("：", ":")) else None
        )
        if _TABLE_ROW.match(line):
            rows = []
            while index < len(lines) and _TABLE_ROW.match(lines[index]):
                rows.append(lines[index])
                index += 1
            if lead_in:
                out.pop()
            out.append(_table(rows, lead_in))
            continue
        if _ITEM.match(line):
            items = []
            while index < len(lines) and _ITEM.match(lines[index]):
                items.append(_ITEM_MARK.sub("", lines[index]))
                index += 1
            head: list[str] = []
            head_sentences: list[Sentence] = []
            if lead_in:
                out.pop()
                head = [lead_in]
                head_sentences = [Sentence(lead_in, tuple(inline_sources(lead_in)))]
            sentences = head_sentences + [Sentence(i, tuple(inline_sources(i))) for i in items]
            out.append(Segment("list", tuple(head + items), tuple(sentences), lead_in))
            continue
        out.append(Segment("paragraph", (line,), tuple(_sentences_of(line))))
        index += 1
    return out
