"""Intent by intent, with and without the embedder: realistic messages, in context."""

from __future__ import annotations

import pytest

from assistant.models import Intent
from assistant.nlu import NLU
from tests.assistant.nlu.conftest import TODAY

# (text, pending facts, active policy, intent). None of these is a training example.
CASES: list[tuple[str, tuple[str, ...], str | None, Intent]] = [
    # policy_question: how, what, which rule; amounts asked in general
    ("失业保险金到底怎么领", (), None, "policy_question"),
    ("领失业金要准备哪些材料", (), None, "policy_question"),
    ("社会保险法第四十五条是什么内容", (), None, "policy_question"),
    ("申请技能提升补贴的流程是怎样的", (), None, "policy_question"),
    ("稳岗返还政策具体怎么规定的", (), None, "policy_question"),
    ("领失业金的这段时间养老保险怎么交", (), None, "policy_question"),
    ("冒领失业保险金要承担什么责任", (), None, "policy_question"),
    ("创业担保贷款怎么申请，要什么手续", (), None, "policy_question"),
    ("就业困难人员认定的流程", (), None, "policy_question"),
    # eligibility_check: do I qualify, how much would I get
    ("我能不能领失业保险金", (), None, "eligibility_check"),
    ("我可以申请技能提升补贴吗", (), None, "eligibility_check"),
    ("像我这种情况符合条件吗", (), None, "eligibility_check"),
    ("我们企业能领多少扩岗补助", (), None, "eligibility_check"),
    ("创业担保贷款我能申请不", (), None, "eligibility_check"),  # 能…不: yes or no
    ("帮我算一下我能领多少失业金", (), None, "eligibility_check"),
    ("我有资格办创业担保贷款吗", (), None, "eligibility_check"),
    ("我们公司可以申请哪些政策补贴", (), None, "eligibility_check"),
    ("我能享受灵活就业社保补贴吗", (), None, "eligibility_check"),
    # provide_facts: answers and statements in a conversation
    ("35", ("age",), "unemployment_benefit", "provide_facts"),
    ("三十五岁", ("age",), "unemployment_benefit", "provide_facts"),
    ("是", ("involuntary_separation",), "unemployment_benefit", "provide_facts"),
    ("不是的", ("registered_unemployed",), "unemployment_benefit", "provide_facts"),
    ("嗯，办了", ("registered_unemployed",), "unemployment_benefit", "provide_facts"),
    ("交了5年", ("contribution_years",), "unemployment_benefit", "provide_facts"),
    ("那如果我交了12年呢？", (), "unemployment_benefit", "provide_facts"),
    ("我是被公司辞退的", (), "unemployment_benefit", "provide_facts"),
    ("我是被公司辞退的", ("involuntary_separation",), None, "provide_facts"),
    ("我今年45岁，被公司裁员了，交了12年失业保险", (), None, "provide_facts"),
    ("第一个", ("hardship_category",), "job_search_grant", "provide_facts"),
    ("2", ("certificate_level",), "skills_upgrade_subsidy", "provide_facts"),
    ("公司一共八十个员工", (), "job_retention_refund", "provide_facts"),
    ("假如我是自己辞职的呢", (), "unemployment_benefit", "provide_facts"),
    # vacancy_search
    ("金水区有没有月薪6000以上的厨师工作", (), None, "vacancy_search"),
    ("找个兼职", (), None, "vacancy_search"),
    ("附近有什么招聘", (), None, "vacancy_search"),
    ("帮我看看有没有招保安的", (), None, "vacancy_search"),
    ("二七区有电工的活吗", (), None, "vacancy_search"),
    ("想找份工资8k以上的销售工作", (), None, "vacancy_search"),
    ("有日结的零活吗", (), None, "vacancy_search"),
    ("哪里在招聘会计", (), None, "vacancy_search"),
    # service_points: a place to go
    ("最近的就业服务站在哪", (), None, "service_points"),
    ("附近哪里可以办失业登记", (), None, "service_points"),
    ("人才市场怎么走", (), None, "service_points"),
    ("中原区的就业服务中心地址在哪", (), None, "service_points"),
    ("离我最近的零工市场在哪里", (), None, "service_points"),
    ("线下去哪里办就业登记", (), None, "service_points"),
    # handoff_request
    ("转人工", (), None, "handoff_request"),
    ("我要找工作人员", (), None, "handoff_request"),
    ("人工客服", (), None, "handoff_request"),
    ("给我转个人工吧", (), None, "handoff_request"),
    ("让真人来回答我", (), None, "handoff_request"),
    ("我要投诉", (), None, "handoff_request"),
    # greeting
    ("你好", (), None, "greeting"),
    ("您好，在不在", (), None, "greeting"),
    ("哈喽哈喽", (), None, "greeting"),
    ("上午好", (), None, "greeting"),
    # thanks
    ("谢谢", (), None, "thanks"),
    ("好的，谢谢您", (), None, "thanks"),
    ("非常感谢", (), None, "thanks"),
    ("多谢了，很有帮助", (), None, "thanks"),
    # reset
    ("算了", (), "unemployment_benefit", "reset"),
    ("重新开始", ("age",), "unemployment_benefit", "reset"),
    ("换个问题", (), None, "reset"),
    ("不问这个了，我问点别的", (), None, "reset"),
    # out_of_scope
    ("今天天气怎么样", (), None, "out_of_scope"),
    ("帮我写首诗", (), None, "out_of_scope"),
    ("股票推荐", (), None, "out_of_scope"),
    ("给我讲个故事", (), None, "out_of_scope"),
    ("帮我写一份申请书，说我在公司干了10年", (), None, "out_of_scope"),
    ("明天会下雨吗", (), None, "out_of_scope"),
    ("番茄炒蛋怎么做", (), None, "out_of_scope"),
]


