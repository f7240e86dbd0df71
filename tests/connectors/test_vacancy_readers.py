"""Feed formats → raw records (readers) → vacancies, and the feed list (feeds.load_feed_list)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import prcoords
import pytest

from connectors.geo import CoordinateSystem, GeoPoint, distance_km
from connectors.vacancies.errors import FeedError, FeedFormatError, RecordError
from connectors.vacancies.feeds import FeedSpec, load_feed_list
from connectors.vacancies.jobposting import FeedOptions, parse_job_posting
from connectors.vacancies.models import Education, EmploymentType, Salary, Vacancy
from connectors.vacancies.readers import (
    CsvMapping,
    FeedFormat,
    RawRecord,
    detect_format,
    read_records,
)
from connectors.vacancies.salary import SalaryUnit
from tests.conftest import FIXTURES

JOB_PAGE = FIXTURES / "vacancies" / "job_page.html"
OPTIONS = FeedOptions(source="test")


def posting(identifier: str, title: str, **extra: Any) -> dict[str, Any]:
    return {
        "@type": "JobPosting",
        "identifier": identifier,
        "title": title,
        "hiringOrganization": {"@type": "Organization", "name": "郑州速达物流有限公司"},
        **extra,
    }


def read(content: str | bytes, fmt: FeedFormat, mapping: CsvMapping | None = None) -> list[Any]:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return list(read_records(data, fmt, mapping))


def vacancies(records: list[RawRecord], options: FeedOptions = OPTIONS) -> list[Vacancy]:
    assert all(record.error is None for record in records), records
    return [parse_job_posting(record.data, options) for record in records]


# ---------------------------------------------------------------------------- detect_format


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("jobs.jsonl", FeedFormat.JSONL),
        ("jobs.ndjson", FeedFormat.JSONL),
        ("jobs.json", FeedFormat.JSONLD),
        ("/data/JOBS.JSONLD", FeedFormat.JSONLD),
        ("page.html", FeedFormat.HTML),
        ("page.htm", FeedFormat.HTML),
        ("岗位信息.csv", FeedFormat.CSV),
        ("https://job.example.gov.cn/export/jobs.jsonl?page=2&size=100", FeedFormat.JSONL),
    ],
)
def test_detect_format_by_suffix(name: str, fmt: FeedFormat) -> None:
    # The suffix wins over content that looks like something else.
    assert detect_format(name, b"<html></html>" if fmt is not FeedFormat.HTML else b"[]") is fmt


@pytest.mark.parametrize(
    ("content_type", "fmt"),
    [
        ("text/html; charset=utf-8", FeedFormat.HTML),
        ("text/csv", FeedFormat.CSV),
        ("application/x-ndjson", FeedFormat.JSONL),
        ("application/jsonl", FeedFormat.JSONL),
        ("Application/LD+JSON; charset=UTF-8", FeedFormat.JSONLD),
    ],
)
def test_detect_format_by_content_type(content_type: str, fmt: FeedFormat) -> None:
    content = b"{}" if fmt is not FeedFormat.JSONLD else b"<p>"
    assert detect_format("https://job.example.gov.cn/api/jobs", content, content_type) is fmt


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        (
            b'{"@type": "JobPosting", "title": "a"}\n{"@type": "JobPosting", "title": "b"}\n',
            "jsonl",
        ),
        (b'{"@type": "JobPosting", "title": "a"}\n\n', "jsonld"),  # one object: a document
        (b'[{"@type": "JobPosting"},\n {"@type": "JobPosting"}]', "jsonld"),
        (b'\n  [\n  {"@type": "JobPosting"}\n]', "jsonld"),
        (b'{\n  "@type": "JobPosting",\n  "title": "a"\n}\n', "jsonld"),
        (b'{"@context": "https://schema.org",\n "@graph": []}', "jsonld"),
        (b"<!DOCTYPE html><html></html>", "html"),
        (b"\xef\xbb\xbf  <html>", "html"),
        (b'\xef\xbb\xbf{"title": "a"}\r\n{"title": "b"}', "jsonl"),
    ],
)
def test_detect_format_by_content(content: bytes, fmt: str) -> None:
    # Unhelpful name and content type: only the first bytes tell.
    assert detect_format("https://x.example/feed", content, "text/plain") is FeedFormat(fmt)


def test_minified_item_list_without_suffix_is_read_as_json_ld() -> None:
    # An API endpoint: no suffix, a generic content type, the whole document on one line.
    document = {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "ListItem", "item": posting("1", "分拣员")},
            {"@type": "ListItem", "item": posting("2", "叉车司机")},
        ],
    }
    content = json.dumps(document, ensure_ascii=False).encode()
    fmt = detect_format("https://job.example.gov.cn/api/jobs", content, "application/json")
    assert fmt is FeedFormat.JSONLD
    assert [v.title for v in vacancies(read(content, fmt))] == ["分拣员", "叉车司机"]


@pytest.mark.parametrize("content", [b"", b"   ", "岗位名称,薪资\n".encode(), b"PK\x03\x04"])
def test_detect_format_gives_up_clearly(content: bytes) -> None:
    with pytest.raises(FeedFormatError, match="无法判断 feed 的格式"):
        detect_format("feed", content)


# ----------------------------------------------------------------------- JSON-LD and JSON Lines


def test_single_json_ld_object() -> None:
    document = {"@context": "https://schema.org/", **posting("1", "仓库分拣员")}
    records = read(json.dumps(document, ensure_ascii=False), FeedFormat.JSONLD)
    assert records == [RawRecord("第1条", document)]
    assert vacancies(records)[0].title == "仓库分拣员"


def test_json_ld_list() -> None:
    items = [posting("1", "分拣员"), posting("2", "叉车司机"), posting("3", "理货员")]
    records = read(json.dumps(items), FeedFormat.JSONLD)
    assert [r.position for r in records] == ["第1条", "第2条", "第3条"]
    assert [v.title for v in vacancies(records)] == ["分拣员", "叉车司机", "理货员"]


def test_json_ld_graph() -> None:
    document = {
        "@context": "https://schema.org/",
        "@graph": [posting("1", "分拣员"), posting("2", "叉车司机")],
    }
    records = read(json.dumps(document), FeedFormat.JSONLD)
    assert [v.identifier for v in vacancies(records)] == ["1", "2"]


def test_json_ld_item_list() -> None:
    document = {
        "@context": "https://schema.org/",
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "item": posting("1", "分拣员")},
            {"@type": "ListItem", "position": 2, "item": posting("2", "叉车司机")},
            posting("3", "理货员"),  # some feeds put the postings in the list directly
        ],
    }
    records = read(json.dumps(document), FeedFormat.JSONLD)
    assert [r.position for r in records] == ["第1条", "第2条", "第3条"]
    assert [v.title for v in vacancies(records)] == ["分拣员", "叉车司机", "理货员"]


def test_json_ld_with_bom_and_gb18030() -> None:
    text = json.dumps([posting("1", "保洁员")], ensure_ascii=False)
    assert vacancies(read(b"\xef\xbb\xbf" + text.encode("utf-8"), FeedFormat.JSONLD))[0].title == (
        "保洁员"
    )
    assert vacancies(read(text.encode("gb18030"), FeedFormat.JSONLD))[0].title == "保洁员"


def test_broken_json_ld_document_is_a_feed_format_error() -> None:
    with pytest.raises(FeedFormatError, match="不是有效的 JSON"):
        read('[{"@type": "JobPosting",}]', FeedFormat.JSONLD)


def test_html_page_with_a_broken_block_reads_the_other() -> None:
    records = read(JOB_PAGE.read_bytes(), FeedFormat.HTML)
    assert len(records) == 2  # the application/json script is not JSON-LD

    broken, good = records
    assert broken.position == "第1个 JSON-LD 块"
    assert broken.data is None
    assert broken.error is not None and broken.error.startswith("不是有效的 JSON")

    assert good.position == "第2个 JSON-LD 块第1条"
    assert good.error is None
    vacancy = parse_job_posting(good.data, FeedOptions(source="job.example.gov.cn"))
    assert vacancy.identifier == "ZZ-2025-0417"
    assert vacancy.title == "仓库分拣员"
    assert vacancy.employer == "郑州速达物流有限公司"
    assert vacancy.description == "负责快递包裹分拣、扫码、装车。 两班倒,夜班有补贴。"
    assert vacancy.region == "410103" and vacancy.district == "二七区"
    assert vacancy.salary == Salary(min_amount=5000, max_amount=7000)
    assert vacancy.education is Education.MIDDLE_SCHOOL
    assert vacancy.experience_months == 0
    assert vacancy.benefits == ("五险", "包住", "夜班补贴")
    assert vacancy.openings == 20


def test_html_block_with_a_graph_numbers_its_items() -> None:
    graph = {"@graph": [posting("1", "分拣员"), posting("2", "叉车司机")]}
    page = (
        "<html><head><script type='application/ld+json'>"
        + json.dumps(graph, ensure_ascii=False)
        + "</script></head><body><p>无</p></body></html>"
    )
    records = read(page, FeedFormat.HTML)
    assert [r.position for r in records] == ["第1个 JSON-LD 块第1条", "第1个 JSON-LD 块第2条"]
    assert read("<html><body>没有结构化数据</body></html>", FeedFormat.HTML) == []


def test_json_lines_report_a_broken_line_and_read_the_rest() -> None:
    lines = [
        json.dumps(posting("1", "分拣员"), ensure_ascii=False),
        "",
        '{"@type": "JobPosting", "title": "叉车司机"',  # line 3: cut short
        "   ",
        json.dumps(posting("5", "理货员"), ensure_ascii=False),
    ]
    records = read("\n".join(lines) + "\n", FeedFormat.JSONL)
    assert [r.position for r in records] == ["第1行", "第3行", "第5行"]
    assert records[1].data is None
    assert records[1].error is not None and records[1].error.startswith("不是有效的 JSON")
    assert records[0].error is None and records[2].error is None
    assert [parse_job_posting(r.data, OPTIONS).title for r in (records[0], records[2])] == [
        "分拣员",
        "理货员",
    ]


def test_json_lines_with_crlf_and_bom() -> None:
    text = "\ufeff" + json.dumps(posting("1", "a")) + "\r\n" + json.dumps(posting("2", "b"))
    records = read(text, FeedFormat.JSONL)
    assert [(r.position, r.data["identifier"]) for r in records] == [("第1行", "1"), ("第2行", "2")]


# ------------------------------------------------------------------------------------- CSV

DEFAULT_CSV = (
    "岗位编号,岗位名称,招聘单位,薪资,用工形式,学历要求,经验要求,福利待遇,区划代码,工作地址,"
    "纬度,经度,坐标系,联系人,联系电话,截止日期\n"
    "ZZ-1,仓库分拣员,郑州速达物流有限公司,5000-7000元/月,全职,初中,不限,五险、包住,410103,"
    "大学南路168号,34.705,113.64,,张经理,0371-66668888,2025-07-18\n"
    "ZZ-2,叉车司机,郑州速达物流有限公司,150元/天,日结,不限,1年以上,,,"
    "郑州市金水区花园路1号,,,,,,\n"
)


@pytest.mark.parametrize(
    "content",
    [
        DEFAULT_CSV.encode("utf-8-sig"),
        DEFAULT_CSV.encode("utf-8"),
        DEFAULT_CSV.encode("gb18030"),
        DEFAULT_CSV.replace("\n", "\r\n").encode("gb18030"),
    ],
    ids=["utf-8-bom", "utf-8", "gb18030", "gb18030-crlf"],
)
def test_csv_with_default_chinese_headers(content: bytes) -> None:
    records = read(content, FeedFormat.CSV)
    assert [r.position for r in records] == ["第2行", "第3行"]
    first, second = vacancies(records)

    assert first.identifier == "ZZ-1"
    assert first.title == "仓库分拣员"
    assert first.employer == "郑州速达物流有限公司"
    assert first.salary == Salary(min_amount=5000, max_amount=7000)
    assert first.employment_types == (EmploymentType.FULL_TIME,)
    assert first.education is Education.MIDDLE_SCHOOL
    assert first.experience_months == 0
    assert first.benefits == ("五险", "包住")
    assert (first.region, first.district, first.address) == ("410103", "二七区", "大学南路168号")
    assert (first.lat, first.lon) == (34.705, 113.64)
    assert first.contact is not None and first.contact.telephone == "0371-66668888"
    assert first.how_to_apply == "电话 0371-66668888（张经理）"
    assert first.valid_through is not None and first.valid_through.hour == 23

    assert second.salary == Salary(min_amount=150, unit=SalaryUnit.DAY)
    assert second.employment_types == (EmploymentType.PER_DIEM,)
    assert second.experience_months == 12
    assert (second.region, second.district) == ("410105", "金水区")
    assert second.lat is None and second.lon is None
    assert second.contact is None
    assert second.direct_apply is False


def test_csv_accepts_english_field_names_as_headers() -> None:
    text = (
        "identifier,title,employer,salary_min,salary_max,salary_unit\nA7,保安,某物业,20,25,小时\n"
    )
    (vacancy,) = vacancies(read(text, FeedFormat.CSV))
    assert vacancy.identifier == "A7"
    assert vacancy.salary == Salary(min_amount=20, max_amount=25, unit=SalaryUnit.HOUR)
    assert vacancy.salary.monthly_min == 3480


def test_csv_positions_are_physical_line_numbers() -> None:
    text = (
        "岗位编号,岗位名称,招聘单位,岗位描述\n"
        'A1,分拣员,速达物流,"第一行描述\n第二行描述"\n'  # lines 2-3
        "\n"  # line 4: blank
        "A2,叉车司机,速达物流,持叉车证\n"  # line 5
        ",,,\n"  # line 6: empty cells
        'A3,理货员,速达物流,"a\n\nb"\n'  # lines 7-9
        "A4,保洁员,速达物流,\n"  # line 10
    )
    records = read(text, FeedFormat.CSV)
    assert [(r.position, r.data["identifier"]) for r in records] == [
        ("第2行", "A1"),
        ("第5行", "A2"),
        ("第7行", "A3"),
        ("第10行", "A4"),
    ]
    assert vacancies(records)[0].description == "第一行描述 第二行描述"


def test_csv_row_without_identifier_or_url_fails_at_parse_with_its_position() -> None:
    text = (
        "岗位名称,招聘单位,详情链接\n分拣员,速达物流,https://jobs.example.cn/1\n理货员,速达物流,\n"
    )
    records = read(text, FeedFormat.CSV)
    assert parse_job_posting(records[0].data, OPTIONS).identifier == "https://jobs.example.cn/1"
    assert records[1].position == "第3行"
    with pytest.raises(RecordError, match="缺少 identifier"):
        parse_job_posting(records[1].data, OPTIONS)


def test_csv_without_a_title_column_is_a_feed_format_error() -> None:
    with pytest.raises(FeedFormatError, match="找不到岗位名称列"):
        read("编号,单位\n1,速达物流\n", FeedFormat.CSV)


def write_mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


MAPPING_YAML = """\
# 某区人社局导出表
delimiter: ";"
columns:
  identifier: 编号
  title: 职位
  employer: 单位名称
  salary_min: 月薪下限
  salary_max: 月薪上限
  address: 地址
  latitude: 纬度(高德)
  longitude: 经度(高德)
