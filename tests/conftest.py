"""Shared fixtures: real embedded PostgreSQL servers (sh, js, zj, central), migrated and seeded
once per test session, and the gateway app running its real lifespan."""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import logging
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import brotli
import httpx
import pytest

from domain.clock import CHINA
from gateway.app import create_app
from gateway.demo import DEMO_PROVINCES
from gateway.logs import JsonFormatter
from gateway.operations import migrate_all, seed_all
from gateway.settings import Settings, settings_from_mapping
from sources.embedded import EmbeddedCluster, start_cluster

TEST_SCALE = 0.05
TEST_SEED = 11
# httpx logs every request at INFO: a failing fuzz test's thousands of captured lines would push
# its report (the falsifying examples) out of what CI shows of the output.
logging.getLogger("httpx").setLevel(logging.WARNING)

SECRET = "test-secret-not-for-production"
AUTH_SECRET = "test-jwt-secret-not-for-production-0123456789"
# The date the test data is anchored on and the gateway believes it is (noon in China, so that no
# time zone arithmetic can tip it into another day): every date-dependent answer is the same on
# every run, whatever the real clock says.
TEST_TODAY = date(2026, 6, 30)
TEST_INSTANT = datetime.combine(TEST_TODAY, time(12), tzinfo=ZoneInfo(CHINA))
# Every exchange with the app during the session, as (asked without credentials?, request body,
# response body): the session-end check makes sure no unmasked ID number ever reached the public.
RESPONSES: list[tuple[bool, bytes, bytes]] = []
KNOWN_ID_NUMBERS: set[str] = set()


@dataclass
class Stack:
    """The running test databases and what was loaded into them."""

    cluster: EmbeddedCluster
    settings: Settings
    showcase: dict[str, dict[str, Any]]

    @property
    def today(self) -> date:
        """The date the data was seeded for and the gateway's pinned "today"."""
        return self.settings.clock.today()

    def case(self, name: str) -> dict[str, Any]:
        return self.showcase[name]


def pin_clock(settings: Settings) -> Settings:
    """The same settings with the gateway's clock stopped at ``TEST_INSTANT`` (same time zone)."""
    return dataclasses.replace(settings, clock=settings.clock.pinned(TEST_INSTANT))


def make_settings(cluster: EmbeddedCluster, database: str = "postgres", **gateway: Any) -> Settings:
    def dsn(server: str) -> str:
        return cluster.dsn(server).replace("/postgres?", f"/{database}?")

    raw = {
        "gateway": {"person_key_secret": SECRET, "breaker_failures": 2, "breaker_reset_ms": 300, **gateway},
        "central": {"dsn": dsn("central"), "pool_size": 4, "timeout_ms": 2000},
        "auth": {"secret": AUTH_SECRET},
        # The whole session shares one client address: a per-minute budget sized for one portal
        # user would make later tests fail by the order they run in.  Rate tests set their own;
        # so do the tests of the document-work and full-ID-number budgets (tests/hardening).
        "limits": {"public_rate_per_minute": 1_000_000, "identity_rate_per_minute": 1_000_000,
                   "document_cpu_ms_per_minute": 60_000_000, "full_id_numbers_per_hour": 1_000_000},
        "provinces": [
            {"code": code, "short_name": short, "name": name, "dsn": dsn(server), "pool_size": 4, "timeout_ms": 2000}
            for server, code, short, name in DEMO_PROVINCES
        ],
    }
    return pin_clock(settings_from_mapping(raw, {}))


@pytest.fixture(scope="session")
def pg_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="yrd-test-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
async def stack(pg_root: Path) -> AsyncIterator[Stack]:
    cluster = start_cluster(pg_root, [s for s, *_ in DEMO_PROVINCES] + ["central"])
    try:
        settings = make_settings(cluster)
        await migrate_all(settings)
        showcase = await seed_all(settings, scale=TEST_SCALE, seed=TEST_SEED, anchor=TEST_TODAY)
        KNOWN_ID_NUMBERS.update(await _id_numbers(settings))
        assert settings.clock.today() == TEST_TODAY
        yield Stack(cluster, settings, {c["case"]: c for c in showcase})
    finally:
        cluster.stop_all()


