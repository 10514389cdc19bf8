"""A half-open probe that graphql-core cancels (a sibling root field failed at once) is released:
the province is probed again by the next request instead of staying cut off until a restart."""

from __future__ import annotations

import asyncio

from sources.breaker import Outcome
from tests.conftest import Stack, gql, running_app, table_locked

JS = "320000"
SIBLINGS = """{ broken: enterprises(first: 1, after: "not-a-cursor") { edges { cursor } }
    probed: enterprises(first: 5) { edges { cursor } } }"""
PAGE = "{ enterprises(first: 5) { edges { cursor } coverage { complete missing { code } } } }"


async def test_a_cancelled_half_open_probe_does_not_keep_the_breaker_open(stack: Stack) -> None:
    dsn = stack.settings.province(JS).source.dsn
    async with running_app(stack.settings) as (app, client):
        breaker = app.state.runtime.registry.provinces[JS].source.breaker
        for _ in range(stack.settings.breaker.failures):  # as if Jiangsu had just failed
            permit = breaker.admit()
            assert permit is not None
            breaker.settle(permit, Outcome.FAILED)
        await asyncio.sleep(stack.settings.breaker.reset_s + 0.05)  # half-open: the next call probes
        async with table_locked(dsn, "exchange.enterprise"):  # the probe waits on Jiangsu…
            body = await gql(client, SIBLINGS)                 # …until its sibling's error cancels it
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        page = await gql(client, PAGE)
    assert "errors" not in page, page
    assert page["data"]["enterprises"]["coverage"] == {"complete": True, "missing": []}
    assert not breaker.is_open
