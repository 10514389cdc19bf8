"""The gateway under test, served by its own CLI (``python -m gateway.cli serve``) in a
subprocess, so that the load generator and the gateway do not share one GIL."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    """A port the OS just handed out; the tiny race until uvicorn binds it is acceptable here."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_gateway(config: Path, log_file: Path, workers: int = 1) -> Iterator[str]:
    """Start the gateway (``workers`` processes), wait until ``/healthz`` answers, yield its base
    URL, always stop it."""
    port = free_port()
    command = [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config),
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log_file.open("wb") as log:
        # A session of its own: Ctrl-C reaches only this process, which then stops the gateway in order.
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(process, url, log_file)
            yield url
        finally:
            _stop(process)


def _wait_ready(process: subprocess.Popen[bytes], url: str, log_file: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gateway exited with {process.returncode}; see {log_file}:\n{_tail(log_file)}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gateway did not become ready within {READY_TIMEOUT_S:g} s; see {log_file}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT first so uvicorn runs the lifespan shutdown (closes the pools), then insist."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
