"""The asyncpg-backed source: a lazily connecting pool, per-statement timeouts, a circuit breaker
and the mapping of driver errors (by class or SQLSTATE, never by message text: asyncpg's messages
are the server's, localised) onto the error tree.

Only real source failures count against the breaker: no connection, no answer in time, a server
error.  A data error (SQLSTATE class 22: a value the database refuses, such as text holding NUL)
is about the caller's input, so it is the caller's ``BAD_USER_INPUT`` and says nothing about the
source; otherwise a few anonymous requests could take every province offline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple, TypeVar

import asyncpg

from domain.errors import BadUserInput, GatewayError
from sources.base import Row, Source
from sources.breaker import CircuitBreaker, Outcome
from sources.config import BreakerConfig, SourceConfig
from sources.errors import SourceError, SourceTimeout, SourceUnavailable
from sources.pool import ConnectionPool
from sources.trace import RequestTrace

log = logging.getLogger("yrd.sources")
T = TypeVar("T")

# Errors that mean "the server is not there or the connection broke", as opposed to a query error.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)
# A pooled connection that died with its server (restart) fails once; a fresh one may succeed.
_STALE_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.AdminShutdownError,
    asyncpg.InterfaceError,
)
# How an operation can end with its connection fit for the next one: an error the server sent (it
# then waits for the next statement); the gateway's own refusal inside a transaction (rolled back
# first); a statement cut off by cancellation or its timeout (asyncpg sends the server a cancel
# request, and the connection's next statement waits until the server has acknowledged it, as
# asyncpg's own pool relies on).  The pool still closes a connection that is closed or left inside
# a transaction.  Anything else (a broken connection, a driver error) closes it.
_IN_STEP: tuple[type[BaseException], ...] = (asyncpg.PostgresError, GatewayError, asyncio.CancelledError, TimeoutError)
_IDLE_LIFETIME_S = 60.0  # an idle connection is closed after this long (a province's slots are few)
# What the caller is told for a data error, by SQLSTATE; never the server's message, which may quote
# the statement's values or, in some versions, parts of the statement.
_DATA_ERROR_REASONS = {
    "22021": "a text value holds a character no database text can hold (such as NUL)",
    "22000": "a value cannot be sent to the database (such as text holding a lone surrogate)",
    "22001": "a text value is too long",
    "22003": "a number is out of range",
    "22007": "a date or time is not valid",
    "22008": "a date or time is out of range",
    "22P02": "a value has the wrong form",
    "22025": "a text pattern has an invalid escape",
}


class ConnectionCounts(NamedTuple):
    """Connections open (or being opened), idle among them, and callers waiting for one."""

    open: int
    idle: int
    waiting: int


class PostgresSource:
    """One PostgreSQL database behind a pool that connects on first use.

    The pool has no minimum size, so the gateway starts and serves even while this database is
    down; the breaker then keeps requests from waiting on it again and again.
    """

    def __init__(self, config: SourceConfig, breaker: BreakerConfig | None = None) -> None:
        self.name = config.name
        self.timeout_s = config.timeout_s
        self._config = config
        self._pool = ConnectionPool(self._connect, max_size=config.pool_size, idle_lifetime_s=_IDLE_LIFETIME_S)
        self.breaker = CircuitBreaker(breaker or BreakerConfig())

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        return await self._run(lambda conn, t: conn.fetch(sql, *args, timeout=t))

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        return await self._run(lambda conn, t: conn.fetchrow(sql, *args, timeout=t))

    async def execute(self, sql: str, *args: Any) -> str:
        return await self._run(lambda conn, t: conn.execute(sql, *args, timeout=t))

    async def transaction(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """Run ``work`` on one connection inside one transaction: the write path.  A connection
        that died with a restarted server is retried once, like a read: every write carries its
        client key, so a retry after a lost commit acknowledgement finds the first result instead
        of writing twice.  A :class:`GatewayError` raised by ``work`` rolls back and reaches the
        caller as it is (a conflict, a refused value): the source answered."""
        return await self._run(lambda conn, _timeout: _in_transaction(conn, work))

    async def close(self) -> None:
        await self._pool.close()

    def connections(self) -> ConnectionCounts:
        """How this source's connections stand right now (the metrics read it when scraped)."""
        return ConnectionCounts(open=self._pool.size, idle=self._pool.idle, waiting=self._pool.waiting)

    async def _run(self, op: Callable[[asyncpg.Connection, float], Awaitable[T]]) -> T:
        permit = self.breaker.admit()
        if permit is None:
            raise SourceUnavailable(self.name, "source is unavailable (circuit open)", sent=False)
        outcome = Outcome.NO_VERDICT  # kept on cancellation: the caller gave up, the source said nothing
        try:
            async with asyncio.timeout(self.timeout_s):
                result = await self._with_retry(op)
            outcome = Outcome.HEALTHY
            return result
        except Exception as exc:
            error, outcome = self._judge(exc)
            raise error from exc
        finally:
            self.breaker.settle(permit, outcome)  # every path, so a half-open probe is always freed

    async def _with_retry(self, op: Callable[[asyncpg.Connection, float], Awaitable[T]]) -> T:
        """Reads are idempotent: retry once on a connection that died with a restarted server."""
        try:
            return await self._once(op)
        except _STALE_CONNECTION_ERRORS:
            log.info("source %s: stale connection, retrying once", self.name)
            return await self._once(op)

    async def _once(self, op: Callable[[asyncpg.Connection, float], Awaitable[T]]) -> T:
        conn = await self._pool.acquire()
        try:
            result = await op(conn, self.timeout_s)
        except _IN_STEP:
            self._pool.release(conn)
            raise
        except BaseException:
            self._pool.discard(conn)  # broken, or a state nothing above vouches for: closed, never reused
            raise
        # Nothing is reset on the way back (asyncpg's pool would send advisory unlocks, CLOSE ALL,
        # UNLISTEN, RESET ALL: a second round trip): pooled connections keep no session state (no
        # LISTEN, locks, SET or cursors outside the transaction that made them).
        self._pool.release(conn)
        return result

    def _connect(self) -> Awaitable[asyncpg.Connection]:
        return asyncpg.connect(self._config.dsn, timeout=self.timeout_s, command_timeout=self.timeout_s)

    def _judge(self, exc: Exception) -> tuple[GatewayError, Outcome]:
        """The client-safe error for a driver exception and what it says about the source."""
        if isinstance(exc, GatewayError):  # raised on purpose inside a transaction's work
            return exc, Outcome.NO_VERDICT
        if _is_data_error(exc):
            sqlstate = getattr(exc, "sqlstate", None)
            log.info("source %s refused a value (SQLSTATE %s)", self.name, sqlstate)
            return _bad_input(sqlstate), Outcome.NO_VERDICT
        if isinstance(exc, TimeoutError | asyncpg.QueryCanceledError):
            log.warning("source %s timed out", self.name)
            return SourceTimeout(self.name, f"source did not answer within {self.timeout_s:g} s"), Outcome.FAILED
        if isinstance(exc, _CONNECTION_ERRORS):
            log.warning("source %s unavailable: %s", self.name, type(exc).__name__)
            return SourceUnavailable(self.name, "source is unavailable"), Outcome.FAILED
        log.error("source %s failed", self.name, exc_info=exc)
        # A server error counts; anything else (an answer the gateway could not decode) is the
        # gateway's problem, not a sign that the source is down.
        counts = isinstance(exc, asyncpg.PostgresError)
        return SourceError(self.name, "source failed to answer"), Outcome.FAILED if counts else Outcome.NO_VERDICT


