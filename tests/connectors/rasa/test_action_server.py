"""``jiuye rasa-actions`` as Rasa talks to it: a real rasa-sdk server in its own process
over a copy of the sample data, called with the ``/webhook`` payloads Rasa sends."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from assistant.conversations import ConversationStore
from assistant.handoff import HandoffQueue
from assistant.packages.store import PackageStore
from assistant.runtime import build_database
from assistant.settings import Settings
from knowledge.rules.engine import EligibilityEngine
from tests.conftest import free_port

SAMPLES = Path(__file__).resolve().parents[3] / "connectors" / "rasa" / "samples"
DOMAIN: dict[str, Any] = yaml.safe_load((SAMPLES / "domain.yml").read_text(encoding="utf-8"))
ACTIONS = {
    "action_search_policies",
    "action_check_eligibility",
    "action_search_vacancies",
    "action_find_service_points",
    "action_build_service_package",
    "action_handoff",
    "validate_eligibility_form",
}
ZHENGZHOU = "410100"
ELIGIBLE = {
    "contribution_years": "4.5",
    "involuntary_separation": True,
    "registered_unemployed": "是",
    "seeking_work": True,
    "reemployed": False,
    "receiving_pension": "否",
    "age": "35岁",
}


class Server:
    def __init__(self, base: str, data_dir: Path) -> None:
        self.base = base
        self.data_dir = data_dir

    def webhook(
        self,
        action: str,
        *,
        text: str = "",
        slots: dict[str, Any] | None = None,
        events: list[dict[str, Any]] | None = None,
        entities: list[dict[str, Any]] | None = None,
        sender: str = "rasa-user-1",
        active_loop: dict[str, Any] | None = None,
    ) -> httpx.Response:
        all_slots: dict[str, Any] = {name: None for name in DOMAIN["slots"]}
        all_slots.update(slots or {})
        latest = {"text": text, "intent": {"name": "inform"}, "entities": entities or []}
        tracker = {
            "sender_id": sender,
            "slots": all_slots,
            "latest_message": latest,
            "events": events or [{"event": "user", "timestamp": 1.0, "text": text}],
            "paused": False,
            "followup_action": None,
            "active_loop": active_loop or {},
            "latest_action_name": "action_listen",
        }
        payload = {
            "next_action": action,
            "sender_id": sender,
            "tracker": tracker,
            "domain": DOMAIN,
            "version": "3.10.0",
        }
        return httpx.post(f"{self.base}/webhook", json=payload, timeout=60)

    def run(self, action: str, **kwargs: Any) -> dict[str, Any]:
        response = self.webhook(action, **kwargs)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="module")
def server(sample_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("rasa") / "data"
    shutil.copytree(sample_data_dir, data_dir)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("JIUYE_")}
    env.update({"JIUYE_DATA_DIR": str(data_dir), "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"})
    jiuye = Path(sys.executable).with_name("jiuye")
    process = subprocess.Popen(
        [str(jiuye), "rasa-actions", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        assert process.poll() is None, process.communicate()[1][-3000:]
        yield Server(base, data_dir)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
    assert process.returncode == 0, err[-3000:]


def texts(body: dict[str, Any]) -> str:
    return "\n".join(r.get("text") or "" for r in body["responses"])


def custom(body: dict[str, Any]) -> dict[str, Any]:
    found = [r["custom"] for r in body["responses"] if r.get("custom")]
    assert found, body
    merged: dict[str, Any] = {}
    for message in found:
        merged.update(message)
    return merged


def slot_events(body: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in body["events"] if e["event"] == "slot"}


def test_health_and_the_seven_actions(server: Server) -> None:
    assert httpx.get(f"{server.base}/health", timeout=5).json() == {"status": "ok"}
    listed = {a["name"] for a in httpx.get(f"{server.base}/actions", timeout=5).json()}
    assert listed == ACTIONS
    assert set(DOMAIN["actions"]) == ACTIONS


def test_the_sample_domain_has_a_slot_and_question_per_fact() -> None:
    facts = EligibilityEngine().facts
    assert set(facts) <= set(DOMAIN["slots"])
    assert DOMAIN["forms"]["eligibility_form"]["required_slots"] == list(facts)
    for name, definition in facts.items():
        assert DOMAIN["responses"][f"utter_ask_{name}"][0]["text"].startswith(definition.question)
    rules = yaml.safe_load((SAMPLES / "rules.yml").read_text(encoding="utf-8"))
    used = {s["action"] for r in rules["rules"] for s in r["steps"] if "action" in s}
    assert used - {"eligibility_form", "utter_ask_more"} == ACTIONS - {"validate_eligibility_form"}


def test_policy_search_quotes_and_cites_the_article(server: Server) -> None:
    body = server.run(
        "action_search_policies", text="失业保险金怎么领？", slots={"region": ZHENGZHOU}
    )
    answer = texts(body)
    # Answered from the explainer that says it, named with the article it cites.
    assert "出自《失业保险金怎么领：政策解读》（" in answer, answer
    assert "其注明的依据是《中华人民共和国社会保险法》第" in answer and "失业登记" in answer
    assert answer.count("来源：") == 1 and "[1]" in answer
    message = custom(body)
    assert message["answered"] is True
    first, *others = message["citations"]
    assert first["marker"] == 1 and first["doc_id"] and first["title"]
    assert first["chapter"] in answer
    assert [c["marker"] for c in others] == list(range(2, len(others) + 2))
    assert body["events"] == []


def test_policy_search_without_grounds_says_so_and_offers_a_caseworker(server: Server) -> None:
    body = server.run("action_search_policies", text="火星上的量子猫咪喜欢吃什么颜色的披萨")
    assert "没有找到" in texts(body) and "转人工" in texts(body)
    assert custom(body)["offer_handoff"] is True


def test_eligibility_from_fact_slots_gives_status_amounts_and_sources(server: Server) -> None:
    slots = {"policy_id": "unemployment_benefit", "region": ZHENGZHOU, **ELIGIBLE}
    body = server.run("action_check_eligibility", text="我能领失业金吗", slots=slots)
    answer = texts(body)
    assert "符合" in answer and "暂不符合" not in answer, answer
    assert custom(body)["rejected_slots"] == []  # "35岁" and "是" are read as facts
    result = custom(body)["eligibility"]
    assert result["status"] == "eligible"
    assert result["outputs"] and all(o["source"]["document"] for o in result["outputs"])
    assert "《中华人民共和国社会保险法》第四十六条" in answer
    assert "来源：" in answer
    # Only slots the domain declares are set.
    assert set(slot_events(body)) <= set(DOMAIN["slots"])
    assert slot_events(body)["eligibility_status"] == "eligible"


def test_eligibility_names_the_missing_facts_and_reads_the_policy_from_text(
    server: Server,
) -> None:
    body = server.run(
        "action_check_eligibility",
        text="失业保险金我能领吗",
        slots={"region": ZHENGZHOU, "contribution_years": "abc"},
    )
    answer = texts(body)
    assert "还需要了解" in answer and "“abc”不是有效的" in answer, answer
    message = custom(body)
    assert message["eligibility"]["status"] == "need_more_facts"
    assert message["rejected_slots"] == ["contribution_years"]
    assert slot_events(body)["policy_id"] == "unemployment_benefit"


def _form_call(server: Server, slot: str, value: Any, known: dict[str, Any]) -> dict[str, Any]:
    slots = {"policy_id": "unemployment_benefit", "requested_slot": slot, **known, slot: value}
    events = [
        {"event": "user", "timestamp": 1.0, "text": str(value)},
        {"event": "slot", "timestamp": 1.0, "name": slot, "value": value},
    ]
    return server.run(
        "validate_eligibility_form",
        text=str(value),
        slots=slots,
        events=events,
        active_loop={"name": "eligibility_form"},
    )


def test_the_form_rejects_a_bad_value_in_chinese(server: Server) -> None:
    body = _form_call(server, "contribution_years", "很多年", {})
    assert slot_events(body) == {"contribution_years": None, "requested_slot": "contribution_years"}
    assert "不是有效的累计缴纳失业保险费年限" in texts(body)
    assert "失业前您和用人单位累计缴纳失业保险费有多少年" in texts(body)


def test_the_form_converts_a_good_value_and_asks_only_what_is_missing(server: Server) -> None:
    body = _form_call(server, "contribution_years", "4.5年", {})
    events = slot_events(body)
    assert events["contribution_years"] == 4.5
    asked = events["requested_slot"]
    assert asked in {"involuntary_separation", "registered_unemployed", "seeking_work"}, asked
    body = _form_call(server, "registered_unemployed", "是的", {"contribution_years": 4.5})
    assert slot_events(body)["registered_unemployed"] is True
    assert texts(body) == ""


def test_the_form_ends_when_the_policy_is_settled(server: Server) -> None:
    known = {k: v for k, v in ELIGIBLE.items() if k != "receiving_pension"}
    body = _form_call(server, "receiving_pension", "没有", known)
    assert slot_events(body) == {"receiving_pension": False, "requested_slot": None}


def test_vacancy_search_lists_listings_of_the_sample_feed(server: Server) -> None:
    body = server.run(
        "action_search_vacancies", text="郑州有没有保姆的工作", slots={"region": ZHENGZHOU}
    )
    answer = texts(body)
    assert answer.startswith("为您找到"), answer
    vacancies = custom(body)["vacancies"]
    assert vacancies["hits"] and any("保姆" in hit["title"] for hit in vacancies["hits"])
    by_slot = server.run(
        "action_search_vacancies",
        slots={"region": ZHENGZHOU, "job_title": "保姆"},
        text="帮我找工作",
    )
    assert custom(by_slot)["query"]["query"] == "保姆"
    assert texts(by_slot).startswith("为您找到")


def test_service_points_near_a_location_and_a_bad_location(server: Server) -> None:
    body = server.run(
        "action_find_service_points", slots={"location": "34.7712,113.6598"}, text="附近的网点"
    )
    answer = texts(body)
    assert answer.startswith("离您较近的公共就业服务网点："), answer
    assert "金水区甲街道就业服务站（示例）" in answer
    assert custom(body)["service_points"]
    bad = server.run("action_find_service_points", slots={"location": "here"}, text="附近")
    assert "位置格式不对" in texts(bad)


def test_service_points_of_the_kind_and_days_the_message_asks(server: Server) -> None:
    markets = server.run(
        "action_find_service_points",
        slots={"location": "34.7803,113.6655"},
        text="附近有没有零工市场",
    )
    assert [p["point"]["kind"] for p in custom(markets)["service_points"]] == ["零工市场"]
    assert "公共就业服务中心" not in texts(markets)
    weekend = server.run(
        "action_find_service_points",
        slots={"location": "34.7480,113.5950"},
        text="周末哪个就业服务站开门",
    )
    assert "二七区零工市场（示例）" in texts(weekend)
    assert "周一至周五" not in texts(weekend)


def test_handoff_stores_the_conversation_opens_a_ticket_and_pauses(server: Server) -> None:
    events = [
        {"event": "user", "timestamp": 1.0, "text": "失业金怎么领？我的手机13812345678"},
        {"event": "bot", "timestamp": 2.0, "text": "根据《社会保险法》第四十五条……"},
        {"event": "user", "timestamp": 3.0, "text": "我要找人工"},
    ]
    slots = {"region": ZHENGZHOU, "age": "35", "registered_unemployed": True}
    body = server.run(
        "action_handoff", text="我要找人工", slots=slots, events=events, sender="rasa-42"
    )
    assert [e["event"] for e in body["events"]] == ["pause"]
    ticket_id = custom(body)["handoff"]["ticket"]
    assert f"工单号 {ticket_id}" in texts(body)
    again = server.run(
        "action_handoff", text="我要找人工", slots=slots, events=events, sender="rasa-42"
    )
    assert custom(again)["handoff"]["ticket"] == ticket_id

    database = build_database(Settings(data_dir=server.data_dir))
    try:
        ticket = HandoffQueue(database, ConversationStore(database)).get(ticket_id)
    finally:
        database.dispose()
    assert ticket.session_id == "rasa:rasa-42" and ticket.channel == "rasa"
    assert ticket.status == "open" and ticket.region == ZHENGZHOU
    assert ticket.facts == {"age": 35, "registered_unemployed": True}
    assert "年龄：35岁" in ticket.summary and "我要找人工" in ticket.summary
    # Each tracker message once, in order, PII masked.
    assert [(m.sender, m.text[:5]) for m in ticket.transcript] == [
        ("user", "失业金怎么"),
        ("assistant", "根据《社会"),
        ("user", "我要找人工"),
    ]
    assert "13812345678" not in ticket.transcript[0].text


def test_the_package_action_builds_stores_and_utters_a_package(server: Server) -> None:
    body = server.run(
        "action_build_service_package",
        text="我今年6月大学毕业，想在金水区找会计的工作",
        slots={"region": ZHENGZHOU},
        sender="rasa-package",
    )
    (message,) = body["responses"]
    assert message["text"].startswith("【您的就业服务包（编号")
    assert "高校毕业生" in message["text"] and "一次性求职创业补贴" in message["text"]
    package = message["custom"]["package"]
    assert package["profile"]["wishes"]["occupation"] == "会计"
    assert [b["policy_id"] for b in package["benefits"]] == ["job_search_grant"]
    database = build_database(Settings(data_dir=server.data_dir))
    try:
        stored = PackageStore(database).for_session("rasa:rasa-package")
        assert [s.id for s in stored] == [package["id"]]
        assert [f.day for f in stored[0].follow_ups] == [7, 30]
        state = ConversationStore(database).get("rasa:rasa-package")
        assert state is not None and state.package_id == package["id"]
    finally:
        database.dispose()

    employer = server.run(
        "action_build_service_package",
        text="给我一个就业服务包",
        slots={"region": ZHENGZHOU, "role": "employer"},
        sender="rasa-boss",
    )
    assert "为求职者准备" in employer["responses"][0]["text"]


def test_an_unknown_action_is_rasa_sdks_404(server: Server) -> None:
    response = server.webhook("action_does_not_exist", text="你好")
    assert response.status_code == 404
    assert response.json()["action_name"] == "action_does_not_exist"
