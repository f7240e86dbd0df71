# ruff: noqa: E501  (articles of laws, quoted verbatim)
"""The composer: policy answers lead with the answer, name the document the quoted words
come from and quote the whole clause; the calculator says what it has decided and asks one
plain question at a time."""

from __future__ import annotations

from datetime import date

from assistant import composer
from assistant.answering import PolicyFinding
from assistant.models import ToolCall
from assistant.tools import ToolOutcome
from knowledge.policies.answers import Question, read_passages
from knowledge.policies.models import Citation
from knowledge.rules.engine import EligibilityEngine
from knowledge.rules.models import MissingFact

EXPLAINER = """最长能领多久，看失业前用人单位和本人累计缴费的年限：

| 累计缴费时间 | 最长领取期限 | 依据 |
|---|---|---|
| 满一年不足五年 | 十二个月 | 《中华人民共和国社会保险法》第四十六条 |
| 十年以上 | 二十四个月 | 《中华人民共和国社会保险法》第四十六条 |

领取期限从办理失业登记之日起计算（《中华人民共和国社会保险法》第五十条第三款）。"""

GD19 = (
    "第十九条 失业保险金由社会保险经办机构按照失业保险金领取地地级以上市最低工资标准的"
    "百分之九十按月计发，省人民政府根据国家规定可以适当调整失业保险金标准。\n\n"
    "失业保险金标准不得低于当地城市居民最低生活保障标准。"
)
SIL47 = "第四十七条 失业保险金的标准，由省、自治区、直辖市人民政府确定，不得低于城市居民最低生活保障标准。"


def citation(quote: str, title: str, *, article: str | None = None, article_no: int | None = None,
             chapter: str | None = None, region: str = "000000") -> Citation:  # fmt: skip
    return Citation(
        doc_id=title,
        title=title,
        article=article,
        article_no=article_no,
        chapter=chapter,
        region=region,
        source=f"{title}.md",
        quote=quote,
        start=0,
        end=len(quote),
        chunk_id=f"{title}{article}",
    )


def finding(query: str, citations: list[Citation]) -> PolicyFinding:
    question = Question.read(query, lambda w: 1.0 + len(w))
    search = ToolOutcome(ToolCall(name="search_policies"), citations)
    return PolicyFinding(
        query, search, question, read_passages(question, citations), 0.9, answerable=True
    )


def numbered(citations: list[Citation]) -> list[int]:
    return list(range(1, len(citations) + 1))


def test_an_explainer_is_named_as_the_source_of_its_words_with_the_article_it_cites() -> None:
    found = finding(
        "失业金最多领多久",
        [citation(EXPLAINER, "失业保险金怎么领：政策解读", chapter="二、能领多久")],
    )
    text = composer.policy_answer(found, numbered, "job_seeker")
    lead, basis = text.splitlines()[0], text.splitlines()[2]
    assert lead == "最长领取期限：24个月（累计缴费时间10年以上）。"
    assert basis.startswith("出自《失业保险金怎么领：政策解读》（二、能领多久）")
    assert "《中华人民共和国社会保险法》第四十六条" in basis  # the article it cites
    assert "依据《中华人民共和国社会保险法》" not in text  # never as the law's own words
    assert "《" not in text.split("“")[1].split("”")[0]  # no inline sources inside the quote
    assert text.count("来源：") == 1


def test_the_region_s_own_rule_comes_first_and_the_national_one_beside_it() -> None:
    national = citation(SIL47, "中华人民共和国社会保险法", article="第四十七条", article_no=47)
    local = citation(GD19, "广东省失业保险条例", article="第十九条", article_no=19, region="440000")
    found = finding("失业保险金的标准是多少", [national, local])
    quoted = found.quoted()
    assert [r.citation.title for r in quoted] == ["广东省失业保险条例", "中华人民共和国社会保险法"]
    text = composer.policy_answer(found, numbered, "job_seeker")
    assert text.index("广东省失业保险条例》第十九条") < text.index("社会保险法》第四十七条")
    assert "90%" in text.splitlines()[0]  # the lead states the figure
    assert "百分之九十" in text  # and the quote keeps the law's words


def test_not_sure_offers_a_caseworker_and_states_nothing() -> None:
    text = composer.unsure_answer()
    assert "没有找到" in text and "转人工" in text
    assert not any(ch.isdigit() for ch in text)


def fact(name: str, kind: str, values: dict[str, str] | None = None) -> MissingFact:
    return MissingFact(name=name, label=name, question=f"{name}？", type=kind, values=values)  # type: ignore[arg-type]


def test_one_question_at_a_time_and_never_more_than_five_options() -> None:
    assert [q.name for q in composer.questions_to_ask([fact("a", "float"), fact("b", "bool")])] == [
        "a"
    ]
    assert composer.questions_to_ask([]) == []
    many = fact("c", "enum", {str(i): f"情形{i}" for i in range(12)})
    text = composer.questions_text([many])
    assert text.count("；") == 4 and "情形5" not in text and "其他情形请直接告诉我" in text


def test_a_decided_duration_is_said_first_then_one_question() -> None:
    engine = EligibilityEngine()
    result = engine.check(
        "unemployment_benefit",
        {"contribution_years": 7, "involuntary_separation": True},
        region="440100",
        on_date=date(2026, 11, 15),
    )
    assert result.status == "need_more_facts"
    text, questions = composer.eligibility_answer(result, "job_seeker", vocabulary=engine.facts)
    assert len(questions) == 1
    first = text.splitlines()[0]
    assert "累计缴纳失业保险费年限7年" in first and "18个月" in first
    assert "以当地公布的标准为准" in text and "待核实" not in text and "— 元" not in text
    assert text.count("？") == 1


def test_an_inference_is_said_so_it_can_be_corrected() -> None:
    engine = EligibilityEngine()
    result = engine.check(
        "unemployment_benefit",
        {"contribution_years": 3, "involuntary_separation": True, "reemployed": False},
        region="440100",
        on_date=date(2026, 11, 15),
    )
    text, _ = composer.eligibility_answer(
        result, "job_seeker", vocabulary=engine.facts,
        inferred={"reemployed": ("还在找工作", False)},
    )  # fmt: skip
    assert "根据您说的“还在找工作”" in text and "如果不对请告诉我" in text
