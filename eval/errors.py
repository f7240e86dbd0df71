"""Errors of the evaluation runner: a suite that cannot be read or set up."""

from __future__ import annotations

from pathlib import Path

__all__ = ["EvalError", "SetupError", "SuiteError"]


class EvalError(Exception):
    """Base of the errors that stop an evaluation before it runs a case."""


class SuiteError(EvalError):
    """A suite file that does not follow the format: names the file, the case and the key."""

    def __init__(
        self,
        file: Path | None,
        case: str | None,
        key: str | None,
        reason: str,
        *,
        more: list[str] | None = None,
    ) -> None:
        self.file = file
        self.case = case
        self.key = key
        self.reason = reason
        self.more = more or []
        super().__init__(self._text())

    def _text(self) -> str:
        where = [str(self.file) if self.file else "suites"]
        if self.case is not None:
            where.append(f"case {self.case}")
        if self.key is not None:
            where.append(f"key {self.key}")
        text = f"{', '.join(where)}: {self.reason}"
        if self.more:
            text += "".join(f"\n  also: {line}" for line in self.more)
        return text


class SetupError(EvalError):
    """A suite's ``setup`` names something that cannot be loaded (a missing corpus, …)."""

    def __init__(self, file: Path, reason: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: setup: {reason}")
