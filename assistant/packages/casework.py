"""Closing the loop by hand: a package whose follow-up shows no progress goes to a caseworker.

The caseworkers' console lists the people whose follow-up says "no progress" or went
unanswered (:meth:`PackageStore.no_progress`); :func:`open_follow_up_ticket` opens a hand-off
ticket (reason ``no_progress``) for one of them, with a summary naming the package and what
the follow-up found, the facts the package was built from and the conversation's transcript,
and links the ticket to the package so the person leaves the list.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from assistant.conversations import ConversationState, ConversationStore
from assistant.handoff import HandoffQueue
from assistant.models import HandoffTicket
from assistant.packages.catalogue import catalogue
from assistant.packages.store import PackageStore, StoredPackage

__all__ = [
    "NO_PROGRESS_LABELS",
    "OUTCOME_LABELS",
    "PackageTicketExistsError",
    "follow_up_summary",
    "key_group_labels",
    "key_group_names",
    "open_follow_up_ticket",
]

#: What each outcome means, as a caseworker reads it.
OUTCOME_LABELS: dict[str, str] = {
    "employed": "已经找到工作",
    "benefit_received": "补贴已经领到",
    "applied": "已提交申请，在等结果",
    "no_progress": "还没有进展",
}
#: Why a person is on the no-progress list.
NO_PROGRESS_LABELS: dict[str, str] = {
    "no_progress": "回访答复无进展",
    "no_response": "回访未答复",
}
_BEIJING = ZoneInfo("Asia/Shanghai")


class PackageTicketExistsError(Exception):
    """The package was already handed to a caseworker."""

    def __init__(self, package_id: int, ticket_id: int) -> None:
        super().__init__(f"就业服务包 {package_id} 已转人工跟进（工单 {ticket_id}）")
        self.package_id = package_id
        self.ticket_id = ticket_id


def key_group_names() -> dict[str, str]:
    """Each key group's name (packages.yaml) by its code."""
    return {str(code): entry.label for code, entry in catalogue().key_groups.items()}


def key_group_labels(codes: list[str]) -> list[str]:
    """The key groups' names, in the order given."""
    names = key_group_names()
    return [names.get(code, code) for code in codes]


def _day(moment: datetime) -> str:
    local = moment.astimezone(_BEIJING)
    return f"{local.year}年{local.month}月{local.day}日"


def follow_up_summary(stored: StoredPackage) -> str:
    """The ticket's summary: the package, who it is for, and what its follow-ups found."""
    groups = "、".join(key_group_labels(stored.key_groups)) or "未识别重点群体"
    head = f"就业服务包（编号 {stored.id}，{_day(stored.created_at)}发放；{groups}）"
    asked = sorted(
        (f for f in stored.follow_ups if f.asked_at is not None),
        key=lambda f: (f.asked_at or stored.created_at, f.id),
    )
    answered = [f for f in asked if f.status == "answered"]
    found: list[str] = []
    if answered:
        latest = answered[-1]
        outcome = latest.outcome or stored.outcome or ""
        said = f"，用户答复“{latest.answer}”" if latest.answer else ""
        found.append(f"第{latest.day}天回访结果：{OUTCOME_LABELS.get(outcome, outcome)}{said}")
        if stored.outcome is not None and stored.outcome != latest.outcome:
            found.append(f"此前最好进展：{OUTCOME_LABELS.get(stored.outcome, stored.outcome)}")
    if asked and asked[-1].status != "answered":
        waiting = asked[-1]
        assert waiting.asked_at is not None
        found.append(f"第{waiting.day}天回访已于{_day(waiting.asked_at)}发出，用户尚未答复")
    wish = stored.package.profile.wishes.occupation
    wanted = f"；求职意向：{wish}" if wish else ""
    status = "；".join(found) or "尚未到回访时间"
    return f"{head}跟踪回访：{status}{wanted}。请联系用户了解困难，协助推进就业。"


def open_follow_up_ticket(
    store: PackageStore,
    handoffs: HandoffQueue,
    package_id: int,
    *,
    now: datetime | None = None,
) -> HandoffTicket:
    """Opens a ``no_progress`` ticket for the package's conversation and links it to the
    package. A conversation that already has an open ticket keeps it (the package is
    linked to that one). :class:`PackageNotFoundError` for an unknown package,
    :class:`PackageTicketExistsError` when the package already has a ticket."""
    stored = store.get(package_id)
    if stored.ticket_id is not None:
        raise PackageTicketExistsError(package_id, stored.ticket_id)
    conversations: ConversationStore = handoffs.conversations
    state = conversations.get(stored.session_id)
    if state is None:  # a package saved outside a conversation (the command line)
        moment = now or datetime.now(UTC)
        state = ConversationState.model_validate(
            {
                "session_id": stored.session_id,
                "channel": stored.channel,
                "user_id": stored.user_id,
                "role": "job_seeker",
                "region": stored.package.region,
                "created_at": moment,
                "updated_at": moment,
            }
        )
    ticket = handoffs.open(
        state,
        reason="no_progress",
        summary=follow_up_summary(stored),
        facts=stored.package.profile.facts,
    )
    store.set_ticket(package_id, ticket.id)
    return ticket
