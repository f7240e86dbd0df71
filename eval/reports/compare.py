"""Comparing a run with an earlier ``--json`` report: what regressed, what was fixed.

Cases are matched by (suite name, case id). A case missing from the current run counts
as removed, unless its suite is present but could not be set up, or the run was
interrupted: then it was not run, which says nothing about whether it was removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from eval.errors import EvalError
from eval.results import CaseResult, RunReport

__all__ = ["CaseChange", "Comparison", "compare", "load_report", "print_comparison"]


@dataclass(frozen=True)
class CaseChange:
    suite: str
    id: str
    previous: CaseResult | None
    current: CaseResult | None

    @property
    def label(self) -> str:
        return f"{self.suite} / {self.id}"

    @property
    def first_failure(self) -> str | None:
        """Why the case fails in the current run (its first error or failure)."""
        for turn in self.current.turns if self.current else []:
            if turn.error or turn.failures:
                return turn.error or turn.failures[0]
        return None


@dataclass
class Comparison:
    regressed: list[CaseChange] = field(default_factory=list)  # passed before, fails now
    fixed: list[CaseChange] = field(default_factory=list)  # failed before, passes now
    still_failing: list[CaseChange] = field(default_factory=list)
    still_passing: list[CaseChange] = field(default_factory=list)
    new: list[CaseChange] = field(default_factory=list)  # not in the previous report
    removed: list[CaseChange] = field(default_factory=list)  # not in the current run
    not_run: list[CaseChange] = field(default_factory=list)  # suite broken or run cut short

    @property
    def ok(self) -> bool:
        """No case that passed before fails now."""
        return not self.regressed


def compare(previous: RunReport, current: RunReport) -> Comparison:
    result = Comparison()
    before, now = previous.cases(), current.cases()
    broken = {s.suite for s in current.suites if s.error is not None}
    for key, case in now.items():
        old = before.get(key)
        change = CaseChange(key[0], key[1], old, case)
        if old is None:
            result.new.append(change)
        elif old.passed and not case.passed:
            result.regressed.append(change)
        elif not old.passed and case.passed:
            result.fixed.append(change)
        elif case.passed:
            result.still_passing.append(change)
        else:
            result.still_failing.append(change)
    for key, old in before.items():
        if key in now:
            continue
        change = CaseChange(key[0], key[1], old, None)
        if key[0] in broken or current.summary.interrupted:
            result.not_run.append(change)
        else:
            result.removed.append(change)
    return result


def load_report(path: Path) -> RunReport:
    """Reads a ``--json`` report; raises :class:`EvalError` naming the file when it cannot."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise EvalError(f"找不到要比较的报告文件：{path}") from None
    except OSError as exc:
        raise EvalError(f"无法读取报告文件 {path}：{exc.strerror or exc}") from None
    try:
        report = RunReport.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        why = f"{where}：{first['msg']}" if where else first["msg"]
        raise EvalError(f"{path} 不是有效的 jiuye eval --json 报告（{why}）") from None
    if "suites" not in report.model_fields_set:
        raise EvalError(f"{path} 不是有效的 jiuye eval --json 报告（缺少 suites）")
    return report


def _section(console: Console, title: str, changes: list[CaseChange], style: str) -> None:
    if not changes:
        return
    console.print(Text(f"{title}（{len(changes)}）", style=f"bold {style}"))
    for change in changes:
        line = Text(f"  {change.label}")
        why = change.first_failure if change.current and not change.current.passed else None
        if why:
            line += Text("：") + Text(why)
        console.print(line)


def print_comparison(c: Comparison, console: Console) -> None:
    console.rule("与上次报告比较")
    table = Table()
    for header in ("退步", "修复", "仍然失败", "仍然通过", "新增", "移除", "未运行"):
        table.add_column(header, justify="right")
    table.add_row(
        *(
            str(len(changes))
            for changes in (
                c.regressed, c.fixed, c.still_failing, c.still_passing, c.new, c.removed,
                c.not_run,
            )
        )
    )  # fmt: skip
    console.print(table)
    _section(console, "退步：之前通过，现在失败", c.regressed, "red")
    _section(console, "修复：之前失败，现在通过", c.fixed, "green")
    _section(console, "仍然失败", c.still_failing, "yellow")
    _section(console, "新增用例（上次报告中没有）", c.new, "cyan")
    _section(console, "移除的用例（本次没有）", c.removed, "magenta")
    _section(console, "未运行（套件准备失败或运行被中断）", c.not_run, "yellow")
