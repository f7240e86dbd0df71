"""Fault and abuse tests. Every check is counted and reported as "N tried, N held".

A test asks for ``held`` and calls ``held.check(category, ok, detail)`` once per thing it
tried (an injection prompt, a generated input, a killed server's ticket…); at the end of
the test every check of the category must have held, and the session prints one line per
category under "fault tests" and writes the counts to ``build/faults.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.conftest import REPO_ROOT

REPORT = REPO_ROOT / "build" / "faults.json"


@dataclass
class Count:
    tried: int = 0
    held: int = 0
    failures: list[str] = field(default_factory=list)


_COUNTS: dict[str, Count] = {}


class Held:
    """Counts what a test tried and what held, per category."""

    def __init__(self) -> None:
        self.mine: dict[str, Count] = {}

    def check(self, category: str, ok: bool, detail: str = "") -> bool:
        for counts in (_COUNTS, self.mine):
            count = counts.setdefault(category, Count())
            count.tried += 1
            count.held += bool(ok)
            if not ok and len(count.failures) < 20:
                count.failures.append(detail)
        return ok

    def assert_all_held(self) -> None:
        broken = {c: n for c, n in self.mine.items() if n.held != n.tried}
        assert not broken, "\n".join(
            f"{category}: {n.tried} tried, {n.held} held; first failures:\n  "
            + "\n  ".join(n.failures)
            for category, n in broken.items()
        )


@pytest.fixture
def held() -> Iterator[Held]:
    """Checks counted for the report; every one must hold by the end of the test."""
    tally = Held()
    yield tally
    tally.assert_all_held()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _COUNTS:
        return
    terminalreporter.section("fault tests")
    width = max(len(c) for c in _COUNTS)
    for category, n in sorted(_COUNTS.items()):
        terminalreporter.write_line(f"{category:<{width}}  {n.tried} tried, {n.held} held")
    try:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(
            json.dumps(
                {c: {"tried": n.tried, "held": n.held} for c, n in sorted(_COUNTS.items())},
                ensure_ascii=False,
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    except OSError as exc:  # a read-only checkout still prints the counts
        terminalreporter.write_line(f"(could not write {REPORT}: {exc})")
