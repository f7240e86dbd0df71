"""Sensitive topics: the right service for each, and no false alarms on ordinary questions."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import yaml

from assistant.guardrails import SensitiveTopic, detect_sensitive, factual_claims
from assistant.guardrails.sensitive import SENSITIVE_FILE
from assistant.models import HandoffReason

DATA = yaml.safe_load(SENSITIVE_FILE.read_text(encoding="utf-8"))
TOPICS = {t["id"]: t for t in DATA["topics"]}
EXAMPLES = [(t["id"], example) for t in DATA["topics"] for example in t["examples"]]
PHONE = re.compile(r"(?<!\d)(?:110|120|12333|12345|12356)(?!\d)")


def test_the_required_topics_exist() -> None:
    assert set(TOPICS) >= {
        "wage_arrears",
        "work_injury",
        "self_harm",
        "complaint",
        "discrimination",
        "unpaid_social_insurance",
        "illegal_deduction",
    }
    assert len(TOPICS) == len(DATA["topics"])


@pytest.mark.parametrize(("topic", "text"), EXAMPLES)
def test_every_example_in_the_data_file_triggers_its_topic(topic: str, text: str) -> None:
    found = detect_sensitive(text)
    assert found is not None and found.id == topic


@pytest.mark.parametrize("text", DATA["non_examples"])
def test_every_non_example_in_the_data_file_triggers_nothing(text: str) -> None:
    assert detect_sensitive(text) is None


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        # Crisis words, with spaces and full-width forms.
        ("我 不 想 活 了", "self_harm"),
        ("打算结束自己的生命", "self_harm"),
        ("他说想跳楼", "self_harm"),
        ("I feel suicidal", "self_harm"),
        # Crisis wins over everything else in the same message.
        ("老板拖欠工资半年，我真的活不下去了", "self_harm"),
        # 工伤保险 only with an injury described.
        ("工伤保险怎么交", None),
        ("工伤保险待遇怎么申请", None),
        ("我在车间被割伤了，工伤保险待遇怎么申请", "work_injury"),
        ("我骨折了，工伤保险能赔医药费吗", "work_injury"),
        ("什么情况下能认定为工伤？我在工地摔伤了", "work_injury"),
        ("公司说我这个不算工伤", "work_injury"),
        # The specific rights problem before the generic complaint.
        ("我要投诉公司拖欠工资", "wage_arrears"),
        ("我要举报单位不给交社保", "unpaid_social_insurance"),
        ("我要投诉人社局窗口的工作人员", "complaint"),
        ("你们的回答太差了", "complaint"),
        ("工资怎么计算", None),
        ("用人单位可以不招女的吗", "discrimination"),
        ("ＨＲ说超过４０岁不要", "discrimination"),
    ],
)
def test_detection(text: str, topic: str | None) -> None:
    found = detect_sensitive(text)
    assert (found.id if found else None) == topic


@pytest.mark.parametrize(
    "text",
    ["失业保险金怎么领", "工伤保险怎么交", "社保断缴了怎么补", "最低工资标准是多少", "你好"],
)
def test_benign_questions_do_not_trigger_the_crisis_topics(text: str) -> None:
    found = detect_sensitive(text)
    assert found is None or found.id not in {"self_harm", "work_injury"}


def test_self_harm_is_caring_hands_off_and_gives_the_hotlines() -> None:
    topic = detect_sensitive("我不想活了")
    assert topic is not None
    assert topic.handoff is True and topic.reason == "sensitive"
    assert {"12356", "110", "120"} <= set(PHONE.findall(topic.reply))
    assert topic.citation_query is None


def test_complaints_hand_off_with_reason_complaint() -> None:
    topic = detect_sensitive("社保局工作人员态度很差")
    assert topic is not None
    assert topic.handoff is True and topic.reason == "complaint"


@pytest.mark.parametrize(
    ("topic_id", "query_words"),
    [
        ("wage_arrears", ("保障农民工工资支付条例", "拖欠")),
        ("work_injury", ("工伤保险条例", "第十七条")),
        ("discrimination", ("就业促进法", "公平就业")),
        ("unpaid_social_insurance", ("社会保险法",)),
        ("illegal_deduction", ("劳动合同法",)),
    ],
)
def test_rights_topics_point_to_a_service_and_a_citation(
    topic_id: str, query_words: tuple[str, ...]
) -> None:
    topic = detect_sensitive(TOPICS[topic_id]["examples"][0])
    assert topic is not None and topic.id == topic_id
    assert topic.handoff is False
    assert topic.service and "12333" in topic.reply
    assert topic.citation_query is not None
    assert all(word in topic.citation_query for word in query_words)


@pytest.mark.parametrize("topic_id", sorted(TOPICS))
def test_replies_state_no_amount_deadline_or_article(topic_id: str) -> None:
    """Figures come only with a citation (Principle 1), never from the canned reply."""
    assert factual_claims(TOPICS[topic_id]["reply"]) == []


@pytest.mark.parametrize("topic_id", sorted(TOPICS))
def test_replies_have_no_stray_spaces_between_chinese_words(topic_id: str) -> None:
    assert not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]\s", TOPICS[topic_id]["reply"])


@pytest.mark.parametrize("topic_id", sorted(TOPICS))
def test_every_number_and_law_in_a_reply_has_a_source_note(topic_id: str) -> None:
    entry = TOPICS[topic_id]
    note = entry["source_note"] + SENSITIVE_FILE.read_text(encoding="utf-8").split("topics:")[0]
    for phone in PHONE.findall(entry["reply"]):
        assert phone in note, f"{topic_id}: {phone} has no source"
    for law in re.findall(r"《([^》]+)》", entry["reply"]):
        assert law in entry["source_note"], f"{topic_id}: {law} has no source"


def test_topics_are_the_public_model_with_a_valid_reason() -> None:
    reasons = set(typing.get_args(HandoffReason))
    for entry in DATA["topics"]:
        topic = detect_sensitive(entry["examples"][0])
        assert isinstance(topic, SensitiveTopic)
        assert type(topic) is SensitiveTopic  # no patterns or examples leak out
        assert topic.reason in reasons
        assert topic.source_note


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("path", "article", "words"),
    [
        ("行政法规/工伤保险条例(2010-12-20).md", "第十七条", ("工伤认定申请", "30日内", "1年内")),
        ("行政法规/保障农民工工资支付条例(2019-12-30).md", "第十条", ("投诉",)),
        ("行政法规/劳动保障监察条例(2004-11-01).md", "第九条", ("举报",)),
        ("社会法/就业促进法(2015-04-24).md", "第二十六条", ("就业歧视",)),
        ("社会法/就业促进法(2015-04-24).md", "第六十二条", ("就业歧视", "人民法院")),
        ("社会法/社会保险法(2018-12-29).md", "第八十二条", ("举报、投诉",)),
        ("社会法/社会保险法(2018-12-29).md", "第六十三条", ("未按时足额缴纳",)),
        ("社会法/劳动合同法(2012-12-28).md", "第九条", ("扣押", "收取财物")),
        ("社会法/劳动法(2018-12-29).md", "第五十条", ("克扣",)),
    ],
)
def test_the_articles_named_in_source_notes_say_so(
    laws_cn: Path, path: str, article: str, words: tuple[str, ...]
) -> None:
    text = (laws_cn / path).read_text(encoding="utf-8")
    match = re.search(rf"^{article}\s(.+)$", text, re.MULTILINE)
    assert match is not None, f"{path} has no {article}"
    body = text[match.start() : match.start() + 600]
    assert all(word in body for word in words)
    assert article in TOPICS_NOTES


TOPICS_NOTES = "".join(t["source_note"] for t in DATA["topics"])
