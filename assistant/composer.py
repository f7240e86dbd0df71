"""The offline answer composer: turns tool results into plain Chinese, grounded replies.

Every figure, date and condition in a composed answer is copied from a tool result — a
cited passage, an eligibility result, a vacancy — so the composer cannot invent one. Policy
answers name the document and article, quote the decisive sentence and list the sources;
hotline agents get the decisive passages and a one-line summary as well.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from assistant.models import HandoffTicket, Role
from connectors.service_points.models import ServicePointHit
from connectors.vacancies.search import VacancyResults
from knowledge.chinese import split_sentences, tokenize
from knowledge.policies.models import Citation
from knowledge.rules.models import (
    EligibilityResult,
    FactDefinition,
    MissingFact,
    ScreeningResult,
)
from knowledge.terms import expand_query

__all__ = [
    "LOW_SUPPORT",
    "decisive_sentence",
    "eligibility_answer",
    "facts_summary",
    "handoff_answer",
    "policy_answer",
    "questions_text",
    "questions_to_ask",
    "screening_answer",
    "service_points_answer",
    "sources_text",
    "unsure_answer",
    "vacancies_answer",
]

#: Below this support (PolicyRetriever.support) a passage does not answer the question.
LOW_SUPPORT = 0.4
#: A sentence that introduces a list takes the list's lines up to this length.
_LEAD_IN_LIMIT = 240
#: How many missing facts one reply asks for.
QUESTIONS_PER_TURN = 2

# Units as they are said after a number: 18个月, not 18月.
# "（《中华人民共和国社会保险法》第四十六条第（一）项）" written inside explainer text.
_INLINE_SOURCE = re.compile(r"[（(]《([^《》]+)》(第[^，,。；;（）()]*?条)?[^（）()]*[）)]")
_SOURCE_CELL = re.compile(r"^《[^《》]+》(?:第[^，,。]*条)?$")
_LIST_ITEM = re.compile(r"^\s*(?:\||[-*+]\s|\d+[.、)）]\s*)")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}")
_MARKDOWN = re.compile(r"^[#>\-*\d.\s]+|\*\*")


def _clean(sentence: str) -> str:
    """A sentence as people read it: no Markdown marks, table cells joined (a cell that
    names a source becomes an inline source of the row)."""
    if sentence.startswith("|"):
        cells = [c.strip() for c in sentence.strip("|").split("|") if c.strip()]
        sentence = ""
        for cell in cells:
            if _SOURCE_CELL.match(cell):
                sentence += f"（{cell}）"
            else:
                sentence += ("，" if sentence else "") + cell
    return _MARKDOWN.sub("", sentence).strip()


def _sentences(quote: str) -> list[str]:
    """The passage's sentences, line by line so that list items and table rows stay whole."""
    found: list[str] = []
    lead_in = False  # the last sentence ends with "：" and the list or table below completes it
    for raw in quote.splitlines():
        if not raw.strip() or _TABLE_RULE.match(raw.strip()):
            continue
        line = _clean(raw)
        if lead_in and _LIST_ITEM.match(raw) and len(found[-1]) < _LEAD_IN_LIMIT:
            found[-1] += ("" if found[-1].endswith(("：", ":")) else "；") + line.strip("。；;")
            continue
        lead_in = False
        if len(line) < 6:
            continue
        found += [line[start:end].strip("。；;") for start, end in split_sentences(line)]
        lead_in = line.endswith(("：", ":"))
    return [sentence for sentence in found if len(sentence) >= 6]


def decisive_sentence(query: str, citation: Citation) -> tuple[str, str]:
    """The sentence of a passage that best answers ``query`` and the legal basis it names:
    (sentence without its inline source, "《社会保险法》第四十六条" or the passage label)."""
    words = set(tokenize(expand_query(query)))
    best, best_score = citation.quote.strip(), -1.0
    for sentence in _sentences(citation.quote):
        found = set(tokenize(sentence))
        score = sum(len(w) for w in words & found) + (0.5 if _INLINE_SOURCE.search(sentence) else 0)
        if score > best_score:
            best, best_score = sentence, score
    source = _INLINE_SOURCE.search(best)
    if source:
        basis = f"《{source.group(1)}》{source.group(2) or ''}"
        best = _INLINE_SOURCE.sub("", best).rstrip("，,；; ")
    else:
        basis = citation.label
    return best.rstrip("。") + "。", basis