def _is_data_error(exc: Exception) -> bool:
    """SQLSTATE class 22, raised by the server or by asyncpg's encoder of the statement's values
    (which uses the same class, with SQLSTATE 22000, for a value it cannot send)."""
    return isinstance(exc, asyncpg.DataError) or (
        isinstance(exc, asyncpg.PostgresError) and str(exc.sqlstate or "").startswith("22")
    )


def _bad_input(sqlstate: str | None) -> BadUserInput:
    reason = _DATA_ERROR_REASONS.get(sqlstate or "", "a value was refused by the database")
    return BadUserInput(f"The request cannot be answered as sent: {reason} (SQLSTATE {sqlstate or '22000'})")


async def _in_transaction(conn: asyncpg.Connection, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    async with conn.transaction():
        return await work(conn)


class TracedSource:
    """A request's view of a source: every statement is counted and timed into the trace."""

    def __init__(self, inner: Source, trace: RequestTrace) -> None:
        self.name = inner.name
        self._inner = inner
        self._trace = trace

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        return await self._timed(self._inner.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        return await self._timed(self._inner.fetchrow(sql, *args))

    async def execute(self, sql: str, *args: Any) -> str:
        return await self._timed(self._inner.execute(sql, *args))

    async def transaction(self, work: Callable[[Any], Awaitable[T]]) -> T:
        return await self._timed(self._inner.transaction(work))

    async def close(self) -> None:
        """A request view owns nothing; the registry closes the real source."""

    async def _timed(self, call: Awaitable[T]) -> T:
        start = time.perf_counter()
        try:
            result = await call
        except SourceError as exc:
            self._trace.record(self.name, exc.status, _ms_since(start), sent=exc.sent)
            raise
        except GatewayError:  # the source refused the caller's value: it was asked and is fine
            self._trace.record(self.name, "ok", _ms_since(start))
            raise
        self._trace.record(self.name, "ok", _ms_since(start))
        return result


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000
