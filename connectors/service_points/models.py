"""Service points of the "15分钟就业服务圈", search hits, and load reports."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.geo import GeoPoint
from knowledge.regions import validate_region

__all__ = ["KINDS", "LoadReport", "RowProblem", "ServicePoint", "ServicePointHit"]

#: The usual kinds of public employment service points (free text is accepted too).
KINDS = (
    "社区就业服务站",
    "街道（乡镇）就业服务站",
    "零工市场",
    "人力资源市场",
    "公共就业服务中心",
)


class ServicePoint(BaseModel):
    """A place where people get public employment services; ``location`` is WGS-84."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=100, description="stable within its source")
    name: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    address: str = ""
    district: str | None = Field(default=None, description="区县名称, e.g. 金水区")
    region: str | None = Field(default=None, description="most specific GB/T 2260 code")
    location: GeoPoint | None = None
    hours: str = ""
    services: list[str] = Field(default_factory=list)
    phone: str | None = None
    source: str = ""

    @field_validator("region")
    @classmethod
    def _valid_region(cls, value: str | None) -> str | None:
        return None if value is None else validate_region(value)


class ServicePointHit(BaseModel):
    """A point found by a search; distance and walking time only when a location was given."""

    point: ServicePoint
    distance_km: float | None = Field(default=None, description="great-circle distance")
    walking_minutes: int | None = None


class RowProblem(BaseModel):
    """A row that was skipped: CSV rows by physical line (from 1), JSON items by index (from 0)."""

    file: str
    reason: str
    line: int | None = None
    index: int | None = None

    def __str__(self) -> str:
        if self.line is not None:
            where = f"第 {self.line} 行"
        elif self.index is not None:
            where = f"第 {self.index + 1} 项（索引 {self.index}）"
        else:
            where = ""
        return f"{self.file} {where}：{self.reason}" if where else f"{self.file}：{self.reason}"


class LoadReport(BaseModel):
    """What loading one source did: points stored, points replaced, rows skipped."""

    source: str
    loaded: int = 0
    removed: int = 0
    problems: list[RowProblem] = Field(default_factory=list)
