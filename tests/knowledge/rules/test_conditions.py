"""The condition language: what it accepts, what it refuses, and three-valued evaluation."""

from __future__ import annotations

import pickle
from datetime import date, datetime
from typing import Any

import pytest

from knowledge.rules.conditions import (
    evaluate_expression,
    months_between,
    parse_condition,
    years_between,
)
from knowledge.rules.errors import (
    ConditionSyntaxError,
    ConditionTypeError,
    FactValueError,
    MissingParameterError,
    RuleError,
    RuleFileError,
    UnknownFactError,
    UnknownPolicyError,
)

TODAY = date(2025, 6, 30)


def run(text: str, params: dict[str, Any] | None = None, **facts: Any) -> Any:
    return parse_condition(text).evaluate(facts, params or {}, TODAY)


def waits(text: str, params: dict[str, Any] | None = None, **facts: Any) -> list[str]:
    return parse_condition(text).unknown_facts(facts, params or {}, TODAY)


# --- operators ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x == 3", True),
        ("x != 3", False),
        ("x < 4", True),
        ("x <= 3", True),
        ("x > 3", False),
        ("x >= 3.0", True),
        ("x + 1 == 4", True),
        ("x - 5 == -2", True),
        ("x * 2 == 6", True),
        ("x / 2 == 1.5", True),
        ("-x == -3", True),
        ("+x == 3", True),
        ("(x + 1) * 2 == 8", True),
        ("x in [1, 2, 3]", True),
        ("x not in [1, 2, 3]", False),
        ("x in (-3, 3)", True),
        ("x in []", False),
    ],
)
def test_each_operator(text: str, expected: bool) -> None:
    assert run(text, x=3) is expected


@pytest.mark.parametrize(
    ("age", "expected"), [(15, False), (16, True), (20, True), (24, True), (25, False)]
)
def test_chained_comparison_is_a_range(age: int, expected: bool) -> None:
    assert run("16 <= age <= 24", age=age) is expected
    assert run("age >= 16 and age <= 24", age=age) is expected


def test_chained_comparison_with_unknowns() -> None:
    assert run("lower <= age <= 24", age=30) is False  # the known half already fails
    assert run("lower <= age <= 24", age=20) is None
    assert waits("lower <= age <= upper") == ["lower", "age", "upper"]
    assert waits("lower <= age <= upper", age=5, upper=3) == []


def test_membership_both_ways() -> None:
    text = 'household_type in ["low_income", "disabled", "poverty_alleviated", "student_loan"]'
    assert run(text, household_type="disabled") is True
    assert run(text, household_type="urban") is False
    assert run('"disabled" in household_flags', household_flags=["disabled", "veteran"]) is True
    assert run('"disabled" not in household_flags', household_flags=("veteran",)) is True
    assert run('"disabled" in household_flags', household_flags=[]) is False
    assert run('"disabled" in household_flags') is None


def test_strings_booleans_and_literals() -> None:
    assert run('enterprise_size == "small"', enterprise_size="small") is True
    assert run("registered_unemployed == true", registered_unemployed=True) is True
    assert run("registered_unemployed == True", registered_unemployed=False) is False
    assert run("not receiving_pension", receiving_pension=False) is True
    assert run("flag != false", flag=True) is True


def test_parameters() -> None:
    text = (
        "contribution_years >= param.min_contribution_years and "
        'separation_reason in ["dismissed", "contract_expired", "employer_bankrupt"]'
    )
    condition = parse_condition(text)
    assert condition.facts == {"contribution_years", "separation_reason"}
    assert condition.params == {"min_contribution_years"}
    params = {"min_contribution_years": 1}
    facts = {"contribution_years": 2, "separation_reason": "dismissed"}
    assert condition.evaluate(facts, params, TODAY) is True
    facts["separation_reason"] = "resigned"
    assert condition.evaluate(facts, params, TODAY) is False


def test_small_enterprise_layoff_rate() -> None:
    text = 'enterprise_size == "small" and layoff_rate <= param.small_layoff_rate'
    params = {"small_layoff_rate": 0.2}
    assert run(text, params, enterprise_size="small", layoff_rate=0.15) is True
    assert run(text, params, enterprise_size="small", layoff_rate=0.25) is False


def test_facts_exclude_today_constants_and_functions() -> None:
    condition = parse_condition("months_between(graduation_date, today) <= 24 and true")
    assert condition.facts == {"graduation_date"}
    assert condition.params == frozenset()


def test_chinese_fact_names_and_full_width_punctuation() -> None:
    condition = parse_condition("年龄 ＞＝ 16 and 户籍 == “本地”")
    assert condition.facts == {"年龄", "户籍"}
    assert condition.evaluate({"年龄": 18, "户籍": "本地"}, {}, TODAY) is True
    assert condition.source == "年龄 ＞＝ 16 and 户籍 == “本地”"


