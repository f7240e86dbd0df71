"""Service packages over HTTP, through the real app: a package built in the web chat and
read by caseworkers, the due follow-up asked when the visitor's page opens, the no-progress
list and its hand-off tickets, and the package figures in the statistics and metrics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from assistant.packages.builder import ServicePackage
from assistant.server.services import Services
from tests.server.conftest import bearer

ZHENGZHOU = "410100"
ON_DATE = "2026-12-05"
LARGEST_ID = 2**31 - 1


def _services(client: TestClient) -> Services:
    found: Services = client.app.state.services  # type: ignore[attr-defined]
    return found


def _say(client: TestClient, text: str) -> dict[str, Any]:
    response = client.post("/v1/chat", json={"text": text, "region": ZHENGZHOU, "on_date": ON_DATE})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _package_for(client: TestClient) -> dict[str, Any]:
    """A graduate's package built in the visitor's conversation; the reply."""
    _say(client, "我今年6月大学毕业，还没找到工作")
    reply = _say(client, "给我一个就业服务包")
    assert reply["intent"] == "service_package", reply["text"]
    assert reply["package"] is not None and reply["package"]["id"] is not None
    return reply


def _visitor(client: TestClient) -> TestClient:
    """Another visitor of the same app (their own cookie, so their own conversation)."""
    return TestClient(client.app, base_url="http://127.0.0.1")


def _move_clock(client: TestClient, package_id: int, days: int) -> Callable[[], datetime]:
    """Sets the follow-ups' clock (the engine's and the routes') ``days`` after the package."""
    services = _services(client)
    issued = services.assistant.toolbox.packages.get(package_id).created_at
    follow_ups = services.assistant.follow_ups
    assert follow_ups is not None
    follow_ups.clock = lambda: issued + timedelta(days=days)
    return follow_ups.clock