def _validity(citation: Citation) -> str:
    if citation.valid_from and citation.valid_to:
        return f"{citation.valid_from.isoformat()} 至 {citation.valid_to.isoformat()} 有效"
    if citation.valid_from:
        return f"{citation.valid_from.isoformat()} 起施行"
    return "现行有效"


def sources_text(citations: Sequence[Citation], markers: Sequence[int] | None = None) -> str:
    """The numbered source list under an answer."""
    numbers = markers or range(1, len(citations) + 1)
    lines = [
        f"[{n}] {c.label}{'（' + c.chapter + '）' if c.chapter and not c.article else ''}"
        f"（{_validity(c)}）"
        for n, c in zip(numbers, citations, strict=True)
    ]
    return "来源：\n" + "\n".join(lines)


def policy_answer(
    query: str, citations: Sequence[Citation], markers: Sequence[int], role: Role
) -> str:
    """A grounded answer: what the best passages say, with document and article."""
    first, basis = decisive_sentence(query, citations[0])
    lines = [f"根据{basis}：“{first}”[{markers[0]}]"]
    if role == "agent":
        lines = [f"建议答复：根据{basis}，{first}[{markers[0]}]", "", "关键原文："]
        for citation, marker in list(zip(citations, markers, strict=True))[:2]:
            sentence, source = decisive_sentence(query, citation)
            lines.append(f"[{marker}] {source}：“{sentence}”")
    elif len(citations) > 1 and role == "employer":
        second, basis2 = decisive_sentence(query, citations[1])
        if second != first:
            lines.append(f"另外，根据{basis2}：“{second}”[{markers[1]}]")
    return "\n".join(lines) + "\n\n" + sources_text(citations[:3], markers[:3])


def unsure_answer(
    citations: Sequence[Citation], markers: Sequence[int], *, offer_caseworker: bool = True
) -> str:
    """Low confidence: say so, show the closest sources, offer a caseworker."""
    text = "这个问题我没有把握准确回答，不想给您不准确的信息。"
    if citations:
        text += "知识库里最接近的资料是：\n" + sources_text(citations[:3], markers[:3])[4:]
    if offer_caseworker:
        text += "\n\n如需进一步帮助，可以回复“转人工”，由工作人员为您解答。"
    return text


# Who the eligibility answers are about.
_SUBJECT: dict[Role, str] = {"job_seeker": "您", "employer": "贵单位", "agent": "来电人"}
# How a fact is answered: two questions are asked together only when their answers cannot
# be mistaken for each other ("是的" answers one yes/no question, not two).
_ANSWER_KIND = {"bool": "yes_no", "int": "number", "float": "number", "date": "date"}


def questions_to_ask(missing: Sequence[MissingFact]) -> list[MissingFact]:
    """The next one or two questions, in the engine's order."""
    if not missing:
        return []
    first, *rest = missing
    kind = _ANSWER_KIND.get(first.type, "choice")
    for second in rest[: QUESTIONS_PER_TURN - 1]:
        if _ANSWER_KIND.get(second.type, "choice") != kind:
            return [first, second]
    return [first]


def questions_text(questions: Sequence[MissingFact]) -> str:
    lines = []
    for i, fact in enumerate(questions, start=1):
        options = ""
        if fact.values:
            options = "（" + "；".join(f"{label}" for label in fact.values.values()) + "）"
        prefix = f"{i}. " if len(questions) > 1 else ""
        lines.append(f"{prefix}{fact.question}{options}")
    return "\n".join(lines)


