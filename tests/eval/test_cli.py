"""``jiuye eval`` end to end: exit codes, the report files, --compare, --brain llm with
--repeat (a scripted OpenAI-compatible server on 127.0.0.1), and a Rasa e2e file."""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import get_settings
from tests.assistant.openai_stub import OpenAIStub, answer
from tests.assistant.openai_stub import openai_stub as openai_stub  # the fixture
from tests.eval.conftest import SETUP, RunSuite

CASES = """\
cases:
  - id: greeting
    tags: [basics]
    turns: [{user: 你好, expect: {contains_all: [就业服务助手]}}]
  - id: duration
    tags: [policy]
    turns:
      - user: 失业保险金最长能领多久
        expect:
          tool: search_policies
          cites_any: [{path: policies/unemployment-benefit.md}]
          contains_any: [{answer}]
"""


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, eval_cache: Path, run_suite: RunSuite
) -> Iterator[Any]:
    """Runs ``jiuye eval`` with the session's workspace cache (built first with the
    memoised embedder, so the command finds it) and a data directory of its own."""
    monkeypatch.setenv("JIUYE_DATA_DIR", str(tmp_path / "data"))
    for name in ("JIUYE_DATABASE_URL", "JIUYE_LLM_BASE_URL", "JIUYE_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    warm = tmp_path / "warm.yaml"
    warm.write_text(f"suite: warm\n{SETUP}cases: [{{id: w, turns: [{{user: 你好}}]}}]\n", "utf-8")
    run_suite(warm)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, ["eval", *args, "--cache-dir", str(eval_cache), "-q"])

    yield invoke
    get_settings.cache_clear()


def _suite(tmp_path: Path, answer_text: str, name: str = "suite.yaml") -> Path:
    path = tmp_path / name
    body = CASES.replace("{answer}", answer_text)
    path.write_text(f"suite: 命令行\n{SETUP}{body}", encoding="utf-8")
    return path


