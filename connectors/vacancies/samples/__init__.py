"""The synthetic vacancy feed that ships with the project (see README.md beside it)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["SAMPLE_FEED"]

#: 郑州 JobPostings as JSON Lines, written by :func:`connectors.vacancies.demo.write_demo_feed`.
SAMPLE_FEED = Path(__file__).resolve().parent / "zhengzhou_jobs.jsonl"
