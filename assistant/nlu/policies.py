"""Which eligibility rule a message names, by the names of ``policies.yaml``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from assistant.nlu.lexicon import PolicyNames
from knowledge.rules.models import PolicyRule

__all__ = ["PolicyFinder"]

_TITLE_END = re.compile(r"[（(]")


class PolicyFinder:
    """Finds the policy of ``policies`` a message names, says or implies."""

    def __init__(self, names: Iterable[PolicyNames], policies: Mapping[str, PolicyRule]) -> None:
        self._names = [n for n in names if n.policy_id in policies]
        self._titles = _title_aliases(policies)

    def find(self, text: str, facts: Mapping[str, Any]) -> str | None:
        found = (
            self._named(text, self._strong)
            or self._named(text, lambda n: n.weak)
            or self._named(text, lambda n: n.implied)
        )
        if found is None:
            return None
        for names in self._names:
            if names.policy_id != found:
                continue
            for other, (words, when) in names.becomes.items():
                if any(w in text for w in words) or (
                    when and all(facts.get(k) == v for k, v in when.items())
                ):
                    return other
        return found

    def without_names(self, text: str, stand_in: str = "该政策") -> str:
        """``text`` with every policy name replaced, so that the words inside a name
        (求职创业补贴, 技能提升补贴) do not read as a request of their own."""
        spans = sorted(
            match.span()
            for names in self._names
            for pattern in self._strong(names)
            for match in pattern.finditer(text)
        )
        out, last = [], 0
        for start, end in spans:
            if start >= last:
                out += [text[last:start], stand_in]
                last = end
            elif end > last:
                last = end
        return "".join([*out, text[last:]])

    def _strong(self, names: PolicyNames) -> tuple[re.Pattern[str], ...]:
        return (*names.aliases, *self._titles.get(names.policy_id, ()))

    def _named(
        self, text: str, patterns_of: Callable[[PolicyNames], Iterable[re.Pattern[str]]]
    ) -> str | None:
        best: tuple[int, int, str] | None = None  # (-length, start, policy id)
        for names in self._names:
            for pattern in patterns_of(names):
                for match in pattern.finditer(text):
                    candidate = (-(match.end() - match.start()), match.start(), names.policy_id)
                    if best is None or candidate < best:
                        best = candidate
        return None if best is None else best[2]


def _title_aliases(policies: Mapping[str, PolicyRule]) -> dict[str, tuple[re.Pattern[str], ...]]:
    """Each title up to its bracket, for the titles no other policy shares."""
    short = {pid: _TITLE_END.split(rule.title)[0].strip() for pid, rule in policies.items()}
    counts: dict[str, int] = {}
    for title in short.values():
        counts[title] = counts.get(title, 0) + 1
    return {
        pid: (re.compile(re.escape(title)),)
        for pid, title in short.items()
        if title and counts[title] == 1
    }
