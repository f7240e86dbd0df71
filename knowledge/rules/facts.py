"""Typed facts about a person or employer, checked against the shared vocabulary."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from knowledge.rules.errors import FactValueError, UnknownFactError
from knowledge.rules.models import FactDefinition

__all__ = ["coerce_fact", "coerce_facts", "parse_assignments"]

_TRUE = {"true", "yes", "y", "1", "是", "对", "有", "已", "是的"}
_FALSE = {"false", "no", "n", "0", "否", "不是", "没有", "无", "未"}


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    from knowledge.policies.metadata import parse_date

    return parse_date(str(value))


def coerce_fact(definition: FactDefinition, value: Any) -> Any:
    """The value in the fact's type, or ``FactValueError`` saying what is wrong."""
    name = definition.name
    try:
        if definition.type == "bool":
            if isinstance(value, bool):
                result: Any = value
            elif str(value).strip().lower() in _TRUE:
                result = True
            elif str(value).strip().lower() in _FALSE:
                result = False
            else:
                raise ValueError("应为 是/否")
        elif definition.type == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError("应为整数")
            result = int(str(value).strip()) if not isinstance(value, int | float) else int(value)
        elif definition.type == "float":
            if isinstance(value, bool):
                raise ValueError("应为数字")
            result = (
                float(str(value).strip()) if not isinstance(value, int | float) else float(value)
            )
        elif definition.type == "date":
            result = _as_date(value)
        elif definition.type == "list":
            items = value if isinstance(value, list | tuple | set) else str(value).split(",")
            result = [str(item).strip() for item in items if str(item).strip()]
        else:
            result = str(value).strip()
    except ValueError as exc:
        raise FactValueError(name, value, str(exc) or "格式不对") from exc
    allowed = definition.values
    if allowed is not None:
        chosen = result if isinstance(result, list) else [result]
        wrong = [v for v in chosen if v not in allowed]
        if wrong:
            options = "、".join(f"{k}（{v}）" for k, v in allowed.items())
            raise FactValueError(name, value, f"可选值为 {options}")
    if isinstance(result, int | float) and not isinstance(result, bool):
        if definition.min is not None and result < definition.min:
            raise FactValueError(name, value, f"不能小于 {definition.min:g}")
        if definition.max is not None and result > definition.max:
            raise FactValueError(name, value, f"不能大于 {definition.max:g}")
    return result


def coerce_facts(
    facts: Mapping[str, Any], vocabulary: Mapping[str, FactDefinition]
) -> dict[str, Any]:
    """Every fact checked against the vocabulary; ``None`` means unknown and is dropped."""
    checked: dict[str, Any] = {}
    for name, value in facts.items():
        if name not in vocabulary:
            raise UnknownFactError(name, sorted(vocabulary))
        if value is not None:
            checked[name] = coerce_fact(vocabulary[name], value)
    return checked


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """``["age=23", "is_graduate=是"]`` -> ``{"age": "23", "is_graduate": "是"}``."""
    facts: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise FactValueError(pair, pair, "应写成 名称=取值，例如 age=23")
        facts[name.strip()] = value.strip()
    return facts