async def _id_numbers(settings: Settings) -> set[str]:
    numbers: set[str] = set()
    for province in settings.provinces:
        conn = await asyncpg.connect(province.source.dsn)
        try:
            rows = await conn.fetch("SELECT id_number FROM exchange.person WHERE length(id_number) = 18")
        finally:
            await conn.close()
        numbers.update(r["id_number"] for r in rows)
    return numbers


class _Recorder:
    """ASGI wrapper keeping every response body for the session-end personal-information check."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        public = not any(name.lower() == b"authorization" for name, _ in scope["headers"])
        sent: list[bytes] = []
        chunks: list[bytes] = []

        async def request() -> Any:
            message = await receive()
            sent.append(message.get("body", b""))
            return message

        encoding: list[bytes] = []

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                encoding.extend(v for k, v in message.get("headers", []) if k.lower() == b"content-encoding")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, request, capture)
        RESPONSES.append((public, b"".join(sent), _decoded(b"".join(chunks), encoding)))


def _decoded(body: bytes, encoding: list[bytes]) -> bytes:
    """A compressed answer as the client reads it, so the personal-information check sees the text."""
    if b"br" in encoding:
        return brotli.decompress(body)
    if b"gzip" in encoding:
        return gzip.decompress(body)
    return body


class _LogLines(logging.Handler):
    """Every log line of the session, formatted as production formats it (JSON lines)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="session", autouse=True)
def no_secret_reaches_a_log() -> Iterator[None]:
    """After the whole session: no log line held a DSN, a secret, a traceback or a full ID number."""
    lines = _LogLines()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(lines)
    root.setLevel(min(previous, logging.INFO) if previous else logging.INFO)
    yield
    root.removeHandler(lines)
    root.setLevel(previous)
    forbidden = ["postgresql://", "Traceback", SECRET, AUTH_SECRET, *KNOWN_ID_NUMBERS]
    leaks = [line for line in lines.lines if any(word in line for word in forbidden)]
    assert not leaks, f"{len(leaks)} log lines leak internals, e.g. {leaks[0][:300]}"


@pytest.fixture(scope="session", autouse=True)
def no_unmasked_id_number_reaches_the_public() -> Iterator[None]:
    """After the whole session: no response to a caller without credentials held a full ID number."""
    yield
    pattern = re.compile(rb"\d{17}[\dX]")
    leaks = {  # a number the client sent itself may be quoted back (e.g. in an input error)
        number.decode() for public, sent, body in RESPONSES if public
        for number in pattern.findall(body) if number not in sent
    } & KNOWN_ID_NUMBERS
    assert not leaks, f"unmasked ID numbers reached the public: {sorted(leaks)[:5]}"


@contextlib.asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """The app with its real lifespan (``app.state.runtime`` holds its sources and audit trail) and
    a client reaching it in-process over ASGI."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=_Recorder(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield app, client


@contextlib.asynccontextmanager
async def running_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its real lifespan, reached in-process over ASGI."""
    async with running_app(settings) as (_, client):
        yield client


@pytest.fixture(scope="session")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running_client(stack.settings) as c:
        yield c


async def gql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    """POST a GraphQL query; return the JSON body (asserting an HTTP 200)."""
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


def statements(body: dict[str, Any]) -> dict[str, int]:
    return {s["source"]: s["statements"] for s in body["extensions"]["sources"]}


@contextlib.asynccontextmanager
async def table_locked(dsn: str, table: str) -> AsyncIterator[None]:
    """Hold an exclusive lock on ``table`` so statements reading it wait: a real slow source."""
    blocker = await asyncpg.connect(dsn)
    try:
        async with blocker.transaction():
            await blocker.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await blocker.close()
