"""The sample service points that ship with the project (sample data, not real offices)."""

from __future__ import annotations

from pathlib import Path

from connectors.service_points.models import LoadReport
from connectors.service_points.store import ServicePointStore

__all__ = ["SAMPLE_POINTS", "SAMPLE_SOURCE", "load_sample_points"]

SAMPLE_POINTS = Path(__file__).resolve().with_name("zhengzhou.csv")
SAMPLE_SOURCE = "sample-zhengzhou"


def load_sample_points(store: ServicePointStore) -> LoadReport:
    """Load (or reload, replacing the earlier copy) the sample points of 郑州."""
    return store.load_file(SAMPLE_POINTS, source=SAMPLE_SOURCE)
