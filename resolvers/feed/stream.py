"""A subscription's event stream: what it missed since its cursor (read from each province's
outbox), then the live events the hub hands it, without gaps or duplicates.

The handoff: the subscription registers with the hub first (live events queue from then on), and
the backlog is read only up to the position the hub stood at when it registered; a live event at or
before a position already delivered is skipped.  Per province events keep outbox order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass

from domain.errors import BadUserInput, SubscriptionLagging
from resolvers.feed import cursor
from resolvers.feed.access import FeedAccess
from sources.feed_listener import Lagging
from sources.feed_queries import FeedEvent, FeedPosition, horizon, read_events
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
        # Provinces the hub has not read yet (down since the gateway started): their backlog is
        # read once the hub knows where they stand.
        unread: dict[str, FeedPosition] = {}
        for province, since in (after or {}).items():
            if province not in sources.provinces:
                continue  # a province no longer configured: nothing to read
            await _not_pruned(sources, province, since)
            upto = subscription.start.get(province)
            if upto is None:
                unread[province], delivered[province] = since, since
                continue
            async for got in _caught_up(access, sources, matcher, delivered, province, since, upto):
                yield got
            delivered[province] = max(since, upto)
        while True:
            try:
                event = await subscription.next(timeout=access.settings.poll_s if unread else None)
            except TimeoutError:
                event = None
            except Lagging:
                raise SubscriptionLagging(
                    f"Subscription closed: it fell {hub.queue_size} events behind; subscribe again with"
                    " `after` set to the last position received",
                    cursor.encode(delivered),
                ) from None
            # Before any live event: the backlog of a province the hub has come to know (it
            # reaches at least as far as this event, which is then skipped as delivered).
            for province in [p for p in unread if hub.heads.get(p) is not None]:
                since, upto = unread.pop(province), hub.heads[province]
                async for got in _caught_up(access, sources, matcher, delivered, province, since, upto):
                    yield got
                delivered[province] = max(delivered[province], upto)
            if event is None:
                continue
            last = delivered.get(event.province)
            if last is not None and event.at <= last:
                continue
            delivered[event.province] = event.at
            yield Delivered(event, cursor.encode(delivered))
    finally:
        hub.unsubscribe(subscription)


async def _not_pruned(sources: SourceRegistry, province: str, since: FeedPosition) -> None:
    """A cursor behind the province's retention horizon would resume with a gap: refused."""
    if since < await horizon(sources.provinces[province].source):
        raise BadUserInput(
            f"after: province {province} has pruned its feed past this position (its events are gone);"
            " subscribe again without `after`, and read what you missed with the queries"
        )


async def _caught_up(
    access: FeedAccess, sources: SourceRegistry, matcher: Callable[[FeedEvent], bool],
    delivered: dict[str, FeedPosition], province: str, since: FeedPosition, upto: FeedPosition,
) -> AsyncIterator[Delivered]:
    """The matching events of a province's backlog, ``delivered`` moving with each."""
    async for event in _backlog(access, sources, province, since, upto):
        delivered[province] = event.at
        if matcher(event):
            yield Delivered(event, cursor.encode(delivered))


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
