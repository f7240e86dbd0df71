"""Every table of every store, imported once so Alembic sees the whole schema."""

from __future__ import annotations

import assistant.conversations as _conversations  # noqa: F401  (conversations, their messages)
import assistant.feedback as _feedback  # noqa: F401  (assist_feedback)
import assistant.handoff as _handoff  # noqa: F401  (handoff_tickets)
import connectors.embeddings.cache as _embedding_cache  # noqa: F401  (embedding_cache)
import connectors.service_points.store as _service_points  # noqa: F401  (service_points)
import connectors.vacancies.store as _vacancies  # noqa: F401  (vacancies, vacancy_feeds, revision)
import connectors.wechat.store as _wechat  # noqa: F401  (wechat_inbound, wechat_outbox)
import knowledge.policies.store as _policies  # noqa: F401  (policy_documents, policy_chunks)
from connectors.database.engine import Base

__all__ = ["target_metadata"]

target_metadata = Base.metadata
