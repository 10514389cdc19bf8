"""The live feed against a real ``yrd-gateway serve`` process, with real WebSocket clients speaking
graphql-transport-ws: records written by SQL straight into a province arrive as events, a client
resumes after a reconnect with what it missed and nothing twice, visibility follows the query
rules, and refused connections and subscriptions say why."""

from __future__ import annotations

import contextlib
import socket

import pytest

from tests.feed.conftest import (
    Closed,
    FeedStack,
    execute,
    insert_record,
    record_number,
    wait_subscribed,
    ws_client,
)
from tests.tokens import bearer

RECORDS = """subscription ($filter: RecordFeedFilter, $after: String) {
  recordPublished(filter: $filter, after: $after) {
    position change province { code } record { id recordNumber polarity status publishTo } } }"""
BLACKLIST = """subscription ($filter: BlacklistFeedFilter) {
  blacklistChanged(filter: $filter) { position change province { code } subjectUscc entry { entryNumber active } } }"""


def _event(message: dict) -> dict:
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    return message["payload"]["data"]["recordPublished"]


async def test_sql_insert_and_update_reach_a_subscriber(feed: FeedStack) -> None:
    await wait_subscribed(feed, 0)
    async with ws_client(feed.ws_url) as client:
        op = await client.subscribe(RECORDS, filter={"provinces": ["330000"]})
        await wait_subscribed(feed, 1)
        inserted, drafted = record_number("ins"), record_number("upd")
        await insert_record(feed.dsn("330000"), inserted)
        await insert_record(feed.dsn("320000"), record_number("other"))  # filtered out: another province
        await insert_record(feed.dsn("330000"), drafted, status="draft")  # nothing: a draft is not published
        await execute(feed.dsn("330000"),
                      "UPDATE exchange.credit_record SET status = 'published' WHERE record_number = $1", drafted)
        first, second = _event(await client.next_of(op)), _event(await client.next_of(op))
    assert [first["record"]["recordNumber"], second["record"]["recordNumber"]] == [inserted, drafted]
    assert {first["change"], second["change"]} == {"PUBLISHED"}
    assert first["province"]["code"] == "330000" and first["record"]["id"] == f"330000:{inserted}"
    assert first["position"] != second["position"]


async def test_resume_after_reconnect_gets_missed_events_once(feed: FeedStack) -> None:
    await wait_subscribed(feed, 0)
    js = feed.dsn("320000")
    numbers = [record_number("resume") for _ in range(5)]
    async with ws_client(feed.ws_url) as client:
        op = await client.subscribe(RECORDS, filter={"provinces": ["320000", "310000"]})
        await wait_subscribed(feed, 1)
        await insert_record(js, numbers[0])
        seen = _event(await client.next_of(op))
    assert seen["record"]["recordNumber"] == numbers[0]
    await wait_subscribed(feed, 0)
    for number in numbers[1:3]:  # while nobody listens
        await insert_record(js, number)
    await insert_record(feed.dsn("310000"), shanghai := record_number("resume-sh"))
    async with ws_client(feed.ws_url) as client:
        op = await client.subscribe(RECORDS, filter={"provinces": ["320000", "310000"]}, after=seen["position"])
        got = [_event(await client.next_of(op)) for _ in range(3)]
        await wait_subscribed(feed, 1)
        for number in numbers[3:]:
            await insert_record(js, number)
        got += [_event(await client.next_of(op)) for _ in range(2)]
        with_position = got[-1]["position"]
    received = [e["record"]["recordNumber"] for e in got]
    assert sorted(received) == sorted([*numbers[1:], shanghai])  # every missed one, none twice
    assert [n for n in received if n in numbers] == numbers[1:]  # in outbox order per province
    # Resuming from the last position again: nothing more is replayed.
    async with ws_client(feed.ws_url) as client:
        op = await client.subscribe(RECORDS, filter={"provinces": ["320000", "310000"]}, after=with_position)
        await wait_subscribed(feed, 1)
        await insert_record(js, last := record_number("resume-last"))
        assert _event(await client.next_of(op))["record"]["recordNumber"] == last


