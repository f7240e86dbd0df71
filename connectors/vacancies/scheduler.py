"""Keeping vacancies fresh: sync every configured feed now and then every ``interval``.

The server starts one in the background; ``jiuye vacancies watch`` runs one in the
foreground. A feed or database failure is logged and retried at the next round; it never
stops the loop. One round runs at a time: a sync asked for by an administrator waits for
the background round, since two syncs of a feed would both add its new vacancies.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from connectors.errors import ConnectorError
from connectors.vacancies.feeds import FeedSpec
from connectors.vacancies.sync import SyncReport, VacancySync

__all__ = ["PeriodicSync"]

log = logging.getLogger("jiuye.vacancies")


class PeriodicSync:
    """Runs :meth:`run_once` at start and then every ``interval_seconds``."""

    def __init__(
        self,
        sync: VacancySync,
        feeds: Sequence[FeedSpec],
        interval_seconds: float,
        *,
        on_report: Callable[[SyncReport], None] | None = None,
    ) -> None:
        if interval_seconds <= 0:
            raise ValueError("同步间隔必须大于 0 秒")
        self.sync = sync
        self.feeds = list(feeds)
        self.interval_seconds = interval_seconds
        self.on_report = on_report
        self.rounds = 0
        self._round = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> list[SyncReport]:
        """Syncs every feed once; failures are in the reports (or logged), never raised."""
        with self._round:
            return self._run_round()

    def _run_round(self) -> list[SyncReport]:
        reports: list[SyncReport] = []
        for spec in self.feeds:
            try:
                report = self.sync.sync(spec)
            except ConnectorError as exc:  # e.g. the database is down
                log.error("vacancy sync of %s failed: %s", spec.location, exc)
                continue
            if report.status == "failed":
                log.warning("%s", report.summary)
            else:
                log.info("%s", report.summary)
            for note in report.notes:  # e.g. why nothing was removed
                log.warning("%s：%s", report.source, note)
            reports.append(report)
            if self.on_report is not None:
                self.on_report(report)
        self.rounds += 1
        return reports

    def run_forever(self) -> None:
        """Blocks, syncing every interval, until :meth:`stop` is called."""
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval_seconds)

    def start(self) -> None:
        """Runs in a daemon thread."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run_forever, name="vacancy-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
