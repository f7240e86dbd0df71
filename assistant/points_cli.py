"""``jiuye points``: load public employment service points and find the nearest ones."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assistant.runtime import build_database
from assistant.settings import get_settings
from assistant.terminal import console, errors, fail
from connectors.errors import ConnectorError
from connectors.geo import FIFTEEN_MINUTES_KM, CoordinateSystem, GeoPoint
from connectors.service_points import (
    DEFAULT_RADIUS_KM,
    LoadReport,
    ServicePoint,
    ServicePointHit,
    ServicePointStore,
    UnsupportedPointsFormatError,
)
from knowledge.regions import region_name, validate_region

__all__ = ["points_app"]

points_app = typer.Typer(
    name="points",
    help="15分钟就业服务圈：导入公共就业服务网点，查找离你最近的网点。",
    no_args_is_help=True,
    add_completion=False,
)

EMPTY_STORE = "还没有服务网点数据，请先 jiuye points load FILE 或 jiuye points load --samples"


@contextmanager
def _store() -> Iterator[ServicePointStore]:
    database = build_database(get_settings())
    try:
        yield ServicePointStore(database)
    finally:
        database.dispose()


def _print_report(report: LoadReport) -> None:
    console.print(
        f"来源 {escape(report.source)}：导入 {report.loaded} 个服务网点"
        f"（替换原有 {report.removed} 个），跳过 {len(report.problems)} 行。"
    )
    for problem in report.problems:
        errors.print(f"[yellow]跳过[/] {escape(str(problem))}")


@points_app.command()
def load(
    file: Annotated[Path | None, typer.Argument(help="CSV 或 JSON 文件")] = None,
    source: Annotated[
        str | None, typer.Option(help="来源名称（默认取文件名）；同一来源再次导入时整体替换")
    ] = None,
    crs: Annotated[
        str | None, typer.Option(help="文件坐标系：WGS84（默认）、GCJ02（高德/腾讯）、BD09（百度）")
    ] = None,
    samples: Annotated[bool, typer.Option("--samples", help="导入项目自带的郑州示例网点")] = False,
) -> None:
    """导入服务网点（CSV 或 JSON，列名中英文均可）。"""
    if file is None and not samples:
        raise fail("请给出要导入的文件，或用 --samples 导入示例网点", 2)
    if file is not None and not file.is_file():
        raise fail(f"文件不存在：{file}", 2)
    try:
        system = CoordinateSystem.parse(crs) if crs else None
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    reports: list[LoadReport] = []
    try:
        with _store() as store:
            if samples:
                from connectors.service_points.samples import load_sample_points

                reports.append(load_sample_points(store))
            if file is not None:
                reports.append(store.load_file(file, source=source, crs=system))
    except UnsupportedPointsFormatError as exc:
        raise fail(str(exc), 2) from exc
    except ConnectorError as exc:
        raise fail(str(exc)) from exc
    for report in reports:
        _print_report(report)
    if not any(report.loaded for report in reports):
        raise fail("没有导入任何服务网点")


def _distance(km: float) -> str:
    return f"{km * 1000:.0f} 米" if km < 1 else f"{km:.1f} 公里"


def _show_point(rank: int, point: ServicePoint, hit: ServicePointHit | None = None) -> None:
    place = " · ".join(escape(p) for p in (point.kind, point.district or "") if p)
    console.print(f"[bold cyan]{rank}.[/] [bold]{escape(point.name)}[/]  [dim]{place}[/]")
    if hit is not None and hit.distance_km is not None:
        circle = "，在15分钟就业服务圈内" if hit.distance_km <= FIFTEEN_MINUTES_KM else ""
        console.print(
            f"   距离 {_distance(hit.distance_km)}，步行约 {hit.walking_minutes} 分钟{circle}"
        )
    for label, value in (
        ("地址", point.address),
        ("服务时间", point.hours),
        ("服务内容", "、".join(point.services)),
        ("电话", point.phone or ""),
    ):
        if value:
            console.print(f"   {label}：{escape(value)}", highlight=False)


def _print_json(items: Sequence[ServicePointHit | ServicePoint]) -> None:
    data = [item.model_dump(mode="json") for item in items]
    console.print_json(json.dumps(data, ensure_ascii=False))


def _region(code: str) -> str:
    """A valid code whose place (or city) is known; bad input exits with code 2."""
    try:
        validate_region(code)
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    if region_name(code) is None and region_name(code[:4] + "00") is None:
        raise fail(f"未知的行政区划代码：{code}", 2)
    return code


@points_app.command()
def near(
    lat: Annotated[float, typer.Argument(help="纬度，例如 34.7466")],
    lon: Annotated[float, typer.Argument(help="经度，例如 113.6254")],
    radius_km: Annotated[
        float | None,
        typer.Option("--radius-km", help=f"搜索半径（公里，默认 {DEFAULT_RADIUS_KM:g}）"),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="最多显示几个")] = 10,
    region: Annotated[str | None, typer.Option(help="只看该地区（6 位行政区划代码）")] = None,
    crs: Annotated[
        str | None, typer.Option(help="位置的坐标系：WGS84（默认，手机定位）、GCJ02、BD09")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """按距离查找附近的服务网点（由近到远）。"""
    try:
        system = CoordinateSystem.parse(crs) if crs else CoordinateSystem.WGS84
        origin = GeoPoint.from_datum(lat, lon, system)
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    code = _region(region) if region else None
    radius = DEFAULT_RADIUS_KM if radius_km is None else radius_km
    try:
        with _store() as store:
            if not store.count():
                raise fail(EMPTY_STORE)
            hits = store.find(near=origin, radius_km=radius, region=code, limit=limit)
            nearest = [] if hits else store.find(near=origin, radius_km=float("inf"), region=code)
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    except ConnectorError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        _print_json(hits)
        return
    if not hits:
        console.print(f"{radius:g} 公里内没有服务网点。")
        if nearest:
            best = nearest[0]
            assert best.distance_km is not None
            console.print(
                f"最近的是 {escape(best.point.name)}，距离约 {_distance(best.distance_km)}；"
                "可以用 --radius-km 扩大范围。"
            )
        return
    console.print(f"[bold]{radius:g} 公里内的服务网点（{len(hits)} 个，由近到远）[/]")
    for rank, hit in enumerate(hits, start=1):
        _show_point(rank, hit.point, hit)


@points_app.command("list")
def list_points(
    region: Annotated[str | None, typer.Option(help="只列出该地区（6 位行政区划代码）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出服务网点（可按地区筛选，市级代码包含其下各区县）；--json 的输出可再导入。"""
    code = _region(region) if region else None
    try:
        with _store() as store:
            total = store.count()
            if not total:
                raise fail(EMPTY_STORE)
            if code is None:
                points = store.all()
            else:
                points = [hit.point for hit in store.find(region=code, limit=total)]
    except ConnectorError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        _print_json(points)
        return
    where = f"{region_name(code) or code}（{code}）" if code else "全部地区"
    if not points:
        console.print(f"{where}没有服务网点。")
        return
    console.print(f"[bold]{where}的服务网点（{len(points)} 个）[/]")
    for rank, point in enumerate(points, start=1):
        _show_point(rank, point)
