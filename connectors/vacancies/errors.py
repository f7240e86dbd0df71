"""Errors of vacancy feeds.

FeedError (a ConnectorError)   a whole feed could not be used; the store is left as it was
├── FeedUnavailableError       unreachable, HTTP error, missing file
└── FeedFormatError            not a format Jiuye reads, or a bad column mapping
RecordError                    one record is malformed; it is reported and skipped
"""

from __future__ import annotations

from connectors.errors import ConnectorError

__all__ = ["FeedError", "FeedFormatError", "FeedUnavailableError", "RecordError"]


class FeedError(ConnectorError):
    """A feed could not be read at all."""


class FeedUnavailableError(FeedError):
    """The feed's server or file could not be reached."""


class FeedFormatError(FeedError):
    """The feed is not JSON-LD, JSON Lines or CSV, or its CSV mapping is wrong."""


class RecordError(ValueError):
    """One record is malformed; the message is the reason, in Chinese."""
