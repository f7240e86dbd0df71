"""How the passages retrieved for a question answer it.

Retrieval ranks passages by similarity; answering needs more: the passage whose clause
states what was asked (a duration for "多久", a place for "去哪", a procedure for
"怎么申请"), the whole clause to quote, and the sentence that states the answer so it can
be said first. :func:`read_passages` reads each passage against the question and ranks
them by how well they answer; :func:`lead_sentence` extracts the plain answer, built only
from the words and figures of the passage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge.chinese import arabic_quantities, normalize, tokenize
from knowledge.policies.answer_kinds import AnswerKinds, load_answer_kinds
from knowledge.policies.models import Citation
from knowledge.policies.passages import ARTICLE_LABEL, Segment, Sentence, plain_text, segments
from knowledge.terms import legal_terms

__all__ = [
    "NEVER_SEEN",
    "PassageReading",
    "Question",
    "SegmentReading",
    "lead_sentence",
    "read_passages",
]

# Words that ask rather than say what about, and words of everyday speech that say
# nothing about the topic: cut out of the question before its words are weighed, so that
# "失业金最多领多久" weighs 失业金 and 领, not a run jieba glued ("最多领").
_FILLER = re.compile(
    "|".join(
        sorted(
            [
                "怎么办",
                "怎么样",
                "怎么",
                "怎样",
                "如何",
                "多久",
                "多长时间",
                "多长",
                "哪里",
                "哪儿",
                "哪个",
                "为什么",
                "啥叫",
                "啥是",
                "什么叫",
                "什么是",
                "是什么",
                "是啥",
                "啥",
                "咋办",
                "咋",
                "来电人",
                "来电",
                "咨询",
                "问问",
                "请问",
                "想问",
                "我想",
                "知道",
                "告诉",
                "一下",
                "俺们",
                "俺",
                "咱们",
                "咱",
                "我们",
                "你们",
                "他们",
                "我",
                "你",
                "他",
                "她",
                "它",
                "自己",
                "现在",
                "已经",
                "这个",
                "那个",
                "这种",
                "那种",
                "这样",
                "那样",
                "情况",
                "问题",
                "相关",
                "具体",
                "到底",
                "究竟",
                "一般",
                "大概",
                "合法吗",
                "违法吗",
                "能不能",
                "可不可以",
                "是不是",
                "有没有",
                "会不会",
                "行不行",
                "中不中",
                "得不得",
                "对不对",
                "要不要",
                "需不需要",
                "多少钱",
                "多少",
                "最多",
                "最长",
                "最高",
                "最少",
                "最低",
                "什么",
                "哪些",
                "几",
                "吗",
                "呢",
                "吧",
                "啊",
                "呀",
                "哦",
                "嗯",
                "哈",
                "么",
                "嘛",
                "呗",
                "啦",
                "喽",
            ],
            key=len,
            reverse=True,
        )
    )
)
#: A particle jieba glues to a verb ("交了", "领过").
_PARTICLE = re.compile(r"(?<=.)[了着过]$")
#: A word no passage holds (the index's idf of it is the rarest possible).
NEVER_SEEN = "\u0000"
#: A word jieba leaves as one character says little on its own (领, 交, 金): it weighs at
#: most this much, however rare.
SINGLE_CHAR_WEIGHT = 1.0
#: A quantity of the person's own case ("一个月", "两天", "90天", "十四五岁") tells the
#: situation, not the topic: the figures of an unrelated clause ("一个月工资") would match
#: it. It weighs what a single character does. An amount of money ("5万块") is left alone:
#: it is what the question is about.
_QUANTITY = re.compile(
    r"^[0-9零〇一二两三四五六七八九十百千万半几多]+(?:个|个?(?P<unit>月|年|天|日|周|号|岁|小时|钟头))$"
)
#: A clause that states figures in the units of the person's own case ("签了两年的合同，
#: 试用期要半年" against "劳动合同期限一年以上不满三年的，试用期不得超过二个月") is the
#: rule that decides it: this much is added to its passage's score. Chosen on the everyday
#: development suites (first-question answer@1 0.559 → 0.574 at 0.1, 0.569 at 0.05); the
#: benchmarks' tuning parts are indifferent to it, their laws test part rises 69.7 → 69.9 %.
SITUATION = 0.1
#: The units of a quantity (``_QUANTITY``) whose figures the rules state: not 号, 岁, 钟头.
_CASE_UNITS = frozenset({"月", "年", "天", "日", "周", "小时"})
#: A clause scoring this share of the best one is quoted with it.
ALSO_QUOTE = 0.8
#: An article shorter than this is quoted whole.
WHOLE_ARTICLE_CHARS = 320
WEIGHTS_FILE = Path(__file__).with_name("answer_selection.yaml")


@dataclass(frozen=True)
class SelectionWeights:
    """How a passage's reading adds up to its score; chosen on the tuning questions by
    ``bench/answer_selection.py --tune`` and kept in ``answer_selection.yaml``."""

    rank: float  # the retrieval rank (1 / (1 + rank))
    coverage: float  # the share of the question's words the passage (with title) holds
    clause: float  # the score of its best clause
    kind: float  # how plainly that clause gives the kind of answer asked
    heading: float  # a section heading that reads like the question ("二、能领多久")
    article: float  # the passage is an article of a law or regulation (第X条), not a guide
    similarity: float  # dense similarity above ``similarity_floor``
    similarity_floor: float
    segment_kind: float  # within a passage: the clause gives the kind of answer asked
    segment_coverage: float  # … and holds the question's words

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> SelectionWeights:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(**{k: float(v) for k, v in data["weights"].items()})


@lru_cache(maxsize=1)
def selection_weights() -> SelectionWeights:
    return SelectionWeights.load()


@dataclass(frozen=True)
class Question:
    """A question as the answer finder reads it: its content words with their weights
    (rare words weigh most), the legal terms that stand for its everyday words, and the
    kinds of answer it asks for."""

    text: str
    words: dict[str, float]
    terms: dict[str, tuple[str, ...]]
    kinds: frozenset[str]
    extreme: bool
    #: The units of the quantities the person tells of their own case (年 of "两年").
    units: frozenset[str] = frozenset()

    @classmethod
    def read(
        cls, text: str, idf: Callable[[str], float], kinds: AnswerKinds | None = None
    ) -> Question:
        kinds = kinds or load_answer_kinds()
        clean = normalize(text)
        tokens = [_PARTICLE.sub("", w) or w for w in tokenize(_FILLER.sub(" ", clean))]
        words = {
            w: min(idf(w), SINGLE_CHAR_WEIGHT) if len(w) == 1 or _QUANTITY.match(w) else idf(w)
            for w in dict.fromkeys(tokens)
        }
        terms: dict[str, tuple[str, ...]] = {}
        # Longest phrase first, each stretch of the question read once: "找工作了" (a job
        # found: 重新就业) is not also "找工作" (looking for one: 求职 就业).
        taken = [False] * len(clean)
        for everyday, legal in legal_terms().items():
            spans = [m.span() for m in re.finditer(re.escape(everyday), clean)]
            spans = [(a, b) for a, b in spans if not any(taken[a:b])]
            if not spans:
                continue
            for a, b in spans:
                taken[a:b] = [True] * (b - a)
            for word in words:
                if word in everyday or everyday in word:
                    terms[word] = (*terms.get(word, ()), *legal.split())
        # An everyday word the passages never use ("走人") is found only as its legal term
        # ("解除劳动合同"): it weighs what finding that term says, not the rarity of a word
        # no passage holds.
        never = idf(NEVER_SEEN)
        for word, legal_words in terms.items():
            if idf(word) >= never:
                words[word] = min(
                    words[word], max(idf(t) for term in legal_words for t in tokenize(term))
                )
        quantities = (_QUANTITY.match(w) for w in words)
        units = frozenset(m["unit"] for m in quantities if m and m["unit"] in _CASE_UNITS)
        return cls(clean, words, terms, kinds.asked(clean), kinds.asks_extreme(clean), units)

    def states_figures_of_the_case(self, text: str) -> bool:
        """Whether ``text`` states a figure in a unit of the person's own quantities."""
        if not self.units:
            return False
        text = arabic_quantities(text)
        return any(re.search(rf"\d+个?{unit}", text) for unit in self.units)

    def found_in(self, text: str) -> set[str]:
        """The question's words that ``text`` contains (itself or a legal term for it)."""
        return {
            w
            for w in self.words
            if w in text or any(term in text for term in self.terms.get(w, ()))
        }

    def coverage(self, text: str) -> float:
        """The weighted share of the question's words found in ``text``, 0..1."""
        total = sum(self.words.values())
        if total <= 0:
            return 0.0
        found = self.found_in(text)
        # Summed in the question's order, not the set's: the set's order changes with the
        # process's hash seed, and so would the last bits of the sum and the ties it breaks.
        return sum(weight for w, weight in self.words.items() if w in found) / total


