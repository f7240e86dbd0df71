"""A package as plain text: what the chat shows, WeChat-friendly (no markup, short lines).

The web page draws the same package as a card from the reply's ``package`` field.
"""

from __future__ import annotations

from assistant.packages.builder import ServicePackage
from assistant.packages.profile import JobSeekerProfile
from knowledge.rules.models import RuleSource

__all__ = ["CORRECTION_HINT", "package_text", "profile_text"]

CORRECTION_HINT = "信息不对可以直接告诉我，例如“这不对，我是去年毕业的”，我会重新整理。"
_NUMERALS = "一二三四五六七八九十"


def _sources(sources: list[RuleSource], limit: int = 2) -> str:
    labels = list(dict.fromkeys(s.label for s in sources))[:limit]
    return f"（依据：{'；'.join(labels)}）" if labels else ""


def profile_text(profile: JobSeekerProfile) -> list[str]:
    lines = []
    if profile.key_groups:
        groups = "、".join(f"{m.label}（{m.basis}）" for m in profile.key_groups)
        lines.append(f"重点群体：{groups}")
    else:
        lines.append("重点群体：暂未识别（告诉我更多情况，我能推荐得更准）")
    wishes = profile.wishes
    wish = [
        f"想找：{wishes.occupation}" if wishes.occupation else "",
        f"地点：{wishes.district}" if wishes.district else ("离家近" if wishes.near_me else ""),
        f"期望月薪：{wishes.salary_min:g}元以上" if wishes.salary_min else "",
        {"FULL_TIME": "全职", "PART_TIME": "兼职"}.get(wishes.employment_type or "", ""),
    ]
    shown = "；".join(w for w in wish if w)
    lines.append(f"求职意向：{shown}" if shown else "求职意向：还没说（例如“想找厨师的工作”）")
    if profile.situation:
        lines.append("已知情况：" + "；".join(profile.situation))
    return lines


def package_text(package: ServicePackage) -> str:
    """The package for the chat: sections numbered 一、二、…, each item with its source."""
    sections: list[tuple[str, list[str]]] = [
        ("求职画像", [*profile_text(package.profile), CORRECTION_HINT])
    ]
    if package.needs:
        sections.append(
            (
                "您需要的服务",
                [f"· {n.label}：{n.reason}{_sources([n.source])}" for n in package.needs],
            )
        )
    if package.benefits:
        lines = []
        for b in package.benefits:
            state = "按您说的情况符合条件" if b.status == "eligible" else "可能符合"
            lines.append(f"· {b.title}：{state}{_sources(b.sources)}")
            lines += [f"  {a}" for a in b.amounts]
            if b.missing:
                lines.append(f"  还需确认：{'、'.join(b.missing)}")
            if b.apply is not None:
                lines.append(f"  怎么申请：{b.apply.where}")
        sections.append(("可以申请的补贴和待遇", lines))
    if package.vacancies or package.vacancies_note:
        lines = [package.vacancies_note] if package.vacancies_note else []
        for item in package.vacancies:
            v = item.vacancy
            lines.append(f"· {v.title}｜{v.employer}｜{v.salary}｜{v.place}")
            lines.append(f"  {v.how_to_apply}（来源：{item.source}）")
        sections.append(("推荐岗位", lines))
    if package.training:
        lines = []
        for t in package.training:
            where = f"；报名：{t.where}" if t.where else ""
            lines.append(f"· {t.title}：{t.detail}{where}{_sources(t.sources)}")
        sections.append(("培训和技能提升", lines))
    if package.service_points:
        lines = []
        for hit in package.service_points:
            point = hit.point
            walk = f"，步行约{hit.walking_minutes}分钟" if hit.walking_minutes is not None else ""
            phone = f"，电话 {point.phone}" if point.phone else ""
            lines.append(f"· {point.name}：{point.address}{walk}{phone}")
            if point.hours:
                lines.append(f"  {point.hours}")
        sections.append(("就近办理（15分钟就业服务圈）", lines))
    if package.documents:
        lines = [
            f"· {d.name}（{'、'.join(d.needed_for)}）{_sources(d.sources, 1)}"
            for d in package.documents
        ]
        sections.append(("需要带的材料", lines))
    if package.follow_up_dates:
        dates = "和".join(f"{d.month}月{d.day}日" for d in package.follow_up_dates)
        sections.append(("跟踪回访", [f"我会在{dates}问问您的进展，有变化也可以随时告诉我。"]))
    number = f"（编号 {package.id}）" if package.id else ""
    lines = [f"【您的就业服务包{number}】"]
    for i, (title, body) in enumerate(sections):
        lines.append(f"{_NUMERALS[i]}、{title}")
        lines += body
    return "\n".join(lines)
