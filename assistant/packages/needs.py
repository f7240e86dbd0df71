"""The needs assessment (需求摸排): which public employment services a person needs, and why.

Each need comes with the reason drawn from the profile — in words the person recognises —
and the provision that makes it a public service (packages.yaml). The benefits need is
settled by the eligibility screen, not guessed here.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.packages.catalogue import NeedKind, catalogue
from assistant.packages.profile import JobSeekerProfile
from knowledge.rules.models import RuleSource

__all__ = ["Need", "assess_needs"]


class Need(BaseModel):
    kind: NeedKind
    label: str
    reason: str = Field(description="why this person needs it, from their profile")
    source: RuleSource


def _reasons(profile: JobSeekerProfile, claimable: list[str]) -> dict[NeedKind, str]:
    facts = profile.facts
    wishes = profile.wishes
    reasons: dict[NeedKind, str] = {}
    working = profile.unemployed is False
    starting_up = facts.get("self_employed_startup") is True
    if not working and not starting_up:
        wish = f"想找{wishes.occupation}方面的工作" if wishes.occupation else "正在找工作"
        reasons["job_placement"] = f"您{wish}，可以免费推荐岗位、介绍工作"
    if not working and (
        profile.has("graduate") or profile.has("long_term_unemployed") or not wishes.occupation
    ):
        if profile.has("graduate"):
            why = "刚走出校门，可以先做职业测评和求职指导"
        elif profile.has("long_term_unemployed"):
            why = "找工作的时间比较长了，可以和职业指导师一起分析原因、调整方向"
        else:
            why = "还没有明确想做什么工作，可以先做一次职业指导"
        reasons["career_guidance"] = why
    certificate = facts.get("certificate_level")
    if certificate in (None, "none") and not working:
        if profile.has("migrant_worker"):
            why = "进城务工人员可以参加技能培训，提高就业能力"
        else:
            why = "还没有职业技能证书，参加培训、考取证书后找工作更有优势"
        reasons["training"] = why
    # The startup group (a veteran, a returning migrant) says who may get startup support,
    # not that the person means to start a business: only a stated startup counts.
    if starting_up:
        reasons["entrepreneurship"] = (
            "您有创业打算或已经在创业，可以了解开业指导、创业担保贷款等服务"
        )
    if facts.get("registered_unemployed") is False or (
        profile.unemployed and "registered_unemployed" not in facts
    ):
        reasons["unemployment_registration"] = (
            "还没有办理失业登记；办理后才能享受登记失业人员的就业服务和相关补贴"
        )
    if claimable:
        reasons["benefits"] = "按您说的情况，可能可以申请：" + "、".join(claimable)
    assisted = [
        m.label
        for m in profile.key_groups
        if m.group in ("employment_difficulty", "disabled", "long_term_unemployed")
    ]
    if assisted:
        reasons["employment_assistance"] = (
            f"您属于{'、'.join(assisted)}，可以得到优先扶持和重点帮助（含公益性岗位）"
        )
    return reasons


def assess_needs(profile: JobSeekerProfile, claimable: list[str]) -> list[Need]:
    """The needs of ``profile``, in packages.yaml's order; ``claimable`` are the titles of
    the benefits the eligibility screen says the person may claim."""
    entries = catalogue().needs
    reasons = _reasons(profile, claimable)
    return [
        Need(kind=kind, label=entry.label, reason=reasons[kind], source=entry.source)
        for kind, entry in entries.items()
        if kind in reasons
    ]
