"""The console summary of a run: metric tables, then every failing turn in detail.

The formatting helpers here (rates, latencies, tools, citations, failing turns) are shared
with the HTML report so both show the same figures the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from eval.results import (
    CaseResult,
    CitationRecord,
    Metrics,
    RunReport,
    SuiteResult,
    ToolRecord,
    TurnResult,
)
from eval.spec import EXPECTATION_KINDS

__all__ = [
    "MISSING",
    "FailingCase",
    "Scope",
    "expectation_kinds",
    "failing_cases",
    "format_citation",
    "format_ms",
    "format_rate",
    "format_tool",
    "print_summary",
    "scopes",
    "suite_stem",
]

#: Shown for a figure nothing measured.
MISSING = "—"
OVERALL = "总计"
INTERRUPTED = "运行被中断（Ctrl-C）：只显示已完成的用例，结果不完整。"


@dataclass(frozen=True)
class Scope:
    """One row of the summary: a suite or the whole run."""

    name: str
    cases: int
    passed: int
    flaky: int
    metrics: Metrics
    error: str | None = None  # the suite could not be set up
    short: str = ""  # the suite file's stem, where space is short


@dataclass(frozen=True)
class FailingCase:
    suite: SuiteResult
    case: CaseResult
    turns: list[tuple[int, TurnResult]]  # its failing turns, numbered from 1 (may be none)


def format_rate(value: float | None) -> str:
    return MISSING if value is None else f"{value:.0%}" if value in (0, 1) else f"{value:.1%}"


def format_ms(value: float | None) -> str:
    return MISSING if value is None else f"{value:.0f} ms"


def format_tool(tool: ToolRecord) -> str:
    args = json.dumps(tool.args, ensure_ascii=False, sort_keys=True, default=str)
    text = f"{tool.name} {args}"
    return f"{text}（出错：{tool.error}）" if tool.error else text


def format_citation(citation: CitationRecord) -> str:
    text = f"《{citation.title}》{citation.article or ''}"
    return f"{text}，{citation.path}" if citation.path else text


def suite_stem(suite: SuiteResult) -> str:
    return Path(suite.file).stem if suite.file else suite.suite


def scopes(report: RunReport) -> list[Scope]:
    """Every suite, then the run as a whole."""
    rows = [
        Scope(
            name=s.suite,
            cases=len(s.cases),
            passed=sum(c.passed for c in s.cases),
            flaky=sum(c.flaky for c in s.cases),
            metrics=s.metrics,
            error=s.error,
            short=suite_stem(s),
        )
        for s in report.suites
    ]
    summary = report.summary
    rows.append(Scope(OVERALL, summary.cases, summary.passed, summary.flaky, summary.metrics))
    return rows


def expectation_kinds(report: RunReport) -> list[str]:
    """The kinds checked anywhere in the run: the spec's order, then any others (utter)."""
    seen = {k for scope in scopes(report) for k in scope.metrics.expectations}
    known = [k for k in EXPECTATION_KINDS if k in seen]
    return known + sorted(seen - set(known))


def failing_cases(report: RunReport) -> Iterator[FailingCase]:
    for suite in report.suites:
        for case in suite.cases:
            if not case.passed:
                turns = [(i, t) for i, t in enumerate(case.turns, 1) if not t.passed]
                yield FailingCase(suite, case, turns)


#: With more suites than this, suites become rows (a column each would not fit).
WIDE = 3

_FIGURES: list[tuple[str, str, Callable[[Scope], str | Text]]] = [
    ("用例通过", "通过", lambda r: Text(
        f"{r.passed}/{r.cases}", style="green" if r.cases and r.passed == r.cases else "red"
    )),
    ("不稳定", "不稳", lambda r: str(r.flaky)),
    ("工具调用准确率", "工具", lambda r: format_rate(r.metrics.tool_call_accuracy)),
    ("转人工精确率", "转人工P", lambda r: format_rate(r.metrics.handoff_precision)),
    ("转人工召回率", "转人工R", lambda r: format_rate(r.metrics.handoff_recall)),
    ("引用准确率", "引用", lambda r: format_rate(r.metrics.citation_accuracy)),
    ("拒答准确率", "拒答", lambda r: format_rate(r.metrics.refusal_accuracy)),
    ("延迟 p50", "p50", lambda r: format_ms(r.metrics.latency_p50_ms)),
    ("延迟 p95", "p95", lambda r: format_ms(r.metrics.latency_p95_ms)),
    ("跳过的检查", "跳过", lambda r: Text(
        str(r.metrics.skipped_checks), style="yellow" if r.metrics.skipped_checks else ""
    )),
]  # fmt: skip


def _cell(row: Scope, figure: Callable[[Scope], str | Text]) -> str | Text:
    return Text("套件准备失败", style="bold red") if row.error is not None else figure(row)


