"""Checks one turn against its expectations: each given kind passes or says why not.

A kind that cannot be judged (nothing to compare against) fails rather than passes; the
only kinds ever skipped are Rasa ``utter`` steps naming a response the assistant lacks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from assistant.guardrails.grounding import ungrounded_sentences
from assistant.models import HandoffTicket, Reply, ToolCall
from eval.results import CheckResult
from eval.spec import CitationPattern, Expectations, VacancyExpectation
from knowledge.chinese import normalize, to_chinese_number
from knowledge.policies.models import Citation
from knowledge.regions import ancestors

__all__ = ["REFUSAL_MARKERS", "Observation", "check_turn", "check_utters", "citation_matches"]

#: What a reply that declines or does not know says (the offline brain's wording and the
#: usual wording of a model told to stay grounded).
REFUSAL_MARKERS = (
    "没有把握",
    "不能执行",
    "超出了我的服务范围",
    "没有找到",
    "没有查到",
    "未找到",
    "无法回答",
    "无法确定",
    "无法确认",
    "不知道",
    "不清楚",
    "不能确定",
    "暂无相关",
    "没有相关",
    "不能提供",
    "无法提供",
)


@dataclass(frozen=True)
class Observation:
    """What one turn produced, as the checks see it."""

    text: str  # the reply as the channel shows it (WeChat: plain text)
    reply: Reply
    latency_ms: float
    new_ticket: HandoffTicket | None  # a hand-off ticket this turn opened
    today: date
    region: str

    @property
    def calls(self) -> list[ToolCall]:
        return self.reply.tool_calls


def _norm(text: str) -> str:
    return normalize(text)


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual or expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return abs(float(expected) - float(actual)) < 1e-9
    if isinstance(expected, date) or isinstance(actual, date):  # YAML reads 2026-06-30 as a date
        return str(expected) == str(actual)
    if isinstance(expected, str) and isinstance(actual, str):
        return _norm(expected) == _norm(actual)
    return bool(expected == actual)


def _subset(expected: Any, actual: Any) -> bool:
    """``expected`` is contained in ``actual``: mappings key by key, the rest equal."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _subset(v, actual[k]) for k, v in expected.items()
        )
    return _same(expected, actual)


def _article(text: str) -> str:
    """第46条 and 第四十六条 are the same article."""
    text = _norm(text)
    return re.sub(r"第(\d+)条", lambda m: f"第{to_chinese_number(int(m.group(1)))}条", text)


def citation_matches(pattern: CitationPattern, citation: Citation) -> bool:
    if pattern.title is not None and _norm(pattern.title) not in _norm(citation.title):
        return False
    if pattern.article is not None and _article(pattern.article) != _article(
        citation.article or ""
    ):
        return False
    if pattern.path is not None:
        source = citation.source.replace("\\", "/")
        if not source.endswith(pattern.path.replace("\\", "/").lstrip("/")):
            return False
    return True


def _label(citation: Citation) -> str:
    return f"{citation.label} ({citation.source})"


def _patterns(patterns: Iterable[CitationPattern]) -> str:
    return ", ".join(
        json.dumps(p.model_dump(exclude_none=True), ensure_ascii=False) for p in patterns
    )


def _in_force(citation: Citation, today: date, region: str) -> str | None:
    """Why ``citation`` is not current law for ``region`` on ``today``, or None."""
    if citation.region not in ancestors(region):
        return f"{_label(citation)} 属于地区 {citation.region}，不适用于 {region}"
    if citation.valid_from is not None and citation.valid_from > today:
        return f"{_label(citation)} {citation.valid_from} 才施行"
    if citation.valid_to is not None and today >= citation.valid_to:
        return f"{_label(citation)} 已于 {citation.valid_to} 失效"
    return None


def _eligibility_results(calls: Iterable[ToolCall]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for call in calls:
        if call.name != "check_eligibility" or not isinstance(call.result, dict):
            continue
        result = call.result
        found.extend((result.get("results") or []) if "results" in result else [result])
    return found


def _field(result: dict[str, Any], name: str) -> tuple[bool, Any]:
    if name in result:
        return True, result[name]
    for output in result.get("outputs") or []:
        if output.get("id") == name:
            return True, output.get("value")
    return False, None


def _vacancy_matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict) and set(expected) <= {"min", "max"}:
        if not isinstance(actual, int | float):
            return False
        low, high = expected.get("min"), expected.get("max")
        return (low is None or actual >= low) and (high is None or actual <= high)
    if isinstance(actual, list):
        return any(_vacancy_matches(expected, item) for item in actual)
    if isinstance(expected, str) and isinstance(actual, str):
        return _norm(expected) in _norm(actual)
    return _same(expected, actual)


