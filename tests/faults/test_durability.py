"""Durability: ``jiuye serve`` killed with SIGKILL while it writes tickets and messages.

Job seekers write to the real server process (SQLite on disk, the embedded default); some
ask for a person, which opens tickets. The process is killed mid-load, without warning,
then started again on the same data directory. Every turn the server acknowledged (a 200
with its reply) must be in the transcript, every acknowledged ticket in the queue, and
nothing half-written: the database passes its integrity check, every transcript is whole
question/answer pairs, every ticket belongs to a conversation and every conversation's
open ticket exists.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.faults.conftest import Held
from tests.faults.servers import ServerProcess
from tests.server.conftest import PEOPLE

pytestmark = pytest.mark.slow

#: One job seeker's conversation: a question, a request for a person, a message for them.
CONVERSATION = ["失业保险金怎么领", "我要转人工", "我的电话是13800138000，请尽快联系我"]
WRITERS = 6
#: The server is killed once this many turns and tickets were acknowledged (or after a
#: minute); the writers are in the middle of their next turns then.
ENOUGH_TURNS, ENOUGH_TICKETS = 60, 8
#: Who answers a user's message in the transcript: the assistant, or while a ticket is
#: open the system's "passed on to a caseworker".
ANSWERS = ("assistant", "system")


@dataclass
class Acknowledged:
    """What the server confirmed before it died: (session, user text, reply text)."""

    turns: list[tuple[str, str, str]] = field(default_factory=list)
    tickets: dict[int, str] = field(default_factory=dict)  # ticket id -> session id
    refused: list[str] = field(default_factory=list)  # answers other than 200, if any
    cut_off: int = 0  # turns in flight when the server died
    lock: threading.Lock = field(default_factory=threading.Lock)


def _write_until_killed(url: str, writer: int, stop: threading.Event, acked: Acknowledged) -> None:
    headers = {"Authorization": f"Bearer {PEOPLE['agent'][1]}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        for person in range(10_000):
            user = f"seeker-{writer}-{person}"
            for text in CONVERSATION:
                if stop.is_set():
                    return
                try:
                    response = client.post("/v1/chat", json={"text": text, "user_id": user})
                except httpx.HTTPError:  # the server is gone: never acknowledged
                    with acked.lock:
                        acked.cut_off += 1
                    return
                if response.status_code != 200:
                    acked.refused.append(f"{response.status_code} {response.text[:200]}")
                    return
                reply = response.json()
                with acked.lock:
                    acked.turns.append((reply["session_id"], text, reply["text"]))
                    if reply["handoff"]:
                        acked.tickets[reply["handoff"]["id"]] = reply["session_id"]


@pytest.fixture
def server(sample_data_dir: Path, tmp_path: Path) -> Iterator[ServerProcess]:
    data_dir = tmp_path / "data"
    shutil.copytree(sample_data_dir, data_dir)
    process = ServerProcess(data_dir)
    yield process
    process.stop()


def _session(client: httpx.Client, session_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/sessions/{session_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_acknowledged_tickets_and_messages_survive_sigkill(
    server: ServerProcess, held: Held
) -> None:
    server.start()
    acked = Acknowledged()
    stop = threading.Event()
    writers = [
        threading.Thread(target=_write_until_killed, args=(server.url, n, stop, acked))
        for n in range(WRITERS)
    ]
    for thread in writers:
        thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        len(acked.turns) >= ENOUGH_TURNS and len(acked.tickets) >= ENOUGH_TICKETS
    ):
        time.sleep(0.05)
    server.kill()  # in the middle of the writers' turns
    stop.set()
    for thread in writers:
        thread.join(60)
    assert not acked.refused, acked.refused
    assert acked.cut_off >= 1, "the kill should catch turns in flight"
    assert len(acked.turns) >= 20 and len(acked.tickets) >= 3, "too little load to mean much"

    database = server.data_dir / "jiuye.db"
    with sqlite3.connect(database) as connection:  # before the server opens it again
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    held.check("SIGKILL: database integrity", integrity == "ok", integrity)

    server.start()
    caseworker = {"Authorization": f"Bearer {PEOPLE['caseworker'][1]}"}
    with httpx.Client(base_url=server.url, headers=caseworker, timeout=30) as client:
        sessions = {s: _session(client, s) for s in {s for s, _, _ in acked.turns}}
        for session_id, text, reply in acked.turns:
            pairs = sessions[session_id]["messages"]
            stored = any(
                asked["sender"] == "user"
                and answered["sender"] in ANSWERS
                and answered["text"] == reply
                for asked, answered in pairwise(pairs)
            )
            held.check(
                "SIGKILL: acknowledged messages kept",
                stored,
                f"{session_id}: {text!r} answered {reply[:40]!r} is missing",
            )
        for ticket_id, session_id in acked.tickets.items():
            response = client.get(f"/v1/handoffs/{ticket_id}")
            ok = response.status_code == 200 and response.json()["session_id"] == session_id
            held.check(
                "SIGKILL: acknowledged tickets kept",
                ok and response.json()["status"] == "open",
                f"ticket {ticket_id}: {response.status_code} {response.text[:120]}",
            )
        queue = {entry["id"]: entry for entry in client.get("/v1/handoffs").json()}
        assert len(queue) >= len(acked.tickets)
        for session_id, view in sessions.items():
            senders = [m["sender"] for m in view["messages"]]
            whole = len(senders) % 2 == 0 and all(
                asked == "user" and answered in ANSWERS
                for asked, answered in zip(senders[::2], senders[1::2], strict=True)
            )
            ticket = view["open_ticket"]
            whole = whole and (ticket is None or queue[ticket]["session_id"] == session_id)
            held.check("SIGKILL: no half-written turn", whole, f"{session_id}: {senders} {ticket}")

        # And the service goes on: a caseworker takes a ticket written before the kill.
        first = min(acked.tickets)
        claimed = client.post(f"/v1/handoffs/{first}/claim")
        assert claimed.status_code == 200 and claimed.json()["status"] == "claimed"

    with sqlite3.connect(database) as connection:
        orphans = connection.execute(
            "SELECT COUNT(*) FROM handoff_tickets t LEFT JOIN conversations c"
            " ON c.session_id = t.session_id WHERE c.session_id IS NULL"
        ).fetchone()[0]
        unanswered = connection.execute(
            "SELECT COUNT(*) FROM conversation_messages m LEFT JOIN conversations c"
            " ON c.session_id = m.session_id WHERE c.session_id IS NULL"
        ).fetchone()[0]
    held.check("SIGKILL: no half-written turn", orphans == 0, f"{orphans} tickets without a chat")
    held.check("SIGKILL: no half-written turn", unanswered == 0, f"{unanswered} stray messages")
