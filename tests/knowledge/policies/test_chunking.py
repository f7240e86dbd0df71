"""Clause-aware chunking: handwritten fixtures for the rules, real laws for the invariants."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from knowledge.chinese import parse_chinese_number
from knowledge.policies.chunking import ChunkSpan, chunk_text

LAW = """# 示例条例

2020年1月1日 某某会议通过

<!-- INFO END -->

## 第一章  总则

第一条 为了示例，制定本条例。

第二条 本条例适用于示例。

依照本条例第一条规定的，从其规定。

第三章　失业保险金

第17条 第一款。

第十七条之一 补充的条文。

### 第一节 一般规定

第十八条失业人员可以领取失业保险金。

第十九条\u3000全角空格之后的正文。
"""


def texts(text: str, chunks: list[ChunkSpan]) -> list[str]:
    return [text[c.start : c.end] for c in chunks]


def by_article(chunks: list[ChunkSpan], article: str) -> list[ChunkSpan]:
    return [c for c in chunks if c.article == article]


# --- handwritten fixtures ------------------------------------------------------------------


def test_articles_headings_and_preamble() -> None:
    chunks = chunk_text(LAW)
    assert texts(LAW, chunks) == [
        "示例条例\n\n2020年1月1日 某某会议通过",
        "第一条 为了示例，制定本条例。",
        "第二条 本条例适用于示例。\n\n依照本条例第一条规定的，从其规定。",
        "第17条 第一款。",
        "第十七条之一 补充的条文。",
        "第十八条失业人员可以领取失业保险金。",
        "第十九条\u3000全角空格之后的正文。",
    ]
    preamble, first, second, arabic, sub, direct, full_width = chunks
    assert (preamble.article, preamble.article_no, preamble.chapter) == (None, None, None)
    assert (first.article, first.article_no, first.chapter) == ("第一条", 1, "第一章 总则")
    assert second.article_no == 2  # the in-sentence reference to 第一条 stayed in 第二条
    assert (arabic.article, arabic.article_no, arabic.chapter) == (
        "第十七条",
        17,
        "第三章 失业保险金",
    )
    assert (sub.article, sub.article_no) == ("第十七条之一", 17)
    assert (direct.article, direct.section) == ("第十八条", "第一节 一般规定")
    assert direct.chapter == "第三章 失业保险金"
    assert arabic.section is None
    assert full_width.article_no == 19
    assert all(c.heading == "" for c in chunks)
    assert all(c.part is None for c in chunks)


def test_offsets_are_into_the_original_text() -> None:
    text = "\u3000\u3000第一条\u3000（一）全角括号；\r\n\r\n第二条 Ｆｕｌｌ－ｗｉｄｔｈ 字母。\r\n"
    chunks = chunk_text(text)
    assert texts(text, chunks) == [
        "第一条\u3000（一）全角括号；",
        "第二条 Ｆｕｌｌ－ｗｉｄｔｈ 字母。",
    ]
    assert [c.article_no for c in chunks] == [1, 2]


@pytest.mark.parametrize(
    "line",
    [
        "第十七条第二款规定的情形除外。",
        "第十七条、第十八条的规定适用于前款。",
        "第十七条规定的期限届满。",
        "第十七条的规定不适用于本款。",
        "第十七条所称失业人员，是指……",
    ],
)
def test_references_at_line_start_are_not_articles(line: str) -> None:
    text = f"第十六条 正文。\n\n{line}\n"
    chunks = chunk_text(text)
    assert [c.article_no for c in chunks] == [16]
    assert texts(text, chunks) == [f"第十六条 正文。\n\n{line}"]


def test_sentence_headings_are_not_chapters() -> None:
    text = "第一条 正文。\n第七节相应改为第八节，第一百二十三条相应改为第一百二十八条。\n"
    chunks = chunk_text(text)
    assert len(chunks) == 1
    assert chunks[0].section is None


def test_parts_chapters_sections_nest_and_reset() -> None:
    text = (
        "## 第一编 总则\n### 第一章 任务\n#### 第一节 犯罪\n第一条 甲。\n"
        "### 第二章 刑罚\n第二条 乙。\n## 第二编 分则\n第三条 丙。\n"
        "## 第一分编  通则\n### 第三章 一般规定\n第四条 丁。\n"
    )
    got = [(c.part, c.chapter, c.section, c.article_no) for c in chunk_text(text)]
    assert got == [
        ("第一编 总则", "第一章 任务", "第一节 犯罪", 1),
        ("第一编 总则", "第二章 刑罚", None, 2),
        ("第二编 分则", None, None, 3),
        ("第二编 分则 第一分编 通则", "第三章 一般规定", None, 4),
    ]


def test_chapter_names_are_normalised() -> None:
    text = (
        "## 第一章 总 则\n第一条 甲。\n"
        "## 第二章\u2002\u2002一般规定\n第二条 乙。\n"
        "第五章法律责任\n第三条 丙。\n"
    )
    assert [c.chapter for c in chunk_text(text)] == [
        "第一章 总则",
        "第二章 一般规定",
        "第五章 法律责任",
    ]


def test_long_article_splits_at_items_and_carries_heading() -> None:
    items = "\n".join(
        f"（{n}）第{n}项的内容写得比较长，用来撑满一个块的长度；" for n in "一二三四五六七八"
    )
    text = (
        f"第十条 用人单位有下列情形之一的，应当依法处理：\n{items}\n"
        "前款规定以外的，从其规定。\n第十一条 短。\n"
    )
    chunks = chunk_text(text, max_chars=80)
    tenth = by_article(chunks, "第十条")
    assert len(tenth) > 2
    assert all(c.end - c.start <= 80 for c in chunks)
    assert text[tenth[0].start : tenth[0].end].startswith("第十条 用人单位")
    assert tenth[0].heading == ""
    assert all(c.heading == "第十条" and c.article_no == 10 for c in tenth[1:])
    for chunk in tenth[1:]:  # cut at 项/款 boundaries: every part starts a line
        assert chunk.start == 0 or text[chunk.start - 1] == "\n"
    # Nothing is lost: the parts cover every line of the article.
    covered = "".join(text[c.start : c.end] for c in tenth)
    assert covered.replace("\n", "") == text[: text.index("第十一条")].replace("\n", "")
    assert by_article(chunks, "第十一条")[0].heading == ""


def test_inline_items_and_sentences_split_a_single_long_line() -> None:
    body = "；".join(f"（{n}）第{n}项内容较长需要切开" for n in "一二三四五六")
    text = f"第五条 下列各项：{body}。第二句。第三句。\n"
    chunks = chunk_text(text, max_chars=40)
    assert len(chunks) > 1
    assert all(c.article_no == 5 and c.end - c.start <= 40 for c in chunks)
    assert texts(text, chunks)[1].startswith("（")
    no_items = "第六条 " + "。".join(["这是一句不短的话"] * 12) + "。"
    sentence_chunks = chunk_text(no_items, max_chars=30)
    assert all(no_items[c.start : c.end].endswith("。") for c in sentence_chunks)
    assert all(c.end - c.start <= 30 for c in sentence_chunks)


def test_hard_split_is_the_last_resort() -> None:
    text = "第一条 " + "字" * 95
    chunks = chunk_text(text, max_chars=30)
    assert [c.end - c.start for c in chunks] == [30, 30, 30, 9]
    assert "".join(texts(text, chunks)) == text
    assert [c.heading for c in chunks] == ["", "第一条", "第一条", "第一条"]


def test_min_chars_folds_small_tails_within_an_article() -> None:
    # Sentences of ten characters pack two to a 20-character chunk, leaving 尾。 alone.
    text = "第一条 长句很长很。" + "长句很长很长很长长。" * 3 + "尾。\n第二条 短。\n"
    plain = chunk_text(text, max_chars=20)
    folded = chunk_text(text, max_chars=20, min_chars=5)
    assert texts(text, plain)[-2] == "尾。"
    assert texts(text, folded)[-2].endswith("尾。") and texts(text, folded)[-2] != "尾。"
    assert texts(text, folded)[-1] == "第二条 短。"  # never folded across articles


def test_no_article_documents_fall_back_to_headings_and_paragraphs() -> None:
    text = (
        "# 案例标题\n\n<!-- INFO END -->\n\n## 基本案情\n\n第一段。\n\n第二段。\n\n"
        "## 裁判结果\n\n" + "判决如下。" * 30 + "\n"
    )
    chunks = chunk_text(text, max_chars=60)
    assert texts(text, chunks)[:2] == ["案例标题", "第一段。\n\n第二段。"]
    assert [c.chapter for c in chunks[:2]] == [None, "基本案情"]
    rest = chunks[2:]
    assert len(rest) == 3 and all(c.chapter == "裁判结果" for c in rest)
    assert all(c.article is None and c.heading == "" for c in chunks)
    assert all(text[c.start : c.end].endswith("。") for c in rest)


def test_never_emits_blank_chunks_or_markers() -> None:
    text = (
        "# 标题\n\u200b\n<!-- INFO END -->\n\u200b\n## 第一章 总 则\n\u3000\n第一条 甲。\n\u200b\n"
    )
    chunks = chunk_text(text)
    assert texts(text, chunks) == ["标题", "第一条 甲。"]
    assert chunk_text("") == []
    assert chunk_text("\n \u3000\u200b\n") == []


def test_comments_break_passages_but_not_articles() -> None:
    text = (
        "<!-- INFO END -->\n序言甲。\n<!-- FORCE BREAK -->\n序言乙。\n"
        "第一条 表格：\n<!-- TABLE -->\n| a |\n"
    )
    chunks = chunk_text(text)
    assert texts(text, chunks) == ["序言甲。", "序言乙。", "第一条 表格：\n<!-- TABLE -->\n| a |"]
    assert chunks[-1].heading == ""


def test_document_without_marker_keeps_its_title_as_preamble() -> None:
    text = "# 某某办法\n\n第一条 甲。\n"
    chunks = chunk_text(text)
    assert texts(text, chunks) == ["某某办法", "第一条 甲。"]
    assert chunks[0].article is None


def test_max_chars_must_be_positive() -> None:
    with pytest.raises(ValueError):
        chunk_text("第一条 甲。", max_chars=0)


# --- the real corpus -----------------------------------------------------------------------

_ARTICLE_LINE = re.compile(
    r"^第([零〇一二两三四五六七八九十百千]+)条(之[一二三四五六七八九十]+)? ", re.M
)


def read_law(laws_cn: Path, title: str) -> str:
    """The current national version of ``title`` from the corpus manifest."""
    for line in (laws_cn / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["title"] == title and entry["region"] == "000000" and "superseded_by" not in entry:
            return (laws_cn / entry["path"]).read_text(encoding="utf-8")
    raise AssertionError(f"{title} is not in the manifest")


def expected_articles(text: str) -> list[tuple[int, int, int]]:
    """(number, start, end) of each article as a plain regex over the body sees it."""
    body = text.index("<!-- INFO END -->")
    matches = [m for m in _ARTICLE_LINE.finditer(text) if m.start() > body]
    out = []
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(text)
        heading = text.find("\n#", match.start(), end)  # a chapter/section heading ends it
        out.append(
            (parse_chinese_number(match.group(1)), match.start(), heading if heading > 0 else end)
        )
    return out


def assert_article_invariants(text: str, chunks: list[ChunkSpan], max_chars: int) -> None:
    expected = expected_articles(text)
    assert expected, "the fixture document has no articles"
    # Every article appears, in order, in one contiguous run of chunks.
    runs: list[int] = []
    for chunk in chunks:
        if chunk.article_no is not None and (not runs or runs[-1] != chunk.article_no):
            runs.append(chunk.article_no)
    assert runs == [number for number, _, _ in expected]

    previous_end = 0
    for chunk in chunks:
        own = text[chunk.start : chunk.end]
        assert own.strip(" \n\u3000\u200b"), "blank chunk"
        assert own == own.strip(), "untrimmed span"
        assert chunk.start >= previous_end, "overlapping chunks"
        previous_end = chunk.end
        assert chunk.end - chunk.start <= max_chars
        assert "<!-- INFO END -->" not in own and not own.startswith("#")
        # No chunk holds the start of a second article.
        starts = [m.start() for m in _ARTICLE_LINE.finditer(own)]
        assert starts in ([], [0])
        if chunk.article is not None:
            assert (starts == [0]) == (chunk.heading == "")
            if chunk.heading:
                assert chunk.heading == chunk.article
            else:
                assert own.startswith(chunk.article)

    # Each article's text is covered by exactly its own chunks.
    for number, start, end in expected:
        mine = [c for c in chunks if c.article_no == number]
        assert all(start <= c.start and c.end <= end for c in mine)
        covered = "".join(text[c.start : c.end] for c in mine)
        assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", text[start:end])


@pytest.mark.corpus
@pytest.mark.parametrize("max_chars", [600, 200])
@pytest.mark.parametrize(
    "title",
    [
        "失业保险条例",
        "中华人民共和国社会保险法",
        "中华人民共和国就业促进法",
        "中华人民共和国劳动合同法",
    ],
)
def test_real_laws_keep_articles_whole_and_in_order(
    laws_cn: Path, title: str, max_chars: int
) -> None:
    text = read_law(laws_cn, title)
    chunks = chunk_text(text, max_chars=max_chars)
    assert_article_invariants(text, chunks, max_chars)
    preamble = chunks[0]
    assert preamble.article is None
    assert text[preamble.start : preamble.end].startswith(title)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("title", "article_no", "chapter"),
    [
        ("中华人民共和国社会保险法", 45, "第五章 失业保险"),
        ("中华人民共和国社会保险法", 1, "第一章 总则"),
        ("失业保险条例", 17, "第三章 失业保险待遇"),
        ("中华人民共和国就业促进法", 52, "第六章 就业援助"),
        ("中华人民共和国劳动合同法", 39, "第四章 劳动合同的解除和终止"),
        ("中华人民共和国劳动合同法", 98, "第八章 附则"),
    ],
)
def test_real_laws_chapter_metadata(
    laws_cn: Path, title: str, article_no: int, chapter: str
) -> None:
    chunks = chunk_text(read_law(laws_cn, title))
    mine = [c for c in chunks if c.article_no == article_no]
    assert mine and all(c.chapter == chapter and c.section is None for c in mine)


@pytest.mark.corpus
def test_real_long_article_is_split_with_heading(laws_cn: Path) -> None:
    # 劳动合同法 第十七条 lists the nine required terms of a contract: (一) … (九).
    text = read_law(laws_cn, "中华人民共和国劳动合同法")
    parts = by_article(chunk_text(text, max_chars=150), "第十七条")
    assert len(parts) >= 2
    assert text[parts[0].start : parts[0].end].startswith("第十七条 劳动合同应当具备以下条款")
    assert [c.heading for c in parts[1:]] == ["第十七条"] * (len(parts) - 1)
    assert all(text[c.start - 1] == "\n" for c in parts[1:])  # cut at 项/款 lines
    assert any("（九）" in text[c.start : c.end] or "(九)" in text[c.start : c.end] for c in parts)


@pytest.mark.corpus
def test_employment_corpus_invariants(laws_cn: Path) -> None:
    """The 78 employment documents chunk cleanly, including odd layouts among them."""
    paths = (laws_cn / "employment.txt").read_text(encoding="utf-8").split()
    assert len(paths) == 78
    with_articles = 0
    for relative in paths:
        text = (laws_cn / relative).read_text(encoding="utf-8")
        chunks = chunk_text(text, max_chars=400)
        assert chunks, relative
        previous_end = 0
        for chunk in chunks:
            own = text[chunk.start : chunk.end]
            assert own.strip(" \n\t\u3000\u200b\ufeff"), relative
            assert chunk.start >= previous_end and chunk.end - chunk.start <= 400, relative
            previous_end = chunk.end
            assert [m.start() for m in _ARTICLE_LINE.finditer(own)] in ([], [0]), relative
        numbers = [c.article_no for c in chunks if c.article_no is not None and not c.heading]
        with_articles += bool(numbers)
        assert numbers == sorted(numbers), relative
    assert with_articles >= 70
