"""The worker thread behind an outbox: a table of things to send that survive restarts.

Both outboxes (the hand-off webhook's ticket notifications and the WeChat
customer-service messages) keep their records in the database and only need a thread that
runs a delivery pass at once, whenever it is woken, when the next retry is due, and every
``poll_interval`` seconds. :class:`OutboxWorker` is that thread; a subclass implements
:meth:`deliver_pending` and keeps its retry times in ``_due`` (id -> monotonic time).
"""

from __future__ import annotations

import logging
import threading
import time

__all__ = ["OutboxWorker"]


class OutboxWorker:
    """Runs :meth:`deliver_pending` in a daemon thread until :meth:`stop`."""

    #: The thread's name (and the logger's wording).
    name = "outbox"

    def __init__(self, *, poll_interval: float, log: logging.Logger) -> None:
        if poll_interval <= 0:
            raise ValueError("轮询间隔必须大于 0")
        self.poll_interval = poll_interval
        self._log = log
        self._due: dict[int, float] = {}  # record id -> monotonic time of its next attempt
        self._pass_lock = threading.Lock()  # one delivery pass at a time per process
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def deliver_pending(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def notify(self, *_: object) -> None:
        """Wakes the worker; never blocks, never raises (usable as a listener)."""
        self._wake.set()

    @property
    def stopping(self) -> bool:
        """True inside the worker thread once :meth:`stop` was called (end the pass)."""
        return self._stop.is_set() and threading.current_thread() is self._thread

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ends the worker after its current request; undelivered records stay pending."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before the pass, so work added during it wakes us again
            try:
                self.deliver_pending()
            except Exception:  # the worker outlives a database outage or a bug in one pass
                self._log.exception("%s pass failed; the next pass retries", self.name)
            self._wake.wait(self._seconds_to_next_pass())

    def _seconds_to_next_pass(self) -> float:
        with self._pass_lock:
            due = min(self._due.values(), default=None)
        if due is None:
            return self.poll_interval
        return min(self.poll_interval, max(0.0, due - time.monotonic()))
