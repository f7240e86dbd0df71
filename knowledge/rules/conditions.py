"""The condition language of the eligibility rules (政策计算器).

Policy experts write conditions and amount formulas in rule files, e.g.
``contribution_years >= param.min_contribution_years and not receiving_pension``. Rule files
are data, so their text never reaches ``eval``: it is parsed with ``ast`` and every node is
checked against a small whitelist (with the kinds of values it combines, where the text
shows them) before our own walker evaluates it.

Evaluation is three-valued (Kleene): a fact the user has not given is *unknown* (``None``);
``and`` is false as soon as one operand is false, ``or`` true as soon as one is true, and
anything else that touches an unknown is unknown. So the assistant can say "not eligible"
early and otherwise ask only for the facts that still matter (``Condition.unknown_facts``).

Months and years are counted as in 民法典 第二百零三条: a period that ends in a month without
the corresponding day ends on that month's last day, so 2024-01-31 plus one month is
2024-02-29, and someone born on 29 February turns a year older on 28 February.
"""

from __future__ import annotations

import ast
import calendar
import copy
import operator
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from knowledge.rules.errors import (
    ConditionSyntaxError,
    ConditionTypeError,
    FactValueError,
    MissingParameterError,
)

__all__ = [
    "Condition",
    "evaluate_expression",
    "months_between",
    "parse_condition",
    "years_between",
]

_MAX_LENGTH = 2000
_MAX_DEPTH = 100
_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None}  # True… parse as such
_Values = Mapping[str, object]  # facts or parameters by name
_KIND_NAMES = {"number": "数字", "bool": "真假值", "str": "文字", "date": "日期", "list": "列表"}
_NUMBER, _BOOL, _DATE = frozenset({"number"}), frozenset({"bool"}), frozenset({"date"})
_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
}  # fmt: skip
_COMPARISONS: dict[type[ast.cmpop], tuple[str, Callable[[Any, Any], bool]]] = {
    ast.Eq: ("==", operator.eq), ast.NotEq: ("!=", operator.ne),
    ast.Lt: ("<", operator.lt), ast.LtE: ("<=", operator.le),
    ast.Gt: (">", operator.gt), ast.GtE: (">=", operator.ge),
    ast.In: ("in", lambda a, b: a in b), ast.NotIn: ("not in", lambda a, b: a not in b),
}  # fmt: skip
_FORBIDDEN = {
    ast.Subscript: "下标取值 x[...]", ast.Slice: "切片", ast.Lambda: " lambda 函数",
    ast.ListComp: "推导式", ast.SetComp: "推导式", ast.DictComp: "推导式",
    ast.GeneratorExp: "推导式", ast.JoinedStr: " f 字符串", ast.FormattedValue: " f 字符串",
    ast.NamedExpr: "赋值表达式 :=", ast.Dict: "字典", ast.Set: "集合（列表请用方括号）",
    ast.Starred: "星号展开 *", ast.Await: " await", ast.Yield: " yield", ast.YieldFrom: " yield",
    ast.Mod: "运算符 %", ast.FloorDiv: "运算符 //", ast.Pow: "运算符 **", ast.MatMult: "运算符 @",
    ast.LShift: "运算符 <<", ast.RShift: "运算符 >>", ast.BitOr: "运算符 |",
    ast.BitXor: "运算符 ^", ast.BitAnd: "运算符 &", ast.Invert: "运算符 ~",
    ast.Is: " is（请用 == 或 !=）", ast.IsNot: " is not（请用 == 或 !=）",
}  # fmt: skip
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_SINGLE_EQUALS = re.compile(r"(?<![=<>!])=(?!=)")
_WHITESPACE = re.compile(r"\s")  # line breaks and tabs become spaces: one line, same offsets


def _add_months(day: date, months: int) -> date:
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    if end < start:
        return -months_between(end, start)
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if _add_months(start, months) > end else months


def years_between(start: date, end: date) -> int:
    """Whole years from ``start`` to ``end``: an age, or full years of service."""
    months = months_between(start, end)
    return months // 12 if months >= 0 else -(-months // 12)