def test_text_may_span_lines() -> None:
    text = "age >= 16\n  and age <= 24\n"
    assert run(text, age=18) is True


def test_parsed_conditions_are_cached() -> None:
    assert parse_condition("age >= 16") is parse_condition("age >= 16")


# --- functions and dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2024, 1, 31), date(2024, 2, 29), 1),  # no 31 February: the month's last day
        (date(2024, 1, 31), date(2024, 2, 28), 0),
        (date(2023, 1, 31), date(2023, 2, 28), 1),
        (date(2024, 1, 30), date(2024, 2, 29), 1),
        (date(2024, 2, 29), date(2024, 3, 28), 0),
        (date(2024, 2, 29), date(2024, 3, 29), 1),
        (date(2023, 6, 30), date(2025, 6, 30), 24),
        (date(2023, 6, 30), date(2025, 6, 29), 23),
        (date(2024, 12, 15), date(2025, 1, 15), 1),
        (date(2025, 1, 1), date(2025, 1, 1), 0),
        (date(2025, 6, 30), date(2023, 6, 30), -24),
        (date(2024, 2, 29), date(2024, 1, 31), -1),  # the reverse of a full month
    ],
)
def test_months_between_counts_full_calendar_months(start: date, end: date, months: int) -> None:
    assert months_between(start, end) == months
    text = "months_between(a, b)"
    assert evaluate_expression(text, {"a": start, "b": end}, {}, TODAY) == months


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2008, 2, 29), date(2024, 2, 28), 15),
        (date(2008, 2, 29), date(2024, 2, 29), 16),
        (date(2008, 2, 29), date(2025, 2, 28), 17),  # no 29 February in 2025
        (date(2000, 7, 1), date(2025, 6, 30), 24),
        (date(2000, 6, 30), date(2025, 6, 30), 25),
        (date(2025, 6, 30), date(2000, 7, 1), -24),
    ],
)
def test_years_between_is_an_age(born: date, on: date, age: int) -> None:
    assert years_between(born, on) == age
    assert evaluate_expression("years_between(born, today)", {"born": born}, {}, on) == age


def test_day_and_exact_year_counts() -> None:
    facts = {"hire_date": date(2024, 7, 1)}
    assert evaluate_expression("days_between(hire_date, today)", facts, {}, TODAY) == 364
    assert run("days_between(hire_date, today) < 365", hire_date=date(2024, 7, 1)) is True
    assert run("days_between(hire_date, today) < 365", hire_date=date(2024, 6, 30)) is False
    exact = evaluate_expression("years_between_exact(hire_date, today)", facts, {}, TODAY)
    assert exact == pytest.approx(364 / 365.25)


def test_year_month_and_date_literals() -> None:
    assert evaluate_expression("year(today)", {}, {}, TODAY) == 2025
    assert evaluate_expression("month(today)", {}, {}, TODAY) == 6
    assert run('today <= date("2025-06-30")') is True
    assert run('hire_date >= date("2025-01-01")', hire_date=date(2024, 12, 31)) is False
    assert run('year(date("2024-02-29")) == 2024') is True


def test_graduate_within_two_years() -> None:
    text = "registered_unemployed == true or (is_graduate and graduation_year >= year(today) - 2)"
    assert run(text, registered_unemployed=False, is_graduate=True, graduation_year=2023) is True
    assert run(text, registered_unemployed=False, is_graduate=True, graduation_year=2022) is False
    assert run(text, registered_unemployed=True) is True
    assert run(text, is_graduate=False) is None
    assert waits(text, is_graduate=False) == ["registered_unemployed"]


def test_min_max_abs_count_true() -> None:
    formula = "min(param.max_amount, monthly_wage * 0.8)"
    params = {"max_amount": 2000}
    assert evaluate_expression(formula, {"monthly_wage": 3000}, params, TODAY) == 2000
    assert evaluate_expression(formula, {"monthly_wage": 2000}, params, TODAY) == 1600
    assert evaluate_expression(formula, {}, params, TODAY) is None
    assert evaluate_expression("max(a, b, 0)", {"a": -1, "b": -2}, {}, TODAY) == 0
    assert evaluate_expression("max(a, today)", {"a": date(2026, 1, 1)}, {}, TODAY) == date(
        2026, 1, 1
    )
    assert evaluate_expression("abs(a - b)", {"a": 1, "b": 4}, {}, TODAY) == 3
    assert run("count_true(a, b, c) >= 2", a=True, b=False, c=True) is True
    assert run("count_true(a, b, c) >= 2", a=True, b=False) is None


