"""Each suite runs in a fresh throw-away data directory built from its setup; building is
cached by content, so running a suite again does not embed again."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from assistant.settings import get_settings
from eval.loader import load_suite
from eval.workspace import default_cache_dir, open_workspace
from knowledge.rules.loader import POLICIES_DIR
from tests.conftest import MemoEmbedder
from tests.eval.conftest import RunSuite, case

DOC = """\
# 青年见习补贴实施办法（测试用）

第一条 为促进青年就业，制定本办法。

第二条 见习单位每接收一名见习人员，按每人每月1500元给予见习补贴，最长不超过12个月。
"""

JOBS = (
    '{"@type": "JobPosting", "identifier": "T-1", "title": "测试岗位焊工", '
    '"hiringOrganization": {"name": "测试公司"}, "validThrough": "2099-12-31T00:00:00+08:00", '
    '"jobLocation": {"address": {"addressLocality": "郑州市", "addressDistrict": "二七区"}}, '
    '"baseSalary": {"currency": "CNY", "value": {"minValue": 6000, "maxValue": 7000, '
    '"unitText": "MONTH"}}}\n'
)

POINTS = (
    "编号,名称,类型,地址,区县,行政区划代码,纬度,经度,服务时间,服务内容,电话\n"
    "t-1,测试就业驿站,零工市场,郑州市二七区测试路1号,二七区,410103,34.70,113.60,"
    "周一至周五,职业介绍,0371-1\n"
)


def _suite(folder: Path, cases: str, *, extra_setup: str = "") -> Path:
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    (folder / "docs" / "youth-trainee.md").write_text(DOC, encoding="utf-8")
    (folder / "jobs.jsonl").write_text(JOBS, encoding="utf-8")
    (folder / "points.csv").write_text(POINTS, encoding="utf-8")
    path = folder / "suite.yaml"
    path.write_text(
        "suite: 工作区\n"
        "setup:\n"
        "  knowledge: [{path: docs/}]\n"
        "  vacancies: jobs.jsonl\n"
        "  service_points: points.csv\n"
        "  use_samples: false\n"
        "  today: 2026-11-15\n"
        f"{extra_setup}"
        "defaults: {region: '410100'}\n"
        f"cases:\n{cases}",
        encoding="utf-8",
    )
    return path


CASES = """\
  - id: own-document
    turns:
      - user: 青年见习补贴实施办法第二条怎么规定的
        expect:
          cites_any: [{title: 青年见习补贴实施办法, article: 第二条, path: docs/youth-trainee.md}]
          contains_any: [1500元]
  - id: own-vacancy
    turns:
      - user: 有焊工的工作吗
        expect: {vacancies: {min: 1, max: 1, all: {title: 焊工, district: 二七区}}}
  - id: own-point
    location: [34.70, 113.60]
    turns:
      - user: 附近的就业服务站在哪
        expect: {tool: find_service_points, contains_all: [测试就业驿站]}
"""


def test_the_setup_loads_documents_vacancies_and_points_of_the_suite(
    tmp_path: Path, run_suite: RunSuite
) -> None:
    report = run_suite(_suite(tmp_path / "s", CASES), cache_dir=tmp_path / "cache")
    assert report.suites[0].error is None
    for case_id in ("own-document", "own-vacancy", "own-point"):
        result = case(report, case_id)
        assert result.passed, (case_id, [t.failures for t in result.turns])
    # Without the samples, the shipped documents are not there.
    assert all(
        "失业保险金怎么领" not in c.title for c in case(report, "own-document").turns[0].citations
    )


def test_a_second_run_reuses_the_built_workspace_without_embedding(
    tmp_path: Path, run_suite: RunSuite, embedder: MemoEmbedder
) -> None:
    suite = _suite(tmp_path / "s", CASES)
    cache = tmp_path / "cache"
    first = run_suite(suite, cache_dir=cache)
    assert not first.suites[0].setup_cached
    counting = MemoEmbedder.__new__(MemoEmbedder)
    counting.__dict__.update(embedder.__dict__)
    counting._memo = {}  # a fresh memo: anything embedded now is counted
    counting.passages_embedded = 0
    second = run_suite(suite, cache_dir=cache, embedder=counting)
    assert second.suites[0].setup_cached
    assert counting.passages_embedded == 0
    assert second.summary.passed == first.summary.passed == 3
    # A changed document is a different workspace: built again, the new text embedded.
    (tmp_path / "s" / "docs" / "youth-trainee.md").write_text(
        DOC.replace("1500元", "1800元"), encoding="utf-8"
    )
    third = run_suite(suite, cache_dir=cache, embedder=counting)
    assert not third.suites[0].setup_cached and counting.passages_embedded > 0
    assert not case(third, "own-document").passed  # 1500元 is no longer the answer
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 2


def test_runs_never_touch_the_users_data_and_leave_nothing_behind(
    tmp_path: Path,
    run_suite: RunSuite,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user_db = tmp_path / "user" / "mine.db"
    user_db.parent.mkdir()
    monkeypatch.setenv("JIUYE_DATA_DIR", str(tmp_path / "user"))
    monkeypatch.setenv("JIUYE_DATABASE_URL", f"sqlite:///{user_db}")
    get_settings.cache_clear()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    try:
        report = run_suite(_suite(tmp_path / "s", CASES), cache_dir=tmp_path / "cache")
    finally:
        get_settings.cache_clear()
    assert report.summary.passed == 3
    assert not user_db.exists()
    assert sorted(p.name for p in (tmp_path / "user").iterdir()) == []
    assert list(scratch.iterdir()) == []  # the throw-away copy is removed


def test_two_runs_of_a_suite_do_not_see_each_others_conversations(
    tmp_path: Path, run_suite: RunSuite
) -> None:
    suite = _suite(
        tmp_path / "s",
        "  - id: ticket\n    turns: [{user: 转人工, expect: {handoff: true}}]\n",
    )
    cache = tmp_path / "cache"
    first = run_suite(suite, cache_dir=cache)
    second = run_suite(suite, cache_dir=cache)
    ids = [case(r, "ticket").turns[0].handoff for r in (first, second)]
    assert ids[0] is not None and ids[1] is not None
    assert ids[0].id == ids[1].id == 1  # a fresh database each time


def test_suite_rules_are_added_to_the_shipped_ones(tmp_path: Path, run_suite: RunSuite) -> None:
    rules = tmp_path / "s" / "rules"
    rules.mkdir(parents=True)
    shipped = (POLICIES_DIR / "job_search_grant.yaml").read_text(encoding="utf-8")
    assert "value: 999," in shipped
    (rules / "job_search_grant.yaml").write_text(
        shipped.replace("value: 999,", "value: 1234,"), encoding="utf-8"
    )
    cases = """\
  - id: grant
    turns:
      - user: 我是今年毕业的大学生，家里是低保户，正在找工作，能领一次性求职创业补贴吗
      - user: 是的
        expect: {eligibility: {policy: job_search_grant, result: eligible, amount: 1234}}
