"""Answers that list things: vacancies, service points, a hand-off ticket."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.models import HandoffTicket
from connectors.service_points.models import ServicePointHit
from connectors.vacancies.search import VacancyResults

__all__ = ["handoff_answer", "service_points_answer", "vacancies_answer"]


def vacancies_answer(results: VacancyResults, query: str | None) -> str:
    if not results.hits:
        what = f"“{query}”相关的" if query else ""
        return f"暂时没有找到符合条件的{what}岗位。可以换个关键词，或放宽工资、区域等条件再试。"
    lines = [f"为您找到 {results.total} 个符合条件的岗位，先列出 {len(results.hits)} 个："]
    for i, hit in enumerate(results.hits, start=1):
        distance = f"，距您约{hit.distance_km:.1f}公里" if hit.distance_km is not None else ""
        lines.append(f"{i}. {hit.title}｜{hit.employer}｜{hit.salary}｜{hit.place}{distance}")
        lines.append(f"   {hit.how_to_apply}")
    return "\n".join(lines)


def service_points_answer(hits: Sequence[ServicePointHit]) -> str:
    if not hits:
        return "附近没有找到公共就业服务网点。可以告诉我您所在的区，或拨打12333咨询。"
    lines = ["离您较近的公共就业服务网点："]
    for i, hit in enumerate(hits, start=1):
        point = hit.point
        walk = f"，步行约{hit.walking_minutes}分钟" if hit.walking_minutes is not None else ""
        lines.append(f"{i}. {point.name}（{point.kind}）{point.address}{walk}")
        extra = "；".join(p for p in (point.hours, point.phone and f"电话 {point.phone}") if p)
        if extra:
            lines.append(f"   {extra}")
    return "\n".join(lines)


def handoff_answer(ticket: HandoffTicket) -> str:
    return (
        f"已为您转接人工服务（工单号 {ticket.id}），工作人员会尽快在这里回复您。"
        "在此期间您发的消息都会转给工作人员。"
    )
