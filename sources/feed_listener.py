"""The live feed's listener and hub: every province's outbox, fanned out to subscriptions.

Per province one task holds a dedicated connection that ``LISTEN``s on ``yrd_feed`` (the outbox
triggers ``NOTIFY`` at commit, ``005_feed.sql``).  A notification only wakes the task; it then
reads the outbox from its last position, xmin-safely (``sources.feed_queries``), and hands the
events to the :class:`FeedHub`.  It also reads every ``poll_s`` and soon again while rows of
unfinished transactions are held back (an aborted transaction notifies nobody).  When the
connection fails (the province restarts), the task reconnects with exponential backoff and reads
from its last position, so nothing committed in between is lost.

The hub fans events out to subscriptions, each with a bounded queue: a subscriber that falls
``queue_size`` events behind is dropped as *lagging* (its queue emptied, a marker left), so a slow
client costs at most its queue, never the server's memory.  Every replica runs its own listener and
hub; positions are the provinces' own, so a cursor taken on one replica resumes on another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import asyncpg

from sources.feed_queries import FeedEvent, FeedPosition, head, horizon, read_events
from sources.index_sync import ConnectionSource

log = logging.getLogger("yrd.feed")

CHANNEL = "yrd_feed"
_CONNECT_TIMEOUT_S = 5.0
_HELD_BACK_RETRY_S = 0.05


@dataclass(frozen=True)
class FeedSettings:
    """``[feed]``: the listener's pace and the bounds every subscription lives within."""

    enabled: bool = True
    queue_size: int = 256  # events a subscription may fall behind before it is closed as lagging
    batch_size: int = 500  # outbox rows read per statement
    poll_s: float = 1.0  # read even without a notification this often
    reconnect_min_s: float = 0.2
    reconnect_max_s: float = 10.0
    statement_timeout_s: float = 5.0
    max_subscriptions_per_connection: int = 20
    max_connections_per_identity: int = 10
    max_watchlist: int = 500  # entries one official may watch
    lag_grace_s: float = 1.0  # how long a full queue is waited for before its subscriber is dropped


@dataclass(frozen=True)
class ListenedProvince:
    """A province's code and DSN (a secret: never printed)."""

    code: str
    dsn: str = field(repr=False)


class Lagging(Exception):
    """The subscription fell ``queue_size`` events behind and was dropped."""


_LAGGING = object()


class Subscription:
    """One subscriber's bounded queue of matching events; ``start`` is where the hub stood when it
    subscribed (per province; a province never read yet is absent)."""

    def __init__(self, matcher: Callable[[FeedEvent], bool], maxsize: int, start: dict[str, FeedPosition]) -> None:
        self.matcher = matcher
        self.start = start
        self.lagging = False
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize + 1)  # +1: room for the marker
        self._maxsize = maxsize
        self._room = asyncio.Event()
        self._room.set()

    def offer(self, event: FeedEvent) -> bool:
        """Queue ``event``; False when the queue is full."""
        if self._queue.qsize() >= self._maxsize:
            self._room.clear()
            return False
        self._queue.put_nowait(event)
        return True

    async def room(self) -> None:
        """Until the subscriber has taken an event from a full queue."""
        await self._room.wait()

    def drop(self) -> None:
        """Close as lagging: free what the queue held at once (the client will not read it)."""
        self.lagging = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_LAGGING)
        self._room.set()

    async def next(self, timeout: float | None = None) -> FeedEvent:
        """The next event; raises :class:`Lagging` once the subscription was dropped, ``TimeoutError``
        when ``timeout`` (seconds) passes without one."""
        async with asyncio.timeout(timeout):
            item = await self._queue.get()
        self._room.set()
        if item is _LAGGING:
            raise Lagging
        assert isinstance(item, FeedEvent)
        return item


@dataclass
class FeedStats:
    """What the metrics export: events read, deliveries, lagging closes, listener state."""

    events: int = 0
    delivered: int = 0
    lagging: int = 0
    reconnects: int = 0
    connected: dict[str, bool] = field(default_factory=dict)


class FeedHub:
    """Fans every province's events out to the subscriptions whose matcher accepts them.

    A burst (a bulk load: hundreds of events in one read) fills queues faster than any client reads,
    so a full queue is waited for, up to ``lag_grace_s``, before its subscriber is dropped as
    lagging: a client that keeps up is never dropped for a burst, and a stuck one delays the feed
    once, by the grace, and then costs nothing more."""

    def __init__(self, queue_size: int, lag_grace_s: float = 1.0) -> None:
        self.queue_size = queue_size
        self.lag_grace_s = lag_grace_s
        self.heads: dict[str, FeedPosition] = {}
        self.stats = FeedStats()
        self._subscriptions: set[Subscription] = set()

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)

    def subscribe(self, matcher: Callable[[FeedEvent], bool]) -> Subscription:
        subscription = Subscription(matcher, self.queue_size, dict(self.heads))
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    async def publish(self, province: str, events: Iterable[FeedEvent]) -> None:
        """Hand events (in outbox order) to every matching subscription; drop the lagging ones."""
        for event in events:
            # The head moves first: a subscriber registering from here on starts after this event
            # (and reads it from the outbox if it resumes from before it).
            self.heads[province] = event.at
            self.stats.events += 1
            full = []
            for subscription in list(self._subscriptions):
                if not _matches(subscription, event):
                    continue
                if subscription.offer(event):
                    self.stats.delivered += 1
                else:
                    full.append(subscription)
            if full:
                await self._wait_or_drop(full, event)

    async def _wait_or_drop(self, full: list[Subscription], event: FeedEvent) -> None:
        waits = [asyncio.ensure_future(s.room()) for s in full]
        _, pending = await asyncio.wait(waits, timeout=self.lag_grace_s)
        for waiting in pending:
            waiting.cancel()
        for subscription in full:
            if subscription in self._subscriptions and subscription.offer(event):
                self.stats.delivered += 1
            elif subscription in self._subscriptions:
                subscription.drop()
                self._subscriptions.discard(subscription)
                self.stats.lagging += 1
                log.warning("feed subscriber dropped as lagging (%d events behind)", self.queue_size)

    def advance(self, province: str, position: FeedPosition) -> None:
        """Where a province's reading starts when no event was read yet (its outbox's head)."""
        current = self.heads.get(province)
        if current is None or position > current:
            self.heads[province] = position


