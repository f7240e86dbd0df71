"""HTTP load on one ``jiuye serve`` process: turns/s, latency percentiles and memory.

    python bench/load.py                        # 1, 16 and 64 users, 20 s each
    python bench/load.py --users 16 --seconds 30 --json build/bench/load-16.json
    python bench/load.py --users 16 64 --think 2     # people who read before they answer

Starts the real ``jiuye serve`` (offline brain, ``--samples``: the sample knowledge base,
vacancies and service points) in a temporary data directory on a free port of 127.0.0.1,
with a hotline agent's token and lifted rate limits, and waits for ``/readyz``. Then
simulated users play the conversation mix through ``POST /v1/chat`` — policy questions,
an eligibility check gathering facts, vacancy searches with filters, a service point, an
employer's subsidies, a hotline agent's caller and a request for a caseworker (which opens
a hand-off ticket) — each conversation as a new web visitor (session cookie) or a new
caller of the agent. Every level runs ``--warmup`` seconds uncounted, then ``--seconds``
counted; a first pass of every conversation warms the fresh process. Users answer at
once unless ``--think`` says how long they pause (0: every user always has a turn in
flight, so the server runs saturated from a few users on). The server's resident memory
is sampled throughout. The issue's target is printed, not asserted: p95 under 300 ms at
16 concurrent users, with no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from figures import default_json
from serving import (
    JiuyeServer,
    LoadLevel,
    RssWatch,
    StaffMember,
    bench_staff,
    play_load,
    warm_up,
    write_json,
)

TARGET_USERS = 16
TARGET_P95_MS = 300.0


async def measure(
    server: JiuyeServer, agent: StaffMember, users: int, args: argparse.Namespace
) -> dict[str, Any]:
    async with RssWatch([server]) as rss:
        level: LoadLevel = await play_load(
            [server.url],
            users,
            agent=agent,
            seconds=args.seconds,
            warmup=args.warmup,
            think=args.think,
            tag="load",
        )
    row = level.summary()
    row["rss_max_mb"] = rss.peak_mb[server.name]
    return row


def target_verdict(rows: list[dict[str, Any]]) -> str:
    row = next((r for r in rows if r["users"] == TARGET_USERS), None)
    goal = f"p95 under {TARGET_P95_MS:.0f} ms at {TARGET_USERS} concurrent, no errors"
    if row is None:
        return f"target ({goal}): not measured (run with --users {TARGET_USERS})"
    errors = sum(row["errors"].values())
    holds = row["p95_ms"] < TARGET_P95_MS and errors == 0
    return (
        f"target ({goal}): {'holds' if holds else 'DOES NOT HOLD'}"
        f" — p95 {row['p95_ms']:.0f} ms, {errors} errors"
    )


def print_table(rows: list[dict[str, Any]]) -> None:
    heading = ("users", "turns", "errors", "turns/s", "p50 ms", "p95 ms", "p99 ms", "RSS max MB")
    print("\n" + " ".join(f"{h:>{max(6, len(h))}}" for h in heading))
    for row in rows:
        print(
            f"{row['users']:>6} {row['turns']:>6} {sum(row['errors'].values()):>6}"
            f" {row['turns_per_second']:>7.1f} {row['p50_ms']:>6.0f} {row['p95_ms']:>6.0f}"
            f" {row['p99_ms']:>6.0f} {row['rss_max_mb']:>10.0f}"
        )
    for row in rows:
        if row["errors"]:
            cells = ", ".join(f"{outcome}: {n}" for outcome, n in sorted(row["errors"].items()))
            print(f"  errors at {row['users']} users — {cells}")
    print("\nby kind (p50 / p95 ms):")
    for row in rows:
        cells = ", ".join(
            f"{kind} {v['p50_ms']:.0f}/{v['p95_ms']:.0f}" for kind, v in row["by_kind"].items()
        )
        print(f"  {row['users']:>2} users: {cells}")


def open_tickets(server: JiuyeServer, caseworker: StaffMember) -> int:
    """The hand-off queue's length (the hand-off conversations' tickets, none claimed)."""
    response = httpx.get(f"{server.url}/v1/handoffs", headers=caseworker.headers, timeout=30)
    response.raise_for_status()
    return len(response.json())


def run(args: argparse.Namespace) -> dict[str, Any]:
    staff = bench_staff()
    with (
        tempfile.TemporaryDirectory(prefix="jiuye-bench-load-") as folder,
        JiuyeServer("jiuye", Path(folder), staff) as server,
    ):
        print(f"jiuye serve ready in {server.wait_ready():.1f} s on {server.url}")
        rss_start = server.rss_mb()
        started = time.monotonic()
        asyncio.run(warm_up([server.url], staff["agent"]))
        print(
            f"RSS after start {rss_start:.0f} MB; first pass of the mix"
            f" {time.monotonic() - started:.1f} s (not counted)"
        )
        rows = [asyncio.run(measure(server, staff["agent"], users, args)) for users in args.users]
        tickets = open_tickets(server, staff["caseworker"])
        logged = dict(server.logged_errors())
    return {
        "think_seconds": args.think,
        "server_log_errors": logged,
        "rss_after_start_mb": rss_start,
        "levels": rows,
        "handoff_tickets": tickets,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--seconds", type=float, default=20.0, help="counted seconds per level")
    parser.add_argument("--warmup", type=float, default=3.0, help="uncounted seconds per level")
    parser.add_argument(
        "--think", type=float, default=0.0, help="seconds a user pauses after each answer"
    )
    parser.add_argument("--json", type=Path, default=default_json("load"))
    args = parser.parse_args()
    try:
        figures = run(args)
    except KeyboardInterrupt:
        print("\ninterrupted: the server was stopped", file=sys.stderr)
        sys.exit(130)
    print_table(figures["levels"])
    print(f"\nhand-off tickets opened (warm-up included): {figures['handoff_tickets']}")
    for what, n in figures["server_log_errors"].items():
        print(f"server log: {n} × {what}")
    figures["target"] = target_verdict(figures["levels"])
    print("\n" + figures["target"])
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
