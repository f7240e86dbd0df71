"""Fault and abuse tests. Every check is counted and reported as "N tried, N held".

A test asks for ``held`` and calls ``held.check(category, ok, detail)`` once per thing it
tried (an injection prompt, a generated input, a killed server's ticket…); at the end of
the test every check of the category must have held, and the session prints one line per
category under "fault tests" and writes the counts to ``build/faults.json`` (see
``tests/faults/report.py``, also when the tests run in several xdist workers).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.report import COUNTS, MAX_FAILURES, Count


class Held:
    """Counts what a test tried and what held, per category."""

    def __init__(self) -> None:
        self.mine: dict[str, Count] = {}

    def check(self, category: str, ok: bool, detail: str = "") -> bool:
        for counts in (COUNTS, self.mine):
            count = counts.setdefault(category, Count())
            count.tried += 1
            count.held += bool(ok)
            if not ok and len(count.failures) < MAX_FAILURES:
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