@dataclass(frozen=True)
class SegmentReading:
    segment: Segment
    coverage: float
    kinds: frozenset[str]  # the kinds of answer asked that it states plainly
    score: float
    strength: float = 0.0  # how plainly it gives the kinds asked (AnswerKinds.strength)


@dataclass
class PassageReading:
    """One retrieved passage read against the question."""

    question: Question
    citation: Citation
    rank: int
    segments: list[SegmentReading]
    coverage: float
    score: float = 0.0
    best: int = 0
    heading: float = 0.0

    @property
    def kinds_asked(self) -> frozenset[str]:
        return self.question.kinds

    @property
    def answer(self) -> SegmentReading | None:
        return self.segments[self.best] if self.segments else None

    @property
    def gives_kind(self) -> bool:
        """Whether the answering clause gives every kind of answer asked (or none was)."""
        answer = self.answer
        return answer is not None and answer.kinds >= self.kinds_asked

    def quoted(self) -> list[int | None]:
        """The segments to quote, in document order; None marks a gap ("……")."""
        if not self.segments:
            return []
        total = sum(len(s.segment.plain) for s in self.segments)
        if total <= WHOLE_ARTICLE_CHARS:
            return list(range(len(self.segments)))
        best = self.segments[self.best].score
        chosen = sorted(
            i
            for i, s in enumerate(self.segments)
            if i == self.best or (best > 0 and s.score >= ALSO_QUOTE * best)
        )[:3]
        if self.best not in chosen:
            chosen = sorted([*chosen[:2], self.best])
        out: list[int | None] = []
        if chosen[0] > 0 and self.citation.article:
            # The article's opening paragraph says what the rest is about: keep it.
            first = self.segments[0].segment
            if len(first.plain) <= WHOLE_ARTICLE_CHARS // 2:
                chosen = [0, *chosen]
        for previous, index in zip([None, *chosen], chosen, strict=False):
            if (previous is None and index > 0) or (previous is not None and index > previous + 1):
                out.append(None)
            out.append(index)
        if chosen[-1] < len(self.segments) - 1:
            out.append(None)
        return out


