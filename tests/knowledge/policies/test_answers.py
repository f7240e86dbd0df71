# ruff: noqa: E501  (articles of laws, quoted verbatim)
"""Reading passages as answers: whole clauses, the kind of answer asked, the plain lead.

The passages are articles of real laws (社会保险法, 劳动合同法, 广东省失业保险条例) and a
section of the project's explainer, copied here so the tests need no corpus.
"""

from __future__ import annotations

from knowledge.chinese import arabic_quantities
from knowledge.policies.answer_kinds import load_answer_kinds
from knowledge.policies.answers import (
    SINGLE_CHAR_WEIGHT,
    SITUATION,
    Question,
    SelectionWeights,
    lead_sentence,
    read_passages,
    selection_weights,
)
from knowledge.policies.models import Citation
from knowledge.policies.passages import inline_sources, plain_text, segments

ART45 = """第四十五条 失业人员符合下列条件的，从失业保险基金中领取失业保险金：

（一）失业前用人单位和本人已经缴纳失业保险费满一年的；

（二）非因本人意愿中断就业的；

（三）已经进行失业登记，并有求职要求的。"""

ART46 = (
    "第四十六条 失业人员失业前用人单位和本人累计缴费满一年不足五年的，领取失业保险金的期限"
    "最长为十二个月；累计缴费满五年不足十年的，领取失业保险金的期限最长为十八个月；累计缴费"
    "十年以上的，领取失业保险金的期限最长为二十四个月。重新就业后，再次失业的，缴费时间重新"
    "计算，领取失业保险金的期限与前次失业应当领取而尚未领取的失业保险金的期限合并计算，最长"
    "不超过二十四个月。"
)

ART50 = """第五十条 用人单位应当及时为失业人员出具终止或者解除劳动关系的证明，并将失业人员的名单自终止或者解除劳动关系之日起十五日内告知社会保险经办机构。

失业人员应当持本单位为其出具的终止或者解除劳动关系的证明，及时到指定的公共就业服务机构办理失业登记。

失业人员凭失业登记证明和个人身份证明，到社会保险经办机构办理领取失业保险金的手续。失业保险金领取期限自办理失业登记之日起计算。"""

ART42_CONTRACT = """第四十二条 劳动者有下列情形之一的，用人单位不得依照本法第四十条、第四十一条的规定解除劳动合同：

（一）从事接触职业病危害作业的劳动者未进行离岗前职业健康检查，或者疑似职业病病人在诊断或者医学观察期间的；

（二）在本单位患职业病或者因工负伤并被确认丧失或者部分丧失劳动能力的；

（三）患病或者非因工负伤，在规定的医疗期内的；

（四）女职工在孕期、产期、哺乳期的；

（五）在本单位连续工作满十五年，且距法定退休年龄不足五年的；

（六）法律、行政法规规定的其他情形。"""

GD19 = """第十九条 失业保险金由社会保险经办机构按照失业保险金领取地地级以上市最低工资标准的百分之九十按月计发，省人民政府根据国家规定可以适当调整失业保险金标准。

失业保险金标准不得低于当地城市居民最低生活保障标准。"""

EXPLAINER_TABLE = """最长能领多久，看失业前用人单位和本人累计缴费的年限：

| 累计缴费时间 | 最长领取期限 | 依据 |
|---|---|---|
| 满一年不足五年 | 十二个月 | 《中华人民共和国社会保险法》第四十六条 |
| 满五年不足十年 | 十八个月 | 《中华人民共和国社会保险法》第四十六条 |
| 十年以上 | 二十四个月 | 《中华人民共和国社会保险法》第四十六条 |

领取期限从办理失业登记之日起计算（《中华人民共和国社会保险法》第五十条第三款）。"""


def citation(quote: str, *, title: str, article: str | None, chapter: str | None = None,
             region: str = "000000", chunk: str = "c") -> Citation:  # fmt: skip
    number = {"第四十五条": 45, "第四十六条": 46, "第五十条": 50, "第四十二条": 42, "第十九条": 19}
    return Citation(
        doc_id=title,
        title=title,
        article=article,
        article_no=number.get(article or ""),
        chapter=chapter,
        region=region,
        source=f"{title}.md",
        quote=quote,
        start=0,
        end=len(quote),
        chunk_id=chunk,
    )


def idf(word: str) -> float:
    """Rare words weigh more: a stand-in for the index's BM25 idf."""
    return 1.0 + len(word)


SIL = "中华人民共和国社会保险法"
#: The shipped weights are chosen on data (bench/answer_selection.py); these tests weigh
#: only what the passages say, with retrieval rank and similarity left out.
BY_CONTENT = SelectionWeights(
    rank=0.0, coverage=0.5, clause=1.0, kind=0.5, heading=0.5, article=0.0, similarity=0.0,
    similarity_floor=0.85, segment_kind=1.0, segment_coverage=0.5,
)  # fmt: skip


