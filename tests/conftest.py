"""Shared fixtures: real embedded PostgreSQL servers (sh, js, zj, central), migrated and seeded
once per test session, and the gateway app running its real lifespan."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.demo import DEMO_PROVINCES
from gateway.operations import migrate_all, seed_all
from gateway.settings import Settings, settings_from_mapping
from sources.embedded import EmbeddedCluster, start_cluster

TEST_SCALE = 0.05
TEST_SEED = 11
SECRET = "test-secret-not-for-production"


@dataclass
class Stack:
    """The running test databases and what was loaded into them."""

    cluster: EmbeddedCluster
    settings: Settings
    showcase: dict[str, dict[str, Any]]

    def case(self, name: str) -> dict[str, Any]:
        return self.showcase[name]


def make_settings(cluster: EmbeddedCluster, database: str = "postgres", **gateway: Any) -> Settings:
    def dsn(server: str) -> str:
        return cluster.dsn(server).replace("/postgres?", f"/{database}?")

    raw = {
        "gateway": {"person_key_secret": SECRET, "breaker_failures": 2, "breaker_reset_ms": 300, **gateway},
        "central": {"dsn": dsn("central"), "pool_size": 4, "timeout_ms": 2000},
        "provinces": [
            {"code": code, "short_name": short, "name": name, "dsn": dsn(server), "pool_size": 4, "timeout_ms": 2000}
            for server, code, short, name in DEMO_PROVINCES
        ],
    }
    return settings_from_mapping(raw, {})


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
        showcase = await seed_all(settings, scale=TEST_SCALE, seed=TEST_SEED, anchor=date.today())
        yield Stack(cluster, settings, {c["case"]: c for c in showcase})
    finally:
        cluster.stop_all()


@contextlib.asynccontextmanager
async def running_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its real lifespan, reached in-process over ASGI."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
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
