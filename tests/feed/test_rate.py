"""Subscriptions count against the same per-identity rate limit as requests: an official's
upgrade and each ``subscribe`` take from one budget, and past it a subscribe is refused with
``RATE_LIMITED`` (a new connection is closed with 4429), on a gateway of its own with a small budget."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.settings import Settings
from tests.conftest import Stack
from tests.feed.conftest import FEED, Closed, ws_client
from tests.feed.test_feed import RECORDS
from tests.hardening.served import Served, serve_process, served_settings
from tests.tokens import bearer

PER_MINUTE = 1  # a bucket of 5 (gateway.limits.rate: at least 5), refilled once a minute
BURST = 5


@pytest.fixture(scope="module")
def limited(stack: Stack, feed_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    workdir = tmp_path_factory.mktemp("served-feed-rate")
    settings = served_settings(Stack(stack.cluster, feed_settings, {}), workdir / "spool",
                               feed={**FEED, "max_subscriptions_per_connection": 20},
                               limits={"identity_rate_per_minute": PER_MINUTE, "public_rate_per_minute": 100_000})
    with serve_process(settings, workdir) as served:
        yield served


async def test_subscribes_spend_the_identitys_budget(limited: Served) -> None:
    url = f"ws://{limited.host}:{limited.port}/graphql"
    headers = bearer(limited.settings, "regulator", "320000", sub="rate-limited")
    async with ws_client(url, headers) as client:  # the upgrade: 1 of the burst
        for _ in range(BURST - 1):
            await client.subscribe(RECORDS)  # accepted: nothing comes back until an event
        refused = await client.next_of(await client.subscribe(RECORDS))
        assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
    async with ws_client(url, headers, expect_ack=False) as refused:
        with pytest.raises(Closed) as closed:
            await refused.receive()
        assert closed.value.code == 4429 and closed.value.reason.startswith("RATE_LIMITED")
