"""How well the assistant answers: the conversation suites, read for answer quality.

Runs the suites (default: every shipped suite, eval/suites/) as one user at a time, so
turn latency is what one person waits, and prints:

  pass rate by tag (a case counts for each of its tags)
  false refusals: turns expected to answer (``refuses: false``) that declined
  true refusals:  turns expected to decline (``refuses: true``) that did
  figure in the quote: of the answers whose expectation names a figure (二个月, 90%,
                  十五日 ...), the share whose quoted clause (the text between “ and ”)
                  holds that figure — the answer quotes the words that decide it
  turn latency p50 / p95 (one user; the target is p95 under 150 ms)

Usage: python bench/answers.py [SUITE ...] [--workers N] [--json PATH]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from figures import default_json, percentile, write_json  # noqa: E402

from eval.expectations import REFUSAL_MARKERS  # noqa: E402
from eval.loader import load_suites  # noqa: E402
from eval.results import RunReport, TurnResult  # noqa: E402
from eval.runner import RunOptions, run_suites  # noqa: E402
from knowledge.chinese import normalize  # noqa: E402

SUITES = REPO / "eval" / "suites"
#: A figure as an expectation names it: a numeral with its unit, a ratio, a multiple.
_FIGURE = re.compile(
    r"[0-9零〇一二两三四五六七八九十百千万]+\s*(?:个月|个工作日|工作日|周岁|岁|年|月|日|天|周|倍|元|万元|小时|%)"
    r"|[百千万]分之[零〇一二两三四五六七八九十百]+"
)
_QUOTED = re.compile(r"“([^”]*)”")
#: Latency target of the issue, one user.
P95_TARGET_MS = 150.0


def _expected(turn: TurnResult, kind: str) -> object:
    return next((c.expected for c in turn.checks if c.kind == kind), None)


def _declines(text: str) -> bool:
    return any(marker in text for marker in REFUSAL_MARKERS)


def figures(report: RunReport) -> dict[str, object]:
    by_tag: dict[str, list[bool]] = defaultdict(list)
    answer_turns = refusal_turns = false_refusals = true_refusals = 0
    with_figure = quoted_figure = 0
    latencies: list[float] = []
    for suite in report.suites:
        for case in suite.cases:
            for tag in case.tags:
                by_tag[tag].append(case.passed)
            for turn in case.turns:
                latencies.append(turn.latency_ms)
                refuses = _expected(turn, "refuses")
                if refuses is False:
                    answer_turns += 1
                    false_refusals += _declines(turn.reply)
                elif refuses is True:
                    refusal_turns += 1
                    true_refusals += _declines(turn.reply)
                named = [
                    s
                    for kind in ("contains_all", "contains_any")
                    for s in (_expected(turn, kind) or [])  # type: ignore[attr-defined]
                    if isinstance(s, str) and _FIGURE.fullmatch(normalize(s))
                ]
                if named and refuses is not True:
                    with_figure += 1
                    quotes = " ".join(_QUOTED.findall(normalize(turn.reply)))
                    quoted_figure += any(normalize(s) in quotes for s in named)
    return {
        "cases": report.summary.cases,
        "passed": report.summary.passed,
        "by_tag": {tag: (sum(v), len(v)) for tag, v in sorted(by_tag.items())},
        "false_refusals": (false_refusals, answer_turns),
        "true_refusals": (true_refusals, refusal_turns),
        "figure_in_quote": (quoted_figure, with_figure),
        "latency_ms_p50": percentile(latencies, 0.5),
        "latency_ms_p95": percentile(latencies, 0.95),
        "turns": len(latencies),
    }


def _share(pair: object) -> str:
    assert isinstance(pair, tuple)
    done, total = pair
    return f"{done}/{total} ({done / total:.1%})" if total else "—"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suites", nargs="*", type=Path, default=[SUITES])
    parser.add_argument("--workers", type=int, default=1, help="cases at once (1: one user)")
    parser.add_argument("--json", type=Path, default=default_json("answers"))
    args = parser.parse_args()
    suites = load_suites(args.suites)
    report = run_suites(
        suites,
        RunOptions(workers=args.workers),
        on_setup=lambda suite, what: print(f"  {suite}: {what}", flush=True),
    )
    result = figures(report)
    print(f"\ncases passed: {result['passed']}/{result['cases']}")
    print("\npass rate by tag:")
    for tag, pair in result["by_tag"].items():  # type: ignore[attr-defined]
        print(f"  {tag:<28} {_share(pair)}")
    print(f"\nfalse refusals (expected to answer, declined): {_share(result['false_refusals'])}")
    print(f"true refusals (expected to decline, declined): {_share(result['true_refusals'])}")
    print(f"figure asked for, inside the quoted clause:    {_share(result['figure_in_quote'])}")
    p50, p95 = result["latency_ms_p50"], result["latency_ms_p95"]
    print(
        f"turn latency over {result['turns']} turns, {args.workers} user(s) at a time: "
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms (target p95 < {P95_TARGET_MS:.0f} ms)"
    )
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
