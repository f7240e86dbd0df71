"""Which passage the offline brain answers from, measured and tuned on labelled questions.

The retriever ranks passages; the answer finder (knowledge/policies/answers.py) reads the
top ones against the question and picks the one whose clause answers it. This script
measures answer@1 — the passage picked is the article (or section) the label names — on

  eval/data/retrieval_questions.jsonl   the 78 employment laws of laws-cn ("tune" / "test")
  eval/data/answerability.jsonl         its answerable rows, samples and laws ("train" / "test")

for the retriever's order alone ("retrieval") and for the finder's choice ("finder").
With --tune it searches the finder's weights on the tuning parts only (tune + train) and
writes the best to knowledge/policies/answer_selection.yaml; the test parts are reported,
never used to choose.

Usage: python bench/answer_selection.py [--tune] [--json PATH]
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from figures import default_json, write_json  # noqa: E402
from knowledge_sets import SetName, open_knowledge_set, passage_matches  # noqa: E402

from assistant.answering import PASSAGES  # noqa: E402
from knowledge.chinese import normalize  # noqa: E402
from knowledge.policies.answer_kinds import load_answer_kinds  # noqa: E402
from knowledge.policies.answers import (  # noqa: E402
    WEIGHTS_FILE,
    Question,
    SelectionWeights,
    heading_match,
    selection_weights,
)
from knowledge.policies.passages import ARTICLE_LABEL, segments  # noqa: E402

RETRIEVAL = REPO / "eval" / "data" / "retrieval_questions.jsonl"
ANSWERABILITY = REPO / "eval" / "data" / "answerability.jsonl"
TODAY = date(2026, 11, 15)
#: The values tried for each weight by --tune.
#: How a clause is chosen within a passage ...
SEGMENT_GRID: dict[str, list[float]] = {
    "segment_kind": [0.5, 1.0, 2.0],
    "segment_coverage": [0.25, 0.5, 1.0],
}
#: ... and how a passage's parts add up (searched all at once, with numpy).
PASSAGE_GRID: dict[str, list[float]] = {
    "rank": [0.0, 0.5, 1.0, 2.0, 4.0],
    "coverage": [0.0, 0.4, 0.8],
    "clause": [0.0, 0.3, 0.6, 1.0],
    "kind": [0.0, 0.25, 0.5, 1.0, 2.0],
    "heading": [0.0, 0.25, 0.5, 1.0, 2.0],
    "article": [0.0, 0.25, 0.5, 1.0, 2.0],
    "similarity": [0.0, 2.0, 4.0, 8.0],
}


@dataclass
class Item:
    """One labelled question and the parts of each passage's score, computed once."""

    id: str
    source: str  # retrieval | answerability
    kb: SetName
    split: str  # tune | test
    question: str
    region: str
    day: date
    expected: list[dict[str, object]]
    hits: list[bool] = field(default_factory=list)  # passage i is an expected one
    # per passage: [prior, coverage, heading, article, similarity]; per segment: (kind, coverage)
    parts: list[list[float]] = field(default_factory=list)
    segments: list[list[tuple[float, float]]] = field(default_factory=list)

    def passage_parts(self, segment_kind: float, segment_coverage: float) -> np.ndarray:
        """Per passage: [prior, coverage, clause, kind, heading, article, similarity above
        floor]."""
        rows = []
        for (prior, coverage, heading, article, similarity), segs in zip(
            self.parts, self.segments, strict=True
        ):
            scored = [(segment_kind * k + segment_coverage * c, k) for k, c in segs]
            clause, strength = max(scored, default=(0.0, 0.0))
            floor = selection_weights().similarity_floor
            sim = max(0.0, similarity - floor) if similarity else 0.0
            rows.append([prior, coverage, clause, strength, heading, article, sim])
        return np.asarray(rows, dtype=np.float64).reshape(-1, 7)

    def choice(self, w: SelectionWeights) -> int | None:
        if not self.parts:
            return None
        parts = self.passage_parts(w.segment_kind, w.segment_coverage)
        weights = np.array(
            [w.rank, w.coverage, w.clause, w.kind, w.heading, w.article, w.similarity]
        )
        return int(np.argmax(parts @ weights))


def load_items() -> list[Item]:
    items = []
    for line in RETRIEVAL.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            items.append(
                Item(
                    d["id"], "retrieval", "laws", d["split"], d["question"], d["region"],
                    date.fromisoformat(d["date"]), d["expected"],
                )
            )  # fmt: skip
    for line in ANSWERABILITY.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            if d["answerable"] and d.get("expected"):
                split = "tune" if d["split"] == "train" else "test"
                items.append(
                    Item(
                        d["id"], "answerability", d["kb"], split, d["question"],
                        d.get("region", "000000"), TODAY, d["expected"],
                    )
                )  # fmt: skip
    return items


