"""Direct SQL against the test databases (the cross-check every statistics test compares with), and
a gateway whose settings point one source at a server that does not exist."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx

from gateway.settings import Settings
from tests.conftest import Stack, running_client

# A Unix socket directory that does not exist: connecting fails at once (SOURCE_UNAVAILABLE).
UNREACHABLE_DSN = "postgresql://postgres:@/postgres?host=/nonexistent/yrd-statistics-test"


async def fetch_each(stack: Stack, sql: str, *args: Any) -> dict[str, list[asyncpg.Record]]:
    """Run ``sql`` in every province database, straight through asyncpg (not the gateway)."""
    rows = {}
    for province in stack.settings.provinces:
        conn = await asyncpg.connect(province.source.dsn)
        try:
            rows[province.code] = await conn.fetch(sql, *args)
        finally:
            await conn.close()
    return rows


async def central_crosswalk(stack: Stack) -> dict[tuple[str, str], str]:
    """(province, local code) → national code, read straight from the central store."""
    conn = await asyncpg.connect(stack.settings.central.dsn)
    try:
        rows = await conn.fetch("SELECT province_code, local_code, national_code FROM central.code_crosswalk")
    finally:
        await conn.close()
    return {(r["province_code"].strip(), r["local_code"]): r["national_code"] for r in rows}


def with_unreachable(settings: Settings, source: str) -> Settings:
    """The same settings with one province (or 'central') pointing nowhere."""
    if source == "central":
        return dataclasses.replace(settings, central=dataclasses.replace(settings.central, dsn=UNREACHABLE_DSN))
    provinces = tuple(
        dataclasses.replace(p, source=dataclasses.replace(p.source, dsn=UNREACHABLE_DSN)) if p.code == source else p
        for p in settings.provinces
    )
    return dataclasses.replace(settings, provinces=provinces)


@contextlib.asynccontextmanager
async def client_without(stack: Stack, source: str) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway of its own (own pools and breakers) with one source unreachable."""
    async with running_client(with_unreachable(stack.settings, source)) as client:
        yield client
