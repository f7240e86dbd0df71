"""The LLM brain: a chat model behind any OpenAI-compatible endpoint calls the same tools.

The model makes the conversation fluent; it is never trusted with facts and never a single
point of failure. What it sees is the masked text only (the engine masks PII before a brain
runs), and every retrieved passage or vacancy description reaches it fenced as data. What
it says is checked before anyone reads it: citation markers must map to passages of this
turn, and every amount, duration, date and article number must appear in a tool result or
a cited passage — an ungrounded sentence is removed, and an answer that is mostly
ungrounded, leaks the system prompt, or never arrives (timeout, connection error, 5xx,
garbage, a tool call beyond repair, any client exception) is replaced by the offline
brain's answer for the same turn, with the reason in ``context.flags``. Sensitive
situations (self-harm, complaints, …) skip the model: the offline brain answers them with
reviewed wording and opens the hand-off they need.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages import ToolCall as LangChainToolCall
from langchain_core.messages.tool import tool_call
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool, StructuredTool
from langchain_core.utils.json import parse_partial_json
from langchain_openai import ChatOpenAI

from assistant import composer
from assistant.brains import Draft, TurnContext
from assistant.brains.offline import OfflineBrain
from assistant.guardrails.grounding import remove_sentences, ungrounded_sentences
from assistant.guardrails.injection import as_data
from assistant.guardrails.sensitive import detect_sensitive
from assistant.models import BrainName, HandoffTicket, Intent, Message
from assistant.packages.builder import ServicePackage
from assistant.packages.text import package_text
from assistant.prompts import render
from assistant.settings import Settings
from assistant.tools import Toolbox, ToolOutcome
from knowledge.chinese import split_sentences
from knowledge.regions import region_name
from knowledge.rules.errors import RuleError
from knowledge.rules.facts import coerce_fact
from knowledge.rules.models import EligibilityResult, MissingFact, ScreeningResult

__all__ = ["LEAK_RUN", "LLMBrain", "build_llm_brain"]

#: A run of this many characters of the system prompt's instructions in an answer is a leak.
LEAK_RUN = 40
#: How many missing facts one reply asks for (as the offline composer).
QUESTIONS_PER_TURN = composer.QUESTIONS_PER_TURN
#: Confidence of an answer that cites passages and passed the grounding check intact …
GROUNDED_CONFIDENCE = 0.8
#: … of one grounded in tool results without a cited passage …
TOOL_CONFIDENCE = 0.7
#: … of one that needed sentences removed, or used no tool at all.
WEAK_CONFIDENCE = 0.5

_INTENT_BY_TOOL: dict[str, Intent] = {
    "search_policies": "policy_question",
    "check_eligibility": "eligibility_check",
    "search_vacancies": "vacancy_search",
    "find_service_points": "service_points",
    "build_service_package": "service_package",
    "request_handoff": "handoff_request",
}
# Results whose text others wrote (policy documents, employers' vacancy feeds).
_UNTRUSTED_RESULTS = {"search_policies": "政策文件段落", "search_vacancies": "招聘岗位信息"}
_PLAIN_CHANNELS = frozenset({"wechat", "wecom", "rasa"})
_MARKER = re.compile(r"[\[［【]\s*(\d{1,3})\s*[\]］】]")
_BOLD = re.compile(r"\*\*|__")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.MULTILINE)
_WORDS = re.compile(r"[\w\u3400-\u9fff]")
_SPACE = re.compile(r"\s+")


class _Fallback(Exception):
    """The LLM's answer cannot be used; ``reason`` goes into the flags."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Run:
    """One turn's tool loop: the tools' outcomes and the time spent waiting for the model."""

    outcomes: list[ToolOutcome] = field(default_factory=list)
    model_ms: float = 0.0
    requests: int = 0


