"""Intent accuracy on utterances the NLU was not given as examples, and its speed."""

from __future__ import annotations

import time

from assistant.nlu import NLU
from tests.assistant.nlu.conftest import TODAY
from tests.assistant.nlu.heldout import HELD_OUT


def _misclassified(nlu: NLU) -> list[str]:
    wrong = []
    for text, pending, active, expected in HELD_OUT:
        got = nlu.understand(text, pending=pending, active_policy=active, today=TODAY)
        if got.intent != expected:
            wrong.append(f"{text!r}: expected {expected}, got {got.intent} ({got.confidence})")
    return wrong


def test_held_out_accuracy_with_the_embedder(embedded_nlu: NLU) -> None:
    wrong = _misclassified(embedded_nlu)
    accuracy = 1 - len(wrong) / len(HELD_OUT)
    assert accuracy >= 0.90, f"accuracy {accuracy:.1%}; misclassified:\n" + "\n".join(wrong)


def test_held_out_accuracy_without_an_embedder(rules_nlu: NLU) -> None:
    """Patterns and shared characters alone do worse, but still most of the time."""
    wrong = _misclassified(rules_nlu)
    accuracy = 1 - len(wrong) / len(HELD_OUT)
    assert accuracy >= 0.80, f"accuracy {accuracy:.1%}; misclassified:\n" + "\n".join(wrong)


def test_long_and_repetitive_messages_stay_fast(rules_nlu: NLU) -> None:
    """No pattern backtracks badly: a message at the 4000-character limit is still quick.
    The best of three runs, so that the other test worker's burst of CPU does not count (a
    pattern that backtracks is slow every time)."""
    for text in ["一" * 4000, "9" * 4000, "交了" * 2000, "工资1k" * 1000, "我" + "一岁" * 1999]:
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            rules_nlu.understand(text, pending=("age",), today=TODAY)
            runs.append((time.perf_counter() - start) * 1000)
        elapsed = min(runs)
        assert elapsed < 250, f"{text[:10]}…: {elapsed:.0f} ms (runs {runs})"