def _matches(subscription: Subscription, event: FeedEvent) -> bool:
    try:
        return subscription.matcher(event)
    except Exception:  # a matcher's bug must not stop the feed for everyone else
        log.exception("feed matcher failed")
        return False


class FeedListener:
    """One listening task per province, feeding the hub; owned by the gateway's runtime."""

    def __init__(self, provinces: Iterable[ListenedProvince], hub: FeedHub, settings: FeedSettings) -> None:
        self.hub = hub
        self._settings = settings
        self._provinces = list(provinces)
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for province in self._provinces:
            self.hub.stats.connected[province.code] = False
            task = asyncio.create_task(self._follow(province), name=f"feed-{province.code}")
            self._tasks.append(task)

    async def stop(self) -> None:
        """Cancel every listening task and wait for it; a task that ended otherwise is logged, so
        that the runtime's other parts (audit delivery, index sync) still close after it."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("feed listener %s ended with an error while stopping", task.get_name())
        self._tasks.clear()

    async def _follow(self, province: ListenedProvince) -> None:
        """Listen, read, and on any connection failure reconnect with backoff."""
        delay = self._settings.reconnect_min_s
        position: FeedPosition | None = None
        while True:
            try:
                async with _listening(province, self._settings) as (source, wake):
                    self.hub.stats.connected[province.code] = True
                    delay = self._settings.reconnect_min_s
                    if position is None:
                        position = await head(source)
                        self.hub.advance(province.code, position)
                    elif position < await horizon(source):
                        # Away so long that the province pruned what it missed: say so (the
                        # subscribers get what is left; their cursors behind it are refused).
                        log.warning("feed of %s was pruned past the listener's position while it was away",
                                    province.code)
                    await self._read_forever(province.code, source, wake, position)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError, _Lost) as exc:
                _unless_cancelled(exc)
                log.warning("feed listener for %s lost its connection (%s); reconnecting in %.1f s",
                            province.code, type(exc).__name__, delay)
            except Exception as exc:  # anything else must not end the listening for good: log, back off, retry
                _unless_cancelled(exc)
                log.exception("feed listener for %s failed; retrying in %.1f s", province.code, delay)
            finally:
                self.hub.stats.connected[province.code] = False
            # The position read so far survives the reconnect: reading resumes there.
            position = self.hub.heads.get(province.code, position)
            self.hub.stats.reconnects += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._settings.reconnect_max_s)

    async def _read_forever(
        self, code: str, source: ConnectionSource, wake: asyncio.Event, position: FeedPosition
    ) -> None:
        while True:
            position, held_back, full = await self._read(code, source, position)
            if full:
                continue  # more rows are waiting: read on before sleeping
            pause = _HELD_BACK_RETRY_S if held_back else self._settings.poll_s
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await wake.wait()
            wake.clear()
            if source.conn.is_closed():
                raise _Lost

    async def _read(self, code: str, source: ConnectionSource, after: FeedPosition) -> tuple[FeedPosition, bool, bool]:
        limit = self._settings.batch_size
        async with asyncio.timeout(self._settings.statement_timeout_s):
            batch = await read_events(source, code, after, limit)
        if batch.events:
            await self.hub.publish(code, batch.events)
            after = batch.events[-1].at
        return after, batch.held_back, len(batch.events) >= limit


class _Lost(Exception):
    """The listening connection closed (the server went away)."""


def _unless_cancelled(exc: BaseException) -> None:
    """Re-raise a cancellation that arrived as another error.  asyncpg, cancelled in the middle of
    a statement, may raise its own error (``InternalClientError``: another operation is in
    progress) instead of ``CancelledError``; swallowing it here would keep the loop alive, and
    ``stop()`` (or the event loop's shutdown) would wait for it forever."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from exc


@contextlib.asynccontextmanager
async def _listening(province: ListenedProvince, settings: FeedSettings):  # type: ignore[no-untyped-def]
    """A connection listening on the feed channel, and the event its notifications (or its loss) set."""
    wake = asyncio.Event()
    conn = await asyncpg.connect(province.dsn, timeout=_CONNECT_TIMEOUT_S)
    try:
        await conn.add_listener(CHANNEL, lambda *_: wake.set())
        conn.add_termination_listener(lambda _: wake.set())
        yield ConnectionSource(province.code, conn), wake
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.close(), timeout=1.0)
        if not conn.is_closed():
            conn.terminate()
