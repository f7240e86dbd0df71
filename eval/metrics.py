"""The summary figures of a run, from its turns (every run of every case counted)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from eval.results import CaseResult, KindRate, Metrics, TurnResult
from eval.spec import EXPECTATION_KINDS

__all__ = ["CITATION_KINDS", "TOOL_KINDS", "metrics"]

TOOL_KINDS = ("tool", "tools", "tool_args", "no_tool")
CITATION_KINDS = ("cites_any", "cites_none", "cites_current_only")


def _rate(rates: dict[str, KindRate], kinds: Iterable[str]) -> float | None:
    checked = sum(rates[k].checked for k in kinds)
    return sum(rates[k].passed for k in kinds) / checked if checked else None


def metrics(cases: Iterable[CaseResult], turns: Iterable[TurnResult]) -> Metrics:
    """``turns`` are all turns run (with ``--repeat``, of every run)."""
    cases = list(cases)
    turns = list(turns)
    rates = {kind: KindRate() for kind in EXPECTATION_KINDS}
    true_pos = false_pos = false_neg = 0
    skipped = 0
    for turn in turns:
        skipped += len(turn.skipped)
        for check in turn.checks:
            if check.passed is None:
                continue
            rate = rates.setdefault(check.kind, KindRate())
            rate.checked += 1
            rate.passed += check.passed
            if check.kind == "handoff":
                created = turn.handoff is not None
                true_pos += created and check.expected is True
                false_pos += created and check.expected is False
                false_neg += (not created) and check.expected is True
    latencies = [t.latency_ms for t in turns if t.error is None]
    p50 = p95 = None
    if latencies:
        p50, p95 = (float(v) for v in np.percentile(latencies, [50, 95]))
    return Metrics(
        cases=len(cases),
        passed=sum(c.passed for c in cases),
        flaky=sum(c.flaky for c in cases),
        turns=len(turns),
        expectations={k: v for k, v in rates.items() if v.checked},
        tool_call_accuracy=_rate(rates, TOOL_KINDS),
        handoff_precision=true_pos / (true_pos + false_pos) if true_pos + false_pos else None,
        handoff_recall=true_pos / (true_pos + false_neg) if true_pos + false_neg else None,
        citation_accuracy=_rate(rates, CITATION_KINDS),
        refusal_accuracy=_rate(rates, ["refuses"]),
        latency_p50_ms=p50,
        latency_p95_ms=p95,
        skipped_checks=skipped,
    )
