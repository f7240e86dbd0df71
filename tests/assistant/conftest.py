"""The command line against a fresh data directory (SQLite and Chroma on disk)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.engine import Assistant
from assistant.runtime import build_assistant, build_database
from assistant.settings import Settings, get_settings
from connectors.database import Database
from tests.conftest import MemoEmbedder, make_knowledge_base


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A CLI runner whose settings point at an empty data directory and the defaults."""
    monkeypatch.setenv("JIUYE_DATA_DIR", str(tmp_path / "data"))
    for name in ("JIUYE_DATABASE_URL", "JIUYE_EMBEDDING_URL", "JIUYE_VACANCY_FEEDS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


AssistantFactory = Callable[..., Assistant]


@pytest.fixture
def make_assistant(
    sample_data_dir: Path, tmp_path: Path, embedder: MemoEmbedder
) -> Iterator[AssistantFactory]:
    """Builds an Assistant over a private copy of the sample data directory (SQLite and
    Chroma on disk), so each test's conversations and tickets are its own."""
    data_dir = tmp_path / "data"
    shutil.copytree(sample_data_dir, data_dir)
    opened: list[Database] = []

    def factory(**overrides: Any) -> Assistant:
        settings = Settings(data_dir=data_dir, **overrides)
        database = build_database(settings)
        opened.append(database)
        knowledge = make_knowledge_base(database, data_dir, embedder)
        return build_assistant(settings, knowledge)

    yield factory
    for database in opened:
        database.dispose()
