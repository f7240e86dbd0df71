"""Finding the answer to a policy question: search, read each passage against the
question, pick the passage (and, where a second rule also answers, its companion) to
quote, and judge whether the knowledge answers the question at all.

One path for every caller that answers policy questions without a model: the offline
brain, hotline agent-assist and the Rasa action. The composer turns a
:class:`PolicyFinding` into words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.tools import Toolbox, ToolContext, ToolOutcome
from knowledge.chinese import normalize
from knowledge.policies.answerability import AnswerabilityModel, load_answerability
from knowledge.policies.answers import NEVER_SEEN, PassageReading, Question, read_passages
from knowledge.policies.models import NATIONAL, Citation
from knowledge.policies.references import (
    ArticleReference,
    cited_article_fit,
    parse_article_reference,
    title_match_score,
)
from knowledge.regions import ancestors, without_place_names

__all__ = ["FOLLOW_UP_CHARS", "PolicyFinding", "answer_in_conversation", "find_policy_answer"]

#: Passages retrieved and read for one question.
PASSAGES = 10
#: A short question that names no policy may follow up the previous one ...
FOLLOW_UP_CHARS = 12
#: ... when the passage found for both covers this share of the short question's words.
FOLLOW_UP_COVERAGE = 0.5
#: A question unanswerable alone takes the previous topic's answer when that holds this
#: share of its words.
CONTEXT_COVERAGE = 0.15
#: A longer question that says it goes on from the previous one ("那要是干满一年了还是没签
#: 呢", "要是下班先去买了个菜再回家，路上出的事呢") may follow it up too, up to this length.
CONTINUATION_CHARS = 40
_CONTINUES = re.compile(r"^(?:那|如果|要是|假如|万一|还有|另外|再问)|呢[?？。]?$")
#: A second rule is quoted beside the first when it reads this well in comparison.
COMPANION_SHARE = 0.8
#: A question whose words weigh this share or more in words the index has never seen is on
#: a topic the knowledge lacks.
UNKNOWN_TOPIC_SHARE = 0.6


@dataclass
class PolicyFinding:
    """What the knowledge says to one question."""

    query: str
    search: ToolOutcome
    question: Question
    readings: list[PassageReading] = field(default_factory=list)
    confidence: float = 0.0
    answerable: bool = False
    #: Words of the question no indexed passage contains (a topic the knowledge lacks).
    unknown_words: list[str] = field(default_factory=list)

    @property
    def unknown_topic(self) -> bool:
        """Most of the question (by weight) is words no indexed passage has: a topic the
        knowledge has never heard of ("火星移民补贴", "装修的人工费"), not one it lacks an
        answer on ("档案丢了补办要多少钱")."""
        total = sum(self.question.words.values())
        unknown = sum(self.question.words.get(w, 0.0) for w in self.unknown_words)
        return total > 0 and unknown >= UNKNOWN_TOPIC_SHARE * total

    @property
    def answer(self) -> PassageReading | None:
        return self.readings[0] if self.readings else None

    def quoted(self) -> list[PassageReading]:
        """The passages the answer quotes: the best one and, when another rule also
        answers (the region's own rule beside the national one, an implementing
        regulation beside its law), that one too — the more local rule first."""
        if not self.readings:
            return []
        best = self.readings[0]
        best_coverage = best.answer.coverage if best.answer is not None else 0.0
        companions = [
            r
            for r in self.readings[1:4]
            if r.citation.doc_id != best.citation.doc_id
            # Two rules, each in its own words: a law and its regulation, a national rule
            # and the region's (not two explainers' paraphrases).
            and r.citation.article is not None
            and best.citation.article is not None
            and r.score >= COMPANION_SHARE * best.score
            and r.answer is not None
            # Its clause holds about as much of the question as the best one's does — or
            # half as much when it states what the best one does not (the law says 按比例,
            # its regulation gives the figure).
            and r.answer.coverage
            >= min(0.5, COMPANION_SHARE * best_coverage) * (0.5 if _supplies(r, best) else 1.0)
            and (r.answer.strength > 0 or not r.kinds_asked)
            # Not the same words again: a rule restated by another (often older) document,
            # such as a judicial interpretation consolidated into a newer one, adds nothing.
            and not _restates(r, best)
        ]
        # The one whose clause holds most of the question, then the best read.
        companion = max(
            companions,
            key=lambda r: (r.answer.coverage if r.answer else 0.0, r.score),
            default=None,
        )
        if companion is None:
            return [best]
        pair = [best, companion]
        return sorted(pair, key=lambda r: -_locality(r.citation))

    def related(self) -> list[Citation]:
        """The passages to list as sources: the ones the answer quotes."""
        return [r.citation for r in self.quoted()]


def _supplies(reading: PassageReading, best: PassageReading) -> bool:
    """Whether ``reading`` gives the kind of answer asked that ``best`` does not state."""
    return bool(best.kinds_asked) and not best.gives_kind and reading.gives_kind


def _restates(reading: PassageReading, other: PassageReading) -> bool:
    """Whether ``reading``'s answering clause is word for word ``other``'s."""
    if reading.answer is None or other.answer is None:
        return False
    return normalize(reading.answer.segment.plain) == normalize(other.answer.segment.plain)


#: A passage of the person's own documents reading this well is preferred to the best.
OWN_AUDIENCE_SHARE = 0.9
#: A passage of the person's region's own rules reading this well is preferred to the best
#: national one.
LOCAL_SHARE = 0.9


def _moved_first(readings: list[PassageReading], index: int) -> list[PassageReading]:
    return [readings[index], *readings[:index], *readings[index + 1 :]]


def _near_tie_first(
    readings: list[PassageReading], preferred: Callable[[PassageReading], bool], share: float
) -> list[PassageReading]:
    """The first reading ``preferred`` picks that scores ``share`` of the best or more, put
    first; the order is kept when the best is such a reading or none reads that well."""
    if not readings or preferred(readings[0]):
        return readings
    best = readings[0].score
    index = next(
        (
            i
            for i, r in enumerate(readings[1:], start=1)
            if preferred(r) and r.score >= share * best
        ),
        None,
    )
    return readings if index is None else _moved_first(readings, index)


def _own_first(readings: list[PassageReading], audience: str | None) -> list[PassageReading]:
    """Near-ties go to the documents meant for the person: an employer asking about hiring
    graduates reads the employers' guide before a guide for everyone."""
    if audience is None:
        return readings
    return _near_tie_first(readings, lambda r: r.citation.audience == audience, OWN_AUDIENCE_SHARE)


