"""Reading JSONL manifests: good lines become entries, bad lines become problems."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from knowledge.policies.errors import ManifestError
from knowledge.policies.manifest import (
    ManifestEntry,
    ManifestProblem,
    read_manifest,
)
from knowledge.policies.models import NATIONAL


def _line(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False)


def _write(folder: Path, *lines: str, name: str = "manifest.jsonl") -> Path:
    manifest = folder / name
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


NATIONAL_LINE = _line(
    path="行政法规/失业保险条例(1999-01-22).md",
    title="失业保险条例",
    region="000000",
    level="national",
    category="行政法规",
    version_date="1999-01-22",
    valid_from="1999-01-22",
)
LOCAL_LINE = _line(
    path="local/郑州市失业保险条例.md",
    title="郑州市失业保险条例",
    region="410100",
    level="municipal",
    category="地方性法规",
    valid_from="2019-01-22",
    valid_to="2025-01-01",
    superseded_by="local/郑州市失业保险条例(2025).md",
)


# -- a malformed manifest ------------------------------------------------------------


def test_bad_lines_are_reported_by_number_and_skipped(tmp_path: Path) -> None:
    manifest = _write(
        tmp_path,
        NATIONAL_LINE,
        '{"path": "a.md", "title": "缺了右括号"',
        _line(title="没有路径的文件", region="000000"),
        _line(path="b.md", title="日期写错", valid_from="2019-13-45"),
        "",
        LOCAL_LINE,
    )
    result = read_manifest(manifest)
    assert [p.line_no for p in result.problems] == [2, 3, 4]
    assert result.problems[0].reason.startswith("不是合法的 JSON：")
    assert result.problems[1] == ManifestProblem(3, "缺少 path 字段")
    assert result.problems[2].reason.startswith("valid_from 日期格式错误：")
    assert "2019-13-45" in result.problems[2].reason
    assert [entry.line_no for entry in result.entries] == [1, 6]
    assert [entry.key for entry in result.entries] == [
        "行政法规/失业保险条例(1999-01-22).md",
        "local/郑州市失业保险条例.md",
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (_line(path="a.md", region="4101"), "region 不是 6 位行政区划代码：'4101'"),
        (_line(path="a.md", region=410100), "region 不是 6 位行政区划代码：410100"),
        (_line(path="a.md", audience="retirees"), "audience 应为 job_seeker、employer、both 之一"),
        (_line(path="a.md", level="village"), "level 应为"),
        (_line(path="a.md", valid_from="2020-01-01", valid_to="2019-01-01"), "早于 valid_from"),
        (_line(path="a.md", valid_to="明年"), "valid_to 日期格式错误"),
        (_line(path="a.md", title=["失业保险"]), "title 应是文字"),
        (_line(path=""), "path 应是非空的文字"),
        (_line(path=42), "path 应是非空的文字"),
        ('["a.md"]', "应是一个 JSON 对象"),
    ],
)
def test_each_rule_has_a_reason(tmp_path: Path, line: str, reason: str) -> None:
    result = read_manifest(_write(tmp_path, line))
    assert result.entries == []
    assert len(result.problems) == 1
    assert result.problems[0].line_no == 1
    assert reason in result.problems[0].reason


def test_duplicate_paths_keep_the_first(tmp_path: Path) -> None:
    result = read_manifest(_write(tmp_path, NATIONAL_LINE, NATIONAL_LINE))
    assert [entry.line_no for entry in result.entries] == [1]
    assert result.problems == [ManifestProblem(2, result.problems[0].reason)]
    assert "重复" in result.problems[0].reason and "第 1 行" in result.problems[0].reason


def test_a_window_closed_the_day_it_opened_is_allowed(tmp_path: Path) -> None:
    # The laws corpus has copies superseded the same day they appeared: never in force.
    line = _line(path="a.md", valid_from="2011-10-29", valid_to="2011-10-29", superseded_by="b.md")
    result = read_manifest(_write(tmp_path, line))
    assert result.problems == []
    assert result.entries[0].metadata.valid_to == date(2011, 10, 29)


# -- what an entry holds -------------------------------------------------------------


def test_entry_fields(tmp_path: Path) -> None:
    result = read_manifest(_write(tmp_path, LOCAL_LINE))
    entry = result.entries[0]
    assert isinstance(entry, ManifestEntry)
    assert entry.key == "local/郑州市失业保险条例.md"
    assert entry.path == tmp_path / "local" / "郑州市失业保险条例.md"
    metadata = entry.metadata
    assert metadata.title == "郑州市失业保险条例"
    assert metadata.region == "410100"
    assert metadata.level == "municipal"
    assert metadata.category == "地方性法规"
    assert metadata.valid_from == date(2019, 1, 22)
    assert metadata.valid_to == date(2025, 1, 1)
    assert metadata.superseded_by == "local/郑州市失业保险条例(2025).md"
    assert metadata.source == entry.key == "local/郑州市失业保险条例.md"
    assert entry.extra == {}


def test_known_extras_go_into_metadata_and_the_rest_into_extra(tmp_path: Path) -> None:
    line = _line(
        path="notice.md",
        title="关于做好就业工作的通知",
        id="rs-2025-21",
        issuer="人力资源社会保障部",
        doc_number="人社部发〔2025〕21号",
        audience="employer",
        source="https://www.mohrss.gov.cn/notice.html",
        version_date="2025-05-20",
        tags=["就业", "补贴"],
    )
    entry = read_manifest(_write(tmp_path, line)).entries[0]
    assert entry.metadata.id == "rs-2025-21"
    assert entry.metadata.issuer == "人力资源社会保障部"
    assert entry.metadata.doc_number == "人社部发〔2025〕21号"
    assert entry.metadata.audience == "employer"
    assert entry.metadata.source == "https://www.mohrss.gov.cn/notice.html"
    assert entry.extra == {"version_date": "2025-05-20", "tags": ["就业", "补贴"]}


def test_metadata_states_only_what_the_line_states(tmp_path: Path) -> None:
    """Unstated or null fields stay unset, so inferred metadata can fill them in."""
    line = _line(path="a.md", title="某条例", region="410000", valid_from=None, valid_to=None)
    metadata = read_manifest(_write(tmp_path, line)).entries[0].metadata
    assert metadata.model_fields_set == {"title", "region", "level", "source"}
    assert metadata.level == "provincial"  # derived from the region, never contradicting it


def test_region_defaults_to_national(tmp_path: Path) -> None:
    metadata = read_manifest(_write(tmp_path, _line(path="a.md"))).entries[0].metadata
    assert (metadata.region, metadata.level) == (NATIONAL, "national")


def test_utf8_bom_and_blank_lines(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(
        "\ufeff" + NATIONAL_LINE + "\n\n   \n" + LOCAL_LINE + "\n", encoding="utf-8"
    )
    result = read_manifest(manifest)
    assert result.problems == []
    assert [entry.line_no for entry in result.entries] == [1, 4]


def test_missing_manifest_raises(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as caught:
        read_manifest(tmp_path / "manifest.jsonl")
    assert caught.value.line_no is None
    assert "文件不存在" in str(caught.value)


def test_undecodable_manifest_raises(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(NATIONAL_LINE.encode("gb18030"))
    with pytest.raises(ManifestError, match="UTF-8"):
        read_manifest(manifest)


# -- the only list -------------------------------------------------------------------


def test_only_list_from_a_file(tmp_path: Path) -> None:
    manifest = _write(tmp_path, NATIONAL_LINE, LOCAL_LINE)
    only = tmp_path / "only.txt"
    only.write_text(
        "# employment documents\n\nlocal/郑州市失业保险条例.md\n  \nnot/in/manifest.md\n",
        encoding="utf-8",
    )
    result = read_manifest(manifest, only=only)
    assert [entry.key for entry in result.entries] == ["local/郑州市失业保险条例.md"]
    assert len(result.problems) == 1
    assert result.problems[0].line_no is None
    assert "not/in/manifest.md" in result.problems[0].reason


def test_only_list_as_an_iterable(tmp_path: Path) -> None:
    manifest = _write(tmp_path, NATIONAL_LINE, LOCAL_LINE)
    result = read_manifest(manifest, only=["行政法规/失业保险条例(1999-01-22).md"])
    assert [entry.line_no for entry in result.entries] == [1]
    assert result.problems == []
    assert read_manifest(manifest, only=[]).entries == []


def test_only_list_given_as_a_string_is_a_file(tmp_path: Path) -> None:
    manifest = _write(tmp_path, NATIONAL_LINE, LOCAL_LINE)
    only = tmp_path / "only.txt"
    only.write_text("local/郑州市失业保险条例.md\n", encoding="utf-8")
    assert len(read_manifest(manifest, only=str(only)).entries) == 1


def test_listed_path_on_a_bad_line_is_not_reported_missing(tmp_path: Path) -> None:
    manifest = _write(tmp_path, _line(path="a.md", valid_from="坏日期"))
    result = read_manifest(manifest, only=["a.md"])
    assert [p.line_no for p in result.problems] == [1]


def test_missing_only_file_raises(tmp_path: Path) -> None:
    manifest = _write(tmp_path, NATIONAL_LINE)
    with pytest.raises(ManifestError):
        read_manifest(manifest, only=tmp_path / "only.txt")


# -- the real corpus -----------------------------------------------------------------


@pytest.mark.corpus
def test_laws_cn_manifest_reads_cleanly(laws_cn: Path) -> None:
    result = read_manifest(laws_cn / "manifest.jsonl")
    assert result.problems == []
    # Four laws are filed twice in the same version; the second copy is not read again.
    assert len(result.entries) + len(result.copies) == 3475
    assert len(result.copies) == 4
    assert len({entry.key for entry in result.entries}) == 3471
    assert all(entry.path.is_file() for entry in result.entries)
    by_key = {entry.key: entry for entry in result.entries}
    unemployment = by_key["行政法规/失业保险条例(1999-01-22).md"]
    assert unemployment.metadata.title == "失业保险条例"
    assert unemployment.metadata.region == NATIONAL
    assert unemployment.metadata.valid_from == date(1999, 1, 22)
    assert unemployment.extra == {"version_date": "1999-01-22"}
    superseded = [entry for entry in result.entries if entry.metadata.superseded_by]
    assert superseded and all(entry.metadata.valid_to for entry in superseded)
    assert all(entry.metadata.superseded_by in by_key for entry in superseded)


@pytest.mark.corpus
def test_a_copy_that_names_its_twin_as_replacement_is_the_version_in_force(laws_cn: Path) -> None:
    """Fault 23 of the suites' report: 社会法/职业病防治法 says it was replaced the day it
    appeared by 经济法/职业病防治法, the same 2018 text filed under another category."""
    copy = "社会法/职业病防治法(2018-12-29).md"
    twin = "经济法/职业病防治法(2018-12-29).md"
    alone = read_manifest(laws_cn / "manifest.jsonl", only=[copy])
    (entry,) = alone.entries
    assert entry.metadata.valid_to is None and entry.metadata.superseded_by is None
    both = read_manifest(laws_cn / "manifest.jsonl", only=[copy, twin])
    assert [e.key for e in both.entries] == [twin] and both.copies == [copy]


@pytest.mark.corpus
def test_laws_cn_employment_subset(laws_cn: Path) -> None:
    result = read_manifest(laws_cn / "manifest.jsonl", only=laws_cn / "employment.txt")
    assert result.problems == []
    assert len(result.entries) == 78
    regions = {entry.metadata.region for entry in result.entries}
    assert {NATIONAL, "410000", "410100", "440000"} <= regions
