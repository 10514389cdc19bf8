"""Apply the plain-SQL migrations in order, each once, recorded in ``public.yrd_migration``.

Every migration file is itself idempotent, so re-running a half-applied one is safe too.
"""

from __future__ import annotations

from importlib import resources

import asyncpg

PROVINCE = "province"
CENTRAL = "central"

_LEDGER = """
CREATE TABLE IF NOT EXISTS public.yrd_migration (
    name       text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def migration_files(kind: str) -> list[tuple[str, str]]:
    """(name, sql) of every migration of one kind, in name order."""
    folder = resources.files("sources") / "migrations" / kind
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name, f.read_text(encoding="utf-8")) for f in files]


async def migrate(dsn: str, kind: str) -> list[str]:
    """Apply the pending migrations of ``kind`` to the database at ``dsn``; return their names."""
    conn = await asyncpg.connect(dsn)
    try:
        return await _apply_pending(conn, kind)
    finally:
        await conn.close()


async def _apply_pending(conn: asyncpg.Connection, kind: str) -> list[str]:
    await conn.execute(_LEDGER)
    applied = {r["name"] for r in await conn.fetch("SELECT name FROM public.yrd_migration")}
    done = []
    for name, sql in migration_files(kind):
        key = f"{kind}/{name}"
        if key in applied:
            continue
        async with conn.transaction():
            await conn.execute(sql)
            await conn.execute("INSERT INTO public.yrd_migration (name) VALUES ($1)", key)
        done.append(key)
    return done
