"""The reports of a run, from reports built by hand: console, JUnit XML, HTML, comparison."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console

from eval.errors import EvalError
from eval.metrics import metrics
from eval.reports import (
    CaseChange,
    compare,
    load_report,
    print_comparison,
    print_summary,
    write_html,
    write_junit,
)
from eval.results import (
    CaseResult,
    CheckResult,
    CitationRecord,
    RunReport,
    RunSummary,
    SuiteResult,
    ToolRecord,
    TurnResult,
)

HOSTILE_REPLY = "<script>alert(1)</script> ]]> 失业保险金最长可以领取24个月\x07"
FAILURE = "contains_any: none of ['12个月'] in reply"
HANDOFF_FAILURE = "handoff: no ticket was created"
SKIPPED = "utter: utter_greet（助手没有这个回复名，未判定）"
SETUP_ERROR = "setup: 找不到 feeds/jobs.jsonl"
CRASH = "RuntimeError: 模型服务不可用"


def turn(user: str, *, passed: bool = True, **fields: object) -> TurnResult:
    return TurnResult.model_validate({"user": user, "reply": "好的", "passed": passed, **fields})


def check(kind: str, passed: bool | None, expected: object = None) -> CheckResult:
    return CheckResult(kind=kind, passed=passed, expected=expected)


def suite(name: str, file: str, cases: list[CaseResult], **fields: object) -> SuiteResult:
    result = SuiteResult.model_validate({"suite": name, "file": file, **fields})
    result.cases = cases
    result.metrics = metrics(cases, [t for c in cases for t in c.turns])
    return result


def run_report(suites: list[SuiteResult], *, interrupted: bool = False) -> RunReport:
    cases = [c for s in suites for c in s.cases]
    passed = sum(c.passed for c in cases)
    summary = RunSummary(
        cases=len(cases),
        passed=passed,
        failed=len(cases) - passed,
        flaky=sum(c.flaky for c in cases),
        errors=sum(s.error is not None for s in suites),
        interrupted=interrupted,
        metrics=metrics(cases, [t for c in cases for t in c.turns]),
    )
    return RunReport(
        summary=summary,
        suites=suites,
        brain="offline",
        repeat=3,
        started_at=datetime(2026, 11, 15, 9, 30, tzinfo=UTC),
        finished_at=datetime(2026, 11, 15, 9, 31, 5, tzinfo=UTC),
    )


def unemployment() -> SuiteResult:
    passing = CaseResult(
        id="ui-pass",
        tags=["eligibility", "unemployment"],
        passed=True,
        passes=3,
        runs=3,
        duration_ms=1200,
        turns=[
            turn(
                "我交了7年失业保险，能领多久？",
                tools=[ToolRecord(name="check_eligibility", args={"policy": "失业保险金"})],
                checks=[check("tool", True), check("contains_any", True)],
                latency_ms=40,
            )
        ],
    )
    failing = CaseResult(
        id="ui-fail",
        tags=["unemployment"],
        passed=False,
        passes=0,
        runs=3,
        duration_ms=2500,
        turns=[
            turn("你好", checks=[check("contains_all", True)], latency_ms=20),
            turn(
                "失业金最多领多久？",
                passed=False,
                reply=HOSTILE_REPLY,
                tools=[ToolRecord(name="search_policies", args={"query": "失业金 期限"})],
                citations=[
                    CitationRecord(
                        title="失业保险条例", article="第十七条", path="laws/unemployment.md"
                    )
                ],
                failures=[FAILURE],
                checks=[check("contains_any", False), check("cites_any", True)],
                latency_ms=60,
            ),
        ],
    )
    flaky = CaseResult(
        id="ui-flaky",
        tags=["handoff"],
        passed=False,
        passes=2,
        runs=3,
        duration_ms=900,
        turns=[
            turn(
                "我要投诉，转人工",
                passed=False,
                failures=[HANDOFF_FAILURE],
                checks=[check("handoff", False, expected=True)],
                latency_ms=80,
            )
        ],
    )
    return suite("失业保险待遇", "suites/unemployment.yaml", [passing, failing, flaky])


def rasa() -> SuiteResult:
    greet = CaseResult(
        id="greet",
        tags=["rasa"],
        passed=True,
        passes=3,
        runs=3,
        turns=[
            turn(
                "你好",
                skipped=[SKIPPED],
                checks=[check("contains_any", True), check("utter", None)],
                handoff=None,
                latency_ms=10,
            )
        ],
    )
    crash = CaseResult(
        id="crash",
        tags=["rasa"],
        passed=False,
        runs=3,
        turns=[turn("转人工", passed=False, error=CRASH, failures=[CRASH])],
    )
    return suite("Rasa 测试", "tests/e2e_test_cases.yml", [greet, crash], kind="rasa")


def broken() -> SuiteResult:
    return suite("岗位推荐", "suites/jobs.yaml", [], error=SETUP_ERROR)


@pytest.fixture
def report() -> RunReport:
    return run_report([unemployment(), broken(), rasa()])


def console_text(report: RunReport) -> str:
    buffer = io.StringIO()
    print_summary(report, Console(file=buffer, width=200))
    return buffer.getvalue()


# --- console ----------------------------------------------------------------------------


def test_console_summary_shows_counts_metrics_and_setup_errors(report: RunReport) -> None:
    text = console_text(report)
    assert "汇总" in text
    assert "失业保险待遇" in text and "Rasa 测试" in text and "总计" in text
    assert "1/3" in text  # 失业保险待遇: one of three cases passed
    assert "2/5" in text  # overall
    assert "套件准备失败" in text and SETUP_ERROR in text
    # each expectation kind's checked/passed
    assert "contains_any" in text and "2/3" in text
    assert "cites_any" in text and "handoff" in text
    # handoff recall: one hand-off expected, none created
    assert "0.0%" in text
    # no refusal was checked: the rate is missing, not 0
    assert "—" in text
    assert "50 ms" in text  # p50 latency of the first suite (20, 40, 60, 80)
    assert "用例 5 个：通过 2，失败 3，不稳定 1，套件准备失败 1" in text
    assert "中断" not in text


def test_console_lists_failing_turns_in_detail(report: RunReport) -> None:
    text = console_text(report)
    assert "失业保险待遇 / ui-fail" in text
    assert "失业金最多领多久？" in text
    assert "<script>alert(1)</script> ]]> 失业保险金最长可以领取24个月" in text
    assert 'search_policies {"query": "失业金 期限"}' in text
    assert "《失业保险条例》第十七条，laws/unemployment.md" in text
    assert FAILURE in text
    assert HANDOFF_FAILURE in text
    assert CRASH in text
    # the passing first turn of ui-fail and the passing case are not detailed
    assert "你好" not in text.split("Rasa 测试 / crash")[0].split("ui-fail")[1]
    assert "我交了7年失业保险" not in text


def test_console_lists_flaky_cases_and_skipped_checks(report: RunReport) -> None:
    text = console_text(report)
    assert "不稳定的用例" in text
    assert "失业保险待遇 / ui-flaky：2/3 次通过" in text
    assert "跳过的检查" in text
    skipped_part = text.split("跳过的检查（未判定，不算通过）")[1]
    assert "Rasa 测试 / greet" in skipped_part and SKIPPED in skipped_part


def test_console_says_when_the_run_was_interrupted() -> None:
    text = console_text(run_report([unemployment()], interrupted=True))
    assert "运行被中断（Ctrl-C）" in text and "只显示已完成的用例" in text


def test_console_does_not_read_markup_in_replies() -> None:
    report = run_report([unemployment()])
    report.suites[0].cases[1].turns[1].reply = "[bold]加粗[/bold] [red]"
    assert "[bold]加粗[/bold] [red]" in console_text(report)


# --- JUnit ------------------------------------------------------------------------------

TESTCASE_CHILDREN = ["skipped", "error", "failure", "system-out", "system-err"]


def junit(report: RunReport, tmp_path: Path) -> tuple[bytes, ET.Element]:
    path = tmp_path / "out.xml"
    write_junit(report, path)
    raw = path.read_bytes()
    return raw, ET.fromstring(raw)


def assert_junit_schema(root: ET.Element) -> None:
    """The rules of the common JUnit schema (Jenkins, GitLab) the report must keep."""
    assert root.tag == "testsuites"
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for testsuite in root:
        assert testsuite.tag == "testsuite"
        assert testsuite.get("name")
        assert {c.tag for c in testsuite} <= {"properties", "testcase", "system-out", "system-err"}
        cases = testsuite.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": len(testsuite.findall("testcase/failure")),
            "errors": len(testsuite.findall("testcase/error")),
            "skipped": len(testsuite.findall("testcase/skipped")),
        }
        for key, value in counts.items():
            assert int(testsuite.get(key, "-1")) == value, (testsuite.get("name"), key)
            totals[key] += value
        assert float(testsuite.get("time", "x")) >= 0
        for case in cases:
            assert case.get("name") and case.get("classname")
            assert float(case.get("time", "x")) >= 0
            tags = [child.tag for child in case]
            assert tags == sorted(tags, key=TESTCASE_CHILDREN.index)
            assert len(case.findall("failure")) + len(case.findall("error")) <= 1
            for outcome in case.findall("failure") + case.findall("error"):
                assert outcome.get("message") and outcome.get("type")
    for key, value in totals.items():
        assert int(root.get(key, "-1")) == value, key
    assert float(root.get("time", "x")) >= 0


def test_junit_is_valid_and_counts_are_consistent(report: RunReport, tmp_path: Path) -> None:
    raw, root = junit(report, tmp_path)
    assert raw.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert_junit_schema(root)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "2", "2")
    assert root.get("skipped") == "0"  # a skipped check does not skip the case
    assert root.get("time") == "65.000"
    names = [s.get("name") for s in root.findall("testsuite")]
    assert names == ["失业保险待遇", "岗位推荐", "Rasa 测试"]
    assert root.findall("testsuite")[0].get("file") == "suites/unemployment.yaml"


def test_junit_testcases_carry_failures_with_turn_details(
    report: RunReport, tmp_path: Path
) -> None:
    _, root = junit(report, tmp_path)
    unemployment_suite = root.findall("testsuite")[0]
    cases = {c.get("name"): c for c in unemployment_suite.findall("testcase")}
    assert list(cases) == ["ui-pass", "ui-fail", "ui-flaky"]
    assert {c.get("classname") for c in cases.values()} == {"unemployment"}
    assert cases["ui-pass"].get("time") == "1.200"
    assert list(cases["ui-pass"]) == []
    failure = cases["ui-fail"].find("failure")
    assert failure is not None
    assert failure.get("message") == FAILURE and failure.get("type") == "expectation"
    text = failure.text or ""
    assert "失业金最多领多久？" in text
    assert "<script>alert(1)</script> ]]> 失业保险金最长可以领取24个月" in text  # round-trips
    assert FAILURE in text and "第 2 轮" in text and "第 1 轮" not in text
    flaky = cases["ui-flaky"].find("failure")
    assert flaky is not None and "2/3 次通过" in (flaky.text or "")


def test_junit_setup_errors_turn_errors_and_skipped_checks(
    report: RunReport, tmp_path: Path
) -> None:
    _, root = junit(report, tmp_path)
    jobs, rasa_suite = root.findall("testsuite")[1:]
    assert (jobs.get("tests"), jobs.get("errors"), jobs.get("failures")) == ("1", "1", "0")
    error = jobs.find("testcase/error")
    assert error is not None and error.get("message") == SETUP_ERROR
    crash = rasa_suite.find("testcase[@name='crash']")
    assert crash is not None and crash.find("failure") is None
    crash_error = crash.find("error")
    assert crash_error is not None and crash_error.get("message") == CRASH
    greet = rasa_suite.find("testcase[@name='greet']")
    assert greet is not None
    assert greet.find("skipped") is None and greet.find("failure") is None
    assert SKIPPED in (greet.findtext("system-out") or "")
    assert greet.get("classname") == "e2e_test_cases"


# --- HTML -------------------------------------------------------------------------------


class Page(HTMLParser):
    """What a test needs of the page: its text, links, tags and the tag chart."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.bars: list[str] = []  # data-tag of each rect.bar
        self.labels: dict[str, dict[str, str]] = {}
        self._group: str | None = None
        self._text_class: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k in ("src", "href")]
        if tag == "g" and "tag" in (attributes.get("class") or ""):
            self._group = attributes.get("data-tag") or ""
            self.labels[self._group] = {}
        if tag == "rect" and attributes.get("class") == "bar":
            assert self._group is not None
            self.bars.append(self._group)
        if tag == "text":
            self._text_class = attributes.get("class")

    def handle_endtag(self, tag: str) -> None:
        if tag == "g":
            self._group = None
        if tag == "text":
            self._text_class = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._group is not None and self._text_class is not None:
            self.labels[self._group][self._text_class] = data