def read_items(items: list[Item]) -> None:
    kinds = load_answer_kinds()
    for name in ("samples", "laws"):
        subset = [i for i in items if i.kb == name]
        print(f"{name}: {len(subset)} questions")
        with open_knowledge_set(name) as kset:
            retriever = kset.knowledge.retriever
            for item in subset:
                citations = kset.knowledge.search(
                    item.question, region=item.region, on_date=item.day, k=PASSAGES, whole=True
                )
                question = Question.read(item.question, retriever.idf)
                for rank, citation in enumerate(citations):
                    text = (
                        ARTICLE_LABEL.sub("", citation.quote, count=1)
                        if citation.article
                        else citation.quote
                    )
                    segs = []
                    for segment in segments(text):
                        plain = normalize(segment.plain)
                        strength = kinds.strength(plain, question.kinds) if question.kinds else 0.0
                        segs.append((strength, question.coverage(plain)))
                    context = normalize(
                        f"{citation.title} {citation.chapter or ''} {citation.quote}"
                    )
                    item.parts.append(
                        [
                            1.0 / (1.0 + rank),
                            question.coverage(context),
                            heading_match(question.text, citation.chapter, citation.title),
                            float(citation.article_no is not None),
                            citation.similarity or 0.0,
                        ]
                    )
                    item.segments.append(segs)
                    item.hits.append(any(passage_matches(citation, e) for e in item.expected))


def accuracy(items: list[Item], w: SelectionWeights | None) -> float:
    """answer@1: the passage chosen (None: the retriever's first) is an expected one."""
    if not items:
        return 0.0
    right = 0
    for item in items:
        index = 0 if w is None else item.choice(w)
        right += bool(item.hits) and index is not None and item.hits[index]
    return right / len(items)


def tune(items: list[Item]) -> SelectionWeights:
    """The weights with the best answer@1 (the expected passage first) on the tuning
    parts, each part (laws retrieval questions, laws and samples answerability
    questions) counting equally."""
    tuning = [i for i in items if i.split == "tune" and i.parts]
    groups = sorted({(i.source, i.kb) for i in tuning})
    floor = selection_weights().similarity_floor
    names = list(PASSAGE_GRID)
    combos = np.array(list(itertools.product(*(PASSAGE_GRID[n] for n in names))))  # C x 7
    best: tuple[float, SelectionWeights] | None = None
    for seg_kind, seg_cov in itertools.product(*SEGMENT_GRID.values()):
        score = np.zeros(len(combos))
        for group in groups:
            part = [i for i in tuning if (i.source, i.kb) == group]
            right = np.zeros(len(combos))
            for item in part:
                if not any(item.hits):
                    continue  # no weights can answer it: it only adds noise
                scores = item.passage_parts(seg_kind, seg_cov) @ combos.T  # P x C
                hits = np.asarray(item.hits)
                # Answer@1: an expected passage first in the finder's order. (Mean
                # reciprocal rank was tried: it rewards weights that put the answer second
                # and fell below the retriever's own first on the test parts.)
                best_hit = scores[hits].max(axis=0)
                # A tie with a wrong passage counts against (the finder breaks ties by rank).
                ahead = (scores[~hits] >= best_hit).sum(axis=0)
                right += ahead == 0
            score += right / len(part) / len(groups)
        index = int(np.argmax(score))
        if best is None or score[index] > best[0] + 1e-9:
            chosen = dict(zip(names, combos[index].tolist(), strict=True))
            best = (
                float(score[index]),
                SelectionWeights(
                    **chosen,
                    similarity_floor=floor,
                    segment_kind=seg_kind,
                    segment_coverage=seg_cov,
                ),
            )
    assert best is not None
    print(f"tuning parts, answer@1 (each part counting equally): {best[0]:.3f}")
    return best[1]


def report(items: list[Item], w: SelectionWeights) -> dict[str, float]:
    figures: dict[str, float] = {}
    top = f"in top {PASSAGES}"
    print(f"\n{'part':<34}{'questions':>10}{top:>10}{'retrieval':>11}{'finder':>8}")
    for source in ("retrieval", "answerability"):
        for kb in ("laws", "samples"):
            for split in ("tune", "test"):
                part = [i for i in items if i.source == source and i.kb == kb and i.split == split]
                if not part:
                    continue
                reachable = sum(1 for i in part if any(i.hits)) / len(part)
                name = f"{source} {kb} {split}"
                figures[f"{name} retrieval"] = accuracy(part, None)
                figures[f"{name} finder"] = accuracy(part, w)
                figures[f"{name} in_top"] = reachable
                print(
                    f"{name:<34}{len(part):>10}{reachable:>10.1%}"
                    f"{figures[f'{name} retrieval']:>11.1%}{figures[f'{name} finder']:>8.1%}"
                )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="search the weights on tune parts")
    parser.add_argument("--json", type=Path, default=default_json("answer_selection"))
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the passages read by the last run (tuning only)"
    )
    args = parser.parse_args()
    cache = args.json.with_suffix(".items.pickle")
    if args.reuse and cache.exists():
        items = pickle.loads(cache.read_bytes())
    else:
        items = load_items()
        read_items(items)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(items))
    weights = selection_weights()
    if args.tune:
        weights = tune(items)
        document = {"weights": {k: v for k, v in weights.__dict__.items()}}
        header = (
            "# How a passage read against a question adds up to its score"
            " (knowledge/policies/answers.py).\n"
            "# Written by bench/answer_selection.py --tune (grid search, answer@1 on the tuning"
            " parts of\n# eval/data/retrieval_questions.jsonl and answerability.jsonl);"
            " do not edit by hand.\n"
        )
        WEIGHTS_FILE.write_text(header + yaml.safe_dump(document, sort_keys=False), "utf-8")
        selection_weights.cache_clear()
        print(f"weights written to {WEIGHTS_FILE}: {document['weights']}")
    figures = report(items, weights)
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
