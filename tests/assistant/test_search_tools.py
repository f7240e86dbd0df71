"""The search tools over the shipped samples: vacancies as of the turn's day, a radius read
from the message, and service points of the kinds and days asked for."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.conversations import ConversationState
from assistant.engine import Assistant
from assistant.models import Turn
from assistant.tools import ToolContext
from connectors.geo import GeoPoint
from tests.assistant.conftest import AssistantFactory

TODAY = date(2026, 11, 25)
JINSHUI_CENTRE = GeoPoint(34.7803, 113.6655)  # the sample 金水区公共就业服务中心
ZHONGYUAN = GeoPoint(34.7480, 113.5950)


@pytest.fixture
def assistant(make_assistant: AssistantFactory) -> Assistant:
    return make_assistant()


def context(on_date: date, location: GeoPoint | None = None) -> ToolContext:
    turn = Turn(channel="web", user_id="t", role="job_seeker", region="410100", text="-")
    return ToolContext(
        state=ConversationState.for_turn(turn),
        region="410100",
        on_date=on_date,
        role="job_seeker",
        location=location,
    )


def test_vacancies_are_searched_as_of_the_turns_day(assistant: Assistant) -> None:
    toolbox = assistant.offline.toolbox
    now = toolbox.call("search_vacancies", {"query": "保洁"}, context(TODAY))
    assert now.ok and now.value.hits
    # The sample postings end on 2027-12-31 at the latest: none is open in 2028.
    later = toolbox.call("search_vacancies", {"query": "保洁"}, context(date(2028, 1, 2)))
    assert later.ok and later.value.hits == [] and later.value.total == 0


def test_a_radius_said_limits_the_search_around_the_user(assistant: Assistant) -> None:
    reply = assistant.respond(
        Turn(
            channel="web",
            user_id="r",
            role="job_seeker",
            region="410100",
            location=JINSHUI_CENTRE,
            text="3公里以内的保洁工作",
            on_date=TODAY,
        )
    )
    (call,) = reply.tool_calls
    assert call.name == "search_vacancies"
    assert call.arguments["radius_km"] == 3 and call.arguments["query"] == "保洁"
    hits = call.result["hits"]
    assert hits and all(h["distance_km"] <= 3 and "保洁" in h["title"] for h in hits)


def test_service_points_of_the_kind_and_days_asked(assistant: Assistant) -> None:
    toolbox = assistant.offline.toolbox
    markets = toolbox.call(
        "find_service_points", {"kinds": ["零工市场"]}, context(TODAY, JINSHUI_CENTRE)
    )
    assert [h.point.kind for h in markets.value] == ["零工市场"]
    weekend = toolbox.call("find_service_points", {"open_on": [6, 7]}, context(TODAY, ZHONGYUAN))
    assert weekend.ok and weekend.value
    assert all("周一至周五" not in h.point.hours for h in weekend.value)
    assert "二七区零工市场（示例）" in {h.point.name for h in weekend.value}
    bad = toolbox.call("find_service_points", {"open_on": [8]}, context(TODAY, ZHONGYUAN))
    assert bad.call.error is not None and "星期" in bad.call.error
