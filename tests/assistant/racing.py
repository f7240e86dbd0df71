"""Threads that start together, each with its own Database: how the store tests race."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from connectors.database import Database

T = TypeVar("T")


def race(database_url: str, contenders: int, work: Callable[[Database, int], T]) -> list[Any]:
    """Runs ``work(database, index)`` in ``contenders`` threads released at once; returns
    each thread's result, or the exception it raised."""
    databases = [Database(database_url) for _ in range(contenders)]
    start = threading.Barrier(contenders)
    results: list[Any] = [None] * contenders

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(databases[index], index)
        except BaseException as exc:  # handed to the test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(contenders)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for db in databases:
            db.dispose()
    return results