async def test_public_sees_only_public_records_officials_more(feed: FeedStack) -> None:
    await wait_subscribed(feed, 0)
    zj = feed.dsn("330000")
    headers = feed.token("regulator", "320000")
    async with ws_client(feed.ws_url) as public, ws_client(feed.ws_url, headers) as official:
        ops = [await c.subscribe(RECORDS, filter={"provinces": ["330000"]}) for c in (public, official)]
        await wait_subscribed(feed, 2)
        expired, current = record_number("expired"), record_number("current")
        await insert_record(zj, expired, publish_to="2026-06-10")  # window over before the pinned today
        await insert_record(zj, current)
        await execute(zj, "UPDATE exchange.credit_record SET status = 'revoked' WHERE record_number = $1", current)
        public_events = [_event(await public.next_of(ops[0]))]
        official_events = [_event(await official.next_of(ops[1])) for _ in range(3)]
        marker = record_number("marker")
        await insert_record(zj, marker)
        public_events.append(_event(await public.next_of(ops[0])))
    assert [(e["record"]["recordNumber"], e["change"]) for e in public_events] == [
        (current, "PUBLISHED"), (marker, "PUBLISHED")]  # neither the expired record nor the revocation
    assert [(e["record"]["recordNumber"], e["change"]) for e in official_events] == [
        (expired, "PUBLISHED"), (current, "PUBLISHED"), (current, "REVOKED")]


async def test_blacklist_listing_and_release(feed: FeedStack) -> None:
    await wait_subscribed(feed, 0)
    sh = feed.dsn("310000")
    uscc = "91310000MA1FEED001"
    async with ws_client(feed.ws_url, feed.token("regulator", "320000")) as client:
        op = await client.subscribe(BLACKLIST, filter={"uscc": uscc})
        await wait_subscribed(feed, 1)
        await execute(sh, """INSERT INTO exchange.blacklist_entry (entry_number, subject_uscc, subject_name, basis,
                                 authority, listed_on, planned_release)
                             VALUES ('BL-FEED-1', $1, '测试企业', '转包', '上海市住建委', DATE '2026-06-01',
                                     DATE '2027-06-01')""", uscc)
        await execute(sh, "UPDATE exchange.blacklist_entry SET released_on = DATE '2026-06-20'"
                          " WHERE entry_number = 'BL-FEED-1'")
        events = [(await client.next_of(op))["payload"]["data"]["blacklistChanged"] for _ in range(2)]
    assert [(e["change"], e["entry"]["entryNumber"], e["subjectUscc"]) for e in events] == [
        ("LISTED", "BL-FEED-1", uscc), ("RELEASED", "BL-FEED-1", uscc)]
    assert events[1]["entry"]["active"] is False


