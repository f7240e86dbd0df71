"""The JUnit XML report CI systems read (Jenkins, GitLab): one testcase per case.

Element order inside a testcase follows the common JUnit schema: error, failure,
system-out. A case is either an error (a turn raised), a failure, or a pass; a skipped
check is noted in system-out and does not mark the case skipped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from eval.reports.console import format_citation, format_tool, suite_stem
from eval.results import CaseResult, RunReport, SuiteResult, TurnResult

__all__ = ["write_junit"]

#: Characters XML 1.0 does not allow even escaped (control characters, lone surrogates).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.3f}"


def _turn_text(index: int, turn: TurnResult) -> str:
    lines = [f"第 {index} 轮", f"  用户：{turn.user}", f"  回复：{turn.reply}"]
    if turn.error:
        lines.append(f"  出错：{turn.error}")
    lines += [f"  工具：{format_tool(t)}" for t in turn.tools]
    lines += [f"  引用：{format_citation(c)}" for c in turn.citations]
    lines += [f"  失败：{f}" for f in turn.failures]
    return "\n".join(lines)


def _failing_text(case: CaseResult) -> str:
    parts = [_turn_text(i, t) for i, t in enumerate(case.turns, 1) if not t.passed]
    if case.runs > 1:
        parts.insert(0, f"{case.passes}/{case.runs} 次通过")
    return "\n\n".join(parts) or "用例失败"


def _first_failure(case: CaseResult) -> str:
    for turn in case.turns:
        if turn.error:
            return turn.error
        if turn.failures:
            return turn.failures[0]
    return "用例失败"


def _timestamp(moment: datetime) -> str:
    """ISO 8601 without a zone, as the schema wants it (UTC when the time has a zone)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat("T", "seconds")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def _testcase(parent: ET.Element, suite: SuiteResult, case: CaseResult) -> str | None:
    """Adds the case; returns "error", "failure" or None (passed)."""
    element = _add(
        parent,
        "testcase",
        classname=suite_stem(suite),
        name=case.id,
        time=_seconds(case.duration_ms),
        file=suite.file,
    )
    outcome: str | None = None
    if not case.passed:
        errored = [t for t in case.turns if t.error]
        outcome = "error" if errored else "failure"
        _add(
            element,
            outcome,
            _failing_text(case),
            message=_first_failure(case),
            type="assistant_error" if errored else "expectation",
        )
    if case.skipped:
        out = "跳过的检查（未判定）：\n" + "\n".join(f"- {s}" for s in case.skipped)
        _add(element, "system-out", out)
    return outcome


def _testsuite(parent: ET.Element, suite: SuiteResult, report: RunReport) -> dict[str, int]:
    element = _add(parent, "testsuite", name=suite.suite, file=suite.file)
    if report.started_at is not None:
        element.set("timestamp", _timestamp(report.started_at))
    properties = _add(element, "properties")
    for name, value in (
        ("brain", report.brain),
        ("repeat", str(report.repeat)),
        ("interrupted", str(report.summary.interrupted).lower()),
    ):
        _add(properties, "property", name=name, value=value)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if suite.error is not None:
        setup = _add(
            element, "testcase", classname=suite_stem(suite), name="setup",
            time=_seconds(suite.setup_ms), file=suite.file,
        )  # fmt: skip
        _add(setup, "error", suite.error, message=suite.error, type="setup")
        counts["tests"] += 1
        counts["errors"] += 1
    for case in suite.cases:
        outcome = _testcase(element, suite, case)
        counts["tests"] += 1
        if outcome == "error":
            counts["errors"] += 1
        elif outcome == "failure":
            counts["failures"] += 1
    seconds = (suite.setup_ms + sum(c.duration_ms for c in suite.cases)) / 1000
    for key, count in counts.items():
        element.set(key, str(count))
    element.set("time", f"{seconds:.3f}")
    return counts


def write_junit(report: RunReport, path: Path) -> None:
    """Writes ``report`` as JUnit XML (UTF-8, with declaration) to ``path``."""
    root = ET.Element("testsuites", name="jiuye eval")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in report.suites:
        for key, value in _testsuite(root, suite, report).items():
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    if report.started_at is not None and report.finished_at is not None:
        seconds = (report.finished_at - report.started_at).total_seconds()
    else:
        seconds = sum(float(s.get("time", "0")) for s in root)
    root.set("time", f"{max(seconds, 0.0):.3f}")
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
