"""The answerability gate, fitted and measured on labelled questions.

Reads eval/data/answerability.jsonl (answerable and unanswerable questions over the
sample knowledge base and the 78 employment laws of laws-cn, split once into a "train"
and a "test" half), runs each question through the same path the offline brain uses
(search, read the passages, features), and prints for the held-apart test half:

  false refusals: the share of answerable questions the gate refuses (target <= 5 %)
  true refusals:  the share of unanswerable questions it refuses (target >= 90 %)

by knowledge base and kind, and how often the passage chosen to answer from is the one
the label names ("answer@1"). With --fit it first fits the logistic model on the train
half (scikit-learn), chooses the threshold on the train half (the highest that keeps
false refusals within the target there), and writes both, with the test figures, to
knowledge/policies/answerability.yaml.

Usage: python bench/answerability.py [--fit] [--json PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402
from figures import default_json, write_json  # noqa: E402
from knowledge_sets import SetName, open_knowledge_set, passage_matches  # noqa: E402

from assistant.answering import find_policy_answer  # noqa: E402
from knowledge.policies.answerability import (  # noqa: E402
    DENSE_FEATURES,
    FEATURES,
    MODEL_FILE,
    AnswerabilityModel,
    answerability_features,
    load_answerability,
)
from knowledge.policies.answers import NEVER_SEEN  # noqa: E402
from knowledge.policies.models import Citation  # noqa: E402

DATA = REPO / "eval" / "data" / "answerability.jsonl"
TODAY = date(2026, 11, 15)
#: The targets of the issue: at most this share of answerable questions refused ...
MAX_FALSE_REFUSALS = 0.05
#: ... and at least this share of unanswerable ones.
MIN_TRUE_REFUSALS = 0.90
#: The threshold is chosen on the train half with this margin under the false-refusal target.
TRAIN_FALSE_REFUSALS = 0.035


@dataclass
class Row:
    id: str
    kb: SetName
    question: str
    region: str
    answerable: bool
    kind: str
    split: str
    expected: list[dict[str, object]]
    features: dict[str, float] | None = None
    lexical_features: dict[str, float] | None = None  # with BM25 search alone
    chosen: Citation | None = None
    latency_ms: float = 0.0

    @property
    def answered_right(self) -> bool:
        return self.chosen is not None and any(
            passage_matches(self.chosen, e) for e in self.expected
        )


def load_rows() -> list[Row]:
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            rows.append(
                Row(
                    d["id"], d["kb"], d["question"], d.get("region", "000000"), d["answerable"],
                    d["kind"], d["split"], d.get("expected", []),
                )
            )  # fmt: skip
    return rows


def read_all(rows: list[Row]) -> None:
    """Features of every row, each through its own knowledge set."""
    for name in ("samples", "laws"):
        subset = [r for r in rows if r.kb == name]
        print(f"{name}: {len(subset)} questions")
        with open_knowledge_set(name) as kset:
            retriever = kset.knowledge.retriever
            never = retriever.idf(NEVER_SEEN)
            for row in subset:
                started = time.perf_counter()
                context = kset.context(row.region, TODAY)
                finding = find_policy_answer(kset.toolbox, row.question, context)
                row.latency_ms = (time.perf_counter() - started) * 1000
                row.features = answerability_features(
                    finding.question, finding.readings, never, retriever.idf
                )
                row.chosen = finding.answer.citation if finding.answer else None
            # The same questions as when the vector store is down: BM25 alone.
            dense = retriever._dense_ranking_if_available
            retriever._dense_ranking_if_available = lambda *_: None  # type: ignore[method-assign]
            try:
                for row in subset:
                    context = kset.context(row.region, TODAY)
                    finding = find_policy_answer(kset.toolbox, row.question, context)
                    row.lexical_features = answerability_features(
                        finding.question, finding.readings, never, retriever.idf
                    )
            finally:
                retriever._dense_ranking_if_available = dense  # type: ignore[method-assign]


def fit(rows: list[Row], *, lexical: bool = False) -> AnswerabilityModel:
    """Logistic regression on the train half, its regularisation chosen by 5-fold
    cross-validation there (ROC AUC); then the threshold, on the train half too.
    ``lexical``: on the features of BM25 search alone, without dense similarity."""
    from sklearn.linear_model import LogisticRegressionCV

    names = [f for f in FEATURES if not (lexical and f in DENSE_FEATURES)]
    train: list[tuple[Row, dict[str, float]]] = []
    for row in rows:
        features = _features(row, lexical)
        if row.split == "train" and features is not None:
            train.append((row, features))
    x = [[f[n] for n in names] for _, f in train]
    y = [int(r.answerable) for r, _ in train]
    classifier = LogisticRegressionCV(
        Cs=[0.1, 0.3, 1, 3, 10, 30, 100], cv=5, scoring="roc_auc", class_weight="balanced",
        max_iter=5000,
    )  # fmt: skip
    classifier.fit(x, y)
    weights = {n: round(float(w), 4) for n, w in zip(names, classifier.coef_[0], strict=True)}
    model = AnswerabilityModel(weights, round(float(classifier.intercept_[0]), 4), 0.5)
    # The highest threshold whose false refusals on the train half stay within the margin.
    answerable = sorted(model.probability(f) for r, f in train if r.answerable)
    allowed = int(TRAIN_FALSE_REFUSALS * len(answerable))
    threshold = answerable[allowed] if answerable else 0.5
    name = "lexical model" if lexical else "model"
    print(f"{name}: regularisation chosen by cross-validation: C = {classifier.C_[0]}")
    return AnswerabilityModel(model.weights, model.bias, round(threshold - 1e-4, 4))


def _features(row: Row, lexical: bool) -> dict[str, float] | None:
    return row.lexical_features if lexical else row.features


def rates(
    rows: list[Row], model: AnswerabilityModel, *, lexical: bool = False
) -> dict[str, float | int]:
    def refused(row: Row) -> bool:
        features = _features(row, lexical)
        return features is not None and not model.answerable(features)

    answerable = [r for r in rows if r.answerable and _features(r, lexical)]
    unanswerable = [r for r in rows if not r.answerable and _features(r, lexical)]
    refused_answerable = [r for r in answerable if refused(r)]
    caught = [r for r in unanswerable if refused(r)]
    right = [r for r in answerable if r.answered_right]
    return {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "false_refusals": len(refused_answerable) / len(answerable) if answerable else 0.0,
        "true_refusals": len(caught) / len(unanswerable) if unanswerable else 0.0,
        "answer_at_1": len(right) / len(answerable) if answerable else 0.0,
    }


def report(rows: list[Row], model: AnswerabilityModel) -> dict[str, object]:
    figures: dict[str, object] = {}
    print(f"\n{'part':<28}{'answerable':>11}{'unanswerable':>13}{'false ref.':>11}"
          f"{'true ref.':>10}{'answer@1':>9}")  # fmt: skip
    for split in ("train", "test"):
        for kb in ("samples", "laws", None):
            part = [r for r in rows if r.split == split and (kb is None or r.kb == kb)]
            figure = rates(part, model)
            name = f"{split} {kb or 'all'}"
            figures[name] = figure
            print(
                f"{name:<28}{figure['answerable']:>11}{figure['unanswerable']:>13}"
                f"{figure['false_refusals']:>11.1%}{figure['true_refusals']:>10.1%}"
                f"{figure['answer_at_1']:>9.1%}"
            )
    test = [r for r in rows if r.split == "test"]
    print("\ntest, refusals by kind of unanswerable question:")
    for kind in sorted({r.kind for r in test if not r.answerable}):
        part = [r for r in test if r.kind == kind and r.features]
        caught = sum(not model.answerable(r.features) for r in part if r.features)
        print(f"  {kind:<20}{caught}/{len(part)}")
        figures[f"test {kind}"] = caught / len(part) if part else 0.0
    wrong = [r for r in test if r.features and model.answerable(r.features) != r.answerable]
    print(f"\ntest rows the gate gets wrong ({len(wrong)}):")
    for r in wrong:
        p = model.probability(r.features)  # type: ignore[arg-type]
        print(f"  {r.id} {'answerable' if r.answerable else r.kind:<18} p={p:.2f} {r.question}")
    test_figures = rates(test, model)
    ok = (
        test_figures["false_refusals"] <= MAX_FALSE_REFUSALS
        and test_figures["true_refusals"] >= MIN_TRUE_REFUSALS
    )
    print(
        f"\ntargets on the test half: false refusals <= {MAX_FALSE_REFUSALS:.0%}, "
        f"true refusals >= {MIN_TRUE_REFUSALS:.0%}: {'met' if ok else 'NOT met'}"
    )
    figures["targets_met"] = ok
    return figures


def write_model(
    model: AnswerabilityModel, lexical: AnswerabilityModel, figures: dict[str, object]
) -> None:
    digest = hashlib.sha256(DATA.read_bytes()).hexdigest()[:16]
    test = figures["test all"]
    assert isinstance(test, dict)
    document = {
        "model": {"weights": model.weights, "bias": model.bias, "threshold": model.threshold},
        "lexical_model": {
            "weights": lexical.weights,
            "bias": lexical.bias,
            "threshold": lexical.threshold,
        },
        "fitted": {
            "on": date.today().isoformat(),
            "data": f"eval/data/answerability.jsonl (sha256 {digest}), train half",
            "by": "bench/answerability.py --fit (scikit-learn LogisticRegressionCV, balanced)",
            "threshold": f"highest keeping train false refusals <= {TRAIN_FALSE_REFUSALS:.1%}",
        },
        "test_half": {k: round(v, 4) if isinstance(v, float) else v for k, v in test.items()},
        "test_half_bm25_alone": figures["test lexical"],
    }
    header = "# Written by bench/answerability.py --fit; do not edit by hand.\n"
    MODEL_FILE.write_text(
        header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    load_answerability.cache_clear()
    print(f"model written to {MODEL_FILE}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="fit on the train half and save")
    parser.add_argument("--json", type=Path, default=default_json("answerability"))
    args = parser.parse_args()
    rows = load_rows()
    read_all(rows)
    model = fit(rows) if args.fit else load_answerability()
    lexical = fit(rows, lexical=True) if args.fit else load_answerability(dense=False)
    print(f"\nmodel: bias {model.bias}, threshold {model.threshold}, weights {model.weights}")
    figures = report(rows, model)
    test = [r for r in rows if r.split == "test"]
    bm25 = rates(test, lexical, lexical=True)
    print(
        f"\nwith the vector store down (BM25 alone, its own model), test half: false refusals "
        f"{bm25['false_refusals']:.1%}, true refusals {bm25['true_refusals']:.1%}"
    )
    figures["test lexical"] = bm25
    latencies = sorted(r.latency_ms for r in rows)
    figures["latency_ms_p50"] = latencies[len(latencies) // 2]
    if args.fit:
        write_model(model, lexical, figures)
    write_json(args.json, figures)
    dump = args.json.with_name("answerability_rows.jsonl")
    with dump.open("w", encoding="utf-8") as out:
        for r in rows:
            chosen = r.chosen.label + (r.chosen.chapter or "") if r.chosen else None
            record = {"id": r.id, "kb": r.kb, "split": r.split, "answerable": r.answerable,
                      "kind": r.kind, "question": r.question, "features": r.features,
                      "chosen": chosen, "right": r.answered_right}  # fmt: skip
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"rows with their features written to {dump}")


if __name__ == "__main__":
    main()
