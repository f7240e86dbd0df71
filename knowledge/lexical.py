"""BM25 over jieba tokens (bm25s), rebuilt in memory from what a store keeps (policy chunks,
vacancies)."""

from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np
import numpy.typing as npt

__all__ = ["LexicalIndex"]


class LexicalIndex:
    """Okapi BM25 (Lucene variant) over pre-tokenised texts (chunks, vacancies)."""

    def __init__(self, chunk_ids: Sequence[str], token_lists: Sequence[Sequence[str]]) -> None:
        self.chunk_ids = list(chunk_ids)
        self._bm25: bm25s.BM25 | None = None
        self._vocab: dict[str, int] = {}
        self._document_frequency = np.zeros(0, dtype=np.int32)
        if self.chunk_ids:
            # Give bm25s integer ids so it skips its own (English) tokenisation.
            ids: list[list[int]] = []
            for tokens in token_lists:
                ids.append([self._vocab.setdefault(t, len(self._vocab)) for t in tokens])
            frequency = np.zeros(len(self._vocab), dtype=np.int32)
            for row in ids:
                frequency[list(set(row))] += 1
            self._document_frequency = frequency
            self._bm25 = bm25s.BM25()
            self._bm25.index(
                bm25s.tokenization.Tokenized(ids=ids, vocab=self._vocab), show_progress=False
            )

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def search(
        self, tokens: Sequence[str], n: int, mask: npt.NDArray[np.float32] | None = None
    ) -> list[tuple[int, float]]:
        """Best ``n`` chunks as (position, score); ``mask`` zeroes out chunks not allowed."""
        query = [self._vocab[t] for t in dict.fromkeys(tokens) if t in self._vocab]
        if self._bm25 is None or not query or n <= 0:
            return []
        k = min(n, len(self.chunk_ids))
        positions, scores = self._bm25.retrieve(
            [query], k=k, show_progress=False, weight_mask=mask, n_threads=0
        )
        return [(int(p), float(s)) for p, s in zip(positions[0], scores[0], strict=True) if s > 0]

    def scores(self, tokens: Sequence[str]) -> npt.NDArray[np.float32]:
        """The BM25 score of every entry, in order (zeros where no token matches)."""
        query = [self._vocab[t] for t in dict.fromkeys(tokens) if t in self._vocab]
        if self._bm25 is None or not query:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(query), dtype=np.float32)

    def idf(self, token: str) -> float:
        """How rare ``token`` is in the index (BM25's idf); a word never seen is rarest."""
        n = len(self.chunk_ids)
        position = self._vocab.get(token)
        df = 0 if position is None else int(self._document_frequency[position])
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))
