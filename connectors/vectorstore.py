"""Chroma as the vector store: embedded PersistentClient, or a server by URL.

Vectors are partitioned into one Chroma collection per partition key (the region code of
the document). A search names the partitions it may see and runs unfiltered
nearest-neighbour queries in each: Chroma's metadata filters cost time in proportion to
the number of matching records (about 240 ms at 60k), an unfiltered HNSW query a few ms.

Vectors are computed by our embedders and handed over; Chroma never embeds by itself.
chromadb errors are translated into ``VectorStoreError`` here.
"""

from __future__ import annotations

import heapq
import logging
import re
import time
from collections.abc import Iterable, Mapping, Sequence
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
#: How long a server that did not answer at start is left alone before the next attempt.
_RECONNECT_SECONDS = 5.0
log = logging.getLogger("jiuye.vectors")
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,40}[a-zA-Z0-9]$")


class VectorStore:
    """A family of Chroma collections ``<name>-<partition>`` holding vectors with metadata."""

    def __init__(self, name: str, *, path: Path | None = None, url: str | None = None) -> None:
        if not _NAME.match(name):
            raise VectorStoreError(f"向量库名称不合法：{name!r}")
        self.name = name
        self.url = url
        self._path = path
        self._collections: dict[str, Any] = {}
        self._client: Any = None
        self._retry_at = 0.0
        if url is None and path is None:
            raise VectorStoreError("需要 Chroma 数据目录或服务地址")
        try:
            self._connect()
        except VectorStoreError as exc:
            if url is None:
                raise
            # A Chroma server that is down must not keep the service from starting: policy
            # search works on BM25 alone until the server answers again.
            log.warning("Chroma server unavailable at start, will retry: %s", exc)

    def _connect(self) -> None:
        try:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False)
            if self.url:
                parsed = urlparse(self.url)
                client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
                client.heartbeat()
            else:
                assert self._path is not None
                self._path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(self._path), settings=chroma_settings)
            for collection in client.list_collections():
                partition = self._partition_of(collection.name)
                if partition is not None:
                    self._collections[partition] = collection
            self._client = client
        except Exception as exc:
            self._retry_at = time.monotonic() + _RECONNECT_SECONDS
            raise VectorStoreError(f"无法打开向量库 {self.url or self._path}：{exc}") from exc

    def _connected(self) -> None:
        """Connects to a server that was down at start (at most every few seconds)."""
        if self._client is not None:
            return
        if time.monotonic() < self._retry_at:
            raise VectorStoreError(f"向量库暂不可用：{self.url}")
        self._connect()
        log.warning("Chroma server at %s answers again", self.url)

    def _partition_of(self, collection_name: str) -> str | None:
        prefix = f"{self.name}-"
        return collection_name[len(prefix) :] if collection_name.startswith(prefix) else None

    def _collection(self, partition: str) -> Any:
        collection = self._collections.get(partition)
        if collection is None:
            collection = self._client.get_or_create_collection(
                f"{self.name}-{partition}",
                metadata={"hnsw:space": "cosine"},
                embedding_function=None,
            )
            self._collections[partition] = collection
        return collection

    @property
    def partitions(self) -> list[str]:
        return sorted(self._collections)

    def count(self) -> int:
        self._connected()
        try:
            return sum(int(c.count()) for c in self._collections.values())
        except Exception as exc:
            raise VectorStoreError(f"向量库读取失败：{exc}") from exc

    def upsert(
        self,
        partition: str,
        ids: Sequence[str],
        vectors: np.ndarray,
        metadatas: Sequence[Metadata],
    ) -> None:
        self._connected()
        try:
            collection = self._collection(partition)
            for i in range(0, len(ids), _BATCH):
                collection.upsert(
                    ids=list(ids[i : i + _BATCH]),
                    embeddings=vectors[i : i + _BATCH],
                    metadatas=[dict(m) for m in metadatas[i : i + _BATCH]],
                )
        except Exception as exc:
            raise VectorStoreError(f"向量写入失败：{exc}") from exc

    def delete(self, partition: str, ids: Sequence[str]) -> None:
        self._connected()
        collection = self._collections.get(partition)
        if collection is None or not ids:
            return
        try:
            for i in range(0, len(ids), _BATCH):
                collection.delete(ids=list(ids[i : i + _BATCH]))
        except Exception as exc:
            raise VectorStoreError(f"向量删除失败：{exc}") from exc

    def existing_ids(self, partition: str, ids: Sequence[str]) -> set[str]:
        self._connected()
        collection = self._collections.get(partition)
        if collection is None or not ids:
            return set()
        found: set[str] = set()
        try:
            for i in range(0, len(ids), _BATCH):
                found.update(collection.get(ids=list(ids[i : i + _BATCH]), include=[])["ids"])
        except Exception as exc:
            raise VectorStoreError(f"向量库读取失败：{exc}") from exc
        return found

    def query(
        self,
        vector: np.ndarray,
        n: int,
        partitions: Iterable[str],
        where: dict[str, Any] | None = None,
    ) -> list[VectorHit]:
        """The ``n`` nearest vectors over the given partitions, by cosine similarity."""
        if n <= 0:
            return []
        self._connected()
        hits: list[VectorHit] = []
        for partition in partitions:
            collection = self._collections.get(partition)
            if collection is None:
                continue
            try:
                result = collection.query(
                    query_embeddings=[vector], n_results=n, where=where, include=["distances"]
                )
            except Exception as exc:
                raise VectorStoreError(f"向量检索失败：{exc}") from exc
            distances = (result.get("distances") or [[]])[0]
            hits.extend(
                (i, 1.0 - float(d)) for i, d in zip(result["ids"][0], distances, strict=False)
            )
        return heapq.nlargest(n, hits, key=lambda hit: hit[1])
