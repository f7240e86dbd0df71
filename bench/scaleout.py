"""Two ``jiuye serve`` processes sharing PostgreSQL and a Chroma server: what still holds
(one owner per hand-off ticket, one answer per WeChat message) and what a second process
buys in turns/s.

    python bench/scaleout.py                    # needs PostgreSQL on 127.0.0.1:5432
    python bench/scaleout.py --tickets 100 --messages 100 --seconds 30
    python bench/scaleout.py --postgres postgresql+psycopg://postgres@db.local:5432/test

The set-up of the scale-out in DESIGN.md, on one machine: a throw-away database
``jiuye_bench_<random>`` created on the server of ``--postgres`` (dropped at the end, also
after a failure or Ctrl-C), a Chroma server (``chroma run``, shipped with the chromadb
wheel) on 127.0.0.1, and processes A and B with their own data directories and the same
``JIUYE_DATABASE_URL``, ``JIUYE_CHROMA_URL`` and session secret. A starts first and imports
the samples; B's ``--samples`` then finds them in place and only verifies. (Without a
``chroma`` executable each process keeps its own embedded Chroma and embeds the sample
vectors itself; the database is still shared.) One test client alternates between them:

- hand-off claims: ``--tickets`` web visitors ask for a caseworker (``我要转人工``), then
  for every ticket two caseworkers claim it at the same moment, each through another
  process; exactly one claim may succeed and the ticket must name its winner.
- WeChat redeliveries: an Official Account in safe mode is configured in both processes,
  its server API (token, customer-service messages) played by a fake on 127.0.0.1. Each
  of ``--messages`` messages is delivered to A and B at the same moment with the same
  MsgId, as WeChat's redelivery may land on another worker. What reaches the user is
  counted per message: passive replies other than ``success`` (a second delivery that
  repeats the stored passive reply is the same answer) and customer-service sends; and
  the turns run, from the conversation's transcript. Each message must run once and
  reach the user once.
- throughput: ``--users`` simulated users (the mix of bench/load.py) through one process,
  then spread over both (each turn to the next process: no sticky sessions).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from figures import default_json
from serving import (
    BIN,
    JiuyeServer,
    ManagedProcess,
    RssWatch,
    StaffMember,
    bench_staff,
    free_port,
    play_load,
    warm_up,
    write_json,
)

from connectors.wechat import SUCCESS, MessageCrypto, parse_xml
from connectors.wechat.simulate import safe_mode_callback, text_message_xml

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WECHAT_TOKEN = "benchToken"
WECHAT_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
WECHAT_APP_ID = "wxbench000000000"
WECHAT_MESSAGES = (
    "失业保险金怎么领",
    "领失业金期间医保怎么办",
    "金水区有没有厨师的工作，月薪6000以上",
    "最近的就业服务站在哪",
    "就业困难人员认定条件",
    "我能领失业金吗",
)


# the shared stores -------------------------------------------------------------------------


@contextmanager
def throwaway_database(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the server of ``admin_url``, dropped afterwards
    (``WITH (FORCE)``: processes that did not stop must not keep it alive)."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"jiuye_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


def postgres_answers(admin_url: str) -> str | None:
    """None when the server answers, else why not."""
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return None
    except Exception as exc:  # any failure: the benchmark cannot run
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()


def chroma_server(folder: Path) -> ManagedProcess | None:
    """``chroma run`` on 127.0.0.1, or None when the chromadb install has no server."""
    chroma = BIN / "chroma"
    if not chroma.exists() and shutil.which("chroma") is None:
        return None
    port = free_port()
    argv = [str(chroma if chroma.exists() else "chroma"), "run", "--path", str(folder / "db")]
    argv += ["--host", "127.0.0.1", "--port", str(port)]
    return ManagedProcess(
        "chroma",
        argv,
        folder=folder,
        url=f"http://127.0.0.1:{port}",
        ready_path="/api/v2/heartbeat",
    )


# WeChat ------------------------------------------------------------------------------------


class FakeWeChatAPI:
    """WeChat's server API as an Official Account uses it: ``/cgi-bin/token`` and
    ``/cgi-bin/message/custom/send``, which records what would reach each user."""

    def __init__(self) -> None:
        self._sends: list[tuple[str, str]] = []  # (openid, text)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer(None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(json.loads(self.rfile.read(length).decode("utf-8")))

            def _answer(self, body: dict[str, Any] | None) -> None:
                data = json.dumps(fake.answer(urlsplit(self.path).path, body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def answer(self, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        if path == "/cgi-bin/token":
            return {"access_token": "bench-access-token", "expires_in": 7200}
        if path == "/cgi-bin/message/custom/send" and body:
            with self._lock:
                self._sends.append((body["touser"], body["text"]["content"]))
            return {"errcode": 0, "errmsg": "ok"}
        return {"errcode": 404, "errmsg": "no such api"}

    def texts(self, openid: str) -> list[str]:
        with self._lock:
            return [text for user, text in self._sends if user == openid]

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeWeChatAPI:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def wechat_settings(api_url: str) -> dict[str, str]:
    return {
        "JIUYE_WECHAT_TOKEN": WECHAT_TOKEN,
        "JIUYE_WECHAT_APP_ID": WECHAT_APP_ID,
        "JIUYE_WECHAT_APP_SECRET": "bench-app-secret",
        "JIUYE_WECHAT_AES_KEY": WECHAT_AES_KEY,
        "JIUYE_WECHAT_API_BASE": api_url,
    }


def envelope(
    crypto: MessageCrypto, user: str, text: str, msg_id: int
) -> tuple[dict[str, str], bytes]:
    """A safe-mode callback as WeChat posts it (a fresh nonce on every delivery)."""
    xml = text_message_xml(from_user=user, content=text, msg_id=msg_id)
    return safe_mode_callback(crypto, WECHAT_TOKEN, xml)


@dataclass
class MessageFate:
    """What became of one message delivered to every process at once."""

    msg_id: int
    openid: str
    statuses: list[str] = field(default_factory=list)
    passive: list[str] = field(default_factory=list)  # replies other than "success"
    answered_by: list[str] = field(default_factory=list)  # the processes that gave them
    sent: list[str] = field(default_factory=list)  # customer-service API sends
    turns_run: int = 0

    @property
    def answers(self) -> int:
        """Answers that reached the user: the distinct passive replies (a redelivery may
        repeat the stored one), or, when there was none, the deferred reply's sends."""
        return len(set(self.passive)) or (1 if self.sent else 0)

    @property
    def held(self) -> bool:
        duplicate_sends = len(self.sent) != len(set(self.sent))
        return (
            self.turns_run == 1
            and self.answers == 1
            and not duplicate_sends
            and all(s == "200" for s in self.statuses)
        )


