"""Bulk-load a data set (rows per table, e.g. the demo data) into the provincial databases and the central store.

Each database is loaded in one transaction with binary COPY (``copy_records_to_table``), so a
database gets all of its rows or none.  The databases load in parallel; when one fails, the
others still loading are cancelled and roll back.  The migrations must have been applied.
DSNs are secrets: errors name the province, never the DSN.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Protocol

import asyncpg

from sources.tables import CENTRAL_COLUMNS, EXCHANGE_COLUMNS, IDENTITY_TABLES, Row

CENTRAL = "central"
EXCHANGE = "exchange"


class SeedError(RuntimeError):
    """Seeding could not run or a database could not be loaded (the message names which)."""


class RowSet(Protocol):
    """Rows to load: per province and table, and per central table (the demo data set is one)."""

    province_rows: Mapping[str, Mapping[str, list[Row]]]
    central_rows: Mapping[str, list[Row]]


async def load_dataset(
    dataset: RowSet, province_dsns: Mapping[str, str], central_dsn: str, *, replace: bool = False
) -> None:
    """Write the rows: each province's to its DSN, the central rows to ``central_dsn``.

    ``replace`` first empties the tables the data set fills (TRUNCATE ... RESTART IDENTITY, in the
    same transaction); without it the tables are expected to be empty.
    """
    missing = [code for code in dataset.province_rows if code not in province_dsns]
    if missing:
        raise SeedError(f"no DSN configured for province(s) {', '.join(missing)}")
    jobs = {code: (province_dsns[code], EXCHANGE, rows) for code, rows in dataset.province_rows.items()}
    jobs[CENTRAL] = (central_dsn, CENTRAL, dataset.central_rows)
    try:
        async with asyncio.TaskGroup() as group:
            for name, (dsn, schema, rows) in jobs.items():
                group.create_task(_load_database(name, dsn, schema, rows, replace))
    except ExceptionGroup as failures:
        raise failures.exceptions[0] from None


async def databases_are_empty(province_dsns: Mapping[str, str], central_dsn: str) -> bool:
    """True when no seeded table of any of the databases holds a row (missing tables count as empty)."""
    checks = [_is_empty(dsn, EXCHANGE) for dsn in province_dsns.values()] + [_is_empty(central_dsn, CENTRAL)]
    return all(await asyncio.gather(*checks))


def _columns(schema: str) -> dict[str, tuple[str, ...]]:
    return EXCHANGE_COLUMNS if schema == EXCHANGE else CENTRAL_COLUMNS


async def _load_database(name: str, dsn: str, schema: str, rows: Mapping[str, list[Row]], replace: bool) -> None:
    try:
        conn = await asyncpg.connect(dsn)
    except (OSError, asyncpg.PostgresError) as exc:
        raise SeedError(f"cannot connect to the {name} database ({type(exc).__name__})") from exc
    try:
        async with conn.transaction():
            if replace:
                await _truncate(conn, schema)
            await _copy_tables(conn, schema, rows)
            for table in IDENTITY_TABLES[schema]:
                await _advance_identity(conn, schema, table)
    except asyncpg.PostgresError as exc:
        raise SeedError(f"loading the {name} database failed: {type(exc).__name__}: {exc}") from exc
    finally:
        await conn.close()


async def _truncate(conn: asyncpg.Connection, schema: str) -> None:
    # No CASCADE: a table outside the seeded set that references these must be dealt with
    # explicitly rather than silently emptied.
    tables = ", ".join(f"{schema}.{table}" for table in _columns(schema))
    await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY")


async def _copy_tables(conn: asyncpg.Connection, schema: str, rows: Mapping[str, list[Row]]) -> None:
    """COPY each table in foreign-key order (the order of the column maps)."""
    for table, columns in _columns(schema).items():
        records = rows.get(table)
        if records:
            await conn.copy_records_to_table(table, schema_name=schema, columns=list(columns), records=records)


async def _advance_identity(conn: asyncpg.Connection, schema: str, table: str) -> None:
    """Move an identity sequence past the ids the seed assigned, so later inserts do not collide."""
    await conn.execute(
        f"""SELECT setval(pg_get_serial_sequence('{schema}.{table}', 'id'),
                          greatest(coalesce(max(id), 0), 1), max(id) IS NOT NULL)
              FROM {schema}.{table}"""
    )


async def _is_empty(dsn: str, schema: str) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        for table in _columns(schema):
            qualified = f"{schema}.{table}"
            if await conn.fetchval("SELECT to_regclass($1)", qualified) is None:
                continue
            if await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {qualified})"):
                return False
        return True
    finally:
        await conn.close()
