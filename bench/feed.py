"""``python -m bench.feed``: how long a publish takes to reach subscribers of the live feed.

On databases of its own (``feedbench`` beside the main benchmark's, on the same embedded servers,
migrated, no seed needed), a gateway process (``yrd-gateway serve``) and 100 WebSocket subscribers
(graphql-transport-ws, ``recordPublished`` without a filter, as the public) in this process.  Each
round publishes one credit record by SQL straight into Jiangsu (an INSERT with status
``published``: the commit fires the trigger and the NOTIFY) and times, from just before the
statement is sent, the event's arrival at every subscriber.

The floor, measured in the same run and the same way: a plain asyncpg connection ``LISTEN``ing on
the feed's channel, timed from the same instant to the notification.  What the gateway adds on
top is its listener's read of the outbox, the fan-out, the GraphQL execution per subscriber and
the WebSocket hop.  Writes ``bench/results/feed-latest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import websockets

from bench import stack
from bench.server import running_gateway
from gateway.operations import migrate_all
from gateway.settings import Settings, render_toml, settings_from_mapping
from sources.embedded import EmbeddedCluster, create_database
from sources.feed_listener import CHANNEL

DATABASE = "feedbench"
JS = "320000"
RESULTS = Path("bench/results/feed-latest.json")
SUBSCRIBE = """subscription { recordPublished { position change province { code }
  record { recordNumber polarity publishFrom publishTo } } }"""
INSERT = """
INSERT INTO exchange.credit_record (record_number, subject_kind, subject_uscc, subject_name, polarity, behaviour_code,
    description, decision_date, authority, authority_level, publish_from, publish_to, status, created_by)
VALUES ($1, 'enterprise', '91320100MA1BENCH01', '基准测试企业', 'bad', 'D1-3-01', '基准测试', current_date,
        '测试局', '市', current_date, current_date + 365, 'published', 'bench')
