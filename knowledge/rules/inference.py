"""Facts that other facts settle: what a careful caseworker infers instead of asking.

The inferences are data (``inferences.yaml``): each fills facts with constants or formula
values while its condition holds, in the condition language of the rule files. Unknown
facts leave a condition undecided and nothing is inferred from it. What was inferred is
reported with the facts it rests on, so the assistant can say so and the person can
correct it; an inference whose condition a later fact makes false is withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from knowledge.rules.conditions import parse_condition
from knowledge.rules.errors import FactValueError, RuleError, RuleFileError
from knowledge.rules.facts import coerce_fact
from knowledge.rules.models import FactDefinition

__all__ = ["INFERENCES_FILE", "FactInference", "Inferred", "complete_facts", "load_inferences"]

INFERENCES_FILE = Path(__file__).resolve().parent / "inferences.yaml"
#: Inferences may build on each other (a startup group, then the applicant): at most this
#: many rounds.
_ROUNDS = 4


class FactInference(BaseModel):
    """One entry of ``inferences.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: str
    set: dict[str, Any] = Field(default_factory=dict)
    compute: dict[str, str] = Field(default_factory=dict)
    speakers: list[str] | None = None
    basis: str | None = None

    def targets(self) -> list[str]:
        return [*self.set, *self.compute]


@dataclass
class Inferred:
    """The facts completed: the whole set, what was added (with the facts each rests on)
    and what was withdrawn."""

    facts: dict[str, Any]
    added: dict[str, list[str]] = field(default_factory=dict)
    withdrawn: list[str] = field(default_factory=list)


def load_inferences(
    vocabulary: Mapping[str, FactDefinition], path: Path = INFERENCES_FILE
) -> list[FactInference]:
    """The inferences of ``path``, checked against the vocabulary."""
    from knowledge.rules.loader import read_rule_yaml

    data = read_rule_yaml(path)
    if not isinstance(data, list):
        raise RuleFileError(str(path), None, "应是推断规则的列表")
    inferences = []
    for i, item in enumerate(data):
        line = getattr(item, "line", None)
        try:
            inference = FactInference.model_validate(item)
            condition = parse_condition(inference.when)
            names = set(condition.facts) | set(inference.targets())
            for expression in inference.compute.values():
                names |= parse_condition(expression).facts
            unknown = sorted(names - vocabulary.keys())
            if unknown:
                raise RuleFileError(str(path), line, f"第{i + 1}条：不在情况项词表中 {unknown}")
            for name, value in inference.set.items():
                coerce_fact(vocabulary[name], value)
        except (RuleError, ValueError) as exc:
            if isinstance(exc, RuleFileError):
                raise
            raise RuleFileError(str(path), line, f"第{i + 1}条：{exc}") from exc
        inferences.append(inference)
    return inferences


def complete_facts(
    facts: Mapping[str, Any],
    inferences: Iterable[FactInference],
    vocabulary: Mapping[str, FactDefinition],
    *,
    on_date: date,
    speaker: str | None = None,
    keep: Iterable[str] = (),
) -> Inferred:
    """``facts`` with what they settle filled in. Facts in ``keep`` (said just now) are
    never withdrawn."""
    rules = [i for i in inferences if i.speakers is None or speaker in i.speakers]
    current = dict(facts)
    kept = set(keep)
    withdrawn: list[str] = []
    for rule in rules:
        holds = _holds(rule.when, current, on_date)
        for name, value in _values(rule, current, on_date, vocabulary).items():
            if name not in current or name in kept:
                continue
            stale = holds is False and (name in rule.compute or current[name] == value)
            changed = holds is True and name in rule.compute and current[name] != value
            if stale or changed:
                del current[name]
                withdrawn.append(name)
    added: dict[str, list[str]] = {}
    for _ in range(_ROUNDS):
        grew = False
        for rule in rules:
            open_targets = [n for n in rule.targets() if n not in current]
            if not open_targets or _holds(rule.when, current, on_date) is not True:
                continue
            values = _values(rule, current, on_date, vocabulary)
            basis = sorted(parse_condition(rule.when).facts & current.keys())
            for name in open_targets:
                if name in values:
                    current[name] = values[name]
                    added[name] = basis
                    grew = True
        if not grew:
            break
    return Inferred(
        facts=current,
        added={n: b for n, b in added.items() if facts.get(n) != current[n]},
        withdrawn=[n for n in withdrawn if n not in current],
    )


def _holds(when: str, facts: Mapping[str, Any], on_date: date) -> bool | None:
    try:
        value = parse_condition(when).evaluate(facts, {}, on_date)
    except RuleError:
        return None
    return None if value is None else bool(value)


def _values(
    rule: FactInference,
    facts: Mapping[str, Any],
    on_date: date,
    vocabulary: Mapping[str, FactDefinition],
) -> dict[str, Any]:
    """The values ``rule`` gives, in each fact's type (a formula not computable is left out)."""
    values: dict[str, Any] = {}
    for name, constant in rule.set.items():
        values[name] = coerce_fact(vocabulary[name], constant)
    for name, expression in rule.compute.items():
        try:
            value = parse_condition(expression).evaluate(facts, {}, on_date)
        except (RuleError, ZeroDivisionError):
            continue
        if value is None:
            continue
        definition = vocabulary[name]
        if definition.type == "int":
            value = round(value)
        elif isinstance(value, float):
            value = round(value, 2)
        try:
            values[name] = coerce_fact(definition, value)
        except FactValueError:
            continue
    return values
