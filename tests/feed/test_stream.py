"""The resumable stream in-process, on the feed databases, with a hub no listener feeds (the test
plays the listener): a province the hub had not read when a client resumed (it was down when the
gateway started) is caught up from the client's cursor once the hub knows where it stands, and
nothing is delivered twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from domain.clock import Clock
from gateway.settings import Settings
from resolvers.feed import cursor
from resolvers.feed.access import FeedAccess
from resolvers.feed.stream import Delivered, follow
from sources.feed_listener import FeedHub, FeedSettings
from sources.feed_queries import RECORD, head, read_events
from sources.registry import SourceRegistry
from tests.feed.conftest import insert_record, record_number

ZJ = "330000"


async def _no_audit(*_: object) -> None:
    return None


@contextlib.asynccontextmanager
async def _registry(settings: Settings) -> AsyncIterator[SourceRegistry]:
    registry = SourceRegistry.from_config(
        settings.central, [(p.info, p.source) for p in settings.provinces], settings.breaker)
    try:
        yield registry
    finally:
        await registry.close()


async def test_a_province_unread_at_resume_is_caught_up_from_the_cursor(feed_settings: Settings) -> None:
    hub = FeedHub(queue_size=16)
    access = FeedAccess(hub, Clock(), FeedSettings(poll_s=0.05), _no_audit, lambda _: None)  # type: ignore[arg-type]
    async with _registry(feed_settings) as registry:
        source = registry.provinces[ZJ].source
        since = await head(source)
        missed = [record_number("unread") for _ in range(2)]
        for number in missed:
            await insert_record(feed_settings.province(ZJ).source.dsn, number)  # type: ignore[union-attr]
        stream = follow(access, registry, lambda e: e.kind == RECORD, {ZJ: since})
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.2)
        assert not first.done()  # the hub does not know the province yet: nothing to read up to
        # The listener connects: it starts at the outbox's head, then reads a new event live.
        hub.advance(ZJ, await head(source))
        await insert_record(feed_settings.province(ZJ).source.dsn, live := record_number("live"))
        batch = await read_events(source, ZJ, hub.heads[ZJ], 100)
        await hub.publish(ZJ, batch.events)
        got: list[Delivered] = [await asyncio.wait_for(first, 5)]
        got += [await asyncio.wait_for(anext(stream), 5) for _ in range(2)]
        await stream.aclose()
    assert [d.event.item_key for d in got] == [*missed, live]
    assert cursor.decode(got[-1].position)[ZJ] == got[-1].event.at
    assert hub.subscribers == 0  # closing the stream unsubscribed it
