"""The ``jiuye`` command line: ingest, search and list policy documents, run the assistant."""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from assistant.settings import Settings, get_settings
from assistant.terminal import console, errors, fail, parse_day, progress_bar
from connectors.errors import ConnectorError
from knowledge.policies.errors import KnowledgeError
from knowledge.policies.ingest import IngestReport
from knowledge.policies.knowledge_base import KnowledgeBase
from knowledge.policies.models import Citation
from knowledge.rules.errors import RuleError
from knowledge.rules.models import EligibilityResult, OutputValue

__all__ = ["app", "main"]

app = typer.Typer(
    name="jiuye",
    help="就业（Jiuye）公共就业服务助手：政策知识库、检索与对话。",
    no_args_is_help=True,
    add_completion=False,
)


def _register_subcommands() -> None:
    from assistant.chat_cli import ask, chat
    from assistant.package_cli import package
    from assistant.points_cli import points_app
    from assistant.server.cli import serve, token_app
    from assistant.vacancies_cli import vacancies_app
    from connectors.rasa.cli import rasa_actions
    from eval.cli import eval_command

    app.command()(chat)
    app.command()(ask)
    app.command()(serve)
    app.command(name="rasa-actions")(rasa_actions)
    app.command(name="eval")(eval_command)
    app.command()(package)

    app.add_typer(vacancies_app, name="vacancies")
    app.add_typer(token_app, name="token")
    app.add_typer(points_app, name="points", help="公共就业服务网点（15分钟就业服务圈）。")


_register_subcommands()


class AudienceChoice(StrEnum):
    job_seeker = "job_seeker"
    employer = "employer"


def _open(settings: Settings) -> KnowledgeBase:
    from assistant.runtime import build_knowledge_base

    return build_knowledge_base(settings)


def _print_report(report: IngestReport) -> None:
    console.print(
        f"新增 {len(report.added)} 篇，更新 {len(report.updated)} 篇，"
        f"元数据更新 {len(report.metadata_updated)} 篇，未变 {len(report.unchanged)} 篇，"
        f"删除 {len(report.removed)} 篇；写入 {report.chunks_written} 个段落。"
    )
    for problem in report.problems:
        errors.print(f"[yellow]跳过[/] {escape(str(problem))}")


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="文件或目录；与 --manifest 同用时为清单中路径的根目录"),
    ] = None,
    manifest: Annotated[Path | None, typer.Option(help="JSONL 元数据清单")] = None,
    only: Annotated[Path | None, typer.Option(help="只导入清单中的这些路径（每行一个）")] = None,
    prune: Annotated[bool, typer.Option(help="删除源文件已不存在的文档")] = False,
    samples: Annotated[bool, typer.Option(help="导入项目自带的示例知识库")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度条")] = False,
) -> None:
    """导入政策文档（Markdown、TXT、HTML、DOCX、PDF）。"""
    paths = paths or []
    if not (paths or manifest or prune or samples):
        raise fail("请给出要导入的文件/目录，或 --manifest / --samples / --prune", 2)
    for path in paths:
        if not path.exists():
            raise fail(f"路径不存在：{path}", 2)
    if manifest is not None and not manifest.exists():
        raise fail(f"清单文件不存在：{manifest}", 2)
    if only is not None and not only.exists():
        raise fail(f"--only 列表不存在：{only}", 2)
    try:
        kb = _open(get_settings())
        reports: list[IngestReport] = []
        with progress_bar("导入", enabled=not quiet) as progress:
            if samples:
                from knowledge.samples import load_samples

                reports.append(load_samples(kb, progress=progress))
            if manifest is not None:
                root = paths[0] if len(paths) == 1 and paths[0].is_dir() else None
                reports.append(
                    kb.ingest_manifest(manifest, only=only, root=root, progress=progress)
                )
            elif paths:
                reports.append(kb.ingest_paths(paths, progress=progress))
        _sync_vectors(kb, quiet)
        if prune:
            reports.append(kb.prune())
    except (KnowledgeError, ConnectorError) as exc:
        raise fail(str(exc)) from exc
    total = IngestReport()
    for report in reports:
        total.merge(report)
    _print_report(total)
    if total.problems and not total.changed and not total.unchanged:
        raise typer.Exit(1)


def _sync_vectors(kb: KnowledgeBase, quiet: bool) -> None:
    """Vectors missing for stored chunks (e.g. a new embedding model) are computed now."""
    with progress_bar("补全向量", enabled=not quiet) as progress:
        written = kb.sync_vectors(progress=progress)
    if written:
        console.print(f"已为 {written} 个段落补算向量。")


