"""What every benchmark script shares: percentiles and the JSON file of its figures."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["REPO_ROOT", "default_json", "percentile", "write_json"]

REPO_ROOT = Path(__file__).resolve().parents[1]


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` quantile (0..1); 0.0 for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def default_json(script: str) -> Path:
    """Where a script writes its figures unless ``--json`` says otherwise."""
    return REPO_ROOT / "build" / "bench" / f"{script}.json"


def write_json(path: Path, figures: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nfigures written to {path}")
