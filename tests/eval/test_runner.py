"""The runner on real suites over the shipped samples: every expectation kind passes when
it holds and fails when it does not, with a message saying why."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from assistant.models import Reply, Turn
from eval.expectations import Observation, check_turn
from eval.spec import EXPECTATION_KINDS, Expectations
from knowledge.policies.models import Citation
from knowledge.policies.retriever import SearchFilters
from tests.eval.conftest import RunSuite, WriteSuite, case

# One case per kind, each holding on the shipped samples (郑州, 2026-11-15).
PASSING = """\
cases:
  - id: contains_all
    turns: [{user: 你好, expect: {contains_all: [就业服务助手, 转人工]}}]
  - id: contains_any
    turns: [{user: 你好, expect: {contains_any: [不存在的词, 就业服务助手]}}]
  - id: not_contains
    turns: [{user: 你好, expect: {not_contains: [工单号]}}]
  - id: regex
    turns: [{user: 你好, expect: {regex: "我可以[：:]"}}]
  - id: tool
    turns: [{user: 失业保险金最长能领多久, expect: {tool: search_policies}}]
  - id: tools
    turns: [{user: 转人工, expect: {tools: [request_handoff]}}]
  - id: tool_args
    turns:
      - user: 金水区有什么保洁的工作
        expect: {tool: search_vacancies, tool_args: {district: 金水区}}
  - id: no_tool
    turns: [{user: 你好, expect: {no_tool: [search_policies, request_handoff]}}]
  - id: cites_any
    turns:
      - user: 失业保险金最长能领多久
        expect: {cites_any: [{title: 失业保险金怎么领, path: policies/unemployment-benefit.md}]}
  - id: cites_none
    turns:
      - user: 郑州失业保险金每月能领多少钱
        expect: {cites_none: [{path: zhengzhou-unemployment-benefit-standard-2023.md}]}
  - id: cites_current_only
    turns: [{user: 郑州失业保险金每月能领多少钱, expect: {cites_current_only: true}}]
  - id: handoff
    turns: [{user: 转人工, expect: {handoff: true}}]
  - id: handoff_reason
    turns: [{user: 转人工, expect: {handoff_reason: user_request}}]
  - id: refuses
    turns: [{user: 帮我写一首关于春天的诗, expect: {refuses: true}}]
  - id: facts
    turns:
      - user: 我能领失业金吗
      - user: 交了8年，是被公司裁员的
        expect: {facts: {contribution_years: 8, involuntary_separation: true}}
  - id: facts_set
    turns:
      - user: 我能领失业金吗
      - user: 交了8年，是被公司裁员的
        expect: {facts_set: [contribution_years]}
  - id: eligibility
    turns:
      - user: 我能领失业金吗
        expect: {eligibility: {policy: unemployment_benefit, result: need_more_facts}}
  - id: vacancies
    turns:
      - user: 金水区有什么保洁的工作
        expect: {vacancies: {min: 1, max: 5, all: {district: 金水区}}}
  - id: max_latency_ms
    turns: [{user: 你好, expect: {max_latency_ms: 60000}}]
"""

# The same kinds, each given something that does not hold.
FAILING = """\
cases:
  - id: contains_all
    turns: [{user: 你好, expect: {contains_all: [就业服务助手, 火星移民]}}]
  - id: contains_any
    turns: [{user: 你好, expect: {contains_any: [火星移民, 月球基地]}}]
  - id: not_contains
    turns: [{user: 你好, expect: {not_contains: [就业服务助手]}}]
  - id: regex
    turns: [{user: 你好, expect: {regex: "^\\\\d{20}$"}}]
  - id: tool
    turns: [{user: 你好, expect: {tool: search_policies}}]
  - id: tools
    turns: [{user: 失业保险金最长能领多久, expect: {tools: [search_policies, search_vacancies]}}]
  - id: tool_args
    turns:
      - user: 金水区有什么保洁的工作
        expect: {tool: search_vacancies, tool_args: {district: 二七区}}
  - id: no_tool
    turns: [{user: 失业保险金最长能领多久, expect: {no_tool: [search_policies]}}]
  - id: cites_any
    turns: [{user: 失业保险金最长能领多久, expect: {cites_any: [{title: 火星移民条例}]}}]
  - id: cites_none
    turns:
      - user: 失业保险金最长能领多久
        expect: {cites_none: [{path: policies/unemployment-benefit.md}]}
  - id: cites_current_only
    turns: [{user: 失业保险金最长能领多久, expect: {cites_current_only: false}}]
  - id: handoff
    turns: [{user: 你好, expect: {handoff: true}}]
  - id: handoff_reason
    turns: [{user: 转人工, expect: {handoff_reason: complaint}}]
  - id: refuses
    turns: [{user: 失业保险金最长能领多久, expect: {refuses: true}}]
  - id: facts
    turns:
      - user: 我能领失业金吗
      - user: 交了8年，是被公司裁员的
        expect: {facts: {contribution_years: 12}}
  - id: facts_set
    turns:
      - user: 我能领失业金吗
      - user: 交了8年，是被公司裁员的
        expect: {facts_set: [age]}
  - id: eligibility
    turns:
      - user: 我能领失业金吗
        expect: {eligibility: {policy: unemployment_benefit, result: eligible}}
  - id: vacancies
    turns:
      - user: 金水区有什么保洁的工作
        expect: {vacancies: {min: 1, all: {district: 二七区}}}
  - id: max_latency_ms
    turns: [{user: 你好, expect: {max_latency_ms: 0.001}}]
