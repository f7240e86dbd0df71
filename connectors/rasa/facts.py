"""Fact slots: Rasa slots named after the fact vocabulary (knowledge/rules/facts.yaml).

A slot's value is whatever the user or Rasa's mapping put there ("35", "35岁", "是",
"毕业年度的高校毕业生"); this module turns it into the vocabulary's type, or says in
Chinese why it cannot, so the calculator only ever sees checked facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from assistant.nlu import NLU
from knowledge.rules.errors import FactValueError
from knowledge.rules.facts import coerce_fact
from knowledge.rules.models import FactDefinition

__all__ = ["FactProblem", "read_fact", "read_fact_slots", "slot_value"]


class FactProblem(ValueError):
    """A slot value that is not a usable fact; the message is for the user."""


def read_fact(
    definition: FactDefinition, value: Any, nlu: NLU | None = None, *, today: date | None = None
) -> Any:
    """``value`` in the fact's type; an enum's Chinese label counts as its code, and free
    text ("我今年35岁") is read by the NLU as the answer to the fact's question."""
    if definition.values and isinstance(value, str):
        by_label = {label: code for code, label in definition.values.items()}
        value = by_label.get(value.strip(), value)
    try:
        return coerce_fact(definition, value)
    except FactValueError as exc:
        reason = exc.reason
    if nlu is not None and isinstance(value, str) and value.strip():
        heard = nlu.understand(value, pending=[definition.name], today=today).facts
        if definition.name in heard:
            try:
                return coerce_fact(definition, heard[definition.name])
            except FactValueError as exc:
                reason = exc.reason
    raise FactProblem(f"“{value}”不是有效的{definition.label}：{reason}。")


def slot_value(value: Any) -> Any:
    """A fact as a slot holds it (JSON): dates as ISO text."""
    return value.isoformat() if isinstance(value, date) else value


def read_fact_slots(
    slots: Mapping[str, Any], vocabulary: Mapping[str, FactDefinition], nlu: NLU | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The facts set in ``slots`` (typed) and the problems of those that are not usable;
    with ``nlu``, free-text values are read as answers (see :func:`read_fact`)."""
    facts: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, definition in vocabulary.items():
        value = slots.get(name)
        if value is None or value == "":
            continue
        try:
            facts[name] = read_fact(definition, value, nlu)
        except FactProblem as exc:
            problems[name] = str(exc)
    return facts, problems
