"""Pay, enums and one JobPosting → Vacancy (salary, models, jobposting, text)."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import prcoords
import pytest

from connectors.geo import CoordinateSystem, GeoPoint, distance_km
from connectors.vacancies.errors import RecordError
from connectors.vacancies.jobposting import (
    CHINA,
    FeedOptions,
    parse_job_posting,
    record_identifier,
    split_list,
)
from connectors.vacancies.models import Contact, Education, EmploymentType, Salary, Vacancy
from connectors.vacancies.salary import (
    PAID_DAYS_PER_MONTH,
    SalaryUnit,
    monthly,
    parse_salary_text,
)
from connectors.vacancies.text import fingerprint, query_tokens, vacancy_tokens

OPTIONS = FeedOptions(source="郑州市公共就业服务网")
UTC8 = ZoneInfo("Asia/Shanghai")

# ---------------------------------------------------------------------------------- salary


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6000-8000元/月", (6000.0, 8000.0, SalaryUnit.MONTH)),
        ("8k-12k", (8000.0, 12000.0, SalaryUnit.MONTH)),
        ("8K-12K", (8000.0, 12000.0, SalaryUnit.MONTH)),
        ("1.2万-1.5万", (12000.0, 15000.0, SalaryUnit.MONTH)),
        ("150元/天", (150.0, None, SalaryUnit.DAY)),
        ("20-25元/小时", (20.0, 25.0, SalaryUnit.HOUR)),
        ("10-15万/年", (100_000.0, 150_000.0, SalaryUnit.YEAR)),
        ("8-12k", (8000.0, 12000.0, SalaryUnit.MONTH)),
        ("5000-1万", (5000.0, 10_000.0, SalaryUnit.MONTH)),
        ("5000元以上", (5000.0, None, SalaryUnit.MONTH)),
        ("3000起", (3000.0, None, SalaryUnit.MONTH)),
        ("4000以下", (None, 4000.0, SalaryUnit.MONTH)),
        ("月薪6000到8000元", (6000.0, 8000.0, SalaryUnit.MONTH)),
        ("２０００－３０００元／月", (2000.0, 3000.0, SalaryUnit.MONTH)),
        ("6,000~8,000", (6000.0, 8000.0, SalaryUnit.MONTH)),
        ("200元每天", (200.0, None, SalaryUnit.DAY)),
        ("1500元/周", (1500.0, None, SalaryUnit.WEEK)),
    ],
)
def test_parse_salary_text(
    text: str, expected: tuple[float | None, float | None, SalaryUnit]
) -> None:
    assert parse_salary_text(text) == expected


@pytest.mark.parametrize("text", ["面议", "薪资面议", "面谈", "双方协商", "", "   "])
def test_negotiable_pay_is_none(text: str) -> None:
    assert parse_salary_text(text) is None


@pytest.mark.parametrize("text", ["待遇优厚", "abc", "高薪", "-"])
def test_text_that_is_not_pay_raises(text: str) -> None:
    with pytest.raises(ValueError, match="看不懂的薪资"):
        parse_salary_text(text)


def test_paid_days_per_month_is_the_statutory_figure() -> None:
    assert PAID_DAYS_PER_MONTH == (365 - 104) / 12 == 21.75


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        (1, SalaryUnit.HOUR, 174.0),  # 21.75 days × 8 hours
        (20, SalaryUnit.HOUR, 3480.0),
        (200, SalaryUnit.DAY, 4350.0),  # × 21.75
        (1000, SalaryUnit.WEEK, 4350.0),  # × 4.35
        (120_000, SalaryUnit.YEAR, 10_000.0),  # ÷ 12
        (100_000, SalaryUnit.YEAR, 8333.0),  # rounded to the yuan
        (6500, SalaryUnit.MONTH, 6500.0),
    ],
)
def test_monthly_uses_the_21_75_day_rule(amount: float, unit: SalaryUnit, expected: float) -> None:
    assert monthly(amount, unit) == expected


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("HOUR", SalaryUnit.HOUR),
        ("hour", SalaryUnit.HOUR),
        ("小时", SalaryUnit.HOUR),
        ("per hour", SalaryUnit.HOUR),
        ("日", SalaryUnit.DAY),
        ("星期", SalaryUnit.WEEK),
        ("月", SalaryUnit.MONTH),
        ("monthly", SalaryUnit.MONTH),
        ("年", SalaryUnit.YEAR),
        ("annual", SalaryUnit.YEAR),
    ],
)
def test_salary_unit_parse(text: str, unit: SalaryUnit) -> None:
    assert SalaryUnit.parse(text) is unit


def test_salary_unit_parse_rejects_unknown_units() -> None:
    with pytest.raises(ValueError, match="不认识的薪资单位"):
        SalaryUnit.parse("fortnight")


@pytest.mark.parametrize(
    ("salary", "text"),
    [
        (Salary(min_amount=6000, max_amount=8000), "6000-8000元/月"),
        (Salary(min_amount=5000, max_amount=5000), "5000元/月"),
        (Salary(min_amount=5000), "5000元/月起"),
        (Salary(max_amount=4000), "4000元/月以下"),
        (
            Salary(min_amount=20, max_amount=25, unit=SalaryUnit.HOUR),
            "20-25元/小时（约3480-4350元/月）",
        ),
        (Salary(min_amount=200, unit=SalaryUnit.DAY), "200元/天起（约4350元/月起）"),
        (
            Salary(min_amount=100_000, max_amount=150_000, unit=SalaryUnit.YEAR),
            "100000-150000元/年（约8333-12500元/月）",
        ),
        (Salary(min_amount=1000, max_amount=1200, currency="USD"), "1000-1200 USD/月"),
        (Salary(min_amount=500, unit=SalaryUnit.WEEK, currency="USD"), "500 USD/周起"),
    ],
)
def test_salary_text(salary: Salary, text: str) -> None:
    assert salary.text == text


def test_salary_monthly_bounds() -> None:
    salary = Salary(min_amount=150, max_amount=200, unit=SalaryUnit.DAY)
    assert salary.monthly_min == monthly(150, SalaryUnit.DAY)
    assert salary.monthly_max == 4350.0
    assert Salary(max_amount=4000).monthly_min is None


# ------------------------------------------------------------------ employment, education


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("FULL_TIME", EmploymentType.FULL_TIME),
        ("full-time", EmploymentType.FULL_TIME),
        ("Part Time", EmploymentType.PART_TIME),
        ("per_diem", EmploymentType.PER_DIEM),
        ("全职", EmploymentType.FULL_TIME),
        ("非全日制", EmploymentType.PART_TIME),
        ("劳务派遣", EmploymentType.CONTRACTOR),
        ("临时工", EmploymentType.TEMPORARY),
        ("见习", EmploymentType.INTERN),
        ("志愿者", EmploymentType.VOLUNTEER),
        ("日结", EmploymentType.PER_DIEM),
        (" 零工 ", EmploymentType.PER_DIEM),
    ],
)
def test_employment_type_parse(text: str, kind: EmploymentType) -> None:
    assert EmploymentType.parse(text) is kind


def test_employment_type_parse_rejects_unknown_words() -> None:
    with pytest.raises(ValueError, match="不认识的用工形式"):
        EmploymentType.parse("合伙人")


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("BACHELOR", Education.BACHELOR),
        ("bachelor degree", Education.BACHELOR),
        ("本科及以上", Education.BACHELOR),
        ("大专及以上", Education.ASSOCIATE),
        ("专科", Education.ASSOCIATE),
        ("associate degree", Education.ASSOCIATE),
        ("中专", Education.HIGH_SCHOOL),
        ("中专/技校", Education.HIGH_SCHOOL),
        ("高中", Education.HIGH_SCHOOL),
        ("high school", Education.HIGH_SCHOOL),
        ("初中及以上", Education.MIDDLE_SCHOOL),
        ("不限", Education.NONE),
        ("学历不限", Education.NONE),
        ("postgraduate degree", Education.MASTER),
        ("硕士研究生", Education.MASTER),
        ("博士", Education.DOCTORATE),
    ],
)
def test_education_parse(text: str, level: Education) -> None:
    assert Education.parse(text) is level


def test_education_levels_are_ordered_and_labelled() -> None:
    assert Education.NONE < Education.HIGH_SCHOOL < Education.ASSOCIATE < Education.BACHELOR
    assert Education.ASSOCIATE.label == "大专"
    assert EmploymentType.PER_DIEM.label == "日结零工"
    with pytest.raises(ValueError, match="不认识的学历"):
        Education.parse("厨师证")


# ------------------------------------------------------------------------- parse_job_posting


def job_posting(**changes: Any) -> dict[str, Any]:
    """A realistic JSON-LD JobPosting from a municipal platform; ``changes`` replace keys
    (a value of None removes the key)."""
    record: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "identifier": {"@type": "PropertyValue", "name": "岗位编号", "value": "ZZ-2025-0001"},
        "title": "中餐厨师",
        "description": (
            "<p>负责<b>热菜</b>制作。</p>\n<ul><li>持健康证</li><li>有厨师证优先</li></ul>"
        ),
        "datePosted": "2025-06-20",
        "validThrough": "2025-07-31T18:00:00+08:00",
        "employmentType": ["FULL_TIME", "兼职"],
        "hiringOrganization": {
            "@type": "Organization",
            "name": "郑州好味道餐饮管理有限公司",
            "sameAs": "https://www.example.com",
        },
        "jobLocation": {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "addressRegion": "河南省",
                "addressLocality": "郑州市",
                "addressDistrict": "金水区",
                "districtCode": "410105",
                "streetAddress": "花园路88号",
            },
            "geo": {"@type": "GeoCoordinates", "latitude": 34.78, "longitude": 113.68},
        },
        "baseSalary": {
            "@type": "MonetaryAmount",
            "currency": "CNY",
            "value": {
                "@type": "QuantitativeValue",
                "minValue": 6000,
                "maxValue": 8000,
                "unitText": "MONTH",
            },
        },
        "educationRequirements": {
            "@type": "EducationalOccupationalCredential",
            "credentialCategory": "high school",
        },
        "experienceRequirements": {
            "@type": "OccupationalExperienceRequirements",
            "monthsOfExperience": 24,
        },
        "occupationalCategory": "4-03-02-01 中式烹调师",
        "industry": "餐饮业",
        "jobBenefits": ["五险一金", "包吃住", "带薪年假"],
        "totalJobOpenings": 3,
        "workHours": "早9点至晚8点，月休4天",
        "applicationContact": {
            "@type": "ContactPoint",
            "name": "王女士",
            "telephone": "0371-12345678",
            "email": "hr@example.com",
            "contactType": "电话",
        },
        "directApply": True,
        "url": "https://job.zhengzhou.example.gov.cn/jobs/ZZ-2025-0001",
    }
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def parse(record: dict[str, Any], options: FeedOptions = OPTIONS) -> Vacancy:
    return parse_job_posting(record, options)


def with_location(location: Any, options: FeedOptions = OPTIONS) -> Vacancy:
    return parse(job_posting(jobLocation=location), options)


def test_full_job_posting() -> None:
    vacancy = parse(job_posting())

    assert vacancy.source == "郑州市公共就业服务网"
    assert vacancy.identifier == "ZZ-2025-0001"
    assert vacancy.title == "中餐厨师"
    assert vacancy.employer == "郑州好味道餐饮管理有限公司"
    assert "<" not in vacancy.description
    assert vacancy.description == "负责 热菜 制作。 持健康证 有厨师证优先"
    assert vacancy.date_posted == date(2025, 6, 20)
    assert vacancy.valid_through == datetime(2025, 7, 31, 18, 0, tzinfo=UTC8)
    assert vacancy.employment_types == (EmploymentType.FULL_TIME, EmploymentType.PART_TIME)
    assert vacancy.salary == Salary(min_amount=6000, max_amount=8000, unit=SalaryUnit.MONTH)
    assert vacancy.education is Education.HIGH_SCHOOL
    assert vacancy.education_text == "high school"
    assert vacancy.experience_months == 24
    assert vacancy.occupation == "4-03-02-01 中式烹调师"
    assert vacancy.industry == "餐饮业"
    assert vacancy.benefits == ("五险一金", "包吃住", "带薪年假")
    assert vacancy.openings == 3
    assert vacancy.work_hours == "早9点至晚8点,月休4天"  # NFKC: full-width comma
    assert vacancy.address == "花园路88号"
    assert vacancy.district == "金水区"
    assert vacancy.region == "410105"
    assert (vacancy.lat, vacancy.lon) == (34.78, 113.68)
    assert vacancy.contact == Contact(
        name="王女士", telephone="0371-12345678", email="hr@example.com", channel="电话"
    )
    assert vacancy.direct_apply is True
    assert vacancy.url == "https://job.zhengzhou.example.gov.cn/jobs/ZZ-2025-0001"


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ({"@type": "PropertyValue", "name": "岗位编号", "value": "ZZ-7"}, "ZZ-7"),
        ({"@type": "PropertyValue", "@id": "urn:job:42"}, "urn:job:42"),
        ([{"@type": "PropertyValue", "value": "first"}, "second"], "first"),
        ("  ZZ-8 ", "ZZ-8"),
        (20250001, "20250001"),
        (0, "0"),
    ],
)
def test_identifier_forms(identifier: Any, expected: str) -> None:
    assert parse(job_posting(identifier=identifier)).identifier == expected


@pytest.mark.parametrize("identifier", [None, "", "   ", True, {"name": "岗位编号"}, []])
def test_missing_identifier_falls_back_to_url(identifier: Any) -> None:
    record = job_posting(identifier=identifier, url="https://jobs.example.cn/p/9 ")
    assert record_identifier(record) == "https://jobs.example.cn/p/9"
    assert parse(record).identifier == "https://jobs.example.cn/p/9"


def test_missing_identifier_and_url_is_a_record_error() -> None:
    with pytest.raises(RecordError, match="缺少 identifier"):
        parse(job_posting(identifier=None, url=None))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-06-20", date(2025, 6, 20)),
        ("2025/06/20", date(2025, 6, 20)),
        ("2025-06-20T09:30:00+08:00", date(2025, 6, 20)),
        ("", None),
    ],
)
def test_date_posted(value: str, expected: date | None) -> None:
    assert parse(job_posting(datePosted=value)).date_posted == expected


def test_bad_date_posted_is_a_record_error() -> None:
    with pytest.raises(RecordError, match="datePosted 不是有效日期"):
        parse(job_posting(datePosted="六月二十日"))


def test_valid_through_with_an_offset_is_kept() -> None:
    moment = parse(job_posting(validThrough="2025-07-31T10:00:00Z")).valid_through
    assert moment is not None
    assert moment.utcoffset() == timedelta(0)
    assert moment == datetime(2025, 7, 31, 18, 0, tzinfo=UTC8)


def test_valid_through_as_a_date_is_the_end_of_that_day_in_china() -> None:
    moment = parse(job_posting(validThrough="2025-07-31")).valid_through
    assert moment == datetime(2025, 7, 31, 23, 59, 59, tzinfo=CHINA)
    assert moment is not None and moment.utcoffset() == timedelta(hours=8)


def test_naive_valid_through_is_local_time_of_the_feed() -> None:
    moment = parse(job_posting(validThrough="2025-07-31T18:00:00")).valid_through
    assert moment == datetime(2025, 7, 31, 18, 0, tzinfo=UTC8)
    assert moment is not None and moment.utcoffset() == timedelta(hours=8)

    urumqi = FeedOptions(source="x", timezone=ZoneInfo("Asia/Urumqi"))
    other = parse(job_posting(validThrough="2025-07-31T18:00:00"), urumqi).valid_through
    assert other is not None and other.utcoffset() == timedelta(hours=6)


def test_bad_valid_through_is_a_record_error() -> None:
    with pytest.raises(RecordError, match="validThrough"):
        parse(job_posting(validThrough="下月底"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("FULL_TIME", (EmploymentType.FULL_TIME,)),
        ("全职、兼职", (EmploymentType.FULL_TIME, EmploymentType.PART_TIME)),
        (["PART_TIME", "part-time", "小时工"], (EmploymentType.PART_TIME,)),
        (["INTERN", "合伙人"], (EmploymentType.INTERN, EmploymentType.OTHER)),
        (None, ()),
    ],
)
def test_employment_types(value: Any, expected: tuple[EmploymentType, ...]) -> None:
    assert parse(job_posting(employmentType=value)).employment_types == expected


# salary in a record


def monetary(value: Any, currency: str = "CNY") -> dict[str, Any]:
    return {"@type": "MonetaryAmount", "currency": currency, "value": value}


@pytest.mark.parametrize(
    ("base_salary", "expected"),
    [
        (
            monetary({"minValue": 6000, "maxValue": 8000, "unitText": "MONTH"}),
            Salary(min_amount=6000, max_amount=8000),
        ),
        (
            monetary({"@type": "QuantitativeValue", "value": 150, "unitText": "DAY"}),
            Salary(min_amount=150, max_amount=150, unit=SalaryUnit.DAY),
        ),
        (
            monetary({"minValue": "20", "maxValue": "25", "unitText": "小时"}),
            Salary(min_amount=20, max_amount=25, unit=SalaryUnit.HOUR),
        ),
        (monetary({"minValue": 5000}), Salary(min_amount=5000)),
        (monetary(7000), Salary(min_amount=7000, max_amount=7000)),
        (monetary("1.2万-1.5万"), Salary(min_amount=12000, max_amount=15000)),
        (
            monetary({"minValue": 3000, "maxValue": 4000}, currency="usd"),
            Salary(min_amount=3000, max_amount=4000, currency="USD"),
        ),
        ("6000-8000元/月", Salary(min_amount=6000, max_amount=8000)),
        ("150元/天", Salary(min_amount=150, unit=SalaryUnit.DAY)),
        (5000, Salary(min_amount=5000, max_amount=5000)),
        (5500.5, Salary(min_amount=5500.5, max_amount=5500.5)),
    ],
)
def test_base_salary_forms(base_salary: Any, expected: Salary) -> None:
    assert parse(job_posting(baseSalary=base_salary)).salary == expected


@pytest.mark.parametrize("base_salary", [None, "", "面议", {}, monetary({"unitText": "MONTH"})])
def test_no_or_negotiable_salary_is_none(base_salary: Any) -> None:
    assert parse(job_posting(baseSalary=base_salary)).salary is None


def test_estimated_salary_is_used_without_base_salary() -> None:
    record = job_posting(baseSalary=None, estimatedSalary=monetary({"value": 9000}))
    assert parse(record).salary == Salary(min_amount=9000, max_amount=9000)


def test_min_above_max_is_a_record_error() -> None:
    with pytest.raises(RecordError, match="最低薪资 9000 高于最高薪资 6000"):
        parse(job_posting(baseSalary=monetary({"minValue": 9000, "maxValue": 6000})))


@pytest.mark.parametrize(
    "base_salary",
    [
        monetary({"minValue": -100, "maxValue": 6000}),
        monetary({"value": -1}),
        -5000,
    ],
)
def test_negative_salary_is_a_record_error(base_salary: Any) -> None:
    with pytest.raises(RecordError, match="负数"):
        parse(job_posting(baseSalary=base_salary))


@pytest.mark.parametrize(
    ("base_salary", "message"),
    [
        (monetary({"minValue": "六千"}), "不是数字"),
        (monetary({"minValue": True}), "不是数字"),
        ("待遇优厚", "看不懂的薪资"),
        ([6000, 8000], "看不懂的薪资"),
        (monetary({"value": 6000, "unitText": "fortnight"}), "不认识的薪资单位"),
    ],
)
def test_unreadable_salary_is_a_record_error(base_salary: Any, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        parse(job_posting(baseSalary=base_salary))


# education, experience, benefits, contact


@pytest.mark.parametrize(
    ("requirement", "level", "text"),
    [
        (
            {"@type": "EducationalOccupationalCredential", "credentialCategory": "bachelor degree"},
            Education.BACHELOR,
            "bachelor degree",
        ),
        (
            {"@type": "EducationalOccupationalCredential", "name": "中专"},
            Education.HIGH_SCHOOL,
            "中专",
        ),
        ("大专及以上", Education.ASSOCIATE, "大专及以上"),
        ("学历不限", Education.NONE, "学历不限"),
        (["本科", "硕士"], Education.BACHELOR, "本科"),
        ("持厨师证", Education.NONE, "持厨师证"),  # unknown: kept as text, never rejected
        (None, Education.NONE, None),
    ],
)
def test_education_requirements(requirement: Any, level: Education, text: str | None) -> None:
    vacancy = parse(job_posting(educationRequirements=requirement))
    assert vacancy.education is level
    assert vacancy.education_text == text


@pytest.mark.parametrize(
    ("requirement", "months"),
    [
        ({"@type": "OccupationalExperienceRequirements", "monthsOfExperience": 36}, 36),
        ({"@type": "OccupationalExperienceRequirements", "monthsOfExperience": "6"}, 6),
        ("3年以上", 36),
        ("1年以上相关工作经验", 12),
        ("两年", 24),
        ("六个月", 6),
        ("1-3年", 12),  # a range counts from its lower end
        ("2~5年工作经验", 24),
        ("十个月以上", 10),
        ("不限", 0),
        ("应届毕业生可投", 0),
        ("经验丰富者优先", None),
        (None, None),
    ],
)
def test_experience_requirements(requirement: Any, months: int | None) -> None:
    assert parse(job_posting(experienceRequirements=requirement)).experience_months == months


def test_negative_experience_is_a_record_error() -> None:
    with pytest.raises(RecordError, match="monthsOfExperience"):
        parse(job_posting(experienceRequirements={"monthsOfExperience": -12}))


@pytest.mark.parametrize(
    ("benefits", "expected"),
    [
        (["五险一金", " 包吃住 ", ""], ("五险一金", "包吃住")),
        ("五险一金、包吃住、带薪年假", ("五险一金", "包吃住", "带薪年假")),
        ("五险一金，节日福利;年终奖", ("五险一金", "节日福利", "年终奖")),
        (None, ()),
    ],
)
def test_job_benefits(benefits: Any, expected: tuple[str, ...]) -> None:
    assert parse(job_posting(jobBenefits=benefits)).benefits == expected


def test_split_list() -> None:
    assert split_list("a、b，c,d;e；f|g/h\ni") == list("abcdefghi")
    assert split_list(None) == []
    assert split_list(["x", {"name": "y"}, None]) == ["x", "y"]


def test_application_contact() -> None:
    contact = {
        "@type": "ContactPoint",
        "name": "李先生",
        "telephone": "１３８００００００００",
        "url": "https://apply.example.cn/9",
        "contactType": "微信",
    }
    vacancy = parse(job_posting(applicationContact=[contact]))
    assert vacancy.contact == Contact(
        name="李先生",
        telephone="13800000000",
        url="https://apply.example.cn/9",
        channel="微信",
    )


@pytest.mark.parametrize("contact", [None, {}, {"@type": "ContactPoint"}, "0371-1234"])
def test_empty_application_contact_is_none(contact: Any) -> None:
    assert parse(job_posting(applicationContact=contact)).contact is None


# job location


def test_district_code_alone_names_the_district() -> None:
    vacancy = with_location({"address": {"districtCode": "410103"}})
    assert vacancy.region == "410103"
    assert vacancy.district == "二七区"
    assert vacancy.address is None


def test_district_name_alone_finds_the_code() -> None:
    vacancy = with_location({"address": {"addressLocality": "郑州市", "addressDistrict": "二七区"}})
    assert vacancy.district == "二七区"
    assert vacancy.region == "410103"


@pytest.mark.parametrize(
    "address",
    [
        "郑州市金水区花园路88号",
        {"@type": "PostalAddress", "streetAddress": "河南省郑州市金水区花园路88号"},
    ],
)
def test_district_found_in_a_street_address(address: Any) -> None:
    vacancy = with_location({"@type": "Place", "address": address})
    assert vacancy.region == "410105"
    assert vacancy.district == "金水区"
    assert vacancy.address is not None and "花园路88号" in vacancy.address
    assert vacancy.place == vacancy.address  # the district is already in the address


def test_city_level_address_has_no_district() -> None:
    vacancy = with_location({"address": {"addressLocality": "郑州市", "streetAddress": "某路1号"}})
    assert vacancy.region == "410100"
    assert vacancy.district is None


def test_first_of_several_locations_is_used() -> None:
    vacancy = with_location(
        [{"address": {"districtCode": "410105"}}, {"address": {"districtCode": "410103"}}]
    )
    assert vacancy.region == "410105"


def test_feed_region_is_used_when_the_record_names_no_place() -> None:
    feed = FeedOptions(source="金水区人社局", region="410105")
    assert with_location(None, feed).region == "410105"
    unnamed = with_location({"address": {"streetAddress": "花园路88号"}}, feed)
    assert unnamed.region == "410105"
    assert unnamed.district == "金水区"
    assert parse(job_posting(jobLocation=None)).region is None


@pytest.mark.parametrize("code", ["41010", "4101050", "金水区", "41O105"])
def test_invalid_district_code_is_a_record_error(code: str) -> None:
    with pytest.raises(RecordError, match="districtCode 不是 6 位行政区划代码"):
        with_location({"address": {"districtCode": code}})


def gcj(point: GeoPoint) -> Any:
    return prcoords.wgs_gcj(prcoords.Coords(point.lat, point.lon))


def bd(point: GeoPoint) -> Any:
    return prcoords.wgs_bd(prcoords.Coords(point.lat, point.lon))


WORKPLACE = GeoPoint(34.7800, 113.6800)


def test_geo_in_wgs84_is_kept() -> None:
    vacancy = with_location({"geo": {"latitude": "34.78", "longitude": "113.68"}})
    assert (vacancy.lat, vacancy.lon) == (34.78, 113.68)


def test_geo_declared_gcj02_is_converted() -> None:
    shifted = gcj(WORKPLACE)
    vacancy = with_location(
        {
            "address": {"districtCode": "410105"},
            "geo": {
                "latitude": shifted.lat,
                "longitude": shifted.lon,
                "coordinateSystem": "GCJ-02",
            },
        }
    )
    assert vacancy.lat is not None and vacancy.lon is not None
    assert distance_km(GeoPoint(vacancy.lat, vacancy.lon), WORKPLACE) < 0.001
    assert (vacancy.lat, vacancy.lon) != (shifted.lat, shifted.lon)


def test_geo_in_a_bd09_feed_is_converted() -> None:
    shifted = bd(WORKPLACE)
    feed = FeedOptions(source="百度地图导出", crs=CoordinateSystem.BD09)
    vacancy = with_location({"geo": {"latitude": shifted.lat, "longitude": shifted.lon}}, feed)
    assert vacancy.lat is not None and vacancy.lon is not None
    assert distance_km(GeoPoint(vacancy.lat, vacancy.lon), WORKPLACE) < 0.001


def test_record_coordinate_system_overrides_the_feed() -> None:
    feed = FeedOptions(source="x", crs=CoordinateSystem.BD09)
    geo = {"latitude": 34.78, "longitude": 113.68, "coordinateSystem": "WGS84"}
    vacancy = with_location({"geo": geo}, feed)
    assert (vacancy.lat, vacancy.lon) == (34.78, 113.68)


@pytest.mark.parametrize(
    ("geo", "message"),
    [
        ({"latitude": 134.78, "longitude": 113.68}, "坐标超出范围"),
        ({"latitude": 34.78, "longitude": 213.68, "coordinateSystem": "GCJ02"}, "坐标超出范围"),
        ({"latitude": 34.78}, "只给了纬度或经度之一"),
        ({"latitude": "北纬34度", "longitude": 113.68}, "latitude 不是数字"),
        ({"latitude": 34.78, "longitude": 113.68, "coordinateSystem": "CGCS2000"}, "未知的坐标系"),
    ],
)
def test_bad_geo_is_a_record_error(geo: dict[str, Any], message: str) -> None:
    with pytest.raises(RecordError, match=message):
        with_location({"geo": geo})


def test_geo_without_coordinates_is_no_position() -> None:
    vacancy = with_location({"geo": {"latitude": "", "longitude": None}})
    assert vacancy.lat is None and vacancy.lon is None


# whole-record errors


@pytest.mark.parametrize("kind", ["Organization", None, ["Thing"], "jobposting"])
def test_wrong_type_is_a_record_error(kind: Any) -> None:
    record = job_posting()
    record["@type"] = kind
    with pytest.raises(RecordError, match="@type 不是 JobPosting"):
        parse(record)


def test_type_list_containing_job_posting_is_accepted() -> None:
    assert parse(job_posting(**{"@type": ["JobPosting", "Thing"]})).title == "中餐厨师"


@pytest.mark.parametrize("record", [["JobPosting"], "JobPosting", None, 3])
def test_a_record_that_is_not_an_object_is_a_record_error(record: Any) -> None:
    with pytest.raises(RecordError, match="不是 JSON 对象"):
        parse_job_posting(record, OPTIONS)


@pytest.mark.parametrize("title", [None, "", "  ", "<p> </p>"])
def test_missing_title_is_a_record_error_in_chinese(title: Any) -> None:
    with pytest.raises(RecordError, match=r"缺少岗位名称（title）"):
        parse(job_posting(title=title))


@pytest.mark.parametrize("organization", [None, {"@type": "Organization"}, {"name": " "}, []])
def test_missing_hiring_organization_is_a_record_error_in_chinese(organization: Any) -> None:
    with pytest.raises(RecordError, match=r"缺少招聘单位（hiringOrganization\.name）"):
        parse(job_posting(hiringOrganization=organization))


def test_hiring_organization_as_text() -> None:
    vacancy = parse(job_posting(hiringOrganization="郑州某物流有限公司"))
    assert vacancy.employer == "郑州某物流有限公司"


def test_bad_openings_is_a_record_error() -> None:
    with pytest.raises(RecordError, match="totalJobOpenings"):
        parse(job_posting(totalJobOpenings="若干"))


def test_parsing_does_not_modify_the_record() -> None:
    record = job_posting()
    before = copy.deepcopy(record)
    parse(record)
    assert record == before


# ------------------------------------------------------------------- how_to_apply and place


def vacancy(**fields: Any) -> Vacancy:
    base: dict[str, Any] = {
        "source": "a",
        "identifier": "1",
        "title": "厨师",
        "employer": "郑州好味道餐饮有限公司",
    }
    return Vacancy(**(base | fields))


def test_how_to_apply_lists_online_phone_and_email() -> None:
    contact = Contact(
        name="王女士",
        telephone="0371-12345678",
        email="hr@example.com",
        url="https://apply.example.cn/1",
    )
    v = vacancy(contact=contact, url="https://jobs.example.cn/1", direct_apply=True)
    assert v.how_to_apply == (
        "在线投递：https://apply.example.cn/1；电话 0371-12345678（王女士）；邮箱 hr@example.com"
    )


def test_how_to_apply_direct_apply_uses_the_posting_url() -> None:
    v = vacancy(
        url="https://jobs.example.cn/1", direct_apply=True, contact=Contact(telephone="12345")
    )
    assert v.how_to_apply == "在线投递：https://jobs.example.cn/1；电话 12345"


def test_how_to_apply_falls_back_to_the_posting_url_then_to_a_hint() -> None:
    assert vacancy(url="https://jobs.example.cn/1").how_to_apply == (
        "详情及投递见：https://jobs.example.cn/1"
    )
    assert vacancy(url="https://jobs.example.cn/1", direct_apply=False).how_to_apply == (
        "详情及投递见：https://jobs.example.cn/1"
    )
    assert vacancy().how_to_apply == "请到发布渠道查看投递方式"


def test_how_to_apply_from_a_parsed_record() -> None:
    v = parse(job_posting())
    assert v.how_to_apply == (
        "在线投递：https://job.zhengzhou.example.gov.cn/jobs/ZZ-2025-0001；"
        "电话 0371-12345678（王女士）；邮箱 hr@example.com"
    )


def test_place() -> None:
    assert vacancy(district="金水区", address="花园路88号").place == "金水区 花园路88号"
    assert vacancy(district="金水区", address="金水区花园路88号").place == "金水区花园路88号"
    assert vacancy(address="花园路88号").place == "花园路88号"
    assert vacancy(district="金水区").place == "金水区"
    assert vacancy().place == "地点未注明"


# ----------------------------------------------------------------- fingerprint and tokens


def test_same_job_from_two_sources_shares_a_fingerprint() -> None:
    official = vacancy(
        source="郑州市公共就业服务网",
        identifier="ZZ-1",
        title="中餐厨师（急招）",
        employer="郑州好味道餐饮有限公司",
        district="金水区",
    )
    reposted = vacancy(
        source="河南省人才网",
        identifier="HN-99",
        title="中餐厨师",
        employer="郑州好味道餐饮",
        district="金水区",
        address="花园路88号",
        description="另一段描述",
    )
    assert fingerprint(official) == fingerprint(reposted)
    assert len(fingerprint(official)) == 20
    assert all(ch in "0123456789abcdef" for ch in fingerprint(official))


def test_fingerprint_tells_different_jobs_apart() -> None:
    base = vacancy(title="中餐厨师", district="金水区")
    assert fingerprint(base) != fingerprint(vacancy(title="中餐厨师", district="二七区"))
    assert fingerprint(base) != fingerprint(vacancy(title="面点师", district="金水区"))
    other_employer = vacancy(title="中餐厨师", employer="郑州另一家餐饮有限公司", district="金水区")
    assert fingerprint(base) != fingerprint(other_employer)


def test_fingerprint_uses_the_region_without_a_district_name() -> None:
    a = vacancy(region="410105")
    assert fingerprint(a) == fingerprint(vacancy(region="410105", source="b"))
    assert fingerprint(a) != fingerprint(vacancy(region="410103"))


def test_vacancy_tokens_contain_title_words_twice() -> None:
    v = parse(job_posting())
    tokens = vacancy_tokens(v)
    assert tokens.count("厨师") >= 2  # the title counts twice
    assert "中餐" in tokens
    assert "金水区" in tokens
    assert "五险一金" in tokens or "五险" in tokens
    assert "健康" in tokens or "健康证" in tokens  # from the description


def test_query_tokens_drop_words_every_job_question_has() -> None:
    tokens = query_tokens("朝阳区有没有月薪八千以上的厨师岗位")
    assert "厨师" in tokens
    assert "朝阳区" in tokens
    for word in ("岗位", "月薪", "以上", "有没有", "的"):
        assert word not in tokens