"""


def _kinds(suite: str) -> set[str]:
    return {line.split(": ")[1] for line in suite.splitlines() if line.startswith("  - id: ")}


def test_the_suites_here_cover_every_expectation_kind() -> None:
    assert _kinds(PASSING) == set(EXPECTATION_KINDS)
    assert _kinds(FAILING) == set(EXPECTATION_KINDS)


def test_every_kind_passes_when_it_holds(write_suite: WriteSuite, run_suite: RunSuite) -> None:
    report = run_suite(write_suite(PASSING))
    failing = {c.id: [f for t in c.turns for f in t.failures] for c in report.suites[0].cases}
    assert {k: v for k, v in failing.items() if v} == {}
    assert report.ok
    rates = report.summary.metrics.expectations
    assert set(rates) == set(EXPECTATION_KINDS)
    assert all(rate.checked >= 1 and rate.passed == rate.checked for rate in rates.values())


def test_every_kind_fails_when_it_does_not_hold(
    write_suite: WriteSuite, run_suite: RunSuite
) -> None:
    report = run_suite(write_suite(FAILING))
    assert not report.ok
    assert report.summary.failed == len(EXPECTATION_KINDS)
    for kind in EXPECTATION_KINDS:
        result = case(report, kind)
        assert not result.passed, kind
        failures = [f for t in result.turns for f in t.failures]
        assert failures and all(f.startswith(f"{kind}: ") for f in failures), (kind, failures)
        assert len(failures[0]) > len(kind) + 4, "a failure says why"
    rates = report.summary.metrics.expectations
    assert all(rates[kind].passed < rates[kind].checked for kind in EXPECTATION_KINDS)


def test_failure_messages_name_what_was_seen(write_suite: WriteSuite, run_suite: RunSuite) -> None:
    report = run_suite(write_suite(FAILING))
    reasons = {c.id: c.turns[-1].failures[0] for c in report.suites[0].cases}
    assert "火星移民" in reasons["contains_all"]
    assert "search_policies" in reasons["tools"] and "search_vacancies" in reasons["tools"]
    assert "金水区" in reasons["tool_args"]  # the arguments actually sent
    assert "失业保险金怎么领" in reasons["cites_any"]  # what was cited instead
    assert "user_request" in reasons["handoff_reason"]
    assert "need_more_facts" in reasons["eligibility"]
    assert "contribution_years" in reasons["facts"]
    assert "二七区" in reasons["vacancies"] or "金水区" in reasons["vacancies"]


def test_a_superseded_version_leaking_into_answers_fails_cites_current_only(
    write_suite: WriteSuite, run_suite: RunSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A regression that lets old versions through (the validity filter broken) is caught."""
    suite = write_suite(
        """\
        cases:
          - id: current-law
            turns:
              - user: 郑州2023年的失业保险金标准是多少
                expect: {cites_current_only: true}
        """
    )
    assert run_suite(suite).ok
    monkeypatch.setattr(
        SearchFilters, "admits", lambda self, document, regions, today: document.region in regions
    )
    report = run_suite(suite)
    failures = case(report, "current-law").turns[0].failures
    assert failures and failures[0].startswith("cites_current_only: ")
    assert "2024-07-01 失效" in failures[0]


def _observation(text: str, citations: list[Citation] | None = None) -> Observation:
    reply = Reply(session_id="s", text=text, citations=citations or [])
    return Observation(text, reply, 1.0, None, date(2026, 11, 15), "410100")


def test_a_refusal_that_still_states_an_ungrounded_amount_fails() -> None:
    expect = Expectations(refuses=True)
    sound = check_turn(expect, _observation("抱歉，这个问题我没有把握准确回答。"))
    assert [c.passed for c in sound] == [True]
    leaky = check_turn(expect, _observation("没有找到相关文件，不过一般每月能领1800元。"))
    assert leaky[0].passed is False and "1800元" in leaky[0].detail


def test_an_amount_grounded_by_a_citation_is_not_held_against_a_refusal() -> None:
    citation = Citation(
        doc_id="d",
        title="郑州市失业保险金标准",
        region="410100",
        source="x.md",
        quote="失业保险金标准为每月1800元。",
        start=0,
        end=10,
        chunk_id="c",
    )
    text = "我没有把握回答您的具体情况。知识库里最接近的是：每月1800元。"
    result = check_turn(Expectations(refuses=True), _observation(text, [citation]))
    assert result[0].passed is True


