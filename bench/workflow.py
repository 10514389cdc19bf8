"""``python -m bench.workflow``: how many credit records the write path takes through
create → submit → review → publish per second.

On databases of its own (``wfbench`` beside the main benchmark's, on the same embedded servers),
seeded at a small scale, it runs the cycle through the gateway (in-process ASGI: the GraphQL
mutations, their checks, their transactions) and, as the floor measured in the same run, the same
statements sent straight with asyncpg: the subject and behaviour-code reads, then the four
transactions of ``sources.workflow_queries`` (receipt, actor settings, write, history trigger).
Each at 1 and at 8 concurrent writers.  Writes ``bench/results/workflow-latest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx

from bench import stack
from domain.clock import china_today
from gateway.app import create_app
from gateway.auth import issue_token
from gateway.operations import migrate_all, province_databases, seed_all
from gateway.settings import Settings
from sources import workflow_queries as wq
from sources.embedded import EmbeddedCluster, create_database

DATABASE = "wfbench"
JS = "320000"
RESULTS = Path("bench/results/workflow-latest.json")
T = TypeVar("T")
CHANGE = "recordNumber status version"
CREATE = f"""mutation($i: CreditRecordInput!, $k: String!) {{
  createCreditRecord(input: $i, clientKey: $k) {{ {CHANGE} }} }}"""
SUBMIT = f"""mutation($n: String!, $v: Int!, $k: String!) {{
  submitCreditRecord(recordNumber: $n, expectedVersion: $v, clientKey: $k) {{ {CHANGE} }} }}"""
APPROVE = f"""mutation($n: String!, $v: Int!, $k: String!) {{
  reviewCreditRecord(recordNumber: $n, expectedVersion: $v, decision: APPROVE, clientKey: $k) {{ {CHANGE} }} }}"""
PUBLISH = f"""mutation($n: String!, $v: Int!, $k: String!) {{
  publishCreditRecord(recordNumber: $n, expectedVersion: $v, clientKey: $k) {{ {CHANGE} }} }}"""


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
    parser = argparse.ArgumentParser(prog="python -m bench.workflow", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=stack.BENCH_DIR, help="where the databases live")
    parser.add_argument("--scale", type=float, default=0.2, help="seed scale of the workflow databases")
    parser.add_argument("--cycles", type=int, default=200, help="measured cycles per mode and concurrency")
    return parser


async def _run(cluster: EmbeddedCluster, args: argparse.Namespace) -> dict[str, Any]:
    settings = await _prepare(cluster, args.scale)
    subjects = await _subjects(settings)
    results: dict[str, Any] = {"meta": {"scale": args.scale, "cycles": args.cycles}}
    for concurrency in (1, 8):
        results[f"gateway_c{concurrency}"] = await _gateway(settings, subjects, args.cycles, concurrency)
        results[f"floor_c{concurrency}"] = await _floor(settings, subjects, args.cycles, concurrency)
    return results


async def _prepare(cluster: EmbeddedCluster, scale: float) -> Settings:
    for server in stack.SERVERS:
        await create_database(cluster.dsn(server), DATABASE)
    settings = _on_database(stack.bench_settings(cluster))
    await migrate_all(settings)
    if not await _seeded(settings):
        await seed_all(settings, scale=scale, seed=stack.SEED, anchor=china_today())
    return settings


def _on_database(settings: Settings) -> Settings:
    return stack.on_database(settings, DATABASE)


async def _seeded(settings: Settings) -> bool:
    conn = await asyncpg.connect(_js_dsn(settings))
    try:
        return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM exchange.enterprise)"))
    finally:
        await conn.close()


async def _subjects(settings: Settings) -> list[tuple[str, str]]:
    """Enterprises registered in Jiangsu (uscc, name): the subjects of the benchmark's records."""
    conn = await asyncpg.connect(_js_dsn(settings))
    try:
        rows = await conn.fetch(
            "SELECT uscc, name FROM exchange.enterprise WHERE uscc_valid AND uscc LIKE '9132%' ORDER BY uscc LIMIT 100"
        )
    finally:
        await conn.close()
    return [(r["uscc"], r["name"]) for r in rows]


def _draft(uscc: str) -> dict[str, Any]:
    decided = china_today() - timedelta(days=2)
    return {"subjectUscc": uscc, "polarity": "BAD", "behaviourCode": "D1-3-01", "description": "基准测试记录",
            "decisionDate": decided.isoformat(), "authority": "南京市住房和城乡建设局", "authorityLevel": "市"}


# ---- through the gateway -------------------------------------------------------------------------

async def _gateway(settings: Settings, subjects: list[tuple[str, str]], cycles: int, concurrency: int) -> dict:
    author = _bearer(settings, "regulator", "bench-author")
    reviewer = _bearer(settings, "reviewer", "bench-reviewer")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def ask(query: str, headers: dict[str, str], **variables: Any) -> dict[str, Any]:
                body = (await client.post("/graphql", json={"query": query, "variables": variables},
                                          headers=headers)).json()
                if "errors" in body:
                    raise RuntimeError(body["errors"][0]["message"])
                return next(iter(body["data"].values()))

            async def cycle(i: int) -> None:
                uscc = subjects[i % len(subjects)][0]
                record = await ask(CREATE, author, i=_draft(uscc), k=_key())
                n = record["recordNumber"]
                record = await ask(SUBMIT, author, n=n, v=record["version"], k=_key())
                record = await ask(APPROVE, reviewer, n=n, v=record["version"], k=_key())
                await ask(PUBLISH, reviewer, n=n, v=record["version"], k=_key())

            await _drive(cycle, 10, concurrency)  # warm-up
            return await _drive(cycle, cycles, concurrency)