class LLMBrain:
    """Function calling over the toolbox, with the offline brain as the fallback."""

    name: BrainName = "llm"

    def __init__(
        self,
        chat_model: BaseChatModel,
        toolbox: Toolbox,
        offline: OfflineBrain,
        *,
        max_steps: int = 4,
        budget: float | None = None,
    ) -> None:
        """``max_steps`` bounds the model requests of one turn; ``budget`` (seconds, none by
        default) stops the loop from starting another request once a turn has used it."""
        if max_steps < 1:
            raise ValueError("max_steps must be at least 1")
        self.chat_model = chat_model
        self.toolbox = toolbox
        self.offline = offline
        self.max_steps = max_steps
        self.budget = budget

    def respond(self, context: TurnContext) -> Draft:
        skip = None
        if detect_sensitive(context.text) is not None:
            # Reviewed wording, hotline numbers and a hand-off: the offline brain's job.
            skip = "sensitive"
        elif "injection" in context.flags:
            # A message that tries to instruct the assistant never reaches the model, which
            # could obey it or call tools for it: the offline brain refuses, using no tool.
            skip = "injection"
        if skip is not None:
            context.flags.append(f"llm_skipped:{skip}")
            draft = self.offline.respond(context)
            draft.brain = "offline"
            return draft
        run = _Run()
        try:
            draft = self._respond(context, run)
        except _Fallback as fallback:
            draft = self._fallback(context, run, fallback.reason)
        finally:
            context.timings.llm_ms = run.model_ms
        return draft

    # -- the tool loop -------------------------------------------------------------------

    def _respond(self, context: TurnContext, run: _Run) -> Draft:
        started = time.perf_counter()
        instructions = render("system.j2", role=context.turn.role, channel=context.turn.channel)
        messages: list[BaseMessage] = [
            SystemMessage(instructions + "\n\n" + self._situation(context)),
            *_history(context.history),
            HumanMessage(context.text),
        ]
        tools = self.toolbox.langchain_tools(context.tools, run.outcomes.append)
        by_name = {tool.name: tool for tool in tools}
        with_tools = self.chat_model.bind_tools(tools)
        answer_now = self.chat_model.bind_tools(tools, tool_choice="none")
        reply: AIMessage | None = None
        for step in range(1, self.max_steps + 1):
            if self.budget is not None and time.perf_counter() - started > self.budget:
                break
            last = step == self.max_steps
            # The last request of a loop asks for the answer (tool_choice "none").
            reply = self._invoke(answer_now if last and step > 1 else with_tools, messages, run)
            calls = _tool_calls(reply, step)
            if not calls:
                return self._answer(context, run, reply.text, instructions)
            if last:
                break  # no request left to read the results
            messages.append(AIMessage(content=reply.content, tool_calls=calls))
            for call in calls:
                messages.append(self._run_tool(context, run, by_name, call))
        if reply is not None and reply.text.strip():
            return self._answer(context, run, reply.text, instructions)
        raise _Fallback("max_steps" if run.requests >= self.max_steps else "budget")

    def _invoke(
        self, model: Runnable[Any, Any], messages: list[BaseMessage], run: _Run
    ) -> AIMessage:
        started = time.perf_counter()
        run.requests += 1
        try:
            reply = model.invoke(messages)
        except (openai.APITimeoutError, httpx.TimeoutException, TimeoutError) as exc:
            raise _Fallback("timeout") from exc
        except (openai.APIConnectionError, httpx.TransportError) as exc:
            raise _Fallback("connection") from exc
        except openai.APIStatusError as exc:
            raise _Fallback(f"http_{exc.status_code}") from exc
        except (openai.APIResponseValidationError, ValueError, TypeError, KeyError) as exc:
            raise _Fallback("malformed") from exc  # a body that is not a chat completion
        except Exception as exc:  # langchain, openai or the endpoint: the user still gets an answer
            raise _Fallback("error") from exc
        finally:
            run.model_ms += (time.perf_counter() - started) * 1000
        if not isinstance(reply, AIMessage):
            raise _Fallback("malformed")
        return reply

    def _run_tool(
        self,
        context: TurnContext,
        run: _Run,
        tools: dict[str, BaseTool],
        call: LangChainToolCall,
    ) -> ToolMessage:
        """Runs one call through the toolbox; a bad call's error goes back to the model."""
        name, arguments = call["name"], call["args"]
        tool = tools.get(name)
        if isinstance(tool, StructuredTool) and tool.func is not None:
            content = str(tool.func(**arguments))  # records the outcome itself
            outcome = run.outcomes[-1]
        else:
            outcome = self.toolbox.call(name, arguments, context.tools)
            run.outcomes.append(outcome)
            content = json.dumps({"error": outcome.call.error}, ensure_ascii=False)
        if outcome.ok:
            self._remember(context, outcome)
            if name in _UNTRUSTED_RESULTS:
                content = as_data(content, label=_UNTRUSTED_RESULTS[name])
        return ToolMessage(content, tool_call_id=call["id"] or "", name=name)

    def _remember(self, context: TurnContext, outcome: ToolOutcome) -> None:
        """A successful check keeps the policy and the facts the model read from the user."""
        if outcome.call.name != "check_eligibility":
            return
        vocabulary = self.toolbox.rules.facts
        for name, value in dict(outcome.call.arguments.get("facts") or {}).items():
            if name in vocabulary and value is not None:
                try:
                    context.state.facts[name] = coerce_fact(vocabulary[name], value)
                except RuleError:
                    continue
        if isinstance(outcome.value, EligibilityResult):
            context.state.active_policy = outcome.value.policy_id

    # -- the answer ----------------------------------------------------------------------

    def _answer(self, context: TurnContext, run: _Run, text: str, instructions: str) -> Draft:
        text = _plain(text, context.turn.channel)
        if not _useful(text):
            raise _Fallback("empty")
        if _leaks(text, instructions):
            raise _Fallback("leak")
        text, wrong = _valid_markers(text, len(context.tools.citations))
        if wrong:
            context.flags.append(f"llm_removed_markers:{wrong}")
        text, removed = self._grounded(context, run, text)
        if removed:
            context.flags.append(f"llm_removed_sentences:{removed}")
        cited = sorted({int(n) for n in _MARKER.findall(text)})
        if cited:
            passages = [context.tools.citations[n - 1] for n in cited]
            text += "\n\n" + composer.sources_text(passages, cited)
        package = next(
            (o.value for o in run.outcomes if o.ok and isinstance(o.value, ServicePackage)), None
        )
        if package is not None:  # the package itself, as the offline brain words it
            text += "\n\n" + package_text(package)
        ticket = _ticket(run.outcomes)
        if ticket is not None and str(ticket.id) not in text:
            text += "\n\n" + composer.handoff_answer(ticket)
        questions = self._questions(context, run.outcomes)
        if removed:
            confidence = WEAK_CONFIDENCE
        elif cited:
            confidence = GROUNDED_CONFIDENCE
        elif any(o.ok for o in run.outcomes):
            confidence = TOOL_CONFIDENCE
        else:
            confidence = WEAK_CONFIDENCE
        return Draft(
            text,
            brain="llm",
            intent=self._intent(context, run.outcomes),
            outcomes=run.outcomes,
            questions=questions,
            confidence=confidence,
            handoff=ticket,
            summary=self.offline.summary(context) if context.turn.role == "agent" else None,
        )

    def _grounded(self, context: TurnContext, run: _Run, text: str) -> tuple[str, int]:
        """The answer without its ungrounded sentences, and how many were removed; falls
        back when most of it was ungrounded or nothing useful is left."""
        evidence = [
            json.dumps(o.call.result, ensure_ascii=False, default=str) for o in run.outcomes if o.ok
        ]
        evidence += [citation.quote for citation in context.tools.citations]
        evidence.append(context.tools.on_date.isoformat())  # "today", as the prompt says
        ungrounded = ungrounded_sentences(text, evidence)
        if not ungrounded:
            return text, 0
        if 2 * len(ungrounded) > len(_sentences(text)):
            raise _Fallback("ungrounded")
        kept = remove_sentences(text, [claim.sentence for claim in ungrounded]).strip()
        if not _useful(kept):
            raise _Fallback("ungrounded")
        return kept, len(ungrounded)

    def _questions(
        self, context: TurnContext, outcomes: Sequence[ToolOutcome]
    ) -> list[MissingFact]:
        checks = [o for o in outcomes if o.ok and o.call.name == "check_eligibility"]
        if not checks:
            return []
        value = checks[-1].value
        questions: list[MissingFact] = []
        if isinstance(value, EligibilityResult):
            questions = value.missing[:QUESTIONS_PER_TURN]
        elif isinstance(value, ScreeningResult):
            questions = value.next_questions[:QUESTIONS_PER_TURN]
        context.state.pending = [q.name for q in questions]
        return questions

    def _intent(self, context: TurnContext, outcomes: Sequence[ToolOutcome]) -> Intent | None:
        if _ticket(outcomes) is not None:
            return "handoff_request"
        for outcome in outcomes:
            if outcome.call.name in _INTENT_BY_TOOL:
                return _INTENT_BY_TOOL[outcome.call.name]
        understanding = self.offline.nlu.understand(
            context.text,
            pending=context.state.pending,
            active_policy=context.state.active_policy,
            today=context.tools.on_date,
        )
        return understanding.intent

    def _fallback(self, context: TurnContext, run: _Run, reason: str) -> Draft:
        """The offline brain's answer for the turn, keeping what the tool loop did."""
        context.flags.append(f"llm_fallback:{reason}")
        draft = self.offline.respond(context)
        draft.brain = "offline"
        draft.outcomes = [*run.outcomes, *draft.outcomes]
        ticket = _ticket(run.outcomes)
        if ticket is not None and draft.handoff is None:
            draft.handoff = ticket
            draft.text += "\n\n" + composer.handoff_answer(ticket)
        return draft

    # -- the prompt ----------------------------------------------------------------------

    def _situation(self, context: TurnContext) -> str:
        """What the model must know about this turn: region, day, facts, rules, vocabulary."""
        tools = context.tools
        rules = self.toolbox.rules
        return render(
            "situation.j2",
            region=tools.region,
            region_name=region_name(tools.region) or tools.region,
            today=tools.on_date.isoformat(),
            facts=json.dumps(context.state.facts, ensure_ascii=False, default=str)
            if context.state.facts
            else "",
            facts_text=composer.facts_summary(context.state.facts, rules.facts),
            active_policy=context.state.active_policy,
            rules=[(rule_id, rule.title) for rule_id, rule in rules.rules.items()],
            vocabulary=list(rules.facts.values()),
        )


