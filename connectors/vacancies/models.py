"""The canonical vacancy: a schema.org JobPosting plus what Chinese public platforms add.

Pay is kept as posted and as yuan per month; coordinates are WGS-84; a vacancy is shown
until it expires (``validThrough``, or a default number of days after it was posted).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum, StrEnum

from pydantic import BaseModel, ConfigDict, Field

from connectors.vacancies.salary import SalaryUnit, monthly

__all__ = [
    "Contact",
    "Education",
    "EmploymentType",
    "Salary",
    "Vacancy",
    "VacancyHit",
]


class EmploymentType(StrEnum):
    """schema.org ``employmentType`` values."""

    FULL_TIME = "FULL_TIME"
    PART_TIME = "PART_TIME"
    CONTRACTOR = "CONTRACTOR"
    TEMPORARY = "TEMPORARY"
    INTERN = "INTERN"
    VOLUNTEER = "VOLUNTEER"
    PER_DIEM = "PER_DIEM"
    OTHER = "OTHER"

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> EmploymentType:
        """schema.org names (any case, ``full-time``) and the Chinese words for them."""
        key = text.strip().upper().replace("-", "_").replace(" ", "_")
        if key in cls.__members__:
            return cls[key]
        for kind, words in _TYPE_WORDS.items():
            if text.strip() in words:
                return kind
        raise ValueError(f"不认识的用工形式：{text}")


_TYPE_LABELS = {
    EmploymentType.FULL_TIME: "全职",
    EmploymentType.PART_TIME: "兼职",
    EmploymentType.CONTRACTOR: "劳务/外包",
    EmploymentType.TEMPORARY: "临时",
    EmploymentType.INTERN: "实习",
    EmploymentType.VOLUNTEER: "志愿",
    EmploymentType.PER_DIEM: "日结零工",
    EmploymentType.OTHER: "其他",
}
_TYPE_WORDS = {
    EmploymentType.FULL_TIME: {"全职", "全日制"},
    EmploymentType.PART_TIME: {"兼职", "非全日制", "小时工"},
    EmploymentType.CONTRACTOR: {"劳务", "外包", "劳务派遣", "派遣"},
    EmploymentType.TEMPORARY: {"临时", "临时工", "短期"},
    EmploymentType.INTERN: {"实习", "实习生", "见习"},
    EmploymentType.VOLUNTEER: {"志愿", "志愿者"},
    EmploymentType.PER_DIEM: {"日结", "零工", "灵活用工"},
    EmploymentType.OTHER: {"其他"},
}


class Education(IntEnum):
    """Education levels, ordered: a seeker qualifies for postings requiring at most theirs."""

    NONE = 0
    MIDDLE_SCHOOL = 1
    HIGH_SCHOOL = 2
    ASSOCIATE = 3
    BACHELOR = 4
    MASTER = 5
    DOCTORATE = 6

    @property
    def label(self) -> str:
        return _EDUCATION_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Education:
        """``"bachelor degree"``, ``"本科"``, ``"大专及以上"``, ``"不限"``, ``BACHELOR``…"""
        key = text.strip()
        if key.upper() in cls.__members__:
            return cls[key.upper()]
        lowered = key.lower()
        for level, words in _EDUCATION_WORDS:
            if any(word in lowered for word in words):
                return level
        raise ValueError(f"不认识的学历：{text}")


_EDUCATION_LABELS = {
    Education.NONE: "不限",
    Education.MIDDLE_SCHOOL: "初中",
    Education.HIGH_SCHOOL: "高中/中专/技校",
    Education.ASSOCIATE: "大专",
    Education.BACHELOR: "本科",
    Education.MASTER: "硕士",
    Education.DOCTORATE: "博士",
}
# Checked in order: "postgraduate" before "graduate", 中专 before 专科 and so on. Primary
# school is below every level postings ask for: a seeker with it qualifies for the postings
# that ask for none (不限), and a posting asking for it asks for no more than that.
_EDUCATION_WORDS: list[tuple[Education, tuple[str, ...]]] = [
    (Education.NONE, ("不限", "no requirement", "none", "无要求", "学历不限", "小学", "primary")),
    (Education.DOCTORATE, ("博士", "doctor", "phd")),
    (Education.MASTER, ("硕士", "研究生", "postgraduate", "master")),
    (Education.BACHELOR, ("本科", "学士", "bachelor")),
    (Education.HIGH_SCHOOL, ("中专", "中技", "技校", "职高", "高中", "high school", "vocational")),
    (Education.ASSOCIATE, ("大专", "专科", "高职", "associate")),
    (Education.MIDDLE_SCHOOL, ("初中", "middle school")),
]


class Salary(BaseModel):
    """Pay as posted (``min_amount``/``max_amount`` per ``unit``) and per month in yuan."""

    model_config = ConfigDict(frozen=True)

    min_amount: float | None = None
    max_amount: float | None = None
    unit: SalaryUnit = SalaryUnit.MONTH
    currency: str = "CNY"

    @property
    def monthly_min(self) -> float | None:
        return None if self.min_amount is None else monthly(self.min_amount, self.unit)

    @property
    def monthly_max(self) -> float | None:
        return None if self.max_amount is None else monthly(self.max_amount, self.unit)

    @property
    def text(self) -> str:
        """``"6000-8000元/月"``, ``"150元/天起"``; other units add the monthly estimate."""
        currency = "元" if self.currency == "CNY" else f" {self.currency}"
        text = _range(self.min_amount, self.max_amount, f"{currency}/{self.unit.label}")
        if self.unit is not SalaryUnit.MONTH and self.currency == "CNY":
            text += f"（约{_range(self.monthly_min, self.monthly_max, '元/月')}）"
        return text


def _range(low: float | None, high: float | None, unit: str) -> str:
    def show(value: float) -> str:
        return f"{value:g}" if value < 1e6 else f"{value:.0f}"

    if low is not None and high is not None and low != high:
        return f"{show(low)}-{show(high)}{unit}"
    if low is not None:
        return show(low) + unit + ("" if high is not None else "起")
    assert high is not None
    return f"{show(high)}{unit}以下"


class Contact(BaseModel):
    """How to reach the employer (schema.org ``applicationContact``)."""

    model_config = ConfigDict(frozen=True)

    name: str | None = None
    telephone: str | None = None
    email: str | None = None
    url: str | None = None
    channel: str | None = Field(default=None, description="contactType, e.g. 电话, 微信")


class Vacancy(BaseModel):
    """One posting from one source, as the store keeps it."""

    model_config = ConfigDict(frozen=True)

    source: str
    identifier: str
    title: str
    employer: str
    description: str = ""
    date_posted: date | None = None
    valid_through: datetime | None = Field(default=None, description="timezone-aware")
    employment_types: tuple[EmploymentType, ...] = ()
    salary: Salary | None = None
    education: Education = Education.NONE
    education_text: str | None = None
    experience_months: int | None = None
    occupation: str | None = None
    industry: str | None = None
    benefits: tuple[str, ...] = ()
    openings: int | None = None
    work_hours: str | None = None
    address: str | None = None
    district: str | None = None
    region: str | None = Field(default=None, description="most specific GB/T 2260 code known")
    lat: float | None = Field(default=None, description="WGS-84")
    lon: float | None = Field(default=None, description="WGS-84")
    contact: Contact | None = None
    direct_apply: bool | None = None
    url: str | None = None

    @property
    def how_to_apply(self) -> str:
        """One line a person can act on: where to apply online and whom to call."""
        parts: list[str] = []
        if self.contact and self.contact.url:
            parts.append(f"在线投递：{self.contact.url}")
        elif self.direct_apply and self.url:
            parts.append(f"在线投递：{self.url}")
        if self.contact and self.contact.telephone:
            who = f"（{self.contact.name}）" if self.contact.name else ""
            parts.append(f"电话 {self.contact.telephone}{who}")
        if self.contact and self.contact.email:
            parts.append(f"邮箱 {self.contact.email}")
        if not parts and self.url:
            parts.append(f"详情及投递见：{self.url}")
        return "；".join(parts) or "请到发布渠道查看投递方式"

    @property
    def place(self) -> str:
        if self.address and self.district and self.district in self.address:
            return self.address
        return " ".join(part for part in (self.district, self.address) if part) or "地点未注明"


class VacancyHit(BaseModel):
    """A search result: what a person needs to decide and act, nothing more."""

    id: int
    source: str
    identifier: str
    title: str
    employer: str
    salary: str = Field(description="as posted, e.g. 6000-8000元/月, or 面议")
    salary_monthly_min: float | None = None
    salary_monthly_max: float | None = None
    employment_types: list[str] = Field(default_factory=list, description="Chinese labels")
    education: str
    experience_months: int | None = None
    benefits: list[str] = Field(default_factory=list)
    place: str
    district: str | None = None
    region: str | None = None
    distance_km: float | None = None
    walking_minutes: int | None = None
    how_to_apply: str
    url: str | None = Field(default=None, description="the posting at its source")
    date_posted: date | None = None
    expires_at: datetime
    also_listed: list[str] = Field(
        default_factory=list, description="other sources listing the same job (links or names)"
    )
    score: float = Field(default=0.0, description="keyword relevance (BM25), 0 without a query")
