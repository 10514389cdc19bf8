"""The feed tests' own databases (beside the shared seeded ones, on the same servers: these tests
write into provinces and restart one), a real ``yrd-gateway serve`` process over them, and a small
graphql-transport-ws client speaking the protocol with ``websockets``."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import websockets

from gateway.demo import DEMO_PROVINCES
from gateway.operations import migrate_all
from gateway.settings import Settings
from sources.embedded import create_database
from tests.conftest import Stack, make_settings
from tests.hardening.served import Served, serve_process, served_settings
from tests.tokens import bearer

FEED_DATABASE = "yrd_feed"
PROTOCOL = "graphql-transport-ws"
SERVER_OF = {code: server for server, code, *_ in DEMO_PROVINCES}
# Small bounds, so that the tests reach them with few events and connections.
FEED = {"queue_size": 16, "poll_ms": 500, "reconnect_min_ms": 100, "reconnect_max_ms": 500,
        "max_subscriptions_per_connection": 3, "max_connections_per_identity": 4}
WAIT_S = 15.0


@dataclass
class FeedStack:
    base: Stack
    settings: Settings
    served: Served

    def dsn(self, code: str) -> str:
        return self.settings.province(code).source.dsn  # type: ignore[union-attr]

    @property
    def ws_url(self) -> str:
        return f"ws://{self.served.host}:{self.served.port}/graphql"

    def token(self, role: str, province: str | None, sub: str | None = None) -> dict[str, str]:
        return bearer(self.settings, role, province, sub=sub)


@pytest.fixture(scope="session")
async def feed_settings(stack: Stack) -> Settings:
    for server in [*(s for s, *_ in DEMO_PROVINCES), "central"]:
        await create_database(stack.cluster.dsn(server), FEED_DATABASE)
    settings = make_settings(stack.cluster, database=FEED_DATABASE)
    await migrate_all(settings)
    return settings


@pytest.fixture(scope="session")
def feed(stack: Stack, feed_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeedStack]:
    workdir = tmp_path_factory.mktemp("served-feed")
    base = Stack(stack.cluster, feed_settings, {})
    settings = served_settings(base, workdir / "spool", feed=FEED, auth={"leeway_s": 0},
                               limits={"public_rate_per_minute": 100_000, "identity_rate_per_minute": 100_000})
    with serve_process(settings, workdir) as served:
        yield FeedStack(stack, settings, served)


async def execute(dsn: str, sql: str, *args: object) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.execute(sql, *args)
    finally:
        await conn.close()


_numbers = itertools.count(1)


def record_number(tag: str) -> str:
    return f"FEED-{tag}-{next(_numbers):05d}"


INSERT_RECORD = """
INSERT INTO exchange.credit_record (record_number, subject_kind, subject_uscc, subject_person_key, subject_name,
    polarity, behaviour_code, description, decision_date, authority, authority_level, publish_from, publish_to,
    status, created_by)
VALUES ($1, $2, $3, $4, '测试主体', $5, 'D1-3-01', $6, DATE '2026-06-01', '测试局', '市', DATE '2026-06-01',
        $7, $8, 'psql')
"""


async def insert_record(dsn: str, number: str, *, uscc: str | None = "91320100MA1FEEDX01",
                        person_key: str | None = None, polarity: str = "bad", status: str = "published",
                        publish_to: str = "2027-06-01",
                        description: str = "施工质量不合格 (feed test)") -> None:
    from datetime import date

    kind = "enterprise" if uscc is not None else "person"
    await execute(dsn, INSERT_RECORD, number, kind, uscc, person_key, polarity, description,
                  date.fromisoformat(publish_to), status)


class Closed(Exception):
    """The server closed the socket."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code, self.reason = code, reason


@dataclass
class WsClient:
    """One graphql-transport-ws connection; messages per operation id."""

    socket: Any
    ack: dict[str, Any] | None = None
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    async def subscribe(self, query: str, **variables: Any) -> str:
        op = str(next(self._ids))
        await self.socket.send(json.dumps({"id": op, "type": "subscribe",
                                           "payload": {"query": query, "variables": variables}}))
        return op

    async def receive(self, timeout: float = WAIT_S) -> dict[str, Any]:
        """The next message other than ping/pong."""
        while True:
            try:
                raw = await asyncio.wait_for(self.socket.recv(), timeout)
            except websockets.ConnectionClosed as closed:
                raise Closed(closed.rcvd.code if closed.rcvd else None, closed.rcvd.reason if closed.rcvd else "") \
                    from None
            assert isinstance(raw, str), "graphql-transport-ws messages are text frames"
            message = json.loads(raw)
            if message["type"] == "ping":
                await self.socket.send(json.dumps({"type": "pong"}))
                continue
            if message["type"] != "pong":
                return message

    async def next_of(self, op: str, timeout: float = WAIT_S) -> dict[str, Any]:
        message = await self.receive(timeout)
        assert message.get("id") == op, message
        return message

    async def complete(self, op: str) -> None:
        await self.socket.send(json.dumps({"id": op, "type": "complete"}))


@contextlib.asynccontextmanager
async def ws_client(url: str, headers: dict[str, str] | None = None, init: dict[str, Any] | None = None,
                    *, expect_ack: bool = True, **connect: Any) -> AsyncIterator[WsClient]:
    socket = await websockets.connect(url, subprotocols=[PROTOCOL], additional_headers=headers or {},
                                      open_timeout=WAIT_S, **connect)
    try:
        client = WsClient(socket)
        with contextlib.suppress(websockets.ConnectionClosed):  # a refused connection is closed already
            await socket.send(json.dumps({"type": "connection_init", "payload": init or {}}))
        if expect_ack:
            message = await client.receive()
            assert message["type"] == "connection_ack", message
            client.ack = message
        yield client
    finally:
        with contextlib.suppress(websockets.ConnectionClosed):
            await socket.close()


async def wait_subscribed(feed: FeedStack, count: int, timeout: float = WAIT_S) -> None:
    """Wait until the served gateway holds exactly ``count`` subscriptions (its /metrics says so):
    events written before a subscription is registered are, rightly, not sent to it."""
    import httpx

    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient(base_url=feed.served.url) as http:
        while True:
            text = (await http.get("/metrics")).text
            line = next((x for x in text.splitlines() if x.startswith("yrd_subscriptions_open ")), None)
            if line is not None and float(line.split()[1]) == count:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the gateway did not reach {count} subscriptions: {line}")
            await asyncio.sleep(0.05)


def spool(feed: FeedStack) -> Path:
    assert feed.settings.audit is not None
    return feed.settings.audit.spool_dir
