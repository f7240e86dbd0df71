"""What every ``jiuye`` command shares: the consoles, error exits and progress bars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from knowledge.policies.ingest import ProgressCallback
from knowledge.policies.metadata import parse_date

__all__ = ["ProgressCallback", "console", "errors", "fail", "parse_day", "progress_bar"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Prints a Chinese error message; raise the returned exit (1: failure, 2: bad input)."""
    errors.print(f"[bold red]错误：[/]{message}")
    return typer.Exit(code)


def parse_day(value: str | None) -> date | None:
    """A ``--date`` option (2025-06-01, 2025年6月1日, …); exits with code 2 when malformed."""
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise fail(f"日期格式不对：{value}（例如 2025-06-01）", 2) from exc


@contextmanager
def progress_bar(label: str, enabled: bool = True) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr, shown from the first report of work (none when idle)."""
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=errors,
    )
    task = bar.add_task("", total=None)

    def update(done: int, total: int, name: str) -> None:
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total, description=name[:40])

    try:
        yield update
    finally:
        if bar.live.is_started:
            bar.stop()
