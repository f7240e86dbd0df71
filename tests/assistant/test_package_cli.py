"""``jiuye package`` against a real data directory (SQLite on disk) with the sample
vacancies and service points loaded."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.packages.store import PackageStore
from assistant.runtime import build_database
from assistant.settings import get_settings

GRADUATE = ["--fact", "graduation_date=2026-06-30", "--date", "2026-11-15", "--region", "410100"]


@pytest.fixture
def loaded(runner: CliRunner) -> CliRunner:
    for args in (["vacancies", "sync", "-q"], ["points", "load", "--samples"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    return runner


def test_a_graduate_package_lists_benefits_vacancies_points_and_follow_ups(
    loaded: CliRunner,
) -> None:
    result = loaded.invoke(
        app, ["package", *GRADUATE, "--want", "厨师", "--near", "34.7466,113.6254"]
    )
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("【您的就业服务包】")
    assert "重点群体：高校毕业生" in text and "想找：厨师" in text
    assert "一次性求职创业补贴" in text and "《就业补助资金管理办法》" in text
    first = text.split("、推荐岗位\n", 1)[1].splitlines()[0]
    assert first.startswith("· ") and "厨" in first
    assert "、就近办理（15分钟就业服务圈）\n" in text and "步行约" in text
    assert "11月22日" in text and "12月15日" in text  # the follow-ups, 7 and 30 days on


def test_json_and_wishes_filter_the_vacancies(loaded: CliRunner) -> None:
    result = loaded.invoke(
        app,
        ["package", *GRADUATE, "--want", "客服", "--part-time", "--vacancies", "5", "--json"],
    )
    assert result.exit_code == 0, result.output
    package = json.loads(result.output)
    assert package["id"] is None  # not saved
    assert [g["group"] for g in package["profile"]["key_groups"]] == ["graduate"]
    assert package["profile"]["wishes"]["employment_type"] == "PART_TIME"
    assert package["follow_up_dates"] == ["2026-11-22", "2026-12-15"]
    assert 0 < len(package["vacancies"]) <= 5
    for item in package["vacancies"]:
        assert "客服" in item["vacancy"]["title"]
        assert "兼职" in item["vacancy"]["employment_types"]


def test_save_stores_the_package_and_schedules_its_follow_ups(loaded: CliRunner) -> None:
    result = loaded.invoke(
        app, ["package", "--fact", "age=52", "--want", "保洁", "--save", "--session", "cli:窗口1"]
    )
    assert result.exit_code == 0, result.output
    assert "重点群体：大龄" in result.output or "50" in result.output
    assert "已保存服务包 #1（会话 cli:窗口1）" in result.output

    database = build_database(get_settings())
    try:
        stored = PackageStore(database).for_session("cli:窗口1")
    finally:
        database.dispose()
    assert len(stored) == 1 and stored[0].channel == "cli"
    assert stored[0].key_groups == ["older_worker"]
    assert [f.day for f in stored[0].follow_ups] == [7, 30]
    assert all(f.status == "scheduled" for f in stored[0].follow_ups)


def test_no_key_group_still_gets_vacancies_and_no_subsidy(loaded: CliRunner) -> None:
    result = loaded.invoke(app, ["package", "--want", "厨师", "--json"])
    assert result.exit_code == 0, result.output
    package = json.loads(result.output)
    assert package["profile"]["key_groups"] == []
    assert package["vacancies"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fact", "age"], "应写成 名称=取值"),
        (["--fact", "age=很老"], "age"),
        (["--fact", "no_such_fact=1"], "no_such_fact"),
        (["--region", "41010"], "41010"),
        (["--date", "2026-13-01"], "2026-13-01"),
        (["--near", "north"], "north"),
        (["--session", "cli:x"], "--session 要和 --save 一起用"),
    ],
)
def test_bad_input_is_refused_in_chinese(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["package", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
