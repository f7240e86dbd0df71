"""The HTTP service over a private copy of the sample data: through the app in process
(``client``) and as a real uvicorn server on 127.0.0.1 (``live_server``)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.runtime import build_database
from assistant.server.app import create_app
from assistant.server.auth import hash_token
from assistant.server.services import Services, build_services
from assistant.settings import AccessToken, Settings
from tests.conftest import MemoEmbedder, make_knowledge_base

#: role -> (name, plaintext token); the settings hold only the digests.
PEOPLE: dict[str, tuple[str, str]] = {
    "agent": ("李坐席", "agent-token-0123456789abcdef"),
    "caseworker": ("王老师", "caseworker-token-0123456789abcdef"),
    "admin": ("管理员", "admin-token-0123456789abcdef"),
}
#: A second caseworker, for claims by someone else.
OTHER_CASEWORKER = ("赵老师", "caseworker-token-zhao-0123456789")


def access_tokens() -> list[AccessToken]:
    people = [(role, name, token) for role, (name, token) in PEOPLE.items()]
    people.append(("caseworker", *OTHER_CASEWORKER))
    return [
        AccessToken.model_validate({"name": name, "role": role, "sha256": hash_token(token)})
        for role, name, token in people
    ]


def bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {PEOPLE[role][1]}"}


def service_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "access_tokens": access_tokens(),
        "session_secret": "test-session-secret",
        "rate_limit_user": "1000/minute",
        "rate_limit_ip": "5000/minute",
        "vacancy_sync_interval": 3600.0,
    }
    values.update(overrides)
    return Settings(**values)


def build_test_services(data_dir: Path, embedder: MemoEmbedder, settings: Settings) -> Services:
    knowledge = make_knowledge_base(build_database(settings), data_dir, embedder)
    return build_services(settings, knowledge)


AppFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(
    sample_data_dir: Path, tmp_path: Path, embedder: MemoEmbedder
) -> Iterator[AppFactory]:
    """Builds the app over a fresh copy of the sample data, with settings overrides, and
    returns a TestClient whose lifespan runs (entered; closed at teardown)."""
    data_dir = tmp_path / "data"
    shutil.copytree(sample_data_dir, data_dir)
    clients: list[TestClient] = []

    def factory(**overrides: Any) -> TestClient:
        settings = service_settings(data_dir, **overrides)
        app = create_app(settings, build_test_services(data_dir, embedder, settings))
        client = TestClient(app, base_url="http://127.0.0.1")
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)
        client.app.state.services.knowledge.database.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def client(make_client: AppFactory) -> TestClient:
    return make_client()


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    tokens: dict[str, str]


def _serve(app: FastAPI) -> Iterator[LiveServer]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{port}",
            app=app,
            tokens={role: token for role, (_, token) in PEOPLE.items()},
        )
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def live_server(
    sample_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, embedder: MemoEmbedder
) -> Iterator[LiveServer]:
    """A real uvicorn server on 127.0.0.1 (an ephemeral port) over its own data copy."""
    data_dir = tmp_path_factory.mktemp("live") / "data"
    shutil.copytree(sample_data_dir, data_dir)
    settings = service_settings(data_dir)
    services = build_test_services(data_dir, embedder, settings)
    yield from _serve(create_app(settings, services))
    services.knowledge.database.dispose()
