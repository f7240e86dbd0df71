"""Runs the YAML rule cases in knowledge/rules/tests/ (written without Python)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.rules.engine import EligibilityEngine
from knowledge.rules.loader import RULES_DIR

CASES_DIR = RULES_DIR / "tests"
CASE_KEYS = {"name", "policy", "date", "region", "facts", "expect"}
EXPECT_KEYS = {"status", "outputs", "missing", "cites", "failed", "notes"}


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            params.append(pytest.param(path, case, id=f"{path.stem}: {case['name']}"))
    return params


@pytest.fixture(scope="module")
def engine() -> EligibilityEngine:
    return EligibilityEngine()


@pytest.mark.parametrize(("path", "case"), _cases())
def test_rule_case(engine: EligibilityEngine, path: Path, case: dict[str, Any]) -> None:
    assert set(case) <= CASE_KEYS, f"{path.name}: unknown keys {set(case) - CASE_KEYS}"
    expect = case["expect"]
    assert set(expect) <= EXPECT_KEYS, f"{path.name}: unknown keys {set(expect) - EXPECT_KEYS}"
    day = case["date"] if isinstance(case["date"], date) else date.fromisoformat(case["date"])
    result = engine.check(
        case["policy"], case.get("facts") or {}, region=case.get("region", "000000"), on_date=day
    )
    assert result.status == expect["status"], [t.explanation for t in result.trace]
    for output_id, value in (expect.get("outputs") or {}).items():
        assert result.output(output_id) == value, output_id
    if "missing" in expect:
        assert [m.name for m in result.missing] == expect["missing"]
    if "failed" in expect:
        assert [t.id for t in result.trace if t.outcome == "not_met"] == expect["failed"]
    cited = {t.source.label for t in result.trace} | {o.source.label for o in result.outputs}
    for label in expect.get("cites") or []:
        assert label in cited, f"{label} not among {sorted(cited)}"
    failed_sources = {t.source.label for t in result.trace if t.outcome == "not_met"}
    if expect["status"] == "not_eligible" and expect.get("cites"):
        assert failed_sources & set(expect["cites"]), "the explanation must name the article"
    for text in expect.get("notes") or []:
        assert any(text in note for note in result.notes), result.notes
