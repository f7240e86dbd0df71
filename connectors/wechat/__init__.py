"""The WeChat channels: an Official Account (``/wechat/mp``) and a WeCom app
(``/wechat/work``) answered by the assistant, with safe-mode encryption, the 5-second
rule, deduplicated redeliveries and the customer-service message API."""

from connectors.wechat.api import TOKEN_INVALID, WINDOW_CLOSED, AccountKind, WeChatAPI
from connectors.wechat.channel import (
    MENU_FILE,
    SUCCESS,
    WeChatAccount,
    WeChatChannel,
    WeChatChannelName,
    menu,
)
from connectors.wechat.crypto import (
    BLOCK_SIZE,
    MessageCrypto,
    check_timestamp,
    signature,
    verify_signature,
)
from connectors.wechat.delivery import CustomerServiceDelivery
from connectors.wechat.errors import (
    BodyTooLargeError,
    DecryptError,
    MessageXMLError,
    ReplayError,
    SignatureError,
    WeChatAPIError,
    WeChatError,
)
from connectors.wechat.formatting import (
    WECHAT_TEXT_LIMIT,
    format_reply,
    plain_text,
    split_message,
)
from connectors.wechat.messages import InboundMessage, cdata, parse_xml, text_reply_xml
from connectors.wechat.store import CUSTOMER_SERVICE_WINDOW, Delivery, OutboxMessage, WeChatStore

__all__ = [
    "BLOCK_SIZE",
    "CUSTOMER_SERVICE_WINDOW",
    "MENU_FILE",
    "SUCCESS",
    "TOKEN_INVALID",
    "WECHAT_TEXT_LIMIT",
    "WINDOW_CLOSED",
    "AccountKind",
    "BodyTooLargeError",
    "CustomerServiceDelivery",
    "DecryptError",
    "Delivery",
    "InboundMessage",
    "MessageCrypto",
    "MessageXMLError",
    "OutboxMessage",
    "ReplayError",
    "SignatureError",
    "WeChatAPI",
    "WeChatAPIError",
    "WeChatAccount",
    "WeChatChannel",
    "WeChatChannelName",
    "WeChatError",
    "WeChatStore",
    "cdata",
    "check_timestamp",
    "format_reply",
    "menu",
    "parse_xml",
    "plain_text",
    "signature",
    "split_message",
    "text_reply_xml",
    "verify_signature",
]
