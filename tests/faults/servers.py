"""``jiuye serve`` as a real process, for the tests that kill it or run two of them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.server.conftest import access_tokens

__all__ = ["ServerProcess"]


class ServerProcess:
    """``jiuye serve`` on 127.0.0.1 over ``data_dir``, as an operator starts it."""

    def __init__(self, data_dir: Path, **settings: str) -> None:
        self.data_dir = data_dir
        self.settings = settings  # more JIUYE_* variables, e.g. JIUYE_DATABASE_URL
        self.log = data_dir.parent / f"{data_dir.name}-server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("JIUYE_")}
        tokens = "[" + ",".join(t.model_dump_json() for t in access_tokens()) + "]"
        env.update(
            JIUYE_DATA_DIR=str(self.data_dir),
            JIUYE_ACCESS_TOKENS=tokens,
            JIUYE_SESSION_SECRET="durability-test-secret",
            JIUYE_RATE_LIMIT_USER="10000/minute",
            JIUYE_RATE_LIMIT_IP="100000/minute",
            JIUYE_VACANCY_SYNC_INTERVAL="3600",
        )
        env.update(self.settings)
        jiuye = Path(sys.executable).with_name("jiuye")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:  # what the server said, for a failing test
            self.process = subprocess.Popen(
                [str(jiuye), "serve", "--no-samples", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"jiuye serve did not become ready (exit {self.process.poll()})")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no goodbye."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
