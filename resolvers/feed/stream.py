"""A subscription's event stream: what it missed since its cursor (read from each province's
outbox), then the live events the hub hands it, without gaps or duplicates.

The handoff: the subscription registers with the hub first (live events queue from then on), and
the backlog is read only up to the position the hub stood at when it registered; a live event at or
before a position already delivered is skipped.  Per province events keep outbox order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass

from domain.errors import SubscriptionLagging
from resolvers.feed import cursor
from resolvers.feed.access import FeedAccess
from sources.feed_listener import Lagging
from sources.feed_queries import FeedEvent, FeedPosition, read_events
from sources.registry import SourceRegistry


@dataclass(frozen=True)
class Delivered:
    """An event and the cursor to resume after it."""

    event: FeedEvent
    position: str


async def follow(
    access: FeedAccess,
    sources: SourceRegistry,
    matcher: Callable[[FeedEvent], bool],
    after: Mapping[str, FeedPosition] | None,
) -> AsyncIterator[Delivered]:
    """Every matching event after ``after`` (or from now), then live; ends with SUBSCRIPTION_LAGGING
    when the subscriber falls too far behind."""
    hub = access.hub
    subscription = hub.subscribe(matcher)
    try:
        delivered = dict(subscription.start)
        for province, since in (after or {}).items():
            if province not in sources.provinces:
                continue  # a province no longer configured: nothing to read
            async for event in _backlog(access, sources, province, since, subscription.start.get(province)):
                delivered[province] = event.at
                if matcher(event):
                    yield Delivered(event, cursor.encode(delivered))
            upto = subscription.start.get(province)
            delivered[province] = max(since, upto) if upto is not None else since
        while True:
            try:
                event = await subscription.next()
            except Lagging:
                raise SubscriptionLagging(
                    f"Subscription closed: it fell {hub.queue_size} events behind; subscribe again with"
                    " `after` set to the last position received",
                    cursor.encode(delivered),
                ) from None
            last = delivered.get(event.province)
            if last is not None and event.at <= last:
                continue
            delivered[event.province] = event.at
            yield Delivered(event, cursor.encode(delivered))
    finally:
        hub.unsubscribe(subscription)


async def _backlog(
    access: FeedAccess, sources: SourceRegistry, province: str, since: FeedPosition, upto: FeedPosition | None
) -> AsyncIterator[FeedEvent]:
    """The province's events after ``since`` up to ``upto`` (where the hub stood), page by page."""
    if upto is None or since >= upto:
        return
    source = sources.provinces[province].source
    limit = access.settings.batch_size
    while True:
        batch = await read_events(source, province, since, limit, upto)  # a failure ends the subscription
        for event in batch.events:
            yield event
        if len(batch.events) < limit:
            return
        since = batch.events[-1].at
