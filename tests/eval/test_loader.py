"""Reading suites: format v1 and Rasa e2e files, and errors that name file, case and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.errors import SuiteError
from eval.loader import find_suite_files, load_suite, load_suites


def _write(tmp_path: Path, text: str, name: str = "suite.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> SuiteError:
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    return caught.value


GOOD = """\
suite: 失业保险待遇
description: 示例
setup:
  knowledge:
    - manifest: corpus/manifest.jsonl
      only: corpus/subset.txt
    - path: docs/
  today: 2025-06-01
  use_samples: false
defaults:
  channel: wechat
  role: employer
  region: 410100
  location: [34.75, 113.62]
cases:
  - id: ui-duration-7y
    tags: [eligibility]
    region: "440100"
    turns:
      - user: 我交了7年失业保险，被公司裁员了，失业金最多能领多久？
        expect:
          contains_any: [18个月]
          cites_any: [{title: 社会保险法, article: 第四十六条}]
          eligibility: {policy: unemployment_benefit, result: eligible, duration_months: 18}
          vacancies: {min: 1, all: {district: 金水区}}
  - id: second
    channel: web
    location: null
    turns: [{user: 你好}]
"""


def test_a_suite_in_the_format_of_the_spec_loads(tmp_path: Path) -> None:
    loaded = load_suite(_write(tmp_path, GOOD))
    spec = loaded.spec
    assert spec.suite == "失业保险待遇" and loaded.kind == "suite"
    assert str(spec.setup.today) == "2025-06-01" and not spec.setup.use_samples
    assert loaded.resolve(spec.setup.knowledge[1].path or "") == (tmp_path / "docs").resolve()
    first, second = spec.resolved()
    assert (first.channel, first.role, first.region) == ("wechat", "employer", "440100")
    assert first.location is not None and first.location.lat == 34.75
    assert (second.channel, second.region, second.location) == ("web", "410100", None)
    expect = first.spec.turns[0].expect
    assert expect.kinds() == ["contains_any", "cites_any", "eligibility", "vacancies"]
    assert expect.eligibility is not None and expect.eligibility.fields == {"duration_months": 18}


@pytest.mark.parametrize(
    ("snippet", "case", "key", "reason"),
    [
        ("expect: {containz: [x]}", "c1", "turns[0].expect.containz", "unknown key"),
        ("expect: {tool: send_email}", "c1", "turns[0].expect.tool", "unknown tool send_email"),
        ("expect: {no_tool: [rm_rf]}", "c1", "turns[0].expect.no_tool", "unknown tool rm_rf"),
        ("expect: {handoff_reason: bored}", "c1", "turns[0].expect.handoff_reason", "bored"),
        ("expect: {regex: '('}", "c1", "turns[0].expect.regex", "bad regular expression"),
        ("expect: {cites_any: [{}]}", "c1", "turns[0].expect.cites_any[0]", "title"),
        ("expect: {eligibility: {policy: x, result: maybe}}", "c1", "turns[0].expect", "eligible"),
        ("colour: red", "c1", "turns[0].colour", "unknown key"),
    ],
)
def test_mistakes_in_a_turn_name_the_file_case_and_key(
    tmp_path: Path, snippet: str, case: str, key: str, reason: str
) -> None:
    text = (
        "suite: s\ncases:\n  - id: c0\n    turns: [{user: 你好}]\n"
        f"  - id: c1\n    turns:\n      - user: 你好\n        {snippet}\n"
    )
    error = _error(_write(tmp_path, text))
    assert error.file == tmp_path / "suite.yaml"
    assert error.case == case
    assert error.key is not None and error.key.startswith(key)
    assert reason in error.reason
    assert str(tmp_path / "suite.yaml") in str(error) and f"case {case}" in str(error)


def test_top_level_and_case_level_mistakes(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "suite: s\nsetpu: {}\ncases: [{id: a, turns: [{user: x}]}]\n"))
    assert (error.case, error.key, error.reason) == (None, "setpu", "unknown key")
    error = _error(_write(tmp_path, "suite: s\ncases: [{id: a, turn: [{user: x}]}]\n"))
    assert (error.case == "a" and {error.key, *error.more} & {"turn"}) or "turn" in str(error)
    error = _error(
        _write(
            tmp_path,
            "suite: s\ndefaults: {region: '999999'}\ncases: [{id: a, turns: [{user: x}]}]\n",
        )
    )
    assert error.key == "defaults.region" and "unknown region code 999999" in error.reason
    error = _error(
        _write(
            tmp_path, "suite: s\ndefaults: {channel: fax}\ncases: [{id: a, turns: [{user: x}]}]\n"
        )
    )
    assert error.key == "defaults.channel"


def test_duplicate_case_ids_are_an_error(tmp_path: Path) -> None:
    text = (
        "suite: s\ncases:\n  - {id: same, turns: [{user: a}]}\n  - {id: same, turns: [{user: b}]}\n"
    )
    error = _error(_write(tmp_path, text))
    assert (error.case, error.key, error.reason) == ("same", "id", "duplicate case id")


def test_bad_yaml_and_duplicate_keys_are_errors(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "suite: s\ncases: [\n"))
    assert error.reason.startswith("bad YAML")
    error = _error(_write(tmp_path, "suite: s\nsuite: t\ncases: [{id: a, turns: [{user: x}]}]\n"))
    assert "duplicate key 'suite'" in error.reason
    error = _error(_write(tmp_path, "- just\n- a list\n"))
    assert "mapping" in error.reason


def test_folders_are_searched_and_missing_paths_reported(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    _write(tmp_path / "a", "suite: one\ncases: [{id: x, turns: [{user: 你好}]}]\n", "one.yaml")
    _write(tmp_path / "a", "suite: two\ncases: [{id: x, turns: [{user: 你好}]}]\n", "two.yml")
    _write(tmp_path / "a", "not a suite", "notes.txt")
    assert [s.spec.suite for s in load_suites([tmp_path / "a"])] == ["one", "two"]
    with pytest.raises(SuiteError, match="不存在"):
        find_suite_files([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(SuiteError, match="没有找到"):
        find_suite_files([tmp_path / "empty"])


RASA = """\
test_cases:
  - test_case: user checks unemployment benefit
    steps:
      - user: 我能领失业金吗
      - utter: utter_ask_contribution_years
      - bot: 还需要了解
      - user: 交了8年，是被公司裁员的
      - slot_was_set:
          - contribution_years: 8
          - involuntary_separation
      - utter: utter_greet
  - test_case: greeting
    steps:
      - user: 你好
