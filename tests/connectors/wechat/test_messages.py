"""Callback XML parsed safely, replies built safely, and replies formatted and split for
WeChat."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.models import Reply
from connectors.wechat import (
    WECHAT_TEXT_LIMIT,
    InboundMessage,
    MessageXMLError,
    format_reply,
    parse_xml,
    split_message,
    text_reply_xml,
)
from knowledge.policies.models import Citation

TEXT = (
    "<xml><ToUserName><![CDATA[gh_jiuye]]></ToUserName>"
    "<FromUserName><![CDATA[oUser123]]></FromUserName><CreateTime>1764806400</CreateTime>"
    "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[失业保险金怎么领]]></Content>"
    "<MsgId>24000000000000001</MsgId></xml>"
)


def test_a_text_message_parses_and_dedupes_by_msg_id() -> None:
    message = InboundMessage.from_fields(parse_xml(TEXT.encode()))
    assert (message.from_user, message.to_user) == ("oUser123", "gh_jiuye")
    assert (message.msg_type, message.content) == ("text", "失业保险金怎么领")
    assert message.dedupe_key == "24000000000000001"


def test_an_event_dedupes_by_sender_and_creation_time() -> None:
    event = (
        "<xml><ToUserName>gh</ToUserName><FromUserName>oU</FromUserName>"
        "<CreateTime>1764806500</CreateTime><MsgType>event</MsgType><Event>CLICK</Event>"
        "<EventKey>JIUYE_JOBS</EventKey></xml>"
    )
    message = InboundMessage.from_fields(parse_xml(event))
    assert (message.event, message.event_key) == ("click", "JIUYE_JOBS")
    assert message.dedupe_key == "oU:1764806500"


XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><ToUserName>gh</ToUserName><FromUserName>oU</FromUserName>"
    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content></xml>"
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]><xml><Content>&lol9;</Content></xml>"
)
PARAMETER_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd">'
    "%remote;]><xml><Content>x</Content></xml>"
)


@pytest.mark.parametrize("body", [XXE, BILLION_LAUGHS, PARAMETER_ENTITY])
def test_dtds_and_entities_are_refused(body: str) -> None:
    with pytest.raises(MessageXMLError, match="DTD"):
        parse_xml(body.encode())


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not xml at all", "有效的 XML"),
        (b"<xml><Content>unclosed</xml>", "有效的 XML"),
        (b"<root><Content>x</Content></root>", "根元素"),
    ],
)
def test_malformed_bodies_are_refused(body: bytes, reason: str) -> None:
    with pytest.raises(MessageXMLError, match=reason):
        parse_xml(body)


def test_a_message_without_its_fields_is_refused() -> None:
    with pytest.raises(MessageXMLError, match="FromUserName"):
        InboundMessage.from_fields(parse_xml("<xml><ToUserName>gh</ToUserName></xml>"))
    with pytest.raises(MessageXMLError, match="CreateTime"):
        InboundMessage.from_fields(
            {"ToUserName": "gh", "FromUserName": "oU", "MsgType": "text", "CreateTime": "x"}
        )


def test_reply_text_cannot_break_out_of_its_cdata() -> None:
    hostile = "答复]]></Content><MsgType>news</MsgType><Content><![CDATA[假的\x00\x08"
    xml = text_reply_xml(to_user="oU]]>x", from_user="gh", content=hostile, create_time=5)
    fields = parse_xml(xml)
    assert fields["Content"] == hostile.replace("\x00", "").replace("\x08", "")
    assert fields["MsgType"] == "text"
    assert fields["ToUserName"] == "oU]]>x"
    assert list(fields) == ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"]


# formatting -----------------------------------------------------------------------------------


def _citation(article: str) -> Citation:
    return Citation(
        doc_id="shebao",
        title="中华人民共和国社会保险法",
        article=article,
        region="000000",
        valid_from=date(2011, 7, 1),
        source="laws-cn",
        quote="……",
        start=0,
        end=2,
        chunk_id=f"c-{article}",
    )


def test_markdown_is_removed_and_sources_become_numbered_lines() -> None:
    reply = Reply(
        session_id="wechat:oU",
        text="## 失业保险金\n**领取条件**：\n- 缴费满一年\n- 非本人意愿中断就业\n见[办事指南](https://example.org/guide)。",
        citations=[_citation("第四十五条"), _citation("第四十六条")],
    )
    text = format_reply(reply)
    assert "**" not in text and "##" not in text and "](" not in text
    assert "· 缴费满一年" in text and "办事指南 https://example.org/guide" in text
    assert text.endswith(
        "来源：\n[1] 《中华人民共和国社会保险法》第四十五条（2011-07-01 起施行）\n"
        "[2] 《中华人民共和国社会保险法》第四十六条（2011-07-01 起施行）"
    )


def test_a_reply_that_lists_its_sources_already_keeps_one_list() -> None:
    reply = Reply(
        session_id="s",
        text="可以领取[1]。\n\n来源：\n[1] 《社会保险法》第四十五条",
        citations=[_citation("第四十五条")],
    )
    assert format_reply(reply).count("来源：") == 1


def test_long_replies_split_on_sentence_ends_within_2048_bytes() -> None:
    sentence = "符合条件的失业人员可以按规定申领失业保险金，并享受职业介绍和职业培训补贴。"
    text = "\n".join(sentence * 3 for _ in range(40))
    parts = split_message(text)
    assert len(parts) > 1
    assert all(len(part.encode("utf-8")) <= WECHAT_TEXT_LIMIT for part in parts)
    assert all(part.endswith("。") for part in parts)  # cut at sentence ends only
    # nothing lost: only the line breaks where a part ends are dropped
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_a_sentence_longer_than_a_message_is_cut_on_character_boundaries() -> None:
    text = "岗位" * 2000  # 12,000 bytes, no sentence end
    parts = split_message(text)
    assert all(len(part.encode("utf-8")) <= WECHAT_TEXT_LIMIT for part in parts)
    assert "".join(parts) == text
    assert split_message("短消息。") == ["短消息。"]
    assert split_message("  \n ") == []