"""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    root = args.data_dir.resolve()
    cluster = stack.start(root)
    try:
        results = asyncio.run(_run(cluster, root, args))
    finally:
        cluster.stop_all()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1), encoding="utf-8")
    _print(results)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.feed", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=stack.BENCH_DIR, help="where the databases live")
    parser.add_argument("--subscribers", type=int, default=100, help="WebSocket subscribers connected")
    parser.add_argument("--rounds", type=int, default=200, help="records published, one at a time")
    parser.add_argument("--interval-ms", type=float, default=100.0, help="pause between two publishes")
    parser.add_argument("--warmup", type=int, default=150, help="publishes before measuring (not counted)")
    return parser


async def _settings(cluster: EmbeddedCluster) -> Settings:
    base = stack.bench_settings(cluster)
    dsns = {name: await create_database(cluster.dsn(name), DATABASE) for name in stack.SERVERS}
    raw: dict[str, Any] = {
        "gateway": {"person_key_secret": stack.SECRET},
        "central": {"dsn": dsns["central"], "pool_size": stack.CENTRAL_POOL, "timeout_ms": 2000},
        "limits": {"public_rate_per_minute": stack.UNLIMITED_RATE, "identity_rate_per_minute": stack.UNLIMITED_RATE},
        "auth": {"secret": stack.JWT_SECRET},
        # 100 subscribers from one address: the per-caller connection cap is lifted for the run.
        "feed": {"max_connections_per_identity": 10_000},
        "provinces": [
            {"code": p.code, "short_name": p.short_name, "name": p.name, "dsn": dsns[server],
             "pool_size": stack.PROVINCE_POOL, "timeout_ms": 3000}
            for p, server in zip(base.provinces, stack.SERVERS, strict=False)
        ],
    }
    settings = settings_from_mapping(raw, {})
    await migrate_all(settings)
    return settings


async def _run(cluster: EmbeddedCluster, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    settings = await _settings(cluster)
    config = root / "feed-gateway.toml"
    config.write_text(render_toml(settings) + "\n[index]\nsync = false\n", encoding="utf-8")
    js = settings.province(JS)
    assert js is not None
    with running_gateway(config, root / "feed-gateway.log") as url:
        return await _measure(url.replace("http://", "ws://") + "/graphql", js.source.dsn, args)


async def _measure(ws_url: str, dsn: str, args: argparse.Namespace) -> dict[str, Any]:
    arrivals: dict[str, list[float]] = {}
    floor: dict[str, float] = {}
    async with contextlib.AsyncExitStack() as exits:
        sockets = [await exits.enter_async_context(_subscriber(ws_url)) for _ in range(args.subscribers)]
        readers = [asyncio.create_task(_read(s, arrivals)) for s in sockets]
        listener = await asyncpg.connect(dsn)
        exits.push_async_callback(listener.close)
        pending: list[str] = []
        await listener.add_listener(CHANNEL, lambda *_: floor.setdefault(pending.pop(0), time.perf_counter())
                                    if pending else None)
        writer = await asyncpg.connect(dsn)
        exits.push_async_callback(writer.close)
        await asyncio.sleep(1.0)  # every subscription registered with the hub
        # Warm-up, not measured: the first events import and build what the socket path needs
        # lazily, and the first young-generation collections walk it once (hundreds of ms).
        await _publish(writer, pending, "warm", args.warmup, 20.0, {}, arrivals, args.subscribers)
        sent: dict[str, float] = {}
        await _publish(writer, pending, "bench", args.rounds, args.interval_ms, sent, arrivals, args.subscribers)
        for reader in readers:
            reader.cancel()
    return _summary(sent, arrivals, floor, args)


async def _publish(writer: asyncpg.Connection, pending: list[str], tag: str, rounds: int, interval_ms: float,
                   sent: dict[str, float], arrivals: dict[str, list[float]], subscribers: int) -> None:
    """Publish ``rounds`` records one at a time, noting when each statement was sent."""
    stamp, numbers = f"{time.time_ns()}", []
    for i in range(rounds):
        number = f"BENCH-{tag}-{stamp}-{i:05d}"
        numbers.append(number)
        pending.append(number)
        sent[number] = time.perf_counter()
        await writer.execute(INSERT, number)
        await asyncio.sleep(interval_ms / 1000)
    await _drain(arrivals, dict.fromkeys(numbers, 0.0), subscribers)


@contextlib.asynccontextmanager
async def _subscriber(url: str):  # type: ignore[no-untyped-def]
    socket = await websockets.connect(url, subprotocols=["graphql-transport-ws"], max_size=2**20)
    try:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        yield socket
    finally:
        await socket.close()


async def _read(socket: Any, arrivals: dict[str, list[float]]) -> None:
    async for raw in socket:
        message = json.loads(raw)
        if message.get("type") == "next":
            number = message["payload"]["data"]["recordPublished"]["record"]["recordNumber"]
            arrivals.setdefault(number, []).append(time.perf_counter())


async def _drain(arrivals: dict[str, list[float]], sent: dict[str, float], subscribers: int) -> None:
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and any(len(arrivals.get(n, ())) < subscribers for n in sent):
        await asyncio.sleep(0.05)


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = (lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]) if ordered else (lambda q: 0.0)
    return {"p50_ms": round(pick(0.5) * 1000, 2), "p99_ms": round(pick(0.99) * 1000, 2),
            "max_ms": round(pick(1.0) * 1000, 2), "mean_ms": round(statistics.fmean(ordered) * 1000, 2)
            if ordered else 0.0, "samples": len(ordered)}


def _summary(sent: dict[str, float], arrivals: dict[str, list[float]], floor: dict[str, float],
             args: argparse.Namespace) -> dict[str, Any]:
    each = [t - sent[n] for n, times in arrivals.items() if n in sent for t in times]
    last = [max(times) - sent[n] for n, times in arrivals.items() if n in sent and len(times) == args.subscribers]
    missing = sum(args.subscribers - len(arrivals.get(n, ())) for n in sent)
    return {
        "meta": {"subscribers": args.subscribers, "rounds": args.rounds, "interval_ms": args.interval_ms,
                 "warmup": args.warmup},
        "floor_notify": _ms([floor[n] - sent[n] for n in sent if n in floor]),
        "every_delivery": _ms(each),
        "last_subscriber": _ms(last),
        "missing_deliveries": missing,
    }


def _print(results: dict[str, Any]) -> None:
    meta = results["meta"]
    print(f"live feed: {meta['subscribers']} subscribers, {meta['rounds']} publishes (SQL commit → event)")
    print(f"{'':28} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'samples':>8}")
    for key, label in (("floor_notify", "floor: LISTEN/NOTIFY"), ("every_delivery", "gateway: each subscriber"),
                       ("last_subscriber", "gateway: last of the 100")):
        row = results[key]
        print(f"{label:28} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} {row['max_ms']:8.2f} {row['samples']:8d}")
    print(f"missing deliveries: {results['missing_deliveries']}")


if __name__ == "__main__":
    raise SystemExit(main())
