"""The ``jiuye`` command line against a real data directory (SQLite + Chroma on disk)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.conftest import FIXTURES


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "kb", target)
    return target


def test_ingest_search_and_docs(runner: CliRunner, corpus: Path) -> None:
    result = runner.invoke(
        app, ["ingest", str(corpus), "--manifest", str(corpus / "manifest.jsonl"), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert "新增 7 篇" in result.output

    again = runner.invoke(app, ["ingest", "--manifest", str(corpus / "manifest.jsonl"), "-q"])
    assert again.exit_code == 0 and "未变 7 篇" in again.output

    found = runner.invoke(
        app,
        [
            "search",
            "测试失业保障条例第三条",
            "--region",
            "410100",
            "--date",
            "2025-06-01",
            "-k",
            "2",
            "--json",
        ],
    )
    assert found.exit_code == 0, found.output
    hits = json.loads(found.output)
    assert len(hits) == 2
    assert hits[0]["title"] == "测试失业保障条例" and hits[0]["article"] == "第三条"
    assert hits[0]["valid_from"] == "2020-01-01"

    text = runner.invoke(
        app, ["search", "见习补贴标准", "--region", "440100", "--date", "2025-06-01"]
    )
    assert text.exit_code == 0
    assert "测试广东省就业见习办法" in text.output and "测试河南省" not in text.output

    listing = runner.invoke(app, ["docs", "--json"])
    docs = json.loads(listing.output)
    assert len(docs) == 7
    old = next(d for d in docs if d["valid_to"])
    assert old["superseded_by"] == "stipend-2024.md"

    by_region = runner.invoke(app, ["docs", "--region", "440100", "--json"])
    assert {d["region"] for d in json.loads(by_region.output)} == {"000000", "440000"}


def test_bad_manifest_lines_are_reported_with_line_numbers(runner: CliRunner, corpus: Path) -> None:
    lines = (corpus / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    lines[2] = '{"path": "zhengzhou.md", "valid_from": "2021-13-45"}'
    lines.append("not json")
    (corpus / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "--manifest", str(corpus / "manifest.jsonl"), "-q"])
    assert result.exit_code == 0
    assert "新增 6 篇" in result.output
    assert "manifest.jsonl:3" in result.output and "valid_from" in result.output
    assert f"manifest.jsonl:{len(lines)}" in result.output and "JSON" in result.output


def test_bad_input_gets_clear_errors(runner: CliRunner, corpus: Path, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope.md")])
    assert missing.exit_code == 2 and "路径不存在" in missing.output

    nothing = runner.invoke(app, ["ingest"])
    assert nothing.exit_code == 2

    bad_pdf = corpus / "broken.pdf"
    bad_pdf.write_bytes(b"%PDF-1.4 this is not really a pdf")
    result = runner.invoke(app, ["ingest", str(bad_pdf), str(corpus / "national.md"), "-q"])
    assert result.exit_code == 0
    assert "新增 1 篇" in result.output and "broken.pdf" in result.output

    region = runner.invoke(app, ["search", "失业", "--region", "41"])
    assert region.exit_code == 1 and "41" in result.output + region.output

    day = runner.invoke(app, ["search", "失业", "--date", "明天"])
    assert day.exit_code == 2 and "日期格式不对" in day.output


def test_prune_and_samples(runner: CliRunner, corpus: Path) -> None:
    runner.invoke(app, ["ingest", str(corpus / "guangdong.md"), str(corpus / "national.md"), "-q"])
    (corpus / "guangdong.md").unlink()
    pruned = runner.invoke(app, ["ingest", "--prune", "-q"])
    assert pruned.exit_code == 0 and "删除 1 篇" in pruned.output

    samples = runner.invoke(app, ["ingest", "--samples", "-q"])
    assert samples.exit_code == 0, samples.output
    hits = json.loads(
        runner.invoke(
            app, ["search", "失业保险金最长能领多久", "--region", "410100", "--json"]
        ).output
    )
    assert hits and hits[0]["title"].startswith("失业保险金")
    assert "第四十六条" in hits[0]["quote"]


def test_check_prints_the_result_and_its_explanation(runner: CliRunner) -> None:
    args = ["check", "unemployment_benefit", "--date", "2025-06-01", "--region", "410100"]
    facts = ["-f", "contribution_years=6", "-f", "involuntary_separation=是"]
    result = runner.invoke(app, args + facts)
    assert result.exit_code == 0, result.output
    assert "还需要了解一些情况" in result.output
    assert "最长领取期限：18 月" in result.output
    assert "《中华人民共和国社会保险法》第四十五条" in result.output
    assert "您现在已经重新就业了吗？" in result.output

    as_json = runner.invoke(app, [*args, *facts, "-f", "contribution_years=0.5", "--json"])
    data = json.loads(as_json.output)
    assert data["status"] == "not_eligible"
    assert data["missing"] == []
    assert [t["id"] for t in data["trace"] if t["outcome"] == "not_met"] == ["contribution"]


def test_check_screen_and_bad_input(runner: CliRunner) -> None:
    screen = runner.invoke(
        app, ["check", "--screen", "-f", "age=23", "--audience", "job_seeker", "--json"]
    )
    assert screen.exit_code == 0, screen.output
    data = json.loads(screen.output)
    assert {r["audience"] for r in data["results"]} == {"job_seeker"}
    assert data["next_questions"]

    unknown = runner.invoke(app, ["check", "no_such_policy"])
    assert unknown.exit_code == 2 and "没有这项政策" in unknown.output
    bad = runner.invoke(app, ["check", "unemployment_benefit", "-f", "age"])
    assert bad.exit_code == 2 and "名称=取值" in bad.output
    wrong = runner.invoke(app, ["check", "unemployment_benefit", "-f", "age=老"])
    assert wrong.exit_code == 2 and "age" in wrong.output
    nothing = runner.invoke(app, ["check"])
    assert nothing.exit_code == 2