# -- passages ---------------------------------------------------------------------------


def test_a_lead_in_and_its_items_are_one_segment() -> None:
    (segment,) = segments(ART45.removeprefix("第四十五条 "))
    assert segment.kind == "list"
    assert segment.lead_in is not None and segment.lead_in.endswith("：")
    assert len(segment.lines) == 4 and segment.lines[-1].startswith("（三）")


def test_a_sentence_is_never_cut_at_a_semicolon() -> None:
    (segment,) = segments(ART46)
    first = segment.sentences[0].text
    assert "十二个月；" in first and "二十四个月。" in first


def test_a_table_keeps_its_header_and_its_rows_name_their_source() -> None:
    table = next(s for s in segments(EXPLAINER_TABLE) if s.kind == "table")
    assert table.header == ("累计缴费时间", "最长领取期限")
    assert table.rows[-1] == ("十年以上", "二十四个月")
    assert table.sources == (f"《{SIL}》第四十六条",)
    assert table.lead_in is not None  # the sentence that introduces the table


def test_inline_sources_are_read_and_left_out_of_the_plain_text() -> None:
    text = "非因本人意愿中断就业（《中华人民共和国社会保险法》第四十五条第（二）项）；待核实：未能在一手文件中核实。"
    assert inline_sources(text) == [f"《{SIL}》第四十五条第（二）项"]
    assert plain_text(text) == "非因本人意愿中断就业；"
    # An editor's note goes; the advice it carries stays.
    assert plain_text("条件如下（待核实：条件以当年通知为准）：") == "条件如下（以当年通知为准）："


def test_quantities_in_arabic_numerals_leave_articles_and_words_alone() -> None:
    assert arabic_quantities("最长为二十四个月") == "最长为24个月"
    assert arabic_quantities("最低工资标准的百分之九十") == "最低工资标准的90%"
    assert arabic_quantities("第四十六条 一次性加发三倍") == "第四十六条 一次性加发3倍"


# -- kinds of answer --------------------------------------------------------------------


def test_kinds_of_answer_asked() -> None:
    kinds = load_answer_kinds()
    assert "duration" in kinds.asked("失业金最多领多久")
    assert kinds.asks_extreme("失业金最多领多久")
    assert "procedure" in kinds.asked("失业保险金怎么申请")
    assert "cost" in kinds.asked("失业登记要收费吗")
    assert "place" in kinds.asked("去哪里办失业登记")
    # "算到哪天" asks from which day, not where.
    asked = kinds.asked("双倍工资是从哪天开始算、算到哪天为止？")
    assert "start" in asked and "place" not in asked
    assert kinds.stated("起算时间为用工之日起满一个月的次日", frozenset({"start"}))
    assert "place" not in kinds.asked("工友人没了，家属按规定能拿到哪些补偿？")  # 到哪些
    assert "time_limit" in kinds.asked("办失业登记有没有时间限制？")
    assert "consequence" in kinds.asked("一直不去会咋样")
    assert "permission" in kinds.asked("外籍工程师也要给他交社保吗？")
    assert "definition" in kinds.asked("食堂吃饭滑了一跤，这能算工伤吗？")
    assert kinds.given("领取期限最长为二十四个月", frozenset({"duration"})) == {"duration"}
    assert not kinds.given("非因本人意愿中断就业的", frozenset({"duration"}))


# -- reading passages as answers -------------------------------------------------------


def test_how_to_apply_is_answered_by_the_procedure_not_by_who_qualifies() -> None:
    question = Question.read("失业保险金怎么申请", idf)
    readings = read_passages(
        question,
        [
            citation(ART45, title=SIL, article="第四十五条", chunk="45"),
            citation(ART50, title=SIL, article="第五十条", chunk="50"),
        ],
        weights=BY_CONTENT,
    )
    assert readings[0].citation.article == "第五十条"


def test_a_duration_question_is_answered_by_the_article_that_states_durations() -> None:
    question = Question.read("失业金最长能领多久", idf)
    readings = read_passages(
        question,
        [
            citation(ART45, title=SIL, article="第四十五条", chunk="45"),
            citation(ART46, title=SIL, article="第四十六条", chunk="46"),
        ],
        weights=BY_CONTENT,
    )
    best = readings[0]
    assert best.citation.article == "第四十六条" and best.gives_kind
    lead = lead_sentence(best)
    assert lead is not None and "24个月" in lead and "10年以上" in lead