def html_page(report: RunReport, tmp_path: Path) -> tuple[str, Page]:
    path = tmp_path / "report.html"
    write_html(report, path)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # one file
    raw = path.read_text(encoding="utf-8")
    page = Page()
    page.feed(raw)
    return raw, page


def test_html_is_one_self_contained_page(report: RunReport, tmp_path: Path) -> None:
    raw, page = html_page(report, tmp_path)
    assert '<html lang="zh-CN">' in raw and '<meta charset="utf-8">' in raw
    assert "<style>" in raw
    assert not [link for link in page.links if link.startswith(("http:", "https:", "//"))]
    assert "script" not in page.tags and "link" not in page.tags
    assert "2026-11-15 09:30:00" in raw and "offline" in raw and "3 次" in raw


def test_html_escapes_replies(report: RunReport, tmp_path: Path) -> None:
    raw, page = html_page(report, tmp_path)
    assert "<script>alert" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "<script>alert(1)</script> ]]> 失业保险金最长可以领取24个月" in "".join(page.text)


def test_html_summary_and_failing_turns(report: RunReport, tmp_path: Path) -> None:
    _, page = html_page(report, tmp_path)
    text = "".join(page.text)
    assert "汇总" in text and "总计" in text and "1/3" in text and "2/5" in text
    assert "50 ms" in text and "—" in text
    assert "失业保险待遇 / ui-fail" in text
    assert "失业金最多领多久？" in text
    assert 'search_policies {"query": "失业金 期限"}' in text
    assert "《失业保险条例》第十七条，laws/unemployment.md" in text
    assert FAILURE in text and HANDOFF_FAILURE in text and CRASH in text
    assert "岗位推荐" in text and SETUP_ERROR in text
    assert "ui-flaky：2/3 次通过" in text
    assert SKIPPED in text


