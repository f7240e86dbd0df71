"""What every ``jiuye`` command shares: the consoles, error exits and progress bars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from knowledge.policies.ingest import ProgressCallback

__all__ = ["ProgressCallback", "console", "errors", "fail", "progress_bar"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Prints a Chinese error message; raise the returned exit (1: failure, 2: bad input)."""
    errors.print(f"[bold red]错误：[/]{message}")
    return typer.Exit(code)


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