def test_if_expression_with_three_valued_test() -> None:
    formula = "amount * 2 if is_key_group else amount"
    assert evaluate_expression(formula, {"amount": 500, "is_key_group": True}, {}, TODAY) == 1000
    assert evaluate_expression(formula, {"amount": 500, "is_key_group": False}, {}, TODAY) == 500
    assert evaluate_expression(formula, {"amount": 500}, {}, TODAY) is None
    assert parse_condition(formula).unknown_facts({"amount": 500}, {}, TODAY) == ["is_key_group"]
    same_either_way = "1000 if is_key_group else 1000"
    assert evaluate_expression(same_either_way, {}, {}, TODAY) == 1000
    assert evaluate_expression("x if c else null", {"c": False, "x": 1}, {}, TODAY) is None


def test_datetime_values_count_as_dates() -> None:
    facts = {"hire_date": datetime(2025, 6, 1, 9, 30)}
    assert evaluate_expression("days_between(hire_date, today)", facts, {}, TODAY) == 29


# --- three-valued logic ------------------------------------------------------------------

VALUES = [True, False, None]


def _kleene_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return True if a is True and b is True else None


def _kleene_or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return False if a is False and b is False else None


@pytest.mark.parametrize("a", VALUES)
@pytest.mark.parametrize("b", VALUES)
def test_kleene_and_or(a: bool | None, b: bool | None) -> None:
    assert run("a and b", a=a, b=b) is _kleene_and(a, b)
    assert run("a or b", a=a, b=b) is _kleene_or(a, b)


@pytest.mark.parametrize(("a", "expected"), [(True, False), (False, True), (None, None)])
def test_kleene_not(a: bool | None, expected: bool | None) -> None:
    assert run("not a", a=a) is expected


def test_a_false_operand_decides_whatever_comes_before_it() -> None:
    assert run("a and b and c", c=False) is False
    assert run("a or b or c", c=True) is True
    assert run("a and b and c", a=True, b=True) is None


def test_unknown_spreads_through_comparisons_arithmetic_and_functions() -> None:
    assert run("x + 1 > 2") is None
    assert run("months_between(graduation_date, today) <= 24") is None
    assert run("x == null_fact", x=1) is None
    assert waits("x * y > z", y=2) == ["x", "z"]


@pytest.mark.parametrize(
    ("facts", "expected", "unknown"),
    [
        ({"a": 0}, False, []),  # b cannot change the outcome
        ({"b": 3}, False, []),
        ({"b": 2}, None, ["a"]),
        ({}, None, ["a", "b"]),
        ({"a": 1, "b": 2}, True, []),
    ],
)
def test_unknown_facts_are_pruned(
    facts: dict[str, Any], expected: bool | None, unknown: list[str]
) -> None:
    condition = parse_condition("a >= 1 and b == 2")
    assert condition.evaluate(facts, {}, TODAY) is expected
    assert condition.unknown_facts(facts, {}, TODAY) == unknown


def test_unknown_facts_in_order_of_first_appearance_without_repeats() -> None:
    text = "(c or a) and (b or c) and not d"
    assert waits(text) == ["c", "a", "b", "d"]
    assert waits(text, c=True) == ["d"]
    assert waits(text, c=False, a=True, b=True, d=False) == []
    assert waits("x or (y and z)", y=False) == ["x"]


def test_none_value_is_unknown() -> None:
    assert run("age >= 16", age=None) is None
    assert waits("age >= 16", age=None) == ["age"]


def test_explain_substitutes_values() -> None:
    condition = parse_condition("contribution_years >= 1")
    explained = condition.explain({"contribution_years": 0.99}, {}, TODAY)
    assert explained == "contribution_years(0.99) >= 1 → 否"
    condition = parse_condition("age >= param.min_age and is_graduate")
    explained = condition.explain({"age": 20}, {"min_age": 16}, TODAY)
    assert explained == "age(20) >= param.min_age(16) and is_graduate(未知) → 未知"


# --- rule bugs found while evaluating ----------------------------------------------------


def test_missing_parameter_is_a_rule_error() -> None:
    with pytest.raises(MissingParameterError) as caught:
        run("age >= param.min_age", age=20)
    assert caught.value.name == "min_age"
    assert str(caught.value) == "规则缺少参数：min_age"
    assert isinstance(caught.value, RuleError)


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("age >= 16", {"age": "十六"}),
        ("age >= 16", {"age": True}),  # a yes/no is not a number
        ('size == "small"', {"size": 1}),
        ('name < "b"', {"name": "a"}),
        ("not flag", {"flag": 1}),
        ("flag and true", {"flag": "yes"}),
        ("x + 1 > 0", {"x": "1"}),
        ("months_between(d, today) > 1", {"d": "2024-01-01"}),
        ("x in [1, 2]", {"x": "1"}),
        ("x in flags", {"x": "a", "flags": "abc"}),
        ("max(a, b) > 0", {"a": 1, "b": date(2025, 1, 1)}),
        ("x / y > 1", {"x": 1, "y": 0}),
    ],
)
def test_values_of_the_wrong_kind(text: str, facts: dict[str, Any]) -> None:
    with pytest.raises(ConditionTypeError) as caught:
        parse_condition(text).evaluate(facts, {}, TODAY)
    assert caught.value.expression == text
    assert str(caught.value).startswith("条件无法计算：")


