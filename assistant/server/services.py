"""The running parts behind the HTTP service, built once per process from the settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from assistant.assist import AgentAssist
from assistant.engine import Assistant
from assistant.feedback import FeedbackStore
from assistant.models import BrainName, HandoffTicket, Reply, Turn
from assistant.packages.push import FollowUpPush
from assistant.server.observability import Metrics
from assistant.settings import Settings
from connectors.handoff_sinks import HandoffWebhook
from connectors.vacancies.scheduler import PeriodicSync
from connectors.wechat import WeChatChannel
from knowledge.policies.knowledge_base import KnowledgeBase

__all__ = ["Services", "build_services"]

log = logging.getLogger("jiuye.turns")


@dataclass
class Services:
    """What the routes use; ``start``/``stop`` run the background work (vacancy sync,
    hand-off webhook, WeChat customer-service delivery, the push of due follow-ups to
    WeChat users) for the app's lifetime."""

    settings: Settings
    knowledge: KnowledgeBase
    assistant: Assistant
    assist: AgentAssist
    feedback: FeedbackStore
    vacancy_sync: PeriodicSync
    webhook: HandoffWebhook | None = None
    wechat: WeChatChannel | None = None
    follow_up_push: FollowUpPush | None = None
    metrics: Metrics = field(default_factory=Metrics)

    def __post_init__(self) -> None:
        self.assistant.handoffs.on_open.append(self._count_handoff)
        self.metrics.packages.source = self.assistant.toolbox.packages.statistics
        if self.webhook is not None:
            self.assistant.handoffs.on_open.append(self.webhook.notify)

    def _count_handoff(self, ticket: HandoffTicket) -> None:
        self.metrics.handoffs.labels(ticket.reason, ticket.channel).inc()

    def respond(self, turn: Turn, *, brain: BrainName | None = None) -> Reply:
        """One turn through the engine, measured and logged (every channel comes here)."""
        try:
            reply = self.assistant.respond(turn, brain=brain)
        except Exception:
            self.metrics.errors.labels("turn").inc()
            raise
        self.metrics.turn_seconds.labels(reply.brain, turn.channel).observe(
            reply.timings.total_ms / 1000
        )
        for call in reply.tool_calls:
            outcome = "error" if call.error else "ok"
            self.metrics.tool_calls.labels(call.name, outcome).inc()
        log.info(
            "turn answered",
            extra={
                "session_id": reply.session_id,
                "channel": turn.channel,
                "brain": reply.brain,
                "intent": reply.intent,
                "tools": [call.name for call in reply.tool_calls],
                "handoff": reply.handoff.id if reply.handoff else None,
                "duration_ms": round(reply.timings.total_ms, 1),
                "text": turn.text[:200],
            },
        )
        return reply

    def start(self) -> None:
        self.knowledge.retriever  # noqa: B018  (build the lexical index before the first user)
        self.vacancy_sync.start()
        if self.webhook is not None:
            self.webhook.start()
        if self.wechat is not None:
            self.wechat.start()
        if self.follow_up_push is not None:
            self.follow_up_push.start()

    def stop(self) -> None:
        self.vacancy_sync.stop()
        if self.webhook is not None:
            self.webhook.close()
        if self.follow_up_push is not None:
            self.follow_up_push.stop()  # before the channel, whose delivery it wakes
        if self.wechat is not None:
            self.wechat.stop()


def build_services(settings: Settings, knowledge: KnowledgeBase | None = None) -> Services:
    """Everything the service needs over the configured stores (samples not loaded here:
    ``jiuye serve`` loads them first unless told not to)."""
    from assistant.runtime import (
        build_assistant,
        build_follow_up_push,
        build_knowledge_base,
        build_vacancy_sync,
        build_wechat_channel,
        configured_feeds,
    )

    knowledge = knowledge or build_knowledge_base(settings)
    assistant = build_assistant(settings, knowledge)
    sync = PeriodicSync(
        build_vacancy_sync(settings, knowledge.database),
        configured_feeds(settings),
        settings.vacancy_sync_interval,
    )
    webhook = None
    if settings.handoff_webhook_url:
        webhook = HandoffWebhook(
            knowledge.database,
            settings.handoff_webhook_url,
            secret=settings.handoff_webhook_secret,
            console_url=(
                f"{settings.public_url.rstrip('/')}/console#ticket-{{id}}"
                if settings.public_url
                else None
            ),
        )
    services = Services(
        settings=settings,
        knowledge=knowledge,
        assistant=assistant,
        assist=AgentAssist(
            assistant.toolbox, assistant.offline.nlu, default_region=settings.default_region
        ),
        feedback=FeedbackStore(knowledge.database),
        vacancy_sync=sync,
        webhook=webhook,
    )
    services.wechat = build_wechat_channel(settings, knowledge.database, services.respond)
    services.follow_up_push = build_follow_up_push(settings, knowledge.database, services.wechat)
    return services
