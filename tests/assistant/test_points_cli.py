"""``jiuye points`` against a real data directory (SQLite on disk)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.points_cli import EMPTY_STORE, points_app

CENTRE = ["34.7466", "113.6254"]


@pytest.fixture
def loaded(runner: CliRunner) -> CliRunner:
    result = runner.invoke(points_app, ["load", "--samples"])
    assert result.exit_code == 0, result.output
    assert "导入 28 个服务网点" in result.output
    return runner


def test_an_empty_store_says_how_to_load_points(runner: CliRunner, tmp_path: Path) -> None:
    for args in (["near", *CENTRE], ["list"]):
        result = runner.invoke(points_app, args)
        assert result.exit_code == 1 and EMPTY_STORE in result.output
    assert (tmp_path / "data" / "jiuye.db").exists()  # the configured data directory is used


def test_near_lists_the_nearest_points_first(loaded: CliRunner) -> None:
    text = loaded.invoke(points_app, ["near", *CENTRE, "--limit", "3"])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0] == "5 公里内的服务网点（3 个，由近到远）"
    assert lines[1].startswith("1. 二七区丁社区就业服务站（示例）")
    assert "距离 553 米，步行约 10 分钟，在15分钟就业服务圈内" in text.output
    assert "服务时间：周一至周五 8:30-12:00，14:00-17:00" in text.output
    assert "电话：0371-60000205" in text.output and "3. " in text.output

    as_json = loaded.invoke(points_app, ["near", *CENTRE, "--radius-km", "3", "--json"])
    hits = json.loads(as_json.output)
    distances = [hit["distance_km"] for hit in hits]
    assert len(hits) >= 3 and distances == sorted(distances) and distances[-1] <= 3
    minutes = [hit["walking_minutes"] for hit in hits]
    assert minutes == sorted(minutes)
    assert hits[0]["point"]["id"] == "zz-erqi-05"
    assert hits[0]["point"]["location"] == {"lat": 34.7431, "lon": 113.6297}


def test_near_says_when_nothing_is_within_the_radius(loaded: CliRunner) -> None:
    result = loaded.invoke(points_app, ["near", *CENTRE, "--radius-km", "0.3"])
    assert result.exit_code == 0
    assert "0.3 公里内没有服务网点" in result.output
    assert "最近的是 二七区丁社区就业服务站（示例），距离约 553 米" in result.output
    empty = loaded.invoke(points_app, ["near", *CENTRE, "--radius-km", "0.3", "--json"])
    assert json.loads(empty.output) == []


def test_near_within_a_region(loaded: CliRunner) -> None:
    result = loaded.invoke(points_app, ["near", *CENTRE, "--region", "410105", "--json"])
    hits = json.loads(result.output)
    assert hits and {hit["point"]["district"] for hit in hits} == {"金水区"}


def test_list_by_region(loaded: CliRunner) -> None:
    jinshui = json.loads(loaded.invoke(points_app, ["list", "--region", "410105", "--json"]).output)
    assert len(jinshui) == 6 and {p["region"] for p in jinshui} == {"410105"}
    city = json.loads(loaded.invoke(points_app, ["list", "--region", "410100", "--json"]).output)
    assert len(city) == 28 and "郑州市公共就业服务中心（示例）" in {p["name"] for p in city}

    text = loaded.invoke(points_app, ["list", "--region", "410106"])
    assert text.output.splitlines()[0] == "上街区（410106）的服务网点（2 个）"
    beijing = loaded.invoke(points_app, ["list", "--region", "110000"])
    assert beijing.exit_code == 0 and "北京市（110000）没有服务网点" in beijing.output


def test_list_json_loads_back_as_another_source(loaded: CliRunner, tmp_path: Path) -> None:
    exported = tmp_path / "export.json"
    exported.write_text(loaded.invoke(points_app, ["list", "--json"]).output, encoding="utf-8")
    again = loaded.invoke(points_app, ["load", str(exported), "--source", "copy"])
    assert again.exit_code == 0 and "来源 copy：导入 28 个服务网点" in again.output
    assert len(json.loads(loaded.invoke(points_app, ["list", "--json"]).output)) == 56


def test_load_reports_skipped_rows_and_converts_datums(runner: CliRunner, tmp_path: Path) -> None:
    csv_file = tmp_path / "points.csv"
    csv_file.write_text(
        "名称,区县,纬度,经度\n甲站,金水区,34.77,113.66\n,金水区,34.7,113.6\n乙站,二七区,34.7,abc\n",
        encoding="utf-8",
    )
    result = runner.invoke(points_app, ["load", str(csv_file), "--crs", "GCJ02"])
    assert result.exit_code == 0, result.output
    assert "来源 points：导入 1 个服务网点" in result.output and "跳过 2 行" in result.output
    assert "第 3 行：缺少名称" in result.output and "第 4 行：经度不是数字" in result.output
    (point,) = json.loads(runner.invoke(points_app, ["list", "--json"]).output)
    assert point["location"] != {"lat": 34.77, "lon": 113.66}  # GCJ-02 moved to WGS-84

    all_bad = tmp_path / "bad.csv"
    all_bad.write_text("名称,纬度\n,34\n", encoding="utf-8")
    failed = runner.invoke(points_app, ["load", str(all_bad)])
    assert failed.exit_code == 1 and "第 2 行" in failed.output and "没有导入" in failed.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["near", "95", "113.6"], "坐标超出范围"),
        (["near", *CENTRE, "--radius-km", "0"], "半径"),
        (["near", *CENTRE, "--crs", "火星"], "未知的坐标系"),
        (["list", "--region", "41"], "6 位行政区划代码"),
        (["list", "--region", "999999"], "未知的行政区划代码"),
        (["near", *CENTRE, "--region", "990100"], "未知的行政区划代码"),
        (["load"], "--samples"),
        (["load", "nope.csv"], "文件不存在"),
        (["load", "--samples", "--crs", "mars"], "未知的坐标系"),
    ],
)
def test_bad_input_exits_with_code_2(loaded: CliRunner, args: list[str], message: str) -> None:
    result = loaded.invoke(points_app, args)
    assert result.exit_code == 2 and message in result.output


def test_an_unsupported_file_is_bad_input(runner: CliRunner, tmp_path: Path) -> None:
    sheet = tmp_path / "points.xlsx"
    sheet.write_bytes(b"PK")
    result = runner.invoke(points_app, ["load", str(sheet)])
    assert result.exit_code == 2 and "不支持的文件格式" in result.output