def build_llm_brain(settings: Settings, offline: OfflineBrain) -> LLMBrain:
    """The LLM brain for the configured OpenAI-compatible endpoint."""
    if not settings.llm_base_url or not settings.llm_model:
        raise ValueError(
            "没有配置大模型：请设置 JIUYE_LLM_BASE_URL、JIUYE_LLM_MODEL 和 JIUYE_LLM_API_KEY"
        )
    chat_model = ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key or "not-needed",  # type: ignore[arg-type]
        timeout=settings.llm_timeout,
        max_retries=0,
        temperature=settings.llm_temperature,
    )
    return LLMBrain(
        chat_model,
        offline.toolbox,
        offline,
        max_steps=settings.llm_max_steps,
        budget=settings.llm_timeout * 2,
    )


# -- helpers -------------------------------------------------------------------------------


def _history(messages: Sequence[Message]) -> list[BaseMessage]:
    """Earlier turns (already masked); old markers are dropped, they numbered other passages."""
    history: list[BaseMessage] = []
    for message in messages:
        if message.sender == "user":
            history.append(HumanMessage(message.text))
        elif message.sender in ("assistant", "caseworker"):
            text = _MARKER.sub("", message.text)
            prefix = "（人工客服）" if message.sender == "caseworker" else ""
            history.append(AIMessage(prefix + text))
    return history


