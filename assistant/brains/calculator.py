"""The calculator's side of a conversation (政策计算器), as a careful caseworker keeps it:
whose facts were said, which policy they speak to, and what they already settle.

- Whose facts: what an employer says of a person (年龄, 离退休还有几年, 已认定为就业困难
  人员, 社保交了几个月) is about the person it hires — kept as the hire's facts, which the
  employer-side policies need — and never as the employer's own; a job seeker's words are
  never an employer's or a hire's facts.
- Which policy: facts given without a policy named speak to the policy that asks about
  most of them ("被裁了，还没找到工作" -> 失业保险金).
- What they settle: the inferences of ``knowledge/rules/inferences.yaml``, said back so the
  person can correct them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from knowledge.rules.conditions import parse_condition
from knowledge.rules.models import FactDefinition, PolicyRule

__all__ = [
    "ASKS_WHICH",
    "as_hire_facts",
    "facts_in_words",
    "policy_facts",
    "policy_spoken_to",
]

# Months in a unit of facts.yaml, for a fact said of a hire in another unit (年 -> 月).
_MONTHS = {"年": 12, "月": 1}
#: Asking which benefits there are ("还能领什么", "有哪些补贴"), not how much of one.
ASKS_WHICH = re.compile(r"哪些|哪几|哪种|什么|啥")


def policy_facts(rule: PolicyRule) -> frozenset[str]:
    """Every fact ``rule`` asks about: its conditions (national and regional) and outputs."""
    expressions = [c.when for c in rule.conditions] + [o.value for o in rule.outputs]
    expressions += [c.when for o in rule.regions.values() for c in o.conditions]
    names: set[str] = set()
    for expression in expressions:
        names |= parse_condition(expression).facts
    return frozenset(names)


def as_hire_facts(
    facts: Mapping[str, Any], vocabulary: Mapping[str, FactDefinition]
) -> dict[str, Any]:
    """``facts`` with what was said of a person moved to the same facts of a hire (age ->
    hire_age, 缴费年限 -> 为招用人员缴费的月数); a hire's fact said outright wins."""
    moved: dict[str, Any] = {}
    for name, value in facts.items():
        definition = vocabulary.get(name)
        target = vocabulary.get(definition.hire_fact or "") if definition else None
        if definition is None or target is None:
            moved.setdefault(name, value)
            continue
        if target.name in facts:
            continue
        converted = _in_unit(value, definition, target)
        if converted is not None:
            moved[target.name] = converted
    return moved


def policy_spoken_to(
    facts: Iterable[str],
    rules: Mapping[str, PolicyRule],
    *,
    than: str | None = None,
) -> str | None:
    """The one policy that asks about most of ``facts`` (ties: none), or — with ``than`` —
    only one that asks about more of them than ``than`` does."""
    said = set(facts)
    if not said:
        return None
    counts = {pid: len(said & policy_facts(rule)) for pid, rule in rules.items()}
    best = max(counts.values(), default=0)
    leaders = [pid for pid, count in counts.items() if count == best]
    if best == 0 or len(leaders) != 1:
        return None
    leader = leaders[0]
    if than is not None and (leader == than or counts.get(than, 0) >= best):
        return None
    return leader


def facts_in_words(
    names: Iterable[str], facts: Mapping[str, Any], vocabulary: Mapping[str, FactDefinition]
) -> str:
    """The facts an inference rests on, as said back: "已办理失业登记、距法定退休年龄的月数96月"."""
    words = []
    for name in names:
        definition, value = vocabulary.get(name), facts.get(name)
        if definition is None or value is None:
            continue
        if isinstance(value, bool):
            words.append(definition.label if value else f"{definition.label}：否")
        elif definition.values and str(value) in definition.values:
            words.append(f"{definition.label}为{definition.values[str(value)]}")
        elif isinstance(value, date):
            words.append(f"{definition.label}{value.isoformat()}")
        else:
            shown = f"{value:g}" if isinstance(value, float) else str(value)
            words.append(f"{definition.label}{shown}{definition.unit or ''}")
    return "、".join(words)


def _in_unit(value: Any, source: FactDefinition, target: FactDefinition) -> Any:
    if source.unit == target.unit or not isinstance(value, int | float):
        return value
    if isinstance(value, bool) or source.unit not in _MONTHS or target.unit not in _MONTHS:
        return None
    converted = value * _MONTHS[source.unit] / _MONTHS[target.unit]
    return round(converted) if target.type == "int" else converted
