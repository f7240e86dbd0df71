"""Errors of the NLU.

    NLUError                 what callers catch
    └── LexiconError         a data file (intents, fact patterns, policies, vacancy words)
                             is missing, malformed, or names an unknown intent or fact

Understanding a message never raises for what the user typed: text that fits no pattern
is simply not understood. Only broken data files raise, when the NLU is built.
"""

from __future__ import annotations

__all__ = ["LexiconError", "NLUError"]


class NLUError(Exception):
    """Root of the NLU's errors."""


class LexiconError(NLUError):
    """A data file of the NLU cannot be used; says which file and what is wrong."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
