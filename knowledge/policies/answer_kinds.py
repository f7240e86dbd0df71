"""What kind of answer a question asks for (a duration, an amount, a place, a procedure…)
and whether a sentence gives it; the words live in ``answer_kinds.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge.chinese import normalize

__all__ = ["AnswerKinds", "load_answer_kinds"]

KINDS_FILE = Path(__file__).with_name("answer_kinds.yaml")


@dataclass(frozen=True)
class AnswerKinds:
    """The kinds of ``answer_kinds.yaml``, compiled."""

    asks: dict[str, tuple[re.Pattern[str], ...]]
    answers: dict[str, tuple[re.Pattern[str], ...]]
    superlative: re.Pattern[str]

    def asked(self, question: str) -> frozenset[str]:
        """The kinds of answer ``question`` asks for (none for a general question)."""
        text = normalize(question)
        return frozenset(k for k, patterns in self.asks.items() if _any(patterns, text))

    def given(self, text: str, kinds: frozenset[str] | None = None) -> frozenset[str]:
        """The kinds (of ``kinds``, default all) that ``text`` gives."""
        text = normalize(text)
        wanted = self.answers if kinds is None else {k: self.answers[k] for k in kinds}
        return frozenset(k for k, patterns in wanted.items() if _any(patterns, text))

    def stated(self, text: str, kinds: frozenset[str]) -> frozenset[str]:
        """The kinds of ``kinds`` that ``text`` states plainly (its first answer pattern: a
        figure with its unit, "是指", a place), not only mentions."""
        text = normalize(text)
        return frozenset(k for k in kinds if self.answers[k][0].search(text))

    def strength(self, text: str, kinds: frozenset[str]) -> float:
        """How plainly ``text`` gives the kinds asked, 0..1 averaged over ``kinds``: a
        match of a kind's first answer pattern (a figure with its unit, "是指") counts 1,
        of a later one (a word such as 期限, 包括) counts half."""
        if not kinds:
            return 0.0
        text = normalize(text)
        total = 0.0
        for kind in kinds:
            patterns = self.answers[kind]
            if patterns[0].search(text):
                total += 1.0
            elif _any(patterns[1:], text):
                total += 0.5
        return total / len(kinds)

    def asks_extreme(self, question: str) -> bool:
        """Whether ``question`` asks for the largest or smallest figure (最长, 最多…)."""
        return self.superlative.search(normalize(question)) is not None


def _any(patterns: tuple[re.Pattern[str], ...], text: str) -> bool:
    return any(p.search(text) for p in patterns)


@lru_cache(maxsize=1)
def load_answer_kinds(path: Path = KINDS_FILE) -> AnswerKinds:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    numeral = data["numeral"]

    def compiled(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p.replace("{n}", numeral)) for p in patterns)

    kinds = data["kinds"]
    return AnswerKinds(
        asks={name: compiled(spec["asks"]) for name, spec in kinds.items()},
        answers={name: compiled(spec["answers"]) for name, spec in kinds.items()},
        superlative=re.compile(data["superlative"]["asks"]),
    )
