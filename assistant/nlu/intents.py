"""How near a message is to each intent: example similarity plus trigger patterns.

With an embedder, the examples of ``intents.yaml`` are embedded once (on first use) and a
message scores, per intent, the mean cosine similarity of its ``top_k`` nearest examples.
Without one, the same is done with a lexical cosine over the characters and character
pairs the message shares with each example. A trigger pattern of an intent adds that
mode's ``pattern_boost``.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assistant.models import Intent
from assistant.nlu.lexicon import IntentLexicon, Scoring
from connectors.embeddings import Embedder

__all__ = ["IntentScorer", "IntentScores", "lexical_features"]

_IGNORED = set(" \t\n,，.。!！?？~～、…:：;；\"'“”‘’()（）")


def lexical_features(text: str) -> frozenset[str]:
    """Characters and adjacent character pairs, lower-cased, punctuation left out."""
    chars = [c for c in text.lower() if c not in _IGNORED]
    return frozenset(chars) | frozenset(a + b for a, b in itertools.pairwise(chars))


@dataclass(frozen=True)
class IntentScores:
    """Every intent's score (similarity plus boost), best first, and the patterns that hit."""

    ranked: list[tuple[Intent, float]]
    hits: frozenset[Intent]
    scoring: Scoring

    @property
    def best(self) -> Intent:
        return self.ranked[0][0]

    def confidence(self, pattern_confidence: float) -> float:
        """How sure the best intent is: near a known example, and ahead of the runner-up."""
        top = self.ranked[0][1]
        second = self.ranked[1][1] if len(self.ranked) > 1 else self.scoring.floor
        s = self.scoring
        boost = s.pattern_boost if self.best in self.hits else 0.0
        nearness = _clip((top - boost - s.floor) / (s.ceiling - s.floor))
        lead = _clip((top - second) / s.margin_scale)
        confidence = 0.5 * nearness + 0.5 * lead
        if self.best in self.hits:
            confidence = max(confidence, pattern_confidence)
        return round(confidence, 3)


class IntentScorer:
    """Scores messages against the intents of ``lexicon``, by embedding or by characters."""

    def __init__(self, lexicon: IntentLexicon, embedder: Embedder | None = None) -> None:
        self._lexicon = lexicon
        self._embedder = embedder
        self._labels: list[Intent] = []
        examples: list[str] = []
        for intent, spec in lexicon.intents.items():
            self._labels += [intent] * len(spec.examples)
            examples += spec.examples
        self._examples = examples
        self._features = [lexical_features(e) for e in examples]
        self._label_array = np.array(self._labels)
        self._matrix: npt.NDArray[np.float32] | None = None
        self._lock = threading.Lock()

    @property
    def scoring(self) -> Scoring:
        return self._lexicon.embedding if self._embedder else self._lexicon.lexical

    def warm_up(self) -> None:
        """Embed the examples now rather than on the first message."""
        if self._embedder is not None:
            self._example_vectors()

    def hits(self, text: str) -> frozenset[Intent]:
        """The intents whose trigger patterns ``text`` matches."""
        return frozenset(
            intent
            for intent, spec in self._lexicon.intents.items()
            if any(p.search(text) for p in spec.patterns)
        )

    def score(self, text: str, hits: frozenset[Intent] | None = None) -> IntentScores:
        """Every intent's score for ``text`` (``hits``: its pattern hits, if known)."""
        hits = self.hits(text) if hits is None else hits
        similarities = self._similarities(text)
        scoring = self.scoring
        scores: dict[Intent, float] = {}
        for intent in self._lexicon.intents:
            own = np.sort(similarities[self._label_array == intent])[::-1][: scoring.top_k]
            scores[intent] = float(own.mean()) + (scoring.pattern_boost if intent in hits else 0)
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        return IntentScores(ranked=ranked, hits=hits, scoring=scoring)

    def _similarities(self, text: str) -> npt.NDArray[np.float32]:
        if self._embedder is None:
            features = lexical_features(text)
            return np.array([_set_cosine(features, f) for f in self._features], dtype=np.float32)
        return self._example_vectors() @ self._query_vector(text)

    def _query_vector(self, text: str) -> npt.NDArray[np.float32]:
        """The message's vector. Short replies (是的, 谢谢, 转人工) recur: the knowledge
        base's embedder (``CachedEmbedder``) keeps the recent ones, for the searches too."""
        assert self._embedder is not None
        return np.asarray(self._embedder.embed_query(text), dtype=np.float32)

    def _example_vectors(self) -> npt.NDArray[np.float32]:
        with self._lock:
            if self._matrix is None:
                assert self._embedder is not None
                vectors = np.asarray(self._embedder.embed_passages(self._examples), np.float32)
                self._matrix = vectors
            return self._matrix


def _set_cosine(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / float(np.sqrt(len(a) * len(b)))


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))
