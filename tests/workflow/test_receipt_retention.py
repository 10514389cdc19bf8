"""Old idempotency receipts can be pruned by the province (migration province/010_receipt_retention.sql),
never so young that a client could still be retrying."""

from __future__ import annotations

import asyncpg
import pytest

from sources.embedded import create_database
from sources.migrate import PROVINCE, migrate
from tests.conftest import Stack

DATABASE = "yrd_receipt_retention"


async def test_receipts_older_than_keep_go_and_the_rest_stay(stack: Stack) -> None:
    dsn = await create_database(stack.cluster.dsn("zj"), DATABASE)
    await migrate(dsn, PROVINCE)
    conn = await asyncpg.connect(dsn)
    try:
        for key, days in (("old-1", 40), ("old-2", 31), ("recent", 2), ("now", 0)):
            await conn.execute(
                "INSERT INTO exchange.mutation_receipt (actor, client_key, mutation, arguments_sha256, result,"
                " created_at) VALUES ('official', $1, 'createCreditRecord', 'x', '{}',"
                " now() - make_interval(days => $2))",
                key, days,
            )
        assert await conn.fetchval("SELECT exchange.receipt_prune('30 days')") == 2
        left = {r["client_key"] for r in await conn.fetch("SELECT client_key FROM exchange.mutation_receipt")}
        assert left == {"recent", "now"}
        assert await conn.fetchval("SELECT exchange.receipt_prune('30 days')") == 0  # again: nothing more
        with pytest.raises(asyncpg.InvalidParameterValueError, match="at least one day"):
            await conn.fetchval("SELECT exchange.receipt_prune('1 hour')")
    finally:
        await conn.close()