def _segments_of(citation: Citation) -> list[Segment]:
    """The clauses of a passage that may answer: not its document's title repeated, nor an
    editor's note set apart as a blockquote (an explainer's "本文由…编写" preface)."""
    text = ARTICLE_LABEL.sub("", citation.quote, count=1) if citation.article else citation.quote
    title = normalize(citation.title)
    lines = [
        line
        for line in text.splitlines()
        if not line.lstrip().startswith(">") and normalize(line).lstrip("# ") != title
    ]
    return segments("\n".join(lines))


def read_passage(
    question: Question,
    citation: Citation,
    rank: int,
    kinds: AnswerKinds | None = None,
    weights: SelectionWeights | None = None,
) -> PassageReading:
    kinds = kinds or load_answer_kinds()
    w = weights or selection_weights()
    readings = []
    for segment in _segments_of(citation):
        text = normalize(segment.plain)
        given = kinds.stated(text, question.kinds) if question.kinds else frozenset()
        coverage = question.coverage(text)
        strength = kinds.strength(text, question.kinds) if question.kinds else 0.0
        score = w.segment_kind * strength + w.segment_coverage * coverage
        readings.append(SegmentReading(segment, coverage, given, score, strength))
    context = normalize(f"{citation.title} {citation.chapter or ''} {citation.quote}")
    reading = PassageReading(question, citation, rank, readings, question.coverage(context))
    if readings:
        reading.best = max(range(len(readings)), key=lambda i: readings[i].score)
        clause = readings[reading.best].score
    else:
        clause = 0.0
    similarity = max(0.0, (citation.similarity or w.similarity_floor) - w.similarity_floor)
    reading.heading = heading_match(question.text, citation.chapter, citation.title)
    strength = readings[reading.best].strength if readings else 0.0
    situation = bool(readings) and question.states_figures_of_the_case(
        readings[reading.best].segment.plain
    )
    reading.score = (
        w.rank / (1.0 + rank)
        + w.coverage * reading.coverage
        + w.clause * clause
        + w.kind * strength
        + w.heading * reading.heading
        + w.article * (citation.article_no is not None)
        + w.similarity * similarity
        + SITUATION * situation
    )
    return reading


