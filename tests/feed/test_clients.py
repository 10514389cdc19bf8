"""A real GraphQL client library over WebSocket: ``gql``'s websockets transport (graphql-transport-ws)
receives the event of a record taken through the gateway's own workflow mutations (create, submit,
review by a second person, publish), as a JS official and as the public."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from tests.conftest import TEST_TODAY
from tests.feed.conftest import FeedStack, wait_subscribed
from tests.index.subjects import enterprise_insert, flat, new_uscc
from tests.workflow import documents as d

EVENTS = """subscription ($filter: RecordFeedFilter) {
  recordPublished(filter: $filter) { position change province { code } record { recordNumber status } } }"""


async def _ask(feed: FeedStack, query: str, headers: dict[str, str], **variables: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=feed.served.url) as http:
        body = (await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)).json()
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def _publish_through_the_gateway(feed: FeedStack, uscc: str) -> str:
    alice, bob = feed.token("regulator", "320000", sub="alice"), feed.token("reviewer", "320000", sub="bob")
    draft = {"subjectUscc": uscc, "polarity": "BAD", "behaviourCode": "D1-3-01", "description": "工程质量不合格",
             "decisionDate": (TEST_TODAY - timedelta(days=3)).isoformat(), "authority": "南京市住房和城乡建设局",
             "authorityLevel": "市", "penalty": "罚款"}
    record = await _ask(feed, d.CREATE, alice, input=draft, key=str(uuid.uuid4()))
    n = record["recordNumber"]
    record = await _ask(feed, d.SUBMIT, alice, n=n, v=record["version"], key=str(uuid.uuid4()))
    record = await _ask(feed, d.REVIEW, bob, n=n, v=record["version"], d="APPROVE", key=str(uuid.uuid4()))
    await _ask(feed, d.PUBLISH, bob, n=n, v=record["version"], key=str(uuid.uuid4()))
    return n


async def _first_event(url: str, init: dict[str, str], uscc: str) -> dict[str, Any]:
    transport = WebsocketsTransport(url=url, init_payload=init, connect_timeout=15)
    async with Client(transport=transport) as session:
        request = GraphQLRequest(EVENTS, variable_values={"filter": {"uscc": uscc}})
        async for result in session.subscribe(request):
            return result["recordPublished"]
    raise AssertionError("the subscription ended without an event")


async def test_gql_client_receives_a_record_published_through_the_gateway(feed: FeedStack) -> None:
    uscc = new_uscc("320100")
    conn = await asyncpg.connect(feed.dsn("320000"))
    try:  # the subject must be known in some province, and the code in the national set
        await conn.execute(*flat(enterprise_insert(uscc, "订阅测试建设有限公司")))
    finally:
        await conn.close()
    central = await asyncpg.connect(feed.settings.central.dsn)
    try:
        await central.execute("""INSERT INTO central.behaviour_code (code, party, category, title)
                                 VALUES ('D1-3-01', 'D1', '3', '工程质量') ON CONFLICT DO NOTHING""")
    finally:
        await central.close()
    await wait_subscribed(feed, 0)
    official = asyncio.create_task(_first_event(feed.ws_url, feed.token("regulator", "320000"), uscc))
    public = asyncio.create_task(_first_event(feed.ws_url, {}, uscc))
    await wait_subscribed(feed, 2)
    number = await _publish_through_the_gateway(feed, uscc)
    for event in await asyncio.wait_for(asyncio.gather(official, public), 20):
        assert event["change"] == "PUBLISHED" and event["province"]["code"] == "320000"
        assert event["record"] == {"recordNumber": number, "status": "published"}
