"""The synthetic 郑州 vacancy feed: shape, flaws at the rates asked for, and the shipped sample."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.geo import CoordinateSystem, GeoPoint, distance_km
from connectors.vacancies.demo import DEFAULT_SOURCE, demo_records, write_demo_feed
from connectors.vacancies.samples import SAMPLE_FEED

__all__: list[str] = []

TODAY = date(2026, 3, 15)
COUNT = 5000
DUPLICATE_RATE = 0.05
MALFORMED_RATE = 0.03

# GB/T 2260 codes and rough WGS-84 centres; independent of the generator's own table.
DISTRICT_CENTRES = {
    "410102": GeoPoint(34.748, 113.613),  # 中原区
    "410103": GeoPoint(34.724, 113.640),  # 二七区
    "410104": GeoPoint(34.754, 113.677),  # 管城回族区
    "410105": GeoPoint(34.800, 113.660),  # 金水区
    "410106": GeoPoint(34.803, 113.309),  # 上街区
    "410108": GeoPoint(34.867, 113.617),  # 惠济区
    "410122": GeoPoint(34.719, 113.976),  # 中牟县
    "410182": GeoPoint(34.787, 113.383),  # 荥阳市
    "410184": GeoPoint(34.396, 113.740),  # 新郑市
}
# 郑州市 (410100), its whole municipal area.
ZHENGZHOU_LAT = (34.26, 34.99)
ZHENGZHOU_LON = (112.71, 114.23)
EMPLOYMENT_TYPES = {"FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", "PER_DIEM"}
UNITS = {"HOUR", "DAY", "MONTH", "YEAR"}
CREDENTIALS = {
    "no requirement",
    "middle school",
    "high school",
    "vocational",
    "associate degree",
    "bachelor degree",
    "postgraduate degree",
}


def _day(text: str) -> date:
    """A datePosted/validThrough value as a date; ValueError when it is no real date."""
    return datetime.fromisoformat(text).date() if "T" in text else date.fromisoformat(text)


def problem(line: str) -> str | None:
    """Why a line is not a usable JobPosting, or None when it is one."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return "not json"
    if not isinstance(record, dict) or record.get("@type") != "JobPosting":
        return "not a JobPosting"
    identifier = record.get("identifier")
    if (
        not isinstance(identifier, dict)
        or not identifier.get("value")
        or not identifier.get("name")
    ):
        return "no identifier"
    if not record.get("title"):
        return "no title"
    try:
        posted = _day(record["datePosted"])
        through = _day(record["validThrough"])
    except (KeyError, ValueError):
        return "bad date"
    if through < posted:
        return "ends before it starts"
    if not record.get("hiringOrganization", {}).get("name"):
        return "no employer"
    place = record.get("jobLocation", {})
    if place.get("address", {}).get("districtCode") not in DISTRICT_CENTRES:
        return "no district"
    geo = place.get("geo", {})
    try:
        GeoPoint(geo["latitude"], geo["longitude"])
    except (KeyError, ValueError):
        return "bad coordinates"
    value = record.get("baseSalary", {}).get("value")
    if value is not None:
        amounts = [value[k] for k in ("minValue", "maxValue", "value") if k in value]
        if not amounts or any(not isinstance(a, int | float) or a <= 0 for a in amounts):
            return "bad pay"
        if "minValue" in value and value["minValue"] > value["maxValue"]:
            return "pay range inverted"
        if value.get("unitText") not in UNITS:
            return "bad pay unit"
    return None


def wgs84(record: dict[str, Any]) -> GeoPoint:
    geo = record["jobLocation"]["geo"]
    system = CoordinateSystem.parse(geo.get("coordinateSystem", "WGS84"))
    return GeoPoint.from_datum(geo["latitude"], geo["longitude"], system)


def job_key(record: dict[str, Any]) -> tuple[str, ...]:
    """What makes two postings the same job (with the text and phone that tell jobs apart)."""
    return (
        record["title"],
        record["hiringOrganization"]["name"],
        record["jobLocation"]["address"]["districtCode"],
        json.dumps(record.get("baseSalary"), sort_keys=True),
        record["description"],
        record["applicationContact"]["telephone"],
    )


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return list(
        demo_records(
            COUNT,
            seed=7,
            today=TODAY,
            duplicate_rate=DUPLICATE_RATE,
            malformed_rate=MALFORMED_RATE,
        )
    )