"""
    report = run_suite(
        _suite(tmp_path / "s", cases, extra_setup="  rules: rules/\n"), cache_dir=tmp_path / "cache"
    )
    assert case(report, "grant").passed, case(report, "grant").turns[-1].failures


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            "  knowledge: [{manifest: nowhere/manifest.jsonl}]\n",
            "清单 nowhere/manifest.jsonl 不存在",
        ),
        ("  knowledge: [{path: missing-docs/}]\n", "文档路径 missing-docs/ 不存在"),
        ("  vacancies: missing.jsonl\n", "岗位数据 missing.jsonl 不存在"),
        ("  rules: no-rules/\n", "规则 no-rules/ 不存在"),
    ],
)
def test_a_setup_naming_something_missing_is_a_suite_error(
    tmp_path: Path, run_suite: RunSuite, setup: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        f"suite: 坏的\nsetup:\n{setup}cases: [{{id: a, turns: [{{user: 你好}}]}}]\n",
        encoding="utf-8",
    )
    report = run_suite(path, cache_dir=tmp_path / "cache")
    assert report.summary.errors == 1 and not report.ok
    assert report.suites[0].error is not None and message in report.suites[0].error
    assert str(path) in report.suites[0].error


def test_the_cache_lives_outside_the_data_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/var/cache/someone")
    assert default_cache_dir() == Path("/var/cache/someone/jiuye/eval")


def test_a_workspace_copy_is_removed_even_when_the_run_fails(
    tmp_path: Path, embedder: MemoEmbedder
) -> None:
    suite = load_suite(_suite(tmp_path / "s", CASES))
    with (
        pytest.raises(RuntimeError),
        open_workspace(suite, cache_dir=tmp_path / "cache", embedder=embedder) as workspace,
    ):
        assert (workspace.data_dir / "jiuye.db").exists()
        copy = workspace.data_dir
        raise RuntimeError("the run failed")
    assert not copy.exists()
    shutil.rmtree(tmp_path / "cache")


def test_vacancies_are_synced_and_searched_as_of_the_suites_day(
    tmp_path: Path, run_suite: RunSuite
) -> None:
    """A posting that ended before the real clock is open on a suite's earlier day; one
    open by the real clock has ended on a suite's later day."""
    folder = tmp_path / "days"
    folder.mkdir()
    ended = (
        JOBS.replace('"T-1"', '"T-2"')
        .replace("测试公司", "另一测试公司")
        .replace("2099-12-31", "2026-11-20")
    )
    (folder / "jobs.jsonl").write_text(JOBS + ended, encoding="utf-8")

    def suite(today: str, expect: str) -> Path:
        path = folder / f"on-{today}.yaml"
        path.write_text(
            f"suite: 岗位按 {today}\n"
            "setup:\n"
            "  vacancies: jobs.jsonl\n"
            "  use_samples: false\n"
            f"  today: {today}\n"
            "defaults: {region: '410100'}\n"
            "cases:\n"
            "  - id: welders\n"
            "    turns:\n"
            "      - user: 有焊工的工作吗\n"
            f"        expect: {{vacancies: {expect}}}\n",
            encoding="utf-8",
        )
        return path

    cache = tmp_path / "cache"
    report = run_suite(
        suite("2026-11-15", "{min: 2, max: 2}"), suite("2100-01-02", "{max: 0}"), cache_dir=cache
    )
    for result in report.suites:
        assert result.error is None, result.error
        assert all(c.passed for c in result.cases), [
            t.failures for c in result.cases for t in c.turns
        ]
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 2  # one template per day
