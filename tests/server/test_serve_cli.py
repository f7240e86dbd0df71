"""``jiuye serve`` as users start it (what ``make run`` runs): a real process on 127.0.0.1
that loads the samples, prints its addresses and a one-run admin token, and serves."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port


def test_serve_prints_its_pages_and_serves_them(sample_data_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(sample_data_dir, data_dir)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("JIUYE_")}
    env.update(
        {
            "JIUYE_DATA_DIR": str(data_dir),
            "NO_COLOR": "1",
            "COLUMNS": "200",
            "PYTHONUNBUFFERED": "1",
        }
    )
    jiuye = Path(sys.executable).with_name("jiuye")
    process = subprocess.Popen(
        [str(jiuye), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    printed: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the banner comes before the server starts
            printed.append(line)
            if "管理员令牌" in line:
                break
        token = re.search(r"管理员令牌[^：]*：(\S+)", "".join(printed))
        assert token, printed
        deadline = time.monotonic() + 120
        ready = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        assert ready is not None and ready.status_code == 200, process.poll()
        page = httpx.get(f"{base}/", timeout=10)
        assert page.status_code == 200 and "<html" in page.text.lower()
        reply = httpx.post(f"{base}/v1/chat", json={"text": "你好"}, timeout=60)
        assert reply.status_code == 200 and reply.json()["session_id"].startswith("web:")
        # The printed token is an admin's for this run.
        admin = {"Authorization": f"Bearer {token.group(1)}"}
        stats = httpx.get(f"{base}/v1/admin/stats", headers=admin, timeout=10)
        assert stats.status_code == 200 and stats.json()["turns"] == 1
        assert httpx.get(f"{base}/v1/admin/stats", timeout=10).status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err[-2000:]
    banner = "".join(printed) + out
    for path in ("/", "/agent", "/console", "/docs", "/metrics"):
        assert f"{base}{path}" in banner, banner
    log_lines = [line for line in err.splitlines() if line.startswith("{")]
    assert any('"logger": "jiuye.access"' in line and '"request_id"' in line for line in log_lines)