def read_passages(
    question: Question,
    citations: Sequence[Citation],
    kinds: AnswerKinds | None = None,
    weights: SelectionWeights | None = None,
) -> list[PassageReading]:
    """The passages read against ``question``, the one that answers best first. A section
    that only lists the documents an explainer rests on ("八、依据") names every article
    and answers nothing: it comes last."""
    readings = [read_passage(question, c, rank, kinds, weights) for rank, c in enumerate(citations)]
    return sorted(readings, key=lambda r: (is_reference_list(r.citation), -r.score, r.rank))


_REFERENCE_LIST = re.compile(r"^(?:政策|法律|法规|主要|相关)?(?:依据|参考文件|参考资料|相关文件)$")


def is_reference_list(citation: Citation) -> bool:
    """Whether the passage is a section listing the documents its explainer rests on."""
    if citation.article or not citation.chapter:
        return False
    return _REFERENCE_LIST.match(_NUMBERING.sub("", citation.chapter).strip()) is not None


_NUMBERING = re.compile(
    r"^[\s#]*(?:第[^章节条]{1,4}[章节]|[一二三四五六七八九十]+[、.]|\d+[.、])\s*"
)


def heading_match(question: str, heading: str | None, title: str = "") -> float:
    """The share of a section heading's character pairs found in the question, 0..1:
    "二、能领多久" reads like "失业金最多领多久" (领多, 多久), "七、旧规定对照" does not.
    Pairs the document's title shares are left out: every section of a document on
    失业保险金 is about it, so they say nothing about which section answers."""
    if not heading:
        return 0.0
    name = _NUMBERING.sub("", heading)
    pairs = {name[i : i + 2] for i in range(len(name) - 1)}
    pairs -= {title[i : i + 2] for i in range(len(title) - 1)}
    pairs = {p for p in pairs if all("\u4e00" <= ch <= "\u9fff" for ch in p)}
    if not pairs:
        return 0.0
    return sum(1 for p in pairs if p in question) / len(pairs)


# -- the plain answer ---------------------------------------------------------------------

_CONDITION = re.compile(r"^(.{2,60}?)的[，,]\s*(.+)$")


def _figures(text: str, kind_patterns: Sequence[re.Pattern[str]]) -> list[str]:
    return [m.group(0) for p in kind_patterns for m in p.finditer(text)]


def _extreme_part(sentence: str, question: Question, kinds: AnswerKinds) -> str | None:
    """For "最长/最多" questions over a tiered rule ("…满一年不足五年的，最长为十二个月；
    …十年以上的，最长为二十四个月"), the tier with the extreme figure, its condition after
    it: "领取失业保险金的期限最长为24个月（累计缴费10年以上）"."""
    parts = [p for p in re.split(r"[；;]", sentence) if p.strip()]
    if len(parts) < 2:
        return None
    figure_kinds = [k for k in ("duration", "amount") if k in question.kinds] or ["duration"]
    patterns = [kinds.answers[k][0] for k in figure_kinds]
    valued: list[tuple[float, str]] = []
    for part in parts:
        found = _figures(arabic_quantities(part), patterns)
        numbers = [float(n) for f in found for n in re.findall(r"\d+(?:\.\d+)?", f)]
        if numbers:
            valued.append((max(numbers), part.strip("。 ")))
    if len(valued) < 2:
        return None
    lowest = re.search(r"最少|最低|至少|起码|下限", question.text) is not None
    _, part = (min if lowest else max)(valued, key=lambda v: v[0])
    condition = _CONDITION.match(part)
    if condition is None:
        return arabic_quantities(part)
    return f"{arabic_quantities(condition.group(2))}（{arabic_quantities(condition.group(1))}）"


def _table_lead(segment: Segment, question: Question, kinds: AnswerKinds) -> str | None:
    """A table read as an answer, its last column by its first: "最长领取期限：满1年不足5年，
    12个月；…", or for a "最长" question the extreme row: "最长领取期限：24个月（累计缴费时间
    10年以上）"."""
    rows = [r for r in segment.rows if len(r) >= 2]
    header = segment.header
    if not rows or len(header) < 2:
        text = "；".join(plain_text(s.text) for s in segment.sentences)
        return arabic_quantities(text) if text else None
    if question.extreme:
        patterns = [kinds.answers[k][0] for k in ("duration", "amount") if k in question.kinds]
        valued = []
        for row in rows:
            numbers = [
                float(n)
                for f in _figures(
                    arabic_quantities(row[-1]), patterns or [kinds.answers["duration"][0]]
                )
                for n in re.findall(r"\d+(?:\.\d+)?", f)
            ]
            if numbers:
                valued.append((max(numbers), row))
        if len(valued) >= 2:
            lowest = re.search(r"最少|最低|至少|起码|下限", question.text) is not None
            _, row = (min if lowest else max)(valued, key=lambda v: v[0])
            return arabic_quantities(f"{header[-1]}：{row[-1]}（{header[0]}{row[0]}）")
    return arabic_quantities(f"{header[-1]}：" + "；".join(f"{r[0]}，{r[-1]}" for r in rows))


