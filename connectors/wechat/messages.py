"""The XML of WeChat callbacks: parsed safely in, built safely out.

Parsing goes through defusedxml with DTDs, entity declarations and external references
forbidden, so XXE and "billion laughs" bodies are refused before anything expands. Text
put into a reply goes into CDATA with ``]]>`` split across sections and the characters
XML 1.0 forbids removed, so a user's or a document's text cannot break out of the
element.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from connectors.wechat.errors import MessageXMLError

__all__ = ["InboundMessage", "cdata", "parse_xml", "text_reply_xml"]

#: Characters not allowed anywhere in an XML 1.0 document.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def parse_xml(body: bytes | str) -> dict[str, str]:
    """The child elements of the ``<xml>`` root as {tag: text}."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise MessageXMLError("消息 XML 含有 DTD 或实体声明，已拒绝") from exc
    except ParseError as exc:
        raise MessageXMLError("消息不是有效的 XML") from exc
    if root.tag != "xml":
        raise MessageXMLError("消息 XML 的根元素应为 <xml>")
    return {child.tag: child.text or "" for child in root}


@dataclass(frozen=True)
class InboundMessage:
    """One message or event a user sent to the account."""

    to_user: str  # the account (original ID, or the CorpID)
    from_user: str  # the user's OpenID (or WeCom UserID)
    create_time: int
    msg_type: str
    msg_id: str | None = None
    content: str | None = None  # text
    recognition: str | None = None  # voice, when speech recognition is on
    event: str | None = None  # subscribe, unsubscribe, CLICK, VIEW, LOCATION, …
    event_key: str | None = None

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> InboundMessage:
        missing = [
            name
            for name in ("ToUserName", "FromUserName", "CreateTime", "MsgType")
            if not fields.get(name, "").strip()
        ]
        if missing:
            raise MessageXMLError("消息缺少字段：" + "、".join(missing))
        created = fields["CreateTime"].strip()
        if not (created.isascii() and created.isdigit()):  # "²" is a digit int() refuses
            raise MessageXMLError("消息的 CreateTime 不是数字")
        event = fields.get("Event", "").strip()
        return cls(
            to_user=fields["ToUserName"].strip(),
            from_user=fields["FromUserName"].strip(),
            create_time=int(created),
            msg_type=fields["MsgType"].strip().lower(),
            msg_id=fields.get("MsgId", "").strip() or None,
            content=fields.get("Content"),
            recognition=fields.get("Recognition"),
            event=event.lower() or None,
            event_key=fields.get("EventKey", "").strip() or None,
        )

    @property
    def dedupe_key(self) -> str:
        """What makes redeliveries of this message recognisable: MsgId, or for events
        (which have none) the sender and creation time."""
        return self.msg_id or f"{self.from_user}:{self.create_time}"


def cdata(text: str) -> str:
    """``text`` as CDATA that cannot be broken out of."""
    clean = _ILLEGAL_XML.sub("", text).replace("]]>", "]]]]><![CDATA[>")
    return f"<![CDATA[{clean}]]>"


def text_reply_xml(*, to_user: str, from_user: str, content: str, create_time: int) -> str:
    """A passive text reply."""
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content></xml>"
    )
