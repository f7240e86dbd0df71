"""Access control, checked route by route from the app's own route table, so a route added
later without a guard (or with the wrong one) fails here."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from assistant.server.auth import route_table
from tests.server.conftest import PEOPLE, AppFactory, bearer

#: The only routes anyone may call without a token (method, path).
PUBLIC_ROUTES = {
    ("POST", "/v1/chat"),
    ("POST", "/v1/chat/stream"),
    ("GET", "/v1/sessions/{session_id}"),  # a visitor's own conversation only
    ("GET", "/v1/follow-ups"),  # a visitor's own due follow-up only
    ("POST", "/v1/login"),
    ("POST", "/v1/logout"),
    ("GET", "/v1/me"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/"),
    ("GET", "/login"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("HEAD", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    # WeChat's servers: every request carries the account's signature instead of a token
    ("GET", "/wechat/mp"),
    ("POST", "/wechat/mp"),
    ("GET", "/wechat/work"),
    ("POST", "/wechat/work"),
}
#: Pages answer a missing login with a redirect to the login page instead of 401.
PAGES = {"/agent", "/console", "/admin"}
ROLES = ("agent", "caseworker", "admin")


def _routes(client: TestClient) -> list[tuple[str, str, str]]:
    return list(route_table(client.app))  # type: ignore[arg-type]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_is_either_known_public_or_guarded(client: TestClient) -> None:
    routes = _routes(client)
    assert len(routes) > 20
    for method, path, role in routes:
        if role == "public":
            assert (method, path) in PUBLIC_ROUTES, f"{method} {path} has no role guard"
        else:
            assert role in ROLES, (method, path, role)
    guarded = {(m, p) for m, p, role in routes if role != "public"}
    assert ("GET", "/v1/handoffs") in guarded
    assert ("POST", "/v1/admin/documents") in guarded
    assert ("POST", "/v1/assist") in guarded


def test_guarded_routes_refuse_without_the_right_role(client: TestClient) -> None:
    checked = 0
    for method, path, role in _routes(client):
        if role == "public":
            continue
        url = _concrete(path)
        anonymous = client.request(method, url, follow_redirects=False)
        if path in PAGES:
            assert anonymous.status_code == 303, (method, path)
            assert anonymous.headers["location"].startswith(f"/login?next={path}")
        else:
            assert anonymous.status_code == 401, (method, path, anonymous.text)
            assert anonymous.json()["error"]["code"] == "unauthorized"
        forged = client.request(
            method, url, headers={"Authorization": "Bearer not-a-token"}, follow_redirects=False
        )
        assert forged.status_code == 401, (method, path)
        for other in ROLES:
            response = client.request(method, url, headers=bearer(other), follow_redirects=False)
            if other == role or other == "admin":
                # Past the guard: whatever the route then says, it is not a refusal.
                assert response.status_code not in (401, 403), (method, path, other)
            else:
                assert response.status_code == 403, (method, path, other, response.text)
                assert response.json()["error"]["code"] == "forbidden"
        checked += 1
    assert checked >= 12


def test_pages_log_in_with_a_token_and_an_httponly_samesite_cookie(client: TestClient) -> None:
    assert client.get("/console", follow_redirects=False).status_code == 303
    wrong = client.post("/v1/login", json={"token": "guess"})
    assert wrong.status_code == 401
    name, token = PEOPLE["caseworker"]
    response = client.post("/v1/login", json={"token": token})
    assert response.status_code == 200
    assert response.json() == {"name": name, "role": "caseworker"}
    cookie = response.headers["set-cookie"].lower()
    assert "jiuye_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert token not in response.headers["set-cookie"]
    assert client.get("/v1/me").json() == {"name": name, "role": "caseworker"}
    page = client.get("/console", follow_redirects=False)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert client.get("/v1/handoffs").status_code == 200
    # A caseworker is not an agent and not an admin.
    assert client.get("/agent", follow_redirects=False).status_code == 403
    assert client.get("/v1/admin/stats").status_code == 403
    client.post("/v1/logout")
    assert client.get("/v1/me").json()["role"] == "public"
    assert client.get("/v1/handoffs").status_code == 401


def test_removing_a_token_ends_its_sessions(make_client: AppFactory) -> None:
    client = make_client()
    client.post("/v1/login", json={"token": PEOPLE["caseworker"][1]})
    assert client.get("/v1/handoffs").status_code == 200
    book = client.app.state.tokens  # type: ignore[attr-defined]
    book._by_digest.clear()  # the operator removed every token and restarted
    assert client.get("/v1/handoffs").status_code == 401


def test_tokens_are_configured_as_digests_only(client: TestClient) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    dumped = settings.model_dump_json()
    for _, token in PEOPLE.values():
        assert token not in dumped
    assert all(len(entry.sha256) == 64 for entry in settings.access_tokens)


@pytest.mark.parametrize("role", ["job_seeker", "employer"])
def test_the_public_chats_but_cannot_speak_for_someone_else(client: TestClient, role: str) -> None:
    ok = client.post("/v1/chat", json={"text": "你好", "role": role})
    assert ok.status_code == 200
    assert ok.json()["session_id"].startswith("web:v")
    for body in (
        {"text": "你好", "user_id": "someone"},
        {"text": "你好", "channel": "wechat"},
        {"text": "你好", "role": "agent"},
    ):
        refused = client.post("/v1/chat", json=body)
        assert refused.status_code == 403, body
    named = client.post(
        "/v1/chat",
        json={"text": "你好", "user_id": "u-42", "channel": "hotline"},
        headers=bearer("agent"),
    )
    assert named.status_code == 200
    assert named.json()["session_id"] == "hotline:u-42"
