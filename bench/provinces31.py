"""``python -m bench.provinces31``: does the enterprise profile stay as fast with 31 provinces as
with 3, because the index routes?

31 embedded servers would be heavy on a laptop, so the 31 provincial databases live in the three
provincial servers of ``.bench/`` (round robin; each is its own database with its own pool), plus
one central database.  The same generator at the same scale seeds 3 provinces into databases of
their own for the comparison.  The enterprise profile (qualifications, credit records, blacklist)
of enterprises registered in Jiangsu is read through the gateway (in-process ASGI) with the index
fresh; the p50 ratio is the figure (target ≤ 1.5).  Writes ``bench/results/provinces31-latest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import stack
from bench.index_sync import _percentiles
from domain.clock import china_today
from domain.divisions import PROVINCES
from gateway.app import create_app
from gateway.operations import migrate_all, seed_all
from gateway.settings import Settings, settings_from_mapping
from sources.embedded import EmbeddedCluster, create_database
from sources.index_sync import SyncSettings

RESULTS = Path("bench/results/provinces31-latest.json")
JIANGSU = "320000"
QUERY = """query($u: USCC!) { enterprise(uscc: $u) { name qualifications { certificateNumber }
    creditRecords { id } blacklist { listedOn } coverage { complete } } }"""
# The 31 province-level divisions of the mainland (GB/T 2260), Shanghai, Jiangsu and Zhejiang among them.
MAINLAND = [code for code in PROVINCES if code < "710000"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.provinces31", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=stack.BENCH_DIR)
    parser.add_argument("--scale", type=float, default=0.2)
    parser.add_argument("--reads", type=int, default=300)
    args = parser.parse_args(argv)
    cluster = stack.start(args.data_dir.resolve())
    try:
        results = asyncio.run(_run(cluster, args.scale, args.reads))
    finally:
        cluster.stop_all()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1), encoding="utf-8")
    three, thirty_one = results["provinces_3"], results["provinces_31"]
    for label, data in (("3 provinces", three), ("31 provinces", thirty_one)):
        print(
            f"{label}: enterprise profile p50 {data['ms']['p50']} / p95 {data['ms']['p95']} ms, "
            f"statements {data['statements_per_request']} per request"
        )
    print(f"p50 ratio 31/3: {results['p50_ratio']} (target ≤ 1.5)")
    return 0


async def _run(cluster: EmbeddedCluster, scale: float, reads: int) -> dict[str, Any]:
    three = await _prepare(cluster, "pv3", ["310000", JIANGSU, "330000"], scale)
    thirty_one = await _prepare(cluster, "pv31", MAINLAND, scale)
    # Each data set's own Jiangsu enterprises (the generator spreads subjects by province count).
    first = await _profile(three, await _jiangsu_enterprises(three, 20), reads)
    second = await _profile(thirty_one, await _jiangsu_enterprises(thirty_one, 20), reads)
    return {
        "provinces_3": first,
        "provinces_31": second,
        "scale": scale,
        "p50_ratio": round(second["ms"]["p50"] / first["ms"]["p50"], 2),
    }


async def _prepare(cluster: EmbeddedCluster, prefix: str, codes: list[str], scale: float) -> Settings:
    servers = [server for server in stack.SERVERS if server != "central"]
    placed = {code: servers[i % len(servers)] for i, code in enumerate(codes)}
    for code, server in placed.items():
        await create_database(cluster.dsn(server), f"{prefix}_{code}")
    await create_database(cluster.dsn("central"), f"{prefix}_central")

    def dsn(server: str, name: str) -> str:
        return cluster.dsn(server).replace("/postgres?", f"/{name}?")

    raw = {
        "gateway": {"person_key_secret": stack.SECRET},
        "central": {"dsn": dsn("central", f"{prefix}_central"), "pool_size": 4},
        "limits": {"public_rate_per_minute": stack.UNLIMITED_RATE, "identity_rate_per_minute": stack.UNLIMITED_RATE},
        "provinces": [
            {
                "code": code,
                "short_name": PROVINCES[code][1],
                "name": PROVINCES[code][0],
                "dsn": dsn(placed[code], f"{prefix}_{code}"),
                "pool_size": 2,
            }
            for code in codes
        ],
    }
    settings = settings_from_mapping(raw, {})
    await migrate_all(settings)
    await seed_all(settings, scale=scale, seed=stack.SEED, anchor=china_today())
    return settings


async def _jiangsu_enterprises(settings: Settings, limit: int) -> list[str]:
    province = settings.province(JIANGSU)
    assert province is not None
    conn = await asyncpg.connect(province.source.dsn)
    try:
        rows = await conn.fetch(
            "SELECT uscc FROM exchange.enterprise WHERE uscc_valid AND uscc LIKE '9132%' ORDER BY uscc LIMIT $1", limit
        )
    finally:
        await conn.close()
    return [r["uscc"] for r in rows]


async def _profile(settings: Settings, usccs: list[str], reads: int) -> dict[str, Any]:
    fresh = dataclasses.replace(settings, index=SyncSettings(poll_s=0.2))
    app = create_app(fresh)
    latencies: list[float] = []
    statements: list[int] = []
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://b") as client:
        await asyncio.sleep(1.0)  # the sync takes the lead and heartbeats: the index is fresh
        loop = asyncio.get_running_loop()
        for i in range(reads + 30):
            started = loop.time()
            variables = {"u": usccs[i % len(usccs)]}
            body = (await client.post("/graphql", json={"query": QUERY, "variables": variables})).json()
            if body["data"]["enterprise"] is None:
                raise RuntimeError(f"enterprise {variables['u']} not found: the comparison would measure nothing")
            if i >= 30:
                latencies.append((loop.time() - started) * 1000)
                statements.append(sum(s["statements"] for s in body["extensions"]["sources"]))
    return {"ms": _percentiles(latencies), "statements_per_request": max(statements)}


if __name__ == "__main__":
    raise SystemExit(main())
