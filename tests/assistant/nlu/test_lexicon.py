"""The NLU's data files: every name they use exists, and broken files are reported."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import get_args

import pytest

import assistant.nlu as nlu_package
from assistant.models import ENGINE_INTENTS, Intent
from assistant.nlu import LexiconError, NLUError
from assistant.nlu.lexicon import DATA_DIR, load_lexicon
from knowledge.rules.facts import coerce_fact
from knowledge.rules.loader import load_facts, load_policies
from tests.assistant.nlu.heldout import HELD_OUT


def test_package_exports() -> None:
    assert set(nlu_package.__all__) == {
        "NLU",
        "LexiconError",
        "NLUError",
        "Understanding",
        "VacancyQuery",
        "states_job_wish",
    }
    assert issubclass(LexiconError, NLUError)


def test_every_intent_has_enough_varied_examples() -> None:
    intents = load_lexicon().intents.intents
    assert set(intents) == set(get_args(Intent)) - ENGINE_INTENTS
    for name, spec in intents.items():
        assert len(spec.examples) >= 15, name
        assert len(set(spec.examples)) == len(spec.examples), f"{name} repeats an example"


def test_no_example_is_given_to_two_intents() -> None:
    seen: dict[str, str] = {}
    for name, spec in load_lexicon().intents.intents.items():
        for example in spec.examples:
            assert seen.setdefault(example, name) == name, example


def test_held_out_utterances_are_not_training_examples() -> None:
    examples = {e for s in load_lexicon().intents.intents.values() for e in s.examples}
    leaked = [text for text, *_ in HELD_OUT if text in examples]
    assert not leaked
    assert len(HELD_OUT) >= 40


def test_fact_rules_name_facts_and_values_of_the_vocabulary() -> None:
    vocabulary = load_facts()
    for rule in load_lexicon().facts.rules:
        for name in rule.facts:
            assert name in vocabulary, name
        for name, value in rule.set.items():
            assert coerce_fact(vocabulary[name], value) == value, (name, value)
        for name in rule.take:
            assert vocabulary[name].type in ("int", "float", "date"), name


def test_every_fact_of_the_vocabulary_can_be_stated() -> None:
    stated = {name for rule in load_lexicon().facts.rules for name in rule.facts}
    assert set(load_facts()) - stated == set()


def test_policy_names_are_policies() -> None:
    policies = load_policies()
    names = load_lexicon().policies
    assert {n.policy_id for n in names} == set(policies)
    for n in names:
        assert set(n.becomes) <= set(policies)


def test_vacancy_employment_types_are_connector_values() -> None:
    from connectors.vacancies.models import EmploymentType

    for word, value in load_lexicon().vacancy.employment_type_of.items():
        assert EmploymentType(value).value == value, word


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("intents.yaml", "  greeting:\n", "  chitchat:\n", "intents.chitchat"),
        ("fact_patterns.yaml", "relative_years:", "relative_yearz:", "relative_years"),
        (
            "policies.yaml",
            "    becomes:\n      social_insurance_subsidy_flexible:",
            "    becomes:\n      no_such_policy:",
            "未知的政策",
        ),
        ("vacancy.yaml", "near_me: '附近", "near_me: '(附近", "正则表达式有误"),
    ],
)
def test_broken_data_files_are_reported(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    for path in DATA_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / file
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(LexiconError, match=message) as caught:
        load_lexicon(tmp_path)
    assert file in str(caught.value)
