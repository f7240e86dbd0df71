"""What the HTTP benchmarks share (``load.py``, ``scaleout.py``): real ``jiuye serve``
processes on 127.0.0.1, the staff tokens they accept, their memory, and the conversation
mix played against ``POST /v1/chat`` by simulated users.

Each server runs in its own folder (its data directory, its log file ``<name>.log``, and
its working directory, so no ``.env`` of the checkout leaks in); ``JIUYE_*`` variables of
the calling shell are not passed on, so every figure is the offline brain's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import psutil
from figures import REPO_ROOT, percentile, write_json

from assistant.server.auth import hash_token, new_token

__all__ = [
    "BIN",
    "CONVERSATIONS",
    "REPO_ROOT",
    "Conversation",
    "JiuyeServer",
    "LoadLevel",
    "ManagedProcess",
    "RssWatch",
    "StaffMember",
    "bench_staff",
    "free_port",
    "percentile",
    "play_load",
    "warm_up",
    "write_json",
]

BIN = Path(sys.executable).parent
TODAY = date(2026, 11, 22)
HOME = {"lat": 34.7466, "lon": 113.6254}
REGION = "410100"
#: Generous limits: the benchmark measures turns, not the rate limiter refusing them.
UNLIMITED = {"JIUYE_RATE_LIMIT_USER": "1000000/minute", "JIUYE_RATE_LIMIT_IP": "10000000/minute"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# staff -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    """A token holder of this run (fresh random tokens; the servers get only digests)."""

    name: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def bench_staff() -> dict[str, StaffMember]:
    """A hotline agent and two caseworkers (two, so they can race for a ticket)."""
    return {
        "agent": StaffMember("李坐席", "agent", new_token()),
        "caseworker": StaffMember("王老师", "caseworker", new_token()),
        "other_caseworker": StaffMember("赵老师", "caseworker", new_token()),
    }


def access_tokens_setting(staff: Mapping[str, StaffMember]) -> str:
    """``JIUYE_ACCESS_TOKENS``: the JSON list that ``jiuye token create`` prints entries of."""
    entries = [
        {"name": person.name, "role": person.role, "sha256": hash_token(person.token)}
        for person in staff.values()
    ]
    return json.dumps(entries, ensure_ascii=False)


# processes ---------------------------------------------------------------------------------


class ManagedProcess:
    """A server subprocess at ``url`` with its log file: started, waited for (until
    ``ready_path`` answers 200), stopped for sure."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        folder: Path,
        url: str,
        ready_path: str,
        env: Mapping[str, str] | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.folder = folder
        self.url = url
        self.ready_url = url + ready_path
        self.env = dict(env) if env is not None else None
        self.stop_signal = stop_signal
        self.log_path = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.ready_seconds = 0.0

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.argv, cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} was not started"
        return self.process.pid

    def wait_ready(self, timeout: float = 300.0) -> float:
        """Polls ``ready_url`` until it answers 200; the seconds since start."""
        assert self.process is not None, f"{self.name} was not started"
        started = time.monotonic()
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() - started < timeout:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self.process.returncode}\n" + self.log_tail()
                    )
                try:
                    if client.get(self.ready_url).status_code == 200:
                        self.ready_seconds = time.monotonic() - started
                        return self.ready_seconds
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s\n" + self.log_tail())

    def log_tail(self, lines: int = 20) -> str:
        if not self.log_path.exists():
            return ""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def logged_errors(self) -> Counter[str]:
        """The error lines of the server's JSON log, by what went wrong (the exception's
        last line, or the message): why the benchmark saw 5xx answers."""
        found: Counter[str] = Counter()
        if not self.log_path.exists():
            return found
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if not isinstance(entry, dict) or entry.get("level") not in ("error", "critical"):
                continue
            if str(entry.get("message", "")).startswith("Exception in ASGI application"):
                continue  # uvicorn logging again what the app's handler has logged
            trace = str(entry.get("exception") or "").strip()
            found[trace.splitlines()[-1] if trace else str(entry.get("message"))] += 1
        return found

    def rss_mb(self) -> float:
        """Resident memory of the process (0 once it has gone)."""
        try:
            return psutil.Process(self.pid).memory_info().rss / 2**20
        except psutil.Error:
            return 0.0

    def stop(self, timeout: float = 20.0) -> None:
        """The stop signal, then SIGKILL if the process outlives ``timeout``."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(self.stop_signal)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            print(f"{self.name} did not stop within {timeout:.0f} s: killed", file=sys.stderr)
            self.process.kill()
            self.process.wait(5)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def _inherited_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("JIUYE_")}


class JiuyeServer(ManagedProcess):
    """``jiuye serve`` (the real CLI) on a free port of 127.0.0.1, stopped with SIGINT as
    a person would with Ctrl-C. ``settings`` are ``JIUYE_*`` variables on top of the data
    directory, the staff tokens and lifted rate limits."""

    def __init__(
        self,
        name: str,
        folder: Path,
        staff: Mapping[str, StaffMember],
        settings: Mapping[str, str] | None = None,
        *,
        samples: bool = True,
    ) -> None:
        port = free_port()
        env = _inherited_environment()
        env.update(UNLIMITED)
        env.update(
            {
                "JIUYE_DATA_DIR": str(folder / "data"),
                "JIUYE_ACCESS_TOKENS": access_tokens_setting(staff),
                "JIUYE_SESSION_SECRET": "bench-session-secret",  # one visitor on every worker
            }
        )
        env.update(settings or {})
        argv = [str(BIN / "jiuye"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        argv.append("--samples" if samples else "--no-samples")
        super().__init__(
            name,
            argv,
            folder=folder,
            url=f"http://127.0.0.1:{port}",
            ready_path="/readyz",
            env=env,
            stop_signal=signal.SIGINT,
        )


class RssWatch:
    """Samples the resident memory of some processes while a block runs; the peaks in MB.

    ``async with RssWatch(servers) as watch: ...`` then ``watch.peak_mb[name]``."""

    def __init__(self, processes: Sequence[ManagedProcess], interval: float = 0.2) -> None:
        self.processes = list(processes)
        self.interval = interval
        self.peak_mb = {p.name: p.rss_mb() for p in self.processes}
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            for p in self.processes:
                self.peak_mb[p.name] = max(self.peak_mb[p.name], p.rss_mb())
            await asyncio.sleep(self.interval)

    async def __aenter__(self) -> RssWatch:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        for p in self.processes:
            self.peak_mb[p.name] = max(self.peak_mb[p.name], p.rss_mb())


# the conversation mix ----------------------------------------------------------------------


@dataclass(frozen=True)
class Conversation:
    """One kind of conversation of the mix. ``role == "agent"`` turns carry the hotline
    agent's token and name the caller; the others are anonymous web visitors."""

    kind: str
    role: str
    texts: tuple[str, ...]