def test_a_list_is_quoted_whole_with_its_lead_in_so_a_prohibition_reads_as_one() -> None:
    question = Question.read("怀孕了公司能辞退我吗", idf)
    (reading,) = read_passages(
        question, [citation(ART42_CONTRACT, title="中华人民共和国劳动合同法", article="第四十二条")]
    )
    quoted = [reading.segments[i].segment for i in reading.quoted() if i is not None]
    lines = [line for s in quoted for line in s.lines]
    assert lines[0].endswith("不得依照本法第四十条、第四十一条的规定解除劳动合同：")
    assert any("孕期、产期、哺乳期" in line for line in lines)


def test_an_explainer_table_leads_with_the_row_asked_for() -> None:
    question = Question.read("失业金最多领多久", idf)
    (reading,) = read_passages(
        question,
        [
            citation(
                EXPLAINER_TABLE,
                title="失业保险金怎么领：政策解读",
                article=None,
                chapter="二、能领多久",
            )
        ],
    )
    assert reading.heading > 0.5  # the section heading reads like the question
    assert lead_sentence(reading) == "最长领取期限：24个月（累计缴费时间10年以上）。"


def test_an_amount_question_leads_with_the_figure() -> None:
    question = Question.read("广东失业保险金每个月发多少", idf)
    (reading,) = read_passages(
        question, [citation(GD19, title="广东省失业保险条例", article="第十九条", region="440000")]
    )
    lead = lead_sentence(reading)
    assert lead is not None and "90%" in lead


def test_no_lead_when_the_clause_does_not_give_what_was_asked() -> None:
    question = Question.read("失业金最多领多久", idf)
    (reading,) = read_passages(question, [citation(ART45, title=SIL, article="第四十五条")])
    assert not reading.gives_kind
    assert lead_sentence(reading) is None


def test_the_shipped_weights_are_read_from_their_file() -> None:
    weights = selection_weights()
    assert all(value >= 0 for value in weights.__dict__.values())
    assert weights.clause > 0  # what the clause says always counts


def test_a_leave_named_that_no_passage_names_counts_as_missing() -> None:
    from knowledge.policies.answerability import answerability_features

    maternity = (
        "第七条 女职工生育享受98天产假，其中产前可以休假15天；难产的，增加产假15天；"
        "生育多胞胎的，每多生育1个婴儿，增加产假15天。"
    )
    readings = read_passages(
        Question.read("孩子两岁，听说现在有育儿假，一年能休几天？", idf),
        [citation(maternity, title="女职工劳动保护特别规定", article="第七条")],
        weights=BY_CONTENT,
    )
    asked_other = answerability_features(readings[0].question, readings, 20.0)
    assert asked_other["benefit_missing"] == 1.0
    readings = read_passages(
        Question.read("老婆要生了，产假一共多少天？", idf),
        [citation(maternity, title="女职工劳动保护特别规定", article="第七条")],
        weights=BY_CONTENT,
    )
    assert answerability_features(readings[0].question, readings, 20.0)["benefit_missing"] == 0.0


def test_a_longest_question_leads_with_the_top_tier_not_another_sentence_with_the_cap() -> None:
    # ART46 ends "……合并计算，最长不超过二十四个月": the cap again, not the tier asked for.
    question = Question.read("失业保险金最多能领多长时间？是按啥算的", idf)
    (reading,) = read_passages(
        question, [citation(ART46, title=SIL, article="第四十六条")], weights=BY_CONTENT
    )
    lead = lead_sentence(reading)
    assert lead is not None and lead.startswith("领取失业保险金的期限最长为24个月"), lead
    assert "10年以上" in lead


OTHER_BENEFITS = """- **医疗保险**：领取失业保险金期间参加职工基本医疗保险，应缴的基本医疗保险费从失业保险基金中支付，个人不缴纳。
- **丧葬补助金和抚恤金**：领取期间死亡的，向遗属发给一次性丧葬补助金和抚恤金，所需资金从失业保险基金中支付。
- **换城市工作**：职工跨统筹地区就业的，失业保险关系随本人转移，缴费年限累计计算。"""


def test_a_list_item_leads_by_what_its_label_says_it_is_about() -> None:
    """ "换了个城市…缴费年限还算吗": the item labelled 换城市工作 answers; its label is left
    out of the lead, the words of the law are not."""
    question = Question.read("换了个城市上班，失业保险缴费年限还算吗", idf)
    (reading,) = read_passages(
        question,
        [
            citation(
                OTHER_BENEFITS,
                title="失业保险金怎么领：政策解读",
                article=None,
                chapter="四、领取期间的其他待遇",
            )
        ],
    )
    assert (
        lead_sentence(reading) == "职工跨统筹地区就业的，失业保险关系随本人转移，缴费年限累计计算。"
    )


def test_each_stretch_of_a_question_is_read_as_its_longest_everyday_phrase() -> None:
    """ "找工作了还发吗" is a job found (重新就业), not a job looked for (求职 就业): the
    longer phrase of the term table reads the stretch, the shorter one inside it does not."""
    found = Question.read("失业保险金找工作了还发吗", idf)
    assert any("重新就业" in legal for legal in found.terms.values())
    assert not any("求职" in legal for legal in found.terms.values())
    looking = Question.read("我在找工作，有什么补贴", idf)
    assert any("求职" in legal for legal in looking.terms.values())


