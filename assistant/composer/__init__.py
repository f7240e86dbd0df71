"""The offline answer composer: turns tool results into plain Chinese, grounded replies.

Every figure, date and condition in a composed answer is copied from a tool result — a
cited passage, an eligibility result, a vacancy — so the composer cannot invent one.
``policies`` writes policy answers (plain answer, legal basis, whole clause quoted),
``eligibility`` the calculator's conclusions and questions, ``listings`` vacancies,
service points and hand-off notices, ``sources`` the source list and fact summaries.
"""

from __future__ import annotations

from assistant.composer.eligibility import (
    QUESTIONS_PER_TURN,
    eligibility_answer,
    inferred_text,
    plain_note,
    questions_text,
    questions_to_ask,
    screening_answer,
)
from assistant.composer.listings import handoff_answer, service_points_answer, vacancies_answer
from assistant.composer.policies import (
    basis_text,
    policy_answer,
    quote_text,
    related_rule,
    unsure_answer,
)
from assistant.composer.sources import facts_summary, sources_text, validity_text

__all__ = [
    "QUESTIONS_PER_TURN",
    "basis_text",
    "eligibility_answer",
    "facts_summary",
    "handoff_answer",
    "inferred_text",
    "plain_note",
    "policy_answer",
    "questions_text",
    "questions_to_ask",
    "quote_text",
    "related_rule",
    "screening_answer",
    "service_points_answer",
    "sources_text",
    "unsure_answer",
    "vacancies_answer",
    "validity_text",
]
