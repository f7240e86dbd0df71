"""Bringing the store in line with a feed: fetch if changed, parse, diff, apply atomically.

- upsert by (source, identifier); an unchanged record costs one hash comparison;
- a *full* feed's missing vacancies are removed — except those whose record was malformed
  this time, and never all of them because a feed came back empty or broken, and none when
  the feed's last record is cut off (a file truncated upstream or in transit);
- a record that cannot be parsed is reported with its position and reason and skipped;
- a feed that cannot be fetched or read changes nothing;
- vacancies expire at ``validThrough`` (or ``default_validity_days`` after ``datePosted``);
  a record already past its end is not kept, and stored ones are purged ``retention_days``
  after they expire (search never shows them either way).
"""

from __future__ import annotations

import hashlib
import time as clock
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Literal

from connectors.vacancies.errors import FeedError, RecordError
from connectors.vacancies.feeds import FeedSpec, fetch_feed
from connectors.vacancies.jobposting import (
    CHINA,
    FeedOptions,
    parse_job_posting,
    record_identifier,
)
from connectors.vacancies.models import Vacancy
from connectors.vacancies.readers import CsvMapping, detect_format, read_records
from connectors.vacancies.store import PreparedVacancy, VacancyStore
from connectors.vacancies.text import fingerprint, vacancy_tokens
from knowledge.policies.ingest import ProgressCallback

__all__ = ["RecordProblem", "SyncReport", "VacancySync"]


@dataclass(frozen=True, slots=True)
class RecordProblem:
    position: str
    reason: str
    identifier: str | None = None

    def __str__(self) -> str:
        which = f"（{self.identifier}）" if self.identifier else ""
        return f"{self.position}{which}：{self.reason}"


@dataclass
class SyncReport:
    """What one sync of one feed did."""

    location: str
    source: str
    status: Literal["updated", "unchanged", "failed"] = "updated"
    records: int = 0  # valid records in the feed, expired ones included
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    expired: int = 0
    purged: int = 0
    problems: list[RecordProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        if self.status == "failed":
            return f"{self.source}：同步失败，已有数据保持不变。{self.error}"
        if self.status == "unchanged":
            return f"{self.source}：订阅源没有变化。"
        text = (
            f"{self.source}：{self.records} 条有效记录，新增 {self.added}，更新 {self.updated}，"
            f"未变 {self.unchanged}，下架 {self.removed}"
        )
        if self.expired:
            text += f"，另有 {self.expired} 条已过截止日期（不收录）"
        if self.problems:
            text += f"；跳过 {len(self.problems)} 条有问题的记录"
        return text + "。"


class VacancySync:
    """Syncs feeds into a :class:`VacancyStore`."""

    def __init__(
        self,
        store: VacancyStore,
        *,
        default_validity_days: int = 60,
        retention_days: int = 30,
        timeout: float = 30.0,
    ) -> None:
        self.store = store
        self.default_validity = timedelta(days=default_validity_days)
        self.retention = timedelta(days=retention_days)
        self.timeout = timeout

    def sync(
        self,
        spec: FeedSpec,
        *,
        now: datetime | None = None,
        force: bool = False,
        progress: ProgressCallback | None = None,
    ) -> SyncReport:
        """One feed; failures come back as a report with ``status="failed"``, store untouched."""
        started = clock.perf_counter()
        now = now or datetime.now(UTC)
        report = SyncReport(spec.location, spec.source_name)
        try:
            self._sync(spec, report, now, force, progress)
        except FeedError as exc:
            report.status, report.error = "failed", str(exc)
        report.purged = self.store.purge_expired(now - self.retention)
        report.seconds = clock.perf_counter() - started
        return report

    def _sync(
        self,
        spec: FeedSpec,
        report: SyncReport,
        now: datetime,
        force: bool,
        progress: ProgressCallback | None,
    ) -> None:
        previous = None if force else self.store.feed_state(spec.location)
        fetched = fetch_feed(spec, previous, timeout=self.timeout)
        if fetched.content is None:
            report.status = "unchanged"
            self.store.touch_feed(spec.location, fetched.state, now)
            return
        fmt = spec.format or detect_format(spec.location, fetched.content, fetched.content_type)
        mapping = CsvMapping.load(spec.mapping) if spec.mapping else None
        raw = list(read_records(fetched.content, fmt, mapping))
        options = FeedOptions(source=spec.source_name, crs=spec.crs, region=spec.region)
        parsed: dict[str, Vacancy] = {}
        protected: set[str] = set()
        for record in raw:
            ident = record_identifier(record.data) if isinstance(record.data, dict) else None
            try:
                if record.error:
                    raise RecordError(record.error)
                vacancy = parse_job_posting(record.data, options)
            except RecordError as exc:
                report.problems.append(RecordProblem(record.position, str(exc), ident))
                if ident:
                    protected.add(ident)
                continue
            if vacancy.identifier in parsed:
                reason = "identifier 与前面的记录重复，以这一条为准"
                report.problems.append(RecordProblem(record.position, reason, ident))
            parsed[vacancy.identifier] = vacancy
        report.records = len(parsed)
        known = self.store.known(spec.source_name)
        added: list[PreparedVacancy] = []
        updated: list[tuple[int, PreparedVacancy]] = []
        expired: set[str] = set()  # listed but already past their end: not kept
        for done, vacancy in enumerate(parsed.values(), start=1):
            expires_at = self.expires_at(vacancy, now)
            digest = _content_hash(vacancy, expires_at)
            existing = known.get(vacancy.identifier)
            if expires_at <= now:
                expired.add(vacancy.identifier)
            elif existing is not None and existing[1] == digest:
                report.unchanged += 1
            else:
                item = PreparedVacancy(
                    vacancy, digest, fingerprint(vacancy), vacancy_tokens(vacancy), expires_at
                )
                if existing is None:
                    added.append(item)
                else:
                    updated.append((existing[0], item))
            if progress is not None and (done % 1000 == 0 or done == len(parsed)):
                progress(done, len(parsed), spec.source_name)
        report.expired = len(expired)
        gone = {ident for ident in known if ident in expired}
        if spec.full:
            missing = {ident for ident in known if ident not in parsed}
            if missing and not parsed:
                report.notes.append(
                    f"订阅源没有任何有效记录，为防误删，保留已有的 {len(known)} 条岗位"
                )
            elif missing and raw[-1].error:
                kept = len(missing)
                report.notes.append(
                    f"订阅源最后一条记录不完整（可能被截断），本次不下架，保留 {kept} 条岗位"
                )
            else:
                gone |= missing - protected
                if missing & protected:
                    count = len(missing & protected)
                    report.notes.append(f"{count} 条岗位本次记录有误，暂不下架")
        removed = [known[ident][0] for ident in gone]
        report.added, report.updated, report.removed = len(added), len(updated), len(removed)
        self.store.apply(
            location=spec.location,
            source=spec.source_name,
            state=fetched.state,
            records=len(parsed),
            added=added,
            updated=updated,
            removed=removed,
            now=now,
        )

    def expires_at(self, vacancy: Vacancy, now: datetime) -> datetime:
        """validThrough, else the end of the day ``default_validity_days`` after posting."""
        if vacancy.valid_through is not None:
            return vacancy.valid_through
        if vacancy.date_posted is not None:
            last_day = vacancy.date_posted + self.default_validity
            return datetime.combine(last_day, time(23, 59, 59), CHINA)
        return now + self.default_validity


def _content_hash(vacancy: Vacancy, expires_at: datetime) -> str:
    payload = vacancy.model_dump_json() + expires_at.isoformat()
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
