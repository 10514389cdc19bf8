"""``python -m bench.latency``: how many dependent round trips a request costs, measured with
20 ms of added round-trip latency per database.

A small delaying TCP proxy (``DelayProxy``) sits in front of every database of the index
benchmark (``idxbench``, see ``bench.index_sync``): each chunk is held 10 ms in each direction.
The gateway (in-process) is pointed at the proxies; a request's p50 divided by 20 ms is its
number of dependent round trips.  Writes ``bench/results/latency-latest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from bench import stack
from bench.index_sync import DATABASE, _on_database, _percentiles, _sample_enterprise
from gateway.app import create_app
from gateway.operations import migrate_all
from gateway.settings import Settings
from sources.embedded import EmbeddedCluster
from sources.index_sync import SyncSettings

ONE_WAY_S = 0.010  # 20 ms round trip
RESULTS = Path("bench/results/latency-latest.json")
PROFILE = """query($u: USCC!) { enterprise(uscc: $u) { name qualifications { certificateNumber }
    creditRecords { id } blacklist { listedOn } coverage { complete } } }"""
PAGE = """{ enterprises(first: 50) { edges { node { uscc qualifications { certificateNumber }
    creditRecords { id } } } } }"""


class DelayProxy:
    """TCP on localhost → the database's Unix socket, each chunk delayed ``ONE_WAY_S`` each way."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self.port = 0
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_unix_connection(self.socket_path)
        with contextlib.suppress(asyncio.CancelledError):  # the benchmark ends with connections open
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer), return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Each chunk leaves ``ONE_WAY_S`` after it arrived (not after the chunk before it left): a
    wire with latency, not a slow one."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def receive() -> None:
        while chunk := await reader.read(65536):
            queue.put_nowait((loop.time() + ONE_WAY_S, chunk))
        queue.put_nowait((loop.time() + ONE_WAY_S, b""))

    receiving = asyncio.create_task(receive())
    try:
        while True:
            due, chunk = await queue.get()
            await asyncio.sleep(max(0.0, due - loop.time()))
            if not chunk:
                return
            writer.write(chunk)
            await writer.drain()
    finally:
        receiving.cancel()
        writer.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=stack.BENCH_DIR)
    parser.add_argument("--reads", type=int, default=60)
    args = parser.parse_args(argv)
    cluster = stack.start(args.data_dir.resolve())
    try:
        results = asyncio.run(_run(cluster, args.reads))
    finally:
        cluster.stop_all()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1), encoding="utf-8")
    for name, data in results.items():
        print(f"{name}: p50 {data['ms']['p50']} ms = {data['round_trips']} round trips of 20 ms")
    return 0


async def _run(cluster: EmbeddedCluster, reads: int) -> dict[str, Any]:
    direct = _on_database(stack.bench_settings(cluster))  # the index benchmark's databases (seeded there)
    await migrate_all(direct)  # the schema the code expects (those databases may predate a migration)
    home = await _sample_enterprise(direct)  # registered in Jiangsu: its code names its home
    elsewhere = await _sample_enterprise(direct, registered="9111")  # registered in Beijing: only the index knows
    proxies: list[DelayProxy] = []
    try:
        delayed = await _through_proxies(direct, proxies)
        return {
            "enterprise_profile": await _measure(delayed, {"query": PROFILE, "variables": {"u": home}}, reads),
            "enterprise_profile_registered_outside": await _measure(
                delayed, {"query": PROFILE, "variables": {"u": elsewhere}}, reads
            ),
            "enterprise_page_50": await _measure(delayed, {"query": PAGE}, reads),
        }
    finally:
        for proxy in proxies:
            await proxy.close()


async def _through_proxies(settings: Settings, proxies: list[DelayProxy]) -> Settings:
    async def proxied(config: Any) -> Any:
        parsed = urlparse(config.dsn)
        proxy = DelayProxy(f"{parse_qs(parsed.query)['host'][0]}/.s.PGSQL.5432")
        await proxy.start()
        proxies.append(proxy)
        return dataclasses.replace(config, dsn=f"postgresql://postgres@127.0.0.1:{proxy.port}/{DATABASE}")

    provinces = tuple([dataclasses.replace(p, source=await proxied(p.source)) for p in settings.provinces])
    central = await proxied(settings.central)
    # The sync keeps its own connections: let it use the proxies too, at a slow poll.
    return dataclasses.replace(settings, central=central, provinces=provinces, index=SyncSettings(poll_s=0.5))


async def _measure(settings: Settings, request: dict[str, Any], reads: int) -> dict[str, Any]:
    app = create_app(settings)
    latencies: list[float] = []
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://b") as client:
        await asyncio.sleep(2.0)  # the sync leads and heartbeats through the proxies: the index is fresh
        loop = asyncio.get_running_loop()
        for i in range(reads + 5):
            started = loop.time()
            body = (await client.post("/graphql", json=request, timeout=30)).json()
            if "errors" in body:
                raise RuntimeError(f"the measured request failed: {body['errors'][0]['message']}")
            if i >= 5:  # pools warmed
                latencies.append((loop.time() - started) * 1000)
    stats = _percentiles(latencies)
    return {"ms": stats, "round_trips": round(stats["p50"] / (2 * ONE_WAY_S * 1000), 1)}


if __name__ == "__main__":
    raise SystemExit(main())
