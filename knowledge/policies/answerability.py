"""Whether the passages retrieved answer a question at all: the gate between an answer and
"没有找到" (with a caseworker offered).

The decision is a logistic model over a few features of the question and the passages
read against it (how much of the question the best passage covers, the rarest question
word no passage contains, whether the answering clause gives the kind of answer asked,
the dense similarity, …). Its weights and threshold are fitted on a labelled set of
answerable and unanswerable questions (eval/data/answerability.jsonl, the "train" half)
by ``bench/answerability.py --fit`` and written to ``answerability.yaml`` with the figures
it reached on the held-apart "test" half; nothing here is set by hand.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge.chinese import normalize
from knowledge.policies.answers import PassageReading, Question
from knowledge.regions import region_from_text

__all__ = [
    "DENSE_FEATURES",
    "FEATURES",
    "AnswerabilityModel",
    "answerability_features",
    "load_answerability",
]

MODEL_FILE = Path(__file__).with_name("answerability.yaml")

#: The features, in the order of the model's weights.
FEATURES: tuple[str, ...] = (
    "coverage",  # weighted share of the question's words in the best passage (title too)
    "clause_coverage",  # … in its answering clause
    "any_coverage",  # … in any of the top three passages
    "missing_best",  # the weight of the rarest question word the best passage lacks, 0..1
    "missing_share_best",  # the weighted share of the question's words it lacks
    "unknown_share",  # the weighted share of the question's words the index never saw
    "benefit_missing",  # a benefit or leave named ("话费补贴", "育儿假") no top passage names
    "figure_missing",  # asks a figure (多少钱) and the answering clause states none
    "specific_figure_missing",  # … of a named place or year ("郑州2025年…多少钱")
    "gives_kind",  # the answering clause gives the kind of answer asked (1 when none asked)
    "similarity",  # dense similarity of the best passage, (s - 0.85) / 0.1
    "top_similarity",  # the largest dense similarity among the passages, likewise
    "heading",  # the best passage's section heading reads like the question
    "words",  # how many content words the question has (capped at 8, over 8)
)

#: A benefit named by name: two to four characters, then what it is.
_BENEFIT = re.compile(
    r"([\u4e00-\u9fff]{2,4})(补贴|补助金?|津贴|奖金|奖励|补偿金|消费券|券|体检卡|救助金|生活费|安家费)"
)
#: A leave named by name ("育儿假", "陪产假"): when no passage names it, an answer about
#: another leave (产假, 年休假) does not answer.
_NAMED_LEAVE = re.compile(r"育儿假|陪产假|护理假|婚假|丧假|探亲假")
#: A verb between what a benefit is for and the word 补贴: "买车有补贴", "能领补贴".
_HAVE = re.compile(r"(?:能|可以|会|还)?(?:有|领|拿|享受)$")
_GENERIC = ("什么", "哪些", "多少", "有没有", "这个", "那个", "一些", "有啥")
#: Asks for a sum of money (a percentage does not answer it).
_MONEY = re.compile(
    r"多少钱|多少元|几块|每个?月.{0,6}多少|一个月.{0,6}多少|标准是多少|发多少|给多少"
)
_MONEY_STATED = re.compile(r"[0-9０-９零一二两三四五六七八九十百千万]+\s*(?:元|块|万元)")
_WHEN = re.compile(r"20\d\d年|今年|现在|目前|最新")
#: Dense similarity is read above this floor, in tenths.
_SIMILARITY_FLOOR = 0.85


def _scaled(similarity: float | None) -> float:
    return max(0.0, ((similarity or _SIMILARITY_FLOOR) - _SIMILARITY_FLOOR) / 0.1)


def _benefit_missing(question: Question, context: str) -> float:
    for match in _BENEFIT.finditer(question.text):
        # "结婚有补贴" names 结婚补贴; "能有补贴" names none.
        qualifier = _HAVE.sub("", match.group(1))
        if len(qualifier) < 2 or any(g in qualifier for g in _GENERIC):
            continue
        benefit = match.group(2)
        name = qualifier[-3:] + benefit
        # The legal terms of the words that name it ("社保" -> 社会保险), not of the word
        # 补贴 itself: the table maps 补贴 to 补贴, found in every subsidy's passage.
        terms = [
            t for w, ts in question.terms.items() if w in name and w not in benefit for t in ts
        ]
        if name[-4:] not in context and not any(t in context for t in terms):
            return 1.0
    for match in _NAMED_LEAVE.finditer(question.text):
        if match.group(0) not in context:
            return 1.0
    return 0.0


def answerability_features(
    question: Question,
    readings: Sequence[PassageReading],
    max_weight: float,
    idf: Callable[[str], float] | None = None,
) -> dict[str, float]:
    """The features of ``question`` against ``readings`` (best first); ``max_weight`` is the
    weight of a word the index has never seen (the rarest possible), ``idf`` the index's."""
    words = question.words
    total = sum(words.values()) or 1.0
    unknown = [
        w
        for w in words
        if idf is not None
        and len(w) > 1
        and idf(w) >= max_weight
        and all(idf(t) >= max_weight for t in question.terms.get(w, ()))
    ]
    features = dict.fromkeys(FEATURES, 0.0)
    features["words"] = min(len(words), 8) / 8
    features["unknown_share"] = sum(words[w] for w in unknown) / total
    if not readings:
        return features
    best = readings[0]
    context = normalize(
        " ".join(
            f"{r.citation.title} {r.citation.chapter or ''} {r.citation.quote}"
            for r in readings[:3]
        )
    )
    best_text = normalize(
        f"{best.citation.title} {best.citation.chapter or ''} {best.citation.quote}"
    )
    missing = [w for w in words if w not in question.found_in(best_text)]
    answer = best.answer
    clause = normalize(answer.segment.plain) if answer else ""
    money = _MONEY.search(question.text) is not None
    stated = bool(answer and answer.kinds & {"amount", "duration"})
    figure_missing = (money and not _MONEY_STATED.search(clause)) or (
        bool(question.kinds & {"amount"}) and not stated
    )
    specific = (
        region_from_text(question.text) is not None or _WHEN.search(question.text) is not None
    )
    similarities = [r.citation.similarity for r in readings if r.citation.similarity is not None]
    features.update(
        coverage=best.coverage,
        clause_coverage=answer.coverage if answer else 0.0,
        any_coverage=question.coverage(context),
        missing_best=max((words[w] for w in missing), default=0.0) / max_weight
        if max_weight
        else 0.0,
        missing_share_best=sum(words[w] for w in missing) / total,
        benefit_missing=_benefit_missing(question, context),
        figure_missing=float(figure_missing),
        specific_figure_missing=float(figure_missing and specific),
        gives_kind=1.0 if best.gives_kind else 0.0,
        similarity=_scaled(best.citation.similarity),
        top_similarity=_scaled(max(similarities, default=None)),
        heading=best.heading,
    )
    return features


