"""Everyday words mapped to the legal terms policy texts use (data in terms.yaml)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

__all__ = ["expand_query", "legal_terms"]

TERMS_FILE = Path(__file__).with_name("terms.yaml")


@lru_cache(maxsize=1)
def legal_terms() -> dict[str, str]:
    """The colloquial -> legal mapping, longest colloquial term first."""
    data = yaml.safe_load(TERMS_FILE.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in sorted(data.items(), key=lambda kv: -len(str(kv[0])))}


def expand_query(text: str) -> str:
    """``text`` followed by the legal terms for the everyday words it contains."""
    extra = [legal for word, legal in legal_terms().items() if word in text]
    return f"{text} {' '.join(extra)}" if extra else text
