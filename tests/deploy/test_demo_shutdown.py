"""``yrd-gateway demo`` stopped by SIGTERM (a process manager, ``kill``, a closing terminal) stops
its four embedded PostgreSQL servers too, as Ctrl-C does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]
READY_S = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _servers_under(root: Path) -> list[psutil.Process]:
    """PostgreSQL postmasters whose data directory is under ``root``."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and any(str(root) in part for part in cmdline):
            found.append(process)
    return found


def _wait_ready(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the demo exited with {process.returncode}"
        try:
            if httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail("the demo did not become ready")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_demo_stops_its_databases(tmp_path: Path, signum: signal.Signals) -> None:
    root = tmp_path / "demo"
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--host", "127.0.0.1", "--port", str(port), "--scale", "0.02"],
        cwd=REPO, env={**os.environ, "YRD_DEMO_DIR": str(root)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(process, f"http://127.0.0.1:{port}")
        assert len(_servers_under(root)) == 4
        process.send_signal(signum)
        assert process.wait(timeout=60) != 0  # stopped, not finished
        deadline = time.monotonic() + 30
        while _servers_under(root) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _servers_under(root) == []
    finally:
        if process.poll() is None:
            process.kill()
        for server in _servers_under(root):
            server.kill()
