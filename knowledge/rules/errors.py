"""Every error the eligibility rules raise, in one tree.

Callers catch ``RuleError``. The subclasses separate the three ways an eligibility check
fails, because each calls for a different answer: the user gave a fact we cannot use
(ask again), the user asked about something we do not know (say so), or a rule file is
wrong (a bug for the policy team, never the user's fault)::

    RuleError
    ├── ConditionSyntaxError(expression, reason, position)   a condition outside the language
    ├── ConditionTypeError(expression, reason)    values of the wrong kind met at run time
    ├── MissingParameterError(name)               a condition names a parameter with no value
    ├── RuleFileError(path, line, reason)         a rule or vocabulary file is unusable
    ├── UnknownPolicyError(policy_id, known)      no rule with that id (also LookupError)
    ├── UnknownFactError(name, known)             a fact outside the vocabulary (also LookupError)
    └── FactValueError(name, value, reason)       a fact value of the wrong form (also ValueError)

Messages are Chinese, meant to be shown; attributes keep the raw values. Each error passes
its raw arguments to ``Exception`` (so ``args`` and pickling keep them) and builds its
message in ``__str__``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "ConditionSyntaxError",
    "ConditionTypeError",
    "FactValueError",
    "MissingParameterError",
    "RuleError",
    "RuleFileError",
    "UnknownFactError",
    "UnknownPolicyError",
]


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"（是不是 {close[0]}？）" if close else ""


class RuleError(Exception):
    """Root of the rules package's errors: the one class callers need to catch."""


class ConditionSyntaxError(RuleError):
    """A condition that is not in the condition language; ``position`` is a 0-based offset."""

    def __init__(self, expression: str, reason: str, position: int | None = None) -> None:
        super().__init__(expression, reason, position)
        self.expression = expression
        self.reason = reason
        self.position = position

    def __str__(self) -> str:
        where = f"，第 {self.position + 1} 个字符" if self.position is not None else ""
        return f"条件表达式有误：{self.reason}（{self.expression}{where}）"


class ConditionTypeError(RuleError, TypeError):
    """Values that an operator or function cannot combine, e.g. a text compared with a number.

    Also a ``TypeError``. Division by zero is reported here too: both mean the rule and the
    facts do not fit together.
    """

    def __init__(self, expression: str, reason: str) -> None:
        super().__init__(expression, reason)
        self.expression = expression
        self.reason = reason

    def __str__(self) -> str:
        return f"条件无法计算：{self.reason}（{self.expression}）"


class MissingParameterError(RuleError):
    """A condition refers to ``param.<name>`` and the rule gives it no value: a rule bug."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"规则缺少参数：{self.name}"


class RuleFileError(RuleError):
    """A rule or vocabulary file cannot be used; ``line`` is 1-based when known."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        super().__init__(path, line, reason)
        self.path = path
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        where = f" 第 {self.line} 行" if self.line is not None else ""
        return f"规则文件 {self.path}{where}：{self.reason}"


class UnknownPolicyError(RuleError, LookupError):
    """No eligibility rule has this id (also a ``LookupError``, like a missing key)."""

    def __init__(self, policy_id: str, known: Iterable[str] = ()) -> None:
        self.known = sorted(known)
        super().__init__(policy_id, self.known)
        self.policy_id = policy_id

    def __str__(self) -> str:
        return f"没有这项政策：{self.policy_id}{_did_you_mean(self.policy_id, self.known)}"


class UnknownFactError(RuleError, LookupError):
    """A fact name outside the shared vocabulary (also a ``LookupError``)."""

    def __init__(self, name: str, known: Iterable[str] = ()) -> None:
        self.known = sorted(known)
        super().__init__(name, self.known)
        self.name = name

    def __str__(self) -> str:
        return f"不认识的情况项：{self.name}{_did_you_mean(self.name, self.known)}"


class FactValueError(RuleError, ValueError):
    """A fact whose value cannot be used as given, e.g. ``age=二十多`` (also a ``ValueError``)."""

    def __init__(self, name: str, value: object, reason: str) -> None:
        super().__init__(name, value, reason)
        self.name = name
        self.value = value
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.name} 的取值不对：{self.reason}"
