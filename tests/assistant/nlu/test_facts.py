"""Facts in the words people use, checked against the shared vocabulary."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from assistant.nlu import NLU
from knowledge.rules.facts import coerce_facts
from knowledge.rules.loader import load_facts
from tests.assistant.nlu.conftest import TODAY

# (text, pending, expected facts: each must be in the result with this value)
STATED: list[tuple[str, tuple[str, ...], dict[str, Any]]] = [
    # numbers: Arabic, Chinese, full-width
    ("我今年35岁", (), {"age": 35}),
    ("今年三十五", (), {"age": 35}),
    ("我45了", (), {"age": 45}),
    ("我都五十二岁了", (), {"age": 52}),
    ("我今年４５岁", (), {"age": 45}),
    # contribution years: both facts, years and months
    ("交了5年失业保险", (), {"contribution_years": 5.0, "unemployment_insurance_years": 5.0}),
    ("缴了十二年", (), {"contribution_years": 12.0, "unemployment_insurance_years": 12.0}),
    ("社保交了一年半", (), {"contribution_years": 1.5, "unemployment_insurance_years": 1.5}),
    ("交了两年三个月", (), {"contribution_years": 2.25}),
    ("交了18个月", (), {"contribution_years": 1.5, "unemployment_insurance_years": 1.5}),
    ("公司给我交了8年社保", (), {"contribution_years": 8.0}),
    ("参保年限是6年", (), {"contribution_years": 6.0}),
    ("有3年的失业保险", (), {"unemployment_insurance_years": 3.0}),
    # spans of unemployment
    ("失业半年了", (), {"unemployed_months": 6, "reemployed": False}),
    ("失业一年多", (), {"unemployed_months": 12}),
    ("已经三个月没找到工作了", (), {"unemployed_months": 3}),
    ("离退休还有两年", (), {"months_to_retirement": 24}),
    # separation, with polarity
    ("我是被公司辞退的", (), {"involuntary_separation": True}),
    ("被裁员了", (), {"involuntary_separation": True}),
    ("合同到期公司不续签了", (), {"involuntary_separation": True}),
    ("公司倒闭了", (), {"involuntary_separation": True}),
    ("老板把我开除了", (), {"involuntary_separation": True}),
    ("我是自己辞职的", (), {"involuntary_separation": False}),
    ("主动离职的", (), {"involuntary_separation": False}),
    ("自己主动提的辞职，这种能不能领失业金啊", (), {"involuntary_separation": False}),
    ("不是被辞退的，是我自己不想干了", (), {"involuntary_separation": False}),
    ("不是我自己要走的", (), {"involuntary_separation": True}),
    # registration and other yes/no facts
    ("办了失业登记", (), {"registered_unemployed": True}),
    ("失业登记已经办好了", (), {"registered_unemployed": True}),
    ("还没办失业登记", (), {"registered_unemployed": False}),
    ("我还没登记", (), {"registered_unemployed": False}),
    ("一直在找工作", (), {"seeking_work": True}),
    ("暂时不想找工作", (), {"seeking_work": False}),
    ("已经找到新工作了", (), {"reemployed": True}),
    ("还没找到工作", (), {"reemployed": False}),
    ("还没有重新就业", (), {"reemployed": False}),
    ("没有重新上班", (), {"reemployed": False}),
    ("已经重新就业了", (), {"reemployed": True}),
    ("我已经在领养老金了", (), {"receiving_pension": True}),
    ("还没退休", (), {"receiving_pension": False}),
    ("我现在在打零工", (), {"flexible_employment": True}),
    ("我是跑外卖的", (), {"flexible_employment": True}),
    ("我自己交了社保", (), {"flexible_social_insurance_paid": True}),
    ("我是大专毕业", (), {"is_college_graduate": True}),
    ("高中学历", (), {"is_college_graduate": False}),
    ("我是应届生", (), {"graduating_student": True}),
    ("已经和员工签了劳动合同", (), {"labor_contract_signed": True}),
    ("还没签劳动合同", (), {"labor_contract_signed": False}),
    ("我正在领失业金", (), {"receiving_unemployment_benefit": True}),
    ("没领过失业金", (), {"receiving_unemployment_benefit": False}),
    ("我已经被认定为就业困难人员", (), {"is_employment_difficulty": True}),
    ("没有认定过就业困难", (), {"is_employment_difficulty": False}),
    ("我自己创业开了家小饭店", (), {"self_employed_startup": True}),
    ("办了就业登记", (), {"employment_registered": True}),
    ("今年还没领过技能提升补贴", (), {"claimed_same_level_this_year": False}),
    # enums
    ("拿了初级工证书", (), {"certificate_level": "level5"}),
    ("我考了个中级电工证", (), {"certificate_level": "level4"}),
    ("高级工", (), {"certificate_level": "level3"}),
    ("我是技师", (), {"certificate_level": "level2"}),
    ("高级技师证书", (), {"certificate_level": "level1"}),
    ("我们是大型企业", (), {"enterprise_size": "large"}),
    ("我们是小微企业", (), {"enterprise_size": "small_medium_micro"}),
    ("我们是中小企业", (), {"enterprise_size": "small_medium_micro"}),
    ("我家是低保户", (), {"hardship_category": "low_income_family"}),
    ("我是残疾人", (), {"hardship_category": "disabled"}),
    ("家里是脱贫户", (), {"hardship_category": "poverty_alleviated_family"}),
    ("上学时贷了助学贷款", (), {"hardship_category": "student_loan"}),
    ("我是退役军人", (), {"startup_group": "veteran"}),
    ("我家是零就业家庭", (), {"difficulty_category": "zero_employment_household"}),
    ("我是失地农民", (), {"difficulty_category": "landless_farmer"}),
    ("以个人名义申请", (), {"applicant_type": "individual"}),
    # employer facts
    ("公司有50个人", (), {"employee_count": 50}),
    ("我们单位一共有三百多名职工", (), {"employee_count": 300}),
    ("参保职工平均每月120人", (), {"employer_insured_count": 120}),
    ("裁员率3%", (), {"layoff_rate_percent": 3.0}),
    ("去年裁员率是百分之二点五", (), {"layoff_rate_percent": 2.5}),
    ("新招的人占比是20%", (), {"new_hire_share_percent": 20.0}),
    ("我们公司去年足额缴了12个月失业保险", (), {"ui_contribution_months_last_year": 12}),
    ("招了一个22岁的小伙子", (), {"hire_age": 22}),
    ("给他交了6个月社保", (), {"hire_insurance_months": 6, "hire_social_insurance_paid": True}),
    ("招了个应届毕业生", (), {"hire_group": "graduating_student"}),
    ("招用的是就业困难人员", (), {"hire_is_employment_difficulty": True}),
    # dates, relative to TODAY (2025-03-15)
    ("我是去年6月毕业的", (), {"graduation_date": date(2024, 6, 30)}),
    ("2024年6月30日毕业", (), {"graduation_date": date(2024, 6, 30)}),
    ("毕业时间是2023-07-01", (), {"graduation_date": date(2023, 7, 1)}),
    ("去年毕业的", (), {"graduation_date": date(2024, 6, 30)}),
    ("员工是今年1月招的", (), {"hire_date": date(2025, 1, 31)}),
    ("2024年9月1日招用的", (), {"hire_date": date(2024, 9, 1)}),
    ("我是24年毕业的", (), {"graduation_date": date(2024, 6, 30)}),
    (
        "他是去年7月毕业的，今年1月招的",
        (),
        {"hire_graduation_date": date(2024, 7, 31), "hire_date": date(2025, 1, 31)},
    ),
    # several facts, and facts about a hire kept apart from the user's own (None: absent)
    (
        "本人四十岁，单位缴了六年半的失业保险，上个月被辞退",
        (),
        {"age": 40, "contribution_years": 6.5, "involuntary_separation": True},
    ),
    (
        "我是2023年7月大学毕业的，到现在还没找到工作",
        (),
        {"graduation_date": date(2023, 7, 31), "is_college_graduate": True, "reemployed": False},
    ),
    (
        "我今年刚从郑州大学毕业，家里是建档立卡户",
        (),
        {
            "graduating_student": True,
            "is_college_graduate": True,
            "hardship_category": "poverty_alleviated_family",
        },
    ),
    (
        "离职半年了，一直没工作，失业登记也办了",
        (),
        {"unemployed_months": 6, "reemployed": False, "registered_unemployed": True},
    ),
    (
        "我现在跑滴滴，自己交的灵活就业社保",
        (),
        {"flexible_employment": True, "flexible_social_insurance_paid": True},
    ),
    (
        "我们公司上年度平均参保人数是85人，裁员率百分之一点五",
        (),
        {"employer_insured_count": 85, "layoff_rate_percent": 1.5, "employee_count": None},
    ),
    # dialect, corrections, and facts said around the edges of a sentence (issue 25)
    ("在厂里干了九年，一直交着失业保险", (), {"contribution_years": 9.0}),
    ("合同到期公司不跟我续了", (), {"involuntary_separation": True}),
    ("公司突然把我辞退了", (), {"involuntary_separation": True}),
    ("我还没开始领养老金呢，手续还在办", (), {"receiving_pension": False}),
    ("我快退休了", (), {"receiving_pension": False}),
    ("我今年退休了", (), {"receiving_pension": True}),
    ("他还没找到活，也没退休", (), {"reemployed": False, "seeking_work": True}),
    ("她现在到处投简历找工作", (), {"seeking_work": True, "reemployed": False}),
    ("来电人说登记了", (), {"registered_unemployed": True}),
    (
        "俺是残疾人，在家闲着没活干",
        (),
        {"difficulty_category": "unemployed_disabled", "reemployed": False},
    ),
    (
        "我开滴滴的，自己交着养老和医疗",
        (),
        {"flexible_employment": True, "flexible_social_insurance_paid": True},
    ),
    ("营业执照已经办下来了", (), {"self_employed_startup": True}),
    ("执照上礼拜刚下来", (), {"self_employed_startup": True}),
    ("营业执照正在办", (), {"self_employed_startup": True}),
    ("想开个早餐店", (), {"self_employed_startup": None}),
    ("我想去学电焊考个证", (), {"certificate_level": "none"}),
    (
        "今年已经用技师证领过一次技能提升补贴了",
        (),
        {"certificate_level": "level2", "claimed_same_level_this_year": True},
    ),
    ("今年没用它领过", (), {"claimed_same_level_this_year": False}),
    ("她不是困难人员", (), {"is_employment_difficulty": False}),
    ("人还没去认定过", (), {"is_employment_difficulty": False}),
    ("工伤还没认定", (), {"is_employment_difficulty": None}),
    ("我是今年的毕业生", (), {"graduating_student": True}),
    ("在领失业金", (), {"receiving_unemployment_benefit": True}),
    ("一个人都没裁", (), {"layoff_rate_percent": 0.0}),
    ("我没被裁", (), {"layoff_rate_percent": None, "involuntary_separation": False}),
    ("现在120个职工，今年新招了12个高校毕业生", (), {"employee_count": 120, "new_hire_count": 12}),
    ("签了三年合同", (), {"labor_contract_signed": True}),
    ("社保也给她交上了", (), {"hire_social_insurance_paid": True}),
    ("社保一直交着", (), {"hire_social_insurance_paid": True}),
    (
        "街道已经认定她是就业困难人员了",
        (),
        {"hire_is_employment_difficulty": True, "is_employment_difficulty": None},
    ),
    (
        "招了个办过失业登记的小伙子",
        (),
        {"hire_group": "registered_unemployed_youth", "registered_unemployed": None},
    ),
    ("他招进来的时候已经25了", (), {"hire_age": 25, "age": None}),
    (
        "去年9月招了一个应届大学毕业生",
        (),
        {"hire_date": date(2024, 9, 30), "hire_group": "graduating_student"},
    ),
    ("今年又招了两个应届的", (), {"hire_date": date(2025, 1, 31)}),
    (
        "招了一个2024年6月毕业、之后一直没工作的大学生",
        (),
        {"hire_group": "unemployed_graduate", "graduation_date": date(2024, 6, 30)},
    ),
    ("招了一个22岁的小伙子，我今年40岁", (), {"hire_age": 22, "age": 40}),
    ("给员工交了一年半社保", (), {"hire_insurance_months": 18, "contribution_years": None}),
    (
        "员工已被认定为就业困难人员",
        (),
        {"hire_is_employment_difficulty": True, "is_employment_difficulty": None},
    ),
]


@pytest.mark.parametrize(("text", "pending", "expected"), STATED)
def test_stated_facts(
    rules_nlu: NLU, text: str, pending: tuple[str, ...], expected: dict[str, Any]
) -> None:
    facts = rules_nlu.understand(text, pending=pending, today=TODAY).facts
    assert {k: facts.get(k) for k in expected} == expected, facts


def test_several_facts_in_one_message(nlu: NLU) -> None:
    result = nlu.understand("我今年45岁，被公司裁员了，交了12年失业保险", today=TODAY)
    assert result.facts == {
        "age": 45,
        "involuntary_separation": True,
        "contribution_years": 12.0,
        "unemployment_insurance_years": 12.0,
    }


def test_what_if_in_a_conversation(nlu: NLU) -> None:
    result = nlu.understand(
        "那如果我交了12年呢？", active_policy="unemployment_benefit", today=TODAY
    )
    assert result.intent == "provide_facts"
    assert result.facts["contribution_years"] == 12
    assert result.policy_id is None  # the conversation's policy stays the caller's


def test_what_is_inferred_is_reported_with_the_words(rules_nlu: NLU) -> None:
    # "还没找到工作" says the person looked for work; "快退休" that no pension is drawn yet.
    result = rules_nlu.understand("被公司裁了，还没找到工作", today=TODAY)
    assert result.facts["seeking_work"] is True
    assert result.inferred == {"seeking_work": "还没找到工作"}
    retiring = rules_nlu.understand("我快退休了", today=TODAY)
    assert retiring.inferred == {"receiving_pension": "快退休"}


def test_every_value_passes_the_vocabulary(rules_nlu: NLU) -> None:
    vocabulary = load_facts()
    for text, pending, _ in STATED:
        facts = rules_nlu.understand(text, pending=pending, today=TODAY).facts
        assert coerce_facts(facts, vocabulary) == facts, text


# (text, pending facts asked last turn, expected facts)
ANSWERS: list[tuple[str, tuple[str, ...], dict[str, Any]]] = [
    ("是的", ("involuntary_separation",), {"involuntary_separation": True}),
    ("对", ("registered_unemployed",), {"registered_unemployed": True}),
    ("嗯嗯", ("seeking_work",), {"seeking_work": True}),
    ("已经办了", ("registered_unemployed",), {"registered_unemployed": True}),
    ("有", ("labor_contract_signed",), {"labor_contract_signed": True}),
    ("不是", ("involuntary_separation",), {"involuntary_separation": False}),
    ("没有", ("receiving_pension",), {"receiving_pension": False}),
    ("还没", ("registered_unemployed",), {"registered_unemployed": False}),
    ("否", ("reemployed",), {"reemployed": False}),
    ("我还没办呢", ("registered_unemployed",), {"registered_unemployed": False}),
    (
        "是的，但是我还没办失业登记",
        ("involuntary_separation",),
        {
            "involuntary_separation": True,
            "registered_unemployed": False,
        },
    ),
    ("35", ("age",), {"age": 35}),
    ("三十五", ("age",), {"age": 35}),
    ("大概40岁吧", ("age",), {"age": 40}),
    ("5年", ("contribution_years",), {"contribution_years": 5.0}),
    ("5", ("contribution_years",), {"contribution_years": 5.0}),
    ("4.5", ("contribution_years",), {"contribution_years": 4.5}),
    ("一年半", ("unemployment_insurance_years",), {"unemployment_insurance_years": 1.5}),
    ("18个月", ("contribution_years",), {"contribution_years": 1.5}),
    ("八个月", ("unemployed_months",), {"unemployed_months": 8}),
    ("两年", ("unemployed_months",), {"unemployed_months": 24}),
    ("120人", ("employer_insured_count",), {"employer_insured_count": 120}),
    ("3%", ("layoff_rate_percent",), {"layoff_rate_percent": 3.0}),
    ("12", ("ui_contribution_months_last_year",), {"ui_contribution_months_last_year": 12}),
    # a bare figure as one clause, another clause stating a fact (fault 5)
    (
        "满十年了，公司倒闭了",
        ("contribution_years",),
        {"contribution_years": 10.0, "involuntary_separation": True},
    ),
    # the first open numeric fact takes a bare number, after a yes/no one
    ("5年", ("involuntary_separation", "contribution_years"), {"contribution_years": 5.0}),
    ("第二个", ("certificate_level",), {"certificate_level": "level4"}),
    ("选3", ("certificate_level",), {"certificate_level": "level3"}),
    ("1", ("hardship_category",), {"hardship_category": "low_income_family"}),
    ("都不是", ("hardship_category",), {"hardship_category": "none"}),
    ("技师", ("certificate_level",), {"certificate_level": "level2"}),
    (
        "小微企业",
        ("applicant_type",),
        {
            "applicant_type": "small_micro_enterprise",
            "enterprise_size": "small_medium_micro",  # stated too: a 小微企业 is one
        },
    ),
    (
        "城镇零就业家庭的成员",
        ("difficulty_category",),
        {"difficulty_category": "zero_employment_household"},
    ),
    ("2024-06-30", ("graduation_date",), {"graduation_date": date(2024, 6, 30)}),
    # the unit's months of contributions last year, asked for, not the person's years
    (
        "去年失业保险交满了12个月",
        ("ui_contribution_months_last_year",),
        {"ui_contribution_months_last_year": 12},
    ),
    # a date stated as another fact does not also answer the date asked (fault 5)
    ("2024年6月30日毕业的", ("hire_date",), {"graduation_date": date(2024, 6, 30)}),
    ("去年7月", ("hire_date",), {"hire_date": date(2024, 7, 31)}),
]


@pytest.mark.parametrize(("text", "pending", "expected"), ANSWERS)
def test_answers_to_the_pending_question(
    nlu: NLU, text: str, pending: tuple[str, ...], expected: dict[str, Any]
) -> None:
    result = nlu.understand(text, pending=pending, today=TODAY)
    assert result.facts == expected
    assert result.intent == "provide_facts"


@pytest.mark.parametrize(
    ("text", "pending"),
    [
        ("不知道", ("registered_unemployed",)),  # not an answer: the question stays open
        ("不清楚", ("age",)),
        ("5年", ("age",)),  # years are not an age
        ("15%", ("months_to_retirement",)),  # a share is not a number of months (fault 5)
        ("45岁", ("contribution_years",)),  # nor is an age a number of years (it is an age)
        ("50人", ("age",)),
        ("第九个", ("certificate_level",)),  # there is no ninth option
        ("200", ("age",)),  # out of range
        ("是的", ("age",)),  # a yes does not answer a number
    ],
)
def test_what_does_not_answer(rules_nlu: NLU, text: str, pending: tuple[str, ...]) -> None:
    facts = rules_nlu.understand(text, pending=pending, today=TODAY).facts
    assert not set(pending) & set(facts), facts


@pytest.mark.parametrize(
    "text",
    [
        "失业保险金怎么申请",
        "我是就业困难人员吗",  # asked, not stated
        "灵活就业社保补贴怎么申请",  # a policy's name, not the person's situation
        "我能领失业金吗",
        "领失业金期间医保怎么办",
        "16-24岁的青年有什么政策",  # an age range in a rule, not the person's age
        "公司裁员率多少算少裁员",  # a question about layoffs, not a layoff
        "你好",
    ],
)
def test_questions_state_no_facts(rules_nlu: NLU, text: str) -> None:
    assert rules_nlu.understand(text, today=TODAY).facts == {}


def test_a_smaller_vocabulary_only_gets_its_own_facts() -> None:
    vocabulary = {name: d for name, d in load_facts().items() if name == "age"}
    nlu = NLU(facts=vocabulary)
    result = nlu.understand("我45岁，交了12年", today=TODAY)
    assert result.facts == {"age": 45}


@pytest.mark.parametrize(
    ("text", "pending", "expected", "left_open"),
    [
        # The verb of a stated fact is not a yes to the pending yes/no question.
        (
            "交了2年失业保险",
            ("claimed_same_level_this_year", "unemployment_insurance_years"),
            {"unemployment_insurance_years": 2.0},
            "claimed_same_level_this_year",
        ),
        # A yes answers the first open yes/no question, even asked second.
        ("在找", ("months_to_retirement", "seeking_work"), {"seeking_work": True}, None),
        # A yes before a stated fact still answers.
        ("是的，35岁", ("registered_unemployed", "age"), {"registered_unemployed": True}, None),
    ],
)
def test_yes_no_answers_only_where_the_words_are_an_answer(
    nlu: NLU,
    text: str,
    pending: tuple[str, ...],
    expected: dict[str, Any],
    left_open: str | None,
) -> None:
    facts = nlu.understand(text, pending=pending, today=TODAY).facts
    assert expected.items() <= facts.items()
    if left_open:
        assert left_open not in facts


def test_several_facts_describe_a_situation_outside_a_check(nlu: NLU) -> None:
    understanding = nlu.understand("他45岁，打零工，自己交社保", today=TODAY)
    assert understanding.intent == "provide_facts"
    assert understanding.facts["age"] == 45 and understanding.facts["flexible_employment"]


def test_asking_for_an_employment_office_says_nothing_about_work() -> None:
    """Fault 18: "附近有没有就业服务网点" was read as "没有就业" (not reemployed)."""
    from assistant.nlu import NLU

    nlu = NLU()
    assert "reemployed" not in nlu.understand("附近有没有就业服务网点").facts
    assert nlu.understand("我一直没找到工作").facts["reemployed"] is False
