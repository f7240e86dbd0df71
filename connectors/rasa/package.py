"""``action_build_service_package``: the personal employment service package for a Rasa user.

The fact slots (and the facts the NLU reads in the latest message) and the job wishes
(slots/entities ``job_title`` and ``district``, else what the latest message says it looks
for) go into the build_service_package tool; the package is stored with the Rasa session,
so caseworkers see it and its follow-ups are scheduled, and is uttered as the same text a
web or WeChat user reads, with the structured package in a ``json_message``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.packages.text import package_text
from connectors.rasa.base import JiuyeAction, latest_text
from connectors.rasa.facts import read_fact_slots
from connectors.rasa.search import slot_or_entity

__all__ = ["ServicePackageAction"]


class ServicePackageAction(JiuyeAction):
    action_name = "action_build_service_package"

    def act(self, dispatcher: Any, tracker: Any, domain: Mapping[str, Any]) -> list[Any]:
        vocabulary = self.parts.toolbox.rules.facts
        facts, _ = read_fact_slots(tracker.slots, vocabulary, self.parts.nlu)
        context = self.parts.context(tracker, facts)
        text = latest_text(tracker)
        wishes = {
            "occupation": slot_or_entity(tracker, "job_title"),
            "district": slot_or_entity(tracker, "district"),
        }
        if text:
            context.state.facts.update(self.parts.nlu.understand(text, today=context.on_date).facts)
            said = self.parts.nlu.job_wishes(text, today=context.on_date)
            wishes["occupation"] = wishes["occupation"] or said.keywords
            wishes["district"] = wishes["district"] or said.district
        context.state.wishes.update({k: v for k, v in wishes.items() if v})
        built = self.parts.toolbox.call("build_service_package", {}, context)
        if not built.ok:
            dispatcher.utter_message(text=str(built.call.error))
            return []
        # The session remembers its package (and the facts), as a web conversation does.
        self.parts.conversations.save(context.state, [])
        dispatcher.utter_message(
            text=package_text(built.value), json_message={"package": built.call.result}
        )
        return []
