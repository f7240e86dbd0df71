"""Reports of a run: console summary, JUnit XML, one-file HTML, comparison with a past run."""

from eval.reports.compare import CaseChange, Comparison, compare, load_report, print_comparison
from eval.reports.console import print_summary
from eval.reports.html import write_html
from eval.reports.junit import write_junit

__all__ = [
    "CaseChange",
    "Comparison",
    "compare",
    "load_report",
    "print_comparison",
    "print_summary",
    "write_html",
    "write_junit",
]
