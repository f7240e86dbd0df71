"""Syncing feeds into the store (SQLite and PostgreSQL), over files and a real HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import prcoords
import pytest

from connectors.database import Database
from connectors.geo import CoordinateSystem
from connectors.vacancies.feeds import FeedSpec
from connectors.vacancies.scheduler import PeriodicSync
from connectors.vacancies.search import VacancySearch
from connectors.vacancies.store import VacancyStore
from connectors.vacancies.sync import VacancySync
from tests.connectors.vacancy_feeds import posting, write_jsonl

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


@pytest.fixture
def store(database: Database) -> VacancyStore:
    return VacancyStore(database)


@pytest.fixture
def syncer(store: VacancyStore) -> VacancySync:
    return VacancySync(store)


def search(store: VacancyStore, query: str | None = None, **filters: object) -> list[str]:
    """Identifiers of the hits, in order."""
    engine = VacancySearch(store, recheck_seconds=0, clock=lambda: NOW)
    results = engine.search_vacancies(query, **filters)  # type: ignore[arg-type]
    return [hit.identifier for hit in results.hits]


def test_first_sync_adds_and_an_unchanged_feed_costs_nothing(
    tmp_path: Path, store: VacancyStore, syncer: VacancySync
) -> None:
    feed = write_jsonl(tmp_path / "jobs.jsonl", [posting("A1"), posting("A2", title="保洁员")])
    report = syncer.sync(FeedSpec(str(feed), source="测试平台"), now=NOW)
    assert (report.status, report.added, report.records) == ("updated", 2, 2)
    assert store.count() == 2
    revision = store.revision()

    again = syncer.sync(FeedSpec(str(feed), source="测试平台"), now=NOW)
    assert again.status == "unchanged"
    assert store.revision() == revision  # nothing rewritten, indexes need not rebuild

    forced = syncer.sync(FeedSpec(str(feed), source="测试平台"), now=NOW, force=True)
    assert (forced.status, forced.unchanged, forced.added, forced.updated) == ("updated", 2, 0, 0)


def test_changed_record_is_updated_and_a_missing_one_removed_from_a_full_feed(
    tmp_path: Path, store: VacancyStore, syncer: VacancySync
) -> None:
    feed = tmp_path / "jobs.jsonl"
    spec = FeedSpec(str(feed), source="测试平台")
    write_jsonl(feed, [posting("A1"), posting("A2", title="保洁员"), posting("A3")])
    syncer.sync(spec, now=NOW)

    write_jsonl(feed, [posting("A1", salary=(7000, 9000)), posting("A2", title="保洁员")])
    report = syncer.sync(spec, now=NOW)
    assert (report.updated, report.unchanged, report.removed) == (1, 1, 1)
    assert set(store.known("测试平台")) == {"A1", "A2"}
    assert search(store, "厨师", salary_min=8500) == ["A1"]


def test_partial_feed_never_removes(
    tmp_path: Path, store: VacancyStore, syncer: VacancySync
) -> None:
    feed = tmp_path / "jobs.jsonl"
    write_jsonl(feed, [posting("A1"), posting("A2")])
    syncer.sync(FeedSpec(str(feed), source="测试平台"), now=NOW)
    write_jsonl(feed, [posting("A3")])
    report = syncer.sync(FeedSpec(str(feed), source="测试平台", full=False), now=NOW)
    assert (report.added, report.removed) == (1, 0)
    assert set(store.known("测试平台")) == {"A1", "A2", "A3"}


def test_malformed_records_are_reported_and_skipped_and_never_remove_a_vacancy(
    tmp_path: Path, store: VacancyStore, syncer: VacancySync
) -> None:
    feed = tmp_path / "jobs.jsonl"
    spec = FeedSpec(str(feed), source="测试平台")
    write_jsonl(feed, [posting("A1"), posting("A2")])
    syncer.sync(spec, now=NOW)

    broken_a2 = posting("A2", salary=(9000, 5000))
    no_title = posting("A4")
    del no_title["title"]
    write_jsonl(feed, [posting("A1"), '{"@type": "JobPosting", "title": "断', broken_a2, no_title])
    report = syncer.sync(spec, now=NOW)

    problems = {(p.position, p.identifier): p.reason for p in report.problems}
    assert "不是有效的 JSON" in problems[("第2行", None)]
    assert "最低薪资 9000 高于最高薪资 5000" in problems[("第3行", "A2")]
    assert "缺少岗位名称" in problems[("第4行", "A4")]
    assert report.removed == 0
    assert set(store.known("测试平台")) == {"A1", "A2"}  # A2 kept: its record was broken


def test_unreachable_or_unreadable_feed_leaves_the_store_as_it_was(
    tmp_path: Path, store: VacancyStore, syncer: VacancySync
) -> None:
    feed = write_jsonl(tmp_path / "jobs.json", [posting("A1")])
    feed.write_text(json.dumps([posting("A1"), posting("A2")], ensure_ascii=False), "utf-8")
    spec = FeedSpec(str(feed), source="测试平台")
    assert syncer.sync(spec, now=NOW).added == 2

    feed.write_text('[{"@type": "JobPosting", "title": ', encoding="utf-8")
    broken = syncer.sync(spec, now=NOW)
    assert broken.status == "failed" and "不是有效的 JSON" in (broken.error or "")

    missing = syncer.sync(FeedSpec(str(tmp_path / "gone.jsonl"), source="测试平台"), now=NOW)
    assert missing.status == "failed" and "读不了文件" in (missing.error or "")
    assert set(store.known("测试平台")) == {"A1", "A2"}


def test_an_empty_full_feed_does_not_empty_the_store(
    tmp_path: Path, store: VacancyStore, syncer: VacancySync
) -> None:
    feed = write_jsonl(tmp_path / "jobs.jsonl", [posting("A1"), posting("A2")])
    spec = FeedSpec(str(feed), source="测试平台")
    syncer.sync(spec, now=NOW)
    feed.write_text("", encoding="utf-8")
    report = syncer.sync(spec, now=NOW)
    assert report.removed == 0 and "为防误删" in report.notes[0]
    assert store.count() == 2


def test_a_full_feed_cut_off_mid_record_removes_nothing(
    tmp_path: Path, store: VacancyStore, syncer: VacancySync
) -> None:
    feed = write_jsonl(tmp_path / "jobs.jsonl", [posting(f"A{i}") for i in range(1, 6)])
    spec = FeedSpec(str(feed), source="测试平台")
    syncer.sync(spec, now=NOW)
    whole = feed.read_text(encoding="utf-8")
    feed.write_text(whole[: whole.index('"A3"') + 20], encoding="utf-8")  # A1, A2, half of A3
    report = syncer.sync(spec, now=NOW)
    assert report.records == 2 and report.removed == 0
    assert "可能被截断" in report.notes[0] and "保留 3 条" in report.notes[0]
    assert set(store.known("测试平台")) == {f"A{i}" for i in range(1, 6)}

    feed.write_text(whole.rsplit("\n", 3)[0] + "\n", encoding="utf-8")  # ends on a whole line
    assert syncer.sync(spec, now=NOW).removed == 2


def test_expired_vacancies_are_never_shown_and_purged_later(
    tmp_path: Path, store: VacancyStore
) -> None:
    syncer = VacancySync(store, default_validity_days=60, retention_days=30)
    feed = write_jsonl(
        tmp_path / "jobs.jsonl",
        [
            posting("OPEN"),
            posting("PAST", validThrough="2026-11-21"),  # ended yesterday (Beijing time)
            posting("TODAY", validThrough="2026-11-22"),  # open until 23:59:59 +08:00
            posting("UNDATED", validThrough=None, datePosted="2026-09-30"),  # 60 days: 11-29
        ],
    )
    report = syncer.sync(FeedSpec(str(feed), source="测试平台"), now=NOW)
    assert (report.records, report.added, report.expired) == (4, 3, 1)
    assert set(search(store, "厨师")) == {"OPEN", "TODAY", "UNDATED"}

    engine = VacancySearch(store, recheck_seconds=0, clock=lambda: NOW)
    tonight = engine.search_vacancies("厨师", now=datetime(2026, 11, 22, 16, 0, 1, tzinfo=UTC))
    assert {h.identifier for h in tonight.hits} == {"OPEN", "UNDATED"}  # past midnight in 郑州

    # A week later: UNDATED ended 2026-11-29, TODAY has been gone for a week.
    later = NOW + timedelta(days=8)
    assert [h.identifier for h in engine.search_vacancies("厨师", now=later).hits] == ["OPEN"]
    assert store.purge_expired(later - timedelta(days=5)) == 1  # TODAY, ended 6+ days before
    assert set(store.known("测试平台")) == {"OPEN", "UNDATED"}

    # A re-sync after TODAY's end removes it and says so.
    resynced = syncer.sync(FeedSpec(str(feed), source="测试平台"), now=later, force=True)
    assert resynced.expired == 3 and resynced.removed == 1  # UNDATED
    assert set(store.known("测试平台")) == {"OPEN"}


def test_same_job_from_two_sources_is_shown_once(
    tmp_path: Path, store: VacancyStore, syncer: VacancySync
) -> None:
    employer = {"name": "郑州豫香餐饮管理有限公司"}
    city = write_jsonl(
        tmp_path / "city.jsonl",
        [posting("C1", hiringOrganization=employer), posting("C2", title="保洁员")],
    )
    province = write_jsonl(
        tmp_path / "province.jsonl",
        [
            posting(
                "P9",
                title="中餐厨师（急招）",
                hiringOrganization={"name": "郑州豫香餐饮管理公司"},  # 有限 dropped
                url="https://hr.example.net/P9",
            )
        ],
    )
    syncer.sync(FeedSpec(str(city), source="郑州市平台"), now=NOW)
    syncer.sync(FeedSpec(str(province), source="河南省平台"), now=NOW)

    engine = VacancySearch(store, recheck_seconds=0, clock=lambda: NOW)
    results = engine.search_vacancies("厨师")
    assert results.total == 1 and len(results.hits) == 1
    shown = results.hits[0]
    other = "河南省平台：https://hr.example.net/P9" if shown.identifier == "C1" else "郑州市平台"
    assert any(other in link for link in shown.also_listed)

    write_jsonl(city, [posting("C2", title="保洁员")])  # the city platform closes it
    syncer.sync(FeedSpec(str(city), source="郑州市平台"), now=NOW)
    assert search(store, "厨师") == ["P9"]


def test_declared_coordinate_systems_are_converted_to_wgs84(
    tmp_path: Path, store: VacancyStore, syncer: VacancySync
) -> None:
    wgs = prcoords.Coords(34.7795, 113.6812)
    gcj = prcoords.wgs_gcj(wgs)
    bd = prcoords.wgs_bd(wgs)
    feed = write_jsonl(
        tmp_path / "jobs.jsonl",
        [
            posting("GCJ", lat=gcj.lat, lon=gcj.lon),  # the feed declares GCJ-02
            posting("BD", lat=bd.lat, lon=bd.lon),
        ],
    )
    record = json.loads(feed.read_text("utf-8").splitlines()[1])
    record["jobLocation"]["geo"]["coordinateSystem"] = "BD-09"  # this record says otherwise
    lines = feed.read_text("utf-8").splitlines()
    feed.write_text(lines[0] + "\n" + json.dumps(record, ensure_ascii=False) + "\n", "utf-8")

    syncer.sync(FeedSpec(str(feed), source="测试平台", crs=CoordinateSystem.GCJ02), now=NOW)
    stored = store.get_many([row_id for row_id, _ in store.known("测试平台").values()])
    for row in stored.values():
        assert row.vacancy.lat == pytest.approx(wgs.lat, abs=1e-5)
        assert row.vacancy.lon == pytest.approx(wgs.lon, abs=1e-5)


def test_search_filters_and_distance_ranking(
    tmp_path: Path, store: VacancyStore, syncer: VacancySync
) -> None:
    feed = write_jsonl(
        tmp_path / "jobs.jsonl",
        [
            posting("NEAR", lat=34.7800, lon=113.6815),
            posting("MID", lat=34.7900, lon=113.6815, salary=(5000, 6000)),
            posting(
                "FAR",
                district="二七区",
                code="410103",
                lat=34.7240,
                lon=113.6400,
                employmentType=["PART_TIME"],
                educationRequirements="本科",
            ),
            posting(
                "BJ", district="朝阳区", code="110105", lat=39.92, lon=116.44, salary=(9000, 12000)
            ),
            posting("WAITER", title="餐厅服务员", description="负责点餐和传菜。"),
            posting("NOGEO", jobLocation={"address": "郑州市金水区农业路1号"}),
        ],
    )
    syncer.sync(FeedSpec(str(feed), source="测试平台"), now=NOW)
    here = (34.7795, 113.6812)

    assert "WAITER" not in search(store, "厨师")
    assert search(store, "厨师", region="110000") == ["BJ"]
    assert search(store, "厨师", district="朝阳区") == ["BJ"]
    assert set(search(store, "厨师", region="410100")) == {"NEAR", "MID", "FAR", "NOGEO"}
    assert set(search(store, "厨师", district="金水")) == {"NEAR", "MID", "NOGEO"}
    assert set(search(store, "厨师", salary_min=8000)) == {"NEAR", "FAR", "BJ", "NOGEO"}
    assert search(store, "厨师", employment_type="兼职") == ["FAR"]
    assert "FAR" not in search(store, "厨师", education="高中")
    assert "FAR" in search(store, "厨师", education="硕士")

    assert search(store, "厨师", near=here, region="410100")[:3] == ["NEAR", "MID", "FAR"]
    assert search(store, "厨师", near=here, radius_km=2) == ["NEAR", "MID"]
    assert search(store, None, near=here, radius_km=0.5) == ["NEAR", "WAITER"] or search(
        store, None, near=here, radius_km=0.5
    ) == ["WAITER", "NEAR"]

    engine = VacancySearch(store, recheck_seconds=0, clock=lambda: NOW)
    hit = engine.search_vacancies("厨师", near=here, limit=1).hits[0]
    assert hit.identifier == "NEAR" and hit.distance_km is not None and hit.distance_km < 0.1
    assert hit.walking_minutes == 1 and hit.salary == "6000-8000元/月"
    assert "电话 0371-60000001（王女士）" in hit.how_to_apply
    assert hit.url == "https://jobs.example.org/NEAR"
    for bad in ({"radius_km": 3}, {"limit": 0}, {"salary_min": -1}, {"region": "12345"}):
        with pytest.raises(ValueError):
            engine.search_vacancies("厨师", **bad)


def test_search_sees_a_sync_made_through_another_store_object(
    tmp_path: Path, database: Database
) -> None:
    engine = VacancySearch(VacancyStore(database), recheck_seconds=0, clock=lambda: NOW)
    assert engine.search_vacancies("厨师").total == 0
    feed = write_jsonl(tmp_path / "jobs.jsonl", [posting("A1")])
    VacancySync(VacancyStore(database)).sync(FeedSpec(str(feed), source="测试平台"), now=NOW)
    assert engine.search_vacancies("厨师").total == 1


class _FeedServer(BaseHTTPRequestHandler):
    """Serves ``body`` with an ETag (or only Last-Modified), answers conditional requests."""

    body = b""
    etag: str | None = '"v1"'
    last_modified = "Sat, 21 Nov 2026 08:00:00 GMT"
    status = 200
    requests: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        type(self).requests.append(dict(self.headers))
        if self.status != 200:
            self.send_response(self.status)
            self.end_headers()
            return
        fresh_etag = self.etag and self.headers.get("If-None-Match") == self.etag
        fresh_date = not self.etag and self.headers.get("If-Modified-Since") == self.last_modified
        if fresh_etag or fresh_date:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        if self.etag:
            self.send_header("ETag", self.etag)
        self.send_header("Last-Modified", self.last_modified)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def feed_server() -> Iterator[tuple[str, type[_FeedServer]]]:
    handler = type("Handler", (_FeedServer,), {"requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed", handler
    server.shutdown()
    server.server_close()


def _lines(*records: dict[str, object]) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode("utf-8")


def test_http_feed_uses_conditional_requests(
    feed_server: tuple[str, type[_FeedServer]], store: VacancyStore, syncer: VacancySync
) -> None:
    url, handler = feed_server
    handler.body = _lines(posting("H1"), posting("H2"))
    spec = FeedSpec(url, source="远程平台")
    assert syncer.sync(spec, now=NOW).added == 2
    assert "If-None-Match" not in handler.requests[-1]

    assert syncer.sync(spec, now=NOW).status == "unchanged"
    assert handler.requests[-1]["If-None-Match"] == '"v1"'

    handler.body, handler.etag = _lines(posting("H1")), '"v2"'
    changed = syncer.sync(spec, now=NOW)
    assert (changed.status, changed.removed) == ("updated", 1)

    handler.etag = None  # a server with Last-Modified only
    handler.last_modified = "Sun, 22 Nov 2026 08:00:00 GMT"
    syncer.sync(spec, now=NOW, force=True)
    assert syncer.sync(spec, now=NOW).status == "unchanged"
    assert handler.requests[-1]["If-Modified-Since"] == "Sun, 22 Nov 2026 08:00:00 GMT"


def test_http_errors_and_a_dead_server_leave_the_store_intact(
    feed_server: tuple[str, type[_FeedServer]], store: VacancyStore, syncer: VacancySync
) -> None:
    url, handler = feed_server
    handler.body = _lines(posting("H1"), posting("H2"))
    spec = FeedSpec(url, source="远程平台")
    syncer.sync(spec, now=NOW)

    handler.status = 500
    failed = syncer.sync(spec, now=NOW)
    assert failed.status == "failed" and "HTTP 500" in (failed.error or "")

    dead = FeedSpec("http://127.0.0.1:9/feed", source="远程平台")
    assert syncer.sync(dead, now=NOW).status == "failed"
    assert set(store.known("远程平台")) == {"H1", "H2"}


def test_periodic_sync_runs_every_interval_until_stopped(
    tmp_path: Path, store: VacancyStore, syncer: VacancySync
) -> None:
    feed = write_jsonl(tmp_path / "jobs.jsonl", [posting("A1")])
    seen: list[str] = []
    done = threading.Event()

    def on_report(report: object) -> None:
        seen.append(getattr(report, "status", ""))
        if len(seen) >= 3:
            done.set()

    runner = PeriodicSync(
        syncer, [FeedSpec(str(feed), source="测试平台")], 0.05, on_report=on_report
    )
    runner.start()
    try:
        assert done.wait(20), "the periodic sync did not run three times"
    finally:
        runner.stop()
    assert seen[0] == "updated" and set(seen[1:]) == {"unchanged"}
    rounds = runner.rounds
    threading.Event().wait(0.2)
    assert runner.rounds == rounds  # stopped
    with pytest.raises(ValueError):
        PeriodicSync(syncer, [], 0)


def test_a_sync_asked_for_during_the_background_round_waits_for_it(
    tmp_path: Path, store: VacancyStore, syncer: VacancySync, caplog: pytest.LogCaptureFixture
) -> None:
    # Found by the fault tests: the administrator's "sync now" racing the server's first
    # round inserted the same vacancies twice (UNIQUE constraint failed).
    feed = write_jsonl(tmp_path / "jobs.jsonl", [posting(f"A{i}") for i in range(200)])
    runner = PeriodicSync(syncer, [FeedSpec(str(feed), source="测试平台")], 3600)
    start = threading.Barrier(4)
    results: list[list[str]] = []

    def sync_now() -> None:
        start.wait()
        results.append([report.status for report in runner.run_once()])

    threads = [threading.Thread(target=sync_now) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert sorted(results) == [["unchanged"]] * 3 + [["updated"]]
    assert store.count() == 200


def test_first_searches_from_many_threads_wait_for_the_index(
    tmp_path: Path, store: VacancyStore, syncer: VacancySync, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by `jiuye eval` running cases concurrently: a search arriving while another
    thread built the first index saw no index at all (AssertionError)."""
    import connectors.vacancies.search as search_module

    feed = write_jsonl(tmp_path / "jobs.jsonl", [posting("A1"), posting("A2", title="保洁员")])
    syncer.sync(FeedSpec(str(feed), source="测试平台"), now=NOW)
    slow_build = search_module._build

    def build(*args: object) -> object:
        time.sleep(0.3)  # a big store: the first build takes a while
        return slow_build(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(search_module, "_build", build)
    engine = VacancySearch(store, clock=lambda: NOW)
    results: list[object] = []

    def one() -> None:
        try:
            results.append(len(engine.search_vacancies(None).hits))
        except Exception as exc:  # the failure this test is about
            results.append(exc)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [2] * 6