@dataclass(frozen=True)
class AnswerabilityModel:
    """A fitted logistic model: P(answerable) = sigmoid(bias + weights · features)."""

    weights: dict[str, float]
    bias: float
    threshold: float

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) * features[name] for name in FEATURES)
        return 1.0 / (1.0 + math.exp(-z))

    def answerable(self, features: dict[str, float]) -> bool:
        return self.probability(features) >= self.threshold

    def judge(
        self,
        question: Question,
        readings: Sequence[PassageReading],
        max_weight: float,
        idf: Callable[[str], float] | None = None,
    ) -> float:
        """P(the knowledge answers ``question``) from its passages."""
        return self.probability(answerability_features(question, readings, max_weight, idf))


#: The features a model fitted for search without dense vectors leaves out.
DENSE_FEATURES = frozenset({"similarity", "top_similarity"})


@lru_cache(maxsize=4)
def load_answerability(path: Path = MODEL_FILE, *, dense: bool = True) -> AnswerabilityModel:
    """The fitted model; ``dense=False``: the one fitted on BM25 search alone, for when the
    vector store or the embedder fails (its features have no similarity)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    model = data["model" if dense else "lexical_model"]
    weights = {str(k): float(v) for k, v in model["weights"].items()}
    unknown = set(weights) - set(FEATURES)
    if unknown:
        raise ValueError(f"{path}: unknown features {sorted(unknown)}")
    if not dense and set(weights) & DENSE_FEATURES:
        raise ValueError(f"{path}: the lexical model weighs dense similarity")
    return AnswerabilityModel(weights, float(model["bias"]), float(model["threshold"]))
