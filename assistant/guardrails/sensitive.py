"""Sensitive situations that need a service, a caring word or a person, not a policy answer.

Someone who writes "我不想活了" or "工地上摔伤了，老板不管" should not get a list of
subsidies. The topics, their trigger patterns, replies and sources are data
(``sensitive.yaml``), so a caseworker can review the wording and the phone numbers without
reading code; this module only finds the first topic that fits a message.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.models import HandoffReason

__all__ = ["SensitiveTopic", "detect_sensitive"]

SENSITIVE_FILE = Path(__file__).with_name("sensitive.yaml")

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


class SensitiveTopic(BaseModel):
    """What to say and whom to involve when a message touches a sensitive situation."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    reply: str
    handoff: bool
    reason: HandoffReason
    service: str | None = None
    citation_query: str | None = Field(
        default=None, description="search for the article to cite; None when none applies"
    )
    source_note: str | None = Field(
        default=None, description="where the numbers and legal references come from"
    )


class _TopicEntry(SensitiveTopic):
    model_config = ConfigDict(extra="forbid", frozen=True)

    patterns: list[str] = Field(min_length=1)
    ignore: list[str] = Field(default_factory=list)
    examples: list[str] = Field(min_length=1)


class _SensitiveFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topics: list[_TopicEntry]
    non_examples: list[str] = Field(default_factory=list)


class _CompiledTopic(NamedTuple):
    topic: SensitiveTopic
    patterns: tuple[re.Pattern[str], ...]
    ignore: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=1)
def _topics() -> tuple[_CompiledTopic, ...]:
    data = _SensitiveFile.model_validate(yaml.safe_load(SENSITIVE_FILE.read_text(encoding="utf-8")))
    public = set(SensitiveTopic.model_fields)
    return tuple(
        _CompiledTopic(
            topic=SensitiveTopic.model_validate(entry.model_dump(include=public)),
            patterns=tuple(re.compile(p, re.IGNORECASE) for p in entry.patterns),
            ignore=tuple(re.compile(p, re.IGNORECASE) for p in entry.ignore),
        )
        for entry in data.topics
    )


def detect_sensitive(text: str) -> SensitiveTopic | None:
    """The first topic (in file order, which is priority order) that ``text`` triggers."""
    prepared = _prepare(text)
    for compiled in _topics():
        scoped = prepared
        for pattern in compiled.ignore:
            scoped = pattern.sub(" ", scoped)
        if any(p.search(scoped) for p in compiled.patterns):
            return compiled.topic
    return None


def _prepare(text: str) -> str:
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).lower()
    return _SPACE_BETWEEN_CJK.sub("", text)
