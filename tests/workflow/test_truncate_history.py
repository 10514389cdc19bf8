"""A province's own system emptying a table with TRUNCATE leaves one history row per removed
record, as a DELETE would (migration province/009_truncate_history.sql): the evidence stays."""

from __future__ import annotations

import json
from datetime import date

import asyncpg

from sources.embedded import create_database
from sources.migrate import PROVINCE, migrate
from tests.conftest import Stack
from tests.index.subjects import bad_record_insert, blacklist_insert, flat, new_uscc

DATABASE = "yrd_truncate_history"


async def test_truncate_writes_a_history_row_for_every_removed_record(stack: Stack) -> None:
    dsn = await create_database(stack.cluster.dsn("js"), DATABASE)  # a database of its own: it is emptied
    await migrate(dsn, PROVINCE)
    conn = await asyncpg.connect(dsn)
    try:
        uscc = new_uscc()
        records = [f"TR-{i}" for i in range(3)]
        for number in records:
            await conn.execute(*flat(bad_record_insert(number, uscc, date(2026, 1, 1), date(2026, 12, 31))))
        await conn.execute(*flat(blacklist_insert("HMD-TR-1", uscc, date(2026, 1, 5), date(2027, 1, 5))))
        await conn.execute("TRUNCATE exchange.credit_record, exchange.blacklist_entry")
        assert await conn.fetchval("SELECT count(*) FROM exchange.credit_record") == 0
        rows = await conn.fetch(
            "SELECT entity, entity_key, action, from_status, to_status, actor, before, after"
            " FROM exchange.record_history WHERE action = 'truncate' ORDER BY entity, entity_key"
        )
    finally:
        await conn.close()
    assert [(r["entity"], r["entity_key"]) for r in rows] == [
        ("blacklist_entry", "HMD-TR-1"), *(("credit_record", n) for n in records),
    ]
    by_key = {r["entity_key"]: r for r in rows}
    assert by_key["TR-0"]["from_status"] == "published" and by_key["TR-0"]["to_status"] is None
    assert by_key["HMD-TR-1"]["from_status"] == "listed"
    assert json.loads(by_key["TR-1"]["before"])["subject_uscc"] == uscc and by_key["TR-1"]["after"] is None
    assert all(r["actor"] == "postgres" for r in rows)  # a province's own system: its database role
