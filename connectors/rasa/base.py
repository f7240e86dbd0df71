"""The base of Jiuye's Rasa actions: dependencies in, blocking tool work off the loop.

rasa-sdk runs actions on Sanic's event loop; the tools read databases and embed queries,
so each action's body runs in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action

from connectors.rasa.context import RasaParts

__all__ = ["JiuyeAction", "known_slots", "latest_text"]


class JiuyeAction(Action):
    """An action over the shared running parts; subclasses implement :meth:`act`."""

    action_name = ""

    def __init__(self, parts: RasaParts) -> None:
        self.parts = parts

    def name(self) -> str:
        return self.action_name

    async def run(self, dispatcher: Any, tracker: Any, domain: Mapping[str, Any]) -> list[Any]:
        return await asyncio.to_thread(self.act, dispatcher, tracker, domain)

    def act(self, dispatcher: Any, tracker: Any, domain: Mapping[str, Any]) -> list[Any]:
        raise NotImplementedError


def latest_text(tracker: Any) -> str:
    return str((tracker.latest_message or {}).get("text") or "").strip()


def known_slots(domain: Mapping[str, Any], values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """SlotSet events for those of ``values`` the domain declares (never a bogus slot)."""
    from rasa_sdk.events import SlotSet

    declared = domain.get("slots") or {}
    return [SlotSet(name, value) for name, value in values.items() if name in declared]