async def _deliver(
    client: httpx.AsyncClient,
    server: JiuyeServer,
    crypto: MessageCrypto,
    fate: MessageFate,
    text: str,
) -> None:
    query, body = envelope(crypto, fate.openid, text, fate.msg_id)
    try:
        response = await client.post(f"{server.url}/wechat/mp", params=query, content=body)
    except httpx.HTTPError as exc:
        fate.statuses.append(type(exc).__name__)
        return
    fate.statuses.append(str(response.status_code))
    if response.status_code == 200 and response.text != SUCCESS:
        reply = crypto.decrypt(parse_xml(response.text)["Encrypt"])
        fate.passive.append(parse_xml(reply)["Content"])
        fate.answered_by.append(server.name)


async def _await_deferred(fake: FakeWeChatAPI, fates: list[MessageFate], timeout: float) -> None:
    """Waits until every message without a passive reply has had its deferred reply sent,
    then a moment longer for the later parts of long replies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(fate.passive or fake.texts(fate.openid) for fate in fates):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    for fate in fates:
        fate.sent = fake.texts(fate.openid)


async def _count_turns(
    client: httpx.AsyncClient, urls: Sequence[str], caseworker: StaffMember, fate: MessageFate
) -> None:
    url = urls[fate.msg_id % len(urls)]
    response = await client.get(
        f"{url}/v1/sessions/wechat:{fate.openid}", headers=caseworker.headers
    )
    if response.status_code == 200:
        messages = response.json()["messages"]
        fate.turns_run = sum(1 for m in messages if m["sender"] == "user")


async def redeliveries(
    servers: Sequence[JiuyeServer],
    fake: FakeWeChatAPI,
    caseworker: StaffMember,
    messages: int,
    concurrency: int,
) -> list[MessageFate]:
    """Every message to every process at the same moment, ``concurrency`` messages at a
    time; then what reached each user and how many turns ran."""
    crypto = MessageCrypto(WECHAT_TOKEN, WECHAT_AES_KEY, WECHAT_APP_ID)
    first_id = secrets.randbelow(10**12) * 1000
    fates = [MessageFate(first_id + n, f"obench{first_id + n}") for n in range(messages)]
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30.0) as client:

        async def deliver_everywhere(n: int, fate: MessageFate) -> None:
            text = WECHAT_MESSAGES[n % len(WECHAT_MESSAGES)]
            async with gate:
                await asyncio.gather(*(_deliver(client, s, crypto, fate, text) for s in servers))

        await asyncio.gather(*(deliver_everywhere(n, f) for n, f in enumerate(fates)))
        await _await_deferred(fake, fates, timeout=60.0)
        urls = [s.url for s in servers]
        await asyncio.gather(*(_count_turns(client, urls, caseworker, f) for f in fates))
    return fates


def dedupe_summary(fates: list[MessageFate]) -> dict[str, Any]:
    passive = sum(1 for f in fates if f.passive)
    return {
        "messages": len(fates),
        "held": sum(1 for f in fates if f.held),
        "answered_passively": passive,
        "passive_replies_by_process": dict(Counter(p for f in fates for p in f.answered_by)),
        "passive_reply_repeated": sum(1 for f in fates if len(f.passive) > 1),
        "deferred_to_customer_service": sum(1 for f in fates if not f.passive and f.sent),
        "customer_service_sends": sum(len(f.sent) for f in fates),
        "turns_run": sum(f.turns_run for f in fates),
        "delivery_statuses": dict(Counter(s for f in fates for s in f.statuses)),
        "not_held": [
            {
                "msg_id": f.msg_id,
                "statuses": f.statuses,
                "passive": f.passive,
                "sent": f.sent,
                "turns_run": f.turns_run,
            }
            for f in fates
            if not f.held
        ],
    }


# hand-off claims ---------------------------------------------------------------------------


@dataclass
class ClaimRace:
    """Two caseworkers claiming one ticket at once, each through another process."""

    ticket: int
    statuses: dict[str, str]  # caseworker -> HTTP status of the claim
    via: dict[str, str]  # caseworker -> the process the claim went through
    holder: str | None = None  # claimed_by, read back afterwards

    @property
    def winners(self) -> list[str]:
        return [name for name, status in self.statuses.items() if status == "200"]

    @property
    def held(self) -> bool:
        return len(self.winners) == 1 and self.holder == self.winners[0]


async def open_tickets(client: httpx.AsyncClient, urls: Sequence[str], count: int) -> list[int]:
    """``count`` web visitors (alternating processes) asking for a caseworker."""
    tickets: list[int] = []
    for n in range(count):
        client.cookies.clear()
        response = await client.post(
            f"{urls[n % len(urls)]}/v1/chat", json={"text": "我要转人工", "region": "410100"}
        )
        handoff = response.json().get("handoff") if response.status_code == 200 else None
        if handoff:
            tickets.append(int(handoff["id"]))
    return tickets


async def _claim(client: httpx.AsyncClient, url: str, ticket: int, caseworker: StaffMember) -> str:
    try:
        response = await client.post(
            f"{url}/v1/handoffs/{ticket}/claim", headers=caseworker.headers
        )
        return str(response.status_code)
    except httpx.HTTPError as exc:
        return type(exc).__name__


async def race_for(
    client: httpx.AsyncClient,
    servers: Sequence[JiuyeServer],
    ticket: int,
    rivals: Sequence[StaffMember],
) -> ClaimRace:
    """The rivals claim ``ticket`` at the same moment, rival i through ``servers[i]``; the
    holder is then read back through the last process."""
    pairs = list(zip(servers, rivals, strict=True))
    statuses = await asyncio.gather(*(_claim(client, s.url, ticket, who) for s, who in pairs))
    race = ClaimRace(
        ticket,
        statuses={who.name: status for (_, who), status in zip(pairs, statuses, strict=True)},
        via={who.name: server.name for server, who in pairs},
    )
    check = await client.get(f"{servers[-1].url}/v1/handoffs/{ticket}", headers=rivals[0].headers)
    if check.status_code == 200:
        race.holder = check.json()["claimed_by"]
    return race


async def claim_races(
    servers: Sequence[JiuyeServer], rivals: Sequence[StaffMember], tickets: int
) -> tuple[int, list[ClaimRace]]:
    """Opens ``tickets`` tickets, then races the rivals for each; (opened, races). The
    rivals swap processes from one ticket to the next."""
    async with httpx.AsyncClient(timeout=30.0) as client:
        opened = await open_tickets(client, [s.url for s in servers], tickets)
        races = []
        for n, ticket in enumerate(opened):
            turn = n % len(servers)
            rotated = [*servers[turn:], *servers[:turn]]
            races.append(await race_for(client, rotated, ticket, rivals))
    return len(opened), races


def claims_summary(asked: int, opened: int, races: list[ClaimRace]) -> dict[str, Any]:
    return {
        "asked": asked,
        "tickets": opened,
        "held": sum(1 for r in races if r.held),
        "claims_succeeded": dict(Counter(len(r.winners) for r in races)),
        "won_through": dict(Counter(r.via[w] for r in races for w in r.winners)),
        "losers_status": dict(
            Counter(s for r in races for name, s in r.statuses.items() if name not in r.winners)
        ),
        "not_held": [
            {"ticket": r.ticket, "statuses": r.statuses, "holder": r.holder}
            for r in races
            if not r.held
        ],
    }


# throughput --------------------------------------------------------------------------------


async def throughput(
    servers: Sequence[JiuyeServer],
    agent: StaffMember,
    users: int,
    seconds: float,
    warmup: float,
) -> dict[str, Any]:
    async with RssWatch(servers) as rss:
        level = await play_load(
            [s.url for s in servers],
            users,
            agent=agent,
            seconds=seconds,
            warmup=warmup,
            tag=f"scale{len(servers)}",
        )
    row = level.summary()
    row["processes"] = len(servers)
    row["rss_max_mb"] = dict(rss.peak_mb)
    return row


# the run -----------------------------------------------------------------------------------


def print_report(figures: dict[str, Any]) -> None:
    claims, dedupe = figures["handoff_claims"], figures["wechat_dedupe"]
    print(
        f"\nhand-off claims: two caseworkers per ticket at once, each through another process"
        f"\n  {claims['tickets']} tickets tried, {claims['held']} held (exactly one owner)"
        f"\n  successful claims per ticket: {claims['claims_succeeded']};"
        f" won through {claims['won_through']}; losers answered {claims['losers_status']}"
    )
    if claims["tickets"] != claims["asked"]:
        print(f"  only {claims['tickets']} of {claims['asked']} requests opened a ticket")
    print(
        f"\nWeChat redeliveries: each message to A and B at once, same MsgId"
        f"\n  {dedupe['messages']} messages tried, {dedupe['held']} held (one answer each)"
        f"\n  turns run {dedupe['turns_run']}; answered passively {dedupe['answered_passively']}"
        f" (by {dedupe['passive_replies_by_process']}; repeated by the other delivery:"
        f" {dedupe['passive_reply_repeated']});"
        f" deferred to the customer-service API {dedupe['deferred_to_customer_service']};"
        f" customer-service sends {dedupe['customer_service_sends']};"
        f" delivery statuses {dedupe['delivery_statuses']}"
    )
    heading = ("processes", "users", "turns", "errors", "turns/s", "p50 ms", "p95 ms", "p99 ms")
    print("\nthroughput\n" + " ".join(f"{h:>{max(6, len(h))}}" for h in heading) + "  RSS max MB")
    for row in figures["throughput"]:
        rss = " / ".join(f"{name} {mb:.0f}" for name, mb in row["rss_max_mb"].items())
        print(
            f"{row['processes']:>9} {row['users']:>6} {row['turns']:>6}"
            f" {sum(row['errors'].values()):>6} {row['turns_per_second']:>7.1f}"
            f" {row['p50_ms']:>6.0f} {row['p95_ms']:>6.0f} {row['p99_ms']:>6.0f}  {rss}"
        )
        if row["errors"]:
            print(f"  errors: {row['errors']}")
    for name, logged in figures["server_log_errors"].items():
        for what, n in logged.items():
            print(f"server log of {name}: {n} × {what}")


@dataclass
class Deployment:
    """Processes A and B over the shared stores, and the fake WeChat API they call."""

    database: str
    chroma: ManagedProcess | None
    fake: FakeWeChatAPI
    a: JiuyeServer
    b: JiuyeServer


def deploy(postgres: str, staff: dict[str, StaffMember], stack: ExitStack) -> Deployment:
    """Everything started in ``stack``, which stops it again in reverse order (the
    processes, the Chroma server, the fake API, then the database is dropped)."""
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="jiuye-bench-scale-")))
    database_url = stack.enter_context(throwaway_database(postgres))
    fake = stack.enter_context(FakeWeChatAPI())
    settings = {"JIUYE_DATABASE_URL": database_url, "JIUYE_DEFAULT_REGION": "410100"}
    settings.update(wechat_settings(fake.url))
    database = database_url.rsplit("/", 1)[-1]
    chroma = chroma_server(folder / "chroma")
    if chroma is None:
        print(f"shared: PostgreSQL {database}; no `chroma` server: each process its own vectors")
    else:
        stack.enter_context(chroma)
        chroma.wait_ready(60)
        settings["JIUYE_CHROMA_URL"] = chroma.url
        print(f"shared: PostgreSQL {database}, Chroma server {chroma.url}")
    a = stack.enter_context(JiuyeServer("A", folder / "A", staff, settings))
    print(f"process A ready in {a.wait_ready():.1f} s (imported the samples)")
    b = stack.enter_context(JiuyeServer("B", folder / "B", staff, settings))
    print(f"process B ready in {b.wait_ready():.1f} s (verified the samples)")
    return Deployment(database, chroma, fake, a, b)


def run(args: argparse.Namespace, stack: ExitStack) -> dict[str, Any]:
    staff = bench_staff()
    d = deploy(args.postgres, staff, stack)
    rss_start = {d.a.name: d.a.rss_mb(), d.b.name: d.b.rss_mb()}
    print(f"RSS after start: A {rss_start['A']:.0f} MB, B {rss_start['B']:.0f} MB")
    both = [d.a, d.b]
    asyncio.run(warm_up([s.url for s in both], staff["agent"]))
    rivals = [staff["caseworker"], staff["other_caseworker"]]
    opened, races = asyncio.run(claim_races(both, rivals, args.tickets))
    fates = asyncio.run(
        redeliveries(both, d.fake, staff["caseworker"], args.messages, args.wechat_concurrency)
    )
    rows = [
        asyncio.run(throughput(servers, staff["agent"], users, args.seconds, args.warmup))
        for users in args.users
        for servers in ([d.a], both)
    ]
    logged = {s.name: dict(s.logged_errors()) for s in both}
    return {
        "database": d.database,
        "chroma_server": d.chroma is not None,
        "ready_seconds": {s.name: s.ready_seconds for s in both},
        "rss_after_start_mb": rss_start,
        "handoff_claims": claims_summary(args.tickets, opened, races),
        "wechat_dedupe": dedupe_summary(fates),
        "throughput": rows,
        "server_log_errors": logged,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=POSTGRES_ADMIN_URL, help="an existing database")
    parser.add_argument("--tickets", type=int, default=40, help="hand-off tickets to race for")
    parser.add_argument("--messages", type=int, default=50, help="WeChat messages to redeliver")
    parser.add_argument("--wechat-concurrency", type=int, default=8, help="messages at once")
    parser.add_argument("--users", type=int, nargs="+", default=[16])
    parser.add_argument("--seconds", type=float, default=15.0, help="counted seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="uncounted seconds per run")
    parser.add_argument("--json", type=Path, default=default_json("scaleout"))
    args = parser.parse_args()
    problem = postgres_answers(args.postgres)
    if problem is not None:
        print(f"no PostgreSQL server answers at {args.postgres} ({problem})", file=sys.stderr)
        print("start one, or name another with --postgres", file=sys.stderr)
        sys.exit(1)
    started = time.monotonic()
    try:
        with ExitStack() as stack:
            figures = run(args, stack)
            print("\nstopping the processes and dropping the database")
    except KeyboardInterrupt:
        print("\ninterrupted: the processes were stopped, the database dropped", file=sys.stderr)
        sys.exit(130)
    print_report(figures)
    print(f"\nwhole run {time.monotonic() - started:.0f} s")
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
