"""Errors of the service-point connector (messages are Chinese, meant to be shown).

ConnectorError
└── ServicePointError                  root of this package's errors
    └── PointsFileError(path, reason)  a points file as a whole cannot be read
        └── UnsupportedPointsFormatError(path, suffix, supported)

Single bad rows are not errors: the loader reports them (line and reason) and goes on.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from connectors.errors import ConnectorError

__all__ = ["PointsFileError", "ServicePointError", "UnsupportedPointsFormatError"]


class ServicePointError(ConnectorError):
    """Root of the service-point errors."""


class PointsFileError(ServicePointError):
    """A points file could not be read at all; ``reason`` says why."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = Path(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"无法读取服务网点文件 {self.path}：{self.reason}"


class UnsupportedPointsFormatError(PointsFileError):
    """The file's extension is not one the loader reads."""

    def __init__(self, path: Path | str, suffix: str, supported: Iterable[str]) -> None:
        self.suffix = suffix
        self.supported = tuple(supported)
        shown = f"“{suffix}”" if suffix else "（无扩展名）"
        super().__init__(path, f"不支持的文件格式 {shown}，支持的格式：{'、'.join(self.supported)}")
        self.args = (path, suffix, self.supported)
