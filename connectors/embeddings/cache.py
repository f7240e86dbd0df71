"""Embeddings cached in the database by (model, content hash)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from cachetools import LRUCache
from sqlalchemy.orm import Mapped, mapped_column

from connectors.database.engine import Base, Database, dialect_insert
from connectors.embeddings.providers import Embedder, Vectors

__all__ = ["CachedEmbedder", "EmbeddingCacheRow", "content_hash"]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCacheRow(Base):
    __tablename__ = "embedding_cache"

    model: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(sa.LargeBinary)


#: Query vectors kept in memory: one turn embeds its question for the intent, for the
#: search of the person's own documents, for the search of all of them and, for a
#: follow-up, once more read with the previous question; short replies (是的, 谢谢, 转人工)
#: recur across conversations.
RECENT_QUERIES = 1024


class CachedEmbedder:
    """Wraps an embedder; passages whose text was embedded before come from the cache, and
    the most recent queries from memory."""

    def __init__(self, inner: Embedder, database: Database) -> None:
        self.inner = inner
        self.database = database
        self.hits = 0
        self.misses = 0
        self._queries: LRUCache[str, Vectors] = LRUCache(maxsize=RECENT_QUERIES)
        self._queries_lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.inner.name

    def _lookup(self, hashes: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        with self.database.session() as session:
            for i in range(0, len(hashes), 500):
                rows = session.execute(
                    sa.select(EmbeddingCacheRow.content_hash, EmbeddingCacheRow.vector).where(
                        EmbeddingCacheRow.model == self.name,
                        EmbeddingCacheRow.content_hash.in_(hashes[i : i + 500]),
                    )
                )
                found.update({h: v for h, v in rows})
        return found

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        hashes = [content_hash(t) for t in texts]
        cached = self._lookup(sorted(set(hashes)))
        # First occurrence of each uncached text, in input order.
        missing = list(
            {h: t for h, t in zip(hashes, texts, strict=True) if h not in cached}.items()
        )
        self.hits += len(texts) - sum(1 for h in hashes if h not in cached)
        self.misses += len(missing)
        if missing:
            fresh = self.inner.embed_passages([t for _, t in missing])
            new_rows = {
                h: np.asarray(v, dtype=np.float32).tobytes()
                for (h, _), v in zip(missing, fresh, strict=True)
            }
            # Another process may embed the same text meanwhile: its row is as good.
            with self.database.session() as session:
                session.execute(
                    dialect_insert(session, EmbeddingCacheRow).on_conflict_do_nothing(),
                    [
                        {"model": self.name, "content_hash": h, "vector": v}
                        for h, v in new_rows.items()
                    ],
                )
            cached.update(new_rows)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([np.frombuffer(cached[h], dtype=np.float32) for h in hashes])

    def embed_query(self, text: str) -> Vectors:
        with self._queries_lock:
            vector = self._queries.get(text)
        if vector is None:
            vector = self.inner.embed_query(text)
            vector.setflags(write=False)  # shared by every caller that asks the same
            with self._queries_lock:
                self._queries[text] = vector
        return vector