def _check_vacancies(expect: VacancyExpectation, calls: list[ToolCall]) -> str | None:
    searches = [c for c in calls if c.name == "search_vacancies" and isinstance(c.result, dict)]
    if not searches:
        return "search_vacancies was not called (or failed)"
    hits = searches[-1].result.get("hits") or []
    if expect.min is not None and len(hits) < expect.min:
        return f"{len(hits)} vacancies returned, at least {expect.min} expected"
    if expect.max is not None and len(hits) > expect.max:
        return f"{len(hits)} vacancies returned, at most {expect.max} expected"
    for hit in hits:
        for name, value in expect.all.items():
            if name not in hit:
                return f"vacancies have no field {name}"
            if not _vacancy_matches(value, hit[name]):
                shown = json.dumps(hit[name], ensure_ascii=False)
                return f"vacancy {hit.get('title')} has {name}={shown}, expected {value}"
    return None


#: A quotation in the reply (“…” or 「…」): a document's words, not the assistant's.
_QUOTATION = re.compile(r"“[^”]*”|「[^」]*」")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


def _declines(obs: Observation) -> str | None:
    """The refusal wording the reply uses, if any — in its own words: a document quoted
    ("用人单位…不能提供证据证明…"), in quotation marks or sentence for sentence as a cited
    passage has it, does not decline anything."""
    quotes = [_norm(c.quote) for c in obs.reply.citations]
    own = [
        sentence
        for sentence in _SENTENCE_END.split(_QUOTATION.sub("", _norm(obs.text)))
        if not any(sentence.strip(" 。！？!?；;\n") in quote for quote in quotes)
        or not sentence.strip(" 。！？!?；;\n")
    ]
    text = "".join(own)
    return next((m for m in REFUSAL_MARKERS if m in text), None)


def _ungrounded(obs: Observation) -> list[str]:
    """Figures (amounts, durations, dates, articles) no citation or tool result grounds."""
    evidence = [c.quote for c in obs.reply.citations] + [
        json.dumps(c.result, ensure_ascii=False, default=str) for c in obs.calls if c.result
    ]
    return [claim for s in ungrounded_sentences(obs.text, evidence) for claim in s.claims]


Check = Callable[[Any, Observation], str | None]


def _contains_all(value: list[str], obs: Observation) -> str | None:
    missing = [s for s in value if _norm(s) not in _norm(obs.text)]
    return f"missing {missing} in reply" if missing else None


def _contains_any(value: list[str], obs: Observation) -> str | None:
    return None if any(_norm(s) in _norm(obs.text) for s in value) else f"none of {value} in reply"


def _not_contains(value: list[str], obs: Observation) -> str | None:
    found = [s for s in value if _norm(s) in _norm(obs.text)]
    return f"reply contains {found}" if found else None


def _regex(value: str, obs: Observation) -> str | None:
    return None if re.search(value, obs.text) else f"/{value}/ does not match the reply"


def _called(obs: Observation) -> list[str]:
    return [c.name for c in obs.calls]


def _tool(value: str, obs: Observation) -> str | None:
    return (
        None if value in _called(obs) else f"{value} not called (called: {_called(obs) or 'none'})"
    )


def _tools(value: list[str], obs: Observation) -> str | None:
    missing = [name for name in value if name not in _called(obs)]
    return f"{missing} not called (called: {_called(obs) or 'none'})" if missing else None


def _no_tool(value: list[str], obs: Observation) -> str | None:
    called = [name for name in value if name in _called(obs)]
    return f"{called} called" if called else None


def _tool_args_check(expect: Expectations) -> Check:
    names = [expect.tool] if expect.tool else (expect.tools or [])

    def check(value: dict[str, Any], obs: Observation) -> str | None:
        calls = [c for c in obs.calls if not names or c.name in names]
        if not calls:
            return f"no call of {names or 'any tool'}"
        if any(_subset(value, c.arguments) for c in calls):
            return None
        seen = "; ".join(f"{c.name}{json.dumps(c.arguments, ensure_ascii=False)}" for c in calls)
        return f"no call had {json.dumps(value, ensure_ascii=False)} (calls: {seen})"

    return check


def _cites_any(value: list[CitationPattern], obs: Observation) -> str | None:
    if any(citation_matches(p, c) for p in value for c in obs.reply.citations):
        return None
    cited = ", ".join(_label(c) for c in obs.reply.citations) or "nothing"
    return f"no citation matches {_patterns(value)} (cited: {cited})"


