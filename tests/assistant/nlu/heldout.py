"""Utterances that are NOT in intents.yaml, for measuring intent accuracy.

Each case: (text, pending facts, active policy, expected intent). Written apart from the
training examples; test_lexicon checks that none of them is a training example.
"""

from __future__ import annotations

from assistant.models import Intent

HeldOut = tuple[str, tuple[str, ...], str | None, Intent]

HELD_OUT: list[HeldOut] = [
    # policy_question
    ("失业保险金的申领需要哪些手续", (), None, "policy_question"),
    ("请问稳岗返还资金怎么申报", (), None, "policy_question"),
    ("技能提升补贴的补贴标准是多少", (), None, "policy_question"),
    ("社会保险法里关于失业保险金领取期限的规定", (), None, "policy_question"),
    ("创业担保贷款要找谁担保", (), None, "policy_question"),
    ("领取失业保险金期间生病了医疗费怎么报销", (), None, "policy_question"),
    ("一次性扩岗补助的申报时间是什么时候", (), None, "policy_question"),
    ("求职创业补贴的发放对象是谁", (), None, "policy_question"),
    # eligibility_check
    ("我被单位解除合同了，能拿失业保险金吗", (), None, "eligibility_check"),
    ("我这种情况能领多少钱", (), None, "eligibility_check"),
    ("我们单位想知道能不能申请一次性扩岗补助", (), None, "eligibility_check"),
    ("我去年毕业的，现在还能领求职补贴吗", (), None, "eligibility_check"),
    ("帮我看下我符不符合创业贷款的条件", (), None, "eligibility_check"),
    ("我们厂今年能拿多少稳岗返还", (), None, "eligibility_check"),
    ("我拿了高级工证书，能申请技能提升补贴吗", (), None, "eligibility_check"),
    ("我是残疾人，可以认定就业困难吗", (), None, "eligibility_check"),
    # provide_facts
    ("我是被单位解除劳动合同的", (), "unemployment_benefit", "provide_facts"),
    ("缴了七年", ("contribution_years",), "unemployment_benefit", "provide_facts"),
    ("今年四十八岁", ("age",), None, "provide_facts"),
    ("对，办过了", ("registered_unemployed",), "unemployment_benefit", "provide_facts"),
    ("没签", ("labor_contract_signed",), "one_time_hiring_subsidy", "provide_facts"),
    ("要是我只交了半年呢", (), "unemployment_benefit", "provide_facts"),
    ("我们单位一共有三百多名职工", (), "job_retention_refund", "provide_facts"),
    ("选第三个", ("certificate_level",), "skills_upgrade_subsidy", "provide_facts"),
    # vacancy_search
    ("帮忙找一下管城回族区招保洁阿姨的", (), None, "vacancy_search"),
    ("有没有月薪过万的程序员岗位", (), None, "vacancy_search"),
    ("我想在惠济区找个厨房帮工", (), None, "vacancy_search"),
    ("附近有没有招送餐员的", (), None, "vacancy_search"),
    ("有没有适合四十多岁女的工作", (), None, "vacancy_search"),
    ("日结的搬运工有吗", (), None, "vacancy_search"),
    ("本科学历能找什么工作", (), None, "vacancy_search"),
    ("我会电焊，哪里要人", (), None, "vacancy_search"),
    # service_points
    ("离我家最近的人社服务大厅在哪", (), None, "service_points"),
    ("办理失业登记到哪个部门", (), None, "service_points"),
    ("金水区就业服务中心几点下班", (), None, "service_points"),
    ("附近有零工驿站吗", (), None, "service_points"),
    ("请问在哪能办理就业登记", (), None, "service_points"),
    # handoff_request
    ("我想和人工客服聊", (), None, "handoff_request"),
    ("请帮我联系一下工作人员", (), None, "handoff_request"),
    ("能转接真人服务吗", (), None, "handoff_request"),
    ("找个懂行的人跟我说", (), None, "handoff_request"),
    ("我不想跟机器说话", (), None, "handoff_request"),
    # greeting
    ("你好，在吗", (), None, "greeting"),
    ("嗨，小助手", (), None, "greeting"),
    ("早上好呀", (), None, "greeting"),
    ("您好啊", (), None, "greeting"),
    # thanks
    ("好的，非常感谢", (), None, "thanks"),
    ("谢谢你啊，帮大忙了", (), None, "thanks"),
    ("行，我明白了，多谢", (), None, "thanks"),
    ("感谢感谢", (), None, "thanks"),
    # reset
    ("重新来一遍吧", (), None, "reset"),
    ("我们换个话题吧", (), None, "reset"),
    ("算了不问了", (), None, "reset"),
    ("清除一下，从头开始", (), None, "reset"),
    # out_of_scope
    ("今晚吃什么好", (), None, "out_of_scope"),
    ("帮我写一首关于春天的诗", (), None, "out_of_scope"),
    ("最近哪只股票能涨", (), None, "out_of_scope"),
    ("你喜欢什么颜色", (), None, "out_of_scope"),
    ("周杰伦的新歌叫什么", (), None, "out_of_scope"),
    ("怎么做蛋糕", (), None, "out_of_scope"),
]
