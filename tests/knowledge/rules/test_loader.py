"""Rule files: every shipped file loads; a malformed one names its file, line and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.rules.errors import RuleFileError
from knowledge.rules.loader import POLICIES_DIR, load_facts, load_policies, load_policy

GOOD = (POLICIES_DIR / "unemployment_benefit.yaml").read_text(encoding="utf-8")


def test_shipped_rules_and_vocabulary_load() -> None:
    facts = load_facts()
    rules = load_policies(facts=facts)
    assert "unemployment_benefit" in rules
    for rule in rules.values():
        assert rule.sources, rule.id
        for condition in rule.conditions:
            assert condition.source in rule.sources, (rule.id, condition.id)
    for fact in facts.values():
        assert fact.question.endswith(("？", "?", "）")), fact.name


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "unemployment_benefit.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            "when: contribution_years >= param.min_contribution_years",
            "when: contribution_years >== 1",
            "条件表达式有误",
        ),
        ("when: involuntary_separation", "when: involuntary_separaton", "不在情况项词表中"),
        (
            "    source: sil51\n    explain_no: 重新就业的",
            "    source: nowhere\n    explain_no: 重新就业的",
            "未声明的来源",
        ),
        (
            "when: not receiving_pension",
            "when: not receiving_pension and param.nothing",
            "未声明的参数",
        ),
        ("audience: job_seeker", "audience: everybody", "audience"),
    ],
)
def test_a_malformed_rule_names_file_line_and_problem(
    tmp_path: Path, old: str, new: str, reason: str
) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    path = _write(tmp_path, text)
    with pytest.raises(RuleFileError) as caught:
        load_policy(path, load_facts())
    error = caught.value
    assert error.path == str(path)
    assert reason in str(error)
    changed = next(line for line in new.splitlines() if line not in old.splitlines())
    assert error.line == _line_of(text, changed.strip())


def test_yaml_syntax_errors_carry_the_line(tmp_path: Path) -> None:
    text = GOOD.replace("title: 失业保险金", "title: [失业保险金", 1)
    with pytest.raises(RuleFileError) as caught:
        load_policy(_write(tmp_path, text), load_facts())
    assert caught.value.line is not None and "YAML" in str(caught.value)


def test_id_must_match_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(RuleFileError, match="id") as caught:
        load_policy(path, load_facts())
    assert caught.value.line == _line_of(GOOD, "id: unemployment_benefit")
