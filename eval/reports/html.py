"""The single-file HTML report: summary tables, pass rate by tag (inline SVG), failures.

Everything is rendered by ``report.html.j2`` with autoescaping, so replies and user text
(which may hold markup) appear as text. The file has no scripts and no external links.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from eval.reports.console import (
    MISSING,
    expectation_kinds,
    failing_cases,
    format_citation,
    format_ms,
    format_rate,
    format_tool,
    scopes,
)
from eval.results import RunReport

__all__ = ["TagBar", "tag_bars", "write_html"]

TEMPLATE = "report.html.j2"
#: Geometry of the tag chart, in SVG user units.
LABEL_WIDTH = 180
BAR_WIDTH = 360
ROW_HEIGHT = 28


@dataclass(frozen=True)
class TagBar:
    tag: str
    passed: int
    total: int
    y: int  # top of the row
    width: float  # of the filled part

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


def tag_bars(report: RunReport) -> list[TagBar]:
    """One bar per tag over all cases (a case counts for each of its tags), worst first."""
    counts: dict[str, list[int]] = {}
    for suite in report.suites:
        for case in suite.cases:
            for tag in dict.fromkeys(case.tags):
                passed_total = counts.setdefault(tag, [0, 0])
                passed_total[0] += case.passed
                passed_total[1] += 1
    ordered = sorted(counts.items(), key=lambda item: (item[1][0] / item[1][1], item[0]))
    return [
        TagBar(tag, passed, total, y=i * ROW_HEIGHT, width=round(BAR_WIDTH * passed / total, 1))
        for i, (tag, (passed, total)) in enumerate(ordered)
    ]


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(rate=format_rate, ms=format_ms, tool=format_tool, citation=format_citation)
    return env


def write_html(report: RunReport, path: Path) -> None:
    """Writes ``report`` as one self-contained HTML file to ``path``."""
    started = report.started_at
    bars = tag_bars(report)
    page = (
        _environment()
        .get_template(TEMPLATE)
        .render(
            report=report,
            started=started.strftime("%Y-%m-%d %H:%M:%S") if started else MISSING,
            scopes=scopes(report),
            kinds=expectation_kinds(report),
            failing=list(failing_cases(report)),
            flaky=[(s, c) for s in report.suites for c in s.cases if c.flaky],
            skipped=[(s, c) for s in report.suites for c in s.cases if c.skipped],
            broken=[s for s in report.suites if s.error is not None],
            bars=bars,
            chart={
                "label_width": LABEL_WIDTH,
                "bar_width": BAR_WIDTH,
                "row_height": ROW_HEIGHT,
                "width": LABEL_WIDTH + BAR_WIDTH + 140,
                "height": max(len(bars), 1) * ROW_HEIGHT,
            },
            missing=MISSING,
        )
    )
    path.write_text(page, encoding="utf-8")