# name -> (fewest arguments, most arguments, kinds each argument may have, implementation)
_FUNCTIONS: dict[str, tuple[int, int, frozenset[str], Callable[..., Any]]] = {
    "months_between": (2, 2, _DATE, months_between),
    "days_between": (2, 2, _DATE, lambda a, b: (b - a).days),
    "years_between": (2, 2, _DATE, years_between),
    "years_between_exact": (2, 2, _DATE, lambda a, b: (b - a).days / 365.25),
    "year": (1, 1, _DATE, lambda d: d.year),
    "month": (1, 1, _DATE, lambda d: d.month),
    "date": (1, 1, frozenset({"str"}), date.fromisoformat),
    "min": (1, 50, frozenset({"number", "date"}), min),
    "max": (1, 50, frozenset({"number", "date"}), max),
    "abs": (1, 1, _NUMBER, abs),
    "count_true": (1, 50, _BOOL, lambda *flags: sum(flags)),
}


def _kind(value: Any) -> str:
    """The language's name for a run-time value's kind (a Python type name if it has none)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list | tuple | set | frozenset):
        return "list"
    return {str: "str", date: "date"}.get(type(value), type(value).__name__)


def _kinds_text(kinds: frozenset[str]) -> str:
    return "或".join(_KIND_NAMES[k] for k in sorted(kinds))


def _comparison_problem(symbol: str, left: str | None, right: str | None) -> str | None:
    """Why two kinds cannot be compared with ``symbol``; ``None`` kinds are not yet known."""
    if symbol in ("in", "not in"):
        if right is not None and right != "list":
            return f"{symbol} 的右边应是列表，这里是{_KIND_NAMES.get(right, right)}"
        return f"{symbol} 的左边应是单个值" if left == "list" else None
    if left is None or right is None:
        return None
    if left != right:
        return f"{_KIND_NAMES.get(left, left)}不能与{_KIND_NAMES.get(right, right)}比较（{symbol}）"
    if symbol not in ("==", "!=") and left not in ("number", "date"):
        return f"{_KIND_NAMES.get(left, left)}不能比大小（{symbol}）"
    return None


class _Checker:
    """Walks a parsed expression once: rejects what the language lacks, infers static kinds."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.facts: dict[str, None] = {}  # ordered sets: first appearance first
        self.params: dict[str, None] = {}
        self.depth = 0

    def fail(self, node: ast.AST, reason: str) -> ConditionSyntaxError:
        column = getattr(node, "col_offset", None)  # a UTF-8 byte offset in the line
        if column is None:
            return ConditionSyntaxError(self.text, reason)
        position = len(self.text.encode()[:column].decode(errors="ignore"))
        return ConditionSyntaxError(self.text, reason, position)

    def expect(self, node: ast.expr, kinds: frozenset[str], where: str) -> str | None:
        kind = self.check(node)
        if kind is not None and kind not in kinds:
            shown = _KIND_NAMES.get(kind, "null")
            raise self.fail(node, f"{where}应是{_kinds_text(kinds)}，这里是{shown}")
        return kind

    def check(self, node: ast.expr) -> str | None:
        """Validate ``node``; return its kind, or ``None`` when it depends on facts."""
        self.depth += 1
        try:
            if self.depth > _MAX_DEPTH:
                raise self.fail(node, "表达式嵌套太深")
            return self._check(node)
        finally:
            self.depth -= 1

    def _check(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant):
            if node.value is None:
                return "null"
            if _kind(node.value) in ("bool", "number", "str"):
                return _kind(node.value)
            raise self.fail(node, f"不允许使用常量 {node.value!r}")
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Attribute):
            if not (isinstance(node.value, ast.Name) and node.value.id == "param"):
                raise self.fail(node, f"不允许属性访问 .{node.attr}（只能写 param.参数名）")
            if node.attr.startswith("_"):
                raise self.fail(node, f"参数名不能以下划线开头：{node.attr}")
            self.params.setdefault(node.attr)
            return None
        if isinstance(node, ast.List | ast.Tuple):
            for element in node.elts:
                inner = element.operand if isinstance(element, ast.UnaryOp) else element
                literal = isinstance(inner, ast.Constant) or (
                    isinstance(inner, ast.Name) and inner.id in _CONSTANTS
                )
                if not literal or self.check(element) not in ("number", "str", "bool"):
                    raise self.fail(element, "列表里只能写常量：数字、文字或 true/false")
            return "list"
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                self.expect(value, _BOOL, "and/or 的两边")
            return "bool"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.expect(node.operand, _BOOL, "not 的后面")
            return "bool"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            return self.expect(node.operand, _NUMBER, "正负号的后面") and "number"
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            self.expect(node.left, _NUMBER, "算术运算的两边")
            self.expect(node.right, _NUMBER, "算术运算的两边")
            return "number"
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.IfExp):
            self.expect(node.test, _BOOL, "if 后面的条件")
            body, orelse = self.check(node.body), self.check(node.orelse)
            return body if body == orelse else None
        if isinstance(node, ast.Call):
            return self._call(node)
        inner = getattr(node, "op", node)  # an operator outside the list names itself
        raise self.fail(node, f"不允许使用{_FORBIDDEN.get(type(inner), type(inner).__name__)}")

    def _name(self, node: ast.Name) -> str | None:
        name = node.id
        if name in _CONSTANTS:
            return "null" if _CONSTANTS[name] is None else "bool"
        if name == "today":
            return "date"
        if name == "param":
            raise self.fail(node, "param 后面要写参数名，例如 param.min_age")
        if name in _FUNCTIONS:
            raise self.fail(node, f"{name} 是函数，要带括号调用")
        if name.startswith("_"):
            raise self.fail(node, f"名称不能以下划线开头：{name}")
        self.facts.setdefault(name)
        return None

    def _compare(self, node: ast.Compare) -> str:
        operands = [node.left, *node.comparators]
        kinds = [self.check(operand) for operand in operands]
        for i, op in enumerate(node.ops):
            if type(op) not in _COMPARISONS:
                raise self.fail(operands[i], f"不允许使用{_FORBIDDEN.get(type(op), '这种比较')}")
            if "null" in kinds[i : i + 2]:
                raise self.fail(operands[i], "不能与 null 比较：没有给出的情况项本来就按“未知”处理")
            problem = _comparison_problem(_COMPARISONS[type(op)][0], kinds[i], kinds[i + 1])
            if problem:
                raise self.fail(operands[i], problem)
        return "bool"

    def _call(self, node: ast.Call) -> str | None:
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            called = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise self.fail(node, f"不允许调用 {called}（可用的函数：{'、'.join(_FUNCTIONS)}）")
        name = node.func.id
        fewest, most, kinds, _ = _FUNCTIONS[name]
        if node.keywords:
            raise self.fail(node, f"{name} 不接受关键字参数")
        if not fewest <= len(node.args) <= most:
            count = f"{fewest} 个" if fewest == most else f"至少 {fewest} 个"
            raise self.fail(node, f"{name} 需要{count}参数，这里有 {len(node.args)} 个")
        if name == "date":
            (arg,) = node.args
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                raise self.fail(node, 'date 的参数应是日期文字，例如 date("2025-06-30")')
            try:
                date.fromisoformat(arg.value)
            except ValueError:
                raise self.fail(arg, f"不是有效的日期：{arg.value}（格式 2025-06-30）") from None
            return "date"
        found = {self.expect(arg, kinds, f"{name} 的参数") for arg in node.args} - {None}
        if len(found) > 1:
            raise self.fail(node, f"{name} 的参数不能混用数字和日期")
        return (found.pop() if found else None) if name in ("min", "max") else "number"


