"""Databases of the index tests' own (beside the shared seeded ones, on the same servers): the
tests write into provinces and break the index on purpose."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest

from gateway.demo import DEMO_PROVINCES
from gateway.operations import migrate_all, province_databases, seed_all
from gateway.settings import Settings
from sources.embedded import create_database
from sources.index_sync import ConnectionSource, ProvinceDatabase, connect
from tests.conftest import TEST_TODAY, Stack, make_settings

INDEX_DATABASE = "yrd_index"
ANCHOR = TEST_TODAY


@dataclass
class IndexStack:
    """Seeded databases for the index tests, with handy connections."""

    base: Stack
    settings: Settings
    showcase: dict[str, dict]

    def province(self, code: str) -> ProvinceDatabase:
        return next(p for p in province_databases(self.settings) if p.code == code)

    def dsn(self, code: str) -> str:
        return self.province(code).dsn

    async def central(self) -> ConnectionSource:
        return await connect("central", self.settings.central.dsn)

    async def source(self, code: str) -> ConnectionSource:
        return await connect(code, self.dsn(code))

    async def indexed(self, kind: str, key: str) -> list[str]:
        conn = await asyncpg.connect(self.settings.central.dsn)
        try:
            rows = await conn.fetch(
                "SELECT province_code FROM central.presence WHERE subject_kind = $1 AND subject_key = $2 ORDER BY 1",
                kind,
                key,
            )
        finally:
            await conn.close()
        return [r["province_code"] for r in rows]


@pytest.fixture(scope="session")
async def index_stack(stack: Stack) -> AsyncIterator[IndexStack]:
    for server in [*(s for s, *_ in DEMO_PROVINCES), "central"]:
        await create_database(stack.cluster.dsn(server), INDEX_DATABASE)
    settings = make_settings(stack.cluster, database=INDEX_DATABASE)
    await migrate_all(settings)
    showcase = await seed_all(settings, scale=0.02, seed=7, anchor=ANCHOR)
    yield IndexStack(stack, settings, {c["case"]: c for c in showcase})


async def execute(dsn: str, sql: str, *args: object) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.execute(sql, *args)
    finally:
        await conn.close()