def _is_article(reading: PassageReading) -> bool:
    return reading.citation.article_no is not None


def _local_first(readings: list[PassageReading]) -> list[PassageReading]:
    """Near-ties between articles go to the rules of the person's region: a 上海 worker
    asking when the contract counts from reads 上海市劳动合同条例 before the national law
    (the search admits only the person's region and the places above it). Guides are left
    in their order: a local guide's section restating the national rule is no local rule."""
    if not readings or not _is_article(readings[0]):
        return readings
    return _near_tie_first(
        readings, lambda r: _is_article(r) and _locality(r.citation) > 0, LOCAL_SHARE
    )


#: How well an explainer's section citing the article named fits, against the article.
CITED_ARTICLE_FIT = 0.5


def _named_first(query: str, readings: list[PassageReading]) -> tuple[list[PassageReading], bool]:
    """ "社会保险法第四十六条怎么规定的": the article named is the answer, whatever else
    reads well (the 第四十六条 of another law included). Also whether it was found: the
    question is then answerable, however little its other words say."""
    reference = parse_article_reference(query)
    if reference is None or not reference.title_hint:
        return readings, False

    def fit(reading: PassageReading) -> float:
        citation = reading.citation
        if citation.article_no == reference.article_no:
            return title_match_score(reference.title_hint, citation.title)
        # Where the law itself is not in the knowledge, an explainer's section that names
        # the article as its source (in brackets or a table's 依据 column) speaks to it,
        # less than the article itself would.
        labels = (label for segment in reading.segments for label in segment.segment.sources)
        return CITED_ARTICLE_FIT * cited_article_fit(reference, labels)

    best = max((fit(r) for r in readings), default=0.0)
    if best <= 0:
        return readings, False
    named = [r for r in readings if fit(r) == best]
    return named + [r for r in readings if fit(r) != best], True


def _primary_first(readings: list[PassageReading]) -> list[PassageReading]:
    """When the best reading is an explainer's section whose answering clause names the
    article it rests on ("（《中华人民共和国社会保险法》第四十六条）") and that article is among
    the passages read, the law's own words answer first: the primary source, not its
    paraphrase."""
    best = readings[0] if readings else None
    if best is None or best.citation.article_no is not None or best.answer is None:
        return readings
    labels = best.answer.segment.sources
    if not labels:
        return readings
    for index, reading in enumerate(readings[1:], start=1):
        citation = reading.citation
        if citation.article_no is None or citation.article is None:
            continue
        article = ArticleReference(citation.title, citation.article_no, citation.article)
        if cited_article_fit(article, labels) > 0:
            return _moved_first(readings, index)
    return readings


def _locality(citation: Citation) -> int:
    """How local a document is: national 0, province 1, city 2, county 3."""
    return 0 if citation.region == NATIONAL else len(ancestors(citation.region)) - 1


def find_policy_answer(
    toolbox: Toolbox,
    query: str,
    context: ToolContext,
    *,
    k: int = PASSAGES,
    model: AnswerabilityModel | None = None,
    all_audiences: bool = False,
) -> PolicyFinding:
    """Searches (the ``search_policies`` tool, whole articles), reads and judges: first
    the documents meant for the person, then — when those do not answer — every public
    document (a job seeker asking what 稳岗返还 is reads the employers' guide).
    ``all_audiences``: every public document at once (an employer asking about its
    workers' 失业金 reads the job seekers' documents, not its own 稳岗返还 guide)."""
    if all_audiences:
        return _find(
            toolbox, query, context, k=k, model=model, all_audiences=True, prefer_own=False
        )
    finding = _find(toolbox, query, context, k=k, model=model, all_audiences=False)
    if finding.answerable or context.audience is None:
        return finding
    wider = _find(toolbox, query, context, k=k, model=model, all_audiences=True)
    return wider if wider.answerable or wider.confidence > finding.confidence else finding