defaults:
  district_code: "410105"
  coordinate_system: GCJ02
  salary_unit: MONTH
  employment_type: 全职
"""

# The workplace in WGS-84, and as 高德 (GCJ-02) exports it.
WORKPLACE = GeoPoint(34.7800, 113.6800)
WORKPLACE_GCJ = prcoords.wgs_gcj(prcoords.Coords(WORKPLACE.lat, WORKPLACE.lon))


def test_csv_with_a_mapping_file(tmp_path: Path) -> None:
    mapping = CsvMapping.load(write_mapping(tmp_path, MAPPING_YAML))
    assert mapping.delimiter == ";"
    assert mapping.columns["title"] == "职位"
    assert mapping.defaults["district_code"] == "410105"

    text = (
        "编号;职位;单位名称;月薪下限;月薪上限;地址;纬度(高德);经度(高德);岗位名称\n"
        f"JS-1;收银员;金水区某超市;4000;5000;花园路1号;{WORKPLACE_GCJ.lat};{WORKPLACE_GCJ.lon};忽略\n"
        "JS-2;理货员;金水区某超市;;4500;;;;\n"
    )
    records = read(text, FeedFormat.CSV, mapping)
    assert [r.position for r in records] == ["第2行", "第3行"]
    first, second = vacancies(records)

    assert first.identifier == "JS-1"
    assert first.title == "收银员"  # the mapped column, not the default 岗位名称 header
    assert first.employer == "金水区某超市"
    assert first.salary == Salary(min_amount=4000, max_amount=5000)
    assert first.employment_types == (EmploymentType.FULL_TIME,)
    assert (first.region, first.district) == ("410105", "金水区")
    assert first.lat is not None and first.lon is not None
    assert distance_km(GeoPoint(first.lat, first.lon), WORKPLACE) < 0.001  # GCJ-02 converted

    assert second.salary == Salary(max_amount=4500)
    assert second.salary.text == "4500元/月以下"
    assert second.lat is None


def test_csv_mapping_with_encoding(tmp_path: Path) -> None:
    mapping = CsvMapping.load(
        write_mapping(tmp_path, "encoding: gb18030\ncolumns:\n  title: 职位\n")
    )
    content = "职位,招聘单位,岗位编号\n保安,某物业,9\n".encode("gb18030")
    (vacancy,) = vacancies(read(content, FeedFormat.CSV, mapping))
    assert (vacancy.title, vacancy.employer, vacancy.identifier) == ("保安", "某物业", "9")

    wrong = CsvMapping(encoding="utf-8")
    with pytest.raises(FeedFormatError, match="无法按 utf-8 解码"):
        read(content, FeedFormat.CSV, wrong)


def test_mapping_naming_an_absent_column_is_a_feed_format_error(tmp_path: Path) -> None:
    mapping = CsvMapping.load(write_mapping(tmp_path, MAPPING_YAML))
    text = "编号;职位;单位名称;月薪下限;地址\nJS-1;收银员;某超市;4000;花园路1号\n"
    with pytest.raises(FeedFormatError, match="没有映射文件指定的列") as caught:
        read(text, FeedFormat.CSV, mapping)
    message = str(caught.value)
    assert "月薪上限" in message and "纬度(高德)" in message and "经度(高德)" in message
    assert "职位" not in message.split("：", 1)[1]


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("columns:\n  title: 职位\nseparator: ';'\n", "separator"),
        ("columns:\n  title: 职位\n  salary_currency: 币种\n", "salary_currency"),
        ("columns:\n  title: 职位\ndefaults:\n  region: '410105'\n", "region"),
    ],
)
def test_mapping_with_an_unknown_key_is_a_feed_format_error(
    tmp_path: Path, text: str, unknown: str
) -> None:
    with pytest.raises(FeedFormatError, match="未知的键") as caught:
        CsvMapping.load(write_mapping(tmp_path, text))
    assert unknown in str(caught.value)


@pytest.mark.parametrize("text", ["- title\n- 职位\n", "columns: [\n"])
def test_mapping_that_is_not_a_yaml_mapping_is_a_feed_format_error(
    tmp_path: Path, text: str
) -> None:
    with pytest.raises(FeedFormatError, match="列映射文件"):
        CsvMapping.load(write_mapping(tmp_path, text))


def test_missing_mapping_file_is_a_feed_format_error(tmp_path: Path) -> None:
    with pytest.raises(FeedFormatError, match="读不了列映射文件"):
        CsvMapping.load(tmp_path / "absent.yaml")


# --------------------------------------------------------------------------- load_feed_list


def test_load_feed_list(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    feeds_yaml = folder / "feeds.yaml"
    feeds_yaml.write_text(
        """\
