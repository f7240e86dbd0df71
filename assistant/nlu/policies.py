"""Which eligibility rule a message names, by the names of ``policies.yaml``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
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
        return self.find_named(text, facts)[0]

    def find_named(
        self, text: str, facts: Mapping[str, Any], stated: Sequence[tuple[int, int]] = ()
    ) -> tuple[str | None, bool]:
        """The policy ``text`` names, and whether it is named only inside a fact the text
        states (``stated``: the facts' spans) — "认定过就业困难人员" and "在领失业金" say
        something about the person; they do not ask about that policy."""
        # "没有被认定为就业困难人员", "已认定过的困难人员": a status, even where no fact
        # pattern read it.
        stated = [*stated, *(m.span() for m in _CERTIFIED.finditer(text))]
        found = self._find(text, facts, stated)
        if found is not None:
            return found, False
        # A weak name inside a fact ("招的是认定过的就业困难人员") is only that fact.
        found = self._find(text, facts, (), weak=False)
        return found, found is not None

    def _find(
        self,
        text: str,
        facts: Mapping[str, Any],
        stated: Sequence[tuple[int, int]],
        *,
        weak: bool = True,
    ) -> str | None:
        found = (
            self._named(text, self._strong, stated)
            or (self._named(text, lambda n: n.weak, stated) if weak else None)
            or self._named(text, lambda n: n.implied, stated)
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
        self,
        text: str,
        patterns_of: Callable[[PolicyNames], Iterable[re.Pattern[str]]],
        stated: Sequence[tuple[int, int]] = (),
    ) -> str | None:
        # (had it already, -length, start, policy id)
        best: tuple[bool, int, int, str] | None = None
        for names in self._names:
            for pattern in patterns_of(names):
                for match in pattern.finditer(text):
                    if any(s <= match.start() and match.end() <= e for s, e in stated):
                        continue
                    # "享受了一次性扩岗补助，还能申请稳岗返还吗": the one asked about, not the
                    # one already had, whatever their lengths.
                    had = _HAD.search(text[max(0, match.start() - 8) : match.start()]) is not None
                    length = match.end() - match.start()
                    candidate = (had, -length, match.start(), names.policy_id)
                    if best is None or candidate < best:
                        best = candidate
        return None if best is None else best[3]


#: Words just before a policy's name that say the person has had it already.
#: (A few words may stand between: "享受了一次性扩岗补助" when the name matched is 扩岗补助.)
_HAD = re.compile(
    r"(?:(?:享受|拿|领|申请|办|用)(?:了|过)的?|已经(?:享受|领|拿)了?)[^，,。；;！!？?\s]{0,4}$"
)


#: A status someone has or lacks, with the name of what it is ("被认定为就业困难人员").
_CERTIFIED = re.compile(
    r"(?:(?:被|已|已经|没|没有|未|还没|还没有)认定(?:为|过|了|成)?|认定(?:过|了))的?"
    r"[^，,。；;！!？?\s]{0,12}"
)


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
