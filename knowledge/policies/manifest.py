"""Read a JSONL manifest: one document per line with its region and validity window.

A manifest is how an operator says what the text alone cannot: which region a document
applies in, from when until when, and which version replaced it. The format is the one of
``shared/corpora/laws-cn/manifest.jsonl``::

    {"path": "行政法规/失业保险条例(1999-01-22).md", "title": "失业保险条例",
     "region": "000000", "level": "national", "category": "行政法规",
     "valid_from": "1999-01-22", "valid_to": null, "superseded_by": null}

Operators edit manifests by hand, so one bad line must not stop an import: it is reported
with its line number and a reason in Chinese, and the other lines are used. Only a manifest
that cannot be read at all raises ``ManifestError``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from knowledge.policies.errors import ManifestError
from knowledge.policies.metadata import parse_date
from knowledge.policies.models import NATIONAL, Audience, DocumentMetadata
from knowledge.regions import RegionLevel, is_valid_region, level_of

__all__ = ["ManifestEntry", "ManifestProblem", "ManifestReadResult", "read_manifest"]

# Fields of the manifest format itself, and the extras that DocumentMetadata also has.
_TEXT_FIELDS = ("title", "category", "superseded_by", "id", "issuer", "doc_number", "source")
_METADATA_FIELDS = frozenset(
    {"path", "region", "level", "audience", "valid_from", "valid_to", *_TEXT_FIELDS}
)
_AUDIENCES: tuple[str, ...] = get_args(Audience)
_LEVELS: tuple[str, ...] = get_args(RegionLevel)


@dataclass(frozen=True)
class ManifestEntry:
    """One usable manifest line.

    ``metadata`` holds only what the line states (its ``model_fields_set`` says which
    fields), so that inferred metadata can fill the rest without being overwritten by
    nulls.
    """

    line_no: int
    key: str  # the "path" value as written in the manifest: the document's stable identity
    path: Path  # resolved relative to the manifest's folder
    metadata: DocumentMetadata
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ManifestProblem:
    """A line that was skipped, or an ``only`` path the manifest does not list."""

    line_no: int | None  # None for problems of the ``only`` list
    reason: str


@dataclass
class ManifestReadResult:
    entries: list[ManifestEntry] = field(default_factory=list)
    problems: list[ManifestProblem] = field(default_factory=list)
    #: Paths left out as second copies of the same version of a document read anyway.
    copies: list[str] = field(default_factory=list)


class _LineProblem(Exception):
    """Internal: why one line is unusable (its message is the Chinese reason)."""


def read_manifest(
    path: Path, only: Path | str | os.PathLike[str] | Iterable[str] | None = None
) -> ManifestReadResult:
    """Entries of the manifest at ``path``, bad lines reported as problems and skipped.

    ``only`` restricts the result to the listed manifest paths: a text file with one path
    per line (blank lines and ``#`` comments ignored) or an iterable of paths. A listed
    path the manifest does not contain is a problem.
    """
    path = Path(path)
    text = _read_text(path)
    wanted = _read_only(only) if only is not None else None
    result = ManifestReadResult()
    seen: dict[str, int] = {}
    records: list[tuple[int, str, dict[str, Any]]] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = _parse_object(line)
            key = _key_of(record)
            if key in seen:
                raise _LineProblem(f"path 重复：与第 {seen[key]} 行相同（{key}）")
            seen[key] = line_no
        except _LineProblem as problem:
            result.problems.append(ManifestProblem(line_no, str(problem)))
            continue
        records.append((line_no, key, record))
    by_key = {key: record for _, key, record in records}
    for line_no, key, record in records:
        if wanted is not None and key not in wanted:
            continue
        twin = _same_version_twin(record, by_key)
        if twin is not None:
            if wanted is None or twin in wanted:
                # The same version filed twice: the twin is read, this copy would repeat it.
                result.copies.append(key)
                continue
            # Only this copy is read: it is the version in force, not a replaced one.
            record = {k: v for k, v in record.items() if k not in ("valid_to", "superseded_by")}
        try:
            entry = _entry(record, key, line_no, path.parent)
        except _LineProblem as problem:
            result.problems.append(ManifestProblem(line_no, str(problem)))
            continue
        result.entries.append(entry)
    if wanted is not None:
        result.problems.extend(
            ManifestProblem(None, f"只导入列表中的 {key} 不在清单中")
            for key in wanted
            if key not in seen
        )
    return result


def _same_version_twin(record: dict[str, Any], records: dict[str, dict[str, Any]]) -> str | None:
    """The path of the copy this record names as its replacement when that copy is the
    same document in the same version (same title, same version date): the laws corpus
    files a few laws under two categories and marks one copy replaced by the other on the
    day it appeared (社会法/职业病防治法 -> 经济法/职业病防治法, both 2018-12-29)."""
    replacement = record.get("superseded_by")
    twin = records.get(replacement) if isinstance(replacement, str) else None
    if twin is None or twin.get("title") != record.get("title"):
        return None
    version = record.get("version_date")
    same_day = (version is not None and twin.get("version_date") == version) or (
        record.get("valid_to") is not None and record.get("valid_to") == record.get("valid_from")
    )
    return str(replacement) if same_day else None


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise ManifestError(path, None, "文件不存在")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(path, None, "不是 UTF-8 编码的文本") from exc
    except OSError as exc:
        raise ManifestError(path, None, f"无法打开文件（{exc.strerror or exc}）") from exc


def _read_only(only: Path | str | os.PathLike[str] | Iterable[str]) -> dict[str, None]:
    """The ``only`` list as an ordered set; a str is taken as the list's file path."""
    if isinstance(only, str | os.PathLike):
        lines: Iterable[str] = _read_text(Path(only)).splitlines()
    else:
        lines = only
    wanted: dict[str, None] = {}
    for line in lines:
        key = line.strip()
        if key and not key.startswith("#"):
            wanted[key] = None
    return wanted


def _parse_object(line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _LineProblem(f"不是合法的 JSON：{exc.msg}（第 {exc.colno} 列）") from exc
    if not isinstance(record, dict):
        raise _LineProblem(f"应是一个 JSON 对象（{{…}}），却是 {type(record).__name__}")
    return record


def _key_of(record: dict[str, Any]) -> str:
    if "path" not in record:
        raise _LineProblem("缺少 path 字段")
    key = record["path"]
    if not isinstance(key, str) or not key.strip():
        raise _LineProblem(f"path 应是非空的文字，却是 {key!r}")
    return key


def _entry(record: dict[str, Any], key: str, line_no: int, folder: Path) -> ManifestEntry:
    path = folder / key
    # The manifest path as written: the same names superseded_by uses, whatever the cwd.
    stated: dict[str, Any] = {"source": key}
    for name in _TEXT_FIELDS:
        value = record.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise _LineProblem(f"{name} 应是文字，却是 {value!r}")
        stated[name] = value

    region = record.get("region")
    if region is None:
        region = NATIONAL
    elif not is_valid_region(region):
        raise _LineProblem(f"region 不是 6 位行政区划代码：{region!r}")
    stated["region"] = region

    level = record.get("level")
    if level is not None and level not in _LEVELS:
        raise _LineProblem(f"level 应为 {'、'.join(_LEVELS)} 之一：{level!r}")
    # Without a level, derive it from the region so the two never disagree.
    stated["level"] = level if level is not None else level_of(region)

    audience = record.get("audience")
    if audience is not None:
        if audience not in _AUDIENCES:
            raise _LineProblem(f"audience 应为 {'、'.join(_AUDIENCES)} 之一：{audience!r}")
        stated["audience"] = audience

    valid_from = _date_field(record, "valid_from")
    valid_to = _date_field(record, "valid_to")
    # An equal pair is allowed: an empty window, a copy replaced the day it appeared (the
    # laws corpus has four). Only a window that ends before it starts is a mistake.
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise _LineProblem(f"valid_to（{valid_to}）早于 valid_from（{valid_from}）")
    if valid_from is not None:
        stated["valid_from"] = valid_from
    if valid_to is not None:
        stated["valid_to"] = valid_to

    try:
        metadata = DocumentMetadata(**stated)
    except ValidationError as exc:  # a safety net: the checks above should catch everything
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise _LineProblem(f"{where} 不合法：{first['msg']}") from exc
    extra = {name: value for name, value in record.items() if name not in _METADATA_FIELDS}
    return ManifestEntry(line_no=line_no, key=key, path=path, metadata=metadata, extra=extra)


def _date_field(record: dict[str, Any], name: str) -> date | None:
    value = record.get(name)
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise _LineProblem(f"{name} 日期格式错误：{value!r}") from exc