_LABEL = re.compile(r"^(?:\d+[.、]\s*)?([^：:，,。；;]{2,12})[：:]")


def _step_labels(segment: Segment) -> list[str]:
    """The labels of a list whose every item starts with one ("单位开证明：…")."""
    items = segment.sentences[1:] if segment.lead_in else segment.sentences
    labels = [_LABEL.match(plain_text(item.text)) for item in items]
    return [m.group(1) for m in labels if m] if labels and all(labels) else []


_ITEM_LABEL = re.compile(r"^([^：:，,。；;]{2,12})[：:]")


def _candidates(segment: Segment) -> list[tuple[Sentence, str]]:
    """The sentences a lead may be taken from, each with the label of its list item
    ("换城市工作：…"): a list's lead-in and each sentence of its items (an item may hold
    several). The label says what the item is about; the lead leaves it out."""
    if segment.kind != "list":
        return [(s, "") for s in segment.sentences]
    out: list[tuple[Sentence, str]] = []
    for index, sentence in enumerate(segment.sentences):
        if index == 0 and segment.lead_in:
            out.append((sentence, ""))
            continue
        text = plain_text(sentence.text)
        label = _ITEM_LABEL.match(text)
        text = text[label.end() :] if label else text
        out += [
            (Sentence(p), label.group(1) if label else "")
            for p in re.split(r"(?<=[。！？])", text)
            if p.strip()
        ]
    return out


def _sentence_score(
    sentence: Sentence, question: Question, kinds: AnswerKinds, label: str = ""
) -> float:
    text = normalize(plain_text(sentence.text))
    strength = kinds.strength(text, question.kinds) if question.kinds else 0.0
    # Within the clause that answers, the sentence that states the kind of answer asked
    # leads; how many of the question's words it (with its item's label) repeats only
    # breaks ties.
    return 2 * strength + question.coverage(normalize(f"{label} {text}"))


def lead_sentence(reading: PassageReading, kinds: AnswerKinds | None = None) -> str | None:
    """The plain answer, when the answering clause states it: its best sentence (a
    table's rows, the tier a "最长" question asks for), figures in Arabic numerals,
    inline sources and editor's notes left out. None when the clause does not give the
    kind of answer asked for, or the question asks nothing a sentence can state."""
    kinds = kinds or load_answer_kinds()
    answer = reading.answer
    if answer is None:
        return None
    question_kinds = reading.kinds_asked
    if question_kinds and not answer.kinds:
        return None
    question = reading.question
    segment = answer.segment
    if segment.kind == "table":
        lead = _table_lead(segment, question, kinds)
    elif (
        segment.kind == "list"
        and question.kinds & {"procedure", "materials"}
        and (steps := _step_labels(segment))
    ):
        lead = "；".join(f"{i}. {step}" for i, step in enumerate(steps, 1))
    else:
        candidates = [c for c in _candidates(segment) if len(plain_text(c[0].text)) >= 6]
        if question.extreme:
            # "最多能领多久" over a tiered rule: the sentence with the tiers, not another
            # that repeats the cap ("……合并计算，但是最长不得超过24个月").
            tiered = [
                c for c in candidates if _extreme_part(plain_text(c[0].text), question, kinds)
            ]
            candidates = tiered or candidates
        if not candidates:
            return None
        best, _ = max(candidates, key=lambda c: _sentence_score(c[0], question, kinds, c[1]))
        text = plain_text(best.text)
        if segment.kind == "list" and segment.lead_in and best.text == segment.lead_in:
            items = [plain_text(s.text).rstrip("；;。") for s in segment.sentences[1:]]
            text = text.rstrip("：:") + "：" + "；".join(items)
        lead = (question.extreme and _extreme_part(text, question, kinds)) or arabic_quantities(
            text
        )
    if not lead:
        return None
    lead = lead.strip().rstrip("：:；;，,")
    return lead if lead.endswith(("。", "！", "？")) else lead + "。"
