"""Chinese numerals both ways and sentence spans."""

from __future__ import annotations

import pytest

from knowledge.chinese import (
    decode_text,
    parse_chinese_number,
    split_sentences,
    to_chinese_number,
    trim_span,
)


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("零", 0),
        ("十", 10),
        ("十七", 17),
        ("二十", 20),
        ("一百零三", 103),
        ("一百一十", 110),
        ("一千零一", 1001),
        ("两千", 2000),
        ("三万五千", 35_000),
        ("十万零一十", 100_010),
        ("一亿二千三百四十五万六千七百八十九", 123_456_789),
        ("二〇二五", 2025),
        ("贰拾", 20),
        ("壹佰零叁", 103),
        ("45", 45),
        ("４５", 45),
        ("1万", 10_000),
        (" 十七 ", 17),
    ],
)
def test_parse_chinese_number(numeral: str, value: int) -> None:
    assert parse_chinese_number(numeral) == value


@pytest.mark.parametrize(
    "junk", ["", "  ", "abc", "第十", "十七条", "百", "十百", "七十七七", "-3"]
)
def test_parse_chinese_number_rejects_junk(junk: str) -> None:
    with pytest.raises(ValueError):
        parse_chinese_number(junk)


@pytest.mark.parametrize(
    ("value", "numeral"),
    [
        (0, "零"),
        (10, "十"),
        (17, "十七"),
        (20, "二十"),
        (103, "一百零三"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (10_010, "一万零一十"),
        (20_000, "二万"),
        (100_010, "十万零一十"),
        (100_000_000, "一亿"),
    ],
)
def test_to_chinese_number(value: int, numeral: str) -> None:
    assert to_chinese_number(value) == numeral


def test_numerals_round_trip() -> None:
    # 1..999 covers every article number in the corpus; the larger range guards 万 groups.
    for n in [*range(1, 1000), *range(1000, 200_000, 37)]:
        assert parse_chinese_number(to_chinese_number(n)) == n


@pytest.mark.parametrize("value", [-1, 10**12])
def test_to_chinese_number_range(value: int) -> None:
    with pytest.raises(ValueError):
        to_chinese_number(value)


def test_split_sentences_keeps_punctuation_and_offsets() -> None:
    text = "失业人员可以领取失业保险金。领取期限最长为24个月！是否需要登记？需要；  尾句"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "失业人员可以领取失业保险金。",
        "领取期限最长为24个月！",
        "是否需要登记？",
        "需要；",
        "尾句",
    ]


def test_split_sentences_ascii_marks_quotes_and_blanks() -> None:
    text = "\u3000他说：“可以。”然后离开! 真的? 是的;\n\u200b\n"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "他说：“可以。”",
        "然后离开!",
        "真的?",
        "是的;",
    ]
    assert split_sentences("") == []
    assert split_sentences(" \u3000\n") == []


def test_split_sentences_does_not_break_decimals() -> None:
    text = "费率为1.5%。下一句。"
    assert [text[s:e] for s, e in split_sentences(text)] == ["费率为1.5%。", "下一句。"]


def test_trim_span_strips_full_width_and_zero_width_space() -> None:
    text = "\u3000\u200b 第一条 \r\n"
    start, end = trim_span(text, 0, len(text))
    assert text[start:end] == "第一条"
    assert trim_span("\u200b \u3000", 0, 3)[0] == trim_span("\u200b \u3000", 0, 3)[1]


@pytest.mark.parametrize(
    "data",
    [
        "失业保险金".encode(),
        b"\xef\xbb\xbf" + "失业保险金".encode(),
        "失业保险金".encode("gb18030"),
        "失业保险金".encode("utf-16"),  # with its BOM
    ],
)
def test_decode_text_reads_the_encodings_chinese_files_come_in(data: bytes) -> None:
    assert decode_text(data) == "失业保险金"


def test_decode_text_refuses_what_is_no_text() -> None:
    with pytest.raises(UnicodeDecodeError):
        decode_text(b"\xff\xfe\x00\xd8")  # UTF-16 BOM, then a lone surrogate