def _tool_calls(reply: AIMessage, step: int) -> list[LangChainToolCall]:
    """The reply's tool calls, with arguments the client could not parse repaired when
    possible; a call beyond repair ends the loop."""
    calls = [
        tool_call(name=c["name"], args=c["args"], id=c.get("id") or f"call_{step}_{i}")
        for i, c in enumerate(reply.tool_calls)
    ]
    for i, bad in enumerate(reply.invalid_tool_calls, start=len(calls)):
        arguments = _repair_arguments(bad.get("args"))
        if arguments is None or not bad.get("name"):
            raise _Fallback("bad_tool_call")
        calls.append(
            tool_call(name=str(bad["name"]), args=arguments, id=bad.get("id") or f"call_{step}_{i}")
        )
    return calls


def _repair_arguments(raw: str | None) -> dict[str, Any] | None:
    """Arguments JSON as models get it wrong: fenced in ```json, truncated, trailing commas."""
    text = (raw or "").strip()
    if not text:
        return {}
    text = re.sub(r"^```(?:json)?\s*|\s*```$", "", text)
    for candidate in (text, re.sub(r",\s*([}\]])", r"\1", text)):
        try:
            value = json.loads(candidate)
        except ValueError:
            try:
                value = parse_partial_json(candidate)
            except ValueError:
                continue
        if isinstance(value, dict):
            return value
    return None


def _plain(text: str, channel: str) -> str:
    """Plain text for every channel (they format it); WeChat gets no list marks either."""
    text = _HEADING.sub("", _BOLD.sub("", text)).strip()
    if channel in _PLAIN_CHANNELS:
        text = re.sub(r"^\s*[-*]\s+", "", text, flags=re.MULTILINE)
    return text


def _sentences(text: str) -> list[str]:
    """The sentences that say something, line by line (as the grounding check cuts them)."""
    return [
        line[start:end]
        for line in text.split("\n")
        for start, end in split_sentences(line)
        if _useful(line[start:end])
    ]


def _useful(text: str) -> bool:
    """Whether anything but markers and punctuation is left."""
    return bool(_WORDS.search(_MARKER.sub("", text)))


def _leaks(answer: str, instructions: str) -> bool:
    """Whether ``answer`` contains LEAK_RUN consecutive characters of the instructions
    (whitespace ignored)."""
    secret = _SPACE.sub("", instructions)
    said = _SPACE.sub("", answer)
    if len(said) < LEAK_RUN:
        return False
    runs = {secret[i : i + LEAK_RUN] for i in range(len(secret) - LEAK_RUN + 1)}
    return any(said[i : i + LEAK_RUN] in runs for i in range(len(said) - LEAK_RUN + 1))


def _valid_markers(text: str, known: int) -> tuple[str, int]:
    """Markers written as [n]; those that name no passage of this turn are removed."""
    wrong = 0

    def keep(match: re.Match[str]) -> str:
        nonlocal wrong
        number = int(match.group(1))
        if 1 <= number <= known:
            return f"[{number}]"
        wrong += 1
        return ""

    return _MARKER.sub(keep, text), wrong


def _ticket(outcomes: Sequence[ToolOutcome]) -> HandoffTicket | None:
    for outcome in outcomes:
        if outcome.ok and outcome.call.name == "request_handoff":
            value = outcome.value
            return value if isinstance(value, HandoffTicket) else None
    return None
