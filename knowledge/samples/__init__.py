"""The sample knowledge base that ships with the project (written by the project)."""

from __future__ import annotations

from pathlib import Path

from knowledge.policies.ingest import IngestReport, ProgressCallback
from knowledge.policies.knowledge_base import KnowledgeBase

__all__ = ["SAMPLES_DIR", "SAMPLE_MANIFEST", "load_samples"]

SAMPLES_DIR = Path(__file__).resolve().parent
SAMPLE_MANIFEST = SAMPLES_DIR / "manifest.jsonl"


def load_samples(kb: KnowledgeBase, *, progress: ProgressCallback | None = None) -> IngestReport:
    """Ingest the sample policies; cheap when they are already in (unchanged files skip)."""
    return kb.ingest_manifest(SAMPLE_MANIFEST, progress=progress)