def _citation_dict(citation: Citation) -> dict[str, Any]:
    return citation.model_dump(mode="json")


def _validity(citation: Citation) -> str:
    start = citation.valid_from.isoformat() if citation.valid_from else "?"
    end = citation.valid_to.isoformat() if citation.valid_to else "现行"
    return f"{start} ~ {end}"


def _show(citations: list[Citation]) -> None:
    if not citations:
        console.print("没有找到相关条文。")
        return
    for rank, c in enumerate(citations, start=1):
        place = c.label if c.article or not c.chapter else f"{c.label} {c.chapter}"
        console.print(
            f"[bold cyan]{rank}.[/] [bold]{escape(place)}[/]  "
            f"[dim]{c.region} · {_validity(c)} · {c.doc_id}[/]",
            soft_wrap=True,
        )
        quote = c.quote if len(c.quote) <= 300 else c.quote[:300] + "……"
        # Soft wrap: rich would otherwise break lines at the few spaces in Chinese text.
        console.print(escape(quote), "\n", highlight=False, soft_wrap=True)


@app.command()
def search(
    query: Annotated[str | None, typer.Argument(help="问题；省略时进入交互模式")] = None,
    region: Annotated[str | None, typer.Option(help="用户所在地区的 6 位行政区划代码")] = None,
    on_date: Annotated[str | None, typer.Option("--date", help="按这一天有效的版本检索")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="返回条数")] = 5,
    audience: Annotated[AudienceChoice | None, typer.Option(help="只看面向该对象的文档")] = None,
    history: Annotated[bool, typer.Option(help="也检索已被替代的旧版本")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """检索政策条文，带出处（文件、条款、地区、有效期）。"""
    settings = get_settings()
    region = region or settings.default_region
    day = parse_day(on_date)
    try:
        kb = _open(settings)
        if query is None:
            _interactive(kb, region, day, k)
            return
        citations = kb.search(
            query,
            region=region,
            on_date=day,
            audience=audience.value if audience else None,
            include_history=history,
            k=k,
        )
    except (KnowledgeError, ConnectorError) as exc:
        raise fail(str(exc)) from exc
    if as_json:
        console.print_json(json.dumps([_citation_dict(c) for c in citations], ensure_ascii=False))
    else:
        _show(citations)


def _interactive(kb: KnowledgeBase, region: str, day: date | None, k: int) -> None:
    docs, chunks = kb.store.counts()
    console.print(
        f"[bold]就业政策检索[/]（{docs} 篇文档，{chunks} 个段落；地区 {region}）。"
        "输入问题回车检索，输入 q 退出。"
    )
    while True:
        try:
            line = input("问题> ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if line in ("q", "quit", "exit", "退出"):
            return
        if line:
            try:
                _show(kb.search(line, region=region, on_date=day, k=k))
            except (KnowledgeError, ConnectorError) as exc:
                errors.print(f"[red]{exc}[/]")


@app.command()
def docs(
    region: Annotated[str | None, typer.Option(help="只列出该地区可见的文档")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出知识库中的文档及其有效期。"""
    try:
        kb = _open(get_settings())
        documents = kb.documents()
    except (KnowledgeError, ConnectorError) as exc:
        raise fail(str(exc)) from exc
    if region:
        from knowledge.regions import ancestors, validate_region

        try:
            visible = set(ancestors(validate_region(region)))
        except KnowledgeError as exc:
            raise fail(str(exc), 2) from exc
        documents = [d for d in documents if d.region in visible]
    if as_json:
        console.print_json(
            json.dumps([d.model_dump(mode="json") for d in documents], ensure_ascii=False)
        )
        return
    today = date.today()
    table = Table(title=f"知识库文档（{len(documents)} 篇）")
    for column in ("标题", "地区", "生效", "失效", "状态", "ID"):
        table.add_column(column)
    for d in documents:
        status = (
            "现行"
            if d.in_force_on(today)
            else ("尚未生效" if d.valid_from and d.valid_from > today else "已失效")
        )
        table.add_row(
            d.title,
            d.region,
            d.valid_from.isoformat() if d.valid_from else "",
            d.valid_to.isoformat() if d.valid_to else "",
            status,
            d.id,
        )
    console.print(table)


_STATUS_TEXT = {
    "eligible": "[green]符合条件[/]",
    "not_eligible": "[red]不符合条件[/]",
    "need_more_facts": "[yellow]还需要了解一些情况[/]",
    "ended": "[dim]政策已结束[/]",
    "not_yet": "[dim]政策尚未施行[/]",
}
_MARKS = {"met": "[green]✓[/]", "not_met": "[red]✗[/]", "unknown": "[yellow]?[/]"}


def _show_output(output: OutputValue) -> str:
    if output.value is None:
        value = escape(output.note or "暂时算不出，需要更多情况")
    else:
        value = f"{output.value:g}" if isinstance(output.value, float) else str(output.value)
        value = f"[bold]{value}[/] {output.unit or ''}".rstrip()
    sample = "（示例数据）" if output.sample else ""
    figures = [s.label for s in output.parameter_sources if s.label != output.source.label]
    basis = "；数值来源 " + "、".join(figures) if figures else ""
    return f"{output.label}：{value}{sample} — {escape(output.source.label + basis)}"


def _show_result(result: EligibilityResult) -> None:
    console.print(
        f"[bold]{escape(result.title)}[/]  [dim]{result.policy_id} · 地区 {result.region}"
        f" · {result.on_date.isoformat()}[/]"
    )
    console.print(f"结论：{_STATUS_TEXT[result.status]}")
    for note in result.notes:
        console.print(f"  {escape(note)}")
    if result.status in ("ended", "not_yet"):
        return
    if result.outputs:
        console.print("待遇：")
        for output in result.outputs:
            console.print(f"  {_show_output(output)}")
    console.print("判断过程：")
    for step in result.trace:
        console.print(
            f"  {_MARKS[step.outcome]} {escape(step.explanation)} — {escape(step.source.label)}"
        )
    if result.missing:
        console.print("还需要回答：")
        for i, fact in enumerate(result.missing, start=1):
            console.print(f"  {i}. {escape(fact.question)}  [dim]（{fact.name}）[/]")
            if fact.values:
                options = "；".join(f"{code}={label}" for code, label in fact.values.items())
                console.print(f"     [dim]可选：{escape(options)}[/]")
    if result.apply and result.status != "not_eligible":
        console.print(f"怎么申请：{escape(result.apply.where)}")
        if result.apply.materials:
            console.print(f"  材料：{escape('、'.join(result.apply.materials))}")
        if result.apply.how:
            console.print(f"  办理：{escape(result.apply.how)}")
        if result.apply.deadline:
            console.print(f"  期限：{escape(result.apply.deadline)}")


@app.command()
def check(
    policy: Annotated[str | None, typer.Argument(help="政策编号，如 unemployment_benefit")] = None,
    fact: Annotated[
        list[str] | None, typer.Option("--fact", "-f", help="已知情况，如 age=23（可多次）")
    ] = None,
    region: Annotated[str | None, typer.Option(help="6 位行政区划代码")] = None,
    on_date: Annotated[str | None, typer.Option("--date", help="按这一天的政策计算")] = None,
    screen: Annotated[bool, typer.Option("--screen", help="一次检查所有政策")] = False,
    audience: Annotated[AudienceChoice | None, typer.Option(help="只看面向该对象的政策")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """政策计算器：能不能享受、能享受多少、还缺哪些情况。"""
    from knowledge.rules.engine import EligibilityEngine
    from knowledge.rules.facts import parse_assignments

    if not screen and not policy:
        raise fail("请给出政策编号，或用 --screen 检查所有政策", 2)
    day = parse_day(on_date)
    region = region or get_settings().default_region
    try:
        engine = EligibilityEngine()
        facts = parse_assignments(fact or [])
        if screen:
            screening = engine.screen(
                facts, region=region, on_date=day, audience=audience.value if audience else None
            )
            if as_json:
                console.print_json(screening.model_dump_json())
                return
            for result in screening.results:
                _show_result(result)
                console.print()
            if screening.next_questions:
                console.print("[bold]接下来可以回答：[/]")
                for i, question in enumerate(screening.next_questions[:5], start=1):
                    console.print(
                        f"  {i}. {escape(question.question)}  [dim]（{question.name}）[/]"
                    )
            return
        assert policy is not None
        result = engine.check(policy, facts, region=region, on_date=day)
    except (RuleError, KnowledgeError) as exc:
        raise fail(str(exc), 2) from exc
    if as_json:
        console.print_json(result.model_dump_json())
    else:
        _show_result(result)


@app.command()
def run() -> None:
    """启动助手：首次启动时导入示例知识库、岗位和网点，然后在 127.0.0.1:8000 提供服务。"""
    from assistant.server.cli import serve

    serve(host=None, port=None, samples=True)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        sys.exit(130)
