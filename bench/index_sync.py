"""``python -m bench.index_sync``: how fast and how fresh the presence index is.

On databases of its own (``idxbench`` beside the main benchmark's, on the same embedded servers)
seeded at a small scale, it measures:

1. **sync throughput**: a bulk of changed rows written straight into one province, then the time
   the sync takes to carry every change into the index (changes per second);
2. **index lag under a sustained write load** (``--rate`` rows per second into one province, each
   in its own transaction, the sync worker running as in ``serve``): the lag routing sees
   (``now - caught_up_at``, sampled every 50 ms) and the time until a written row's subject is in
   the index, as p50/p99;
3. **read latency of ``enterprise(uscc:)``** through the gateway (in-process ASGI) with the index
   fresh (routing by the index) and stale (every province asked directly), p50/p95, with the
   statements each sends.

Writes ``bench/results/index-latest.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import stack
from domain.clock import china_today
from domain.identifiers import org_code_check_char, uscc_check_char
from gateway.app import create_app
from gateway.operations import migrate_all, province_databases, seed_all, sync_all_once
from gateway.settings import Settings
from sources.embedded import EmbeddedCluster, create_database
from sources.index_sync import SyncSettings, SyncWorker

DATABASE = "idxbench"
JS = "320000"
RESULTS = Path("bench/results/index-latest.json")
QUERY = """query($u: USCC!) { enterprise(uscc: $u) { name qualifications { certificateNumber }
    creditRecords { id } blacklist { listedOn } coverage { complete } } }"""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cluster = stack.start(args.data_dir.resolve())
    try:
        results = asyncio.run(_run(cluster, args))
    finally:
        cluster.stop_all()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    _print(results)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.index_sync", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=stack.BENCH_DIR, help="where the databases live")
    parser.add_argument("--scale", type=float, default=1.0, help="seed scale of the index databases")
    parser.add_argument("--bulk", type=int, default=20_000, help="rows written at once for the throughput test")
    parser.add_argument("--rate", type=int, default=1000, help="rows per second of the sustained write load")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of the sustained write load")
    parser.add_argument("--reads", type=int, default=500, help="measured reads per routing mode")
    return parser


async def _run(cluster: EmbeddedCluster, args: argparse.Namespace) -> dict[str, Any]:
    settings = await _prepare(cluster, args.scale)
    return {
        "throughput": await _throughput(settings, args.bulk),
        "lag_under_load": await _lag_under_load(settings, args.rate, args.seconds),
        "reads": await _reads(settings, args.reads),
        "meta": {"scale": args.scale, "bulk": args.bulk, "rate": args.rate, "seconds": args.seconds},
    }


async def _prepare(cluster: EmbeddedCluster, scale: float) -> Settings:
    base = stack.bench_settings(cluster)
    for server in stack.SERVERS:
        await create_database(cluster.dsn(server), DATABASE)
    settings = _on_database(base)
    await migrate_all(settings)
    await seed_all(settings, scale=scale, seed=stack.SEED, anchor=china_today())
    return settings


def _on_database(settings: Settings) -> Settings:
    return stack.on_database(settings, DATABASE)


_serial = iter(range(10**9))
# Each run writes its own block of organisation-code bodies, so rows of earlier runs never collide.
_BLOCK = int(time.time()) % 90 * 1_000_000


def _uscc() -> str:
    body = f"{_BLOCK + next(_serial):08d}"
    first17 = f"91320100{body}{org_code_check_char(body)}"
    return first17 + uscc_check_char(first17)


def _rows(count: int) -> list[tuple[str, str, str, str]]:
    return [(_uscc(), "基准测试建设有限公司", "王五", "320100") for _ in range(count)]


async def _insert(conn: asyncpg.Connection, rows: list[tuple[str, str, str, str]]) -> None:
    await conn.executemany(
        "INSERT INTO exchange.enterprise (uscc, name, legal_representative, registered_division)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        rows,
    )


def _js_dsn(settings: Settings) -> str:
    return next(p.dsn for p in province_databases(settings) if p.code == JS)


async def _throughput(settings: Settings, bulk: int) -> dict[str, float]:
    await sync_all_once(settings)  # start from a caught-up index
    conn = await asyncpg.connect(_js_dsn(settings))
    try:
        for start in range(0, bulk, 1000):  # 1,000 rows per transaction
            async with conn.transaction():
                await _insert(conn, _rows(min(1000, bulk - start)))
    finally:
        await conn.close()
    started = time.perf_counter()
    while not (await sync_all_once(settings))[JS].caught_up:
        pass
    seconds = time.perf_counter() - started
    return {"changes": bulk, "seconds": round(seconds, 3), "changes_per_s": round(bulk / seconds)}


async def _lag_under_load(settings: Settings, rate: int, seconds: float) -> dict[str, Any]:
    worker = SyncWorker(province_databases(settings), settings.central.dsn, settings.index, settings.clock)
    worker.start()
    central = await asyncpg.connect(settings.central.dsn)
    lags: list[float] = []
    visible: list[float] = []
    try:
        await asyncio.sleep(1.0)  # the worker takes the lead and catches up
        writer = asyncio.create_task(_write_load(settings, rate, seconds, central, visible))
        while not writer.done():
            lag = await central.fetchval(
                "SELECT extract(epoch FROM clock_timestamp() - caught_up_at) * 1000"
                " FROM central.sync_watermark WHERE province_code = $1",
                JS,
            )
            if lag is not None:
                lags.append(float(lag))
            await asyncio.sleep(0.05)
        written = await writer
    finally:
        await central.close()
        await worker.stop()
    return {
        "rows_per_s_offered": rate,
        "rows_written": written,
        "poll_ms": settings.index.poll_s * 1000,
        "router_lag_ms": _percentiles(lags),
        "row_visible_ms": _percentiles(visible),
    }


async def _write_load(
    settings: Settings, rate: int, seconds: float, central: asyncpg.Connection, visible: list[float]
) -> int:
    """``rate`` rows per second in batches of 10 per transaction; every 20th batch is timed until
    its subject is in the index."""
    conn = await asyncpg.connect(_js_dsn(settings))
    watcher = await asyncpg.connect(settings.central.dsn)
    written, batch, period = 0, 10, 10 / rate
    deadline = time.perf_counter() + seconds
    probes: list[asyncio.Task[None]] = []
    try:
        tick = time.perf_counter()
        while time.perf_counter() < deadline:
            rows = _rows(batch)
            async with conn.transaction():
                await _insert(conn, rows)
            committed = time.perf_counter()
            written += batch
            if (written // batch) % 20 == 0:
                probes.append(asyncio.create_task(_until_indexed(watcher, rows[0][0], committed, visible)))
            tick += period
            await asyncio.sleep(max(0.0, tick - time.perf_counter()))
        await asyncio.gather(*probes)
    finally:
        await conn.close()
        await watcher.close()
    return written


_watch_lock = asyncio.Lock()


async def _until_indexed(watcher: asyncpg.Connection, uscc: str, committed: float, visible: list[float]) -> None:
    while True:
        async with _watch_lock:  # one connection, one statement at a time
            found = await watcher.fetchval(
                "SELECT 1 FROM central.presence WHERE subject_kind = 'enterprise' AND subject_key = $1", uscc
            )
        if found:
            visible.append((time.perf_counter() - committed) * 1000)
            return
        await asyncio.sleep(0.005)


async def _reads(settings: Settings, reads: int) -> dict[str, Any]:
    uscc = await _sample_enterprise(settings)
    fresh = dataclasses.replace(settings, index=SyncSettings(poll_s=0.2))
    stale = dataclasses.replace(settings, index=SyncSettings(enabled=False, max_lag_s=0.000001))
    return {
        "fresh": await _read_latency(fresh, uscc, reads),
        "stale_broadcast": await _read_latency(stale, uscc, reads),
    }


async def _sample_enterprise(settings: Settings, registered: str = "9132") -> str:
    """An enterprise in Jiangsu's database whose USCC starts with ``registered`` (by default one
    registered in Jiangsu: its home province is named by the code itself)."""
    conn = await asyncpg.connect(_js_dsn(settings))
    try:
        return await conn.fetchval(
            "SELECT uscc FROM exchange.enterprise WHERE uscc_valid AND uscc LIKE $1 ORDER BY uscc LIMIT 1",
            registered + "%",
        )
    finally:
        await conn.close()


async def _read_latency(settings: Settings, uscc: str, reads: int) -> dict[str, Any]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await asyncio.sleep(0.5)  # the sync worker (fresh mode) takes the lead
            latencies, statements = [], {}
            for i in range(reads + 50):
                started = time.perf_counter()
                body = (await client.post("/graphql", json={"query": QUERY, "variables": {"u": uscc}})).json()
                if i >= 50:  # warm-up
                    latencies.append((time.perf_counter() - started) * 1000)
                statements = {s["source"]: s["statements"] for s in body["extensions"]["sources"]}
    return {"ms": _percentiles(latencies), "statements": statements}


def _percentiles(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"n": len(values), "p50": round(statistics.median(ordered), 2), "p95": at(0.95), "p99": at(0.99)}


def _print(results: dict[str, Any]) -> None:
    t, load, reads = results["throughput"], results["lag_under_load"], results["reads"]
    print(f"sync throughput: {t['changes']} changes in {t['seconds']} s = {t['changes_per_s']} changes/s")
    print(
        f"under {load['rows_per_s_offered']} rows/s ({load['rows_written']} written, poll {load['poll_ms']:g} ms):"
        f" router lag p50 {load['router_lag_ms'].get('p50')} / p99 {load['router_lag_ms'].get('p99')} ms;"
        f" row visible in index p50 {load['row_visible_ms'].get('p50')} / p99 {load['row_visible_ms'].get('p99')} ms"
    )
    for mode, data in reads.items():
        print(
            f"enterprise(uscc:) {mode}: p50 {data['ms'].get('p50')} / p95 {data['ms'].get('p95')} ms,"
            f" statements {data['statements']}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
