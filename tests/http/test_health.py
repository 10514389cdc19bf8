"""Health endpoints: liveness answers while the process runs, readiness only while a province is
reachable (503 otherwise, e.g. every database down), with each source's state."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tests.conftest import Stack, running_client


@contextlib.contextmanager
def _stopped(stack: Stack, *servers: str) -> Iterator[None]:
    for server in servers:
        stack.cluster.stop(server)
    try:
        yield
    finally:
        for server in servers:
            stack.cluster.start(server)


async def test_ready_while_a_province_answers(stack: Stack) -> None:
    async with running_client(stack.settings) as client:
        ready = await client.get("/readyz")
        alias = await client.get("/healthz")
        live = await client.get("/livez")
    assert (ready.status_code, alias.status_code, live.status_code) == (200, 200, 200)
    body = ready.json()
    assert body["status"] == "ok" and live.json()["status"] == "live"
    states = {s["source"]: s for s in body["sources"]}
    assert set(states) == {"310000", "320000", "330000", "central"}
    assert all(s["reachable"] and s["breaker"] == "closed" for s in states.values())
    assert all(isinstance(states[c]["indexLagMs"], float) for c in ("310000", "320000", "330000"))


async def test_not_ready_when_every_database_is_down_but_still_live(stack: Stack) -> None:
    async with running_client(stack.settings) as client:
        with _stopped(stack, "sh", "js", "zj", "central"):
            ready = await client.get("/readyz")
            alias = await client.get("/healthz")
            live = await client.get("/livez")
        assert live.status_code == 200
    assert (ready.status_code, alias.status_code) == (503, 503)
    body = ready.json()
    assert body["status"] == "unavailable" and not any(s["reachable"] for s in body["sources"])
    assert "postgresql://" not in ready.text and "host=" not in ready.text


async def test_one_province_is_enough_to_be_ready(stack: Stack) -> None:
    async with running_client(stack.settings) as client:
        with _stopped(stack, "js", "zj"):
            ready = await client.get("/readyz")
    assert ready.status_code == 200
    reachable = {s["source"]: s["reachable"] for s in ready.json()["sources"]}
    assert reachable == {"310000": True, "320000": False, "330000": False, "central": True}
