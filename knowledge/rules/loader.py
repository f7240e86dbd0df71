"""Reads rule files and the fact vocabulary, reporting problems with file and line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from knowledge.rules.conditions import parse_condition
from knowledge.rules.errors import RuleError, RuleFileError
from knowledge.rules.models import FactDefinition, PolicyRule

__all__ = [
    "FACTS_FILE",
    "POLICIES_DIR",
    "load_facts",
    "load_policies",
    "load_policy",
    "read_rule_yaml",
]

M = TypeVar("M", bound=BaseModel)

RULES_DIR = Path(__file__).resolve().parent
FACTS_FILE = RULES_DIR / "facts.yaml"
POLICIES_DIR = RULES_DIR / "policies"


class _Located(dict[str, Any]):
    """A YAML mapping that remembers its line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are ``_Located``, so errors can name the line."""

    def construct_located_map(self, node: yaml.MappingNode) -> Iterator[_Located]:
        data = _Located()
        yield data
        data.update({str(k): v for k, v in self.construct_mapping(node).items()})
        data.line = node.start_mark.line + 1
        data.key_lines = {str(key.value): key.start_mark.line + 1 for key, _ in node.value}


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_located_map)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(str(path), None, f"无法读取：{exc.strerror}") from exc
    try:
        return yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise RuleFileError(str(path), line, f"YAML 格式错误：{exc.problem}") from exc


def read_rule_yaml(path: Path) -> Any:
    """A rule-side YAML file whose mappings remember their lines (``.line``)."""
    return _read_yaml(path)


def _line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest mapping key on ``loc`` (a pydantic error location)."""
    line = getattr(data, "line", None)
    node = data
    for key in loc:
        if isinstance(node, _Located) and isinstance(key, str):
            line = node.key_lines.get(key, line)
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
            line = getattr(node, "line", line)
        else:
            break
    return line


def _validated(model: type[M], data: Any, path: Path) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RuleFileError(
            str(path), _line_of(data, tuple(first["loc"])), f"{where}：{first['msg']}"
        ) from exc


def load_facts(path: Path = FACTS_FILE) -> dict[str, FactDefinition]:
    data = _read_yaml(path)
    if not isinstance(data, _Located):
        raise RuleFileError(str(path), None, "应是“情况项名称: 定义”的映射")
    facts: dict[str, FactDefinition] = {}
    for name, body in data.items():
        if not isinstance(body, _Located):
            raise RuleFileError(str(path), data.key_lines.get(name), f"{name} 的定义应是映射")
        located = _Located({**body, "name": name})
        located.line, located.key_lines = body.line, body.key_lines
        fact = _validated(FactDefinition, located, path)
        if fact.type in ("enum", "list") and not fact.values:
            raise RuleFileError(str(path), data.key_lines.get(name), f"{name} 需要列出 values")
        facts[name] = fact
    for name, fact in facts.items():
        hired = facts.get(fact.hire_fact or name)
        if fact.hire_fact and (hired is None or hired.type not in _SAME_KIND[fact.type]):
            raise RuleFileError(
                str(path), data.key_lines.get(name), f"{name} 的 hire_fact 应是同类的情况项"
            )
    return facts


# The kinds of fact a hire_fact may be, for each kind of fact (a number of years may be
# said of a hire in months).
_SAME_KIND = {
    "bool": {"bool"},
    "int": {"int", "float"},
    "float": {"int", "float"},
    "date": {"date"},
    "str": {"str"},
    "enum": {"enum"},
    "list": {"list"},
}


def load_policy(path: Path, facts: dict[str, FactDefinition]) -> PolicyRule:
    """One rule file, checked: sources named, conditions parse, facts in the vocabulary."""
    data = _read_yaml(path)
    rule = _validated(PolicyRule, data, path)

    def fail(loc: tuple[Any, ...], reason: str) -> RuleFileError:
        return RuleFileError(str(path), _line_of(data, loc), reason)

    if rule.id != path.stem:
        raise fail(("id",), f"id（{rule.id}）应与文件名（{path.stem}）一致")
    if rule.validity_source and rule.validity_source not in rule.sources:
        raise fail(("validity_source",), f"未声明的来源：{rule.validity_source}")
    for name, parameter in rule.parameters.items():
        for i, value in enumerate(parameter.values):
            if value.source not in rule.sources:
                raise fail(
                    ("parameters", name, "values", i, "source"), f"未声明的来源：{value.source}"
                )
    # (location, expression key, expression, source key, item id) of every expression
    checks: list[tuple[tuple[Any, ...], str, str, str, str]] = [
        (("conditions", i), "when", c.when, c.source, c.id) for i, c in enumerate(rule.conditions)
    ] + [(("outputs", i), "value", o.value, o.source, o.id) for i, o in enumerate(rule.outputs)]
    for code, override in rule.regions.items():
        known_sources = rule.sources | override.sources
        checks += [
            (("regions", code, "conditions", i), "when", c.when, c.source, c.id)
            for i, c in enumerate(override.conditions)
        ]
        for name, values in override.parameters.items():
            if name not in rule.parameters:
                raise fail(
                    ("regions", code, "parameters", name), f"未在全国规则中声明的参数：{name}"
                )
            for i, value in enumerate(values):
                if value.source not in known_sources:
                    raise fail(
                        ("regions", code, "parameters", name, i, "source"),
                        f"未声明的来源：{value.source}",
                    )
    for loc, key, expression, source, item_id in checks:
        region_sources = rule.regions[loc[1]].sources if loc[0] == "regions" else {}
        if source not in rule.sources and source not in region_sources:
            raise fail((*loc, "source"), f"{item_id}：未声明的来源 {source}")
        try:
            condition = parse_condition(expression)
        except RuleError as exc:
            raise fail((*loc, key), f"{item_id}：{exc}") from exc
        unknown = sorted(condition.facts - facts.keys())
        if unknown:
            raise fail((*loc, key), f"{item_id}：不在情况项词表中的名称 {', '.join(unknown)}")
        missing_params = sorted(condition.params - rule.parameters.keys())
        if missing_params:
            raise fail((*loc, key), f"{item_id}：未声明的参数 {', '.join(missing_params)}")
    return rule


def load_policies(
    directory: Path = POLICIES_DIR, facts: dict[str, FactDefinition] | None = None
) -> dict[str, PolicyRule]:
    facts = facts if facts is not None else load_facts()
    rules = [load_policy(path, facts) for path in sorted(directory.glob("*.yaml"))]
    return {rule.id: rule for rule in rules}
