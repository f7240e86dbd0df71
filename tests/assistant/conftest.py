"""The command line against a fresh data directory (SQLite and Chroma on disk)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.settings import get_settings


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A CLI runner whose settings point at an empty data directory and the defaults."""
    monkeypatch.setenv("JIUYE_DATA_DIR", str(tmp_path / "data"))
    for name in ("JIUYE_DATABASE_URL", "JIUYE_EMBEDDING_URL", "JIUYE_VACANCY_FEEDS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
