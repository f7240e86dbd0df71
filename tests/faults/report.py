"""The fault tests' tally: "N tried, N held" per category, over the whole test run.

Each process that runs tests (the only one, or each xdist worker) counts into ``COUNTS``;
a worker hands its counts to the controller when it finishes (``worker_output`` and
``merge``), and the process that reports (``summarise``) prints them and writes
``build/faults.json``. The hooks that call these live in ``tests/conftest.py``, which the
xdist controller loads too (it collects no test, so it never loads tests/faults/).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPORT = Path(__file__).resolve().parents[2] / "build" / "faults.json"
MAX_FAILURES = 20


@dataclass
class Count:
    tried: int = 0
    held: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, tried: int, held: int, failures: list[str]) -> None:
        self.tried += tried
        self.held += held
        self.failures.extend(failures[: MAX_FAILURES - len(self.failures)])


#: category -> counts, for this process.
COUNTS: dict[str, Count] = {}


def worker_output() -> dict[str, Any]:
    """This process's counts as plain data, for the controller."""
    return {c: [n.tried, n.held, list(n.failures)] for c, n in COUNTS.items()}


def merge(counts: dict[str, Any]) -> None:
    """Adds a worker's counts (``worker_output``) to this process's."""
    for category, (tried, held, failures) in counts.items():
        COUNTS.setdefault(category, Count()).add(tried, held, failures)


def summarise(terminalreporter: pytest.TerminalReporter) -> None:
    if not COUNTS:
        return
    terminalreporter.section("fault tests")
    width = max(len(c) for c in COUNTS)
    for category, n in sorted(COUNTS.items()):
        terminalreporter.write_line(f"{category:<{width}}  {n.tried} tried, {n.held} held")
    try:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(
            json.dumps(
                {c: {"tried": n.tried, "held": n.held} for c, n in sorted(COUNTS.items())},
                ensure_ascii=False,
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    except OSError as exc:  # a read-only checkout still prints the counts
        terminalreporter.write_line(f"(could not write {REPORT}: {exc})")
