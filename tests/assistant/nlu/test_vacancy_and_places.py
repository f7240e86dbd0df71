"""Job-search filters, places, and which policy a message names."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.nlu import NLU
from assistant.nlu.models import VacancyQuery
from connectors.vacancies.models import Education, EmploymentType
from tests.assistant.nlu.conftest import TODAY

# (text, expected VacancyQuery fields; fields left out must be at their defaults)
SEARCHES: list[tuple[str, dict[str, Any]]] = [
    (
        "金水区有没有月薪6000以上的厨师工作",
        {"keywords": "厨师", "district": "金水区", "salary_min": 6000.0},
    ),
    ("找个兼职", {"employment_type": "PART_TIME"}),
    ("附近有什么招聘", {"near_me": True}),
    ("有没有Python开发的职位", {"keywords": "Python开发"}),
    ("想找个仓库管理员的工作，工资不低于5千", {"keywords": "仓库管理员", "salary_min": 5000.0}),
    ("月薪八千以上的销售有吗", {"keywords": "销售", "salary_min": 8000.0}),
    ("想找份8k以上的销售工作", {"keywords": "销售", "salary_min": 8000.0}),
    ("有没有1.2万以上的司机岗位", {"keywords": "司机", "salary_min": 12000.0}),
    ("找个日结的搬运工", {"keywords": "搬运工", "employment_type": "PER_DIEM"}),
    ("有没有实习岗位", {"employment_type": "INTERN"}),
    ("我是大专学历，想找个文员工作", {"keywords": "文员", "education": "ASSOCIATE"}),
    ("本科毕业找个会计的工作", {"keywords": "会计", "education": "BACHELOR"}),
    ("家门口有没有招保洁的", {"keywords": "保洁", "near_me": True}),
    ("离我近的全职司机工作", {"keywords": "司机", "near_me": True, "employment_type": "FULL_TIME"}),
    ("二七区招不招服务员", {"keywords": "服务员", "district": "二七区"}),
    ("郑东新区有没有前台的工作", {"keywords": "前台", "district": "郑东新区"}),
    ("日薪200以上的零工", {"employment_type": "PER_DIEM", "salary_min": 4350.0}),
    ("找个年薪20万以上的Java工程师", {"keywords": "Java工程师", "salary_min": 16667.0}),
    ("郑州有招电工的吗", {"keywords": "电工"}),  # a city is a region, not a district
    ("上街区有没有工厂招普工", {"keywords": "工厂 普工", "district": "上街区"}),
    ("我会开叉车，有活吗", {"keywords": "开叉车"}),
    ("求职，会计，三年经验", {"keywords": "会计"}),
    ("附近的快餐店招不招人", {"keywords": "快餐店", "near_me": True}),
]


@pytest.mark.parametrize(("text", "expected"), SEARCHES)
def test_vacancy_query(nlu: NLU, text: str, expected: dict[str, Any]) -> None:
    result = nlu.understand(text, today=TODAY)
    assert result.intent == "vacancy_search"
    assert result.vacancy is not None
    # Every filter not named stays at its default: nothing read that was not said.
    defaults = VacancyQuery().model_dump()
    assert result.vacancy.model_dump() == {**defaults, **expected}


def test_filters_are_what_the_vacancy_connector_reads(rules_nlu: NLU) -> None:
    query = rules_nlu.understand("我是本科学历，想找个兼职", today=TODAY).vacancy
    assert query is not None and query.employment_type and query.education
    assert EmploymentType.parse(query.employment_type) is EmploymentType.PART_TIME
    assert Education.parse(query.education) is Education.BACHELOR


def test_pay_per_day_is_turned_into_pay_per_month(rules_nlu: NLU) -> None:
    query = rules_nlu.understand("找个工资200元/天以上的小工", today=TODAY).vacancy
    assert query is not None
    assert query.salary_min == 4350.0  # 200 × 21.75 paid days a month


def test_no_vacancy_query_for_other_intents(nlu: NLU) -> None:
    assert nlu.understand("失业保险金怎么申请", today=TODAY).vacancy is None


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("金水区有没有厨师工作", "410105"),
        ("郑州的失业金怎么领", "410100"),
        ("北京市海淀区的就业服务中心在哪", "110108"),
        ("河南省的稳岗返还政策", "410000"),
        ("失业金怎么领", None),
    ],
)
def test_region_of_a_place_named(rules_nlu: NLU, text: str, region: str | None) -> None:
    assert rules_nlu.understand(text, today=TODAY).region == region


# (text, policy id)
POLICIES: list[tuple[str, str | None]] = [
    ("失业金怎么领", "unemployment_benefit"),
    ("我能领失业保险金吗", "unemployment_benefit"),
    ("失业补助金是咋回事", "unemployment_benefit"),
    ("失业了每个月能领多少钱", "unemployment_benefit"),
    ("扩岗补助怎么申请", "one_time_hiring_subsidy"),
    ("我们招了应届生有补贴吗", "one_time_hiring_subsidy"),
    ("稳岗返还什么时候发", "job_retention_refund"),
    ("技能提升补贴能领多少", "skills_upgrade_subsidy"),
    ("考了证有补贴吗", "skills_upgrade_subsidy"),
    ("社保补贴怎么申请", "social_insurance_subsidy"),
    ("招用就业困难人员有社保补贴吗", "social_insurance_subsidy"),
    ("灵活就业人员的社保补贴怎么领", "social_insurance_subsidy_flexible"),
    # One had already, another asked about: the one asked about, whatever the lengths.
    ("享受了一次性扩岗补助，还能申请稳岗返还吗", "job_retention_refund"),
    ("我拿过技能提升补贴，还能领失业金吗", "unemployment_benefit"),
    ("领了一次性求职创业补贴，还能申请创业贷吗", "startup_guarantee_loan"),
    ("申请过创业担保贷款，还能再申请吗", "startup_guarantee_loan"),
    ("我在打零工，社保补贴能申请吗", "social_insurance_subsidy_flexible"),
    ("求职创业补贴怎么领", "job_search_grant"),
    ("创业担保贷款最多贷多少", "startup_guarantee_loan"),
    ("想创业，能贷款吗", "startup_guarantee_loan"),
    ("就业困难人员认定要什么材料", "employment_difficulty_status"),
    ("我算不算就业困难人员", "employment_difficulty_status"),
    ("我能领哪些补贴", None),
    ("我们公司能申请哪些补贴", None),
    # typed with the wrong character (补帖, 失业经), and meant without being named
    ("求职创业补帖能领吗", "job_search_grant"),
    ("技能提升补帖 考了个中级工证 能申请不", "skills_upgrade_subsidy"),
    ("失业经能领多久", "unemployment_benefit"),
    ("失业经历对找工作有影响吗", None),
    ("打零工，自己交着社保，这个有补贴没", "social_insurance_subsidy_flexible"),
    ("想跟同学开个奶茶店，营业执照正在办，能贷款吗", "startup_guarantee_loan"),
    ("想去学电焊考个证，考下来有补贴吗", "skills_upgrade_subsidy"),
    # a policy's name inside a fact about the person is not the policy asked about
    ("我现在在领失业金，技能补贴能申请吗", "skills_upgrade_subsidy"),
    ("已经认定为就业困难人员，打零工，社保补贴能补多久", "social_insurance_subsidy_flexible"),
    ("还有一个是认定过的就业困难人员，合同签了", None),
]


@pytest.mark.parametrize(("text", "policy_id"), POLICIES)
def test_policy_named(rules_nlu: NLU, text: str, policy_id: str | None) -> None:
    assert rules_nlu.understand(text, today=TODAY).policy_id == policy_id


@pytest.mark.parametrize(
    "text",
    ["不是，员工没有被认定为就业困难人员", "我已经认定过就业困难人员", "还没认定就业困难人员"],
)
def test_a_status_certified_or_not_names_no_policy_to_check(rules_nlu: NLU, text: str) -> None:
    """Answering whether a hire is certified does not switch the check to 就业困难人员认定."""
    reading = rules_nlu.understand(text, today=TODAY)
    assert reading.policy_id is None or reading.policy_in_facts


def test_a_policy_named_only_inside_a_fact_is_marked_so(rules_nlu: NLU) -> None:
    inside = rules_nlu.understand("今年已经用技师证领过一次技能提升补贴了", today=TODAY)
    assert inside.policy_id == "skills_upgrade_subsidy" and inside.policy_in_facts
    asked = rules_nlu.understand("技能提升补贴能领多少", today=TODAY)
    assert asked.policy_id == "skills_upgrade_subsidy" and not asked.policy_in_facts


def test_a_policy_named_with_the_persons_facts_is_a_case_to_check(rules_nlu: NLU) -> None:
    # However it is asked ("怎么领", "最多能贷多少"), the person describes their case.
    for text in (
        "求职创业补贴怎么领？我是今年的毕业生",
        "我是退役军人，营业执照已经办下来了，创业担保贷款最多能贷多少？",
    ):
        assert rules_nlu.understand(text, today=TODAY).intent == "provide_facts", text
    # A fact the policy does not ask about leaves the question a question.
    assert rules_nlu.understand("我45岁，求职创业补贴怎么领", today=TODAY).intent != (
        "provide_facts"
    )


def test_only_known_policies_are_named() -> None:
    from knowledge.rules.loader import load_policies

    rules = {k: v for k, v in load_policies().items() if k != "unemployment_benefit"}
    nlu = NLU(policies=rules)
    assert nlu.understand("失业金怎么领", today=TODAY).policy_id is None
    assert nlu.understand("稳岗返还怎么领", today=TODAY).policy_id == "job_retention_refund"
