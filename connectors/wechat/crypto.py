"""Signatures and the message encryption of WeChat's safe mode (also WeCom's callbacks).

Plain mode: ``signature = sha1(sorted(token, timestamp, nonce))``. Safe mode adds the
``EncodingAESKey`` (43 characters; the AES-256 key is its base64 decoding with ``=``
appended, the IV the key's first 16 bytes). A message is encrypted as AES-256-CBC over
``random(16) + len(message) as 4 bytes big-endian + message + receive_id`` padded with
PKCS#7 to a multiple of 32 bytes, sent as base64, and signed with
``msg_signature = sha1(sorted(token, timestamp, nonce, encrypt))``. The receive id is the
Official Account's AppID or the WeCom CorpID. Signatures are compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from connectors.wechat.errors import DecryptError, ReplayError, SignatureError

__all__ = ["BLOCK_SIZE", "MessageCrypto", "check_timestamp", "signature", "verify_signature"]

#: WeChat pads to 32 bytes (not AES's 16).
BLOCK_SIZE = 32


def signature(*parts: str) -> str:
    """sha1 over the parts sorted and joined, as WeChat signs callbacks."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def verify_signature(given: str | None, *parts: str) -> None:
    """Raises :class:`SignatureError` unless ``given`` is the signature of ``parts``."""
    expected = signature(*parts)
    if not given or not hmac.compare_digest(given.lower().encode(), expected.encode()):
        raise SignatureError("微信签名校验失败")


def check_timestamp(timestamp: str | None, *, window: float, now: float | None = None) -> int:
    """The timestamp as an int; :class:`ReplayError` when missing or outside ``window``
    seconds of now (either way: clocks drift)."""
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if not timestamp or not (timestamp.isascii() and timestamp.isdigit()):
        raise ReplayError("缺少有效的时间戳")
    moment = int(timestamp)
    if abs((time.time() if now is None else now) - moment) > window:
        raise ReplayError("时间戳超出允许范围，可能是重放的请求")
    return moment


class MessageCrypto:
    """One account's safe-mode encryption: token, EncodingAESKey and receive id."""

    def __init__(self, token: str, aes_key: str, receive_id: str) -> None:
        if len(aes_key) != 43:
            raise ValueError("EncodingAESKey 应为 43 个字符")
        try:
            key = base64.b64decode(aes_key + "=", validate=True)
        except binascii.Error as exc:
            raise ValueError("EncodingAESKey 不是有效的 Base64") from exc
        if len(key) != 32:
            raise ValueError("EncodingAESKey 解码后应为 32 字节")
        if not token or not receive_id:
            raise ValueError("安全模式需要 Token 和 AppID / CorpID")
        self.token = token
        self.receive_id = receive_id
        self._key = key
        self._iv = key[:16]

    # signatures --------------------------------------------------------------------------

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return signature(self.token, timestamp, nonce, encrypted)

    def verify(self, msg_signature: str | None, timestamp: str, nonce: str, encrypted: str) -> None:
        verify_signature(msg_signature, self.token, timestamp, nonce, encrypted)

    # encryption --------------------------------------------------------------------------

    def encrypt(self, message: str, *, random16: bytes | None = None) -> str:
        """The base64 ciphertext of ``message`` (``random16`` fixed only in tests)."""
        nonce = os.urandom(16) if random16 is None else random16
        if len(nonce) != 16:
            raise ValueError("随机串应为 16 字节")
        body = message.encode("utf-8")
        plain = nonce + struct.pack(">I", len(body)) + body + self.receive_id.encode("utf-8")
        pad = BLOCK_SIZE - len(plain) % BLOCK_SIZE
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """The message inside ``encrypted``; :class:`DecryptError` when anything is off."""
        try:
            cipher = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptError("密文不是有效的 Base64") from exc
        if not cipher or len(cipher) % 16:
            raise DecryptError("密文长度不是 AES 分组的整数倍")
        decryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).decryptor()
        plain = decryptor.update(cipher) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK_SIZE or plain[-pad:] != bytes([pad]) * pad:
            raise DecryptError("密文填充无效")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise DecryptError("密文内容过短")
        (length,) = struct.unpack(">I", plain[16:20])
        if length > len(plain) - 20:
            raise DecryptError("密文中的消息长度无效")
        body, receive_id = plain[20 : 20 + length], plain[20 + length :]
        if not hmac.compare_digest(receive_id, self.receive_id.encode("utf-8")):
            raise DecryptError("消息不属于本账号（AppID / CorpID 不符）")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecryptError("消息不是 UTF-8 文本") from exc

    # the callback's envelopes ----------------------------------------------------------

    def encrypt_reply(self, xml: str, *, timestamp: str, nonce: str) -> str:
        """The encrypted passive-reply envelope for the reply ``xml``."""
        encrypted = self.encrypt(xml)
        return (
            f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{self.sign(timestamp, nonce, encrypted)}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )

    def decrypt_echostr(
        self, msg_signature: str | None, timestamp: str, nonce: str, echostr: str
    ) -> str:
        """WeCom URL verification: check the signature over the encrypted echostr and
        return it decrypted."""
        self.verify(msg_signature, timestamp, nonce, echostr)
        return self.decrypt(echostr)