"""


def test_a_rasa_e2e_file_becomes_a_suite(tmp_path: Path) -> None:
    loaded = load_suite(_write(tmp_path, RASA, "e2e_test_cases.yml"))
    assert loaded.kind == "rasa" and loaded.spec.suite == "e2e_test_cases"
    first = loaded.spec.resolved()[0]
    assert first.id == "user checks unemployment benefit" and first.channel == "rasa"
    one, two = first.spec.turns
    assert one.utter == ["utter_ask_contribution_years"]
    assert one.expect.contains_all == ["还需要了解"]
    assert two.expect.facts == {"contribution_years": 8}
    assert two.expect.facts_set == ["involuntary_separation"]
    assert two.utter == ["utter_greet"]
    assert first.spec.tags == ["rasa"]


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("fixtures: []\ntest_cases: []\n", "fixtures", "not supported"),
        ("test_cases: []\n", "test_cases", "list"),
        (
            "test_cases:\n  - test_case: t\n    steps:\n      - bot: hi\n",
            "steps[0]",
            "before the first user",
        ),
        (
            "test_cases:\n  - test_case: t\n    steps:\n      - user: hi\n      - action: a\n",
            "steps[1].action",
            "unknown step key",
        ),
        ("test_cases:\n  - test_case: t\n    stepz: []\n", "stepz", "unknown key"),
    ],
)
def test_rasa_e2e_mistakes_are_named(tmp_path: Path, text: str, key: str, reason: str) -> None:
    error = _error(_write(tmp_path, text, "e2e.yml"))
    assert error.key == key and reason in error.reason