class _Evaluation:
    """One evaluation: each step gives a value (``None`` when unknown) and, when unknown,
    the facts it waits for, so pruned branches never ask for facts that cannot matter."""

    def __init__(self, source: str, facts: _Values, params: _Values, today: date) -> None:
        self.source, self.facts, self.params = source, facts, params
        self.today = today.date() if isinstance(today, datetime) else today

    def need(self, value: Any, kinds: frozenset[str], node: ast.expr) -> None:
        if value is not None and _kind(value) not in kinds:
            shown = f"{ast.unparse(node)} 的值 {value!r}"
            raise ConditionTypeError(self.source, f"{shown}应是{_kinds_text(kinds)}")

    def run(self, node: ast.expr) -> tuple[Any, list[str]]:
        if isinstance(node, ast.Constant):
            return node.value, []
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Attribute):
            if node.attr not in self.params:
                raise MissingParameterError(node.attr)
            value = self.params[node.attr]
            return (value.date() if isinstance(value, datetime) else value), []
        if isinstance(node, ast.List | ast.Tuple):
            return [self.run(element)[0] for element in node.elts], []
        if isinstance(node, ast.BoolOp):
            decisive = isinstance(node.op, ast.Or)  # the value that decides: True for or
            unknown, waits = False, list[str]()
            for operand in node.values:
                value, missing = self.run(operand)
                self.need(value, _BOOL, operand)
                if value is decisive:
                    return decisive, []
                unknown, waits = unknown or value is None, waits + missing
            return (None, waits) if unknown else (not decisive, [])
        if isinstance(node, ast.UnaryOp):
            value, waits = self.run(node.operand)
            if value is None:
                return None, waits
            if isinstance(node.op, ast.Not):
                self.need(value, _BOOL, node.operand)
                return not value, []
            self.need(value, _NUMBER, node.operand)
            return (-value if isinstance(node.op, ast.USub) else value), []
        if isinstance(node, ast.BinOp):
            (left, left_waits), (right, right_waits) = self.run(node.left), self.run(node.right)
            if left is None or right is None:
                return None, left_waits + right_waits
            self.need(left, _NUMBER, node.left)
            self.need(right, _NUMBER, node.right)
            if isinstance(node.op, ast.Div) and right == 0:
                raise ConditionTypeError(self.source, f"除数为零：{ast.unparse(node)}")
            return _BINOPS[type(node.op)](left, right), []
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.IfExp):
            test, test_waits = self.run(node.test)
            self.need(test, _BOOL, node.test)
            if test is not None:
                return self.run(node.body if test else node.orelse)
            (body, body_waits), (orelse, orelse_waits) = self.run(node.body), self.run(node.orelse)
            if body is not None and _kind(body) == _kind(orelse) and body == orelse:
                return body, []
            return None, test_waits + body_waits + orelse_waits
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)  # the checker saw
        return self._call(node, node.func.id)

    def _name(self, name: str) -> tuple[Any, list[str]]:
        if name in _CONSTANTS:
            return _CONSTANTS[name], []
        if name == "today":
            return self.today, []
        value = self.facts.get(name)
        if value is None:
            return None, [name]
        if isinstance(value, datetime):
            value = value.date()
        if _kind(value) not in _KIND_NAMES:
            raise FactValueError(name, value, f"不支持的取值类型 {type(value).__name__}")
        return value, []

    def _compare(self, node: ast.Compare) -> tuple[Any, list[str]]:
        left, left_waits = self.run(node.left)
        unknown, waits = False, list[str]()
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right, right_waits = self.run(right_node)
            if left is None or right is None:
                unknown, waits = True, waits + left_waits + right_waits
            else:
                symbol, compare = _COMPARISONS[type(op)]
                problem = _comparison_problem(symbol, _kind(left), _kind(right))
                if (
                    problem is None
                    and symbol in ("in", "not in")
                    and right
                    and _kind(left) not in {_kind(item) for item in right}
                ):
                    problem = f"{left!r} 与列表 {ast.unparse(right_node)} 里的值不是同一类"
                if problem:
                    raise ConditionTypeError(self.source, problem)
                if not compare(left, right):
                    return False, []
            left, left_waits = right, right_waits
        return (None, waits) if unknown else (True, [])

    def _call(self, node: ast.Call, name: str) -> tuple[Any, list[str]]:
        results = [self.run(arg) for arg in node.args]
        if any(value is None for value, _ in results):
            return None, [fact for _, missing in results for fact in missing]
        _, _, kinds, function = _FUNCTIONS[name]
        for (value, _), arg in zip(results, node.args, strict=True):
            self.need(value, kinds, arg)
        if len({_kind(value) for value, _ in results}) > 1:
            raise ConditionTypeError(self.source, f"{name} 的参数不能混用数字和日期")
        return function(*(value for value, _ in results)), []


