"""Chinese text handling shared by indexing and querying.

Decoding files as Chinese users save them, normalisation and jieba tokens for lexical
search, Chinese numerals both ways (legal texts write 第十七条 while users type 第17条),
and sentence spans for chunking long passages.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from functools import lru_cache

import jieba

__all__ = [
    "STOPWORDS",
    "arabic_quantities",
    "decode_text",
    "jieba_tokenizer",
    "normalize",
    "parse_chinese_number",
    "split_sentences",
    "to_chinese_number",
    "tokenize",
    "trim_span",
]

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w", re.UNICODE)

# Function words and punctuation that carry no meaning for retrieval.
STOPWORDS = frozenset(
    "的 了 和 与 及 或 是 在 对 由 为 以 于 等 其 之 把 被 将 从 向 按 按照 依照 根据 "  # noqa: SIM905 (kept as shipped)
    "应当 可以 不得 有关 规定 本 该 这 那 哪些 什么 怎么 怎样 如何 吗 呢 吧 啊 我 你 他 她 "
    "我们 请问 一下 个 多少 能 能不能 可不可以 是否 有没有 要 需要".split()
)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, as most files are; UTF-16 when it has a BOM;
    GB18030 for older GBK files (a superset of GBK and GB2312, so one fallback covers all
    three). Raises UnicodeDecodeError when none fits."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


@lru_cache(maxsize=1)
def jieba_tokenizer() -> jieba.Tokenizer:
    """The one jieba tokenizer of the process, its dictionary loaded (about half a second,
    once): BM25 tokens here, job words in assistant/nlu/vacancy.py."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def normalize(text: str) -> str:
    """NFKC-normalise (full-width digits and letters to ASCII) and collapse whitespace."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def tokenize(text: str) -> list[str]:
    """Lexical tokens for BM25: jieba search-mode words, lower-cased, stopwords dropped."""
    words = jieba_tokenizer().cut_for_search(normalize(text).lower())
    return [w for w in words if _WORD.search(w) and w not in STOPWORDS]


# Numerals. Financial forms (壹贰叁…) appear in amounts; 两 in everyday speech (两年).
_DIGITS = {
    "零": 0, "〇": 0, "○": 0,
    "一": 1, "壹": 1,
    "二": 2, "两": 2, "贰": 2,
    "三": 3, "叁": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_LARGE_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_ARABIC_RUN = re.compile(r"\d+")

_CN_DIGITS = "零一二三四五六七八九"
_MAX_CHINESE = 10**12


def parse_chinese_number(s: str) -> int:
    """The value of a numeral written in Chinese (十七, 一百零三, 二〇二五) or digits (45, ４５).

    A lone digit right after a unit counts the next lower unit, as people say amounts:
    一万二 is 12000 and 三千五 is 3500 (but 一万零二 is 10002).

    Raises ``ValueError`` for anything that is not a well-formed non-negative numeral, so
    callers can tell "第十七条" from "第几条".
    """
    text = s.strip()
    if not text:
        raise ValueError("empty numeral")
    if text.isdecimal():
        return int(text)  # int() reads full-width and other Unicode decimal digits too
    # Digit-by-digit form without units, as in years: 二〇二五 -> 2025.
    if all(ch in _DIGITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))
    return _parse_with_units(text)


def _parse_with_units(text: str) -> int:
    total = 0  # value of completed 亿/万 groups
    group = 0  # value of the current group below 万
    pending: int | None = None  # a digit waiting for its unit
    last_small = 10_000  # small units must fall within a group: 千 > 百 > 十
    last_large = 10**13
    # The unit a final lone digit directly follows: in everyday speech that digit counts
    # the next lower unit (一万二 = 12000, 三千五 = 3500, 一百二 = 120); 一万零二 is 10002.
    after_unit: int | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        run = _ARABIC_RUN.match(text, i)
        if run is not None:  # mixed forms such as 3万 or 1千
            if pending is not None:
                raise ValueError(f"not a numeral: {text!r}")
            pending = int(run.group())
            # 3千5 is 3500 as 三千五 is; 1万2000 keeps its written value.
            after_unit = after_unit if run.end() - i == 1 else None
            i = run.end()
            continue
        unit_before, after_unit = after_unit, None
        if ch in _DIGITS:
            if pending is not None and pending != 0:
                raise ValueError(f"not a numeral: {text!r}")
            if pending is None and _DIGITS[ch] != 0:  # not after 零: 一万零二 is 10002
                after_unit = unit_before
            pending = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if unit >= last_small:
                raise ValueError(f"not a numeral: {text!r}")
            if not pending:
                # Only 十 may stand without a multiplier: at the start (十七 = 17) or after
                # 零 (一千零十 = 1010, 一年零十个月); 百 alone is not a numeral.
                if unit != 10 or (pending is None and group != 0):
                    raise ValueError(f"not a numeral: {text!r}")
                pending = 1
            group += pending * unit
            pending = None
            last_small = unit
            after_unit = unit
        elif ch in _LARGE_UNITS:
            unit = _LARGE_UNITS[ch]
            value = group + (pending or 0)
            if unit >= last_large or value == 0:
                raise ValueError(f"not a numeral: {text!r}")
            total += value * unit
            group, pending, last_small, last_large = 0, None, 10_000, unit
            after_unit = unit
        else:
            raise ValueError(f"not a numeral: {text!r}")
        i += 1
    if pending is not None and after_unit is not None and after_unit > 10:
        pending *= after_unit // 10
    return total + group + (pending or 0)


# A quantity written in Chinese numerals: the numeral, then a unit of time, money, age or
# multiple (not 第…, so article numbers stay as laws write them; not 一次性 or 一律).
_QUANTITY = re.compile(
    r"(?<![第\d零〇一二两三四五六七八九十百千万])([零〇一二两三四五六七八九十百千万]+)"
    r"(?=个月|个工作日|工作日|周岁|岁|年|个?月|日|天|周|倍|万元|元|小时)"
)
_PERCENT = re.compile(r"百分之([零〇一二两三四五六七八九十百]+)")


def arabic_quantities(text: str) -> str:
    """Quantities in Arabic numerals, as a plain answer states them: 二十四个月 -> 24个月,
    百分之九十 -> 90%, 十五日 -> 15日; 第四十六条 and words like 一次性 are left alone."""

    def number(match: re.Match[str]) -> str:
        try:
            return str(parse_chinese_number(match.group(1)))
        except ValueError:
            return match.group(0)

    text = _PERCENT.sub(lambda m: f"{number(m)}%" if number(m) != m.group(0) else m.group(0), text)
    return _QUANTITY.sub(number, text)


def to_chinese_number(n: int) -> str:
    """``n`` in Chinese numerals as laws write them.

    17 -> 十七, 103 -> 一百零三, 110 -> 一百一十, 10 -> 十; up to 10**12 - 1.
    """
    if n < 0 or n >= _MAX_CHINESE:
        raise ValueError(f"out of range for Chinese numerals: {n}")
    if n == 0:
        return "零"
    out = ""
    zero_pending = False
    for group, unit in ((n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")):
        if group == 0:
            zero_pending = bool(out)
            continue
        if out and (zero_pending or group < 1000):
            out += "零"
        out += _group_to_chinese(group) + unit
        zero_pending = False
    # 10..19 read 十…, not 一十…; inside larger numbers the 一 stays (一百一十).
    return out[1:] if out.startswith("一十") else out


def _group_to_chinese(n: int) -> str:
    """1..9999 without a leading 零; inner runs of zeros become one 零 (一千零一)."""
    out = ""
    zero_pending = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out += "零"
            zero_pending = False
        out += _CN_DIGITS[digit] + unit
    return out


# Sentences end at these marks; closing quotes and brackets right after them belong to the
# sentence they close (……。” stays together).
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)\]\"']*")
# Zero-width characters pad many scraped legal texts; str.isspace() does not see them.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow ``text[start:end]`` to exclude whitespace (full-width and zero-width too).

    A blank span comes back empty (``start == end``).
    """
    while start < end and (text[start].isspace() or text[start] in _INVISIBLE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _INVISIBLE):
        end -= 1
    return start, end


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` into ``text``, punctuation kept with its sentence.

    Whitespace at the edges of a sentence is left out of its span and blank stretches give
    no span, so every ``text[start:end]`` is a non-empty sentence. Text after the last
    mark is a final sentence of its own.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append(trim_span(text, start, match.end()))
        start = match.end()
    spans.append(trim_span(text, start, len(text)))
    return [(s, e) for s, e in spans if e > s]