#: The mix of bench/turns.py, plus an employer and a person asking for a caseworker
#: (each hand-off opens a ticket in the queue, as it would in service).
CONVERSATIONS: tuple[Conversation, ...] = (
    Conversation("policy", "job_seeker", ("失业保险金怎么领", "领失业金期间医保怎么办", "谢谢")),
    Conversation(
        "eligibility",
        "job_seeker",
        (
            "我能领失业金吗",
            "我45岁，被公司裁员了，交了8年失业保险",
            "办了失业登记",
            "是的",
            "那如果我交了12年呢？",
        ),
    ),
    Conversation(
        "vacancy",
        "job_seeker",
        ("金水区有没有厨师的工作，月薪6000以上", "找个兼职", "附近有什么招聘"),
    ),
    Conversation("service_points", "job_seeker", ("最近的就业服务站在哪",)),
    Conversation("employer", "employer", ("我们公司能申请哪些补贴", "一次性扩岗补助怎么申请")),
    Conversation("agent", "agent", ("来电人问失业保险金能领多久", "他交了6年")),
    Conversation("handoff", "job_seeker", ("我想问一下稳岗返还", "我要找人工")),
)


@dataclass(frozen=True)
class TurnRecord:
    kind: str
    started: float  # monotonic
    ms: float
    outcome: str  # the HTTP status ("200"), or the transport error's class name


