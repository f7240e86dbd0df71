"""Where feeds come from: a local file or an http(s) URL, fetched only when it changed.

HTTP feeds are fetched with conditional requests (``If-None-Match`` / ``If-Modified-Since``
from the last successful sync); a ``304`` or an identical body means nothing to do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import yaml

from connectors.geo import CoordinateSystem
from connectors.vacancies.errors import FeedError, FeedUnavailableError
from connectors.vacancies.readers import FeedFormat

__all__ = ["FeedSpec", "FeedState", "FetchedFeed", "fetch_feed", "load_feed_list"]

USER_AGENT = "jiuye-vacancy-sync/0.1"


@dataclass(frozen=True)
class FeedSpec:
    """A feed and what it declares about its records."""

    location: str
    source: str | None = None  # default: the URL's host or the file's name
    format: FeedFormat | None = None  # default: detected
    mapping: Path | None = None  # CSV column mapping file
    crs: CoordinateSystem = CoordinateSystem.WGS84
    full: bool = True  # a full feed lists every open vacancy: missing ones are removed
    region: str | None = None  # for records that name no place

    @property
    def is_http(self) -> bool:
        return urlparse(self.location).scheme in ("http", "https")

    @property
    def source_name(self) -> str:
        if self.source:
            return self.source
        if self.is_http:
            return urlparse(self.location).netloc
        return Path(self.location).name


@dataclass(frozen=True)
class FeedState:
    """What the last successful sync saw, for conditional requests."""

    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None


@dataclass(frozen=True)
class FetchedFeed:
    """A fetch result; ``content`` is None when the feed has not changed."""

    content: bytes | None
    state: FeedState
    content_type: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.content is None


def fetch_feed(
    spec: FeedSpec, state: FeedState | None = None, *, timeout: float = 30.0
) -> FetchedFeed:
    """Fetches ``spec`` unless unchanged since ``state``; FeedUnavailableError if it cannot."""
    state = state or FeedState()
    if spec.is_http:
        headers = {"User-Agent": USER_AGENT}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        try:
            response = httpx.get(
                spec.location, headers=headers, timeout=timeout, follow_redirects=True
            )
        except httpx.HTTPError as exc:
            raise FeedUnavailableError(f"无法访问 {spec.location}：{exc}") from exc
        if response.status_code == 304:
            return FetchedFeed(None, state)
        if response.status_code >= 400:
            raise FeedUnavailableError(f"{spec.location} 返回 HTTP {response.status_code}")
        content = response.content
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        content_type = response.headers.get("Content-Type")
    else:
        path = Path(spec.location).expanduser()
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise FeedUnavailableError(f"读不了文件 {path}：{exc.strerror or exc}") from exc
        etag = last_modified = content_type = None
    digest = hashlib.sha256(content).hexdigest()
    new_state = FeedState(etag, last_modified, digest)
    if digest == state.content_hash:
        return FetchedFeed(None, new_state)
    return FetchedFeed(content, new_state, content_type)


def load_feed_list(path: Path) -> list[FeedSpec]:
    """Feeds from a YAML file: ``feeds:`` a list of {location, source, format, mapping, crs,
    full, region}; relative paths are relative to the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise FeedError(f"读不了订阅源列表 {path}：{exc}") from exc
    entries = data.get("feeds") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        raise FeedError(f"订阅源列表 {path} 应有 feeds: 列表")
    return [_spec(entry, path.parent, f"{path} 第{i}项") for i, entry in enumerate(entries, 1)]


def _spec(entry: Any, base: Path, where: str) -> FeedSpec:
    if isinstance(entry, str):
        entry = {"location": entry}
    if not isinstance(entry, Mapping) or not entry.get("location"):
        raise FeedError(f"{where}：缺少 location")
    unknown = set(entry) - {"location", "source", "format", "mapping", "crs", "full", "region"}
    if unknown:
        raise FeedError(f"{where}：未知的键 {'、'.join(sorted(unknown))}")

    def local(value: str) -> str:
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else base / path)

    location = str(entry["location"])
    if urlparse(location).scheme not in ("http", "https"):
        location = local(location)
    try:
        return FeedSpec(
            location=location,
            source=entry.get("source"),
            format=FeedFormat(entry["format"]) if entry.get("format") else None,
            mapping=Path(local(str(entry["mapping"]))) if entry.get("mapping") else None,
            crs=CoordinateSystem.parse(str(entry.get("crs") or "WGS84")),
            full=bool(entry.get("full", True)),
            region=str(entry["region"]) if entry.get("region") else None,
        )
    except ValueError as exc:
        raise FeedError(f"{where}：{exc}") from exc
