"""A province prunes its feed outbox (``exchange.feed_prune``, 007_feed_retention.sql): a cursor
behind the pruned horizon is refused (its events are gone: no silent gap), one at or after it still
resumes."""

from __future__ import annotations

import asyncpg

from tests.feed.conftest import FeedStack, insert_record, record_number, wait_subscribed, ws_client
from tests.feed.test_feed import RECORDS

ZJ = "330000"
ONLY_ZJ = {"provinces": [ZJ]}


async def test_a_cursor_behind_the_pruned_horizon_is_refused(feed: FeedStack) -> None:
    await wait_subscribed(feed, 0)
    async with ws_client(feed.ws_url) as client:
        op = await client.subscribe(RECORDS, filter=ONLY_ZJ)
        await wait_subscribed(feed, 1)
        for _ in range(2):
            await insert_record(feed.dsn(ZJ), record_number("pruned"))
        old, kept = [(await client.next_of(op))["payload"]["data"]["recordPublished"]["position"] for _ in range(2)]
    conn = await asyncpg.connect(feed.dsn(ZJ))
    try:
        assert await conn.fetchval("SELECT exchange.feed_prune('0 seconds')") >= 2
    finally:
        await conn.close()
    async with ws_client(feed.ws_url) as client:
        refused = await client.next_of(await client.subscribe(RECORDS, filter=ONLY_ZJ, after=old))
        error = refused["payload"]["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and "pruned" in error["message"]
    await wait_subscribed(feed, 0)
    async with ws_client(feed.ws_url) as client:
        op = await client.subscribe(RECORDS, filter=ONLY_ZJ, after=kept)  # the horizon itself: nothing lost
        await wait_subscribed(feed, 1)
        await insert_record(feed.dsn(ZJ), after_prune := record_number("after-prune"))
        event = (await client.next_of(op))["payload"]["data"]["recordPublished"]
    assert event["record"]["recordNumber"] == after_prune
