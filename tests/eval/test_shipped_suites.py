"""The suites the project ships (eval/suites/): they load, they are big enough, and their
fast subset (the cases tagged ``smoke``) passes as part of ``make test``; ``make eval``
runs them all."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from eval.loader import load_suites
from tests.eval.conftest import RunSuite

SUITES = Path(__file__).resolve().parents[2] / "eval" / "suites"
MIN_CASES = 80


def test_the_shipped_suites_load_and_are_big_enough() -> None:
    suites = load_suites([SUITES])
    cases = [c for s in suites for c in s.spec.cases]
    assert len(cases) >= MIN_CASES
    names = Counter(s.spec.suite for s in suites)
    assert all(n == 1 for n in names.values()), names
    assert all(c.tags for s in suites if s.kind == "suite" for c in s.spec.cases)
    assert any(s.kind == "rasa" for s in suites)
    corpus = [s for s in suites if any(k.manifest for k in s.spec.setup.knowledge)]
    assert corpus, "a suite runs over the laws-cn corpus"
    assert all(s.spec.setup.today is not None for s in suites if s.kind == "suite")


def test_the_smoke_subset_passes(run_suite: RunSuite) -> None:
    suites = load_suites([SUITES])
    smoke = [c for s in suites for c in s.spec.cases if "smoke" in c.tags]
    assert len(smoke) >= 10
    report = run_suite(*(s.file for s in suites), tags=["smoke"])
    failures = {
        (s.suite, c.id): [f for t in c.turns for f in t.failures]
        for s in report.suites
        for c in s.cases
        if not c.passed
    }
    assert failures == {}
    assert report.summary.errors == 0
    assert report.summary.cases == len(smoke)
