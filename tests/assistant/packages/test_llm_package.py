"""The LLM brain builds a package through function calling (real openai client against the
scripted OpenAI-compatible server on 127.0.0.1)."""

from __future__ import annotations

from datetime import date

from assistant.models import Turn
from tests.assistant import openai_stub as stub_server
from tests.assistant.conftest import AssistantFactory
from tests.assistant.openai_stub import OpenAIStub, answer, call

openai_stub = stub_server.openai_stub  # the fixture, for the tests of this module
TODAY = date(2026, 12, 5)


def test_the_model_passes_facts_and_wishes_and_the_package_is_appended(
    make_assistant: AssistantFactory, openai_stub: OpenAIStub
) -> None:
    assistant = make_assistant(
        llm_base_url=openai_stub.url, llm_model="stub", llm_api_key="x", llm_max_steps=4
    )
    openai_stub.script(
        [
            call(
                "build_service_package",
                {
                    "facts": {"graduation_date": "2026-06-30", "is_college_graduate": True},
                    "occupation": "会计",
                    "district": "金水区",
                },
            ),
            answer("已为您整理好就业服务包，重点是先办理失业登记、再投递推荐的岗位。"),
        ]
    )
    reply = assistant.respond(
        Turn(
            channel="web",
            user_id="llm-user",
            region="410100",
            text="我今年6月大学毕业，想在金水区找会计的工作，帮我出个服务包",
            on_date=TODAY,
        ),
        brain="llm",
    )
    assert reply.brain == "llm" and reply.intent == "service_package"
    package = reply.package
    assert package is not None and package.profile.group_codes == ["graduate"]
    assert package.profile.wishes.occupation == "会计"
    assert reply.facts["graduating_student"] is True  # settled by the graduation date
    assert reply.text.startswith("已为您整理好就业服务包")
    assert "【您的就业服务包（编号" in reply.text and "一次性求职创业补贴" in reply.text
    schema = next(
        t
        for t in openai_stub.requests[0]["tools"]
        if t["function"]["name"] == "build_service_package"
    )
    assert {"facts", "occupation", "revise"} <= set(schema["function"]["parameters"]["properties"])


def test_an_unknown_fact_name_goes_back_to_the_model(
    make_assistant: AssistantFactory, openai_stub: OpenAIStub
) -> None:
    assistant = make_assistant(
        llm_base_url=openai_stub.url, llm_model="stub", llm_api_key="x", llm_max_steps=4
    )
    openai_stub.script(
        [
            call("build_service_package", {"facts": {"favourite_colour": "红"}}),
            call("build_service_package", {}),
            answer("已为您整理好就业服务包。"),
        ]
    )
    reply = assistant.respond(
        Turn(channel="web", user_id="llm-2", region="410100", text="给我一个服务包", on_date=TODAY),
        brain="llm",
    )
    first, second = reply.tool_calls
    assert first.error is not None and "favourite_colour" in first.error
    assert second.error is None and reply.package is not None