def test_an_everyday_word_no_passage_uses_weighs_what_its_legal_term_says() -> None:
    """ "走人" is in no law; it is found only as 解除劳动合同, a phrase of common words. It
    weighs what finding those words says, not the rarity of a word never seen, so a
    passage on 解除劳动合同 does not outweigh the one holding the question's 违约金."""
    seen = {"违约金": 6.2, "解除": 2.75, "劳动合同": 2.24, "劳动": 0.74, "合同": 1.87}

    def corpus_idf(word: str) -> float:
        return seen.get(word, 8.9)  # 8.9: never seen, as the retriever's idf says

    question = Question.read("干不满两年走人要赔违约金吗", corpus_idf)
    assert question.words["走人"] == 2.75  # its term's rarest word, 解除
    assert question.words["违约金"] == 6.2
    penalty = "用人单位不得与劳动者约定由劳动者承担违约金。"
    leaving = "劳动者提前三十日以书面形式通知用人单位，可以解除劳动合同。"
    assert question.coverage(penalty) > question.coverage(leaving)


def test_a_subsidy_named_that_no_passage_names_counts_as_missing() -> None:
    """ "结婚有补贴吗" names 结婚补贴; the 社会保险补贴 passage says 补贴 but not that one.
    "能有补贴吗" names none, and "社保补贴" is the passage's 社会保险补贴."""
    from knowledge.policies.answerability import answerability_features

    subsidy = "就业困难人员灵活就业后缴纳了社会保险费的，可以申请社会保险补贴。"

    def benefit_missing(text: str) -> float:
        readings = read_passages(
            Question.read(text, idf),
            [
                citation(
                    subsidy, title="社会保险补贴：政策解读", article=None, chapter="二、谁能享受"
                )
            ],
            weights=BY_CONTENT,
        )
        return answerability_features(readings[0].question, readings, 20.0)["benefit_missing"]

    assert benefit_missing("失业人员结婚有补贴吗") == 1.0
    assert benefit_missing("失业人员买车有补贴吗") == 1.0
    assert benefit_missing("我是就业困难人员，现在打零工自己交社保，能有补贴吗") == 0.0
    assert benefit_missing("社保补贴去哪儿申请") == 0.0


def test_a_quantity_of_ones_own_case_weighs_little() -> None:
    # "一个月" told the situation; 实施条例第二十条's "一个月工资" read as the answer to
    # "饭店一个月只让休两天，合法吗" before 劳动法第三十八条 (每周至少休息一日).
    question = Question.read("饭店一个月只让休两天，这个合法吗", lambda w: 5.0)
    assert question.words["一个月"] <= SINGLE_CHAR_WEIGHT
    assert question.words["饭店"] == 5.0
    # An amount asked for or insisted on is the point of the question, not the situation.
    assert Question.read("就说能领5万块", lambda w: 5.0).words["万块"] == 5.0


def test_the_clause_with_figures_in_the_units_of_the_case_decides_it() -> None:
    """ "签了两年的合同，试用期要半年": 劳动合同法第十九条 sets the longest probation by the
    contract's length in years and months; 第二十一条 speaks of probation too but states no
    such figure. With the question's words found equally in both, the tiers answer."""
    tiers = citation(
        "第十九条 劳动合同期限三个月以上不满一年的，试用期不得超过一个月；劳动合同期限一年以上"
        "不满三年的，试用期不得超过二个月；三年以上固定期限和无固定期限的劳动合同，试用期不得超过"
        "六个月。",
        title="中华人民共和国劳动合同法", article="第十九条", chunk="a19",
    )  # fmt: skip
    other = citation(
        "第二十一条 在试用期中，除劳动者有本法第三十九条和第四十条第一项、第二项规定的情形外，"
        "用人单位不得解除劳动合同。用人单位在试用期解除劳动合同的，应当向劳动者说明理由。",
        title="中华人民共和国劳动合同法", article="第二十一条", chunk="a21",
    )  # fmt: skip
    question = Question.read("签了两年的合同，老板说试用期要半年，中不中啊", lambda w: 3.0)
    assert question.units == {"年"}
    plain = SelectionWeights(
        rank=0.0, coverage=0.0, clause=0.0, kind=0.0, heading=0.0, article=0.0,
        similarity=0.0, similarity_floor=0.85, segment_kind=0.0, segment_coverage=0.0,
    )  # fmt: skip
    readings = read_passages(question, [other, tiers], weights=plain)
    assert readings[0].citation.article == "第十九条"
    assert readings[0].score - readings[1].score == SITUATION
