# ruff: noqa: E501  (articles of laws, quoted verbatim)
"""The composer: policy answers lead with the answer, name the document the quoted words
come from and quote the whole clause; the calculator says what it has decided and asks one
plain question at a time."""

from __future__ import annotations

from datetime import date
from typing import Any

from assistant import composer
from assistant.answering import PolicyFinding
from assistant.models import ToolCall
from assistant.tools import ToolOutcome
from knowledge.policies.answers import Question, read_passages
from knowledge.policies.models import Citation
from knowledge.rules.engine import EligibilityEngine
from knowledge.rules.models import EligibilityResult, MissingFact

#: The day the calculator tests check on.
CHECKED_ON = date(2026, 11, 15)


def checked(
    policy_id: str, facts: dict[str, Any], region: str = "000000"
) -> tuple[EligibilityEngine, EligibilityResult]:
    """An engine and its check of ``policy_id`` with ``facts`` on ``CHECKED_ON``."""
    engine = EligibilityEngine()
    return engine, engine.check(policy_id, facts, region=region, on_date=CHECKED_ON)


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
SIL = "中华人民共和国社会保险法"
SIL46 = (
    "第四十六条 失业人员失业前用人单位和本人累计缴费满一年不足五年的，领取失业保险金的期限最长为"
    "十二个月；累计缴费满五年不足十年的，领取失业保险金的期限最长为十八个月；累计缴费十年以上的，"
    "领取失业保险金的期限最长为二十四个月。"
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


def test_a_law_and_its_regulation_that_both_answer_are_both_quoted() -> None:
    """Issue 25 §1: 失业保险条例第十七条 and 社会保险法第四十六条 both state the tiers; a
    long question covers no more than half of either clause, and both are still said.
    Of two possible companions, the one whose clause holds more of the question."""
    regulation = citation(
        "第十七条 失业人员失业前所在单位和本人按照规定累计缴费时间满1年不足5年的，领取失业保险金"
        "的期限最长为12个月；累计缴费时间满5年不足10年的，领取失业保险金的期限最长为18个月；"
        "累计缴费时间10年以上的，领取失业保险金的期限最长为24个月。",
        "失业保险条例", article="第十七条", article_no=17,
    )  # fmt: skip
    law = citation(SIL46, SIL, article="第四十六条", article_no=46)
    other = citation(
        "第四十八条 失业人员在领取失业保险金期间，参加职工基本医疗保险。",
        "社会保险经办条例", article="第四十八条", article_no=48,
    )  # fmt: skip
    found = finding(
        "我被公司裁员了，失业保险金最多能领多长时间？是按啥算的，跟单位交了几年有关系吗",
        [regulation, other, law],
    )
    titles = {r.citation.title for r in found.quoted()}
    assert titles == {"失业保险条例", SIL}


def test_a_rule_restated_word_for_word_by_another_document_is_quoted_once() -> None:
    """解释（一）(2020) took over 解释（三）'s 第九条 word for word: the answer quotes the
    rule once, not the same words again as a second legal basis."""
    rule = (
        "劳动者主张加班费的，应当就加班事实的存在承担举证责任。但劳动者有证据证明用人单位"
        "掌握加班事实存在的证据，用人单位不提供的，由用人单位承担不利后果。"
    )
    newer = citation(f"第四十二条 {rule}", "最高人民法院关于审理劳动争议案件适用法律问题的解释（一）",
                     article="第四十二条", article_no=42)  # fmt: skip
    older = citation(f"第九条 {rule}", "最高人民法院关于审理劳动争议案件适用法律若干问题的解释（三）",
                     article="第九条", article_no=9)  # fmt: skip
    found = finding("想跟公司要加班费，打卡记录都在公司，我拿不出证据咋办", [newer, older])
    assert len(found.quoted()) == 1
    text = composer.policy_answer(found, numbered, "job_seeker")
    assert text.count("应当就加班事实的存在承担举证责任") == 2  # the lead and one quote


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
    engine, result = checked(
        "unemployment_benefit",
        {"contribution_years": 7, "involuntary_separation": True},
        "440100",
    )
    assert result.status == "need_more_facts"
    text, questions = composer.eligibility_answer(result, "job_seeker", vocabulary=engine.facts)
    assert len(questions) == 1
    first = text.splitlines()[0]
    assert "累计缴纳失业保险费年限7年" in first and "18个月" in first
    assert "以当地公布的标准为准" in text and "待核实" not in text and "— 元" not in text
    assert text.count("？") == 1


def test_an_inference_is_said_so_it_can_be_corrected() -> None:
    engine, result = checked(
        "unemployment_benefit",
        {"contribution_years": 3, "involuntary_separation": True, "reemployed": False},
        "440100",
    )
    text, _ = composer.eligibility_answer(
        result, "job_seeker", vocabulary=engine.facts,
        inferred={"reemployed": ("还在找工作", False)},
    )  # fmt: skip
    assert "根据您说的“还在找工作”" in text and "如果不对请告诉我" in text


def test_a_hotline_agent_is_asked_about_the_caller_not_addressed_as_the_caller() -> None:
    engine, result = checked(
        "unemployment_benefit",
        {"contribution_years": 7, "involuntary_separation": True},
        "410100",
    )
    text, questions = composer.eligibility_answer(
        result, "agent", vocabulary=engine.facts,
        inferred={"seeking_work": ("在找工作", True)},
    )  # fmt: skip
    assert questions and "来电人" in text
    assert "您" not in text, text


def test_a_long_choice_is_asked_in_plain_words() -> None:
    vocabulary = EligibilityEngine().facts
    # Twelve situations: never listed; the open question gives a few examples instead.
    category = MissingFact.asking(vocabulary["difficulty_category"])
    text = composer.questions_text([category])
    assert text.count("？") == 1 and "下面哪一种情形" not in text
    assert "失业的军烈属" not in text and "单亲家庭" not in text
    # Five situations and "none of these": the five are listed, "以上都不是" need not be.
    hardship = composer.questions_text([MissingFact.asking(vocabulary["hardship_category"])])
    assert "国家助学贷款" in hardship and "以上都不是" not in hardship
    assert hardship.count("；") == 4


def test_notes_for_staff_are_never_shown() -> None:
    assert composer.plain_note("待核实：最长3年，以现行原文为准") == ""
    assert (
        composer.plain_note("金额由地方确定，以当地公布的为准（待核实：国家文件的分档方式）。")
        == "金额由地方确定，以当地公布的为准。"
    )
    assert (
        composer.plain_note("合伙创业的可适当提高额度；待核实：个人最高20万元")
        == "合伙创业的可适当提高额度。"
    )


def test_a_figure_that_waits_for_a_fact_is_asked_for_without_declaring_eligible() -> None:
    engine, result = checked(
        "social_insurance_subsidy",
        {
            "hire_is_employment_difficulty": True,
            "labor_contract_signed": True,
            "hire_social_insurance_paid": True,
        },
    )
    # Not "eligible" until the duration can be said (faults_samples f03).
    assert result.status == "need_more_facts"
    text, questions = composer.eligibility_answer(result, "employer", vocabulary=engine.facts)
    assert "2/3" in text and "待核实" not in text
    assert "符合社会保险补贴" not in text and "能否享受" not in text
    assert "要算出补贴最长期限，还需要了解" in text
    assert [q.name for q in questions] == ["hire_months_to_retirement"]
    assert text.count("？") == 1 and text.rstrip().endswith("？")


def test_an_ended_policy_says_where_to_ask_about_a_new_notice() -> None:
    _, result = checked("job_retention_refund", {})
    assert result.status == "ended"
    text, questions = composer.eligibility_answer(result, "employer")
    assert "2025-12-31" in text and "社会保险经办机构" in text and questions == []


def test_the_conditions_just_met_are_said() -> None:
    engine, result = checked(
        "unemployment_benefit",
        {"contribution_years": 1, "involuntary_separation": True},
        "420100",
    )
    text, _ = composer.eligibility_answer(
        result, "job_seeker", vocabulary=engine.facts, said=["contribution_years"]
    )
    assert "已经符合的条件：失业前用人单位和本人已经缴纳失业保险费满一年" in text
    assert "非因本人意愿中断就业" not in text  # known before, not said just now
    assert text.count("？") == 1


def test_the_article_named_is_answered_not_the_same_number_of_another_law() -> None:
    """Fault 7: "社会保险法第四十六条" quoted 社会保险经办条例's 第四十六条."""
    from assistant.answering import _named_first

    sil46 = citation(
        "第四十六条 失业人员失业前用人单位和本人累计缴费满一年不足五年的，领取失业保险金的期限"
        "最长为十二个月；累计缴费满五年不足十年的，领取失业保险金的期限最长为十八个月；"
        "累计缴费十年以上的，领取失业保险金的期限最长为二十四个月。",
        "中华人民共和国社会保险法", article="第四十六条", article_no=46,
    )  # fmt: skip
    other = citation(
        "第四十六条 个人多享受社会保险待遇的，由社会保险经办机构责令退回。",
        "社会保险经办条例", article="第四十六条", article_no=46,
    )  # fmt: skip
    query = "社会保险法第四十六条怎么规定的"
    readings = read_passages(Question.read(query, lambda w: 1.0 + len(w)), [other, sil46])
    named, found = _named_first(query, readings)
    assert named[0].citation.title == "中华人民共和国社会保险法"
    assert found
    # No article named: the order read stays, and nothing was found by name.
    plain = "失业金能领多久"
    assert _named_first(plain, readings) == (readings, False)


def test_without_the_law_an_explainer_citing_the_article_named_answers_not_its_reference_list():
    """ "社会保险法第五十一条规定了什么" over explainers only: the section that rests on
    第五十一条, not the "八、依据" list that names every article."""
    from assistant.answering import _named_first

    stop = citation(
        "领取期间有下列情形之一的，停止领取失业保险金：重新就业的；应征服兵役的"
        "（《中华人民共和国社会保险法》第五十一条）。",
        "失业保险金怎么领：政策解读", chapter="五、什么情况下会停发",
    )  # fmt: skip
    basis = citation(
        "《中华人民共和国社会保险法》第四十四条、第四十五条、第四十六条、第五十一条。",
        "失业保险金怎么领：政策解读", chapter="八、依据",
    )  # fmt: skip
    query = "社会保险法第五十一条规定了什么"
    readings = read_passages(Question.read(query, lambda w: 1.0 + len(w)), [basis, stop])
    assert readings[-1].citation.chapter == "八、依据"
    named, found = _named_first(query, readings)
    assert named[0].citation.chapter == "五、什么情况下会停发"
    assert found


def test_a_question_that_goes_on_from_the_last_one_is_read_with_it() -> None:
    from assistant.answering import _follows_up

    assert _follows_up("需要带什么材料")  # short
    assert _follows_up("那要是干满一年了还是没签呢")
    assert _follows_up("要是下班先去菜市场买了个菜再回家，路上出的事呢？")
    assert not _follows_up("公司已经两个月没发工资了，我不想干了，自己提离职公司要给补偿吗")


def test_near_ties_between_articles_go_to_the_region_s_own_rule_not_to_a_local_guide() -> None:
    from assistant.answering import _local_first
    from knowledge.policies.answers import PassageReading

    question = Question.read("入职时间该从哪天算", lambda w: 1.0 + len(w))

    def reading(title: str, score: float, *, region: str, article_no: int | None) -> PassageReading:
        cited = citation("……", title, article=f"第{article_no}条" if article_no else None,
                         article_no=article_no, chapter=None if article_no else "一、怎么算",
                         region=region)  # fmt: skip
        return PassageReading(question, cited, 0, [], 0.5, score=score)

    national = reading("中华人民共和国劳动合同法", 1.00, region="000000", article_no=7)
    shanghai = reading("上海市劳动合同条例", 0.95, region="310000", article_no=22)
    far_behind = reading("上海市劳动合同条例", 0.80, region="310000", article_no=22)
    guide = reading("上海市入职指南", 0.99, region="310000", article_no=None)
    assert _local_first([national, shanghai])[0] is shanghai
    assert _local_first([national, far_behind])[0] is national
    assert _local_first([national, guide])[0] is national


def test_the_regulation_that_gives_the_figure_the_law_leaves_open_is_quoted_and_leads() -> None:
    """残疾人保障法第三十三条 says 按比例 and holds most of the question's words; 残疾人就业
    条例第八条 gives the figure asked for (1.5%) with fewer of them. Both are quoted, and the
    plain answer is the regulation's figure."""
    law = citation(
        "第三十三条 国家实行按比例安排残疾人就业制度。\n\n国家机关、社会团体、企业事业单位、民办非企业单位"
        "应当按照规定的比例安排残疾人就业，并为其选择适当的工种和岗位。达不到规定比例的，按照国家有关规定"
        "履行保障残疾人就业义务。国家鼓励用人单位超过规定比例安排残疾人就业。",
        "中华人民共和国残疾人保障法", article="第三十三条", article_no=33,
    )  # fmt: skip
    regulation = citation(
        "第八条 用人单位应当按照一定比例安排残疾人就业，并为其提供适当的工种、岗位。\n\n用人单位安排"
        "残疾人就业的比例不得低于本单位在职职工总数的1.5%。具体比例由省、自治区、直辖市人民政府根据"
        "本地区的实际情况规定。",
        "残疾人就业条例", article="第八条", article_no=8,
    )  # fmt: skip
    found = finding("来电人问企业是不是有义务按比例安排残疾人就业，比例是多少", [law, regulation])
    assert found.readings[0].citation.title == "中华人民共和国残疾人保障法"
    assert {r.citation.title for r in found.quoted()} == {
        "中华人民共和国残疾人保障法",
        "残疾人就业条例",
    }
    text = composer.policy_answer(found, numbered, "job_seeker")
    assert "1.5%" in text.splitlines()[0]
