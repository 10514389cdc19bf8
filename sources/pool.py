"""A lean pool of asyncpg connections to one database: the read path's per-statement cost.

asyncpg's own pool costs ~50 µs of CPU per statement on top of the statement itself (measured on
``SELECT 1``: 88-102 µs through ``Pool.acquire`` against 38-53 µs on a bare connection): every
release is a new task (``asyncio.shield``), a timeout scope, a reset coroutine and an inactivity
timer, and the task costs a turn of the event loop.  A page of 50 enterprises sends 6 statements.
This pool keeps what the gateway needs and nothing else:

* at most ``max_size`` connections, opened on first need (none at start: the gateway serves while
  a province is down);
* the most recently used connection first (its statement cache is warm; the others expire);
* a connection goes back only fit for the next statement (``PostgresSource._once`` says when),
  never closed or inside a transaction; otherwise it is closed, never reused;
* a connection idle for ``idle_lifetime_s`` is closed (one timer per pool, not per statement), so
  an idle gateway does not hold a province's connection slots;
* a caller that waits for a connection is handed the next one released, in arrival order.

Releasing is synchronous: no task, no await.  The per-statement timeout stays asyncpg's (it cancels
the statement on the server), and the caller bounds the whole call (``PostgresSource._run``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger("yrd.sources")

# A free slot handed to a waiter: it opens its own connection.
_SLOT = None
_CLOSE_TIMEOUT_S = 2.0


class PoolClosed(asyncpg.InterfaceError):
    """The pool was closed (shutdown): no connection is handed out any more."""


class ConnectionPool:
    """Connections to one database (see the module)."""

    def __init__(
        self, connect: Callable[[], Awaitable[asyncpg.Connection]], *, max_size: int, idle_lifetime_s: float = 60.0
    ) -> None:
        if max_size < 1:
            raise ValueError("a pool needs room for at least one connection")
        self._connect = connect
        self._max_size = max_size
        self._idle_lifetime_s = idle_lifetime_s
        self._idle: list[tuple[asyncpg.Connection, float]] = []  # a stack: the freshest on top
        self._size = 0  # connections open or being opened
        self._waiters: deque[asyncio.Future[asyncpg.Connection | None]] = deque()
        self._reaper: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def size(self) -> int:
        """Connections open or being opened."""
        return self._size

    @property
    def idle(self) -> int:
        return len(self._idle)

    @property
    def waiting(self) -> int:
        """Callers waiting for a connection (all of them in use): the pool is the bottleneck."""
        return sum(1 for waiter in self._waiters if not waiter.done())

    async def acquire(self) -> asyncpg.Connection:
        """A connection for one operation; give it back with :meth:`release` or :meth:`discard`."""
        if self._closed:
            raise PoolClosed("the connection pool is closed")
        while self._idle:
            conn, _since = self._idle.pop()
            if not conn.is_closed():
                return conn
            self._size -= 1  # closed while idle (its server went away): forget it
        if self._size < self._max_size:
            self._size += 1
            return await self._open()
        handed = await self._wait()
        return handed if handed is not _SLOT else await self._open()

    def release(self, conn: asyncpg.Connection) -> None:
        """Back after an operation that completed or that the server refused (it answered)."""
        if self._closed or conn.is_closed() or conn.is_in_transaction():
            self.discard(conn)
            return
        self._hand_over(conn)

    def discard(self, conn: asyncpg.Connection) -> None:
        """Close a connection not fit for reuse (broken, or left in a state nobody vouches for).
        It is closed in the background and politely: asyncpg first waits, within a bound, for the
        server to acknowledge the cancellation of a statement cut off."""
        if not conn.is_closed():
            self._close_later(conn)
        self._hand_over(_SLOT)

    async def close(self) -> None:
        """Close every idle connection and refuse further work; a connection still in use is
        closed when it comes back."""
        self._closed = True
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        idle, self._idle = self._idle, []
        self._size -= len(idle)
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(PoolClosed("the connection pool is closed"))
        await asyncio.gather(*(_close_quietly(conn) for conn, _ in idle), *self._closing)

    async def _open(self) -> asyncpg.Connection:
        """A new connection in a slot already counted; the slot is passed on if it fails."""
        try:
            return await self._connect()
        except BaseException:
            self._hand_over(_SLOT)
            raise

    async def _wait(self) -> asyncpg.Connection | None:
        waiter: asyncio.Future[asyncpg.Connection | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._hand_over(waiter.result())  # handed over just as the caller gave up: pass it on
            raise

    def _hand_over(self, conn: asyncpg.Connection | None) -> None:
        """A connection (or a free slot) to the first caller still waiting, else back to idle."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        if conn is _SLOT:
            self._size -= 1
        elif self._closed:
            self._size -= 1
            self._close_later(conn)
        else:
            self._idle.append((conn, time.monotonic()))
            if self._reaper is None:
                self._reaper = asyncio.get_running_loop().call_later(self._idle_lifetime_s, self._reap)

    def _reap(self) -> None:
        """Close the connections idle for longer than the lifetime; look again while some remain."""
        self._reaper = None
        now = time.monotonic()
        expired = [conn for conn, since in self._idle if now - since >= self._idle_lifetime_s]
        if expired:
            self._idle = [(conn, since) for conn, since in self._idle if now - since < self._idle_lifetime_s]
            self._size -= len(expired)
            for conn in expired:
                self._close_later(conn)
        if self._idle:
            oldest = self._idle[0][1]
            delay = max(0.0, oldest + self._idle_lifetime_s - now)
            self._reaper = asyncio.get_running_loop().call_later(delay, self._reap)

    def _close_later(self, conn: asyncpg.Connection) -> None:
        task = asyncio.get_running_loop().create_task(_close_quietly(conn))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


async def _close_quietly(conn: asyncpg.Connection) -> None:
    """Close politely (the server sees a goodbye, not a dropped socket); a server already gone
    is nothing to report."""
    try:
        await conn.close(timeout=_CLOSE_TIMEOUT_S)
    except Exception as exc:  # closing an unwanted connection must never fail a caller
        log.debug("closing an idle connection failed: %s", type(exc).__name__)
        conn.terminate()