def test_a_passing_run_exits_0_and_writes_every_report(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cli(
        str(_suite(tmp_path, "二十四个月")),
        "--json", str(out / "r.json"), "--junit", str(out / "r.xml"), "--html", str(out / "r.html"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "通过 2，失败 0" in result.output
    data = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert data["summary"]["cases"] == 2 and data["summary"]["passed"] == 2
    assert set(data["summary"]["metrics"]) >= {"tool_call_accuracy", "citation_accuracy"}
    suite = data["suites"][0]
    assert suite["suite"] == "命令行" and suite["file"].endswith("suite.yaml")
    turn = next(c for c in suite["cases"] if c["id"] == "duration")["turns"][0]
    assert {"user", "reply", "passed", "tools", "citations", "failures", "latency_ms"} <= set(turn)
    assert turn["tools"][0] == {
        "name": "search_policies",
        "args": turn["tools"][0]["args"],
        "error": None,
    }
    assert turn["citations"][0]["path"].endswith("policies/unemployment-benefit.md")
    junit = ET.parse(out / "r.xml").getroot()
    assert junit.tag == "testsuites" and junit.get("tests") == "2" and junit.get("failures") == "0"
    html = (out / "r.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "命令行" in html and "<svg" in html


def test_a_failing_case_exits_1_and_shows_why(cli: Any, tmp_path: Path) -> None:
    result = cli(str(_suite(tmp_path, "三十六个月")))
    assert result.exit_code == 1
    assert "duration" in result.output and "contains_any" in result.output
    assert "三十六个月" in result.output
    assert "search_policies" in result.output  # the tools called, with their arguments


def test_a_suite_written_wrong_exits_2_naming_file_case_and_key(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "suite: x\ncases:\n  - id: c1\n    turns: [{user: 你好, expect: {contians: [a]}}]\n",
        encoding="utf-8",
    )
    result = cli(str(path))
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "case c1" in result.output
    assert "turns[0].expect.contians" in result.output


def test_compare_lists_regressions_and_fixes(cli: Any, tmp_path: Path) -> None:
    before = tmp_path / "before.json"
    assert cli(str(_suite(tmp_path, "三十六个月")), "--json", str(before)).exit_code == 1
    fixed = cli(str(_suite(tmp_path, "二十四个月")), "--compare", str(before))
    assert fixed.exit_code == 0
    section = fixed.output[fixed.output.index("修复") :]
    assert "duration" in section
    after = tmp_path / "after.json"
    cli(str(_suite(tmp_path, "二十四个月")), "--json", str(after))
    regressed = cli(str(_suite(tmp_path, "三十六个月")), "--compare", str(after))
    assert regressed.exit_code == 1
    assert (
        "退步" in regressed.output
        and "duration" in regressed.output[regressed.output.index("退步") :]
    )
    missing = cli(str(_suite(tmp_path, "二十四个月")), "--compare", str(tmp_path / "none.json"))
    assert missing.exit_code == 2 and "none.json" in missing.output


def test_the_llm_brain_needs_a_configured_endpoint(cli: Any, tmp_path: Path) -> None:
    result = cli(str(_suite(tmp_path, "二十四个月")), "--brain", "llm")
    assert result.exit_code == 2 and "JIUYE_LLM_BASE_URL" in result.output


def test_repeat_with_the_llm_brain_reports_a_flaky_case(
    cli: Any, tmp_path: Path, openai_stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model that answers one way, then another: the case passes in some runs only."""
    monkeypatch.setenv("JIUYE_LLM_BASE_URL", openai_stub.url)
    monkeypatch.setenv("JIUYE_LLM_MODEL", "stub")
    monkeypatch.setenv("JIUYE_LLM_API_KEY", "x")
    get_settings.cache_clear()
    replies = itertools.cycle(["您好！我是就业服务助手，请问想了解什么？", "您好，请问有什么事？"])
    openai_stub.script([lambda body: answer(next(replies))] * 3)
    path = tmp_path / "llm.yaml"
    path.write_text(
        f"suite: 大模型\n{SETUP}cases:\n  - id: hello\n    tags: [llm]\n"
        "    turns: [{user: 你好呀, expect: {contains_all: [就业服务助手]}}]\n",
        encoding="utf-8",
    )
    out = tmp_path / "llm.json"
    result = cli(str(path), "--brain", "llm", "--repeat", "3", "--workers", "1", "--json", str(out))
    assert result.exit_code == 1, result.output
    assert len(openai_stub.requests) == 3  # the model answered every run (no warm-up call)
    assert "不稳定" in result.output and "hello" in result.output and "2/3" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["brain"] == "llm" and data["repeat"] == 3 and data["summary"]["flaky"] == 1
    case = data["suites"][0]["cases"][0]
    assert (case["runs"], case["passes"], case["passed"]) == (3, 2, False)


RASA = """\
test_cases:
  - test_case: benefit questions
    steps:
      - user: 我能领失业金吗
      - utter: utter_ask_contribution_years
      - bot: 还需要了解
      - user: 交了8年，是被公司裁员的
      - slot_was_set:
          - contribution_years: 8
          - involuntary_separation: true
      - utter: utter_greet
"""


def test_a_rasa_e2e_file_runs_and_reports_unknown_responses_as_skipped(
    cli: Any, tmp_path: Path
) -> None:
    path = tmp_path / "e2e_test_cases.yml"
    path.write_text(RASA, encoding="utf-8")
    out = tmp_path / "rasa.json"
    result = cli(str(path), "--json", str(out))
    assert result.exit_code == 0, result.output
    assert "utter_greet" in result.output and "跳过" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    suite = data["suites"][0]
    assert suite["kind"] == "rasa"
    first, second = suite["cases"][0]["turns"]
    assert [c["kind"] for c in first["checks"]] == ["contains_all", "utter"]
    assert first["checks"][1]["passed"] is True
    assert second["skipped"] and "utter_greet" in second["skipped"][0]
    assert suite["metrics"]["skipped_checks"] == 1
    wrong = path.read_text(encoding="utf-8").replace(
        "utter_ask_contribution_years", "utter_ask_age"
    )
    path.write_text(wrong, encoding="utf-8")
    failed = cli(str(path))
    assert failed.exit_code == 1 and "utter_ask_age" in failed.output