@pytest.mark.parametrize(("text", "pending", "active", "expected"), CASES)
def test_intent(
    nlu: NLU, text: str, pending: tuple[str, ...], active: str | None, expected: Intent
) -> None:
    result = nlu.understand(text, pending=pending, active_policy=active, today=TODAY)
    assert result.intent == expected, f"{text!r} -> {result.intent} ({result.confidence})"
    assert 0.0 <= result.confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("失业保险金最多能领多少个月", True),  # an amount
        ("扩岗补助的申请截止时间是什么时候", True),  # a deadline
        ("骗领失业金会被怎么处罚", True),  # a penalty
        ("失业保险金的领取条件是什么", True),  # eligibility
        ("月球开发补贴一个月能领多少钱", True),  # an amount, asked in general
        ("失业保险金怎么申请", False),  # a procedure
        ("领失业金需要带哪些材料", False),
    ],
)
def test_consequential_policy_questions(nlu: NLU, text: str, expected: bool) -> None:
    result = nlu.understand(text, today=TODAY)
    assert result.intent == "policy_question"
    assert result.consequential is expected


def test_eligibility_checks_are_consequential(nlu: NLU) -> None:
    assert nlu.understand("我能领失业金吗", today=TODAY).consequential


@pytest.mark.parametrize("text", ["你好", "谢谢", "找个兼职", "转人工", "算了"])
def test_other_intents_are_not_consequential(nlu: NLU, text: str) -> None:
    assert not nlu.understand(text, today=TODAY).consequential


def test_facts_without_context_still_come_back(nlu: NLU) -> None:
    """A job search can say facts too; they are returned whatever the intent."""
    result = nlu.understand("我45岁了，有没有适合我的保安工作", today=TODAY)
    assert result.intent == "vacancy_search"
    assert result.facts["age"] == 45


def test_an_eligibility_question_with_facts_stays_one(nlu: NLU) -> None:
    result = nlu.understand(
        "我交了3年社保，被辞退了，能领失业金吗",
        pending=("age",),
        active_policy="unemployment_benefit",
        today=TODAY,
    )
    assert result.intent == "eligibility_check"
    assert result.facts["contribution_years"] == 3
    assert result.facts["involuntary_separation"] is True


def test_a_pending_answer_does_not_hide_a_request_for_a_person(nlu: NLU) -> None:
    result = nlu.understand("不是，我要转人工", pending=("age",), today=TODAY)
    assert result.intent == "handoff_request"


def test_the_same_words_are_facts_only_in_a_conversation(rules_nlu: NLU) -> None:
    """A bare 是的 answers a question; on its own it answers nothing."""
    answered = rules_nlu.understand("是的", pending=("registered_unemployed",), today=TODAY)
    assert answered.facts == {"registered_unemployed": True}
    alone = rules_nlu.understand("是的", today=TODAY)
    assert alone.facts == {}


def test_confidence_is_lower_for_a_vague_message(embedded_nlu: NLU) -> None:
    clear = embedded_nlu.understand("转人工", today=TODAY)
    vague = embedded_nlu.understand("那个东西", today=TODAY)
    assert clear.confidence > vague.confidence
    assert vague.confidence < 0.7


@pytest.mark.parametrize("text", ["这个我也说不好", "不好说呀", "嗯，再想想"])
def test_reset_needs_its_own_words(nlu: NLU, text: str) -> None:
    """Starting over throws the conversation away: similarity alone never does it."""
    assert nlu.understand(text).intent != "reset"


@pytest.mark.parametrize("text", ["算了", "重新开始", "换个问题吧"])
def test_reset_words_reset(nlu: NLU, text: str) -> None:
    assert nlu.understand(text, pending=("age",)).intent == "reset"
