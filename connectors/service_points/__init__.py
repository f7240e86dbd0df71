"""The "15分钟就业服务圈": public employment service points, loaded from files, found nearby."""

from connectors.service_points.errors import (
    PointsFileError,
    ServicePointError,
    UnsupportedPointsFormatError,
)
from connectors.service_points.loader import PointsFile, read_service_points
from connectors.service_points.models import (
    KINDS,
    LoadReport,
    RowProblem,
    ServicePoint,
    ServicePointHit,
)
from connectors.service_points.store import (
    DEFAULT_RADIUS_KM,
    ServicePointStore,
    find_service_points,
)

__all__ = [
    "DEFAULT_RADIUS_KM",
    "KINDS",
    "LoadReport",
    "PointsFile",
    "PointsFileError",
    "RowProblem",
    "ServicePoint",
    "ServicePointError",
    "ServicePointHit",
    "ServicePointStore",
    "UnsupportedPointsFormatError",
    "find_service_points",
    "read_service_points",
]
