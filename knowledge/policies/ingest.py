"""Ingestion: file -> text -> clause-aware chunks -> tokens + cached embeddings -> stores.

Each document is applied on its own: a file that fails is reported with the reason and
the rest of the batch still goes in. Unchanged files cost one hash; changed files replace
their old chunks; vectors are written before the relational rows so that a failure
half-way never leaves chunks without vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from connectors.embeddings.cache import content_hash
from connectors.embeddings.providers import Embedder
from connectors.errors import ConnectorError
from connectors.vectorstore import VectorStore
from knowledge.chinese import normalize, tokenize
from knowledge.policies.chunking import chunk_text
from knowledge.policies.errors import KnowledgeError
from knowledge.policies.loaders import SUPPORTED_SUFFIXES, load_text
from knowledge.policies.manifest import read_manifest
from knowledge.policies.metadata import infer_metadata
from knowledge.policies.models import DocumentMetadata, PolicyChunk, PolicyDocument
from knowledge.policies.store import PolicyStore

__all__ = [
    "IngestItem",
    "IngestProblem",
    "IngestReport",
    "Ingestor",
    "ProgressCallback",
    "indexed_text",
]

Outcome = Literal["added", "updated", "metadata", "unchanged"]
ProgressCallback = Callable[[int, int, str], None]
"""Called as (done, total, label) while a batch is ingested."""


@dataclass(frozen=True)
class IngestItem:
    """One file to ingest, with the metadata a manifest gave for it (if any)."""

    path: Path
    source_key: str
    metadata: DocumentMetadata | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IngestProblem:
    source: str
    reason: str
    line_no: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line_no}" if self.line_no else self.source
        return f"{where}: {self.reason}"


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    metadata_updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[IngestProblem] = field(default_factory=list)
    chunks_written: int = 0

    def merge(self, other: IngestReport) -> None:
        """Add another batch's outcome to this one."""
        for name in ("added", "updated", "metadata_updated", "unchanged", "removed", "problems"):
            getattr(self, name).extend(getattr(other, name))
        self.chunks_written += other.chunks_written

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.metadata_updated or self.removed)


def indexed_text(title: str, chunk: PolicyChunk) -> str:
    """What is embedded and tokenised for a chunk: its document, place and text."""
    place = " ".join(p for p in (chunk.chapter, chunk.section, chunk.heading) if p)
    return f"{title}\n{place}\n{chunk.text}" if place else f"{title}\n{chunk.text}"


def _document_id(source_key: str) -> str:
    return "doc-" + hashlib.sha1(source_key.encode("utf-8")).hexdigest()[:12]


def _vector_metadata(document: PolicyDocument) -> dict[str, str]:
    return {"document_id": document.id}


