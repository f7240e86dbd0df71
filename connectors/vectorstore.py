"""Chroma as the vector store: embedded PersistentClient, or a server by URL.

Vectors are computed by our embedders and handed over; Chroma never embeds by itself.
chromadb errors are translated into ``VectorStoreError`` here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from connectors.errors import VectorStoreError

__all__ = ["VectorHit", "VectorStore"]

Metadata = Mapping[str, str | int | float | bool]
VectorHit = tuple[str, float]
"""(id, cosine similarity)"""

_BATCH = 2000


class VectorStore:
    """One Chroma collection of vectors with small metadata for filtering."""

    def __init__(
        self, collection: str, *, path: Path | None = None, url: str | None = None
    ) -> None:
        try:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
            if url:
                parsed = urlparse(url)
                self._client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                if path is None:
                    raise VectorStoreError("需要 Chroma 数据目录或服务地址")
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            self._collection = self._client.get_or_create_collection(
                collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        except VectorStoreError:
            raise
        except Exception as exc:
            where = url or path
            raise VectorStoreError(f"无法打开向量库 {where}：{exc}") from exc

    def count(self) -> int:
        try:
            return int(self._collection.count())
        except Exception as exc:
            raise VectorStoreError(f"向量库读取失败：{exc}") from exc

    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Metadata]
    ) -> None:
        try:
            for i in range(0, len(ids), _BATCH):
                self._collection.upsert(
                    ids=list(ids[i : i + _BATCH]),
                    embeddings=vectors[i : i + _BATCH],
                    metadatas=[dict(m) for m in metadatas[i : i + _BATCH]],
                )
        except Exception as exc:
            raise VectorStoreError(f"向量写入失败：{exc}") from exc

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[Metadata]) -> None:
        try:
            for i in range(0, len(ids), _BATCH):
                self._collection.update(
                    ids=list(ids[i : i + _BATCH]),
                    metadatas=[dict(m) for m in metadatas[i : i + _BATCH]],
                )
        except Exception as exc:
            raise VectorStoreError(f"向量元数据更新失败：{exc}") from exc

    def delete(self, ids: Sequence[str]) -> None:
        try:
            for i in range(0, len(ids), _BATCH):
                self._collection.delete(ids=list(ids[i : i + _BATCH]))
        except Exception as exc:
            raise VectorStoreError(f"向量删除失败：{exc}") from exc

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        try:
            for i in range(0, len(ids), _BATCH):
                found.update(self._collection.get(ids=list(ids[i : i + _BATCH]), include=[])["ids"])
        except Exception as exc:
            raise VectorStoreError(f"向量库读取失败：{exc}") from exc
        return found

    def query(
        self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None
    ) -> list[VectorHit]:
        """Nearest vectors by cosine similarity, optionally filtered by metadata."""
        if n <= 0:
            return []
        try:
            result = self._collection.query(
                query_embeddings=[vector], n_results=n, where=where, include=["distances"]
            )
        except Exception as exc:
            raise VectorStoreError(f"向量检索失败：{exc}") from exc
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=False)]
