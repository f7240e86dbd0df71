"""Guardrails around a turn: what may come in, and what may go out.

Inbound, a message is masked for personal data (:mod:`.pii`), checked for prompt injection
(:mod:`.injection`) and for sensitive situations that need a service or a person
(:mod:`.sensitive`). Outbound, every amount, duration, date, rate and article in an answer
must appear in the evidence behind it (:mod:`.grounding`). Patterns, replies and sources are
data in the YAML files beside the modules.
"""

from assistant.guardrails.grounding import (
    UngroundedClaim,
    factual_claims,
    remove_sentences,
    ungrounded_sentences,
)
from assistant.guardrails.injection import as_data, injection_markers
from assistant.guardrails.pii import MaskedText, mask_pii
from assistant.guardrails.sensitive import SensitiveTopic, detect_sensitive

__all__ = [
    "MaskedText",
    "SensitiveTopic",
    "UngroundedClaim",
    "as_data",
    "detect_sensitive",
    "factual_claims",
    "injection_markers",
    "mask_pii",
    "remove_sentences",
    "ungrounded_sentences",
]
