"""Realistic JobPosting records and feed files for the vacancy tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["posting", "write_jsonl"]


def posting(identifier: str, **changes: Any) -> dict[str, Any]:
    """A JSON-LD JobPosting as a public platform publishes it; ``changes`` override fields
    (``district``/``code``/``lat``/``lon``/``salary`` are shortcuts into nested objects).
    Each identifier gets its own employer, so different identifiers are different jobs."""
    district = changes.pop("district", "金水区")
    code = changes.pop("code", "410105")
    lat = changes.pop("lat", 34.7795)
    lon = changes.pop("lon", 113.6812)
    low, high = changes.pop("salary", (6000, 8000))
    record: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "identifier": {"@type": "PropertyValue", "name": "测试平台", "value": identifier},
        "title": "中餐厨师",
        "description": "负责中餐热菜制作，保证出品质量。有两年以上厨房工作经验。",
        "datePosted": "2026-11-10",
        "validThrough": "2027-01-31T23:59:59+08:00",
        "employmentType": "FULL_TIME",
        "hiringOrganization": {
            "@type": "Organization",
            "name": f"郑州{identifier}餐饮管理有限公司",
        },
        "jobLocation": {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "addressRegion": "河南省",
                "addressLocality": "郑州市",
                "addressDistrict": district,
                "districtCode": code,
                "streetAddress": f"{district}花园路88号",
            },
            "geo": {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon},
        },
        "baseSalary": {
            "@type": "MonetaryAmount",
            "currency": "CNY",
            "value": {
                "@type": "QuantitativeValue",
                "minValue": low,
                "maxValue": high,
                "unitText": "MONTH",
            },
        },
        "educationRequirements": {"credentialCategory": "high school"},
        "jobBenefits": ["五险一金", "包吃住"],
        "applicationContact": {"name": "王女士", "telephone": "0371-60000001"},
        "directApply": True,
        "url": f"https://jobs.example.org/{identifier}",
    }
    record.update(changes)
    return record


def write_jsonl(path: Path, records: list[dict[str, Any] | str]) -> Path:
    """One record per line; a str is written as is (for malformed lines)."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
