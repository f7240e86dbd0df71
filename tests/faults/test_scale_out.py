"""Scale-out: two ``jiuye serve`` processes sharing one PostgreSQL database.

Caseworkers race for the same tickets through different processes (exactly one claim
wins, and the ticket names the winner), and WeChat delivers the same message to both
processes at once (the turn runs once). ``bench/scaleout.py`` measures the same on a
larger scale; this is the proof that runs in CI. Skipped where no PostgreSQL answers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from connectors.wechat import MessageCrypto
from connectors.wechat.simulate import safe_mode_callback, text_message_xml
from tests.conftest import _fresh_postgres
from tests.connectors.wechat.fake_api import FakeWeChatAPI
from tests.faults.conftest import Held
from tests.faults.servers import ServerProcess
from tests.server.conftest import OTHER_CASEWORKER, PEOPLE

pytestmark = pytest.mark.slow

TICKETS = 12
MESSAGES = 12
TOKEN = "scaleToken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wxscale000000000"


@pytest.fixture
def two_servers(
    postgres_admin: sa.Engine, tmp_path: Path
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    fake = FakeWeChatAPI().start()
    for url in _fresh_postgres(postgres_admin):
        settings = {
            "JIUYE_DATABASE_URL": url,
            "JIUYE_WECHAT_TOKEN": TOKEN,
            "JIUYE_WECHAT_APP_ID": APP_ID,
            "JIUYE_WECHAT_APP_SECRET": "scale-secret",
            "JIUYE_WECHAT_AES_KEY": AES_KEY,
            "JIUYE_WECHAT_API_BASE": fake.url,
        }
        servers = (
            ServerProcess(tmp_path / "a", **settings),
            ServerProcess(tmp_path / "b", **settings),
        )
        try:
            for server in servers:  # one after the other: the first migrates the schema
                server.start()
            yield servers
        finally:
            for server in servers:
                server.stop()
    fake.stop()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_claims_through_two_processes_never_double_assign(
    two_servers: tuple[ServerProcess, ServerProcess], held: Held
) -> None:
    a, b = two_servers
    agent = _bearer(PEOPLE["agent"][1])
    tickets = []
    for n in range(TICKETS):
        server = (a, b)[n % 2]
        body = {"text": "我要转人工", "user_id": f"caller-{n}"}
        reply = httpx.post(f"{server.url}/v1/chat", json=body, headers=agent, timeout=30).json()
        tickets.append(reply["handoff"]["id"])
    assert len(set(tickets)) == TICKETS

    rivals = [
        (a, PEOPLE["caseworker"][0], _bearer(PEOPLE["caseworker"][1])),
        (b, OTHER_CASEWORKER[0], _bearer(OTHER_CASEWORKER[1])),
    ]

    def claim(ticket: int, rival: tuple[ServerProcess, str, dict[str, str]]) -> tuple[str, int]:
        server, name, headers = rival
        response = httpx.post(f"{server.url}/v1/handoffs/{ticket}/claim", headers=headers)
        return name, response.status_code

    with ThreadPoolExecutor(max_workers=2 * TICKETS) as pool:
        races = {
            ticket: [pool.submit(claim, ticket, rival) for rival in rivals] for ticket in tickets
        }
        for ticket, futures in races.items():
            outcomes = [f.result() for f in futures]
            winners = [name for name, code in outcomes if code == 200]
            holder = httpx.get(
                f"{b.url}/v1/handoffs/{ticket}", headers=rivals[1][2], timeout=30
            ).json()["claimed_by"]
            held.check(
                "scale-out: one owner per ticket",
                len(winners) == 1
                and sorted(code for _, code in outcomes) == [200, 409]
                and holder == winners[0],
                f"ticket {ticket}: {outcomes}, claimed_by {holder}",
            )


def _callback(crypto: MessageCrypto, msg_id: int) -> tuple[dict[str, str], bytes]:
    xml = text_message_xml(from_user=f"o-user-{msg_id}", content="失业保险金怎么领", msg_id=msg_id)
    return safe_mode_callback(crypto, TOKEN, xml)


def test_a_message_delivered_to_both_processes_runs_once(
    two_servers: tuple[ServerProcess, ServerProcess], held: Held
) -> None:
    crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    caseworker = _bearer(PEOPLE["caseworker"][1])

    def deliver(server: ServerProcess, msg_id: int) -> httpx.Response:
        query, body = _callback(crypto, msg_id)
        return httpx.post(f"{server.url}/wechat/mp", params=query, content=body, timeout=30)

    with ThreadPoolExecutor(max_workers=2 * MESSAGES) as pool:
        deliveries = {
            msg_id: [pool.submit(deliver, server, msg_id) for server in two_servers]
            for msg_id in range(1, MESSAGES + 1)
        }
        for msg_id, futures in deliveries.items():
            statuses = [f.result().status_code for f in futures]
            session = f"wechat:o-user-{msg_id}"
            deadline = time.monotonic() + 60
            while True:  # a turn over the reply budget is finished in the background
                view = httpx.get(f"{two_servers[0].url}/v1/sessions/{session}", headers=caseworker)
                users = [m for m in view.json().get("messages", []) if m["sender"] == "user"]
                if users or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            held.check(
                "scale-out: WeChat turn runs once",
                statuses == [200, 200] and len(users) == 1,
                f"MsgId {msg_id}: statuses {statuses}, turns run {len(users)}; server logs: "
                + " | ".join(
                    line
                    for server in two_servers
                    for line in server.log.read_text("utf-8", "replace").splitlines()
                    if "error" in line.lower()
                )[:2000],
            )
