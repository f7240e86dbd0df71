"""Offline-brain turn latency: prints the figures for the README.

    python bench/turns.py                     # samples in a temporary folder
    python bench/turns.py --rounds 5 --json /tmp/turns.json   # default build/bench/turns.json

A realistic mix of conversations — policy questions, eligibility checks with fact
gathering and a changed fact, vacancy searches with filters, service points — played by
one user in sequence, then by 16 sessions at once (threads sharing one Assistant, as the
server's workers do). Each turn is the whole ``Assistant.respond``: NLU, tools, composer,
and the SQLite writes of the session. The first round warms caches and is not counted.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from figures import default_json, percentile, write_json

from assistant.chat_cli import prepare_samples
from assistant.engine import Assistant
from assistant.models import Role, Turn
from assistant.runtime import build_assistant
from assistant.settings import Settings
from connectors.geo import GeoPoint

TODAY = date(2026, 11, 22)
HOME = GeoPoint(34.7466, 113.6254)
CONVERSATIONS: list[tuple[Role, str, list[str]]] = [
    ("job_seeker", "policy", ["失业保险金怎么领", "领失业金期间医保怎么办", "谢谢"]),
    (
        "job_seeker",
        "eligibility",
        [
            "我能领失业金吗",
            "我45岁，被公司裁员了，交了8年失业保险",
            "办了失业登记",
            "是的",
            "那如果我交了12年呢？",
        ],
    ),
    (
        "job_seeker",
        "vacancy",
        ["金水区有没有厨师的工作，月薪6000以上", "找个兼职", "附近有什么招聘"],
    ),
    ("job_seeker", "service_points", ["最近的就业服务站在哪"]),
    ("employer", "employer", ["我们公司能申请哪些补贴", "一次性扩岗补助怎么申请"]),
    ("agent", "agent", ["来电人问失业保险金能领多久", "他交了6年"]),
]


def play(assistant: Assistant, user: str, role: Role, texts: list[str]) -> list[tuple[str, float]]:
    timings = []
    for text in texts:
        started = time.perf_counter()
        assistant.respond(
            Turn(
                channel="api",
                user_id=user,
                role=role,
                region="410100",
                location=HOME,
                text=text,
                on_date=TODAY,
            )
        )
        timings.append((text, (time.perf_counter() - started) * 1000))
    # Start the next round from a clean conversation.
    assistant.respond(Turn(channel="api", user_id=user, role=role, text="重新开始", on_date=TODAY))
    return timings


def run_round(assistant: Assistant, tag: str, users: int) -> dict[str, list[float]]:
    """Every conversation of the mix, by ``users`` sessions at once; latencies by kind."""
    jobs = [
        (f"{tag}-{i}-{kind}", role, kind, texts)
        for i in range(users)
        for role, kind, texts in CONVERSATIONS
    ]
    by_kind: dict[str, list[float]] = {}
    with ThreadPoolExecutor(max_workers=users) as pool:
        futures = [(kind, pool.submit(play, assistant, u, role, t)) for u, role, kind, t in jobs]
        for kind, future in futures:
            by_kind.setdefault(kind, []).extend(ms for _, ms in future.result())
    return by_kind


def measure(assistant: Assistant, users: int, rounds: int) -> dict[str, Any]:
    run_round(assistant, f"warm{users}", users)
    merged: dict[str, list[float]] = {}
    started = time.perf_counter()
    for r in range(rounds):
        for kind, values in run_round(assistant, f"u{users}r{r}", users).items():
            merged.setdefault(kind, []).extend(values)
    elapsed = time.perf_counter() - started
    everything = [v for values in merged.values() for v in values]
    row: dict[str, Any] = {
        "users": users,
        "turns": len(everything),
        "turns_per_second": len(everything) / elapsed,
        "p50_ms": percentile(everything, 0.5),
        "p95_ms": percentile(everything, 0.95),
        "by_kind": {
            kind: {"p50_ms": percentile(v, 0.5), "p95_ms": percentile(v, 0.95), "turns": len(v)}
            for kind, v in merged.items()
        },
    }
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds counted per load level")
    parser.add_argument("--users", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--json", type=Path, default=default_json("turns"), help="figures file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jiuye-bench-turns-") as folder:
        settings = Settings(data_dir=Path(folder))
        started = time.perf_counter()
        assistant = build_assistant(settings, prepare_samples(settings, quiet=True))
        print(f"samples loaded and embedded in {time.perf_counter() - started:.1f} s")
        rows = [measure(assistant, users, args.rounds) for users in args.users]
        assistant.conversations.database.dispose()
    print(f"\n{'sessions':>8} {'turns':>6} {'turns/s':>8} {'p50 ms':>7} {'p95 ms':>7}")
    for row in rows:
        print(
            f"{row['users']:>8} {row['turns']:>6} {row['turns_per_second']:>8.1f}"
            f" {row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f}"
        )
    print("\nby kind (p50 / p95 ms):")
    for row in rows:
        cells = ", ".join(
            f"{kind} {v['p50_ms']:.0f}/{v['p95_ms']:.0f}" for kind, v in row["by_kind"].items()
        )
        print(f"  {row['users']:>2} sessions: {cells}")
    write_json(args.json, {"date": str(date.today()), "levels": rows})


if __name__ == "__main__":
    main()
