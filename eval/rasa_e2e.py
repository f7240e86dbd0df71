"""Rasa end-to-end test files (``test_cases:``) as conversation suites.

A ``user`` step is a turn; ``bot`` means the reply of the turn before contains that text;
``slot_was_set`` means the collected facts include those values (a bare slot name: the
fact is set to anything); ``utter`` names a response the assistant should give. The
assistant's response names are the ``utter_ask_<fact>`` questions of the sample Rasa
domain (``connectors/rasa/samples/domain.yml``): those are checked against the questions a
reply asks; any other response name is reported as skipped, never passed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.errors import SuiteError

__all__ = ["is_rasa_e2e", "suite_from_rasa"]

_STEP_KINDS = ("user", "bot", "utter", "slot_was_set")
_CASE_KEYS = {"test_case", "steps", "metadata"}


def is_rasa_e2e(data: dict[str, Any]) -> bool:
    return "test_cases" in data and "cases" not in data


def _slots(path: Path, case_id: str, where: str, value: Any) -> tuple[dict[str, Any], list[str]]:
    """``slot_was_set`` entries: ``{name: value}`` mappings or bare names."""
    items = value if isinstance(value, list) else [value]
    values: dict[str, Any] = {}
    names: list[str] = []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            values.update({str(k): v for k, v in item.items()})
        else:
            raise SuiteError(path, case_id, where, "slot_was_set takes slot names or name: value")
    return values, names


def _case(path: Path, index: int, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise SuiteError(path, f"#{index + 1}", None, "a test case is a mapping")
    case_id = str(raw.get("test_case") or f"#{index + 1}")
    unknown = sorted(set(raw) - _CASE_KEYS)
    if unknown:
        raise SuiteError(path, case_id, unknown[0], "unknown key (Rasa e2e)")
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        raise SuiteError(path, case_id, "steps", "a test case needs a list of steps")
    turns: list[dict[str, Any]] = []
    for number, step in enumerate(steps):
        where = f"steps[{number}]"
        if not isinstance(step, dict):
            raise SuiteError(path, case_id, where, "a step is a mapping such as user: …")
        kinds = [k for k in step if k in _STEP_KINDS]
        extra = sorted(set(step) - set(_STEP_KINDS) - {"metadata"})
        if extra:
            raise SuiteError(path, case_id, f"{where}.{extra[0]}", "unknown step key (Rasa e2e)")
        if len(kinds) != 1:
            raise SuiteError(path, case_id, where, f"a step has exactly one of {_STEP_KINDS}")
        kind = kinds[0]
        value = step[kind]
        if kind == "user":
            turns.append({"user": str(value), "expect": {}, "utter": []})
            continue
        if not turns:
            raise SuiteError(path, case_id, where, f"{kind} before the first user step")
        expect = turns[-1]["expect"]
        if kind == "bot":
            expect.setdefault("contains_all", []).append(str(value))
        elif kind == "utter":
            turns[-1]["utter"].append(str(value))
        else:
            values, names = _slots(path, case_id, where, value)
            if values:
                expect.setdefault("facts", {}).update(values)
            if names:
                expect.setdefault("facts_set", []).extend(names)
    return {"id": case_id, "tags": ["rasa"], "turns": turns}


def suite_from_rasa(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """The suite (format v1 data) a Rasa e2e file describes; run on the rasa channel."""
    unknown = sorted(set(data) - {"test_cases", "metadata"})
    if unknown:
        reason = "unknown key (Rasa e2e)"
        if unknown[0] == "fixtures":
            reason = "fixtures are not supported: give the facts in a user step instead"
        raise SuiteError(path, None, unknown[0], reason)
    cases = data.get("test_cases")
    if not isinstance(cases, list) or not cases:
        raise SuiteError(path, None, "test_cases", "a list of test cases is needed")
    return {
        "suite": path.stem,
        "description": f"Rasa e2e test cases from {path.name}",
        "defaults": {"channel": "rasa"},
        "cases": [_case(path, i, raw) for i, raw in enumerate(cases)],
    }
