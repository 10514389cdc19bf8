"""The load driver: a fixed number of requests by a fixed number of concurrent workers, after a
warm-up that is not measured (pools connect, statements get prepared, code paths get warm)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import httpx

from bench.floor import Floor
from bench.lean_http import LeanClient
from bench.scenarios import Scenario
from sources.province_queries import Visibility

Call = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Stats:
    """Latency percentiles of the measured requests and their throughput."""

    p50_ms: float
    p95_ms: float
    rps: float

    def as_dict(self) -> dict[str, float]:
        return {"p50_ms": round(self.p50_ms, 2), "p95_ms": round(self.p95_ms, 2), "rps": round(self.rps, 1)}


class GatewayError(RuntimeError):
    """The gateway answered with an HTTP error or a GraphQL ``errors`` entry: a broken run."""


async def measure(call: Call, *, requests: int, concurrency: int, warmup: int) -> Stats:
    """Warm up, then time ``requests`` calls spread over ``concurrency`` workers."""
    await _drive(call, range(warmup), concurrency)
    started = time.perf_counter()
    latencies = await _drive(call, range(warmup, warmup + requests), concurrency)
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Stats(p50_ms=cuts[49] * 1000, p95_ms=cuts[94] * 1000, rps=requests / elapsed)


async def _drive(call: Call, indices: range, concurrency: int) -> list[float]:
    """Workers take the next request index from one shared iterator until it runs out."""
    todo = iter(indices)
    latencies: list[float] = []
    async with asyncio.TaskGroup() as group:  # the first failure cancels the other workers
        for _ in range(min(concurrency, len(indices))):
            group.create_task(_worker(call, todo, latencies))
    return latencies


async def _worker(call: Call, todo: Iterator[int], latencies: list[float]) -> None:
    for index in todo:
        start = time.perf_counter()
        await call(index)
        latencies.append(time.perf_counter() - start)


def gateway_call(client: httpx.AsyncClient | LeanClient, scenario: Scenario) -> Call:
    """POST the scenario's document; fail the run on an HTTP error or a GraphQL error."""

    async def call(index: int) -> None:
        payload = {"query": scenario.query, "variables": scenario.variables(index)}
        if isinstance(client, LeanClient):
            answer = await client.post_json("/graphql", payload)
            status, body = answer.status, answer.body
        else:
            response = await client.post("/graphql", json=payload)
            status, body = response.status_code, response.content
        # A byte search instead of parsing: the client's JSON decoding would otherwise be timed as
        # gateway latency. '"errors":' cannot occur unescaped inside a string value.
        if status != 200 or b'"errors":' in body:
            raise GatewayError(f"{scenario.name}: HTTP {status}: {body[:500].decode(errors='replace')}")

    return call


def floor_call(floor: Floor, scenario: Scenario, visibility: Visibility | None = None) -> Call:
    async def call(index: int) -> None:
        await scenario.floor(floor.view(visibility), scenario.variables(index))

    return call


def client_for(url: str, concurrency: int, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """Keep-alive connections, one per worker, so connection set-up is not measured; ``headers``
    (e.g. a regulator's bearer token) go with every request."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=url, limits=limits, timeout=60.0, headers=headers)

