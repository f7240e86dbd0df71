"""Feed formats → raw JobPosting objects, each with its position in the feed.

- JSON-LD: one JobPosting, a list, an ``@graph`` or an ``ItemList`` of them;
- HTML: every ``<script type="application/ld+json">`` block of a page;
- JSON Lines: one JobPosting per line;
- CSV: one row per vacancy, columns named by a mapping file (YAML) or by the defaults below.

CSV rows are turned into the same JobPosting shape, so one parser reads every format.
A record that cannot even be decoded comes back with its error and the rest go on.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from bs4 import BeautifulSoup

from connectors.vacancies.errors import FeedFormatError
from knowledge.chinese import decode_text

__all__ = ["CSV_FIELDS", "CsvMapping", "FeedFormat", "RawRecord", "detect_format", "read_records"]


class FeedFormat(StrEnum):
    JSONLD = "jsonld"
    JSONL = "jsonl"
    HTML = "html"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as decoded, or why it could not be; ``position`` is for people (第3行)."""

    position: str
    data: Any = None
    error: str | None = None


# CSV fields and their default column names (the English field name is accepted too).
CSV_FIELDS: dict[str, str] = {
    "identifier": "岗位编号",
    "title": "岗位名称",
    "description": "岗位描述",
    "employer": "招聘单位",
    "date_posted": "发布日期",
    "valid_through": "截止日期",
    "employment_type": "用工形式",
    "salary": "薪资",
    "salary_min": "最低薪资",
    "salary_max": "最高薪资",
    "salary_unit": "薪资单位",
    "education": "学历要求",
    "experience": "经验要求",
    "occupation": "职业",
    "industry": "行业",
    "benefits": "福利待遇",
    "openings": "招聘人数",
    "work_hours": "工作时间",
    "address": "工作地址",
    "district": "区县",
    "district_code": "区划代码",
    "latitude": "纬度",
    "longitude": "经度",
    "coordinate_system": "坐标系",
    "contact_name": "联系人",
    "telephone": "联系电话",
    "email": "邮箱",
    "apply_url": "投递链接",
    "url": "详情链接",
}