def _summary_table(rows: list[Scope]) -> Table:
    """Few suites: a column per suite and one for the run, a row per figure. Many: a row
    per suite. Either way it fits a terminal."""
    table = Table(title="汇总")
    if len(rows) - 1 > WIDE:
        table.add_column("套件文件")
        for _, label, _ in _FIGURES:
            table.add_column(label, justify="right")
        for row in rows:
            name = Text(row.short or row.name, style="bold" if row.name == OVERALL else "")
            table.add_row(name, *(_cell(row, figure) for _, _, figure in _FIGURES))
        table.caption = "P/R：精确率/召回率；各列含义见 README"
        return table
    table.add_column("指标")
    for row in rows:
        table.add_column(
            Text(row.name, style="bold" if row.name == OVERALL else ""), justify="right"
        )
    for label, _, figure in _FIGURES:
        table.add_row(label, *(_cell(row, figure) for row in rows))
    return table


def _kinds_table(rows: list[Scope], kinds: list[str]) -> Table:
    table = Table(title="各类期望的通过率（通过/检查）")
    table.add_column("期望")
    if len(rows) - 1 > WIDE:  # per suite it would not fit: the run as a whole
        rows = rows[-1:]
    for row in rows:
        table.add_column(Text(row.name), justify="right")
    for kind in kinds:
        cells: list[str] = []
        for row in rows:
            rate = row.metrics.expectations.get(kind)
            cells.append(
                MISSING if rate is None or not rate.checked
                else f"{rate.passed}/{rate.checked}（{format_rate(rate.rate)}）"
            )  # fmt: skip
        table.add_row(kind, *cells)
    return table


def _print_turn(console: Console, index: int, turn: TurnResult) -> None:
    console.print(Text(f"  第 {index} 轮", style="bold"))
    console.print(Text("    用户：") + Text(turn.user))
    console.print(Text("    回复：") + Text(turn.reply or MISSING))
    if turn.error:
        console.print(Text("    出错：", style="bold red") + Text(turn.error))
    console.print(Text("    工具：") + Text("无" if not turn.tools else ""))
    for tool in turn.tools:
        console.print(Text("      - ") + Text(format_tool(tool)))
    console.print(Text("    引用：") + Text("无" if not turn.citations else ""))
    for citation in turn.citations:
        console.print(Text("      - ") + Text(format_citation(citation)))
    for failure in turn.failures:
        console.print(Text("    ✗ 失败：", style="red") + Text(failure))
    for skipped in turn.skipped:
        console.print(Text("    ! 跳过：", style="yellow") + Text(skipped))


def _print_failures(console: Console, report: RunReport) -> None:
    failing = list(failing_cases(report))
    if not failing:
        return
    console.rule("失败的用例")
    for item in failing:
        case = item.case
        title = Text(f"✗ {item.suite.suite} / {case.id}", style="bold red")
        if case.runs > 1:
            title += Text(f"（{case.passes}/{case.runs} 次通过）")
        console.print(title)
        if not item.turns:
            console.print(Text("  用例失败，但没有失败的轮次记录"))
        for index, turn in item.turns:
            _print_turn(console, index, turn)


def _print_flaky(console: Console, report: RunReport) -> None:
    flaky = [(s, c) for s in report.suites for c in s.cases if c.flaky]
    if not flaky:
        return
    console.rule("不稳定的用例")
    for suite, case in flaky:
        console.print(Text(f"~ {suite.suite} / {case.id}：{case.passes}/{case.runs} 次通过"))


def _print_skipped(console: Console, report: RunReport) -> None:
    skipped = [(s, c) for s in report.suites for c in s.cases if c.skipped]
    if not skipped:
        return
    console.rule("跳过的检查（未判定，不算通过）")
    for suite, case in skipped:
        console.print(Text(f"! {suite.suite} / {case.id}", style="yellow"))
        for detail in case.skipped:
            console.print(Text("    - ") + Text(detail))


def _print_setup_errors(console: Console, report: RunReport) -> None:
    broken = [s for s in report.suites if s.error is not None]
    if not broken:
        return
    console.rule("准备失败的套件")
    for suite in broken:
        console.print(
            Text(f"✗ {suite.suite}（{suite.file}）：", style="bold red") + Text(suite.error or "")
        )


def print_summary(report: RunReport, console: Console) -> None:
    """Prints the summary tables, setup errors, failing turns, flaky cases, skipped checks."""
    if report.summary.interrupted:
        console.print(Text(INTERRUPTED, style="bold yellow"))
    rows = scopes(report)
    console.print(_summary_table(rows))
    kinds = expectation_kinds(report)
    if kinds:
        console.print(_kinds_table(rows, kinds))
    _print_setup_errors(console, report)
    _print_failures(console, report)
    _print_flaky(console, report)
    _print_skipped(console, report)
    s = report.summary
    verdict = Text(
        f"用例 {s.cases} 个：通过 {s.passed}，失败 {s.failed}，不稳定 {s.flaky}，"
        f"套件准备失败 {s.errors}",
        style="bold green" if report.ok else "bold red",
    )
    console.print(verdict)
    if s.interrupted:
        console.print(Text(INTERRUPTED, style="bold yellow"))
