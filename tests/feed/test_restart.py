"""A province's server really stopped and started again while a subscriber listens: the gateway
listens to it again without a restart (reconnect with backoff) and delivers what was committed
there, including what was written before the listener was back."""

from __future__ import annotations

import asyncio

import httpx

from tests.feed.conftest import SERVER_OF, FeedStack, insert_record, record_number, wait_subscribed, ws_client
from tests.feed.test_feed import RECORDS


async def _listening(feed: FeedStack, code: str) -> bool:
    async with httpx.AsyncClient(base_url=feed.served.url) as http:
        text = (await http.get("/metrics")).text
    return f'yrd_feed_listener_connected{{province="{code}"}} 1.0' in text


async def _until(feed: FeedStack, code: str, listening: bool, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await _listening(feed, code) != listening:
        assert asyncio.get_running_loop().time() < deadline, f"listener of {code} never became {listening}"
        await asyncio.sleep(0.05)


async def test_a_restarted_province_is_listened_to_again(feed: FeedStack) -> None:
    code = "330000"
    await wait_subscribed(feed, 0)
    async with ws_client(feed.ws_url) as client:
        op = await client.subscribe(RECORDS, filter={"provinces": [code]})
        await wait_subscribed(feed, 1)
        feed.base.cluster.stop(SERVER_OF[code])
        try:
            await _until(feed, code, listening=False)
        finally:
            feed.base.cluster.start(SERVER_OF[code])
        # Written at once, most likely before the listener is back: read from its last position.
        early = record_number("restart-early")
        await insert_record(feed.dsn(code), early)
        await _until(feed, code, listening=True)
        late = record_number("restart-late")
        await insert_record(feed.dsn(code), late)
        got = [(await client.next_of(op))["payload"]["data"]["recordPublished"] for _ in range(2)]
    assert [e["record"]["recordNumber"] for e in got] == [early, late]