@dataclass
class LoadLevel:
    """The turns of ``users`` simulated users over ``seconds`` counted seconds."""

    users: int
    seconds: float
    records: list[TurnRecord] = field(default_factory=list)

    @property
    def errors(self) -> Counter[str]:
        return Counter(r.outcome for r in self.records if not r.outcome.startswith("2"))

    def summary(self) -> dict[str, Any]:
        ms = [r.ms for r in self.records]
        kinds = sorted({r.kind for r in self.records}, key=[c.kind for c in CONVERSATIONS].index)
        return {
            "users": self.users,
            "seconds": round(self.seconds, 1),
            "turns": len(self.records),
            "errors": dict(self.errors),
            "turns_per_second": len(self.records) / self.seconds if self.seconds else 0.0,
            "p50_ms": percentile(ms, 0.5),
            "p95_ms": percentile(ms, 0.95),
            "p99_ms": percentile(ms, 0.99),
            "by_kind": {
                kind: {
                    "turns": len(values),
                    "p50_ms": percentile(values, 0.5),
                    "p95_ms": percentile(values, 0.95),
                }
                for kind in kinds
                for values in [[r.ms for r in self.records if r.kind == kind]]
            },
        }


def _chat_body(conversation: Conversation, text: str, caller: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "text": text,
        "role": conversation.role,
        "region": REGION,
        "location": HOME,
        "on_date": TODAY.isoformat(),
    }
    if conversation.role == "agent":
        body.update(user_id=caller, channel="hotline")
    return body


async def _timed_turn(
    client: httpx.AsyncClient,
    url: str,
    conversation: Conversation,
    text: str,
    caller: str,
    agent: StaffMember,
) -> TurnRecord:
    headers = agent.headers if conversation.role == "agent" else None
    started = time.monotonic()
    try:
        response = await client.post(
            f"{url}/v1/chat", json=_chat_body(conversation, text, caller), headers=headers
        )
        outcome = str(response.status_code)
    except httpx.HTTPError as exc:
        outcome = type(exc).__name__
    return TurnRecord(conversation.kind, started, (time.monotonic() - started) * 1000, outcome)


async def _simulated_user(
    index: int, tag: str, urls: Iterator[str], agent: StaffMember, until: float, think: float
) -> list[TurnRecord]:
    """Plays the mix from conversation ``index`` on, round after round, until ``until``,
    pausing ``think`` seconds after each answer; every conversation is a new visitor (a
    fresh session cookie) or a new caller."""
    records: list[TurnRecord] = []
    async with httpx.AsyncClient(timeout=120.0) as client:
        for n in itertools.count():
            conversation = CONVERSATIONS[(index + n) % len(CONVERSATIONS)]
            client.cookies.clear()
            caller = f"caller-{tag}-{index}-{n}"
            for text in conversation.texts:
                if time.monotonic() >= until:
                    return records
                url = next(urls)
                records.append(await _timed_turn(client, url, conversation, text, caller, agent))
                if think:
                    await asyncio.sleep(think)
    return records


async def play_load(
    base_urls: Sequence[str],
    users: int,
    *,
    agent: StaffMember,
    seconds: float,
    warmup: float,
    tag: str,
    think: float = 0.0,
) -> LoadLevel:
    """``users`` simulated users at once for ``warmup + seconds``; each turn goes to the
    next of ``base_urls`` in turn (a round-robin load balancer without sticky sessions).
    Turns that start during the warm-up are not counted. With ``think`` 0 every user
    always has a turn in flight (a closed loop at saturation: by Little's law the latency
    is then about ``users`` / turns per second)."""
    urls = itertools.cycle(base_urls)
    started = time.monotonic()
    counted_from = started + warmup
    until = counted_from + seconds
    everyone = await asyncio.gather(
        *(_simulated_user(i, f"{tag}-{users}", urls, agent, until, think) for i in range(users))
    )
    counted = [r for records in everyone for r in records if r.started >= counted_from]
    return LoadLevel(users, seconds, counted)


async def warm_up(base_urls: Sequence[str], agent: StaffMember) -> None:
    """Every conversation of the mix once through each server, not counted (the first
    turn of a fresh process loads the NLU model and takes seconds)."""
    async with httpx.AsyncClient(timeout=120.0) as client:
        for url in base_urls:
            for n, conversation in enumerate(CONVERSATIONS):
                client.cookies.clear()
                caller = f"warm-{url.rsplit(':', 1)[-1]}-{n}"
                for text in conversation.texts:
                    await _timed_turn(client, url, conversation, text, caller, agent)