def test_a_package_built_in_the_chat_is_read_by_caseworkers(client: TestClient) -> None:
    reply = _package_for(client)
    package_id, session_id = reply["package"]["id"], reply["session_id"]
    assert session_id.startswith("web:v")
    assert reply["package"]["profile"]["key_groups"][0]["group"] == "graduate"

    # Caseworkers only: anonymous callers need a login, an agent is refused.
    assert client.get(f"/v1/packages/{package_id}").status_code == 401
    refused = client.get(f"/v1/packages/{package_id}", headers=bearer("agent"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert client.get(f"/v1/sessions/{session_id}/packages").status_code == 401

    stored = client.get(f"/v1/packages/{package_id}", headers=bearer("caseworker"))
    assert stored.status_code == 200, stored.text
    body = stored.json()
    assert body["id"] == package_id and body["session_id"] == session_id
    assert body["channel"] == "web" and body["key_groups"] == ["graduate"]
    assert body["outcome"] is None and body["ticket_id"] is None
    assert [(f["day"], f["status"]) for f in body["follow_ups"]] == [
        (7, "scheduled"),
        (30, "scheduled"),
    ]
    assert body["package"]["benefits"][0]["title"] == "一次性求职创业补贴"
    assert body["package"] == reply["package"]  # what the visitor was shown

    listed = client.get(f"/v1/sessions/{session_id}/packages", headers=bearer("caseworker"))
    assert [p["id"] for p in listed.json()] == [package_id]
    none = client.get("/v1/sessions/web:nobody/packages", headers=bearer("caseworker"))
    assert none.status_code == 200 and none.json() == []
    # Admins may do everything.
    assert client.get(f"/v1/packages/{package_id}", headers=bearer("admin")).status_code == 200

    missing = client.get(f"/v1/packages/{LARGEST_ID}", headers=bearer("caseworker"))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "package_not_found"
    assert "不存在" in missing.json()["error"]["message"]
    for bad in ("0", str(LARGEST_ID + 1), "abc"):
        assert client.get(f"/v1/packages/{bad}", headers=bearer("caseworker")).status_code == 422


def test_a_due_follow_up_is_asked_when_the_page_opens_and_written_to_the_transcript(
    client: TestClient,
) -> None:
    reply = _package_for(client)
    package_id, session_id = reply["package"]["id"], reply["session_id"]
    before = client.get("/v1/follow-ups")
    assert before.status_code == 200
    assert before.json() == {"question": None, "session_id": session_id}  # not due yet

    _move_clock(client, package_id, 8)
    stranger = _visitor(client)
    other = stranger.get("/v1/follow-ups").json()
    assert other["question"] is None and other["session_id"] != session_id

    asked = client.get("/v1/follow-ups").json()
    question = asked["question"]
    assert asked["session_id"] == session_id
    assert question and "就业服务回访" in question and f"编号 {package_id}" in question
    messages = client.get(f"/v1/sessions/{session_id}").json()["messages"]
    assert (messages[-1]["sender"], messages[-1]["text"]) == ("assistant", question)
    assert len(messages) == 5  # two turns, then the question on its own
    # Asked once: the page opened again asks nothing, and the next reply repeats nothing.
    assert client.get("/v1/follow-ups").json()["question"] is None
    stored = client.get(f"/v1/packages/{package_id}", headers=bearer("caseworker")).json()
    week = next(f for f in stored["follow_ups"] if f["day"] == 7)
    assert week["status"] == "asked" and week["asked_at"] is not None

    answered = _say(client, "还没有进展，没找到")
    assert answered["intent"] == "follow_up"
    assert "就业服务回访" not in answered["text"]
    stored = client.get(f"/v1/packages/{package_id}", headers=bearer("caseworker")).json()
    assert stored["outcome"] == "no_progress"

    stats = client.get("/v1/admin/stats", headers=bearer("admin")).json()
    assert stats["turns"] == 3
    assert stats["answers"] == 3  # the question asked on its own is not an answer
    packages = stats["packages"]
    assert packages["issued"] == 1 and packages["by_key_group"] == {"graduate": 1}
    assert packages["without_key_group"] == 0
    assert packages["follow_ups_asked"] == 1 and packages["follow_ups_answered"] == 1
    assert packages["response_rate"] == 1.0
    assert packages["outcomes"] == {
        "employed": 0,
        "benefit_received": 0,
        "applied": 0,
        "no_progress": 1,
        "none": 0,
    }
    # The names the admin page shows come with the figures (one vocabulary, the service's).
    labels = stats["labels"]
    assert labels["key_groups"]["graduate"] == "高校毕业生（毕业年度或离校两年内）"
    assert set(labels["outcomes"]) == set(packages["outcomes"])
    assert labels["handoff_reasons"]["no_progress"] == "服务包回访无进展"
    metrics = client.get("/metrics").text
    assert "jiuye_service_packages_total 1.0" in metrics
    assert 'jiuye_service_packages_key_group_total{key_group="graduate"} 1.0' in metrics
    assert 'jiuye_service_packages_key_group_total{key_group="none"} 0.0' in metrics
    assert 'jiuye_follow_ups_total{state="asked"} 1.0' in metrics
    assert 'jiuye_follow_ups_total{state="answered"} 1.0' in metrics
    assert 'jiuye_package_outcomes{outcome="no_progress"} 1.0' in metrics
    assert 'jiuye_package_outcomes{outcome="employed"} 0.0' in metrics


def test_the_no_progress_list_and_a_ticket_for_the_follow_up(client: TestClient) -> None:
    stuck, quiet = client, _visitor(client)
    stuck_id = _package_for(stuck)["package"]["id"]
    quiet_reply = _package_for(quiet)
    quiet_id, quiet_session = quiet_reply["package"]["id"], quiet_reply["session_id"]
    _move_clock(client, stuck_id, 8)
    assert stuck.get("/v1/follow-ups").json()["question"]
    assert quiet.get("/v1/follow-ups").json()["question"]
    _say(stuck, "还没有进展，没找到")

    assert client.get("/v1/follow-ups/no-progress").status_code == 401
    assert client.get("/v1/follow-ups/no-progress", headers=bearer("agent")).status_code == 403
    listed = client.get("/v1/follow-ups/no-progress", headers=bearer("caseworker")).json()
    assert [(p["package_id"], p["reason"]) for p in listed] == [(stuck_id, "no_progress")]
    entry = listed[0]
    assert entry["answer"] == "还没有进展，没找到"
    assert entry["reason_label"] == "回访答复无进展"
    assert entry["key_groups"] == ["graduate"]
    assert entry["key_group_labels"][0].startswith("高校毕业生")
    # A week without an answer counts as no response.
    _move_clock(client, stuck_id, 16)
    listed = client.get("/v1/follow-ups/no-progress", headers=bearer("caseworker")).json()
    assert {(p["package_id"], p["reason"]) for p in listed} == {
        (stuck_id, "no_progress"),
        (quiet_id, "no_response"),
    }
    assert next(p for p in listed if p["package_id"] == quiet_id)["reason_label"] == "回访未答复"
    limited = client.get(
        "/v1/follow-ups/no-progress", params={"limit": 1}, headers=bearer("caseworker")
    )
    assert len(limited.json()) == 1

    url = f"/v1/packages/{stuck_id}/ticket"
    assert client.post(url).status_code == 401
    assert client.post(url, headers=bearer("agent")).status_code == 403
    opened = client.post(url, headers=bearer("caseworker"))
    assert opened.status_code == 200, opened.text
    ticket = opened.json()
    assert ticket["reason"] == "no_progress" and ticket["status"] == "open"
    assert ticket["reason_label"] == "服务包回访无进展"
    assert f"编号 {stuck_id}" in ticket["summary"]
    assert "还没有进展" in ticket["summary"] and "还没有进展，没找到" in ticket["summary"]
    assert "高校毕业生" in ticket["summary"]
    package = client.get(f"/v1/packages/{stuck_id}", headers=bearer("caseworker")).json()
    assert ticket["facts"] == package["package"]["profile"]["facts"]
    assert ticket["facts"].get("is_college_graduate") is True
    said = [m["text"] for m in ticket["transcript"] if m["sender"] == "user"]
    assert said == ["我今年6月大学毕业，还没找到工作", "给我一个就业服务包", "还没有进展，没找到"]
    assert package["ticket_id"] == ticket["id"]

    again = client.post(url, headers=bearer("caseworker"))
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "package_ticket_exists" and error["ticket"] == ticket["id"]
    assert f"工单 {ticket['id']}" in error["message"]
    unknown = client.post(f"/v1/packages/{LARGEST_ID}/ticket", headers=bearer("caseworker"))
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "package_not_found"

    # The person leaves the list; the ticket waits in the queue; the visitor is told.
    listed = client.get("/v1/follow-ups/no-progress", headers=bearer("caseworker")).json()
    assert [p["package_id"] for p in listed] == [quiet_id]
    queue = client.get("/v1/handoffs", headers=bearer("caseworker")).json()
    assert [(t["id"], t["reason"]) for t in queue] == [(ticket["id"], "no_progress")]
    session = stuck.get(f"/v1/sessions/{ticket['session_id']}").json()
    assert session["open_ticket"] == ticket["id"]
    assert 'jiuye_handoffs_total{channel="web",reason="no_progress"} 1.0' in (
        client.get("/metrics").text
    )

    # The quiet one: the summary says the follow-up went unanswered.
    quiet_ticket = client.post(f"/v1/packages/{quiet_id}/ticket", headers=bearer("admin")).json()
    assert quiet_ticket["session_id"] == quiet_session
    assert "尚未答复" in quiet_ticket["summary"]


def test_a_package_saved_outside_a_conversation_still_gets_a_ticket(client: TestClient) -> None:
    """A package saved from the command line has no conversation yet: the ticket opens one."""
    reply = _package_for(client)
    store = _services(client).assistant.toolbox.packages
    saved = store.save(
        ServicePackage.model_validate(reply["package"]),
        session_id="cli:窗口1",
        channel="cli",
        user_id="cli",
    )
    assert saved.id is not None
    opened = client.post(f"/v1/packages/{saved.id}/ticket", headers=bearer("caseworker"))
    assert opened.status_code == 200, opened.text
    ticket = opened.json()
    assert ticket["session_id"] == "cli:窗口1" and ticket["channel"] == "cli"
    assert "尚未到回访时间" in ticket["summary"]
    assert ticket["transcript"] == []
    again = client.post(f"/v1/packages/{saved.id}/ticket", headers=bearer("caseworker"))
    assert again.status_code == 409


def test_the_admin_page_needs_an_admin(client: TestClient) -> None:
    assert client.get("/admin", follow_redirects=False).status_code == 303
    client.post("/v1/login", json={"token": bearer("caseworker")["Authorization"][7:]})
    assert client.get("/admin", follow_redirects=False).status_code == 403
    client.post("/v1/login", json={"token": bearer("admin")["Authorization"][7:]})
    page = client.get("/admin", follow_redirects=False)
    assert page.status_code == 200 and "服务统计" in page.text