def _shown(value: object) -> str:
    if value is None or isinstance(value, bool):
        return {None: "未知", True: "是", False: "否"}[value]
    if isinstance(value, float):
        return f"{value:g}"
    return f'"{value}"' if isinstance(value, str) else str(value)


class Condition:
    """A parsed and checked condition or formula. Immutable, so shared through the cache.

    ``facts`` and ``params`` are the fact names (without ``today``) and ``param.`` names the
    text uses, for checking a rule against the vocabulary and its parameters when loading.
    """

    __slots__ = ("_tree", "facts", "params", "source")

    def __init__(
        self, source: str, tree: ast.expr, facts: frozenset[str], params: frozenset[str]
    ) -> None:
        self.source, self._tree, self.facts, self.params = source, tree, facts, params

    def __repr__(self) -> str:
        return f"Condition({self.source!r})"

    def evaluate(self, facts: _Values, params: _Values, today: date) -> Any:
        """True, False or None (unknown) for a condition; a number, date… for a formula.

        Raises ``MissingParameterError`` for a ``param.`` name absent from ``params`` and
        ``ConditionTypeError`` when values of the wrong kind meet.
        """
        return _Evaluation(self.source, facts, params, today).run(self._tree)[0]

    def unknown_facts(self, facts: _Values, params: _Values, today: date) -> list[str]:
        """The facts still needed to decide, in order of first appearance; [] once decided."""
        value, waits = _Evaluation(self.source, facts, params, today).run(self._tree)
        return list(dict.fromkeys(waits)) if value is None else []

    def explain(self, facts: _Values, params: _Values, today: date) -> str:
        """The text with values filled in and the outcome: ``age(30) <= 24 → 否``."""
        outcome = self.evaluate(facts, params, today)
        tree = copy.deepcopy(self._tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in self.facts:
                node.id = f"{node.id}({_shown(facts.get(node.id))})"
            elif isinstance(node, ast.Attribute):
                node.attr = f"{node.attr}({_shown(params.get(node.attr))})"
        return f"{ast.unparse(tree)} → {_shown(outcome)}"


@lru_cache(maxsize=4096)
def parse_condition(text: str) -> Condition:
    """Parse and check a condition or formula; ``ConditionSyntaxError`` says what is wrong.

    The text is NFKC-normalised (full-width ``＞＝`` and ``（）`` typed with a Chinese input
    method become ASCII, curly quotes straight) and may span lines.
    """
    normal = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text).translate(_QUOTES)).strip()
    if not normal:
        raise ConditionSyntaxError(text, "条件为空")
    if len(normal) > _MAX_LENGTH:
        raise ConditionSyntaxError(normal, f"表达式太长（超过 {_MAX_LENGTH} 个字符）")
    try:
        tree = ast.parse(normal, mode="eval").body
    except SyntaxError as exc:
        hint = "；相等请写 ==" if _SINGLE_EQUALS.search(normal) else ""
        position = max(exc.offset - 1, 0) if exc.offset else None
        raise ConditionSyntaxError(normal, f"无法解析（{exc.msg}）{hint}", position) from None
    except (RecursionError, MemoryError):
        raise ConditionSyntaxError(normal, "表达式嵌套太深") from None
    checker = _Checker(normal)
    checker.check(tree)
    return Condition(text, tree, frozenset(checker.facts), frozenset(checker.params))


def evaluate_expression(text: str, facts: _Values, params: _Values, today: date) -> Any:
    """The value of a formula such as ``min(param.max_amount, monthly_wage * 0.8)``.

    ``None`` when it depends on a fact not given; errors as for ``Condition.evaluate``.
    """
    return parse_condition(text).evaluate(facts, params, today)
