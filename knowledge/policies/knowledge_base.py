"""The policy knowledge base: one object that ingests, lists and searches documents."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from connectors.database import Database
from connectors.embeddings import CachedEmbedder, Embedder
from connectors.vectorstore import VectorStore
from knowledge.policies.ingest import IngestItem, Ingestor, IngestReport, ProgressCallback
from knowledge.policies.models import NATIONAL, Audience, Citation, PolicyDocument
from knowledge.policies.retriever import PolicyRetriever, RetrievalMode, SearchFilters
from knowledge.policies.store import PolicyStore

__all__ = ["KnowledgeBase", "collection_name"]


def collection_name(embedder_name: str) -> str:
    """One Chroma collection per embedding model, so vectors of two models never mix."""
    return "policy_chunks_" + hashlib.sha1(embedder_name.encode("utf-8")).hexdigest()[:10]


class KnowledgeBase:
    """Documents in the database, vectors in Chroma, BM25 in memory; kept in step."""

    def __init__(self, database: Database, vectors: VectorStore, embedder: Embedder) -> None:
        self.database = database
        self.store = PolicyStore(database)
        self.vectors = vectors
        self.embedder = (
            embedder if isinstance(embedder, CachedEmbedder) else CachedEmbedder(embedder, database)
        )
        self.ingestor = Ingestor(self.store, vectors, self.embedder)
        self._retriever: PolicyRetriever | None = None

    @property
    def retriever(self) -> PolicyRetriever:
        if self._retriever is None:
            self._retriever = PolicyRetriever(self.store, self.vectors, self.embedder)
        return self._retriever

    @property
    def index_loaded(self) -> bool:
        """True once the retriever (with its BM25 index) is built."""
        return self._retriever is not None

    def _changed(self, report: IngestReport) -> IngestReport:
        if report.changed and self._retriever is not None:
            self._retriever.refresh()
        return report

    def ingest_paths(
        self, paths: Iterable[Path], *, progress: ProgressCallback | None = None
    ) -> IngestReport:
        return self._changed(self.ingestor.ingest_paths(paths, progress=progress))

    def ingest_items(
        self, items: Sequence[IngestItem], *, progress: ProgressCallback | None = None
    ) -> IngestReport:
        """Files with the metadata given for each (an upload with its form fields)."""
        return self._changed(self.ingestor.ingest_items(items, progress=progress))

    def ingest_manifest(
        self,
        manifest: Path,
        *,
        only: Path | Iterable[str] | None = None,
        root: Path | None = None,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        return self._changed(
            self.ingestor.ingest_manifest(manifest, only=only, root=root, progress=progress)
        )

    def sync_vectors(self, *, progress: ProgressCallback | None = None) -> int:
        """Embed stored chunks that have no vector yet (a new embedding model, a vector
        store that was reset); returns how many were embedded."""
        return self.ingestor.sync_vectors(progress=progress)

    def prune(self) -> IngestReport:
        return self._changed(IngestReport(removed=self.ingestor.prune()))

    def documents(self) -> list[PolicyDocument]:
        return self.store.documents()

    def search(
        self,
        query: str,
        *,
        region: str = NATIONAL,
        on_date: date | None = None,
        audience: Audience | None = None,
        include_history: bool = False,
        k: int = 5,
        mode: RetrievalMode = "hybrid",
        whole: bool = False,
    ) -> list[Citation]:
        filters = SearchFilters(region, on_date, audience, include_history)
        return self.retriever.search(query, filters=filters, k=k, mode=mode, whole=whole)
