"""``jiuye package``: the personal employment service package for given facts and wishes,
from the terminal — what a caseworker prepares for a walk-in, or a check of the rules."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape

from assistant.settings import get_settings
from assistant.terminal import console, fail, parse_day
from connectors.errors import ConnectorError
from connectors.geo import parse_point
from connectors.vacancies.models import EmploymentType
from knowledge.policies.errors import KnowledgeError
from knowledge.rules.errors import RuleError

__all__ = ["package"]


def package(
    fact: Annotated[
        list[str] | None,
        typer.Option("--fact", "-f", help="已知情况，如 graduation_date=2026-06-30（可多次）"),
    ] = None,
    want: Annotated[str | None, typer.Option("--want", help="想找的工作，如 会计、厨师")] = None,
    district: Annotated[str | None, typer.Option(help="想在哪个区县工作，如 金水区")] = None,
    salary_min: Annotated[
        float | None, typer.Option("--salary-min", min=0, help="期望月薪不低于（元）")
    ] = None,
    part_time: Annotated[bool, typer.Option("--part-time", help="找兼职")] = False,
    near: Annotated[
        str | None, typer.Option(help="所在位置“纬度,经度”（WGS-84），找附近的网点和岗位")
    ] = None,
    region: Annotated[str | None, typer.Option(help="6 位行政区划代码")] = None,
    on_date: Annotated[str | None, typer.Option("--date", help="按这一天的政策生成")] = None,
    vacancies: Annotated[int, typer.Option(min=0, max=10, help="推荐岗位条数")] = 3,
    save: Annotated[bool, typer.Option("--save", help="保存服务包并排定回访")] = False,
    session: Annotated[
        str | None, typer.Option(help="保存到哪个会话（与 --save 同用），默认 cli:本机")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """就业服务包：按求职画像列出能享受的补贴、推荐岗位、培训、网点和要带的材料。"""
    from assistant.packages.builder import ServicePackageBuilder
    from assistant.packages.profile import build_profile, complete_facts
    from assistant.packages.store import PackageStore
    from assistant.packages.text import package_text
    from assistant.runtime import build_database
    from connectors.service_points.store import ServicePointStore
    from connectors.vacancies.search import VacancySearch
    from connectors.vacancies.store import VacancyStore
    from knowledge.regions import validate_region
    from knowledge.rules.engine import EligibilityEngine
    from knowledge.rules.facts import coerce_facts, parse_assignments

    if session is not None and not save:
        raise fail("--session 要和 --save 一起用", 2)
    settings = get_settings()
    day = parse_day(on_date) or date.today()
    wishes: dict[str, object] = {}
    if want:
        wishes["occupation"] = want.strip()
    if district:
        wishes["district"] = district.strip()
    if salary_min:
        wishes["salary_min"] = salary_min
    if part_time:
        wishes["employment_type"] = str(EmploymentType.PART_TIME)
    database = build_database(settings)
    try:
        region = validate_region(region or settings.default_region)
        location = parse_point(near) if near else None
        rules = EligibilityEngine()
        facts = coerce_facts(parse_assignments(fact or []), rules.facts)
        complete_facts(facts, on_date=day)
        profile = build_profile(facts, wishes, region=region, on_date=day, vocabulary=rules.facts)
        builder = ServicePackageBuilder(
            rules, VacancySearch(VacancyStore(database)), ServicePointStore(database)
        )
        built = builder.build(profile, location=location, vacancy_limit=vacancies)
        stored = None
        if save:
            stored = PackageStore(database).save(
                built, session_id=session or "cli:local", channel="cli", user_id="cli"
            )
    except (ValueError, RuleError, KnowledgeError) as exc:
        raise fail(str(exc), 2) from exc
    except ConnectorError as exc:
        raise fail(str(exc)) from exc
    finally:
        database.dispose()
    if as_json:
        console.print_json((stored or built).model_dump_json())
        return
    console.print(escape(package_text(built)), highlight=False)
    if stored is not None:
        dates = "、".join(d.isoformat() for d in stored.follow_up_dates)
        console.print(
            f"\n已保存服务包 #{stored.id}（会话 {escape(session or 'cli:local')}），"
            f"回访日期：{dates}",
            highlight=False,
        )
