"""Article references in questions and loose title matching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.policies.chunking import chunk_text
from knowledge.policies.references import (
    ArticleReference,
    parse_article_reference,
    spell_article_numbers,
    title_match_score,
    title_matches,
)


@pytest.mark.parametrize(
    ("query", "hint", "number"),
    [
        ("失业保险条例第十七条怎么规定的", "失业保险条例", 17),
        ("《社会保险法》第45条", "社会保险法", 45),
        ("社会保险法第四十五条规定了什么", "社会保险法", 45),
        ("第十七条", "", 17),
        ("请问劳动合同法规定的第三十九条是什么？", "劳动合同法", 39),
        ("劳动合同法里的第四十七条", "劳动合同法", 47),
        ("我想问一下中华人民共和国就业促进法中第 ２０ 条", "中华人民共和国就业促进法", 20),
        ("上海市促进就业若干规定第五条", "上海市促进就业若干规定", 5),  # a title ending in 规定
        ("第十七条在《失业保险条例》里怎么说", "失业保险条例", 17),
        ("根据《中华人民共和国劳动合同法》（2012-12-28）第四十条", "中华人民共和国劳动合同法", 40),
        ("本条例第十条", "", 10),
        ("社会保险法第一百零三条", "社会保险法", 103),
    ],
)
def test_parse_article_reference(query: str, hint: str, number: int) -> None:
    reference = parse_article_reference(query)
    assert reference is not None
    assert (reference.title_hint, reference.article_no) == (hint, number)


def test_reference_article_is_written_in_chinese_numerals() -> None:
    assert parse_article_reference("《社会保险法》第45条") == ArticleReference(
        title_hint="社会保险法", article_no=45, article="第四十五条"
    )


@pytest.mark.parametrize("query", ["失业保险金能领多久", "第几条规定了失业保险", "第零条", ""])
def test_no_reference(query: str) -> None:
    assert parse_article_reference(query) is None


@pytest.mark.parametrize(
    ("hint", "title"),
    [
        ("社会保险法", "中华人民共和国社会保险法"),
        ("失业保险条例", "失业保险条例"),
        ("《劳动合同法》", "中华人民共和国劳动合同法(2012-12-28)"),
        ("中华人民共和国就业促进法", "就业促进法"),
        ("上海市失业保险条例", "上海市 失业保险条例"),
    ],
)
def test_same_title_scores_one(hint: str, title: str) -> None:
    assert title_match_score(hint, title) == 1.0
    assert title_matches(hint, title)


@pytest.mark.parametrize(
    ("hint", "title"),
    [
        ("劳动合同法", "劳动法"),
        ("社会保险法", "失业保险条例"),
        ("", "失业保险条例"),
        ("失业保险条例", ""),
    ],
)
def test_unrelated_titles_do_not_match(hint: str, title: str) -> None:
    assert title_match_score(hint, title) == 0.0
    assert not title_matches(hint, title)


def test_national_document_ranks_above_local_one() -> None:
    national = title_match_score("失业保险条例", "失业保险条例")
    local = title_match_score("失业保险条例", "上海市失业保险条例")
    assert national > local > 0


def test_place_named_by_the_user_ranks_the_local_document_first() -> None:
    local = title_match_score("上海失业保险条例", "上海市失业保险条例")
    national = title_match_score("上海失业保险条例", "失业保险条例")
    assert local > national > 0


def test_containment_prefers_the_closer_title() -> None:
    law = title_match_score("社会保险法", "中华人民共和国社会保险法")
    rules = title_match_score("社会保险法", "实施《中华人民共和国社会保险法》若干规定")
    assert law > rules > 0


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("query", "expected_title", "snippet"),
    [
        ("失业保险条例第十七条怎么规定的", "失业保险条例", "累计缴费时间满1年不足5年"),
        ("《社会保险法》第45条", "中华人民共和国社会保险法", "失业人员符合下列条件的"),
        ("就业促进法第五十二条", "中华人民共和国就业促进法", "就业援助制度"),
        ("广东失业保险条例第十条", "广东省失业保险条例", "用人单位应当自行申报"),
    ],
)
def test_reference_finds_the_article_in_the_corpus(
    laws_cn: Path, query: str, expected_title: str, snippet: str
) -> None:
    """End to end: parse the question, rank the manifest's titles, chunk, find the article."""
    reference = parse_article_reference(query)
    assert reference is not None
    entries = [
        json.loads(line)
        for line in (laws_cn / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    current = [e for e in entries if "superseded_by" not in e]
    best = max(current, key=lambda e: title_match_score(reference.title_hint, e["title"]))
    assert best["title"] == expected_title
    text = (laws_cn / best["path"]).read_text(encoding="utf-8")
    parts = [c for c in chunk_text(text) if c.article == reference.article]
    assert parts
    assert snippet in "".join(text[c.start : c.end] for c in parts)


def test_article_numbers_in_digits_are_spelled_as_documents_write_them() -> None:
    assert spell_article_numbers("社会保险法第46条怎么规定的") == "社会保险法第四十六条怎么规定的"
    assert spell_article_numbers("第10条和第 110 条") == "第十条和第一百一十条"
    assert spell_article_numbers("交了46个月") == "交了46个月"


def test_a_passage_cites_an_article_when_the_title_comes_right_before_it() -> None:
    from knowledge.policies.retriever import _cites

    named = parse_article_reference("社会保险法第四十六条怎么规定的")
    assert named is not None
    section = "十年以上的最长二十四个月（《中华人民共和国社会保险法》第四十六条）。"
    assert _cites(section, named)
    # The same number of another law, and a list of every article after the law's
    # version, do not cite it.
    assert not _cites("（《社会保险经办条例》第四十六条）", named)
    listing = "《中华人民共和国社会保险法》（2018年12月29日修正）第四十四条、第四十五条、第四十六条"
    assert not _cites(listing, named)
