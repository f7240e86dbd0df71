"""``jiuye vacancies`` against a real data directory (SQLite on disk)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.connectors.vacancy_feeds import posting, write_jsonl


def test_sync_the_shipped_sample_feed_then_search(runner: CliRunner) -> None:
    synced = runner.invoke(app, ["vacancies", "sync", "-q"])
    assert synced.exit_code == 0, synced.output
    assert "郑州市公共招聘平台（示例）" in synced.output and "新增" in synced.output
    again = runner.invoke(app, ["vacancies", "sync", "-q"])
    assert "订阅源没有变化" in again.output

    found = runner.invoke(
        app, ["vacancies", "search", "厨师", "--region", "410100", "--limit", "3", "--json"]
    )
    assert found.exit_code == 0, found.output
    results = json.loads(found.output)
    assert 0 < len(results["hits"]) <= 3 and results["total"] >= len(results["hits"])
    assert all("厨" in hit["title"] for hit in results["hits"])
    assert all(hit["region"].startswith("4101") for hit in results["hits"])

    near = runner.invoke(
        app, ["vacancies", "search", "--near", "34.80,113.66", "--radius-km", "3", "--limit", "5"]
    )
    assert near.exit_code == 0, near.output
    assert "步行约" in near.output and "投递：" in near.output

    listed = runner.invoke(app, ["vacancies", "sources"])
    assert "郑州市公共招聘平台（示例）" in listed.output and "在招" in listed.output


def test_sync_reports_bad_records_and_failed_feeds(runner: CliRunner, tmp_path: Path) -> None:
    feed = write_jsonl(tmp_path / "jobs.jsonl", [posting("A1"), "{broken", posting("A2")])
    result = runner.invoke(app, ["vacancies", "sync", str(feed), "--source", "测试", "-q"])
    assert result.exit_code == 0, result.output
    assert "新增 2" in result.output and "第2行" in result.output

    report = runner.invoke(
        app, ["vacancies", "sync", str(tmp_path / "missing.jsonl"), "--json", "-q"]
    )
    assert report.exit_code == 1
    assert json.loads(report.output)[0]["status"] == "failed"

    found = runner.invoke(app, ["vacancies", "search", "厨师", "--json"])
    assert {hit["identifier"] for hit in json.loads(found.output)["hits"]} == {"A1", "A2"}


def test_csv_feed_with_mapping_and_gcj02(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "jobs.csv").write_text(
        "编号,岗位,单位,月薪,区,纬度,经度\n"
        "C1,叉车司机,郑州某物流有限公司,6000-7500元/月,金水区,34.7810,113.6870\n",
        encoding="utf-8",
    )
    (tmp_path / "mapping.yaml").write_text(
        "columns:\n  identifier: 编号\n  title: 岗位\n  employer: 单位\n  salary: 月薪\n"
        "  district: 区\n  latitude: 纬度\n  longitude: 经度\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        [
            "vacancies", "sync", str(tmp_path / "jobs.csv"), "--mapping",
            str(tmp_path / "mapping.yaml"), "--crs", "GCJ02", "--region", "410100", "-q",
        ],
    )  # fmt: skip
    assert result.exit_code == 0 and "新增 1" in result.output, result.output
    hit = json.loads(runner.invoke(app, ["vacancies", "search", "叉车", "--json"]).output)
    [only] = hit["hits"]
    assert only["salary"] == "6000-7500元/月" and only["district"] == "金水区"


def test_demo_writes_a_feed_that_syncs(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "demo.jsonl"
    made = runner.invoke(
        app,
        ["vacancies", "demo", "--count", "200", "--malformed-rate", "0.05", "--output", str(out)],
    )
    assert made.exit_code == 0 and "已写入 200 条" in made.output
    synced = runner.invoke(app, ["vacancies", "sync", str(out), "-q"])
    assert synced.exit_code == 0 and "跳过" in synced.output  # the demo has malformed records


@pytest.mark.parametrize(
    "args",
    [
        ["vacancies", "search", "厨师", "--near", "北京"],
        ["vacancies", "search", "厨师", "--near", "134,113"],
        ["vacancies", "search", "厨师", "--region", "99"],
        ["vacancies", "search", "厨师", "--radius-km", "3"],
        ["vacancies", "search", "厨师", "--education", "幼儿园"],
        ["vacancies", "sync", "x.csv", "--crs", "火星"],
        ["vacancies", "demo", "--today", "明天"],
    ],
)
def test_bad_input_exits_2_with_a_chinese_message(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "错误" in result.output or "Error" in result.output
