"""Packages built in conversations over the sample data: what each key group gets, what
employers get, and the follow-ups asked and answered across a restart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from assistant.engine import Assistant
from assistant.models import Reply, Turn
from assistant.packages.store import PackageStore
from tests.assistant.conftest import AssistantFactory

TODAY = date(2026, 12, 5)
ZHENGZHOU = "410100"


def say(assistant: Assistant, text: str, *, user: str = "u1", role: str = "job_seeker") -> Reply:
    return assistant.respond(
        Turn(
            channel="web",
            user_id=user,
            role=role,  # type: ignore[arg-type]
            region=ZHENGZHOU,
            text=text,
            on_date=TODAY,
        )
    )


def store_of(assistant: Assistant) -> PackageStore:
    return assistant.toolbox.packages


def test_a_graduate_builds_a_profile_over_turns_and_gets_a_cited_package(
    make_assistant: AssistantFactory,
) -> None:
    assistant = make_assistant()
    say(assistant, "我今年6月大学毕业，还没找到工作")
    say(assistant, "我想在金水区找会计的工作")
    reply = say(assistant, "给我一个就业服务包")

    assert reply.intent == "service_package"
    assert [c.name for c in reply.tool_calls] == ["build_service_package"]
    package = reply.package
    assert package is not None and package.id is not None
    assert package.profile.group_codes == ["graduate"]
    assert package.profile.wishes.occupation == "会计"
    assert package.profile.wishes.district == "金水区"
    # The benefit a graduate of the year may claim, with the sample amount and what is
    # still to confirm; unemployment benefit (needs years of contributions) is not offered.
    titles = [b.title for b in package.benefits]
    assert titles == ["一次性求职创业补贴"]
    grant = package.benefits[0]
    assert any("999元" in a for a in grant.amounts)
    assert "家庭或本人的困难情形" in grant.missing
    assert grant.sources and grant.apply is not None
    # Vacancies match the wish, service points are in the wished district.
    assert package.vacancies and all("金水区" in v.vacancy.place for v in package.vacancies)
    assert all(v.source for v in package.vacancies)
    assert package.service_points
    assert all(h.point.district == "金水区" for h in package.service_points)
    assert package.training and package.training[0].sources
    assert {d.name for d in package.documents} >= {"申请表"}
    assert package.follow_up_dates == [TODAY + timedelta(days=7), TODAY + timedelta(days=30)]
    # The text cites: each need and benefit names its provision, and the explainer passage.
    assert "《中华人民共和国就业促进法》第三十五条" in reply.text
    assert "一次性求职创业补贴：政策解读" in reply.text
    assert any(c.title.startswith("一次性求职创业补贴") for c in reply.citations)
    assert "12月12日和1月4日" in reply.text
    # Stored with the session and visible to caseworkers.
    stored = store_of(assistant).for_session(reply.session_id)
    assert [s.id for s in stored] == [package.id]
    assert stored[0].key_groups == ["graduate"]
    assert [f.day for f in stored[0].follow_ups] == [7, 30]


@pytest.mark.parametrize(
    ("message", "occupation", "district", "salary_min"),
    [
        ("我今年52岁，想找保洁的活，给我一个就业服务包", "保洁", None, None),
        (
            "我今年毕业，想找月薪5000以上的客服工作，离二七区近一点，出个就业服务包",
            "客服",
            "二七区",
            5000,
        ),
        # Words about the person are not the work they look for.
        ("我失业快两年了，一直没找到工作，给我个服务包", None, None, None),
        ("我被公司裁员了，交了8年失业保险，给我一个就业服务包", None, None, None),
        ("我是退役军人，刚回到郑州，给我出个就业服务包", None, None, None),
    ],
)
def test_the_package_takes_the_occupation_only_from_a_stated_wish(
    make_assistant: AssistantFactory,
    message: str,
    occupation: str | None,
    district: str | None,
    salary_min: float | None,
) -> None:
    package = say(make_assistant(), message).package
    assert package is not None
    wishes = package.profile.wishes
    assert (wishes.occupation, wishes.district, wishes.salary_min) == (
        occupation,
        district,
        salary_min,
    )


def test_vacancies_widened_or_missing_are_said_so(make_assistant: AssistantFactory) -> None:
    assistant = make_assistant()
    # No 客服 vacancy in 二七区 pays 5000: the city's 客服 vacancies, with a note saying so.
    widened = say(
        assistant, "我今年毕业，想找月薪5000以上的客服工作，离二七区近一点，出个就业服务包"
    )
    package = widened.package
    assert package is not None and package.vacancies
    assert all("客服" in v.vacancy.title for v in package.vacancies)
    assert package.vacancies_note is not None and "没有完全符合您要求" in package.vacancies_note
    assert "四、推荐岗位\n" + package.vacancies_note in widened.text
    # Matching vacancies need no note.
    exact = say(assistant, "我想在金水区找会计的工作，给我一个就业服务包", user="u2").package
    assert exact is not None and exact.vacancies and exact.vacancies_note is None
    # Work nobody offers: none shown, and the person is told.
    none = say(assistant, "我想找宇航员的工作，给我一个就业服务包", user="u3")
    assert none.package is not None and none.package.vacancies == []
    assert "暂时没有找到“宇航员”的在招岗位" in none.text


def test_a_veteran_is_not_taken_for_a_founder(make_assistant: AssistantFactory) -> None:
    package = say(make_assistant(), "我是退役军人，刚回到郑州，给我出个就业服务包").package
    assert package is not None
    assert package.profile.group_codes == ["veteran"]
    assert "entrepreneurship" not in [n.kind for n in package.needs]
    founder = say(make_assistant(), "我是退役军人，已经办了营业执照在创业，给我出个就业服务包")
    assert founder.package is not None
    assert "entrepreneurship" in [n.kind for n in founder.package.needs]


def test_a_correction_right_after_the_package_revises_it(make_assistant: AssistantFactory) -> None:
    assistant = make_assistant()
    say(assistant, "我是今年毕业的大学生")
    first = say(assistant, "帮我做个就业服务包")
    assert first.package is not None
    assert first.package.profile.key_groups[0].basis == "毕业年度内的高校毕业生"

    corrected = say(assistant, "这不对，我是去年毕业的")
    assert corrected.intent == "service_package"
    assert corrected.facts["graduation_date"] == date(2025, 6, 30)
    assert corrected.facts["graduating_student"] is False
    revised = corrected.package
    assert revised is not None and revised.id == first.package.id  # the same package
    assert "2025年6月毕业" in revised.profile.key_groups[0].basis
    assert "一次性求职创业补贴" not in [b.title for b in revised.benefits]  # graduating year only
    assert len(store_of(assistant).for_session(corrected.session_id)) == 1

    unclear = say(assistant, "不对")
    assert unclear.package is None and "哪里不对" in unclear.text


def test_employment_difficulty_gets_assistance_and_the_difficulty_benefits(
    make_assistant: AssistantFactory,
) -> None:
    assistant = make_assistant()
    say(assistant, "我是残疾人，失业一年半了，办了失业登记")
    reply = say(assistant, "像我这样的就业困难人员能得到哪些帮助")
    package = reply.package
    assert package is not None
    groups = set(package.profile.group_codes)
    assert {"employment_difficulty", "disabled", "long_term_unemployed"} <= groups
    assert "registered_unemployed" in groups
    needs = {n.kind: n for n in package.needs}
    assert "employment_assistance" in needs and "unemployment_registration" not in needs
    assert "第五十二条" in (needs["employment_assistance"].source.article or "")
    titles = {b.title for b in package.benefits}
    assert "就业困难人员认定" in titles
    assert "《中华人民共和国就业促进法》第五十二条" in reply.text


def test_packages_hold_no_employer_side_advice(make_assistant: AssistantFactory) -> None:
    assistant = make_assistant()
    say(assistant, "我是今年毕业的大学生，签了劳动合同，单位给我交了6个月社保")
    package = say(assistant, "给我一个就业服务包").package
    assert package is not None
    employer_rules = {
        r.id for r in assistant.toolbox.rules.rules.values() if r.audience == "employer"
    }
    assert employer_rules and not {b.policy_id for b in package.benefits} & employer_rules
    assert "扩岗补助" not in package.model_dump_json()

    employer = say(assistant, "给我一个就业服务包", user="boss", role="employer")
    assert employer.package is None
    assert employer.tool_calls[0].error is not None
    assert "为求职者准备" in employer.text
    assert store_of(assistant).for_session(employer.session_id) == []
    # Pointed to the hiring subsidies, the employer's next question is answered as such:
    # no profile to correct, and the pointer was not a failure leading to a hand-off.
    hiring = say(assistant, "招了应届毕业生有什么补贴", user="boss", role="employer")
    assert hiring.handoff is None and hiring.package is None
    assert [c.name for c in hiring.tool_calls] == ["search_policies"]
    assert "扩岗补助" in hiring.text


def test_someone_in_no_key_group_still_gets_placement_and_service_points(
    make_assistant: AssistantFactory,
) -> None:
    assistant = make_assistant()
    package = say(assistant, "给我一个就业服务包").package
    assert package is not None
    assert package.profile.key_groups == []
    assert package.service_points and package.needs
    assert package.benefits == []  # nothing known: nothing claimed on a guess


def test_follow_ups_survive_a_restart_and_an_answer_updates_the_outcome(
    make_assistant: AssistantFactory,
) -> None:
    assistant = make_assistant()
    say(assistant, "我今年6月大学毕业，还没找到工作")
    package = say(assistant, "给我一个就业服务包").package
    assert package is not None and package.id is not None
    before_due = say(assistant, "谢谢")
    assert "就业服务回访" not in before_due.text

    # A new process over the same data directory, eight days later.
    later = make_assistant()
    assert later.follow_ups is not None
    issued = store_of(later).get(package.id).created_at
    later.follow_ups.clock = lambda: issued + timedelta(days=8)
    back = say(later, "你好")
    assert "就业服务回访" in back.text and f"编号 {package.id}" in back.text
    again = say(later, "你好")
    assert "就业服务回访" not in again.text  # asked once

    answered = say(later, "找到工作了")
    assert answered.intent == "follow_up"
    assert "恭喜" in answered.text
    stored = store_of(later).get(package.id)
    assert stored.outcome == "employed"
    week = next(f for f in stored.follow_ups if f.day == 7)
    assert week.status == "answered" and week.outcome == "employed"
    assert next(f for f in stored.follow_ups if f.day == 30).status == "scheduled"

    # A month on: the 30-day follow-up; "还没有进展" does not undo the job found.
    later.follow_ups.clock = lambda: issued + timedelta(days=31)
    assert "就业服务回访" in say(later, "在吗").text
    say(later, "4")
    assert store_of(later).get(package.id).outcome == "employed"
    stats = store_of(later).statistics()
    assert stats.issued == 1 and stats.by_key_group == {"graduate": 1}
    assert stats.follow_ups_asked == 2 and stats.follow_ups_answered == 2
    assert stats.response_rate == 1.0
    assert stats.outcomes["employed"] == 1


def test_no_progress_and_silence_put_people_on_the_caseworkers_list(
    make_assistant: AssistantFactory,
) -> None:
    assistant = make_assistant()
    assert assistant.follow_ups is not None
    store = store_of(assistant)
    ids = {}
    for user in ("quiet", "stuck", "hired"):
        say(assistant, "我今年大学毕业，还没找到工作", user=user)
        package = say(assistant, "给我一个就业服务包", user=user).package
        assert package is not None and package.id is not None
        ids[user] = package.id
    issued = store.get(ids["quiet"]).created_at
    assistant.follow_ups.clock = lambda: issued + timedelta(days=8)
    for user in ids:
        assert "就业服务回访" in say(assistant, "你好", user=user).text
    say(assistant, "还没有进展，没找到", user="stuck")
    say(assistant, "已经入职了", user="hired")

    soon = store.no_progress(now=issued + timedelta(days=9))
    assert [(p.package_id, p.reason) for p in soon] == [(ids["stuck"], "no_progress")]
    assert soon[0].answer == "还没有进展，没找到"
    # A week without an answer counts as no response.
    late = store.no_progress(now=issued + timedelta(days=16))
    assert {(p.package_id, p.reason) for p in late} == {
        (ids["stuck"], "no_progress"),
        (ids["quiet"], "no_response"),
    }
    store.set_ticket(ids["stuck"], 99)
    assert [p.package_id for p in store.no_progress(now=issued + timedelta(days=16))] == [
        ids["quiet"]
    ]
    stats = store.statistics()
    assert stats.follow_ups_asked == 3 and stats.follow_ups_answered == 2
    assert stats.response_rate == round(2 / 3, 4)
    assert stats.outcomes == {
        "employed": 1,
        "benefit_received": 0,
        "applied": 0,
        "no_progress": 1,
        "none": 1,
    }


def test_an_unrelated_message_after_a_follow_up_is_answered_normally(
    make_assistant: AssistantFactory,
) -> None:
    assistant = make_assistant()
    assert assistant.follow_ups is not None
    say(assistant, "我今年大学毕业")
    package = say(assistant, "给我一个就业服务包").package
    assert package is not None and package.id is not None
    assistant.follow_ups.clock = lambda: datetime.now(UTC) + timedelta(days=8)
    say(assistant, "你好")
    reply = say(assistant, "失业保险金怎么申请")
    assert reply.intent == "policy_question"
    assert store_of(assistant).get(package.id).outcome is None
