"""What can go wrong on the WeChat channel; the routes map each to its HTTP status."""

from __future__ import annotations

__all__ = [
    "BodyTooLargeError",
    "DecryptError",
    "MessageXMLError",
    "ReplayError",
    "SignatureError",
    "WeChatAPIError",
    "WeChatError",
]


class WeChatError(Exception):
    """The root of the channel's errors; the message is Chinese, for the operator."""


class SignatureError(WeChatError):
    """``signature`` or ``msg_signature`` does not match (403)."""


class ReplayError(WeChatError):
    """The timestamp is missing or outside the replay window (403)."""


class DecryptError(WeChatError):
    """The encrypted message is malformed: base64, block size, padding, length or the
    AppID / CorpID it carries (400)."""


class MessageXMLError(WeChatError):
    """The body is not the XML WeChat sends, or uses DTDs or entities (400)."""


class BodyTooLargeError(WeChatError):
    """The callback body is larger than ``JIUYE_WECHAT_MAX_BODY_BYTES`` (413)."""


class WeChatAPIError(WeChatError):
    """A call to the WeChat server API failed; ``errcode`` is WeChat's, when it gave one."""

    def __init__(
        self, message: str, *, errcode: int | None = None, errmsg: str | None = None
    ) -> None:
        super().__init__(message)
        self.errcode = errcode
        self.errmsg = errmsg
