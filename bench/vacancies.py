"""Vacancy sync and search at 10k and 100k vacancies: prints the figures for the README.

    python bench/vacancies.py                 # 10k and 100k, SQLite in a temporary folder
    python bench/vacancies.py --sizes 10000 --database-url postgresql+psycopg://...

Feeds come from the demo generator (``jiuye vacancies demo``): Zhengzhou postings with
3 % duplicates and 1 % malformed records. Measured per size:
- first sync into an empty store, an unchanged re-sync (forced past the content hash, so
  every record is parsed and compared) and a re-sync where every record changed;
- building the search index (what a process does at start and after each sync);
- search latency over 300 queries (keyword + filters + distance), after one warm-up round.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from figures import default_json, percentile, write_json

from connectors.database import Database
from connectors.geo import GeoPoint
from connectors.vacancies.demo import write_demo_feed
from connectors.vacancies.feeds import FeedSpec
from connectors.vacancies.search import VacancySearch
from connectors.vacancies.store import VacancyStore
from connectors.vacancies.sync import VacancySync

TODAY = date(2026, 11, 22)
KEYWORDS = [
    "厨师",
    "普工",
    "保洁",
    "叉车司机",
    "护士",
    "Java开发",
    "销售",
    "仓库管理",
    "电工",
    "育婴员",
]
PLACES = [GeoPoint(34.800, 113.660), GeoPoint(34.724, 113.640), GeoPoint(34.748, 113.613)]


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def queries() -> list[dict[str, Any]]:
    """300 searches a job seeker would make: keyword alone, with filters, near a place."""
    shapes: list[dict[str, Any]] = []
    for i in range(100):
        keyword = KEYWORDS[i % len(KEYWORDS)]
        place = PLACES[i % len(PLACES)]
        shapes.append({"query": keyword, "region": "410100"})
        shapes.append({"query": keyword, "salary_min": 5000 + 500 * (i % 6), "district": "金水区"})
        shapes.append(
            {"query": keyword, "near": place, "radius_km": 5.0, "employment_type": "FULL_TIME"}
        )
    return shapes


def run(size: int, folder: Path, database_url: str | None) -> dict[str, Any]:
    feed = folder / f"feed-{size}.jsonl"
    changed = folder / f"feed-{size}-changed.jsonl"
    write_demo_feed(feed, size, seed=2026, today=TODAY)
    write_demo_feed(changed, size, seed=7, today=TODAY)  # same identifiers, new content
    database = Database(database_url or f"sqlite:///{folder / f'bench-{size}.db'}")
    store = VacancyStore(database)
    syncer = VacancySync(store)
    spec = FeedSpec(str(feed), source="bench")

    first = syncer.sync(spec)
    again = syncer.sync(spec, force=True)
    rewritten = syncer.sync(FeedSpec(str(changed), source="bench"))
    syncer.sync(spec)  # back to the first feed for the searches
    print(
        f"\n## {size:,} vacancies "
        f"({first.records:,} valid records, {len(first.problems)} malformed)"
    )
    print(f"first sync into an empty store     {first.seconds:6.1f} s")
    print(f"re-sync, nothing changed (forced)   {again.seconds:6.1f} s")
    print(
        f"re-sync, every record changed       {rewritten.seconds:6.1f} s"
        f"  ({rewritten.updated:,} updated)"
    )

    before = rss_mib()
    search = VacancySearch(store, recheck_seconds=3600)
    started = time.perf_counter()
    search.refresh(force=True)
    index_seconds = time.perf_counter() - started
    index_mib = rss_mib() - before
    print(f"index build                         {index_seconds:6.1f} s  (RSS +{index_mib:.0f} MiB)")

    shapes = queries()
    for shape in shapes[:30]:
        search.search_vacancies(**shape)
    timings: dict[str, list[float]] = {
        "keyword+region": [],
        "keyword+salary+district": [],
        "keyword+distance+type": [],
    }
    names = list(timings)
    hits = 0
    for i, shape in enumerate(shapes):
        started = time.perf_counter()
        results = search.search_vacancies(**shape)
        timings[names[i % 3]].append((time.perf_counter() - started) * 1000)
        hits += len(results.hits)
    every = [t for values in timings.values() for t in values]
    print(
        f"search, {len(every)} queries (avg {hits / len(every):.1f} hits)  "
        f"p50 {statistics.median(every):5.1f} ms  p95 {percentile(every, 0.95):5.1f} ms"
    )
    for name, values in timings.items():
        print(
            f"  {name:<30} p50 {statistics.median(values):5.1f} ms  "
            f"p95 {percentile(values, 0.95):5.1f} ms"
        )
    database.dispose()
    return {
        "vacancies": size,
        "valid_records": first.records,
        "malformed": len(first.problems),
        "first_sync_s": first.seconds,
        "resync_unchanged_s": again.seconds,
        "resync_all_changed_s": rewritten.seconds,
        "index_build_s": index_seconds,
        "index_rss_mib": index_mib,
        "searches": len(every),
        "search_p50_ms": statistics.median(every),
        "search_p95_ms": percentile(every, 0.95),
        "by_shape": {
            name: {"p50_ms": statistics.median(v), "p95_ms": percentile(v, 0.95)}
            for name, v in timings.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", help="an empty database (default: SQLite in a temp dir)")
    parser.add_argument("--json", type=Path, default=default_json("vacancies"), help="figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = [run(size, Path(folder), args.database_url) for size in args.sizes]
    write_json(args.json, {"date": str(date.today()), "sizes": rows})


if __name__ == "__main__":
    main()
