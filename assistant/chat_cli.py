"""``jiuye chat`` (an interactive terminal conversation) and ``jiuye ask`` (one turn, for
scripts); ``jiuye run`` starts the chat after loading the samples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape

from assistant.composer import facts_summary
from assistant.engine import Assistant
from assistant.models import BRAINS, ROLES, BrainName, Reply, Role, Turn
from assistant.settings import Settings, get_settings
from assistant.terminal import console, errors, fail, parse_day, progress_bar
from connectors.errors import ConnectorError
from connectors.geo import parse_point
from knowledge.policies.errors import KnowledgeError
from knowledge.policies.knowledge_base import KnowledgeBase
from knowledge.regions import is_valid_region, region_name

__all__ = ["ask", "chat", "open_assistant", "prepare_samples"]

_HELP = (
    "命令：/facts 查看已收集的情况 · /reset 重新开始 · /role job_seeker|employer|agent · "
    "/region 440100 · /brain offline|llm · /quit 退出"
)


def prepare_samples(settings: Settings, *, quiet: bool = False) -> KnowledgeBase:
    """Opens the knowledge base with the sample policies, vacancies and service points in
    (cheap once they are: unchanged files and feeds cost a hash)."""
    from assistant.runtime import build_knowledge_base, build_vacancy_sync, configured_feeds
    from connectors.service_points.samples import load_sample_points
    from connectors.service_points.store import ServicePointStore
    from knowledge.samples import load_samples

    kb = build_knowledge_base(settings)
    with progress_bar("加载示例知识库", enabled=not quiet) as progress:
        report = load_samples(kb, progress=progress)
    for problem in report.problems:
        errors.print(f"[yellow]跳过[/] {escape(str(problem))}")
    with progress_bar("补全向量", enabled=not quiet) as progress:
        kb.sync_vectors(progress=progress)
    syncer = build_vacancy_sync(settings, kb.database)
    for spec in configured_feeds(settings):
        sync_report = syncer.sync(spec)
        if sync_report.status != "unchanged" and not quiet:
            console.print(sync_report.summary)
    points = ServicePointStore(kb.database)
    if points.count() == 0:
        load_sample_points(points)
    return kb


def open_assistant(settings: Settings, brain: BrainName | None, *, quiet: bool) -> Assistant:
    from assistant.runtime import build_assistant

    try:
        return build_assistant(settings, prepare_samples(settings, quiet=quiet), brain=brain)
    except (KnowledgeError, ConnectorError, ValueError) as exc:
        raise fail(str(exc)) from exc


def _check_choice(value: str | None, allowed: tuple[str, ...], what: str) -> None:
    if value is not None and value not in allowed:
        raise fail(f"{what}只能是 {' / '.join(allowed)}：{value}", 2)


def _check_region(region: str | None) -> None:
    if region is not None and not is_valid_region(region):
        raise fail(f"不认识的行政区划代码：{region}（应为 6 位数字，如 410100 郑州市）", 2)


def show_reply(reply: Reply) -> None:
    """The answer, then its sources as footnotes and what happened behind it."""
    console.print(f"[bold green]助手：[/]{escape(reply.text)}", highlight=False)
    for n, citation in enumerate(reply.citations, start=1):
        if f"[{n}]" not in reply.text:
            continue
        where = region_name(citation.region) or citation.region
        valid = citation.valid_from.isoformat() if citation.valid_from else "?"
        console.print(
            f"[dim]  [{n}] {escape(citation.label)} · {escape(where)} · {valid} 起 · "
            f"{escape(citation.doc_id)}[/]",
            highlight=False,
        )
    if reply.summary:
        console.print(f"[cyan]情况摘要：[/]{escape(reply.summary)}", highlight=False)
    if reply.handoff:
        console.print(f"[yellow]已转人工：工单 {reply.handoff.id}（{reply.handoff.reason}）[/]")
    tools = "、".join(call.name for call in reply.tool_calls)
    console.print(
        f"[dim]  {reply.brain} · {reply.intent or '-'} · 置信度 {reply.confidence:.2f}"
        f"{' · 工具 ' + tools if tools else ''} · {reply.timings.total_ms:.0f} ms[/]"
    )


@dataclass
class _ChatSession:
    user: str
    role: Role
    region: str | None
    brain: BrainName | None
    location: str | None = None

    def command(self, assistant: Assistant, line: str) -> bool:
        """Runs a /command; False when the chat should end."""
        name, _, value = line[1:].partition(" ")
        value = value.strip()
        if name in ("quit", "exit", "q"):
            return False
        if name == "facts":
            state = assistant.conversations.get(f"cli:{self.user}")
            known = facts_summary(state.facts, assistant.toolbox.rules.facts) if state else ""
            console.print(known or "还没有收集到任何情况。")
        elif name == "reset":
            self.say(assistant, "重新开始")
        elif name == "role" and value in ROLES:
            self.role = value
            console.print(f"角色已切换为 {value}。")
        elif name == "region" and is_valid_region(value):
            self.region = value
            console.print(f"地区已切换为 {region_name(value) or value}（{value}）。")
        elif name == "brain" and value in BRAINS:
            try:
                assistant.brain(value)
            except ValueError as exc:
                errors.print(f"[red]{escape(str(exc))}[/]")
            else:
                self.brain = value
                console.print(f"已切换到 {value}。")
        else:
            console.print(_HELP)
        return True

    def say(self, assistant: Assistant, text: str) -> None:
        try:
            turn = Turn(
                channel="cli",
                user_id=self.user,
                role=self.role,
                region=self.region,
                location=parse_point(self.location) if self.location else None,
                text=text,
            )
            show_reply(assistant.respond(turn, brain=self.brain))
        except (ValidationError, ValueError) as exc:
            errors.print(f"[red]{escape(str(exc))}[/]")


def chat(
    role: Annotated[
        str, typer.Option(help="job_seeker（求职者）/ employer（用人单位）/ agent（坐席）")
    ] = "job_seeker",
    region: Annotated[str | None, typer.Option(help="所在地区的 6 位行政区划代码")] = None,
    brain: Annotated[str | None, typer.Option(help="offline（默认）或 llm")] = None,
    user: Annotated[str, typer.Option(help="会话的用户标识")] = "local",
    location: Annotated[str | None, typer.Option(help="所在位置“纬度,经度”（WGS-84）")] = None,
) -> None:
    """在终端里和助手对话（政策问答、政策计算器、找岗位、找网点、转人工）。"""
    _check_choice(role, ROLES, "角色")
    _check_choice(brain, BRAINS, "brain")
    _check_region(region)
    settings = get_settings()
    assistant = open_assistant(settings, brain, quiet=False)  # type: ignore[arg-type]
    session = _ChatSession(user, role, region, brain, location)  # type: ignore[arg-type]
    where = region or settings.default_region
    console.print(
        f"[bold]就业服务助手[/]（{assistant.default_brain if brain is None else brain}，"
        f"地区 {region_name(where) or where}）。{_HELP}"
    )
    while True:
        try:
            line = input("您> ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if not line:
            continue
        if line.startswith("/"):
            if not session.command(assistant, line):
                return
            continue
        session.say(assistant, line)


def ask(
    question: Annotated[str, typer.Argument(help="问题，例如“失业保险金怎么领”")],
    role: Annotated[str, typer.Option(help="job_seeker / employer / agent")] = "job_seeker",
    region: Annotated[str | None, typer.Option(help="所在地区的 6 位行政区划代码")] = None,
    on_date: Annotated[str | None, typer.Option("--date", help="提问日期，如 2025-06-01")] = None,
    brain: Annotated[str | None, typer.Option(help="offline（默认）或 llm")] = None,
    user: Annotated[str, typer.Option(help="会话的用户标识（同一标识延续同一会话）")] = "ask",
    location: Annotated[str | None, typer.Option(help="所在位置“纬度,经度”（WGS-84）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出完整回复（JSON）")] = False,
) -> None:
    """问一句，得到一条回复（脚本用：--json 输出文本、出处、工具调用、情况和转人工）。"""
    _check_choice(role, ROLES, "角色")
    _check_choice(brain, BRAINS, "brain")
    _check_region(region)
    day = parse_day(on_date)
    try:
        point = parse_point(location) if location else None
        turn = Turn(
            channel="cli",
            user_id=user,
            role=role,  # type: ignore[arg-type]
            region=region,
            location=point,
            text=question,
            on_date=day,
        )
    except (ValidationError, ValueError) as exc:
        raise fail(str(exc), 2) from exc
    assistant = open_assistant(get_settings(), brain, quiet=True)  # type: ignore[arg-type]
    try:
        reply = assistant.respond(turn, brain=brain)  # type: ignore[arg-type]
    except (KnowledgeError, ConnectorError) as exc:
        raise fail(str(exc)) from exc
    if as_json:
        typer.echo(reply.model_dump_json(indent=2))
    else:
        show_reply(reply)
