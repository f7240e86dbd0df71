"""Reads service points from CSV or JSON files, skipping (and reporting) bad rows.

Columns (CSV) and keys (JSON) may be English or Chinese: id/编号, name/名称, kind/类型,
address/地址, district/区县, region/行政区划代码, lat/纬度, lon/经度, hours/服务时间,
services/服务内容, phone/电话, crs/坐标系. A JSON item may also carry
``"location": {"lat": .., "lon": ..}`` (the shape ``jiuye points list --json`` prints).

Coordinates are converted to WGS-84 from the datum a row declares (``坐标系``), else from
the datum the caller declares, else they are taken as WGS-84. The region is the most
specific code known from the district name, the declared code, or (when neither is
given) a place named in the address.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from connectors.geo import CoordinateSystem, GeoPoint
from connectors.service_points.errors import PointsFileError, UnsupportedPointsFormatError
from connectors.service_points.models import RowProblem, ServicePoint
from knowledge.chinese import decode_text
from knowledge.regions import ancestors, level_of, region_from_text, region_name, validate_region

__all__ = ["SUPPORTED_SUFFIXES", "PointsFile", "derive_id", "read_service_points"]

SUPPORTED_SUFFIXES = (".csv", ".json")

_KEYS = {
    "id": ("id", "编号"),
    "name": ("name", "名称"),
    "kind": ("kind", "类型"),
    "address": ("address", "地址"),
    "district": ("district", "区县"),
    "region": ("region", "行政区划代码"),
    "lat": ("lat", "latitude", "纬度"),
    "lon": ("lon", "lng", "longitude", "经度"),
    "hours": ("hours", "服务时间"),
    "services": ("services", "服务内容"),
    "phone": ("phone", "电话"),
    "crs": ("crs", "坐标系"),
}
_FIELD_OF = {alias: name for name, aliases in _KEYS.items() for alias in aliases}
_SERVICE_SEPARATORS = re.compile(r"[、，,;；|]")
# A missing kind is read from the name; the first marker found wins.
_KIND_MARKERS = (
    ("零工", "零工市场"),
    ("人力资源市场", "人力资源市场"),
    ("就业服务中心", "公共就业服务中心"),
    ("社区", "社区就业服务站"),
    ("街道", "街道（乡镇）就业服务站"),
    ("乡", "街道（乡镇）就业服务站"),
    ("镇", "街道（乡镇）就业服务站"),
)
_DEFAULT_KIND = "就业服务站"


@dataclass
class PointsFile:
    """The points read from one file and the rows that were skipped."""

    path: Path
    source: str
    points: list[ServicePoint] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def derive_id(name: str, address: str) -> str:
    """A stable id for a point whose file gives none: a hash of its name and address."""
    key = "|".join(unicodedata.normalize("NFKC", part).strip() for part in (name, address))
    return "sp-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def read_service_points(
    path: Path | str,
    *,
    source: str | None = None,
    crs: CoordinateSystem | str | None = None,
) -> PointsFile:
    """Read a ``.csv`` or ``.json`` file; ``source`` defaults to the file name's stem.

    Raises ``PointsFileError`` when the file as a whole is unusable and ``ValueError`` for
    an unknown ``crs``; bad rows end up in ``problems``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedPointsFormatError(path, path.suffix, SUPPORTED_SUFFIXES)
    default = CoordinateSystem.parse(crs) if crs else CoordinateSystem.WGS84
    result = PointsFile(path=path, source=source or path.stem)
    text = _decode(path)
    records = _csv_records(path, text, result) if suffix == ".csv" else _json_records(path, text)
    seen: dict[str, str] = {}  # id -> where it was first seen
    for where, record in records:
        try:
            if record is None:
                raise ValueError('不是一个对象（应为 {"name": ..., ...}）')
            point = _point(record, result.source, default)
        except ValidationError as exc:
            result.problems.append(_problem(path, where, _validation_reason(exc)))
            continue
        except ValueError as exc:
            result.problems.append(_problem(path, where, str(exc)))
            continue
        if point.id in seen:
            result.problems.append(_problem(path, where, f"编号“{point.id}”与{seen[point.id]}重复"))
            continue
        seen[point.id] = _place_text(where)
        result.points.append(point)
    return result


# -- files -----------------------------------------------------------------------------

Where = tuple[str, int]  # ("line", physical line) for CSV, ("index", position) for JSON
Records = Iterator[tuple[Where, dict[str, Any] | None]]  # None: a JSON item that is no object


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PointsFileError(path, f"无法打开文件（{exc.strerror or exc}）") from exc
    try:
        return decode_text(data)
    except UnicodeDecodeError as exc:
        raise PointsFileError(
            path, "无法识别文字编码（既不是 UTF-8，也不是 GB18030/GBK），请另存为 UTF-8"
        ) from exc


