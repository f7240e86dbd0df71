"""How sources are written under an answer, and what is known about the person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from knowledge.policies.models import Citation
from knowledge.rules.models import FactDefinition

__all__ = ["facts_summary", "sources_text", "validity_text"]


def validity_text(citation: Citation) -> str:
    """ "2019-01-01 起施行", "… 至 … 有效" or "现行有效"."""
    if citation.valid_from and citation.valid_to:
        return f"{citation.valid_from.isoformat()} 至 {citation.valid_to.isoformat()} 有效"
    if citation.valid_from:
        return f"{citation.valid_from.isoformat()} 起施行"
    return "现行有效"


def sources_text(citations: Sequence[Citation], markers: Sequence[int] | None = None) -> str:
    """The numbered source list under an answer."""
    numbers = markers or range(1, len(citations) + 1)
    lines = [
        f"[{n}] {c.label}{'（' + c.chapter + '）' if c.chapter and not c.article else ''}"
        f"（{validity_text(c)}）"
        for n, c in zip(numbers, citations, strict=True)
    ]
    return "来源：\n" + "\n".join(lines)


def facts_summary(facts: Mapping[str, Any], vocabulary: Mapping[str, FactDefinition]) -> str:
    """One line describing what is known about the person, in the fact labels' words."""
    parts = []
    for name, value in facts.items():
        definition = vocabulary.get(name)
        if definition is None:
            continue
        if isinstance(value, bool):
            parts.append(f"{definition.label}：{'是' if value else '否'}")
        elif definition.values and str(value) in definition.values:
            parts.append(f"{definition.label}：{definition.values[str(value)]}")
        else:
            shown = f"{value:g}" if isinstance(value, float) else str(value)
            parts.append(f"{definition.label}：{shown}{definition.unit or ''}")
    return "；".join(parts)
