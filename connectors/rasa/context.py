"""Turns a Rasa tracker into the tool context the rest of the product uses.

Rasa owns the dialogue; Jiuye owns the tools. This module is the one place that decides
who is asking (slot ``role``), where (slot ``region``, slot ``location``) and when (today
in Asia/Shanghai), and which running parts the actions share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, get_args
from zoneinfo import ZoneInfo

from assistant.conversations import ConversationState, ConversationStore
from assistant.handoff import HandoffQueue
from assistant.models import Channel, Role
from assistant.nlu import NLU
from assistant.nlu.vacancy import VacancyReader
from assistant.tools import Toolbox, ToolContext
from connectors.geo import GeoPoint
from knowledge.regions import validate_region

__all__ = ["CHANNEL", "RasaParts", "location_of", "region_of", "role_of", "session_id", "today"]

CHANNEL: Channel = "rasa"
_BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass
class RasaParts:
    """The running components every action needs (built once per server)."""

    toolbox: Toolbox
    conversations: ConversationStore
    handoffs: HandoffQueue
    nlu: NLU
    vacancy_reader: VacancyReader
    default_region: str

    def context(self, tracker: Any, facts: dict[str, Any] | None = None) -> ToolContext:
        """The tool context of the tracker's user today; ``facts`` become the state's."""
        state = self.state(tracker)
        state.facts.update(facts or {})
        return ToolContext(
            state=state,
            region=state.region or self.default_region,
            on_date=today(),
            role=state.role,
            location=location_of(tracker),
        )

    def state(self, tracker: Any) -> ConversationState:
        """The stored conversation of the tracker's sender, or a new one; role and region
        follow the slots."""
        sid = session_id(tracker)
        region = region_of(tracker) or self.default_region
        state = self.conversations.get(sid)
        if state is None:
            now = datetime.now(_BEIJING)
            state = ConversationState(
                session_id=sid,
                channel=CHANNEL,
                user_id=str(tracker.sender_id),
                role=role_of(tracker),
                region=region,
                created_at=now,
                updated_at=now,
            )
        state.role = role_of(tracker)
        state.region = region
        return state


def session_id(tracker: Any) -> str:
    return f"{CHANNEL}:{tracker.sender_id}"


def today() -> date:
    return datetime.now(_BEIJING).date()


def role_of(tracker: Any) -> Role:
    """Slot ``role`` when it names a known role, else a job seeker."""
    role = tracker.get_slot("role")
    return role if role in get_args(Role) else "job_seeker"


def region_of(tracker: Any) -> str | None:
    """Slot ``region`` as a GB/T 2260 code, or None when unset or unknown."""
    value = tracker.get_slot("region")
    if value in (None, ""):
        return None
    try:
        return validate_region(str(value).strip())
    except ValueError:
        return None


def location_of(tracker: Any) -> GeoPoint | None:
    """Slot ``location`` ("lat,lon" in WGS-84), or None when unset or unreadable."""
    value = tracker.get_slot("location")
    if value in (None, ""):
        return None
    try:
        return parse_location(value)
    except ValueError:
        return None


def parse_location(value: Any) -> GeoPoint:
    """ "34.75,113.62" (or [lat, lon], or {"lat":…, "lon":…}) as a point; ValueError in
    Chinese when it is not one."""
    try:
        if isinstance(value, dict):
            lat, lon = value["lat"], value["lon"]
        elif isinstance(value, list | tuple):
            lat, lon = value
        else:
            lat, lon = str(value).replace("，", ",").split(",")
        return GeoPoint(float(lat), float(lon))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"位置格式不对：{value!r}，应为“纬度,经度”，例如 34.75,113.62") from exc