def _csv_records(path: Path, text: str, result: PointsFile) -> Records:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise PointsFileError(path, f"表头不是有效的 CSV（{exc}）") from exc
    if header is None:
        raise PointsFileError(path, "文件是空的")
    fields = [_FIELD_OF.get(_key(name)) for name in header]
    if "name" not in fields:
        raise PointsFileError(path, "缺少“名称”（name）列")
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:  # the rest of the file cannot be read reliably
            reason = f"CSV 格式错误（{exc}），从这一行起未能读取"
            result.problems.append(_problem(path, ("line", start), reason))
            return
        if row is None:
            return
        if any(cell.strip() for cell in row):
            yield ("line", start), _merge(zip(fields, row, strict=False))
        start = reader.line_num + 1


def _json_records(path: Path, text: str) -> Records:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PointsFileError(
            path, f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）"
        ) from exc
    items = data.get("points") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise PointsFileError(path, '内容应为对象列表，或 {"points": [...]}')
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            yield ("index", index), None
            continue
        record = _merge((_FIELD_OF.get(_key(str(k))), v) for k, v in item.items())
        location = item.get("location")
        if isinstance(location, Mapping):
            record.setdefault("lat", location.get("lat"))
            record.setdefault("lon", location.get("lon"))
        yield ("index", index), record


def _key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).lower().split())


def _merge(pairs: Iterable[tuple[str | None, Any]]) -> dict[str, Any]:
    """Known fields only; when two columns map to one field, the first non-empty wins."""
    record: dict[str, Any] = {}
    for name, value in pairs:
        if name is not None and _text(record.get(name)) is None:
            record[name] = value
    return record


def _problem(path: Path, where: Where, reason: str) -> RowProblem:
    kind, number = where
    if kind == "line":
        return RowProblem(file=str(path), reason=reason, line=number)
    return RowProblem(file=str(path), reason=reason, index=number)


def _place_text(where: Where) -> str:
    kind, number = where
    return f"第 {number} 行" if kind == "line" else f"第 {number + 1} 项"


def _validation_reason(exc: ValidationError) -> str:
    return "；".join(f"{'.'.join(map(str, e['loc']))}：{e['msg']}" for e in exc.errors())


# -- rows ------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _point(record: dict[str, Any], source: str, default: CoordinateSystem) -> ServicePoint:
    name = _text(record.get("name"))
    if name is None:
        raise ValueError("缺少名称")
    address = _text(record.get("address")) or ""
    district, region = _place(_text(record.get("district")), _text(record.get("region")), address)
    return ServicePoint(
        id=_text(record.get("id")) or derive_id(name, address),
        name=name,
        kind=_text(record.get("kind")) or _kind_from_name(name),
        address=address,
        district=district,
        region=region,
        location=_location(record, default),
        hours=_text(record.get("hours")) or "",
        services=_services(record.get("services")),
        phone=_text(record.get("phone")),
        source=source,
    )


def _location(record: dict[str, Any], default: CoordinateSystem) -> GeoPoint | None:
    lat, lon = _text(record.get("lat")), _text(record.get("lon"))
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise ValueError("坐标不完整：纬度和经度要同时给出")
    declared = _text(record.get("crs"))
    system = CoordinateSystem.parse(declared) if declared else default
    return GeoPoint.from_datum(_number(lat, "纬度"), _number(lon, "经度"), system)


def _number(text: str, label: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{label}不是数字：{text}") from None


def _place(
    district: str | None, declared: str | None, address: str
) -> tuple[str | None, str | None]:
    """(district name, region code): the most specific code the row supports."""
    code = validate_region(declared) if declared else None
    named = region_from_text(district) if district else None
    if code and named:
        if code in ancestors(named):
            code = named
        elif named not in ancestors(code):
            raise ValueError(f"区县“{district}”（{named}）不在行政区划代码 {code} 之内")
    code = code or named or (region_from_text(address) if address else None)
    if district is None and code is not None and level_of(code) == "county":
        district = region_name(code)
    return district, code


def _services(value: Any) -> list[str]:
    parts = value if isinstance(value, list) else _SERVICE_SEPARATORS.split(_text(value) or "")
    return [text for part in parts if (text := _text(part))]


def _kind_from_name(name: str) -> str:
    return next((kind for marker, kind in _KIND_MARKERS if marker in name), _DEFAULT_KIND)