@pytest.fixture(scope="module")
def good(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines if problem(line) is None]


def test_the_same_seed_and_day_give_the_same_feed(lines: list[str]) -> None:
    again = list(
        demo_records(
            COUNT,
            seed=7,
            today=TODAY,
            duplicate_rate=DUPLICATE_RATE,
            malformed_rate=MALFORMED_RATE,
        )
    )
    assert again == lines
    other_seed = list(demo_records(50, seed=8, today=TODAY))
    assert other_seed != lines[:50]
    other_day = list(demo_records(50, seed=7, today=TODAY + timedelta(days=1)))
    assert other_day != list(demo_records(50, seed=7, today=TODAY))


def test_the_file_holds_the_records_and_the_summary_counts_them(
    tmp_path: Path, lines: list[str]
) -> None:
    path = tmp_path / "feeds" / "jobs.jsonl"
    summary = write_demo_feed(
        path,
        COUNT,
        seed=7,
        today=TODAY,
        duplicate_rate=DUPLICATE_RATE,
        malformed_rate=MALFORMED_RATE,
    )
    assert summary.path == path
    assert summary.records == COUNT
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    assert text.splitlines() == lines
    assert not list(tmp_path.glob("feeds/*.part"))

    flawed = sum(problem(line) is not None for line in lines)
    reposted = sum(
        json.loads(line)["identifier"]["name"] != DEFAULT_SOURCE
        for line in lines
        if problem(line) is None
    )
    assert summary.malformed == flawed
    assert summary.duplicates == reposted
    assert abs(flawed / COUNT - MALFORMED_RATE) < 0.01
    assert abs(reposted / COUNT - DUPLICATE_RATE) < 0.015


def test_a_count_of_zero_writes_an_empty_feed(tmp_path: Path) -> None:
    summary = write_demo_feed(tmp_path / "empty.jsonl", 0, today=TODAY)
    assert (summary.records, summary.duplicates, summary.malformed) == (0, 0, 0)
    assert (tmp_path / "empty.jsonl").read_bytes() == b""


def test_good_lines_are_complete_job_postings(good: list[dict[str, Any]]) -> None:
    assert len(good) > COUNT * 0.95
    identifiers = [record["identifier"]["value"] for record in good]
    assert len(set(identifiers)) == len(identifiers)
    for record in good:
        assert record["@context"] == "https://schema.org"
        assert record["identifier"]["@type"] == "PropertyValue"
        assert (
            record["url"].startswith("https://") and record["identifier"]["value"] in record["url"]
        )
        assert len(record["description"]) > 20
        kinds = record["employmentType"]
        assert set(kinds if isinstance(kinds, list) else [kinds]) <= EMPLOYMENT_TYPES
        address = record["jobLocation"]["address"]
        assert address["addressLocality"] == "郑州市" and address["addressRegion"] == "河南省"
        assert address["streetAddress"].startswith(address["addressDistrict"])
        assert record["hiringOrganization"]["name"].startswith("郑州")
        assert record["hiringOrganization"]["name"].endswith("有限公司")
        assert 1 <= record["totalJobOpenings"] <= 50
        assert record["jobBenefits"] and all(isinstance(b, str) for b in record["jobBenefits"])
        assert record["applicationContact"]["telephone"].startswith("0371-")
        education = record.get("educationRequirements")
        if isinstance(education, dict):
            assert education["credentialCategory"] in CREDENTIALS
        experience = record.get("experienceRequirements")
        if isinstance(experience, dict):
            assert experience["monthsOfExperience"] > 0