def eligibility_answer(result: EligibilityResult, role: Role) -> tuple[str, list[MissingFact]]:
    """The check's conclusion with its legal basis; asks for at most two missing facts."""
    subject = _SUBJECT[role]
    if result.status in ("ended", "not_yet"):
        return f"关于{result.title}：" + "".join(result.notes), []
    if result.status == "need_more_facts":
        questions = questions_to_ask(result.missing)
        met = [t for t in result.trace if t.outcome == "met"]
        known = f"目前已确认：{'；'.join(t.label for t in met)}。\n" if met else ""
        return (
            f"要判断{subject}能否享受{result.title}，{known}还需要了解：\n"
            + questions_text(questions),
            questions,
        )
    lines: list[str] = []
    if result.status == "eligible":
        lines.append(f"按{subject}提供的情况，符合{result.title}的条件。")
        for output in result.outputs:
            lines.append(f"· {output.label}：{output.shown()}（{output.source.label}）")
        if result.apply:
            lines.append(f"怎么申请：{result.apply.where}")
            if result.apply.materials:
                lines.append(f"需要带：{'、'.join(result.apply.materials)}")
    else:
        lines.append(f"按{subject}提供的情况，暂不符合{result.title}的条件：")
        for step in result.trace:
            if step.outcome == "not_met":
                lines.append(f"· {step.explanation.split('[')[0]}（{step.source.label}）")
        lines.append("如果情况有变化，可以告诉我新的情况重新计算；有特殊情况可回复“转人工”。")
    lines += [note for note in result.notes]
    return "\n".join(lines), []


def screening_answer(screen: ScreeningResult, role: Role) -> tuple[str, list[MissingFact]]:
    """Every policy of the role at a glance, then the next one or two questions."""
    eligible = [r for r in screen.results if r.status == "eligible"]
    possible = [r for r in screen.results if r.status == "need_more_facts"]
    subject = _SUBJECT[role]
    lines = []
    if eligible:
        lines.append(f"按目前的情况，{subject}可以申请：")
        for result in eligible:
            amounts = "；".join(f"{o.label}{o.shown()}" for o in result.outputs if o.value)
            lines.append(f"· {result.title}{'（' + amounts + '）' if amounts else ''}")
    if possible:
        titles = "、".join(r.title for r in possible)
        lines.append(f"{subject}还可能适用（需要再了解一些情况）：{titles}")
    if not eligible and not possible:
        lines.append(f"按目前的情况，{subject}暂不符合已收录政策的条件。")
    questions = questions_to_ask(screen.next_questions)
    if questions:
        lines.append("为了算得更准，请告诉我：\n" + questions_text(questions))
    return "\n".join(lines), questions


def vacancies_answer(results: VacancyResults, query: str | None) -> str:
    if not results.hits:
        what = f"“{query}”相关的" if query else ""
        return f"暂时没有找到符合条件的{what}岗位。可以换个关键词，或放宽工资、区域等条件再试。"
    lines = [f"为您找到 {results.total} 个符合条件的岗位，先列出 {len(results.hits)} 个："]
    for i, hit in enumerate(results.hits, start=1):
        distance = f"，距您约{hit.distance_km:.1f}公里" if hit.distance_km is not None else ""
        lines.append(f"{i}. {hit.title}｜{hit.employer}｜{hit.salary}｜{hit.place}{distance}")
        lines.append(f"   {hit.how_to_apply}")
    return "\n".join(lines)


def service_points_answer(hits: Sequence[ServicePointHit]) -> str:
    if not hits:
        return "附近没有找到公共就业服务网点。可以告诉我您所在的区，或拨打12333咨询。"
    lines = ["离您较近的公共就业服务网点："]
    for i, hit in enumerate(hits, start=1):
        point = hit.point
        walk = f"，步行约{hit.walking_minutes}分钟" if hit.walking_minutes is not None else ""
        lines.append(f"{i}. {point.name}（{point.kind}）{point.address}{walk}")
        extra = "；".join(p for p in (point.hours, point.phone and f"电话 {point.phone}") if p)
        if extra:
            lines.append(f"   {extra}")
    return "\n".join(lines)


def handoff_answer(ticket: HandoffTicket) -> str:
    return (
        f"已为您转接人工服务（工单号 {ticket.id}），工作人员会尽快在这里回复您。"
        "在此期间您发的消息都会转给工作人员。"
    )


def facts_summary(facts: Mapping[str, Any], vocabulary: Mapping[str, FactDefinition]) -> str:
    """One line describing what is known about the person, in the fact labels' words."""
    parts = []
    for name, value in facts.items():
        definition = vocabulary.get(name)
        if definition is None:
            continue
        if isinstance(value, bool):
            parts.append(f"{definition.label}：{'是' if value else '否'}")
        elif definition.values and str(value) in definition.values:
            parts.append(f"{definition.label}：{definition.values[str(value)]}")
        else:
            shown = f"{value:g}" if isinstance(value, float) else str(value)
            parts.append(f"{definition.label}：{shown}{definition.unit or ''}")
    return "；".join(parts)
