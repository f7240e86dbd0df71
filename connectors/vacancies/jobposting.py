"""One schema.org JobPosting (a JSON-LD object) → one :class:`Vacancy`, or a clear reason why not.

Accepted beyond plain schema.org, because Chinese public platforms publish them:
``jobLocation.address.addressDistrict`` (区县 name) and ``districtCode`` (GB/T 2260),
``jobLocation.geo.coordinateSystem`` (``GCJ02``/``BD09``; WGS-84 otherwise, or the feed's
declared system), pay as text (``"6000-8000元/月"``), education and experience as text
(``"大专及以上"``, ``"1年以上"``), ``jobBenefits`` as a list or a 、-separated string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup

from connectors.geo import CoordinateSystem, GeoPoint
from connectors.vacancies.errors import RecordError
from connectors.vacancies.models import Contact, Education, EmploymentType, Salary, Vacancy
from connectors.vacancies.salary import SalaryUnit, parse_salary_text
from knowledge.chinese import normalize, parse_chinese_number
from knowledge.regions import is_valid_region, region_from_text, region_name

__all__ = ["CHINA", "FeedOptions", "parse_job_posting", "record_identifier", "split_list"]

CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class FeedOptions:
    """What a feed declares for all its records."""

    source: str
    crs: CoordinateSystem = CoordinateSystem.WGS84
    region: str | None = None  # used when a record names no place
    timezone: ZoneInfo = field(default=CHINA)


def parse_job_posting(record: Any, options: FeedOptions) -> Vacancy:
    """The vacancy a JSON-LD JobPosting describes; :class:`RecordError` says what is wrong."""
    if not isinstance(record, Mapping):
        raise RecordError("不是 JSON 对象")
    types = record.get("@type")
    if "JobPosting" not in (types if isinstance(types, list) else [types]):
        raise RecordError(f"@type 不是 JobPosting（是 {types!r}）")
    identifier = record_identifier(record)
    if identifier is None:
        raise RecordError("缺少 identifier（也没有 url 可代替）")
    title = _clean_text(record.get("title"))
    if not title:
        raise RecordError("缺少岗位名称（title）")
    employer = _organization(record.get("hiringOrganization"))
    if not employer:
        raise RecordError("缺少招聘单位（hiringOrganization.name）")
    place = _place(record.get("jobLocation"), options)
    education, education_text = _education(record.get("educationRequirements"))
    return Vacancy(
        source=options.source,
        identifier=identifier,
        title=title,
        employer=employer,
        description=_clean_text(record.get("description")),
        date_posted=_date(record.get("datePosted"), "datePosted"),
        valid_through=_deadline(record.get("validThrough"), options.timezone),
        employment_types=_employment_types(record.get("employmentType")),
        salary=_salary(record.get("baseSalary") or record.get("estimatedSalary")),
        education=education,
        education_text=education_text,
        experience_months=_experience_months(record.get("experienceRequirements")),
        occupation=_text_or_name(record.get("occupationalCategory")),
        industry=_text_or_name(record.get("industry")),
        benefits=tuple(split_list(record.get("jobBenefits"))),
        openings=_int(record.get("totalJobOpenings"), "totalJobOpenings"),
        work_hours=_clean_text(record.get("workHours")) or None,
        contact=_contact(record.get("applicationContact")),
        direct_apply=_flag(record.get("directApply")),
        url=_text_or_name(record.get("url")),
        **place,
    )


def record_identifier(record: Mapping[str, Any]) -> str | None:
    """The record's identifier value (``PropertyValue``, text or number), else its url."""
    value = record.get("identifier")
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, Mapping):
        value = value.get("value") or value.get("@id")
    if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()
    url = record.get("url")
    return url.strip() if isinstance(url, str) and url.strip() else None


_LIST_SEPARATORS = re.compile(r"[、，,;；|/\n]+")


def split_list(value: Any) -> list[str]:
    """A list, or text separated by 、，,;；| → its non-empty items."""
    if value is None:
        return []
    items = value if isinstance(value, list) else _LIST_SEPARATORS.split(str(value))
    return [text for item in items if (text := _clean_text(item))]


def _clean_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):
        value = value.get("name") or value.get("@value") or ""
    text = str(value)
    if "<" in text and ">" in text:
        text = BeautifulSoup(text, "html.parser").get_text("\n")
    return normalize(text).strip()


def _text_or_name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return _clean_text(value) or None