def test_pay_is_plausible_and_varied(good: list[dict[str, Any]]) -> None:
    shapes: Counter[str] = Counter()
    for record in good:
        if "baseSalary" not in record:
            shapes["面议"] += 1
            continue
        assert record["baseSalary"]["currency"] == "CNY"
        value = record["baseSalary"]["value"]
        unit = value["unitText"]
        shapes[unit] += 1
        low = value.get("minValue", value.get("value"))
        high = value.get("maxValue", value.get("value"))
        assert 0 < low <= high
        bounds = {"HOUR": (15, 80), "DAY": (100, 400), "MONTH": (1500, 25000)}
        lowest, highest = bounds.get(unit, (60000, 250000))
        assert lowest <= low and high <= highest, value
        if "value" in value:
            shapes["single figure"] += 1
    assert shapes["MONTH"] > 0.8 * len(good)
    for shape in ("HOUR", "DAY", "YEAR", "面议", "single figure"):
        assert shapes[shape] > 0, shape


def test_requirements_come_as_structured_values_and_as_chinese_text(
    good: list[dict[str, Any]],
) -> None:
    education = Counter(type(r.get("educationRequirements")).__name__ for r in good)
    experience = Counter(type(r.get("experienceRequirements")).__name__ for r in good)
    for forms in (education, experience):
        assert forms["dict"] > 0 and forms["str"] > 0 and forms["NoneType"] > 0
    texts = {
        r["educationRequirements"] for r in good if isinstance(r.get("educationRequirements"), str)
    }
    assert {"不限", "大专及以上", "本科"} <= texts


def test_points_lie_in_zhengzhou_near_their_district(good: list[dict[str, Any]]) -> None:
    shifted = 0
    for record in good:
        point = wgs84(record)
        assert ZHENGZHOU_LAT[0] < point.lat < ZHENGZHOU_LAT[1]
        assert ZHENGZHOU_LON[0] < point.lon < ZHENGZHOU_LON[1]
        centre = DISTRICT_CENTRES[record["jobLocation"]["address"]["districtCode"]]
        assert distance_km(point, centre) < 3.1
        geo = record["jobLocation"]["geo"]
        if geo.get("coordinateSystem") == "GCJ02":
            shifted += 1
            # GCJ-02 moves points in 郑州 by a few hundred metres: the numbers really are shifted.
            as_posted = GeoPoint(geo["latitude"], geo["longitude"])
            assert 0.2 < distance_km(as_posted, point) < 1.0
    assert 0.08 * len(good) < shifted < 0.35 * len(good)


def test_most_jobs_are_in_the_central_districts(good: list[dict[str, Any]]) -> None:
    districts = Counter(r["jobLocation"]["address"]["addressDistrict"] for r in good)
    assert set(districts) == {
        "中原区", "二七区", "管城回族区", "金水区", "上街区",
        "惠济区", "中牟县", "荥阳市", "新郑市",
    }  # fmt: skip
    central = sum(districts[d] for d in ("金水区", "二七区", "中原区", "管城回族区"))
    assert central > 0.55 * len(good)
    assert districts.most_common(1)[0][0] == "金水区"


def test_dates_fall_in_the_window_and_some_postings_have_expired(
    good: list[dict[str, Any]],
) -> None:
    expired = plain = 0
    for record in good:
        posted = date.fromisoformat(record["datePosted"])
        through = _day(record["validThrough"])
        assert TODAY - timedelta(days=30) <= posted <= TODAY
        if record["identifier"]["name"] == DEFAULT_SOURCE:
            assert 15 <= (through - posted).days <= 90
        else:  # reposted up to a few days later, still ending when the original does
            assert 12 <= (through - posted).days <= 90
        if through < TODAY:
            expired += 1
        if "T" not in record["validThrough"]:
            plain += 1
        else:
            assert record["validThrough"].endswith("T23:59:59+08:00")
    assert 0.03 < expired / len(good) < 0.07
    assert 0 < plain < 0.1 * len(good)


def test_valid_until_pins_the_end_of_every_current_posting() -> None:
    until = date(2027, 12, 31)
    records = [
        json.loads(line)
        for line in demo_records(
            2000, seed=3, today=TODAY, valid_until=until, posted_within_days=10, malformed_rate=0
        )
    ]
    ends = Counter(_day(r["validThrough"]) for r in records)
    expired = sum(n for end, n in ends.items() if end < TODAY)
    assert ends[until] + expired == len(records)
    assert 0.03 < expired / len(records) < 0.07
    for record in records:
        assert TODAY - timedelta(days=16) <= date.fromisoformat(record["datePosted"]) <= TODAY


