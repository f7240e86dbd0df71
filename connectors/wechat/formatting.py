"""Replies as WeChat shows them: plain text, sources as short numbered lines, and parts
small enough for one message.

WeChat renders no Markdown, so the marks an LLM may write (``**bold**``, headings, list
bullets, ``[text](url)`` links, code ticks) are taken out. A reply that cites passages
but has no source list yet gets one (``来源：`` then ``[1] 《…》第X条（…）``). A text
message carries at most 2048 bytes of UTF-8; longer replies are split at line ends and
sentence ends, and only a sentence longer than that is cut inside.
"""

from __future__ import annotations

import re

from assistant.composer import sources_text
from assistant.models import Reply
from knowledge.chinese import split_sentences

__all__ = ["WECHAT_TEXT_LIMIT", "format_reply", "plain_text", "split_message"]

#: Bytes of UTF-8 one WeChat text message may carry.
WECHAT_TEXT_LIMIT = 2048
_SOURCES_HEADING = "来源："
_MAX_SOURCES = 3

_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.MULTILINE)
_QUOTE = re.compile(r"^\s{0,3}>\s?", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__|~~)(.+?)\1")
_CODE = re.compile(r"`{1,3}")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")


def plain_text(text: str) -> str:
    """``text`` without Markdown marks."""
    text = _LINK.sub(lambda m: f"{m.group(1)} {m.group(2)}" if m.group(1) else m.group(2), text)
    text = _RULE.sub("", text)
    text = _HEADING.sub("", text)
    text = _QUOTE.sub("", text)
    text = _BULLET.sub(r"\1· ", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _CODE.sub("", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def format_reply(reply: Reply) -> str:
    """The reply's text for WeChat, with its sources."""
    text = plain_text(reply.text)
    if reply.citations and _SOURCES_HEADING not in text:
        text += "\n\n" + sources_text(reply.citations[:_MAX_SOURCES])
    return text


def _pieces(text: str) -> list[str]:
    """``text`` cut after each sentence and each line, nothing dropped."""
    pieces: list[str] = []
    for line in text.splitlines(keepends=True):
        start = 0
        for _, end in split_sentences(line)[:-1]:
            pieces.append(line[start:end])
            start = end
        pieces.append(line[start:])
    return pieces


def _hard_cut(piece: str, limit: int) -> list[str]:
    """A piece longer than ``limit`` bytes, cut on character boundaries."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in piece:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    parts.append("".join(current))
    return parts


def split_message(text: str, limit: int = WECHAT_TEXT_LIMIT) -> list[str]:
    """``text`` in parts of at most ``limit`` bytes of UTF-8, cut at sentence ends."""
    if limit < 4:
        raise ValueError("每条消息至少要能容纳一个字符（4 字节）")
    parts: list[str] = []
    current = ""
    for piece in _pieces(text):
        for chunk in _hard_cut(piece, limit) if len(piece.encode("utf-8")) > limit else [piece]:
            if len((current + chunk).encode("utf-8")) > limit:
                parts.append(current)
                current = chunk
            else:
                current += chunk
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]
