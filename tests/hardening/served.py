"""A real gateway process for HTTP-level tests: ``yrd-gateway serve`` on a free local port, over
the session's test databases, with the tables a test adds (``[server]``, ``[limits]``…).

What these tests attack (proxy headers, slow clients, header sizes) lives in uvicorn and in the
socket, so an in-process ASGI client cannot see it: the process is started as in production."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from gateway.demo import DEMO_PROVINCES
from gateway.settings import Settings, render_toml, settings_from_mapping
from tests.conftest import AUTH_SECRET, SECRET, Stack

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Served:
    """A running gateway process: where it listens and the settings it was started with."""

    host: str
    port: int
    settings: Settings

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def served_settings(stack: Stack, spool: Path, **tables: dict[str, Any]) -> Settings:
    """The test stack's configuration plus ``tables`` (each merged into its section)."""
    raw: dict[str, Any] = {
        "gateway": {"person_key_secret": SECRET},
        "central": {"dsn": stack.settings.central.dsn, "pool_size": 2, "timeout_ms": 2000},
        "auth": {"secret": AUTH_SECRET},
        "audit": {"spool_dir": str(spool)},
        "provinces": [
            {"code": p.code, "short_name": short, "name": name, "dsn": p.source.dsn, "pool_size": 2,
             "timeout_ms": 2000}
            for p, (_, _, short, name) in zip(stack.settings.provinces, DEMO_PROVINCES, strict=True)
        ],
    }
    for section, values in tables.items():
        raw[section] = {**raw.get(section, {}), **values}
    return settings_from_mapping(raw, {})


def start_process(settings: Settings, workdir: Path, *extra: str, sync: bool = False) -> tuple[subprocess.Popen, int]:
    """Start ``yrd-gateway serve`` with ``settings`` (and ``extra`` CLI arguments) on a free port and
    wait until it listens; the caller stops it.  Its output goes to ``workdir/serve.log``."""
    config = workdir / "gateway.toml"
    config.write_text(render_toml(settings) + ("" if sync else "\n[index]\nsync = false\n"), encoding="utf-8")
    port = _free_port()
    command = [sys.executable, "-c", "import sys; from gateway.cli import main; sys.exit(main())",
               "serve", "--config", str(config), "--host", "127.0.0.1", "--port", str(port), *extra]
    with (workdir / "serve.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(process, port, workdir / "serve.log")
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, port


@contextlib.contextmanager
def serve_process(settings: Settings, workdir: Path) -> Iterator[Served]:
    """``yrd-gateway serve`` with ``settings`` until the block ends (the index sync is left to the
    session's own app, so that this process only serves requests)."""
    process, port = start_process(settings, workdir)
    try:
        yield Served("127.0.0.1", port, settings)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(process: subprocess.Popen, port: int, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gateway exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return  # any answer: it listens (readiness is not what these tests are about)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"gateway did not come up within {seconds} s:\n{log.read_text()[-3000:]}")
