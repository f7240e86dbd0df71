"""``jiuye eval``: run conversation test suites and write the reports."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assistant.settings import get_settings
from assistant.terminal import console, errors, fail, progress_bar
from eval.errors import EvalError

__all__ = ["eval_command"]


class BrainChoice(StrEnum):
    offline = "offline"
    llm = "llm"


def eval_command(
    paths: Annotated[list[Path], typer.Argument(help="测试套件文件或目录（含 Rasa e2e 测试文件）")],
    json_out: Annotated[Path | None, typer.Option("--json", help="写出 JSON 报告")] = None,
    junit: Annotated[Path | None, typer.Option(help="写出 JUnit XML 报告（供 CI 使用）")] = None,
    html: Annotated[Path | None, typer.Option(help="写出单文件 HTML 报告")] = None,
    previous_json: Annotated[
        Path | None,
        typer.Option("--compare", help="与上一次的 --json 报告比较：列出退步和修复的用例"),
    ] = None,
    brain: Annotated[BrainChoice, typer.Option(help="offline 或 llm（使用配置的大模型）")] = (
        BrainChoice.offline
    ),
    repeat: Annotated[
        int, typer.Option(min=1, max=100, help="每个用例运行 N 次，报告不稳定的用例")
    ] = 1,
    workers: Annotated[int, typer.Option(min=1, max=64, help="并发运行的用例数")] = 4,
    tag: Annotated[list[str] | None, typer.Option(help="只运行带这些标签的用例（可重复）")] = None,
    cache_dir: Annotated[
        Path | None, typer.Option(help="导入结果缓存目录（默认 ~/.cache/jiuye/eval）")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度条")] = False,
) -> None:
    """运行对话测试套件：全部通过时退出码为 0，有失败为 1，套件写错为 2。"""
    from eval.loader import load_suites
    from eval.reports import (
        compare,
        load_report,
        print_comparison,
        print_summary,
        write_html,
        write_junit,
    )
    from eval.runner import RunOptions, run_suites

    settings = get_settings()
    if brain == BrainChoice.llm and not settings.llm_configured:
        raise fail(
            "没有配置大模型：请设置 JIUYE_LLM_BASE_URL、JIUYE_LLM_MODEL 和 JIUYE_LLM_API_KEY", 2
        )
    try:
        suites = load_suites(paths)
        previous = load_report(previous_json) if previous_json is not None else None
    except EvalError as exc:
        raise fail(str(exc), 2) from exc
    options = RunOptions(
        brain=brain.value,
        repeat=repeat,
        workers=workers,
        tags=list(tag or []),
        cache_dir=cache_dir,
        settings=settings,
    )
    with progress_bar("用例", enabled=not quiet) as update:
        # Setup reports carry no counts: they show beside the last count of cases done.
        done = [0, 0]

        def on_case(count: int, total: int, suite: str, case: str) -> None:
            done[:] = [count, total]
            if update:
                update(count, total, f"{suite} / {case}")

        def on_setup(suite: str, what: str) -> None:
            if update:
                update(done[0], done[1], f"{suite}：{what}")

        report = run_suites(suites, options, on_case=on_case, on_setup=on_setup)
    print_summary(report, console)
    for path, write in ((json_out, None), (junit, write_junit), (html, write_html)):
        if path is None:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if write is None:
            path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        else:
            write(report, path)
        errors.print(f"报告已写入 {path}")
    if previous is not None:
        print_comparison(compare(previous, report), console)
    raise typer.Exit(0 if report.ok else 1)
