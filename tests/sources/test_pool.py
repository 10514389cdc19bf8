"""The connection pool (sources.pool) against a real server, and its hand-over rules.

What must hold: a connection is reused only in a known state, the pool never opens more than its
size, callers that wait are served in order and a caller that gives up loses nothing, idle
connections expire, and a closed pool hands out nothing.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import asyncpg
import pytest

from sources.config import SourceConfig
from sources.errors import SourceTimeout
from sources.pool import ConnectionPool, PoolClosed
from sources.postgres import PostgresSource
from tests.conftest import Stack


def _dsn(stack: Stack) -> str:
    return stack.settings.provinces[0].source.dsn


async def _backends(dsn: str, pids: list[int]) -> set[int]:
    """Which of ``pids`` are still connected to the server."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])", pids)
        return {row["pid"] for row in rows}
    finally:
        await conn.close()


async def _idle(dsn: str, pid: int) -> bool:
    """Whether the backend ``pid`` soon runs no statement (it is still connected)."""
    conn = await asyncpg.connect(dsn)
    try:
        for _ in range(100):
            state = await conn.fetchval("SELECT state FROM pg_stat_activity WHERE pid = $1", pid)
            if state == "idle":
                return True
            await asyncio.sleep(0.02)
        return False
    finally:
        await conn.close()


async def _gone(dsn: str, pid: int) -> bool:
    for _ in range(50):  # the server notices a closed socket at once; allow it a moment
        if pid not in await _backends(dsn, [pid]):
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_connection_is_reused_and_the_freshest_comes_first(stack: Stack) -> None:
    dsn = _dsn(stack)
    pool = ConnectionPool(lambda: asyncpg.connect(dsn), max_size=3)
    try:
        first, second = await pool.acquire(), await pool.acquire()
        pool.release(first)
        pool.release(second)
        again = await pool.acquire()
        assert again is second  # the last one back is the first one out
        assert pool.size == 2
        pool.release(again)
    finally:
        await pool.close()


async def test_a_statement_cut_off_is_cancelled_on_the_server_and_its_connection_serves_on(stack: Stack) -> None:
    dsn = _dsn(stack)
    source = PostgresSource(SourceConfig("310000", dsn, pool_size=1, timeout_s=0.3))
    try:
        (row,) = await source.fetch("SELECT pg_backend_pid() AS pid")
        with pytest.raises(SourceTimeout):
            await source.fetch("SELECT pg_sleep(30)")
        assert await _idle(dsn, row["pid"])  # the server stopped the statement (not 30 s later)
        (again,) = await source.fetch("SELECT pg_backend_pid() AS pid")
        assert again["pid"] == row["pid"]
    finally:
        await source.close()


async def test_an_error_the_server_sent_keeps_the_connection(stack: Stack) -> None:
    source = PostgresSource(SourceConfig("310000", _dsn(stack), pool_size=1))
    try:
        (before,) = await source.fetch("SELECT pg_backend_pid() AS pid")
        with pytest.raises(Exception):  # noqa: B017 - which error is the source's business
            await source.fetch("SELECT 1 / 0")
        (after,) = await source.fetch("SELECT pg_backend_pid() AS pid")
        assert after["pid"] == before["pid"]
    finally:
        await source.close()


async def test_idle_connections_expire(stack: Stack) -> None:
    dsn = _dsn(stack)
    pool = ConnectionPool(lambda: asyncpg.connect(dsn), max_size=2, idle_lifetime_s=0.2)
    try:
        conn = await pool.acquire()
        pid = conn.get_server_pid()
        pool.release(conn)
        await asyncio.sleep(0.4)
        assert (pool.size, pool.idle) == (0, 0)
        assert await _gone(dsn, pid)
        again = await pool.acquire()  # the pool still serves
        assert await again.fetchval("SELECT 1") == 1
        pool.release(again)
    finally:
        await pool.close()


