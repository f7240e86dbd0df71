"""Which keyword matches are the job asked for, not only postings that share a word with it.

BM25 ranks the matches; it does not decide what is a match: "人工智能训练师" shares 训练
with a 康复治疗师's duties and 智能 with a rider's 智能手机. The keywords are read in
groups (runs of words, as the NLU joins them: "中餐厨师", "会计 出纳"), each group in
jieba search-mode tokens (电焊工 → 电焊, 焊工, 电焊工). A posting matches a group when the
group's tokens it contains

- cover at least ``MIN_COVERAGE`` of the group's characters, and
- cover the group's head: a Chinese job title names the kind of work last (电焊工 is a
  kind of 焊工, 中餐厨师 of 厨师), so its last character, or the one before a role suffix
  such as 员, 工, 师 (保洁员 asks for 保洁, which a 写字楼保洁 posting is).

What the job is — its title and occupation — counts first: when some posting matches by
title, postings that only mention the words in their duties or benefits are left out
(a 住家保姆 whose duties include 保洁 is not a cleaning job).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from connectors.vacancies.text import query_tokens
from knowledge.chinese import normalize

__all__ = ["MIN_COVERAGE", "KeywordGroup", "keyword_groups"]

#: Share of a group's characters a posting's matching tokens must cover.
MIN_COVERAGE = 0.5
#: Endings that say "a person doing it" rather than which work (longest first).
_ROLE_SUFFIXES = ("人员", "员", "工", "师", "者", "手", "生")

Contains = Callable[[str], npt.NDArray[np.bool_]]


@dataclass(frozen=True)
class KeywordGroup:
    """One run of keywords: its tokens and the characters each one covers."""

    text: str
    spans: dict[str, list[tuple[int, int]]]  # token -> where it stands in ``text``
    covered: npt.NDArray[np.bool_]  # characters some token stands on
    head: int  # the character naming the kind of work

    @property
    def tokens(self) -> list[str]:
        return list(self.spans)

    def matches(self, contains: Contains, size: int) -> npt.NDArray[np.bool_]:
        """Which of ``size`` postings match the group; ``contains(token)`` says which
        postings hold a token."""
        hit = np.zeros((len(self.text), size), dtype=bool)
        for token, spans in self.spans.items():
            holders = contains(token)
            for start, end in spans:
                hit[start:end] |= holders
        share = hit[self.covered].sum(axis=0) / max(int(self.covered.sum()), 1)
        return (share >= MIN_COVERAGE) & hit[self.head]


def keyword_groups(query: str) -> list[KeywordGroup]:
    """The groups of ``query`` (split at blanks) that hold a search token."""
    groups = []
    for part in query.split():
        text = normalize(part).lower()
        spans: dict[str, list[tuple[int, int]]] = {}
        for token in dict.fromkeys(query_tokens(text)):
            start = text.find(token)
            while start >= 0:
                spans.setdefault(token, []).append((start, start + len(token)))
                start = text.find(token, start + 1)
        if not spans:
            continue
        covered = np.zeros(len(text), dtype=bool)
        for found in spans.values():
            for start, end in found:
                covered[start:end] = True
        groups.append(KeywordGroup(text, spans, covered, _head(text, covered)))
    return groups


def _head(text: str, covered: npt.NDArray[np.bool_]) -> int:
    """The last covered character, or the one before a role suffix it ends with."""
    positions = np.flatnonzero(covered)
    last = int(positions[-1])
    first = int(positions[0])
    for suffix in _ROLE_SUFFIXES:
        if text[: last + 1].endswith(suffix) and last + 1 - len(suffix) > first:
            before = last - len(suffix)
            if covered[before]:
                return before
    return last