def test_fact_of_an_unsupported_type() -> None:
    with pytest.raises(FactValueError) as caught:
        run("age >= 16", age={"years": 16})
    assert caught.value.name == "age"


def test_a_type_error_in_a_pruned_branch_is_not_reached() -> None:
    assert run('a and b > "x"', a=False, b=1) is False


# --- what the language refuses -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('__import__("os")', "__import__"),
        ("().__class__", "__class__"),
        ("x[0]", "下标"),
        ("lambda: 1", "lambda"),
        ("[i for i in x]", "推导式"),
        ('open("f")', "open"),
        ("a.b", "属性"),
        ("param.a.b", "属性"),
        ("param._secret", "下划线"),
        ("_hidden > 1", "下划线"),
        ('f"{a}"', "f 字符串"),
        ("(x := 1)", ":="),
        ("{1, 2}", "集合"),
        ('{"a": 1}', "字典"),
        ("a % 2 == 0", "%"),
        ("a ** 2", "**"),
        ("a // 2", "//"),
        ("a is None", "is"),
        ("a & b", "&"),
        ("~a", "~"),
        ("min(*xs)", "星号"),
        ("round(x)", "round"),
        ("x.upper()", "upper"),
        ("max(a, key=b)", "关键字"),
        ("months_between(a)", "2 个"),
        ("min", "函数"),
        ("param", "param"),
        ("x in [y]", "常量"),
        ("x == null", "null"),
        ("1j", "1j"),
        ('date("2025-02-30")', "2025-02-30"),
        ("date(d)", "日期文字"),
        ("age = 16", "=="),
        ("a and", "无法解析"),
        ("", "为空"),
        ("not " * 150 + "a", "太深"),
        ("a or " * 1000 + "a", "太长"),
        ('"a" < "b"', "比大小"),
        ('age >= 16 and "16" > 1', "比较"),
        ("x in 3", "列表"),
        ("not 1", "真假值"),
        ('1 + "a"', "数字"),
        ("months_between(today, 3) > 1", "日期"),
        ("max(today, 1)", "混用"),
    ],
)
def test_refused_constructs(text: str, named: str) -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse_condition(text)
    message = str(caught.value)
    assert message.startswith("条件表达式有误：")
    assert named in message


def test_syntax_error_names_the_position() -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse_condition('年龄 >= 16 and 户籍[0] == "本地"')
    assert caught.value.position == 13  # characters, not UTF-8 bytes
    assert "第 14 个字符" in str(caught.value)
    assert "下标" in caught.value.reason


def test_no_code_runs_while_parsing_or_evaluating(tmp_path: Any) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(ConditionSyntaxError):
        parse_condition(f'open("{marker}", "w")')
    assert not marker.exists()


# --- the error tree ----------------------------------------------------------------------


def test_error_messages_and_attributes() -> None:
    syntax = ConditionSyntaxError("a >", "无法解析", 2)
    assert str(syntax) == "条件表达式有误：无法解析（a >，第 3 个字符）"
    assert str(ConditionSyntaxError("", "条件为空")) == "条件表达式有误：条件为空（）"
    assert str(RuleFileError("p.yaml", 7, "缺少 id")) == "规则文件 p.yaml 第 7 行：缺少 id"
    assert str(RuleFileError("p.yaml", None, "缺少 id")) == "规则文件 p.yaml：缺少 id"
    policy = UnknownPolicyError("unemployment_insurence", ["unemployment_insurance"])
    assert str(policy).startswith("没有这项政策：unemployment_insurence")
    assert "unemployment_insurance" in str(policy)
    assert policy.known == ["unemployment_insurance"]
    assert str(UnknownFactError("agee", ["age", "gender"])).startswith("不认识的情况项：agee")
    assert str(UnknownFactError("zzz", ["age"])) == "不认识的情况项：zzz"
    value = FactValueError("age", "二十", "应为整数")
    assert (str(value), value.value) == ("age 的取值不对：应为整数", "二十")


@pytest.mark.parametrize(
    "error",
    [
        ConditionSyntaxError("x[0]", "不允许使用下标取值", 1),
        ConditionTypeError("a > 1", "文字不能与数字比较"),
        MissingParameterError("min_age"),
        RuleFileError("p.yaml", 3, "格式错误"),
        UnknownPolicyError("x", ["y"]),
        UnknownFactError("x", ["y"]),
        FactValueError("age", "二十", "应为整数"),
    ],
)
def test_errors_are_rule_errors_and_pickle(error: RuleError) -> None:
    assert isinstance(error, RuleError)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
