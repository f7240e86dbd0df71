"""Hotline agent-assist: what to say next, while a 12333-style agent talks to a caller.

The server posts the live transcript so far and gets back suggested answers with their
decisive passages and citations, the eligibility checks worth running on the facts heard,
a one-paragraph summary of the caller's situation and the next actions. Each request is
answered from its transcript alone — the transcript is resent as it grows — and nothing is
stored: the conversation state the tools need is built for the request and thrown away,
and no hand-off ticket is opened (the agent is the person a ticket would reach).

The transcript is read the way the offline brain reads a chat, turn by turn: PII masked
first, then the NLU over each caller utterance, facts accumulating (a later value wins).
An agent utterance is only context: when it asks about a fact that the checks in play are
missing ("您交了几年失业保险？"), that fact becomes the NLU's pending question, so the
caller's bare answer ("三年") is read as its value. Suggestions answer the caller's latest
question with the same tools, passage choice and composer sentences as the offline brain,
so the agent reads what the chat would have said; nothing ungrounded is ever suggested.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from assistant import composer
from assistant.answering import answer_in_conversation
from assistant.conversations import ConversationState
from assistant.guardrails.injection import injection_markers
from assistant.guardrails.pii import mask_pii
from assistant.guardrails.sensitive import SensitiveTopic, detect_sensitive
from assistant.models import MessageText, RegionCode, Turn
from assistant.nlu import NLU
from assistant.tools import Toolbox, ToolContext
from knowledge.chinese import normalize
from knowledge.policies.answers import lead_sentence
from knowledge.policies.models import Citation
from knowledge.regions import validate_region
from knowledge.rules.models import EligibilityResult, MissingFact, ScreeningResult

__all__ = [
    "AgentAssist",
    "AssistRequest",
    "AssistResult",
    "SuggestedCheck",
    "Suggestion",
    "Utterance",
]

MAX_SUGGESTIONS = 3
#: Share of an agent question's character pairs a fact's question must share to count as
#: asking for that fact ("您交了几年失业保险" ~ "…累计缴纳失业保险费有多少年").
_ASKED_OVERLAP = 0.3
_QUESTION_INTENTS = ("policy_question", "eligibility_check")
#: An utterance that asks something, whatever else it says ("交了三年，能领多久？").
_ASKS = re.compile(r"[?？吗]|多久|多少|怎么|如何|哪里|能不能|可不可以|是否")
#: How callers open a question on the phone ("喂，您好，我想问一下…"): left out of the
#: search, where every word the passage lacks would lower its support.
_PREAMBLE = re.compile(
    r"^(?:(?:喂+|[您你]好|那个|嗯+|呃+|就是|请问|麻烦问一下|我?想(?:问问?|咨询|了解)(?:一下)?"
    r"|问一下|咨询一下)[\s,，。.!！~～啊呀]*)+"
)
_STATUS_ORDER = {"eligible": 0, "need_more_facts": 1, "not_eligible": 2, "ended": 3, "not_yet": 3}
_QUESTION_MARK = re.compile(r"[?？吗呢]|几|多少|多大|多久|什么|是否|有没有|是不是|哪")
_CLAUSE = re.compile(r"[^。！!？?；;\n]+[。！!？?；;]?")
_WORD_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")
_BEIJING = ZoneInfo("Asia/Shanghai")


class Utterance(BaseModel):
    """One line of the live transcript."""

    model_config = ConfigDict(extra="forbid")

    speaker: Literal["caller", "agent"]
    text: MessageText = Field(min_length=1, max_length=2000)


class AssistRequest(BaseModel):
    """The call so far; resent whole each time the transcript grows."""

    model_config = ConfigDict(extra="forbid")

    call_id: str = Field(min_length=1, max_length=200)
    utterances: list[Utterance] = Field(min_length=1, max_length=200)
    region: RegionCode | None = Field(
        default=None, description="GB/T 2260 code; the default when unset"
    )
    on_date: date | None = Field(default=None, description="the day of the call (tests, eval)")


class Suggestion(BaseModel):
    """An answer the agent can read out, with the passage that decides it."""

    id: str = Field(description="stable for the call and passage, for feedback across refreshes")
    text: str
    passage: str = Field(description="the decisive sentence, quoted with its legal basis")
    citations: list[Citation]
    score: float = Field(description="how well the passage answers, relative to the best, 0..1")


class SuggestedCheck(BaseModel):
    """A policy calculator result on the facts heard so far."""

    policy_id: str
    title: str
    status: str = Field(description="the rule engine's EligibilityStatus")
    explanation: str
    missing: list[MissingFact] = Field(default_factory=list)


class AssistResult(BaseModel):
    call_id: str
    suggestions: list[Suggestion] = Field(default_factory=list, description="best first")
    checks: list[SuggestedCheck] = Field(default_factory=list, description="most promising first")
    summary: str
    facts: dict[str, Any] = Field(default_factory=dict)
    next_actions: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)


@dataclass
class _Heard:
    """What the transcript told us, caller utterance by caller utterance."""

    policy: str | None = None
    questions: list[tuple[str, str | None]] = field(default_factory=list)  # (text, policy)
    last: str = ""
    topics: list[SensitiveTopic] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


class AgentAssist:
    """Suggestions for a live call from the shared tools and NLU; stores nothing."""

    def __init__(self, toolbox: Toolbox, nlu: NLU, *, default_region: str = "000000") -> None:
        self.toolbox = toolbox
        self.nlu = nlu
        self.default_region = validate_region(default_region)

    def suggest(self, request: AssistRequest) -> AssistResult:
        day = request.on_date or datetime.now(_BEIJING).date()
        masked = [(u.speaker, mask_pii(u.text)) for u in request.utterances]
        turn = Turn(
            channel="hotline",
            user_id=request.call_id,
            role="agent",
            region=request.region,
            text=masked[-1][1].text,
            on_date=day,
        )
        state = ConversationState.for_turn(turn)  # thrown away at the end of the request
        context = ToolContext(
            state=state, region=request.region or self.default_region, on_date=day, role="agent"
        )
        heard = _Heard(flags=[f"pii:{k}" for _, m in masked for k in m.kinds])
        pending: list[str] = []
        for speaker, text in ((s, m.text) for s, m in masked):
            if speaker == "agent":
                pending = self._asked(text, context, heard.policy)
                continue
            understanding = self.nlu.understand(
                text, pending=pending, active_policy=heard.policy, today=day
            )
            state.facts.update(understanding.facts)
            pending = [name for name in pending if name not in understanding.facts]
            heard.policy = understanding.policy_id or heard.policy
            if understanding.region:
                context.region = understanding.region
            topic = detect_sensitive(text)
            if topic is not None and topic not in heard.topics:
                heard.topics.append(topic)
            if injection_markers(text):
                heard.flags.append("injection")  # the utterance drives no search
                continue
            heard.last = text
            if understanding.intent in _QUESTION_INTENTS or _ASKS.search(text):
                heard.questions.append((text, understanding.policy_id))
        heard.flags += [f"sensitive:{t.id}" for t in heard.topics]
        checks = self._worth_checking(self._screen(context), heard.policy)
        suggestions = self._suggestions(request.call_id, heard, context)
        return AssistResult(
            call_id=request.call_id,
            suggestions=suggestions,
            checks=[self._check(r) for r in checks],
            summary=self._summary(heard, state.facts, checks),
            facts=dict(state.facts),
            next_actions=self._next_actions(heard, checks, suggestions),
            flags=list(dict.fromkeys(heard.flags)),
        )

    # -- listening -----------------------------------------------------------------------

    def _asked(self, text: str, context: ToolContext, policy: str | None) -> list[str]:
        """The facts an agent utterance asks the caller for, best match first: among the
        facts the checks in play are missing, those whose question it resembles."""
        clauses = [c for c in _CLAUSE.findall(normalize(text)) if _QUESTION_MARK.search(c)]
        asked = _pairs("".join(clauses))
        if not asked:
            return []
        screen = self._screen(context)
        candidates = [m for r in self._worth_checking(screen, policy) for m in r.missing]
        scored: dict[str, float] = {}
        for fact in candidates or screen.next_questions:
            overlap = len(asked & _pairs(fact.question + fact.label)) / len(asked)
            if overlap >= _ASKED_OVERLAP:
                scored.setdefault(fact.name, overlap)
        return sorted(scored, key=lambda name: -scored[name])

    def _screen(self, context: ToolContext) -> ScreeningResult:
        outcome = self.toolbox.call("check_eligibility", {}, context)
        if not outcome.ok:
            return ScreeningResult(region=context.region, on_date=context.on_date, results=[])
        assert isinstance(outcome.value, ScreeningResult)
        return outcome.value

    @staticmethod
    def _worth_checking(screen: ScreeningResult, policy: str | None) -> list[EligibilityResult]:
        """The policy the caller named, then those the facts decide a condition of:
        eligible, then fewest facts missing, ineligible last."""
        worth = [
            r
            for r in screen.results
            if r.policy_id == policy or any(t.outcome != "unknown" for t in r.trace)
        ]
        return sorted(
            worth,
            key=lambda r: (r.policy_id != policy, _STATUS_ORDER[r.status], len(r.missing)),
        )

    # -- answering -----------------------------------------------------------------------

    def _suggestions(self, call_id: str, heard: _Heard, context: ToolContext) -> list[Suggestion]:
        """Answers to the caller's latest question (a sensitive topic's own article search
        instead, as the offline brain does): the plain answer and its basis, from the
        passages the offline brain would quote, best first."""
        question, named = heard.questions[-1] if heard.questions else (heard.last, None)
        topic = detect_sensitive(question) if question else None
        if topic is not None and topic.citation_query:
            query, earlier = topic.citation_query, None
        else:
            query = _PREAMBLE.sub("", question.strip()) or question
            earlier = (
                _PREAMBLE.sub("", heard.questions[-2][0]) if len(heard.questions) > 1 else None
            )
        if not query:
            return []
        finding = answer_in_conversation(
            self.toolbox, query, context, previous=earlier, names_policy=named is not None
        )
        if not finding.answerable:
            return []
        best = finding.readings[0].score
        readings = [
            *finding.quoted(),
            *[r for r in finding.readings[1:] if r.score >= 0.9 * best and r.gives_kind],
        ]
        suggestions: list[Suggestion] = []
        for reading in readings:
            citation = reading.citation
            if any(citation.chunk_id == c.chunk_id for s in suggestions for c in s.citations):
                continue
            basis = composer.basis_text(reading)
            quote = composer.quote_text(reading)
            lead = lead_sentence(reading) or quote.splitlines()[0]
            key = f"{call_id}\x00{citation.chunk_id}".encode()
            suggestions.append(
                Suggestion(
                    id=hashlib.sha1(key, usedforsecurity=False).hexdigest()[:16],
                    text=f"{lead.rstrip('。')}（{basis}）。",
                    passage=f"{basis}：“{quote}”",
                    citations=[citation],
                    score=round(reading.score / best, 3) if best else 0.0,
                )
            )
        return suggestions[:MAX_SUGGESTIONS]

    @staticmethod
    def _check(result: EligibilityResult) -> SuggestedCheck:
        if result.status == "need_more_facts":
            met = [t.label for t in result.trace if t.outcome == "met"]
            known = f"已确认：{'；'.join(met)}。" if met else ""
            labels = "、".join(m.label for m in result.missing)
            explanation = f"{known}还需要了解：{labels}。"
        else:
            # The composer's answer: its first line and the amounts or failed conditions.
            text, _ = composer.eligibility_answer(result, "agent")
            lines = text.splitlines()
            bullets = [line.removeprefix("· ") for line in lines if line.startswith("· ")]
            explanation = lines[0].rstrip("：。") + ("：" + "；".join(bullets) if bullets else "")
            explanation = explanation.rstrip("。") + "。"
        return SuggestedCheck(
            policy_id=result.policy_id,
            title=result.title,
            status=result.status,
            explanation=explanation,
            missing=result.missing,
        )

    def _summary(
        self, heard: _Heard, facts: dict[str, Any], checks: list[EligibilityResult]
    ) -> str:
        rules = self.toolbox.rules.rules
        question = heard.questions[-1][0] if heard.questions else heard.last
        parts = [f"来电人咨询{rules[heard.policy].title}" if heard.policy in rules else ""]
        if not parts[0] and question:
            parts[0] = f"来电人问：“{question.strip()}”"
        known = composer.facts_summary(facts, self.toolbox.rules.facts)
        parts.append(f"已知情况：{known}" if known else "")
        eligible = [r.title for r in checks if r.status == "eligible"]
        parts.append(f"按已知情况符合{'、'.join(eligible)}的条件" if eligible else "")
        if heard.topics:
            parts.append(f"涉及{'、'.join(t.label for t in heard.topics)}，需要转办或人工跟进")
        return "；".join(p for p in parts if p) + "。" if any(parts) else "来电人尚未提出具体问题。"

    @staticmethod
    def _next_actions(
        heard: _Heard, checks: list[EligibilityResult], suggestions: list[Suggestion]
    ) -> list[str]:
        actions = []
        for topic in heard.topics:
            how = "建议立即转人工跟进" if topic.handoff else "建议转办"
            actions.append(f"涉及{topic.label}：{how}（{topic.service or '12333'}）。")
        if "injection" in heard.flags:
            actions.append("转写中有疑似提示词注入的话，未作为问题检索；请按正常业务口径答复。")
        if heard.questions and not suggestions and not heard.topics:
            actions.append(
                "知识库中没有能直接回答来电人问题的条文：请勿凭印象答复，可请示或转人工。"
            )
        first = checks[0] if checks else None
        if any(t.handoff for t in heard.topics):
            pass  # a person takes the call over: no questions about benefits now
        elif first is not None and first.status == "need_more_facts":
            for fact in composer.questions_to_ask(first.missing):
                actions.append(f"询问来电人：{composer.questions_text([fact])}")
        elif first is not None and first.status == "eligible" and first.apply is not None:
            actions.append(f"告知办理渠道（{first.title}）：{first.apply.where}。")
            if first.apply.materials:
                actions.append(f"提醒来电人携带：{'、'.join(first.apply.materials)}。")
        return actions


def _pairs(text: str) -> set[str]:
    """Character pairs of the words in ``text``: a crude but tokenizer-free likeness."""
    runs = _WORD_RUN.findall(normalize(text).lower())
    return {run[i : i + 2] for run in runs for i in range(max(1, len(run) - 1))}