def _find(
    toolbox: Toolbox,
    query: str,
    context: ToolContext,
    *,
    k: int,
    model: AnswerabilityModel | None,
    all_audiences: bool,
    prefer_own: bool = True,
) -> PolicyFinding:
    arguments = {"query": query, "k": k} | ({"all_audiences": True} if all_audiences else {})
    search = toolbox.call("search_policies", arguments, context, cite=False)
    retriever = toolbox.knowledge.retriever
    never = retriever.idf(NEVER_SEEN)
    # A place no passage names ("广州的 领失业金期间…" over Guangdong's rules) is the search's
    # filter already; as a word of the question it would read as a topic the knowledge
    # lacks. A place the passages name ("青岛" in 青岛市残疾人保障条例) tells the region's rule.
    question = Question.read(
        without_place_names(query, keep=lambda name: retriever.idf(name) < never), retriever.idf
    )
    finding = PolicyFinding(query, search, question)
    finding.unknown_words = [
        w
        for w in question.words
        if len(w) > 1
        and retriever.idf(w) >= never
        and all(retriever.idf(t) >= never for t in question.terms.get(w, ()))
    ]
    citations: list[Citation] = search.value or []
    if not citations:
        return finding
    audience = context.audience if prefer_own else None
    finding.readings, named = _named_first(
        query,
        _primary_first(_local_first(_own_first(read_passages(question, citations), audience))),
    )
    # Without dense vectors (the vector store is down) the BM25-only model judges.
    dense = any(c.similarity is not None for c in citations)
    model = model or load_answerability(dense=dense)
    finding.confidence = model.judge(question, finding.readings, never, retriever.idf)
    finding.answerable = named or finding.confidence >= model.threshold
    return finding


def _follows_up(text: str) -> bool:
    """Whether ``text`` may go on from the previous question: it is short, or says so."""
    text = text.strip()
    return len(text) <= FOLLOW_UP_CHARS or (
        len(text) <= CONTINUATION_CHARS and _CONTINUES.search(text) is not None
    )


def answer_in_conversation(
    toolbox: Toolbox,
    text: str,
    context: ToolContext,
    *,
    previous: str | None,
    names_policy: bool = False,
    all_audiences: bool = False,
) -> PolicyFinding:
    """The answer to ``text`` on its own or — when it is short or goes on from the previous
    question ("那要是…呢"), names no policy and the topic of the ``previous`` question
    answers it better ("需要带什么材料" after "失业金怎么申请") — read together with that
    question. A short question the previous topic does not speak to ("你们几点下班") stays
    on its own. A longer one that the knowledge cannot answer on its own ("到现在都五个月了
    公司还是拖着不签，我能要点啥") is read with the previous question too, and answered so
    when that answers it and speaks to some of its words."""
    own = find_policy_answer(toolbox, text, context, all_audiences=all_audiences)
    if not previous or names_policy:
        return own
    follows_up = _follows_up(text)
    if not follows_up and (own.answerable or own.unknown_topic):
        return own
    # The place the previous question named is the conversation's region now, the search's
    # filter: read together, it would make the follow-up ask for that place's own figure.
    together = find_policy_answer(
        toolbox, f"{without_place_names(previous)} {text}", context, all_audiences=all_audiences
    )
    asked = own.question.kinds
    if asked:
        # The topic's words weigh most in the joint question; the follow-up asks a kind of
        # answer ("去哪申请？要带啥": a place, materials): the topic's passage that gives it.
        giving = next(
            (r for r in together.readings[:5] if r.answer is not None and asked <= r.answer.kinds),
            None,
        )
        if giving is not None:
            together.readings = [giving, *(r for r in together.readings if r is not giving)]
    answer = together.answer
    # It speaks to the short question when it has its words, or gives the kind of answer
    # it asks for ("要带啥" — the materials; "每个月能补多少钱" — an amount).
    coverage = (
        own.question.coverage(normalize(f"{answer.citation.chapter or ''} {answer.citation.quote}"))
        if answer is not None
        else 0.0
    )
    speaks_to_it = answer is not None and (
        coverage >= FOLLOW_UP_COVERAGE
        or (
            bool(own.question.kinds)
            and answer.answer is not None
            and own.question.kinds <= answer.answer.kinds
        )
    )
    # A follow-up stays on the topic when the topic answers it ("去哪申请？要带啥" after a
    # check of 灵活就业社保补贴 is about that subsidy, however well another policy's
    # "怎么申请" reads on its own).
    if together.answerable and speaks_to_it and follows_up:
        return together
    # Unanswerable alone, answerable with the topic it goes on from, and that answer holds
    # some of its words: the topic was left unsaid.
    if (
        together.answerable
        and not own.answerable
        and not own.unknown_topic
        and coverage >= CONTEXT_COVERAGE
    ):
        return together
    return own
