"""Service packages: build latency, follow-up overhead per turn, store queries at scale.

    python bench/packages.py                  # samples in a temporary folder
    python bench/packages.py --people 60 --stored 10000 --json /tmp/packages.json

1. Package turns: people of each key group tell their situation, then ask for a package
   (the whole ``Assistant.respond``: NLU, eligibility screen, vacancy and service-point
   search, explainer citations, the package and its follow-ups written to SQLite). The
   first person of each kind warms caches and is not counted.
2. Follow-up overhead: a plain turn ("谢谢") by people with a package (two follow-up reads
   per turn) and by people without one (no reads).
3. The store at scale: ``--stored`` packages with follow-ups in SQLite, a tenth of them
   asked and answered; the time of the caseworkers' no-progress list, the statistics and
   the WeChat push's due query.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from figures import default_json, percentile, write_json

from assistant.chat_cli import prepare_samples
from assistant.engine import Assistant
from assistant.models import Turn
from assistant.packages.builder import ServicePackage
from assistant.packages.profile import build_profile
from assistant.packages.store import OUTCOMES, PackageStore
from assistant.runtime import build_assistant
from assistant.settings import Settings
from connectors.wechat.formatting import split_message

TODAY = date(2026, 12, 5)
PEOPLE: list[tuple[str, list[str]]] = [
    ("graduate", ["我今年6月大学毕业，想在金水区找会计的工作"]),
    ("difficulty", ["我是残疾人，失业一年半了，办了失业登记"]),
    ("migrant", ["我是农民工，想找电工的活，工资6000以上"]),
    ("older", ["我52岁，被公司裁员了，交了8年失业保险"]),
    ("none", []),
]
ASK = "给我一个就业服务包"


def say(assistant: Assistant, user: str, text: str) -> tuple[float, Any]:
    started = time.perf_counter()
    reply = assistant.respond(
        Turn(channel="web", user_id=user, region="410100", text=text, on_date=TODAY)
    )
    return (time.perf_counter() - started) * 1000, reply


def package_turns(assistant: Assistant, people: int) -> dict[str, Any]:
    by_kind: dict[str, list[float]] = {}
    parts: list[int] = []
    for i in range(people + 1):
        for kind, story in PEOPLE:
            user = f"p{i}-{kind}"
            for text in story:
                say(assistant, user, text)
            ms, reply = say(assistant, user, ASK)
            assert reply.package is not None, (kind, reply.text)
            if i:  # the first person of each kind warms the caches
                by_kind.setdefault(kind, []).append(ms)
                parts.append(len(split_message(reply.text)))
    every = [v for values in by_kind.values() for v in values]
    return {
        "packages": len(every),
        "p50_ms": percentile(every, 0.5),
        "p95_ms": percentile(every, 0.95),
        "by_kind": {
            k: {"p50_ms": percentile(v, 0.5), "p95_ms": percentile(v, 0.95)}
            for k, v in by_kind.items()
        },
        "wechat_parts_max": max(parts),
        "wechat_parts_p50": percentile([float(p) for p in parts], 0.5),
    }


def follow_up_overhead(assistant: Assistant, people: int) -> dict[str, float]:
    with_package = [say(assistant, f"p{i}-graduate", "谢谢")[0] for i in range(1, people + 1)]
    for i in range(people + 1):
        say(assistant, f"plain-{i}", "你好")
    without = [say(assistant, f"plain-{i}", "谢谢")[0] for i in range(1, people + 1)]
    return {
        "with_package_p50_ms": percentile(with_package, 0.5),
        "without_package_p50_ms": percentile(without, 0.5),
        "with_package_p95_ms": percentile(with_package, 0.95),
        "without_package_p95_ms": percentile(without, 0.95),
    }


def store_at_scale(store: PackageStore, stored: int) -> dict[str, float]:
    issued = datetime(2026, 11, 1, tzinfo=UTC)
    kinds: list[dict[str, Any]] = [
        {"graduating_student": True},
        {"registered_unemployed": True},
        {"age": 55},
        {},
    ]
    vocabulary = build_vocabulary()
    templates = [
        ServicePackage(
            region="410100",
            on_date=issued.date(),
            profile=build_profile(
                facts, {}, region="410100", on_date=issued.date(), vocabulary=vocabulary
            ),
        )
        for facts in kinds
    ]
    started = time.perf_counter()
    for i in range(stored):
        store.save(
            templates[i % len(templates)],
            session_id=f"wechat:bulk{i}",
            channel="wechat" if i % 2 else "web",
            user_id=f"bulk{i}",
            now=issued,
        )
    insert_s = time.perf_counter() - started
    week = issued + timedelta(days=8)
    due = store.due_on_channels(["web", "wechat"], now=week, limit=stored)
    answered = due[: stored // 10]
    store.mark_asked([f.id for f in answered], now=week)
    for n, follow_up in enumerate(answered):
        store.record_answer(follow_up.id, OUTCOMES[n % len(OUTCOMES)], "bench", now=week)
    timings: dict[str, float] = {"insert_per_package_ms": insert_s * 1000 / stored}
    for name, run in (
        ("no_progress_ms", lambda: store.no_progress(now=issued + timedelta(days=20))),
        ("statistics_ms", store.statistics),
        ("due_on_channels_ms", lambda: store.due_on_channels(["wechat"], now=week)),
        ("due_one_session_ms", lambda: store.due("wechat:bulk1", now=week)),
    ):
        run()
        started = time.perf_counter()
        for _ in range(5):
            run()
        timings[name] = (time.perf_counter() - started) * 1000 / 5
    return timings


def build_vocabulary() -> Any:
    from knowledge.rules.loader import load_facts

    return load_facts()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=40, help="people of each kind counted")
    parser.add_argument("--stored", type=int, default=10_000, help="packages for the store test")
    parser.add_argument("--json", type=Path, default=default_json("packages"), help="figures file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jiuye-bench-packages-") as folder:
        settings = Settings(data_dir=Path(folder))
        assistant = build_assistant(settings, prepare_samples(settings, quiet=True))
        turns = package_turns(assistant, args.people)
        overhead = follow_up_overhead(assistant, args.people)
        scale = store_at_scale(assistant.toolbox.packages, args.stored)
        assistant.conversations.database.dispose()
    print(
        f"\npackage turns: {turns['packages']}, p50 {turns['p50_ms']:.1f} ms,"
        f" p95 {turns['p95_ms']:.1f} ms"
    )
    for kind, v in turns["by_kind"].items():
        print(f"  {kind:<11} p50 {v['p50_ms']:6.1f}  p95 {v['p95_ms']:6.1f} ms")
    print(
        f"  WeChat messages per package: p50 {turns['wechat_parts_p50']:.0f},"
        f" max {turns['wechat_parts_max']}"
    )
    print(
        "plain turn with a package p50 {with_package_p50_ms:.1f}"
        " / p95 {with_package_p95_ms:.1f} ms,"
        " without p50 {without_package_p50_ms:.1f} / p95 {without_package_p95_ms:.1f} ms".format(
            **overhead
        )
    )
    print(f"store with {args.stored} packages:")
    for name, value in scale.items():
        print(f"  {name:<24} {value:8.2f}")
    write_json(
        args.json,
        {
            "date": str(date.today()),
            "package_turns": turns,
            "follow_up_overhead": overhead,
            "store": {"packages": args.stored, **scale},
        },
    )


if __name__ == "__main__":
    main()