feeds:
  - exports/jinshui.csv
  - location: data/erqi.jsonl
    source: 二七区人社局
    format: jsonl
    mapping: maps/erqi.yaml
    crs: GCJ-02
    full: false
    region: 410103
  - location: https://job.example.gov.cn/feed.json?since=2025-06-01
    crs: 百度
  - location: /srv/feeds/page.html
""",
        encoding="utf-8",
    )
    jinshui, erqi, remote, absolute = load_feed_list(feeds_yaml)

    assert jinshui == FeedSpec(location=str(folder / "exports" / "jinshui.csv"))
    assert jinshui.source_name == "jinshui.csv"
    assert jinshui.crs is CoordinateSystem.WGS84 and jinshui.full is True
    assert not jinshui.is_http

    assert erqi.location == str(folder / "data" / "erqi.jsonl")
    assert erqi.source_name == "二七区人社局"
    assert erqi.format is FeedFormat.JSONL
    assert erqi.mapping == folder / "maps" / "erqi.yaml"
    assert erqi.crs is CoordinateSystem.GCJ02
    assert erqi.full is False
    assert erqi.region == "410103"

    assert remote.location == "https://job.example.gov.cn/feed.json?since=2025-06-01"
    assert remote.is_http
    assert remote.source_name == "job.example.gov.cn"
    assert remote.crs is CoordinateSystem.BD09
    assert remote.mapping is None and remote.format is None

    assert absolute.location == "/srv/feeds/page.html"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("feeds:\n  - location: a.csv\n    delimiter: ';'\n", "第1项：未知的键 delimiter"),
        ("feeds:\n  - a.csv\n  - location: b.csv\n    crs: CGCS2000\n", "第2项：未知的坐标系"),
        ("feeds:\n  - location: a.csv\n    format: xml\n", "第1项"),
        ("feeds:\n  - source: 某区\n", "第1项：缺少 location"),
        ("feeds: a.csv\n", "应有 feeds: 列表"),
        ("- a.csv\n", "应有 feeds: 列表"),
        ("", "应有 feeds: 列表"),
        ("feeds: [\n", "读不了订阅源列表"),
    ],
)
def test_load_feed_list_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FeedError, match=message):
        load_feed_list(path)


def test_load_feed_list_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="读不了订阅源列表"):
        load_feed_list(tmp_path / "absent.yaml")