def _organization(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    return _clean_text(value.get("name") if isinstance(value, Mapping) else value)


def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        text = str(value).strip().replace("/", "-")
        if len(text) > 10:
            return datetime.fromisoformat(text).date()
        return date.fromisoformat(text)
    except ValueError as exc:
        raise RecordError(f"{name} 不是有效日期：{value!r}") from exc


def _deadline(value: Any, zone: ZoneInfo) -> datetime | None:
    """validThrough; a bare date means the end of that day, a naive time is local time."""
    if value in (None, ""):
        return None
    text = str(value).strip().replace("/", "-")
    try:
        if len(text) <= 10:
            return datetime.combine(date.fromisoformat(text), time(23, 59, 59), zone)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise RecordError(f"validThrough 不是有效日期：{value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _employment_types(value: Any) -> tuple[EmploymentType, ...]:
    kinds: list[EmploymentType] = []
    for item in split_list(value):
        try:
            kind = EmploymentType.parse(item)
        except ValueError:
            kind = EmploymentType.OTHER
        if kind not in kinds:
            kinds.append(kind)
    return tuple(kinds)


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _number(value: Any, what: str) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise RecordError(f"{what} 不是数字：{value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise RecordError(f"{what} 不是数字：{value!r}") from exc
    if number != number or number < 0:
        raise RecordError(f"{what} 不能为负数或非数：{value!r}")
    return number


def _int(value: Any, what: str) -> int | None:
    number = _number(value, what)
    return None if number is None else int(number)


def _salary(value: Any) -> Salary | None:
    if value in (None, "", {}):
        return None
    currency = "CNY"
    if isinstance(value, Mapping):
        currency = str(value.get("currency") or "CNY").upper()
        value = value.get("value")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = {"value": value}
    if isinstance(value, str):
        try:
            parsed = parse_salary_text(value)
        except ValueError as exc:
            raise RecordError(str(exc)) from exc
        if parsed is None:
            return None
        low, high, unit = parsed
    elif isinstance(value, Mapping):
        exact = _number(value.get("value"), "薪资")
        low = _number(value.get("minValue"), "最低薪资")
        high = _number(value.get("maxValue"), "最高薪资")
        if low is None and high is None:
            low = high = exact
        try:
            unit = SalaryUnit.parse(str(value.get("unitText") or "MONTH"))
        except ValueError as exc:
            raise RecordError(str(exc)) from exc
    else:
        raise RecordError(f"看不懂的薪资：{value!r}")
    if low is None and high is None:
        return None
    if low is not None and high is not None and low > high:
        raise RecordError(f"最低薪资 {low:g} 高于最高薪资 {high:g}")
    return Salary(min_amount=low, max_amount=high, unit=unit, currency=currency)


def _education(value: Any) -> tuple[Education, str | None]:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, Mapping):
        value = value.get("credentialCategory") or value.get("name")
    text = _clean_text(value)
    if not text:
        return Education.NONE, None
    try:
        return Education.parse(text), text
    except ValueError:
        return Education.NONE, text  # an unknown credential never hides the posting


_NUMBER = r"[0-9一二两三四五六七八九十]+"
# "3年以上", "6个月"; a range ("1-3年") counts from its lower end.
_YEARS = re.compile(rf"({_NUMBER})\s*(?:[-~至到]\s*{_NUMBER}\s*)?(年|个月|月)")


def _experience_months(value: Any) -> int | None:
    if isinstance(value, Mapping):
        return _int(value.get("monthsOfExperience"), "monthsOfExperience")
    text = _clean_text(value)
    if not text:
        return None
    if any(word in text for word in ("不限", "无经验", "无需经验", "应届")):
        return 0
    match = _YEARS.search(text)
    if match is None:
        return None
    count = parse_chinese_number(match.group(1))
    return count * 12 if match.group(2) == "年" else count


def _contact(value: Any) -> Contact | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, Mapping):
        return None
    contact = Contact(
        name=_clean_text(value.get("name")) or None,
        telephone=_clean_text(value.get("telephone")) or None,
        email=_clean_text(value.get("email")) or None,
        url=_clean_text(value.get("url")) or None,
        channel=_clean_text(value.get("contactType")) or None,
    )
    return contact if contact != Contact() else None


def _place(value: Any, options: FeedOptions) -> dict[str, Any]:
    """address, district, region, lat, lon of the first jobLocation."""
    if isinstance(value, list):
        value = value[0] if value else None
    place: dict[str, Any] = {"region": options.region}
    if not isinstance(value, Mapping):
        return place
    address = value.get("address")
    parts: list[str] = []
    district: str | None = None
    code: str | None = None
    if isinstance(address, Mapping):
        district = _clean_text(address.get("addressDistrict")) or None
        code = str(address.get("districtCode") or "").strip() or None
        parts = [
            _clean_text(address.get(key))
            for key in ("addressRegion", "addressLocality", "addressDistrict", "streetAddress")
        ]
        place["address"] = _clean_text(address.get("streetAddress")) or None
    elif address is not None:
        place["address"] = _clean_text(address) or None
        parts = [place["address"] or ""]
    if code is not None and not is_valid_region(code):
        raise RecordError(f"districtCode 不是 6 位行政区划代码：{code!r}")
    region = code or region_from_text("".join(parts)) or options.region
    if district is None and region and region[4:] != "00":
        district = region_name(region)
    place.update(district=district, region=region)
    geo = value.get("geo")
    if isinstance(geo, Mapping):
        lat = _coordinate(geo.get("latitude"), "latitude")
        lon = _coordinate(geo.get("longitude"), "longitude")
        if (lat is None) != (lon is None):
            raise RecordError("geo 只给了纬度或经度之一")
        if lat is not None and lon is not None:
            try:
                system = (
                    CoordinateSystem.parse(str(geo["coordinateSystem"]))
                    if geo.get("coordinateSystem")
                    else options.crs
                )
                point = GeoPoint.from_datum(lat, lon, system)
            except ValueError as exc:
                raise RecordError(str(exc)) from exc
            place.update(lat=point.lat, lon=point.lon)
    return place


def _coordinate(value: Any, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise RecordError(f"{name} 不是数字：{value!r}") from exc
