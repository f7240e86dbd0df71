"""Documents and their chunks in the relational database (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from connectors.database.engine import Base, Database
from knowledge.policies.models import PolicyChunk, PolicyDocument

__all__ = ["ChunkRow", "DocumentRow", "PolicyStore"]


class DocumentRow(Base):
    __tablename__ = "policy_documents"

    id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    source_key: Mapped[str] = mapped_column(sa.Text, unique=True)
    title: Mapped[str] = mapped_column(sa.Text)
    issuer: Mapped[str | None] = mapped_column(sa.Text)
    doc_number: Mapped[str | None] = mapped_column(sa.Text)
    region: Mapped[str] = mapped_column(sa.String(6), index=True)
    level: Mapped[str | None] = mapped_column(sa.String(20))
    category: Mapped[str | None] = mapped_column(sa.Text)
    audience: Mapped[str] = mapped_column(sa.String(20))
    valid_from: Mapped[date | None] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)
    superseded_by: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.Text)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    text: Mapped[str] = mapped_column(sa.Text)
    extra: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    ingested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    def to_model(self) -> PolicyDocument:
        return PolicyDocument(
            id=self.id,
            title=self.title,
            issuer=self.issuer,
            doc_number=self.doc_number,
            region=self.region,
            level=self.level,
            category=self.category,
            audience=self.audience,  # type: ignore[arg-type]
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            superseded_by=self.superseded_by,
            source=self.source,
            content_hash=self.content_hash,
        )


class ChunkRow(Base):
    __tablename__ = "policy_chunks"

    id: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    document_id: Mapped[str] = mapped_column(
        sa.ForeignKey("policy_documents.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(sa.Integer)
    text: Mapped[str] = mapped_column(sa.Text)
    heading: Mapped[str] = mapped_column(sa.Text, default="")
    chapter: Mapped[str | None] = mapped_column(sa.Text)
    section: Mapped[str | None] = mapped_column(sa.Text)
    article: Mapped[str | None] = mapped_column(sa.String(40))
    article_no: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    start: Mapped[int] = mapped_column(sa.Integer)
    end: Mapped[int] = mapped_column(sa.Integer)
    tokens: Mapped[str] = mapped_column(sa.Text)
    content_hash: Mapped[str] = mapped_column(sa.String(64))

    def to_model(self) -> PolicyChunk:
        return PolicyChunk(
            id=self.id,
            document_id=self.document_id,
            ordinal=self.ordinal,
            text=self.text,
            heading=self.heading,
            chapter=self.chapter,
            section=self.section,
            article=self.article,
            article_no=self.article_no,
            start=self.start,
            end=self.end,
        )


_METADATA_FIELDS = (
    "title",
    "issuer",
    "doc_number",
    "region",
    "level",
    "category",
    "audience",
    "valid_from",
    "valid_to",
    "superseded_by",
    "source",
)


class PolicyStore:
    """Reads and writes policy documents and chunks; one transaction per change."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def document_by_key(self, source_key: str) -> PolicyDocument | None:
        with self.database.session() as session:
            row = session.scalar(sa.select(DocumentRow).where(DocumentRow.source_key == source_key))
            return row.to_model() if row else None

    def document(self, doc_id: str) -> PolicyDocument | None:
        with self.database.session() as session:
            row = session.get(DocumentRow, doc_id)
            return row.to_model() if row else None

    def document_text(self, doc_id: str) -> str | None:
        with self.database.session() as session:
            return session.scalar(sa.select(DocumentRow.text).where(DocumentRow.id == doc_id))

    def documents(self) -> list[PolicyDocument]:
        with self.database.session() as session:
            rows = session.scalars(
                sa.select(DocumentRow).order_by(DocumentRow.region, DocumentRow.title)
            )
            return [row.to_model() for row in rows]

    def source_keys(self) -> dict[str, str]:
        """source key -> document id, for every stored document."""
        with self.database.session() as session:
            return dict(session.execute(sa.select(DocumentRow.source_key, DocumentRow.id)).all())

    def replace(
        self,
        document: PolicyDocument,
        source_key: str,
        text: str,
        chunks: Sequence[tuple[PolicyChunk, str, str]],
        extra: dict[str, Any] | None = None,
    ) -> list[str]:
        """Store a document with its chunks (chunk, tokens, content hash), replacing any
        earlier version stored under the same source key. Returns the ids of the chunks
        that were removed."""
        with self.database.session() as session:
            old = session.scalar(sa.select(DocumentRow).where(DocumentRow.source_key == source_key))
            removed: list[str] = []
            if old is not None:
                removed = list(
                    session.scalars(sa.select(ChunkRow.id).where(ChunkRow.document_id == old.id))
                )
                session.execute(sa.delete(ChunkRow).where(ChunkRow.document_id == old.id))
                session.delete(old)
                session.flush()
            session.add(
                DocumentRow(
                    id=document.id,
                    source_key=source_key,
                    content_hash=document.content_hash,
                    text=text,
                    extra=extra or {},
                    ingested_at=datetime.now(UTC),
                    **{f: getattr(document, f) for f in _METADATA_FIELDS},
                )
            )
            session.flush()
            session.add_all(
                ChunkRow(
                    tokens=tokens,
                    content_hash=digest,
                    **chunk.model_dump(),
                )
                for chunk, tokens, digest in chunks
            )
        return removed

    def update_metadata(
        self, doc_id: str, document: PolicyDocument, extra: dict[str, Any] | None = None
    ) -> None:
        with self.database.session() as session:
            values: dict[str, Any] = {f: getattr(document, f) for f in _METADATA_FIELDS}
            if extra is not None:
                values["extra"] = extra
            session.execute(sa.update(DocumentRow).where(DocumentRow.id == doc_id).values(**values))

    def delete(self, doc_id: str) -> list[str]:
        """Remove a document and its chunks; returns the removed chunk ids."""
        with self.database.session() as session:
            removed = list(
                session.scalars(sa.select(ChunkRow.id).where(ChunkRow.document_id == doc_id))
            )
            session.execute(sa.delete(ChunkRow).where(ChunkRow.document_id == doc_id))
            session.execute(sa.delete(DocumentRow).where(DocumentRow.id == doc_id))
        return removed

    def chunk_tokens(self, batch: int = 5000) -> Iterator[tuple[str, str, str]]:
        """(chunk id, document id, space-joined tokens) for every chunk, in a stable order."""
        with self.database.session() as session:
            result = session.execute(
                sa.select(ChunkRow.id, ChunkRow.document_id, ChunkRow.tokens)
                .order_by(ChunkRow.document_id, ChunkRow.ordinal)
                .execution_options(yield_per=batch)
            )
            yield from result.tuples()

    def chunks(self, ids: Sequence[str]) -> dict[str, PolicyChunk]:
        with self.database.session() as session:
            rows = session.scalars(sa.select(ChunkRow).where(ChunkRow.id.in_(list(ids))))
            return {row.id: row.to_model() for row in rows}

    def document_chunks(self, doc_id: str) -> list[PolicyChunk]:
        with self.database.session() as session:
            rows = session.scalars(
                sa.select(ChunkRow).where(ChunkRow.document_id == doc_id).order_by(ChunkRow.ordinal)
            )
            return [row.to_model() for row in rows]

    def article_chunks(self, doc_ids: Sequence[str], article_no: int) -> list[PolicyChunk]:
        with self.database.session() as session:
            rows = session.scalars(
                sa.select(ChunkRow)
                .where(ChunkRow.document_id.in_(list(doc_ids)), ChunkRow.article_no == article_no)
                .order_by(ChunkRow.document_id, ChunkRow.ordinal)
            )
            return [row.to_model() for row in rows]

    def counts(self) -> tuple[int, int]:
        """(documents, chunks)"""
        with self.database.session() as session:
            docs = session.scalar(sa.select(sa.func.count()).select_from(DocumentRow)) or 0
            chunks = session.scalar(sa.select(sa.func.count()).select_from(ChunkRow)) or 0
            return int(docs), int(chunks)
