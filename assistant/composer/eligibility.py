"""Eligibility answers: the calculator's conclusion, its legal basis, and the questions
still to ask."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assistant.models import Role
from knowledge.rules.models import (
    EligibilityResult,
    FactDefinition,
    MissingFact,
    ScreeningResult,
)

__all__ = [
    "QUESTIONS_PER_TURN",
    "eligibility_answer",
    "inferred_text",
    "questions_text",
    "questions_to_ask",
    "screening_answer",
]

#: How many missing facts one reply asks for: one plain question at a time.
QUESTIONS_PER_TURN = 1
#: A choice offers at most this many options; the rest may be said in words.
MAX_OPTIONS = 5

# Who the eligibility answers are about.
_SUBJECT: dict[Role, str] = {"job_seeker": "您", "employer": "贵单位", "agent": "来电人"}
# Notes of the engine that the figures already carry ("1234元（示例数据）").
_SAMPLE_NOTE = "示例数据"


def questions_to_ask(missing: Sequence[MissingFact]) -> list[MissingFact]:
    """The next question, in the engine's order (the one that settles most)."""
    return list(missing[:QUESTIONS_PER_TURN])


def questions_text(questions: Sequence[MissingFact]) -> str:
    """The questions in plain words; a choice lists at most ``MAX_OPTIONS`` options, the
    last inviting the person to say another in their own words."""
    lines = []
    for i, fact in enumerate(questions, start=1):
        options = ""
        if fact.values:
            labels = list(fact.values.values())
            if len(labels) > MAX_OPTIONS:
                labels = [*labels[: MAX_OPTIONS - 1], "其他情形请直接告诉我"]
            options = "（" + "；".join(labels) + "）"
        prefix = f"{i}. " if len(questions) > 1 else ""
        lines.append(f"{prefix}{fact.question}{options}")
    return "\n".join(lines)


def _local(result: EligibilityResult) -> str:
    """An amount the region sets, not known here: where to ask."""
    where = result.apply.where.split("；")[0] if result.apply else "当地人社部门"
    return f"以当地公布的标准为准，可向{where}咨询"


def _fact_words(name: str, value: Any, vocabulary: Mapping[str, FactDefinition]) -> str:
    """A fact as said back: "累计缴纳失业保险费年限7年", "已重新就业：否"."""
    definition = vocabulary.get(name)
    if definition is None:
        return ""
    if isinstance(value, bool):
        return f"“{definition.label}：{'是' if value else '否'}”"
    if definition.values and str(value) in definition.values:
        return f"{definition.label}为“{definition.values[str(value)]}”"
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{definition.label}{shown}{definition.unit or ''}"


def _decided(
    result: EligibilityResult, subject: str, vocabulary: Mapping[str, FactDefinition]
) -> list[str]:
    """The amounts and durations the facts given already decide, said first."""
    lines = []
    for output in result.outputs:
        if output.value is None:
            if output.set_locally:
                lines.append(f"{result.title}的{output.label}：{_local(result)}。")
            continue
        facts = "、".join(
            w for w in (_fact_words(n, v, vocabulary) for n, v in output.inputs.items()) if w
        )
        basis = f"按{subject}{facts}，" if facts else ""
        lines.append(
            f"{basis}{result.title}的{output.label}是{output.shown()}（{output.source.label}）。"
        )
    return lines


def inferred_text(
    inferred: Mapping[str, tuple[str, Any]], vocabulary: Mapping[str, FactDefinition]
) -> str:
    """What was inferred from the person's words, said so they can correct it."""
    parts = [
        f"根据您说的“{words}”，我先按{_fact_words(name, value, vocabulary)}来算"
        for name, (words, value) in inferred.items()
        if name in vocabulary
    ]
    return "；".join(parts) + "，如果不对请告诉我。" if parts else ""


def eligibility_answer(
    result: EligibilityResult,
    role: Role,
    *,
    vocabulary: Mapping[str, FactDefinition] | None = None,
    inferred: Mapping[str, tuple[str, Any]] | None = None,
) -> tuple[str, list[MissingFact]]:
    """The check's conclusion with its legal basis. While facts are missing: the figures
    already decided, what was inferred, then one plain question."""
    subject = _SUBJECT[role]
    vocabulary = vocabulary or {}
    said_back = inferred_text(inferred or {}, vocabulary)
    if result.status in ("ended", "not_yet"):
        return f"关于{result.title}：" + "".join(result.notes), []
    if result.status == "need_more_facts":
        questions = questions_to_ask(result.missing)
        said = _decided(result, subject, vocabulary)
        if said_back:
            said.append(said_back)
        ask = "要确认" if said else "要判断"
        said.append(
            f"{ask}{subject}能否享受{result.title}，还需要了解：{questions_text(questions)}"
        )
        return "\n".join(said), questions
    lines: list[str] = []
    if result.status == "eligible":
        lines.append(f"按{subject}提供的情况，符合{result.title}的条件。")
        for output in result.outputs:
            shown = output.shown() if output.value is not None else _local(result)
            lines.append(f"· {output.label}：{shown}（{output.source.label}）")
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
    if said_back:
        lines.append(said_back)
    lines += [note for note in result.notes if _SAMPLE_NOTE not in note]
    return "\n".join(lines), []


def screening_answer(screen: ScreeningResult, role: Role) -> tuple[str, list[MissingFact]]:
    """Every policy of the role at a glance, then the next question (a yes/no or a short
    choice before a long one)."""
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
    short = [q for q in screen.next_questions if not q.values or len(q.values) <= MAX_OPTIONS]
    questions = questions_to_ask(short or screen.next_questions)
    if questions:
        lines.append("为了算得更准，请告诉我：\n" + questions_text(questions))
    return "\n".join(lines), questions
