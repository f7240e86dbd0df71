"""Shapes that cross the knowledge base's boundary: documents, chunks, citations."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "NATIONAL",
    "Audience",
    "Citation",
    "DocumentMetadata",
    "PolicyChunk",
    "PolicyDocument",
]

NATIONAL = "000000"
"""GB/T 2260 code used for national documents."""

Audience = Literal["job_seeker", "employer", "both"]


class DocumentMetadata(BaseModel):
    """What is known about a document before it is stored (from a manifest or inferred)."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    title: str | None = None
    issuer: str | None = None
    doc_number: str | None = Field(default=None, description="文号, e.g. 人社部发〔2025〕21号")
    region: str = NATIONAL
    level: str | None = None
    category: str | None = None
    audience: Audience = "both"
    valid_from: date | None = None
    valid_to: date | None = None
    superseded_by: str | None = None
    source: str | None = Field(default=None, description="source path or URL")


class PolicyDocument(DocumentMetadata):
    """A stored document: metadata with the identity and fingerprint of its text."""

    id: str
    title: str
    source: str
    content_hash: str

    def in_force_on(self, day: date) -> bool:
        """True when this version applies on ``day`` (valid_from <= day < valid_to)."""
        if self.valid_from is not None and self.valid_from > day:
            return False
        return self.valid_to is None or day < self.valid_to


class PolicyChunk(BaseModel):
    """A passage of one document that never spans two articles.

    ``text`` is exactly ``document_text[start:end]``; ``heading`` repeats the article
    heading (第十七条) when a long article was split at 款/项 boundaries.
    """

    id: str
    document_id: str
    ordinal: int
    text: str
    heading: str = ""
    chapter: str | None = None
    section: str | None = None
    article: str | None = Field(default=None, description="第十七条")
    article_no: int | None = Field(default=None, description="17")
    start: int
    end: int


class Citation(BaseModel):
    """A retrieved passage with everything needed to cite it."""

    doc_id: str
    title: str
    doc_number: str | None = None
    article: str | None = None
    article_no: int | None = None
    chapter: str | None = None
    region: str
    valid_from: date | None = None
    valid_to: date | None = None
    superseded_by: str | None = None
    source: str
    quote: str
    start: int
    end: int
    chunk_id: str
    score: float = 0.0
    similarity: float | None = Field(
        default=None, description="cosine similarity of the passage to the query (dense search)"
    )
    audience: Audience | None = Field(default=None, description="who the document is meant for")

    @property
    def label(self) -> str:
        """《title》第X条 — the way a citation is written for people."""
        return f"《{self.title}》{self.article or ''}"
