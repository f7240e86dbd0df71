"""Signatures and safe-mode encryption: Tencent's published vector, wechatpy both ways
(Official Account and WeCom), and every way a message can be refused."""

from __future__ import annotations

import base64
import struct
import time

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.crypto import WeChatCrypto as WechatpyMPCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WechatpyWorkCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature as wechatpy_check_signature

import connectors.wechat.crypto as crypto_module
from connectors.wechat import (
    DecryptError,
    MessageCrypto,
    ReplayError,
    SignatureError,
    check_timestamp,
    parse_xml,
    signature,
    verify_signature,
)

# The sample of Tencent's WXBizMsgCrypt SDK (WeCom callback URL verification).
SDK_TOKEN = "QDG6eK"
SDK_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SDK_CORP_ID = "wx5823bf96d3bd56c7"
SDK_ECHO = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": (
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    ),
}

TOKEN = "jiuyeToken2026"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx1234567890abcdef"
CORP_ID = "ww0987654321fedcba"
MESSAGE = (
    "<xml><ToUserName><![CDATA[gh_jiuye]]></ToUserName>"
    "<FromUserName><![CDATA[oUser123]]></FromUserName><CreateTime>1764806400</CreateTime>"
    "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[失业保险金怎么领]]></Content>"
    "<MsgId>24000000000000001</MsgId></xml>"
)


def test_the_sdk_sample_echostr_decrypts_to_the_published_value() -> None:
    crypto = MessageCrypto(SDK_TOKEN, SDK_AES_KEY, SDK_CORP_ID)
    echo = SDK_ECHO
    assert crypto.sign(echo["timestamp"], echo["nonce"], echo["echostr"]) == echo["msg_signature"]
    assert (
        crypto.decrypt_echostr(
            echo["msg_signature"], echo["timestamp"], echo["nonce"], echo["echostr"]
        )
        == "1616140317555161061"
    )


def test_the_plain_signature_is_the_one_wechatpy_checks() -> None:
    sig = signature(TOKEN, "1764806400", "nonce42")
    wechatpy_check_signature(TOKEN, sig, "1764806400", "nonce42")  # raises when wrong
    verify_signature(sig, TOKEN, "1764806400", "nonce42")
    with pytest.raises(InvalidSignatureException):
        wechatpy_check_signature(TOKEN, sig, "1764806401", "nonce42")
    with pytest.raises(SignatureError):
        verify_signature(sig, TOKEN, "1764806401", "nonce42")
    with pytest.raises(SignatureError):
        verify_signature(None, TOKEN, "1764806400", "nonce42")


def test_signatures_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = crypto_module.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(crypto_module.hmac, "compare_digest", spy)
    with pytest.raises(SignatureError):
        verify_signature("0" * 40, TOKEN, "1", "2")
    assert compared == [(b"0" * 40, signature(TOKEN, "1", "2").encode())]


def test_a_fixed_random_gives_a_fixed_ciphertext_that_round_trips() -> None:
    crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    first = crypto.encrypt(MESSAGE, random16=b"0123456789abcdef")
    assert first == crypto.encrypt(MESSAGE, random16=b"0123456789abcdef")
    assert first != crypto.encrypt(MESSAGE)  # a fresh random otherwise
    assert crypto.decrypt(first) == MESSAGE
    raw = base64.b64decode(first)
    assert len(raw) % 32 == 0  # PKCS#7 to WeChat's 32-byte blocks


