"""Chroma through our VectorStore: embedded on disk and a real Chroma server on loopback."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from connectors.errors import VectorStoreError
from connectors.vectorstore import VectorStore
from knowledge.policies.knowledge_base import KnowledgeBase
from tests.conftest import FIXTURES, MemoEmbedder, free_port


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    chroma = Path(sys.executable).with_name("chroma")
    port = free_port()
    process = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(tmp_path_factory.mktemp("chroma-server")),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the Chroma server did not start within 30 s")
    yield url
    process.terminate()
    process.wait(timeout=10)


def _unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def _exercise(store: VectorStore) -> None:
    store.upsert("000000", ["a"], np.vstack([_unit(1, 0, 0)]), [{"document_id": "d1"}])
    store.upsert(
        "410000",
        ["b", "c"],
        np.vstack([_unit(0, 1, 0), _unit(1, 1, 0)]),
        [{"document_id": "d2"}, {"document_id": "d3"}],
    )
    store.upsert("440000", ["e"], np.vstack([_unit(1, 0.05, 0)]), [{"document_id": "d4"}])
    assert store.count() == 4
    assert store.partitions == ["000000", "410000", "440000"]
    # Merged over the partitions asked for, best first; other partitions never answer.
    hits = store.query(_unit(1, 0.1, 0), 3, ["000000", "410000"])
    assert [i for i, _ in hits] == ["a", "c", "b"]
    assert hits[0][1] == pytest.approx(0.995, abs=0.01)
    assert [i for i, _ in store.query(_unit(1, 0.1, 0), 1, ["000000", "440000"])] == ["e"]
    assert store.query(_unit(1, 0, 0), 3, ["999999"]) == []
    filtered = store.query(_unit(1, 0.1, 0), 3, ["410000"], {"document_id": {"$in": ["d2"]}})
    assert [i for i, _ in filtered] == ["b"]
    assert store.existing_ids("410000", ["b", "a", "zzz"]) == {"b"}
    store.delete("000000", ["a"])
    assert store.count() == 3


def test_embedded_store_on_disk(tmp_path: Path) -> None:
    _exercise(VectorStore("test", path=tmp_path / "chroma"))
    reopened = VectorStore("test", path=tmp_path / "chroma")
    assert reopened.count() == 3
    assert reopened.partitions == ["000000", "410000", "440000"]


def test_chroma_server_by_url(chroma_server: str) -> None:
    _exercise(VectorStore("test", url=chroma_server))


def test_errors_are_translated(tmp_path: Path) -> None:
    store = VectorStore("test", path=tmp_path / "chroma")
    store.upsert("000000", ["a"], np.vstack([_unit(1, 0, 0)]), [{"document_id": "d"}])
    with pytest.raises(VectorStoreError, match="向量写入失败"):
        store.upsert("000000", ["b"], np.vstack([_unit(1, 0, 0, 0)]), [{"document_id": "d"}])
    with pytest.raises(VectorStoreError, match="名称不合法"):
        VectorStore("bad name!", path=tmp_path / "chroma")
    # A server that is down at start is not fatal (search goes on with BM25 alone), but
    # every use says it is down, and a retry is not attempted on every call.
    down = VectorStore("test", url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(VectorStoreError, match="暂不可用"):
        down.count()
    with pytest.raises(VectorStoreError, match="暂不可用"):
        down.query(_unit(1, 0, 0), 3, ["000000"])


def test_knowledge_base_on_a_chroma_server(
    chroma_server: str,
    sqlite_database,
    embedder: MemoEmbedder,
) -> None:
    kb = KnowledgeBase(sqlite_database, VectorStore("policy_kb", url=chroma_server), embedder)
    report = kb.ingest_manifest(FIXTURES / "kb" / "manifest.jsonl")
    assert len(report.added) == 7 and not report.problems
    hits = kb.search("首次创办小微企业 创业补贴", region="410100", k=1, mode="dense")
    assert hits[0].title == "测试郑州市创业补贴实施细则"
