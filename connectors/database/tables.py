"""Every table of every store, imported once so Alembic sees the whole schema."""

from __future__ import annotations

import connectors.embeddings.cache  # noqa: F401  (registers embedding_cache)
import knowledge.policies.store  # noqa: F401  (registers documents, chunks)
from connectors.database.engine import Base

__all__ = ["target_metadata"]

target_metadata = Base.metadata