@pytest.mark.parametrize("length", range(0, 70))
def test_every_padding_length_round_trips(length: int) -> None:
    crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    text = "岗" * (length // 3) + "x" * (length % 3)
    assert crypto.decrypt(crypto.encrypt(text)) == text


# wechatpy interop -------------------------------------------------------------------------


def test_official_account_wechatpy_encrypts_and_we_decrypt() -> None:
    theirs = WechatpyMPCrypto(TOKEN, AES_KEY, APP_ID)
    envelope = parse_xml(theirs.encrypt_message(MESSAGE, "nonce7", "1764806400"))
    ours = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    ours.verify(envelope["MsgSignature"], "1764806400", "nonce7", envelope["Encrypt"])
    assert ours.decrypt(envelope["Encrypt"]) == MESSAGE


def test_official_account_we_encrypt_and_wechatpy_decrypts() -> None:
    ours = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    envelope = ours.encrypt_reply(MESSAGE, timestamp="1764806400", nonce="nonce8")
    fields = parse_xml(envelope)
    theirs = WechatpyMPCrypto(TOKEN, AES_KEY, APP_ID)
    decrypted = theirs.decrypt_message(envelope, fields["MsgSignature"], "1764806400", "nonce8")
    assert decrypted == MESSAGE


def test_wecom_echostr_and_messages_both_ways() -> None:
    ours = MessageCrypto(TOKEN, AES_KEY, CORP_ID)
    theirs = WechatpyWorkCrypto(TOKEN, AES_KEY, CORP_ID)
    # URL verification: an echostr we encrypt is what wechatpy checks and decrypts ...
    echostr = ours.encrypt("8431209876543")
    sig = ours.sign("1764806400", "n1", echostr)
    assert theirs.check_signature(sig, "1764806400", "n1", echostr) == "8431209876543"
    # ... and a message wechatpy encrypts is one we decrypt, and the reverse.
    envelope = parse_xml(theirs.encrypt_message(MESSAGE, "n2", "1764806401"))
    assert (
        ours.decrypt_echostr(envelope["MsgSignature"], "1764806401", "n2", envelope["Encrypt"])
        == MESSAGE
    )
    reply = ours.encrypt_reply("<xml><Content>好的</Content></xml>", timestamp="9", nonce="n3")
    fields = parse_xml(reply)
    assert theirs.decrypt_message(reply, fields["MsgSignature"], "9", "n3") == (
        "<xml><Content>好的</Content></xml>"
    )


def test_a_message_for_another_account_is_refused() -> None:
    other = WechatpyMPCrypto(TOKEN, AES_KEY, "wxSomeoneElse00000")
    envelope = parse_xml(other.encrypt_message(MESSAGE, "n", "1"))
    with pytest.raises(DecryptError, match="AppID"):
        MessageCrypto(TOKEN, AES_KEY, APP_ID).decrypt(envelope["Encrypt"])


# malformed ciphertexts --------------------------------------------------------------------


def _raw_encrypt(plain: bytes) -> str:
    key = base64.b64decode(AES_KEY + "=")
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def _layout(
    message: bytes, receive_id: bytes = APP_ID.encode(), length: int | None = None
) -> bytes:
    size = len(message) if length is None else length
    return b"R" * 16 + struct.pack(">I", size) + message + receive_id


def _padded(plain: bytes) -> bytes:
    pad = 32 - len(plain) % 32
    return plain + bytes([pad]) * pad


@pytest.mark.parametrize(
    ("plain", "reason"),
    [
        (_layout(b"<xml/>").ljust(64, b"\x00"), "填充"),  # pad byte 0
        (_layout(b"<xml/>").ljust(63, b"x") + b"\x21", "填充"),  # pad 33 > 32
        (_layout(b"<xml/>").ljust(60, b"x") + b"\x07\x03\x03\x04", "填充"),  # inconsistent
        (b"R" * 10 + b"\x06" * 6, "过短"),  # no room for the length
        (_padded(_layout(b"<xml/>", length=5000)), "长度"),  # length beyond the data
        (_padded(_layout(b"<xml/>", b"wxSomeoneElse")), "AppID"),
        (_padded(_layout(b"\xff\xfe")), "UTF-8"),
    ],
)
def test_bad_padding_length_and_layout_are_refused(plain: bytes, reason: str) -> None:
    assert len(plain) % 16 == 0, len(plain)
    with pytest.raises(DecryptError, match=reason):
        MessageCrypto(TOKEN, AES_KEY, APP_ID).decrypt(_raw_encrypt(plain))


@pytest.mark.parametrize("cipher", ["", "not base64!", base64.b64encode(b"x" * 17).decode()])
def test_garbage_ciphertexts_are_refused(cipher: str) -> None:
    with pytest.raises(DecryptError):
        MessageCrypto(TOKEN, AES_KEY, APP_ID).decrypt(cipher)


@pytest.mark.parametrize("key", ["short", AES_KEY[:-1] + "!", ""])
def test_a_bad_encoding_aes_key_is_a_clear_error(key: str) -> None:
    with pytest.raises(ValueError, match="EncodingAESKey"):
        MessageCrypto(TOKEN, key, APP_ID)


# the replay window ------------------------------------------------------------------------


def test_timestamps_outside_the_window_are_refused() -> None:
    now = time.time()
    assert check_timestamp(str(int(now)), window=300, now=now) == int(now)
    assert check_timestamp(str(int(now) - 299), window=300, now=now) == int(now) - 299
    for stale in (int(now) - 301, int(now) + 301):
        with pytest.raises(ReplayError):
            check_timestamp(str(stale), window=300, now=now)
    for missing in (None, "", "12ab", "-5"):
        with pytest.raises(ReplayError):
            check_timestamp(missing, window=300, now=now)
