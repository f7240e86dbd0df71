"""WeChat's side of a callback: what the WeChat servers post to ``/wechat/mp``, built the
way they build it. For benchmarks, tests and trying an account locally; the channel
itself never calls this."""

from __future__ import annotations

import secrets
import time

from connectors.wechat.crypto import MessageCrypto, signature
from connectors.wechat.messages import cdata

__all__ = ["safe_mode_callback", "signed_query", "text_message_xml"]


def text_message_xml(
    *, from_user: str, content: str, msg_id: int, to_user: str = "gh_jiuye"
) -> str:
    """A user's text message as WeChat sends it (``CreateTime`` now)."""
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content><MsgId>{msg_id}</MsgId></xml>"
    )


def signed_query(token: str, *, nonce: str | None = None, **extra: str) -> dict[str, str]:
    """The query string of a callback in plain mode: timestamp now, a fresh nonce unless
    one is given, and the signature over them with the account's ``token``."""
    timestamp, nonce = str(int(time.time())), nonce or secrets.token_hex(6)
    return {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": signature(token, timestamp, nonce),
        **extra,
    }


def safe_mode_callback(crypto: MessageCrypto, token: str, xml: str) -> tuple[dict[str, str], bytes]:
    """(query, body) of a safe-mode callback carrying ``xml``, encrypted and signed."""
    query = signed_query(token, encrypt_type="aes")
    encrypted = crypto.encrypt(xml)
    query["msg_signature"] = crypto.sign(query["timestamp"], query["nonce"], encrypted)
    return query, f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