def _cites_none(value: list[CitationPattern], obs: Observation) -> str | None:
    bad = [_label(c) for c in obs.reply.citations if any(citation_matches(p, c) for p in value)]
    return f"cited {', '.join(bad)}" if bad else None


def _cites_current_only(value: bool, obs: Observation) -> str | None:
    problems = [p for c in obs.reply.citations if (p := _in_force(c, obs.today, obs.region))]
    if value:
        return "; ".join(problems) if problems else None
    return None if problems else "every citation is current"


def _handoff(value: bool, obs: Observation) -> str | None:
    if value and obs.new_ticket is None:
        return "no hand-off ticket was created in this turn"
    if not value and obs.new_ticket is not None:
        return f"hand-off ticket {obs.new_ticket.id} ({obs.new_ticket.reason}) was created"
    return None


def _handoff_reason(value: str, obs: Observation) -> str | None:
    if obs.new_ticket is None:
        return "no hand-off ticket was created in this turn"
    return None if obs.new_ticket.reason == value else f"reason is {obs.new_ticket.reason}"


def _refusal(value: bool, obs: Observation) -> str | None:
    declines = _declines(obs)
    if not value:
        return f"the reply declines ({declines})" if declines else None
    if declines is None:
        return "the reply neither declines nor says it does not know"
    ungrounded = _ungrounded(obs)
    return f"states figures no source grounds: {', '.join(ungrounded)}" if ungrounded else None


def _facts(value: dict[str, Any], obs: Observation) -> str | None:
    facts = obs.reply.facts
    wrong = {k: facts.get(k) for k, v in value.items() if k not in facts or not _same(v, facts[k])}
    return f"facts differ: {json.dumps(wrong, ensure_ascii=False, default=str)}" if wrong else None


def _facts_set(value: list[str], obs: Observation) -> str | None:
    missing = [name for name in value if name not in obs.reply.facts]
    return f"facts not set: {missing}" if missing else None


def _eligibility(value: Any, obs: Observation) -> str | None:
    results = [r for r in _eligibility_results(obs.calls) if r.get("policy_id") == value.policy]
    if not results:
        return f"{value.policy} was not checked in this turn"
    problems = []
    for result in results:
        wrong = [f"status {result.get('status')}"] if result.get("status") != value.result else []
        for name, expected in value.fields.items():
            present, actual = _field(result, name)
            if not present:
                wrong.append(f"no field {name}")
            elif not _same(expected, actual):
                wrong.append(f"{name}={actual}")
        if not wrong:
            return None
        problems.append(", ".join(wrong))
    return f"{value.policy}: expected {value.result}, got {' / '.join(problems)}"


def _latency(value: float, obs: Observation) -> str | None:
    return None if obs.latency_ms <= value else f"took {obs.latency_ms:.0f} ms > {value:.0f} ms"


def check_turn(expect: Expectations, obs: Observation) -> list[CheckResult]:
    """One result per expectation kind given, in the order of the spec's table."""
    checks: dict[str, Check] = {
        "contains_all": _contains_all,
        "contains_any": _contains_any,
        "not_contains": _not_contains,
        "regex": _regex,
        "tool": _tool,
        "tools": _tools,
        "tool_args": _tool_args_check(expect),
        "no_tool": _no_tool,
        "cites_any": _cites_any,
        "cites_none": _cites_none,
        "cites_current_only": _cites_current_only,
        "handoff": _handoff,
        "handoff_reason": _handoff_reason,
        "refuses": _refusal,
        "facts": _facts,
        "facts_set": _facts_set,
        "eligibility": _eligibility,
        "vacancies": lambda value, o: _check_vacancies(value, o.calls),
        "max_latency_ms": _latency,
    }
    results = []
    for kind in expect.kinds():
        value = getattr(expect, kind)
        why = checks[kind](value, obs)
        results.append(
            CheckResult(kind=kind, passed=why is None, detail=why or "", expected=_plain(value))
        )
    return results


def _plain(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json", exclude_none=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def check_utters(utters: list[str], reply: Reply) -> list[CheckResult]:
    """Rasa ``utter`` steps: ``utter_ask_<fact>`` is the reply asking for that fact; any
    other response name is one the assistant does not have: skipped, and reported."""
    asked = {f"utter_ask_{q.name}" for q in reply.questions}
    results = []
    for name in utters:
        if name.startswith("utter_ask_"):
            passed = name in asked
            detail = "" if passed else f"{name}: the reply asks for {sorted(asked) or 'nothing'}"
            results.append(CheckResult(kind="utter", passed=passed, detail=detail, expected=name))
        else:
            detail = f"{name}: the assistant has no response of this name; not checked"
            results.append(CheckResult(kind="utter", passed=None, detail=detail, expected=name))
    return results