def test_duplicates_repeat_an_earlier_job_from_another_platform(lines: list[str]) -> None:
    seen: dict[tuple[str, ...], dict[str, Any]] = {}
    duplicates = 0
    for line in lines:
        if problem(line) is not None:
            continue
        record = json.loads(line)
        key = job_key(record)
        if record["identifier"]["name"] == DEFAULT_SOURCE:
            assert key not in seen
            seen[key] = record
            continue
        duplicates += 1
        original = seen[key]  # posted earlier in the stream
        assert record["identifier"]["value"] != original["identifier"]["value"]
        assert record["url"].split("/")[2] != original["url"].split("/")[2]
        assert record["jobLocation"]["address"] == original["jobLocation"]["address"]
        assert distance_km(wgs84(record), wgs84(original)) < 0.002
        assert record["datePosted"] >= original["datePosted"]
    assert duplicates > 0


def test_malformed_lines_are_varied_and_carry_no_marker() -> None:
    lines = list(demo_records(3000, seed=11, today=TODAY, malformed_rate=0.1))
    reasons = Counter(p for line in lines if (p := problem(line)) is not None)
    assert {
        "not json",
        "not a JobPosting",
        "no identifier",
        "no title",
        "bad date",
        "bad coordinates",
        "bad pay",
        "pay range inverted",
    } <= set(reasons)
    good_keys = set().union(*(json.loads(line) for line in lines if problem(line) is None))
    for line in lines:
        if problem(line) not in (None, "not json"):
            assert set(json.loads(line)) <= good_keys


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        list(demo_records(10, today=TODAY, duplicate_rate=1.5))
    with pytest.raises(ValueError):
        list(demo_records(10, today=TODAY, malformed_rate=-0.1))
    with pytest.raises(ValueError):
        list(demo_records(10, today=TODAY, expired_rate=1.2))
    with pytest.raises(ValueError):
        list(demo_records(10, today=TODAY, duplicate_rate=0.6, malformed_rate=0.6))
    with pytest.raises(ValueError):
        list(demo_records(10, today=TODAY, validity_days=(30, 10)))
    with pytest.raises(ValueError):
        list(demo_records(10, today=TODAY, valid_until=TODAY - timedelta(days=1)))
    with pytest.raises(ValueError):
        list(demo_records(-1, today=TODAY))


# The parameters samples/README.md documents for the shipped feed.
SAMPLE_TODAY = date(2026, 11, 22)
SAMPLE_PARAMETERS: dict[str, Any] = {
    "count": 400,
    "seed": 2026,
    "today": SAMPLE_TODAY,
    "duplicate_rate": 0.03,
    "malformed_rate": 0.0,
    "posted_within_days": 21,
    "valid_until": date(2027, 12, 31),
    "expired_rate": 0.05,
}


def test_the_shipped_sample_is_what_the_documented_parameters_produce(tmp_path: Path) -> None:
    summary = write_demo_feed(tmp_path / "zhengzhou_jobs.jsonl", **SAMPLE_PARAMETERS)
    assert summary.path.read_bytes() == SAMPLE_FEED.read_bytes()
    readme = (SAMPLE_FEED.parent / "README.md").read_text(encoding="utf-8")
    for name, value in SAMPLE_PARAMETERS.items():
        literal = (
            f"date({value:%Y}, {value.month}, {value.day})"
            if isinstance(value, date)
            else repr(value)
        )
        assert f"{name}={literal}" in readme, name


def test_the_shipped_sample_looks_like_a_live_feed() -> None:
    lines = SAMPLE_FEED.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 400
    assert all(problem(line) is None for line in lines)
    records = [json.loads(line) for line in lines]
    reposts = sum(r["identifier"]["name"] != DEFAULT_SOURCE for r in records)
    assert 4 <= reposts <= 24
    ends = Counter(_day(r["validThrough"]) for r in records)
    expired = sum(n for end, n in ends.items() if end < SAMPLE_TODAY)
    assert 5 <= expired <= 40
    assert ends[date(2027, 12, 31)] == len(records) - expired
    posted = {date.fromisoformat(r["datePosted"]) for r in records}
    assert date(2026, 11, 1) <= min(posted) and max(posted) <= SAMPLE_TODAY