async def test_refusals_say_why(feed: FeedStack) -> None:
    bad = {"Authorization": "Bearer not-a-token"}
    async with ws_client(feed.ws_url, bad, expect_ack=False) as client:
        try:
            await client.receive()
            raise AssertionError("a bad token was accepted")
        except Closed as closed:
            assert closed.code == 4401 and closed.reason.startswith("UNAUTHENTICATED")
    async with ws_client(feed.ws_url, init={"Authorization": "Bearer not-a-token"}, expect_ack=False) as client:
        try:
            await client.receive()
            raise AssertionError("a bad connection_init token was accepted")
        except Closed as closed:
            assert closed.code == 4401
    async with ws_client(feed.ws_url) as client:
        query = await client.subscribe("{ provinces { code } }")
        message = await client.next_of(query)
        assert message["type"] == "error" and message["payload"][0]["extensions"]["code"] == "BAD_REQUEST"
        forbidden = await client.subscribe(RECORDS, filter={"personKey": "abc"})
        message = await client.next_of(forbidden)
        assert message["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert (await client.next_of(forbidden))["type"] == "complete"
        deep = "subscription { recordPublished { record { " + "province { " * 20 + "code" + " }" * 21 + " } }"
        message = await client.next_of(await client.subscribe(deep))
        assert message["type"] == "error" and message["payload"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_subscription_and_connection_caps(feed: FeedStack) -> None:
    await wait_subscribed(feed, 0)
    async with ws_client(feed.ws_url) as client:
        ops = [await client.subscribe(RECORDS) for _ in range(3)]
        await wait_subscribed(feed, 3)
        over = await client.subscribe(RECORDS)
        message = await client.next_of(over)
        assert message["type"] == "error"
        assert message["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        assert ops
    headers = feed.token("regulator", "310000", sub="many-connections")
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(4):
            await stack.enter_async_context(ws_client(feed.ws_url, headers))
        async with ws_client(feed.ws_url, headers, expect_ack=False) as fifth:
            try:
                await fifth.receive()
                raise AssertionError("a fifth connection was accepted")
            except Closed as closed:
                assert closed.code == 4429 and closed.reason.startswith("TOO_MANY_CONNECTIONS")


SLOW = """subscription ($filter: RecordFeedFilter) {
  recordPublished(filter: $filter) { position record { recordNumber description } } }"""
FAST = """subscription ($filter: RecordFeedFilter) { recordPublished(filter: $filter) { record { recordNumber } } }"""
BULK = """
INSERT INTO exchange.credit_record (record_number, subject_kind, subject_uscc, subject_name, polarity, behaviour_code,
    description, decision_date, authority, authority_level, publish_from, publish_to, status, created_by)
SELECT $1 || lpad(i::text, 4, '0'), 'enterprise', '91320100MA1FEEDX01', '测试主体', 'bad', 'D1-3-01', repeat('x', $2),
       DATE '2026-06-01', '测试局', '市', DATE '2026-06-01', DATE '2027-06-01', 'published', 'psql'
  FROM generate_series(1, $3) i
"""


def _slow_socket(port: int) -> socket.socket:
    """A client socket that reads almost nothing: a tiny receive buffer, and then nobody reads."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    return sock


async def test_a_slow_subscriber_is_closed_as_lagging_while_others_continue(feed: FeedStack) -> None:
    await wait_subscribed(feed, 0)
    count, size = 400, 20_000  # ~8 MB for the slow subscriber: more than any socket buffers
    prefix = record_number("bulk") + "-"
    flt = {"provinces": ["320000"], "uscc": "91320100MA1FEEDX01"}
    async with ws_client(feed.ws_url, sock=_slow_socket(feed.served.port), max_queue=1,
                         compression=None) as slow, \
            ws_client(feed.ws_url) as fast:
        slow_op = await slow.subscribe(SLOW, filter=flt)
        fast_op = await fast.subscribe(FAST, filter=flt)
        await wait_subscribed(feed, 2)
        await execute(feed.dsn("320000"), BULK, prefix, size, count)
        received = [(await fast.next_of(fast_op))["payload"]["data"]["recordPublished"]["record"]["recordNumber"]
                    for _ in range(count)]
        assert received == [f"{prefix}{i:04d}" for i in range(1, count + 1)]
        await wait_subscribed(feed, 1)  # the slow one was dropped by the hub
        messages = []
        while not messages or (messages[-1]["type"] == "next" and "errors" not in messages[-1]["payload"]):
            messages.append(await slow.next_of(slow_op))
    lagging = messages[-1]["payload"]["errors"][0]
    assert lagging["extensions"]["code"] == "SUBSCRIPTION_LAGGING"
    assert lagging["extensions"]["resumeAfter"].startswith("f1:")
    assert len(messages) - 1 < count  # it got part of the events, then the close


async def test_a_connection_ends_when_its_token_expires(feed: FeedStack) -> None:
    short = bearer(feed.settings, "regulator", "320000", sub="short-lived", ttl_s=2)  # no leeway on this gateway
    async with ws_client(feed.ws_url, init=short) as client:
        await client.subscribe(RECORDS)
        with pytest.raises(Closed) as closed:
            await client.receive(timeout=10)
    assert closed.value.code == 4401 and "expired" in closed.value.reason