def test_html_chart_has_one_bar_per_tag(report: RunReport, tmp_path: Path) -> None:
    _, page = html_page(report, tmp_path)
    assert sorted(page.bars) == ["eligibility", "handoff", "rasa", "unemployment"]
    counts = {tag: labels["count"] for tag, labels in page.labels.items()}
    assert counts == {"eligibility": "1/1", "unemployment": "1/2", "handoff": "0/1", "rasa": "1/2"}
    assert all(labels["label"] == tag for tag, labels in page.labels.items())


def test_html_without_tags_or_cases(tmp_path: Path) -> None:
    raw, page = html_page(run_report([broken()], interrupted=True), tmp_path)
    assert page.bars == []
    assert "没有带标签的用例" in raw
    assert "运行被中断（Ctrl-C）" in raw


# --- compare ----------------------------------------------------------------------------


def previous_report() -> RunReport:
    def case(case_id: str, passed: bool) -> CaseResult:
        return CaseResult(id=case_id, passed=passed, turns=[turn("你好", passed=passed)])

    return run_report(
        [
            suite(
                "失业保险待遇",
                "suites/unemployment.yaml",
                [
                    case("ui-pass", True),  # still passing
                    case("ui-fail", True),  # regressed
                    case("ui-flaky", False),  # still failing
                    case("ui-old", True),  # removed
                ],
            ),
            suite("岗位推荐", "suites/jobs.yaml", [case("job-1", True)]),  # not run now
            suite("Rasa 测试", "tests/e2e_test_cases.yml", [case("greet", False)]),  # fixed
        ]
    )


