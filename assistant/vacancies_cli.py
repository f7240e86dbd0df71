"""``jiuye vacancies``: sync feeds, search open vacancies, write a demo feed, keep syncing."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assistant.settings import get_settings
from assistant.terminal import console, errors, fail, progress_bar
from connectors.errors import ConnectorError
from connectors.geo import CoordinateSystem, parse_point
from connectors.vacancies.feeds import FeedSpec
from connectors.vacancies.models import VacancyHit
from connectors.vacancies.readers import FeedFormat
from connectors.vacancies.sync import SyncReport
from knowledge.policies.errors import KnowledgeError

__all__ = ["vacancies_app"]

vacancies_app = typer.Typer(
    help="招聘岗位：同步订阅源、检索在招岗位、生成演示数据。", no_args_is_help=True
)

_SHOWN_PROBLEMS = 20


def _print_sync(report: SyncReport) -> None:
    colour = {"failed": "red", "unchanged": "dim", "updated": "green"}[report.status]
    console.print(f"[{colour}]{escape(report.summary)}[/]（{report.seconds:.1f} 秒）")
    for note in report.notes:
        console.print(f"  [yellow]注意[/] {escape(note)}")
    for problem in report.problems[:_SHOWN_PROBLEMS]:
        errors.print(f"  [yellow]跳过[/] {escape(str(problem))}")
    if len(report.problems) > _SHOWN_PROBLEMS:
        errors.print(
            f"  …另有 {len(report.problems) - _SHOWN_PROBLEMS} 条有问题的记录（--json 查看全部）"
        )


def _report_dict(report: SyncReport) -> dict[str, object]:
    data = dict(vars(report))
    data["problems"] = [
        {"position": p.position, "identifier": p.identifier, "reason": p.reason}
        for p in report.problems
    ]
    return data


@vacancies_app.command()
def sync(
    feeds: Annotated[
        list[str] | None,
        typer.Argument(help="订阅源：本地文件或 http(s) 地址；省略时同步 JIUYE_VACANCY_FEEDS"),
    ] = None,
    source: Annotated[str | None, typer.Option(help="来源名称（默认取域名或文件名）")] = None,
    feed_format: Annotated[
        FeedFormat | None, typer.Option("--format", help="格式（默认自动判断）")
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="CSV 列映射文件（YAML）")] = None,
    crs: Annotated[
        str, typer.Option(help="坐标系：WGS84、GCJ02（高德/腾讯）、BD09（百度）")
    ] = "WGS84",
    partial: Annotated[
        bool, typer.Option("--partial", help="增量订阅源：不因缺少某条记录而下架它")
    ] = False,
    region: Annotated[str | None, typer.Option(help="记录未写地点时使用的行政区划代码")] = None,
    force: Annotated[bool, typer.Option(help="忽略 ETag/内容未变，重新处理")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度条")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 报告")] = False,
) -> None:
    """同步岗位订阅源（JSON-LD、JSON Lines、HTML 内嵌 JSON-LD、CSV）。"""
    from assistant.runtime import build_vacancy_sync, configured_feeds

    settings = get_settings()
    try:
        system = CoordinateSystem.parse(crs)
        if mapping is not None and not mapping.exists():
            raise ValueError(f"列映射文件不存在：{mapping}")
        specs = (
            [
                FeedSpec(
                    location=feed,
                    source=source,
                    format=feed_format,
                    mapping=mapping,
                    crs=system,
                    full=not partial,
                    region=region,
                )
                for feed in feeds
            ]
            if feeds
            else configured_feeds(settings)
        )
    except (ValueError, ConnectorError) as exc:
        raise fail(str(exc), 2) from exc
    reports: list[SyncReport] = []
    try:
        syncer = build_vacancy_sync(settings)
        for spec in specs:
            with progress_bar("同步", enabled=not (quiet or as_json)) as progress:
                reports.append(syncer.sync(spec, force=force, progress=progress))
            if not as_json:
                _print_sync(reports[-1])
    except ConnectorError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        console.print_json(json.dumps([_report_dict(r) for r in reports], default=str))
    if any(r.status == "failed" for r in reports):
        raise typer.Exit(1)


def _show_hit(rank: int, hit: VacancyHit) -> None:
    console.print(f"[bold cyan]{rank}.[/] [bold]{escape(hit.title)}[/] — {escape(hit.employer)}")
    facts = [hit.salary, "、".join(hit.employment_types), f"学历 {hit.education}", hit.place]
    if hit.distance_km is not None:
        facts.append(f"{hit.distance_km:g} km，步行约 {hit.walking_minutes} 分钟")
    console.print("   " + escape(" · ".join(f for f in facts if f)))
    if hit.benefits:
        console.print("   福利：" + escape("、".join(hit.benefits)))
    console.print("   投递：" + escape(hit.how_to_apply))
    deadline = hit.expires_at.astimezone().date().isoformat()
    link = f" {hit.url}" if hit.url else ""
    console.print(f"   [dim]来源：{escape(hit.source)}{escape(link)} · 截止 {deadline}[/]")
    for other in hit.also_listed:
        console.print(f"   [dim]也发布于：{escape(other)}[/]")


@vacancies_app.command()
def search(
    query: Annotated[str | None, typer.Argument(help="关键词，如 厨师、叉车司机")] = None,
    region: Annotated[str | None, typer.Option(help="6 位行政区划代码，如 410100")] = None,
    district: Annotated[str | None, typer.Option(help="区县名称，如 金水区")] = None,
    salary_min: Annotated[
        float | None, typer.Option("--salary-min", min=0, help="月薪不低于（元）")
    ] = None,
    employment_type: Annotated[
        list[str] | None, typer.Option("--type", help="用工形式：FULL_TIME、PART_TIME、全职、兼职…")
    ] = None,
    education: Annotated[
        str | None, typer.Option(help="求职者学历，如 大专；只列要求不高于它的")
    ] = None,
    near: Annotated[str | None, typer.Option(help="位置“纬度,经度”（WGS-84）")] = None,
    radius_km: Annotated[
        float | None, typer.Option("--radius-km", help="与 --near 同用的半径（公里）")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="最多显示条数")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """检索在招岗位：关键词、地区、薪资、用工形式、学历、距离。"""
    from assistant.runtime import build_database
    from connectors.vacancies.search import VacancySearch
    from connectors.vacancies.store import VacancyStore

    settings = get_settings()
    try:
        origin = parse_point(near) if near else None
        store = VacancyStore(build_database(settings))
        results = VacancySearch(store).search_vacancies(
            query,
            region=region,
            district=district,
            salary_min=salary_min,
            employment_type=employment_type,
            education=education,
            near=origin,
            radius_km=radius_km,
            limit=limit,
        )
    except (ValueError, KnowledgeError) as exc:
        raise fail(str(exc), 2) from exc
    except ConnectorError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        console.print_json(results.model_dump_json())
        return
    if not results.hits:
        if store.count() == 0:
            console.print("还没有岗位数据，请先运行 jiuye vacancies sync。")
        else:
            console.print("没有找到符合条件的在招岗位，可以放宽条件（地区、薪资、距离）再试。")
        return
    console.print(f"找到 {results.total} 个在招岗位，显示 {len(results.hits)} 个：")
    for rank, hit in enumerate(results.hits, start=1):
        _show_hit(rank, hit)


@vacancies_app.command()
def demo(
    count: Annotated[int, typer.Option(min=1, max=2_000_000, help="岗位条数")] = 1000,
    output: Annotated[Path, typer.Option(help="输出文件（JSON Lines）")] = Path(
        "demo_vacancies.jsonl"
    ),
    seed: Annotated[int, typer.Option(help="随机种子（相同种子生成相同数据）")] = 2026,
    today: Annotated[str | None, typer.Option(help="以这一天为“今天”生成日期")] = None,
    duplicate_rate: Annotated[float, typer.Option(min=0, max=0.5, help="重复发布比例")] = 0.03,
    malformed_rate: Annotated[float, typer.Option(min=0, max=0.5, help="有错记录比例")] = 0.01,
    posted_within_days: Annotated[int, typer.Option(min=0, help="发布日期在最近几天内")] = 30,
    valid_until: Annotated[
        str | None, typer.Option(help="未过期岗位统一截止到这一天（默认发布后 15-90 天）")
    ] = None,
    expired_rate: Annotated[float, typer.Option(min=0, max=1, help="已过期岗位比例")] = 0.05,
) -> None:
    """生成示例城市（郑州）的模拟岗位订阅源（schema.org JobPosting，JSON Lines）。"""
    from connectors.vacancies.demo import write_demo_feed

    try:
        day = date.fromisoformat(today) if today else None
        until = date.fromisoformat(valid_until) if valid_until else None
    except ValueError as exc:
        raise fail(f"日期格式不对：{today or valid_until}（例如 2026-11-22）", 2) from exc
    try:
        summary = write_demo_feed(
            output,
            count,
            seed=seed,
            today=day,
            duplicate_rate=duplicate_rate,
            malformed_rate=malformed_rate,
            posted_within_days=posted_within_days,
            valid_until=until,
            expired_rate=expired_rate,
        )
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    except OSError as exc:
        raise fail(f"写不了 {output}：{exc.strerror or exc}") from exc
    console.print(
        f"已写入 {summary.records} 条到 {escape(str(summary.path))}"
        f"（重复发布 {summary.duplicates} 条，有错记录 {summary.malformed} 条）。"
    )


@vacancies_app.command()
def watch(
    interval: Annotated[
        float | None, typer.Option(min=1, help="同步间隔秒数（默认 JIUYE_VACANCY_SYNC_INTERVAL）")
    ] = None,
) -> None:
    """按固定间隔持续同步所有订阅源（Ctrl+C 停止）。"""
    from assistant.runtime import build_vacancy_sync, configured_feeds
    from connectors.vacancies.scheduler import PeriodicSync

    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        runner = PeriodicSync(
            build_vacancy_sync(settings),
            configured_feeds(settings),
            interval or settings.vacancy_sync_interval,
            on_report=_print_sync,
        )
    except ConnectorError as exc:
        raise fail(str(exc)) from exc
    console.print(
        f"每 {runner.interval_seconds:g} 秒同步 {len(runner.feeds)} 个订阅源，Ctrl+C 停止。"
    )
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop()


@vacancies_app.command()
def sources(as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False) -> None:
    """各来源的岗位数、在招数和最近同步时间。"""
    from datetime import UTC, datetime

    from assistant.runtime import build_database
    from connectors.vacancies.store import VacancyStore

    try:
        summaries = VacancyStore(build_database(get_settings())).sources(datetime.now(UTC))
    except ConnectorError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        console.print_json(json.dumps([vars(s) for s in summaries], default=str))
        return
    if not summaries:
        console.print("还没有岗位数据，请先运行 jiuye vacancies sync。")
    for s in summaries:
        synced = s.last_synced.isoformat(timespec="minutes") if s.last_synced else "—"
        console.print(
            f"{escape(s.source)}：{s.vacancies} 条，在招 {s.open_now} 条，最近同步 {synced} (UTC)"
        )