async def test_a_closed_pool_closes_its_connections_and_hands_out_none(stack: Stack) -> None:
    dsn = _dsn(stack)
    pool = ConnectionPool(lambda: asyncpg.connect(dsn), max_size=2)
    idle, busy = await pool.acquire(), await pool.acquire()
    pool.release(idle)
    await pool.close()
    assert idle.is_closed()
    with pytest.raises(PoolClosed):
        await pool.acquire()
    pool.release(busy)  # in use at close: closed when it comes back
    assert pool.size == 0
    for _ in range(100):
        if busy.is_closed():
            break
        await asyncio.sleep(0.01)
    assert busy.is_closed()


# ---- hand-over rules (no statement is sent: a stand-in connection) -------------------------------

class _Connection:
    def __init__(self) -> None:
        self.closed = False

    def is_closed(self) -> bool:
        return self.closed

    def is_in_transaction(self) -> bool:
        return False

    def terminate(self) -> None:
        self.closed = True

    async def close(self, timeout: float | None = None) -> None:
        self.closed = True


def _pool(max_size: int, opened: list[Any] | None = None) -> ConnectionPool:
    async def connect() -> Any:
        conn = _Connection()
        if opened is not None:
            opened.append(conn)
        return conn

    return ConnectionPool(connect, max_size=max_size)


async def test_waiters_are_served_in_order_and_the_size_holds() -> None:
    opened: list[Any] = []
    pool = _pool(2, opened)
    a, b = await pool.acquire(), await pool.acquire()
    waiters = [asyncio.ensure_future(pool.acquire()) for _ in range(3)]
    await asyncio.sleep(0)
    pool.release(a)
    pool.release(b)
    assert await waiters[0] is a and await waiters[1] is b
    assert not waiters[2].done()
    pool.discard(a)  # a broken connection: its slot goes to the next waiter, who opens a new one
    third = await waiters[2]
    assert third is opened[-1] and len(opened) == 3 and pool.size == 2


async def test_a_caller_that_gives_up_while_waiting_takes_nothing_with_it() -> None:
    pool = _pool(1)
    held = await pool.acquire()
    gave_up = asyncio.ensure_future(pool.acquire())
    await asyncio.sleep(0)
    gave_up.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gave_up
    pool.release(held)
    assert await asyncio.wait_for(pool.acquire(), 1) is held


async def test_a_connection_handed_over_as_its_caller_gives_up_goes_to_the_next() -> None:
    pool = _pool(1)
    held = await pool.acquire()
    first = asyncio.ensure_future(pool.acquire())
    second = asyncio.ensure_future(pool.acquire())
    await asyncio.sleep(0)
    pool.release(held)  # handed to ``first``...
    first.cancel()      # ...which gives up before it runs again
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await asyncio.wait_for(second, 1) is held


async def test_a_failed_connect_frees_its_slot() -> None:
    attempts: list[int] = []

    async def connect() -> Any:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("connection refused")
        return _Connection()

    pool = ConnectionPool(connect, max_size=1)
    with pytest.raises(OSError):
        await pool.acquire()
    assert pool.size == 0
    assert isinstance(await pool.acquire(), _Connection)
    assert pool.size == 1


async def test_under_load_with_callers_giving_up_the_pool_neither_grows_nor_leaks(stack: Stack) -> None:
    source = PostgresSource(SourceConfig("310000", _dsn(stack), pool_size=3, timeout_s=5))
    pool = source._pool
    rng = random.Random(7)
    widest = 0

    async def one(i: int) -> None:
        await source.fetch("SELECT pg_sleep($1::float8)", rng.choice([0.0, 0.002, 0.01]))

    try:
        tasks = [asyncio.ensure_future(one(i)) for i in range(150)]
        for _ in range(40):  # give up on some, at random moments: waiting, or mid statement
            await asyncio.sleep(rng.random() * 0.01)
            widest = max(widest, pool.size)
            rng.choice(tasks).cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert widest <= 3 and pool.size <= 3
        assert pool.idle == pool.size  # every connection came back
        pids = [conn.get_server_pid() for conn, _ in pool._idle]
        for pid in pids:  # no statement given up on runs on (the server was told to cancel each)
            assert await _idle(_dsn(stack), pid)
        assert [dict(row) for row in await source.fetch("SELECT 1 AS one")] == [{"one": 1}]
    finally:
        await source.close()