def labels(changes: list[CaseChange]) -> list[str]:
    return [change.label for change in changes]


def test_compare_finds_regressions_fixes_new_and_removed(report: RunReport) -> None:
    c = compare(previous_report(), report)
    assert labels(c.regressed) == ["失业保险待遇 / ui-fail"]
    assert c.regressed[0].first_failure == FAILURE
    assert labels(c.fixed) == ["Rasa 测试 / greet"]
    assert labels(c.still_failing) == ["失业保险待遇 / ui-flaky"]
    assert labels(c.still_passing) == ["失业保险待遇 / ui-pass"]
    assert labels(c.new) == ["Rasa 测试 / crash"]
    assert labels(c.removed) == ["失业保险待遇 / ui-old"]
    assert labels(c.not_run) == ["岗位推荐 / job-1"]  # its suite failed to set up
    assert not c.ok


def test_compare_an_interrupted_run_does_not_remove_cases(report: RunReport) -> None:
    report.summary.interrupted = True
    c = compare(previous_report(), report)
    assert c.removed == []
    assert labels(c.not_run) == ["失业保险待遇 / ui-old", "岗位推荐 / job-1"]


def test_compare_with_itself_changes_nothing(report: RunReport) -> None:
    c = compare(report, report)
    assert c.ok and not (c.regressed or c.fixed or c.new or c.removed or c.not_run)
    assert len(c.still_passing) == 2 and len(c.still_failing) == 3


def test_print_comparison(report: RunReport) -> None:
    buffer = io.StringIO()
    print_comparison(compare(previous_report(), report), Console(file=buffer, width=200))
    text = buffer.getvalue()
    regressed = text.split("退步：之前通过，现在失败（1）")[1].split("修复")[0]
    assert f"失业保险待遇 / ui-fail：{FAILURE}" in regressed
    assert "修复：之前失败，现在通过（1）" in text and "Rasa 测试 / greet" in text
    assert "新增用例（上次报告中没有）（1）" in text
    assert "移除的用例（本次没有）（1）" in text and "ui-old" in text


def test_load_report_round_trips(report: RunReport, tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    loaded = load_report(path)
    assert loaded == report
    assert loaded.suites[0].cases[1].turns[1].reply == HOSTILE_REPLY
    assert loaded.suites[0].cases[2].flaky


def test_load_report_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(EvalError, match="找不到") as info:
        load_report(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "content",
    [b"not json at all", b"[1, 2]", b"{}", b'{"suites": "x"}', b"\xff\xfe\x00garbage", b""],
)
def test_load_report_rejects_garbage(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage.json"
    path.write_bytes(content)
    with pytest.raises(EvalError, match="不是有效的 jiuye eval --json 报告") as info:
        load_report(path)
    assert str(path) in str(info.value)
