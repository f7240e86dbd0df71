"""Eligibility answers: the calculator's conclusion, its legal basis, and the questions
still to ask."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
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
    "plain_note",
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


def _person(role: Role) -> str:
    """Whom the facts asked about are of, as the reader says it: the caller for a hotline
    agent ("来电人现在已经重新就业了吗？"), else the reader ("您")."""
    return _SUBJECT[role] if role == "agent" else "您"


# Notes of the engine that the figures already carry ("1234元（示例数据）").
_SAMPLE_NOTE = "示例数据"
# What rule authors note for staff ("待核实：…") is never shown to the person.
_STAFF_MARK = "待核实"
_STAFF_ASIDE = re.compile(r"[（(][^（）()]*待核实[^（）()]*[）)]")
# Options that mean "none of these": not listed when the list would be too long.
_NONE_OPTIONS = ("none", "other")


def questions_to_ask(missing: Sequence[MissingFact]) -> list[MissingFact]:
    """The next question, in the engine's order (the one that settles most)."""
    return list(missing[:QUESTIONS_PER_TURN])


def questions_text(questions: Sequence[MissingFact], person: str = "您") -> str:
    """The questions in plain words; a choice lists at most ``MAX_OPTIONS`` options. When
    there are more, the fact's open question (a few examples, answered in one's own words)
    is asked instead, or the first options with an invitation to say another. ``person``:
    whom they are about, as the reader says it ("来电人" for a hotline agent)."""
    lines = []
    for i, fact in enumerate(questions, start=1):
        question, options = fact.question, ""
        if fact.values:
            labels = list(fact.values.values())
            if len(labels) > MAX_OPTIONS:
                # "以上都不是" can be said without being offered.
                labels = [v for k, v in fact.values.items() if k not in _NONE_OPTIONS]
            if len(labels) > MAX_OPTIONS and fact.open_question:
                # In plain words, a few examples, the person's own words welcome.
                question = fact.open_question
                examples = "；".join(labels[: MAX_OPTIONS - 1])
                options = f"（比如：{examples}；也可以直接说说您的情况）"
            elif len(labels) > MAX_OPTIONS:
                labels = [*labels[: MAX_OPTIONS - 1], "其他情形请直接告诉我"]
                options = "（" + "；".join(labels) + "）"
            else:
                options = "（" + "；".join(labels) + "）"
        prefix = f"{i}. " if len(questions) > 1 else ""
        lines.append(f"{prefix}{question}{options}")
    return "\n".join(lines).replace("您", person)


def plain_note(note: str | None) -> str:
    """A rule's note as the person may read it: what is noted for staff (待核实) left out."""
    if not note:
        return ""
    text = _STAFF_ASIDE.sub("", note)
    parts = [p.strip() for p in re.split(r"[；;]", text) if p.strip()]
    kept = [p.rstrip("。") for p in parts if _STAFF_MARK not in p]
    return "；".join(kept) + "。" if kept else ""


def _local(result: EligibilityResult) -> str:
    """An amount the region sets, not known here: where to ask."""
    return f"以当地公布的标准为准，可向{_where(result)}咨询"


def _where(result: EligibilityResult) -> str:
    return result.apply.where.split("；")[0] if result.apply else "当地人社部门"


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
        if output.value is None and not output.set_locally:
            continue
        facts = "、".join(
            w for w in (_fact_words(n, v, vocabulary) for n, v in output.inputs.items()) if w
        )
        basis = f"按{subject}{facts}，" if facts else ""
        if output.value is None:
            lines.append(f"{basis}{result.title}的{output.label}：{_local(result)}。")
            continue
        lines.append(
            f"{basis}{result.title}的{output.label}是{output.shown()}（{output.source.label}）。"
        )
    return lines


def _met_now(result: EligibilityResult, said: Collection[str]) -> str:
    """The conditions the facts just given settle in the person's favour, said as met."""
    met = [
        step
        for step in result.trace
        if step.outcome == "met"
        and step.values
        and all(v is not None for v in step.values.values())
        and set(step.values) & set(said)
    ]
    if not met:
        return ""
    labels = "；".join(step.label for step in met)
    sources = "、".join(dict.fromkeys(step.source.label for step in met))
    return f"已经符合的条件：{labels}（{sources}）。"


def inferred_text(
    inferred: Mapping[str, tuple[str, Any]],
    vocabulary: Mapping[str, FactDefinition],
    person: str = "您",
) -> str:
    """What was inferred from the person's words, said so they can correct it."""
    parts = [
        f"根据{person}说的“{words}”，我先按{_fact_words(name, value, vocabulary)}来算"
        for name, (words, value) in inferred.items()
        if name in vocabulary
    ]
    return "；".join(parts) + "，如果不对请告诉我。" if parts else ""


def _outputs_lines(result: EligibilityResult) -> list[str]:
    """Each amount or duration of a settled check, with what the person should know of it."""
    lines = []
    for output in result.outputs:
        if output.value is None and not output.set_locally:
            continue  # waits for a fact still to be asked
        note = plain_note(output.note)
        shown = output.shown() if output.value is not None else _local(result)
        extra = f"。{note.rstrip('。')}" if note else ""
        lines.append(f"· {output.label}：{shown}（{output.source.label}）{extra}")
    return lines


def eligibility_answer(
    result: EligibilityResult,
    role: Role,
    *,
    vocabulary: Mapping[str, FactDefinition] | None = None,
    inferred: Mapping[str, tuple[str, Any]] | None = None,
    said: Collection[str] = (),
) -> tuple[str, list[MissingFact]]:
    """The check's conclusion with its legal basis. While facts are missing: the figures
    already decided, the conditions the facts just ``said`` meet, what was inferred, then
    one plain question."""
    subject = _SUBJECT[role]
    vocabulary = vocabulary or {}
    person = _person(role)
    said_back = inferred_text(inferred or {}, vocabulary, person)
    if result.status in ("ended", "not_yet"):
        text = f"关于{result.title}：" + "".join(result.notes)
        if result.status == "ended":
            text += (
                f"是否延续、有没有新一年的政策，以当地人社部门公布的通知为准，"
                f"可以向{_where(result)}咨询，或拨打12333。"
            )
        return text, []
    if result.status == "need_more_facts":
        questions = questions_to_ask(result.missing)
        lines = _decided(result, subject, vocabulary)
        met = _met_now(result, said)
        if met:
            lines.append(met)
        if said_back:
            lines.append(said_back)
        waiting = [o.label for o in result.outputs if o.value is None and not o.set_locally]
        if all(step.outcome == "met" for step in result.trace) and waiting:
            # Every condition is met; a figure still waits for a fact: ask for that fact,
            # without declaring "符合" before the figure can be said.
            ask = f"要算出{'、'.join(waiting)}"
        else:
            ask = f"{'要确认' if lines else '要判断'}{subject}能否享受{result.title}"
        lines.append(f"{ask}，还需要了解：{questions_text(questions, person)}")
        return "\n".join(lines), questions
    lines = []
    if result.status == "eligible":
        lines.append(f"按{subject}提供的情况，符合{result.title}的条件，{subject}可以申请。")
        lines += _outputs_lines(result)
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
        lines.append("为了算得更准，请告诉我：\n" + questions_text(questions, _person(role)))
    return "\n".join(lines), questions
