"""The searching actions: policies (cited), vacancies and service points.

Each action calls one tool through ``Toolbox.call`` and words the result with the same
composer functions as the offline brain, so a Rasa user reads the answers a web or WeChat
user would, and gets the structured result in a ``json_message`` for richer channels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant import composer
from assistant.answering import find_policy_answer
from connectors.rasa.base import JiuyeAction, latest_text
from connectors.rasa.context import parse_location
from knowledge.regions import level_of, region_from_text, region_name

__all__ = [
    "SearchPoliciesAction",
    "SearchVacanciesAction",
    "ServicePointsAction",
    "slot_or_entity",
]


class SearchPoliciesAction(JiuyeAction):
    """Answers the latest message from the policy documents in force, with citations."""

    action_name = "action_search_policies"

    def act(self, dispatcher: Any, tracker: Any, domain: Mapping[str, Any]) -> list[Any]:
        query = latest_text(tracker)
        if not query:
            dispatcher.utter_message(text="请告诉我您想了解哪方面的政策。")
            return []
        context = self.parts.context(tracker)
        finding = find_policy_answer(self.parts.toolbox, query, context)
        if not finding.search.ok:
            dispatcher.utter_message(text=str(finding.search.call.error))
            return []
        answered = finding.answerable
        if answered:
            text = composer.policy_answer(finding, context.cite, context.role)
        else:
            text = composer.unsure_answer()
        cited = [
            {"marker": marker, **citation.model_dump(mode="json")}
            for marker, citation in enumerate(context.citations, start=1)
        ]
        dispatcher.utter_message(
            text=text,
            json_message={"answered": answered, "citations": cited, "offer_handoff": not answered},
        )
        return []


class SearchVacanciesAction(JiuyeAction):
    """Lists open vacancies: slots/entities ``job_title`` and ``district``, else the
    filters the NLU reads in the latest message."""

    action_name = "action_search_vacancies"

    def act(self, dispatcher: Any, tracker: Any, domain: Mapping[str, Any]) -> list[Any]:
        arguments = self._arguments(tracker)
        context = self.parts.context(tracker)
        if arguments.get("near_me") and context.location is None:
            arguments.pop("near_me")
        search = self.parts.toolbox.call("search_vacancies", arguments, context)
        if not search.ok:
            dispatcher.utter_message(text=str(search.call.error))
            return []
        dispatcher.utter_message(
            text=composer.vacancies_answer(search.value, arguments.get("query")),
            json_message={"query": search.call.arguments, "vacancies": search.call.result},
        )
        return []

    def _arguments(self, tracker: Any) -> dict[str, Any]:
        title = slot_or_entity(tracker, "job_title")
        district = slot_or_entity(tracker, "district")
        if title or district:
            return {
                key: value for key, value in (("query", title), ("district", district)) if value
            }
        text = latest_text(tracker)
        if not text:
            return {}
        region = region_from_text(text)
        named = region_name(region) if region and level_of(region) == "county" else None
        query = self.parts.vacancy_reader.read(text, district=named)
        arguments = query.model_dump(exclude_none=True, exclude_defaults=True)
        keywords = arguments.pop("keywords", None)
        if keywords:
            arguments["query"] = keywords
        return arguments


class ServicePointsAction(JiuyeAction):
    """Lists public employment service points near slot ``location``, else in the region;
    of the kinds and open on the days the latest message asks about (零工市场, 周末)."""

    action_name = "action_find_service_points"

    def act(self, dispatcher: Any, tracker: Any, domain: Mapping[str, Any]) -> list[Any]:
        raw = tracker.get_slot("location")
        if raw not in (None, ""):
            try:
                parse_location(raw)
            except ValueError as exc:
                dispatcher.utter_message(text=str(exc))
                return []
        context = self.parts.context(tracker)
        text = latest_text(tracker)
        asked = self.parts.nlu.point_query(text, today=context.on_date) if text else None
        arguments = asked.model_dump(exclude_defaults=True) if asked is not None else {}
        search = self.parts.toolbox.call("find_service_points", arguments, context)
        if not search.ok:
            dispatcher.utter_message(text=str(search.call.error))
            return []
        dispatcher.utter_message(
            text=composer.service_points_answer(search.value),
            json_message={"service_points": search.call.result},
        )
        return []


def slot_or_entity(tracker: Any, name: str) -> str | None:
    """A slot's value, else the latest message's entity of that name, stripped."""
    value = tracker.get_slot(name) or next(tracker.get_latest_entity_values(name), None)
    if value is None:
        return None
    return str(value).strip() or None