def _bearer(settings: Settings, role: str, subject: str) -> dict[str, str]:
    token = issue_token(settings.auth, subject=subject, roles=[role], province=JS, org="基准测试", ttl_s=3600)
    return {"Authorization": f"Bearer {token}"}


# ---- the floor: the same statements, straight with asyncpg ---------------------------------------

class _Direct:
    """A pool as a source with transactions (what ``sources.workflow_queries`` needs)."""

    def __init__(self, name: str, pool: asyncpg.Pool) -> None:
        self.name = name
        self._pool = pool

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        async with self._pool.acquire() as conn:
            return await conn.fetchrow(sql, *args)

    async def transaction(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        async with self._pool.acquire() as conn, conn.transaction():
            return await work(conn)


async def _floor(settings: Settings, subjects: list[tuple[str, str]], cycles: int, concurrency: int) -> dict:
    js_pool = await asyncpg.create_pool(_js_dsn(settings), min_size=1, max_size=stack.PROVINCE_POOL)
    central_pool = await asyncpg.create_pool(settings.central.dsn, min_size=1, max_size=stack.CENTRAL_POOL)
    js, central = _Direct(JS, js_pool), _Direct("central", central_pool)
    author = wq.Actor("bench-author", "基准测试", JS, "127.0.0.1", None)
    reviewer = wq.Actor("bench-reviewer", "基准测试", JS, "127.0.0.1", None)

    async def step(actor: wq.Actor, number: str, status: str) -> None:
        async def work(conn: asyncpg.Connection) -> wq.JsonRow:
            await wq.lock_credit_record(conn, number)
            if status == "reviewed":
                await wq.authors_of(conn, number, frozenset({"create", "edit", "submit"}))
            return await wq.update_credit_record(conn, number, {"status": status}, actor.subject)

        await wq.write_once(js, actor, wq.ClientKey(_key(), status, "-"), status, None, work)

    async def cycle(i: int) -> None:
        uscc, name = subjects[i % len(subjects)]
        # The reads the gateway's checks make: the subject where it is registered, the code's dictionary.
        await js.fetchrow("SELECT name FROM exchange.enterprise WHERE uscc = $1", uscc)
        await wq.behaviour_code_category(central, "D1-3-01", JS)  # type: ignore[arg-type]
        decided = china_today() - timedelta(days=2)
        values = {"subject_kind": "enterprise", "subject_uscc": uscc, "subject_person_key": None,
                  "subject_name": name, "polarity": "bad", "behaviour_code": "D1-3-01", "description": "基准测试记录",
                  "decision_date": decided, "authority": "南京市住房和城乡建设局", "authority_level": "市",
                  "publish_from": decided, "publish_to": decided + timedelta(days=180)}
        created = await wq.write_once(js, author, wq.ClientKey(_key(), "create", "-"), "create", None,  # type: ignore[arg-type]
                                      lambda conn: wq.insert_credit_record(conn, JS, values, author.subject))
        number = created.row["record_number"]
        for actor, status in ((author, "submitted"), (reviewer, "reviewed"), (reviewer, "published")):
            await step(actor, number, status)

    try:
        await _drive(cycle, 10, concurrency)
        return await _drive(cycle, cycles, concurrency)
    finally:
        await js_pool.close()
        await central_pool.close()


# ---- driving and reporting -----------------------------------------------------------------------

async def _drive(cycle: Callable[[int], Awaitable[None]], cycles: int, concurrency: int) -> dict[str, Any]:
    todo = iter(range(cycles))
    latencies: list[float] = []

    async def worker() -> None:
        for i in todo:
            started = time.perf_counter()
            await cycle(i)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "cycles": cycles, "seconds": round(seconds, 3), "cycles_per_s": round(cycles / seconds, 1),
        "mutations_per_s": round(4 * cycles / seconds, 1),
        "cycle_ms_p50": round(statistics.median(ordered), 2),
        "cycle_ms_p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
    }


def _key() -> str:
    return str(uuid.uuid4())


def _js_dsn(settings: Settings) -> str:
    return next(p.dsn for p in province_databases(settings) if p.code == JS)


def _print(results: dict[str, Any]) -> None:
    print("create → submit → review → publish (4 mutations per cycle)")
    print(f"{'':>14} {'cycles/s':>9} {'mutations/s':>12} {'cycle p50 ms':>13} {'p95 ms':>8} {'vs floor':>9}")
    for concurrency in (1, 8):
        floor = results[f"floor_c{concurrency}"]
        for mode in ("gateway", "floor"):
            r = results[f"{mode}_c{concurrency}"]
            ratio = r["cycles_per_s"] / floor["cycles_per_s"]
            print(f"{mode + f' c={concurrency}':>14} {r['cycles_per_s']:>9} {r['mutations_per_s']:>12}"
                  f" {r['cycle_ms_p50']:>13} {r['cycle_ms_p95']:>8} {ratio:>8.0%}")


if __name__ == "__main__":
    raise SystemExit(main())
