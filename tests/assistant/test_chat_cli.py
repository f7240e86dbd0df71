"""`jiuye ask` and `jiuye chat` against a copy of the sample data directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import get_settings


@pytest.fixture
def data_runner(
    runner: CliRunner, sample_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    data_dir = tmp_path / "cli-data"
    shutil.copytree(sample_data_dir, data_dir)
    monkeypatch.setenv("JIUYE_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    return runner


def test_ask_json_gives_the_whole_reply(data_runner: CliRunner) -> None:
    result = data_runner.invoke(
        app,
        ["ask", "失业保险金最长能领多久？", "--region", "410100", "--date", "2026-11-22", "--json"],
    )
    assert result.exit_code == 0, result.output
    reply = json.loads(result.stdout)
    assert reply["intent"] == "policy_question"
    assert "24个月" in reply["text"].splitlines()[0]  # the plain answer first
    assert reply["citations"] and reply["citations"][0]["title"]
    assert reply["tool_calls"][0]["name"] == "search_policies"
    assert reply["tool_calls"][0]["arguments"]["query"] == "失业保险金最长能领多久？"


def test_ask_continues_the_same_users_conversation(data_runner: CliRunner) -> None:
    first = data_runner.invoke(app, ["ask", "我能领失业金吗", "--user", "zhang", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["questions"]
    second = data_runner.invoke(app, ["ask", "交了12年", "--user", "zhang", "--json"])
    reply = json.loads(second.stdout)
    assert reply["facts"]["contribution_years"] == 12
    assert reply["intent"] == "eligibility_check"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--role", "boss"], "角色只能是"),
        (["--region", "4101"], "不认识的行政区划代码"),
        (["--date", "明天"], "日期格式不对"),
        (["--brain", "gpt"], "brain只能是"),
    ],
)
def test_ask_rejects_bad_options(
    data_runner: CliRunner, arguments: list[str], message: str
) -> None:
    result = data_runner.invoke(app, ["ask", "你好", *arguments])
    assert result.exit_code == 2
    assert message in result.stderr


def test_ask_llm_without_configuration_explains_what_to_set(data_runner: CliRunner) -> None:
    result = data_runner.invoke(app, ["ask", "你好", "--brain", "llm"])
    assert result.exit_code == 1
    assert "JIUYE_LLM_BASE_URL" in result.stderr


def test_chat_commands_switch_role_and_show_facts(data_runner: CliRunner) -> None:
    lines = [
        "我今年45岁，交了12年失业保险",
        "/facts",
        "/role employer",
        "/region 440100",
        "我们公司能申请哪些补贴",
        "/reset",
        "/facts",
        "/quit",
    ]
    result = data_runner.invoke(app, ["chat", "--region", "410100"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "年龄：45岁" in out
    assert "角色已切换为 employer" in out and "广州市" in out
    assert "一次性扩岗补助" in out
    assert "还没有收集到任何情况" in out