class Ingestor:
    """Writes documents into the relational store and the vector store."""

    def __init__(self, store: PolicyStore, vectors: VectorStore, embedder: Embedder) -> None:
        self.store = store
        self.vectors = vectors
        self.embedder = embedder

    # -- batches ---------------------------------------------------------------------

    def ingest_paths(
        self, paths: Iterable[Path], *, progress: ProgressCallback | None = None
    ) -> IngestReport:
        """Files and folders (recursively: every supported file), metadata inferred."""
        report = IngestReport()
        items: list[IngestItem] = []
        for path in paths:
            if path.is_dir():
                files = sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                )
                items.extend(IngestItem(p, str(p.resolve())) for p in files)
            elif path.exists():
                items.append(IngestItem(path, str(path.resolve())))
            else:
                report.problems.append(IngestProblem(str(path), "文件不存在"))
        return self.ingest_items(items, progress=progress, report=report)

    def ingest_manifest(
        self,
        manifest: Path,
        *,
        only: Path | Iterable[str] | None = None,
        root: Path | None = None,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Documents listed in a JSONL manifest; bad lines are reported and skipped.

        Manifest paths are relative to ``root`` when given, else to the manifest's folder.
        """
        result = read_manifest(manifest, only=only)
        report = IngestReport(
            problems=[IngestProblem(str(manifest), p.reason, p.line_no) for p in result.problems]
        )
        items = [
            IngestItem(path, str(path.resolve()), e.metadata, dict(e.extra))
            for e in result.entries
            for path in [root / e.key if root is not None else e.path]
        ]
        return self.ingest_items(items, progress=progress, report=report)

    def ingest_items(
        self,
        items: Sequence[IngestItem],
        *,
        progress: ProgressCallback | None = None,
        report: IngestReport | None = None,
    ) -> IngestReport:
        report = report or IngestReport()
        for done, item in enumerate(items):
            if progress:
                progress(done, len(items), item.path.name)
            try:
                doc_id, outcome, written = self.ingest_one(item)
            except (KnowledgeError, ConnectorError) as exc:
                report.problems.append(IngestProblem(str(item.path), str(exc)))
                continue
            report.chunks_written += written
            {
                "added": report.added,
                "updated": report.updated,
                "metadata": report.metadata_updated,
                "unchanged": report.unchanged,
            }[outcome].append(doc_id)
        if progress:
            progress(len(items), len(items), "")
        return report

    def sync_vectors(self, *, progress: ProgressCallback | None = None) -> int:
        """Embed chunks whose vector is missing from the vector store."""
        if self.vectors.count() == self.store.counts()[1]:
            return 0
        documents = self.store.documents()
        written = 0
        for done, document in enumerate(documents):
            if progress:
                progress(done, len(documents), document.title)
            chunks = self.store.document_chunks(document.id)
            present = self.vectors.existing_ids(document.region, [c.id for c in chunks])
            missing = [c for c in chunks if c.id not in present]
            if missing:
                vectors = self.embedder.embed_passages(
                    [indexed_text(document.title, c) for c in missing]
                )
                self.vectors.upsert(
                    document.region,
                    [c.id for c in missing],
                    vectors,
                    [_vector_metadata(document)] * len(missing),
                )
                written += len(missing)
        if progress:
            progress(len(documents), len(documents), "")
        return written

    def prune(self) -> list[str]:
        """Drop documents whose source file no longer exists; returns their ids."""
        removed: list[str] = []
        for key, doc_id in self.store.source_keys().items():
            if Path(key).exists():
                continue
            document = self.store.document(doc_id)
            if document is not None:
                self.vectors.delete(document.region, self.store.delete(doc_id))
                removed.append(doc_id)
        return removed

    # -- one document ----------------------------------------------------------------

    def ingest_one(self, item: IngestItem) -> tuple[str, Outcome, int]:
        """Ingest one file; returns (document id, what happened, chunks written)."""
        text = load_text(item.path).text
        digest = content_hash(text)
        metadata = infer_metadata(text, item.path)
        if item.metadata is not None:
            metadata = metadata.model_copy(
                update={f: getattr(item.metadata, f) for f in item.metadata.model_fields_set}
            )
        existing = self.store.document_by_key(item.source_key)
        doc_id = metadata.id or (existing.id if existing else _document_id(item.source_key))
        document = PolicyDocument(
            **metadata.model_dump(exclude={"id", "title", "source"}),
            id=doc_id,
            title=metadata.title or item.path.stem,
            source=metadata.source or str(item.path),
            content_hash=digest,
        )
        unchanged_text = (
            existing is not None and existing.id == doc_id and existing.content_hash == digest
        )
        # Vectors live in their region's partition: a new region means rewriting them.
        if unchanged_text and existing is not None and existing.region == document.region:
            if existing == document:
                return doc_id, "unchanged", 0
            self.store.update_metadata(doc_id, document, item.extra or None)
            return doc_id, "metadata", 0
        written = self._write(document, item, text, existing)
        if unchanged_text:
            return doc_id, "metadata", written
        return doc_id, ("updated" if existing is not None else "added"), written

    def _write(
        self,
        document: PolicyDocument,
        item: IngestItem,
        text: str,
        previous: PolicyDocument | None,
    ) -> int:
        # A passage that only repeats the document's title carries nothing to cite.
        spans = [
            span
            for span in chunk_text(text)
            if span.article is not None
            or normalize(text[span.start : span.end]).lstrip("# ") != normalize(document.title)
        ]
        rows: list[tuple[PolicyChunk, str, str]] = []
        texts: list[str] = []
        for ordinal, span in enumerate(spans):
            draft = PolicyChunk(
                id="",
                document_id=document.id,
                ordinal=ordinal,
                text=text[span.start : span.end],
                heading=span.heading,
                chapter=span.chapter,
                section=span.section,
                article=span.article,
                article_no=span.article_no,
                start=span.start,
                end=span.end,
            )
            body = indexed_text(document.title, draft)
            chunk_digest = content_hash(body)
            chunk = draft.model_copy(update={"id": f"{document.id}:{ordinal}:{chunk_digest[:8]}"})
            rows.append((chunk, " ".join(tokenize(body)), chunk_digest))
            texts.append(body)
        vectors = self.embedder.embed_passages(texts)
        new_ids = [chunk.id for chunk, _, _ in rows]
        partition = document.region
        present = self.vectors.existing_ids(partition, new_ids)
        fresh = [i for i, cid in enumerate(new_ids) if cid not in present]
        if fresh:
            self.vectors.upsert(
                partition,
                [new_ids[i] for i in fresh],
                vectors[fresh],
                [_vector_metadata(document)] * len(fresh),
            )
        removed = self.store.replace(document, item.source_key, text, rows, item.extra or None)
        if previous is not None and previous.region != partition:
            self.vectors.delete(previous.region, removed)
        else:
            self.vectors.delete(partition, sorted(set(removed) - set(new_ids)))
        return len(rows)
