"""Policy documents -> clause-aware chunks -> hybrid index -> cited passages."""

from knowledge.policies.ingest import IngestProblem, IngestReport
from knowledge.policies.knowledge_base import KnowledgeBase
from knowledge.policies.models import (
    NATIONAL,
    Citation,
    DocumentMetadata,
    PolicyChunk,
    PolicyDocument,
)
from knowledge.policies.retriever import SearchFilters

__all__ = [
    "NATIONAL",
    "Citation",
    "DocumentMetadata",
    "IngestProblem",
    "IngestReport",
    "KnowledgeBase",
    "PolicyChunk",
    "PolicyDocument",
    "SearchFilters",
]
