"""BM25 scores of every entry (knowledge.lexical.LexicalIndex.scores)."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.chinese import tokenize
from knowledge.lexical import LexicalIndex

TEXTS = {
    "cook": "中餐厨师 负责热菜制作 厨师证优先 包吃住",
    "helper": "厨房帮工 协助厨师备菜 洗碗",
    "driver": "叉车司机 持叉车证 仓库装卸",
    "guard": "小区保安 夜班 包住",
    "cleaner": "保洁员 写字楼清洁",
}


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex(list(TEXTS), [tokenize(text) for text in TEXTS.values()])


def test_one_score_per_entry_in_order(index: LexicalIndex) -> None:
    scores = index.scores(["厨师"])
    assert scores.shape == (len(TEXTS),)
    assert scores.dtype == np.float32
    by_id = dict(zip(index.chunk_ids, scores.tolist(), strict=True))
    assert by_id["cook"] > 0 and by_id["helper"] > 0
    assert by_id["driver"] == by_id["guard"] == by_id["cleaner"] == 0.0


def test_better_match_scores_higher(index: LexicalIndex) -> None:
    scores = dict(zip(index.chunk_ids, index.scores(["厨师", "热菜"]).tolist(), strict=True))
    # The cook's posting has both words (厨师 twice); the helper's mentions 厨师 once.
    assert scores["cook"] > scores["helper"] > 0


def test_repeated_query_tokens_count_once(index: LexicalIndex) -> None:
    np.testing.assert_array_equal(index.scores(["叉车", "叉车"]), index.scores(["叉车"]))


def test_unknown_tokens_score_zero(index: LexicalIndex) -> None:
    for tokens in (["程序员"], [], ["程序员", "算法"]):
        scores = index.scores(tokens)
        assert scores.shape == (len(TEXTS),)
        assert not scores.any()


def test_unknown_tokens_do_not_change_the_scores_of_known_ones(index: LexicalIndex) -> None:
    np.testing.assert_allclose(index.scores(["保安", "程序员"]), index.scores(["保安"]))


def test_empty_index_scores_nothing() -> None:
    empty = LexicalIndex([], [])
    assert len(empty) == 0
    scores = empty.scores(["厨师"])
    assert scores.shape == (0,)
    assert empty.search(["厨师"], 5) == []


@pytest.mark.parametrize(
    "tokens", [["厨师"], ["厨师", "热菜"], ["包住"], ["叉车", "仓库", "厨师"], ["夜班", "包住"]]
)
def test_scores_agree_with_search(index: LexicalIndex, tokens: list[str]) -> None:
    scores = index.scores(tokens)
    hits = index.search(tokens, len(TEXTS))

    assert [position for position, _ in hits] == sorted(
        np.flatnonzero(scores > 0).tolist(), key=lambda i: -scores[i]
    )
    for position, score in hits:
        assert score == pytest.approx(float(scores[position]), rel=1e-5)
    # search's best n is the top of scores
    best = index.search(tokens, 1)
    assert best and best[0][0] == int(np.argmax(scores))
