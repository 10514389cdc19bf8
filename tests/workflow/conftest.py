"""Databases of the workflow tests' own (beside the shared seeded ones, on the same servers): the
tests write credit records and blacklist entries, which would change other tests' answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from gateway.demo import DEMO_PROVINCES
from gateway.operations import migrate_all, province_databases, seed_all
from gateway.settings import Settings
from sources.embedded import create_database
from tests.conftest import TEST_TODAY, Stack, make_settings, running_client
from tests.index.subjects import enterprise_insert, flat, new_uscc
from tests.tokens import ask, bearer

WORKFLOW_DATABASE = "yrd_workflow"
SH, JS, ZJ = "310000", "320000", "330000"


@dataclass
class Workflow:
    """The workflow databases, a gateway over them, and callers by name."""

    stack: Stack
    settings: Settings
    client: httpx.AsyncClient

    def dsn(self, code: str) -> str:
        return next(p.dsn for p in province_databases(self.settings) if p.code == code)

    def caller(self, role: str, province: str = JS, sub: str | None = None) -> dict[str, str]:
        return bearer(self.settings, role, province, sub=sub or f"{role}-{province}", org=f"{province}住建厅")

    async def ask(self, query: str, headers: dict[str, str] | None = None, **variables: Any) -> dict[str, Any]:
        return await ask(self.client, query, headers, **variables)

    async def fetch(self, code: str, sql: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn(code))
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    async def new_enterprise(self, code: str = JS, division: str = "320100") -> str:
        """A fresh enterprise held by ``code``'s database (registered at ``division``)."""
        uscc = new_uscc(division)
        conn = await asyncpg.connect(self.dsn(code))
        try:
            await conn.execute(*flat(enterprise_insert(uscc, f"工作流测试建设有限公司{uscc[-4:]}")))
        finally:
            await conn.close()
        return uscc


@pytest.fixture(scope="session")
async def workflow_databases(stack: Stack) -> Settings:
    for server in [*(s for s, *_ in DEMO_PROVINCES), "central"]:
        await create_database(stack.cluster.dsn(server), WORKFLOW_DATABASE)
    settings = make_settings(stack.cluster, database=WORKFLOW_DATABASE)
    await migrate_all(settings)
    await seed_all(settings, scale=0.02, seed=5, anchor=TEST_TODAY)
    return settings


@pytest.fixture
async def wf(stack: Stack, workflow_databases: Settings) -> AsyncIterator[Workflow]:
    async with running_client(workflow_databases) as client:
        yield Workflow(stack, workflow_databases, client)
