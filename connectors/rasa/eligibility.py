"""The policy calculator for Rasa: a check action and the form that collects its facts.

``action_check_eligibility`` checks the policy in slot ``policy_id`` (or the one named in
the message) against the fact slots. ``validate_eligibility_form`` asks only for the facts
the eligibility engine still lacks for that policy, and checks every fact slot against the
vocabulary — one generated validator per fact, so a fact added to facts.yaml is validated
without new code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from functools import partial
from typing import Any

from rasa_sdk.forms import FormValidationAction

from assistant import composer
from assistant.tools import ToolOutcome
from connectors.rasa.base import JiuyeAction, known_slots, latest_text
from connectors.rasa.context import RasaParts, role_of, today
from connectors.rasa.facts import FactProblem, read_fact, read_fact_slots, slot_value
from knowledge.rules.models import EligibilityResult, FactDefinition, ScreeningResult

__all__ = ["FORM_NAME", "CheckEligibilityAction", "EligibilityFormValidation"]

FORM_NAME = "eligibility_form"
_VALIDATE = "validate_"


def _policy_of(parts: RasaParts, tracker: Any) -> tuple[str | None, str | None]:
    """(policy id, problem): slot ``policy_id``, else the policy the message names."""
    chosen = tracker.get_slot("policy_id")
    rules = parts.toolbox.rules.rules
    if chosen:
        if chosen in rules:
            return str(chosen), None
        return None, f"没有编号为“{chosen}”的政策；可选：{'、'.join(sorted(rules))}。"
    text = latest_text(tracker)
    found = parts.nlu.understand(text, today=today()).policy_id if text else None
    return found, None


def _check(parts: RasaParts, tracker: Any) -> tuple[ToolOutcome | None, dict[str, str], str]:
    """The check_eligibility call for the tracker (None when the policy is unknown), the
    fact slots that could not be used, and the policy problem (or "")."""
    facts, problems = read_fact_slots(tracker.slots, parts.toolbox.rules.facts, parts.nlu)
    policy_id, problem = _policy_of(parts, tracker)
    if problem:
        return None, problems, problem
    arguments: dict[str, Any] = {"facts": facts}
    if policy_id:
        arguments["policy_id"] = policy_id
    return parts.toolbox.call("check_eligibility", arguments, parts.context(tracker)), problems, ""


class CheckEligibilityAction(JiuyeAction):
    """Runs the policy calculator and says the status, amounts with sources, and what
    is still missing."""

    action_name = "action_check_eligibility"

    def act(self, dispatcher: Any, tracker: Any, domain: Mapping[str, Any]) -> list[Any]:
        check, problems, problem = _check(self.parts, tracker)
        if check is None:
            dispatcher.utter_message(text=problem)
            return []
        if not check.ok:
            dispatcher.utter_message(text=str(check.call.error))
            return []
        role = role_of(tracker)
        value = check.value
        if isinstance(value, EligibilityResult):
            text, _ = composer.eligibility_answer(value, role)
            if value.status in ("eligible", "not_eligible"):
                text += self._sources(tracker, value)
        else:
            assert isinstance(value, ScreeningResult)
            text, _ = composer.screening_answer(value, role)
        if problems:
            text = "以下信息有误，这次没有采用：\n" + "\n".join(problems.values()) + "\n\n" + text
        dispatcher.utter_message(
            text=text,
            json_message={"eligibility": check.call.result, "rejected_slots": sorted(problems)},
        )
        slots: dict[str, Any] = {}
        if isinstance(value, EligibilityResult):
            slots = {"policy_id": value.policy_id, "eligibility_status": value.status}
        return known_slots(domain, slots)

    def _sources(self, tracker: Any, result: EligibilityResult) -> str:
        """The knowledge base's passages on the policy, as the offline brain lists them."""
        labels = [o.label for o in result.outputs] or [t.label for t in result.trace[:2]]
        context = self.parts.context(tracker)
        search = self.parts.toolbox.call(
            "search_policies", {"query": " ".join([result.title, *labels]), "k": 2}, context
        )
        if not search.value:
            return ""
        return "\n\n" + composer.sources_text(search.value, context.cite(search.value))


_Validator = Callable[[Any, Any, Any, Any], Coroutine[Any, Any, dict[str, Any]]]


class EligibilityFormValidation(FormValidationAction):
    """Validates ``eligibility_form``: its required slots are the facts still missing for
    the chosen policy (or, with none chosen, the screening's next questions)."""

    def __init__(self, parts: RasaParts) -> None:
        self.parts = parts

    def name(self) -> str:
        return f"{_VALIDATE}{FORM_NAME}"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: Any, tracker: Any, domain: Any
    ) -> list[str]:
        vocabulary = self.parts.toolbox.rules.facts
        just_set = [name for name in tracker.slots_to_validate() if name in vocabulary]
        check, _, _ = await asyncio.to_thread(_check, self.parts, tracker)
        missing = []
        if check is not None and isinstance(check.value, EligibilityResult):
            missing = check.value.missing
        elif check is not None and isinstance(check.value, ScreeningResult):
            missing = check.value.next_questions
        return just_set + [m.name for m in missing if m.name not in just_set]

    def __getattr__(self, attribute: str) -> _Validator:
        """``validate_<fact>`` for every fact of the vocabulary."""
        parts = self.__dict__.get("parts")
        if parts is not None and attribute.startswith(_VALIDATE):
            definition = parts.toolbox.rules.facts.get(attribute[len(_VALIDATE) :])
            if definition is not None:
                return partial(self._validate, definition)
        raise AttributeError(attribute)

    async def _validate(
        self, definition: FactDefinition, value: Any, dispatcher: Any, tracker: Any, domain: Any
    ) -> dict[str, Any]:
        if value is None:
            return {definition.name: None}
        try:
            fact = await asyncio.to_thread(
                read_fact, definition, value, self.parts.nlu, today=today()
            )
        except FactProblem as exc:
            dispatcher.utter_message(text=f"{exc}\n{definition.question}")
            return {definition.name: None}
        return {definition.name: slot_value(fact)}