@dataclass(frozen=True)
class CsvMapping:
    """Which CSV column holds which field, plus constants for fields a feed leaves out."""

    columns: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str | None = None  # None: UTF-8 (with or without BOM), else GB18030

    @classmethod
    def load(cls, path: Path) -> CsvMapping:
        """Reads a mapping file: ``columns:``, and optionally ``defaults:``, ``delimiter:``,
        ``encoding:``."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise FeedFormatError(f"读不了列映射文件 {path}：{exc}") from exc
        if not isinstance(data, Mapping):
            raise FeedFormatError(f"列映射文件 {path} 应是一个 YAML 映射")
        unknown = set(data) - {"columns", "defaults", "delimiter", "encoding"}
        columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
        defaults = {str(k): str(v) for k, v in (data.get("defaults") or {}).items()}
        unknown |= (set(columns) | set(defaults)) - set(CSV_FIELDS)
        if unknown:
            raise FeedFormatError(
                f"列映射文件 {path} 中有未知的键：{'、'.join(sorted(unknown))}；"
                f"可用字段：{', '.join(CSV_FIELDS)}"
            )
        return cls(columns, defaults, str(data.get("delimiter") or ","), data.get("encoding"))

    def column_of(self, name: str, header: list[str]) -> str | None:
        if name in self.columns:
            return self.columns[name]
        for candidate in (CSV_FIELDS[name], name):
            if candidate in header:
                return candidate
        return None


def detect_format(name: str, content: bytes, content_type: str | None = None) -> FeedFormat:
    """From the file name or URL, else the Content-Type, else the first bytes."""
    suffix = Path(name.split("?", 1)[0]).suffix.lower()
    by_suffix = {
        ".jsonl": FeedFormat.JSONL,
        ".ndjson": FeedFormat.JSONL,
        ".json": FeedFormat.JSONLD,
        ".jsonld": FeedFormat.JSONLD,
        ".html": FeedFormat.HTML,
        ".htm": FeedFormat.HTML,
        ".csv": FeedFormat.CSV,
    }
    if suffix in by_suffix:
        return by_suffix[suffix]
    kind = (content_type or "").split(";")[0].strip().lower()
    by_type = {
        "text/html": FeedFormat.HTML,
        "text/csv": FeedFormat.CSV,
        "application/x-ndjson": FeedFormat.JSONL,
        "application/jsonl": FeedFormat.JSONL,
        "application/ld+json": FeedFormat.JSONLD,
    }
    if kind in by_type:
        return by_type[kind]
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return FeedFormat.HTML
    if head == b"[":
        return FeedFormat.JSONLD
    if head == b"{":
        first, _, rest = content.lstrip(b"\xef\xbb\xbf \t\r\n").partition(b"\n")
        try:
            json.loads(first)
        except ValueError:
            return FeedFormat.JSONLD
        # One object on one line is a JSON-LD document (it may be an @graph or an ItemList).
        return FeedFormat.JSONL if rest.strip() else FeedFormat.JSONLD
    raise FeedFormatError(f"无法判断 {name} 的格式（支持 JSON-LD、JSON Lines、HTML、CSV）")


def read_records(
    content: bytes, fmt: FeedFormat, mapping: CsvMapping | None = None
) -> Iterator[RawRecord]:
    """The records of a feed; FeedFormatError when the feed as a whole cannot be read."""
    if fmt is FeedFormat.JSONL:
        yield from _json_lines(_decode(content))
    elif fmt is FeedFormat.JSONLD:
        try:
            document = json.loads(_decode(content))
        except ValueError as exc:
            raise FeedFormatError(f"不是有效的 JSON：{exc}") from exc
        yield from _json_ld(document, "第{}条")
    elif fmt is FeedFormat.HTML:
        yield from _html(_decode(content))
    else:
        yield from _csv(content, mapping or CsvMapping())


def _decode(content: bytes, encoding: str | None = None) -> str:
    if encoding:
        try:
            return content.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise FeedFormatError(f"无法按 {encoding} 解码：{exc}") from exc
    try:
        return decode_text(content)
    except UnicodeDecodeError as exc:
        raise FeedFormatError("编码既不是 UTF-8 也不是 GB18030") from exc


def _json_lines(text: str) -> Iterator[RawRecord]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        position = f"第{number}行"
        try:
            yield RawRecord(position, json.loads(line))
        except ValueError as exc:
            yield RawRecord(position, error=f"不是有效的 JSON：{exc.args[0]}")


def _json_ld(document: Any, position: str) -> Iterator[RawRecord]:
    """Unwraps lists, ``@graph`` and ``ItemList``; ``position`` has a ``{}`` for the index."""
    items: list[Any]
    if isinstance(document, list):
        items = document
    elif isinstance(document, Mapping) and isinstance(document.get("@graph"), list):
        items = document["@graph"]
    elif isinstance(document, Mapping) and document.get("@type") == "ItemList":
        items = [
            element.get("item", element) if isinstance(element, Mapping) else element
            for element in document.get("itemListElement") or []
        ]
    else:
        items = [document]
    for index, item in enumerate(items, start=1):
        yield RawRecord(position.format(index), item)


def _html(text: str) -> Iterator[RawRecord]:
    soup = BeautifulSoup(text, "html.parser")
    blocks = soup.find_all("script", attrs={"type": "application/ld+json"})
    for number, block in enumerate(blocks, start=1):
        try:
            document = json.loads(block.get_text())
        except ValueError as exc:
            yield RawRecord(f"第{number}个 JSON-LD 块", error=f"不是有效的 JSON：{exc.args[0]}")
            continue
        yield from _json_ld(document, f"第{number}个 JSON-LD 块第{{}}条")


def _csv(content: bytes, mapping: CsvMapping) -> Iterator[RawRecord]:
    text = _decode(content, mapping.encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter)
    header = [name.strip() for name in next(reader, [])]
    missing = [column for column in mapping.columns.values() if column not in header]
    if missing:
        raise FeedFormatError(f"CSV 中没有映射文件指定的列：{'、'.join(missing)}")
    columns = {name: mapping.column_of(name, header) for name in CSV_FIELDS}
    if columns["title"] is None:
        raise FeedFormatError(f"CSV 中找不到岗位名称列（{CSV_FIELDS['title']} 或 title）")
    index = {name: header.index(col) for name, col in columns.items() if col is not None}
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRecord(f"第{line}行", error=f"CSV 格式错误：{exc}")
            continue
        if not any(cell.strip() for cell in row):
            continue
        values = dict(mapping.defaults)
        for name, i in index.items():
            if i < len(row) and row[i].strip():
                values[name] = row[i].strip()
        yield RawRecord(f"第{line}行", _row_to_job_posting(values))


def _row_to_job_posting(row: dict[str, str]) -> dict[str, Any]:
    salary: Any = row.get("salary")
    if salary is None and ("salary_min" in row or "salary_max" in row):
        salary = {
            "value": {
                "minValue": row.get("salary_min"),
                "maxValue": row.get("salary_max"),
                "unitText": row.get("salary_unit", "MONTH"),
            }
        }
    return {
        "@type": "JobPosting",
        "identifier": row.get("identifier"),
        "title": row.get("title"),
        "description": row.get("description"),
        "hiringOrganization": {"name": row.get("employer")},
        "datePosted": row.get("date_posted"),
        "validThrough": row.get("valid_through"),
        "employmentType": row.get("employment_type"),
        "baseSalary": salary,
        "educationRequirements": row.get("education"),
        "experienceRequirements": row.get("experience"),
        "occupationalCategory": row.get("occupation"),
        "industry": row.get("industry"),
        "jobBenefits": row.get("benefits"),
        "totalJobOpenings": row.get("openings"),
        "workHours": row.get("work_hours"),
        "url": row.get("url"),
        "directApply": "apply_url" in row,
        "jobLocation": {
            "address": {
                "streetAddress": row.get("address"),
                "addressDistrict": row.get("district"),
                "districtCode": row.get("district_code"),
            },
            "geo": {
                "latitude": row.get("latitude"),
                "longitude": row.get("longitude"),
                "coordinateSystem": row.get("coordinate_system"),
            },
        },
        "applicationContact": {
            "name": row.get("contact_name"),
            "telephone": row.get("telephone"),
            "email": row.get("email"),
            "url": row.get("apply_url"),
        },
    }