def test_wechat_cases_are_checked_on_the_text_wechat_shows(
    write_suite: WriteSuite, run_suite: RunSuite
) -> None:
    suite = write_suite(
        """\
        cases:
          - id: web
            turns: [{user: 失业保险金最长能领多久, expect: {contains_all: ["来源："]}}]
          - id: wechat
            channel: wechat
            turns:
              - user: 失业保险金最长能领多久
                expect: {contains_all: ["来源：", "[1]"], not_contains: ["**", "](http"]}
        """
    )
    report = run_suite(suite)
    assert case(report, "wechat").passed, case(report, "wechat").turns[0].failures
    assert "来源：" in case(report, "wechat").turns[0].reply


def test_region_and_role_defaults_apply_and_cases_override_them(
    write_suite: WriteSuite, run_suite: RunSuite
) -> None:
    suite = write_suite(
        """\
        cases:
          - id: employer-screen
            role: employer
            turns:
              - user: 我们公司能申请哪些补贴
                expect:
                  tool: check_eligibility
                  not_contains: [失业保险金]
          - id: seeker-screen
            turns:
              - user: 我能申请哪些补贴
                expect: {tool: check_eligibility}
        """
    )
    report = run_suite(suite)
    employer = case(report, "employer-screen").turns[0]
    seeker = case(report, "seeker-screen").turns[0]
    assert case(report, "employer-screen").passed, employer.failures
    assert employer.reply != seeker.reply


def test_a_crash_in_the_assistant_is_a_failed_turn_with_the_error(
    write_suite: WriteSuite, run_suite: RunSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.engine import Assistant

    original = Assistant.respond

    def respond(self: Assistant, turn: Turn, **kwargs: Any) -> Reply:
        if "爆炸" in turn.text:
            raise RuntimeError("boom")
        return original(self, turn, **kwargs)

    monkeypatch.setattr(Assistant, "respond", respond)
    report = run_suite(
        write_suite(
            """\
            cases:
              - id: crash
                turns: [{user: 爆炸}, {user: 你好}]
              - id: fine
                turns: [{user: 你好}]
            """
        )
    )
    crashed = case(report, "crash")
    assert not crashed.passed
    assert len(crashed.turns) == 1 and crashed.turns[0].error == "RuntimeError: boom"
    assert case(report, "fine").passed


def test_only_cases_with_a_given_tag_run(write_suite: WriteSuite, run_suite: RunSuite) -> None:
    suite = write_suite(
        """\
        cases:
          - id: a
            tags: [smoke]
            turns: [{user: 你好}]
          - id: b
            turns: [{user: 你好}]
        """
    )
    report = run_suite(suite, tags=["smoke"])
    assert [c.id for c in report.suites[0].cases] == ["a"]


def test_ctrl_c_reports_the_cases_that_finished(
    write_suite: WriteSuite, eval_cache: Path, embedder: object
) -> None:
    from eval.loader import load_suites
    from eval.runner import RunOptions, run_suites

    body = "cases:\n" + "".join(f"  - id: c{i}\n    turns: [{{user: 你好}}]\n" for i in range(8))
    seen: list[str] = []

    def interrupt(done: int, total: int, suite: str, case_id: str) -> None:
        seen.append(case_id)
        if done == 2:
            raise KeyboardInterrupt

    report = run_suites(
        load_suites([write_suite(body)]),
        RunOptions(workers=1, cache_dir=eval_cache, embedder=embedder),  # type: ignore[arg-type]
        on_case=interrupt,
    )
    assert report.summary.interrupted
    assert not report.ok
    finished = [c.id for c in report.suites[0].cases]
    assert set(seen[:2]) <= set(finished) and len(finished) < 8
    assert all(c.passed for c in report.suites[0].cases)


def test_a_document_quoted_is_not_the_assistant_declining() -> None:
    """ "不能提供证据" in a law the reply quotes (and in the lead taken from it) is the law's
    wording; "没有找到" in the assistant's own sentence still declines."""
    law = "用人单位拒绝提供或者逾期不能提供证据证明未拖欠工资的，可以根据投诉人提供的材料认定事实。"
    citation = Citation(
        doc_id="d",
        title="浙江省劳动保障监察条例",
        region="330000",
        source="x.md",
        quote=law,
        start=0,
        end=len(law),
        chunk_id="c",
    )
    answer = f"{law}\n\n依据《浙江省劳动保障监察条例》第二十六条：\n“{law}”[1]"
    result = check_turn(Expectations(refuses=False), _observation(answer, [citation]))
    assert result[0].passed is True, result[0].detail
    declined = check_turn(
        Expectations(refuses=False),
        _observation("知识库里没有找到能回答这个问题的规定。" + answer, [citation]),
    )
    assert declined[0].passed is False and "没有找到" in declined[0].detail
