"""``python -m bench.scale`` (``make bench-scale``): the read path on one province at DOMAIN §7 scale.

Two copies of the benchmark's demo data sit side by side on the four embedded servers under
``.bench-scale/``: database ``s5`` at scale 5 and database ``big``, the same data with Jiangsu
(320000) grown to 100,000 enterprises and 2,000,000 credit records (synthetic rows in SQL, about
20 records per added enterprise, published and in their window; triggers off while loading, then
the presence index rebuilt the production way, by reconcile).  ``big`` starts as a template copy
of ``s5``, so the two differ only by the added rows.

For each database the gateway (in process, its index sync running) answers the enterprise profile
(``bench.scenarios.ENTERPRISE_CREDIT``, 24 enterprises registered in Jiangsu, the same at both
scales) and the first page of 50 with qualifications and credit records
(``bench.scenarios.ENTERPRISE_PAGE``) one request at a time; the p50 ratio big/s5 is the result
(target ≤ 1.5).  ``EXPLAIN (ANALYZE)`` of the statements the gateway sends to Jiangsu's big database
is written beside it, and any sequential scan of a big table is reported.

The first run seeds and grows the data (a few minutes on two cores, see the README); later runs
reuse it and take about a minute.  Writes ``bench/results/scale-latest.json`` and
``bench/results/scale-plans.txt``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import scenarios, stack
from bench.index_sync import _percentiles
from domain.clock import china_today
from domain.identifiers import org_code_check_char, uscc_check_char
from gateway.app import create_app
from gateway.operations import migrate_all, reconcile_all, seed_all
from gateway.settings import Settings
from sources import province_queries as q
from sources.embedded import EmbeddedCluster, create_database
from sources.index_sync import SyncSettings

ROOT = Path(".bench-scale")
RESULTS = Path("bench/results/scale-latest.json")
PLANS = Path("bench/results/scale-plans.txt")
BASE, BIG = "s5", "big"
PROVINCE = "320000"
SERVER = "js"
ENTERPRISES = 100_000
CREDIT_RECORDS = 2_000_000
BIG_TABLES = ("enterprise", "credit_record", "qualification_certificate", "blacklist_entry", "registration",
              "project_party", "qualification_item")
PROFILES = 24


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT)
    parser.add_argument("--reads", type=int, default=200, help="measured requests per question and scale")
    args = parser.parse_args(argv)
    started = time.monotonic()
    cluster = stack.start(args.data_dir.resolve())
    try:
        results = asyncio.run(_run(cluster, args.data_dir.resolve(), args.reads))
    finally:
        cluster.stop_all()
    results["runtime_s"] = round(time.monotonic() - started, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    for name, row in results["questions"].items():
        print(f"{name}: p50 {row[BASE]['p50']} ms at scale 5, {row[BIG]['p50']} ms at §7 scale: ratio {row['ratio']}")
    print(f"Jiangsu big: {results['rows']}")
    print(f"sequential scans of big tables in the plans: {results['seq_scans'] or 'none'} (plans: {PLANS})")
    print(f"prepared in {results['prepare_s']} s, whole run {results['runtime_s']} s")
    return 0


async def _run(cluster: EmbeddedCluster, root: Path, reads: int) -> dict[str, Any]:
    prepare_started = time.monotonic()
    base, big = await _prepare(cluster, root)
    prepare_s = round(time.monotonic() - prepare_started, 1)
    usccs = await _profile_keys(base)
    questions: dict[str, dict[str, Any]] = {}
    for name, query, variants in (
        ("enterprise_profile", scenarios.ENTERPRISE_CREDIT, [{"uscc": u} for u in usccs]),
        ("first_page_50", scenarios.ENTERPRISE_PAGE, [{"first": scenarios.PAGE_SIZE}]),
    ):
        row = {label: await _measure(db, query, variants, reads) for label, db in ((BASE, base), (BIG, big))}
        row["ratio"] = round(row[BIG]["p50"] / row[BASE]["p50"], 2)
        questions[name] = row
    plans, seq_scans = await _plans(big, usccs[0])
    PLANS.write_text(plans, encoding="utf-8")
    return {
        "date": china_today().isoformat(), "province": PROVINCE, "rows": await _counts(big),
        "questions": questions, "seq_scans": seq_scans, "prepare_s": prepare_s,
    }


# ---- data ---------------------------------------------------------------------------------------

def _on(settings: Settings, database: str) -> Settings:
    def moved(config: Any) -> Any:
        return dataclasses.replace(config, dsn=config.dsn.replace("/postgres?", f"/{database}?"))

    provinces = tuple(dataclasses.replace(p, source=moved(p.source)) for p in settings.provinces)
    # A fast poll: the index must be fresh for routing soon after the gateway starts.
    return dataclasses.replace(settings, central=moved(settings.central), provinces=provinces,
                               index=SyncSettings(poll_s=0.2))


async def _prepare(cluster: EmbeddedCluster, root: Path) -> tuple[Settings, Settings]:
    """``s5`` seeded once, ``big`` copied from it once and grown; both reused by later runs."""
    settings = stack.bench_settings(cluster)
    base, big = _on(settings, BASE), _on(settings, BIG)
    marker = root / "prepared.json"
    if marker.exists() and json.loads(marker.read_text())["generator"] == stack.generator_version():
        # Reused data, the code's schema: a migration added since they were seeded is applied here.
        await migrate_all(base)
        await migrate_all(big)
        return base, big
    servers = stack.SERVERS
    for server in servers:
        await _drop(cluster.dsn(server), BIG)
        await create_database(cluster.dsn(server), BASE)
    _say("seeding s5 (the benchmark's demo data at scale 5)")
    await migrate_all(base)
    await seed_all(base, scale=5.0, seed=stack.SEED, anchor=china_today())
    for server in servers:  # a template copy: big differs from s5 only by what _grow adds
        conn = await asyncpg.connect(cluster.dsn(server))
        try:
            await conn.execute(f'CREATE DATABASE "{BIG}" TEMPLATE "{BASE}"')
        finally:
            await conn.close()
    _say(f"growing {PROVINCE} in big to {ENTERPRISES:,} enterprises and {CREDIT_RECORDS:,} credit records")
    await _grow(big.province(PROVINCE).source.dsn)
    _say("rebuilding the presence index of the grown province (reconcile)")
    await reconcile_all(big, PROVINCE)
    marker.write_text(json.dumps({"generator": stack.generator_version()}), encoding="utf-8")
    return base, big


async def _drop(server_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _synthetic_usccs(count: int) -> list[str]:
    """Valid USCCs of enterprises registered in Nanjing (320100), disjoint from the seeded ones
    (organisation-code bodies starting with ``Y`` are not used by the demo generator)."""
    out = []
    for n in range(count):
        body = f"Y{n:07d}"
        first17 = f"91320100{body}{org_code_check_char(body)}"
        out.append(first17 + uscc_check_char(first17))
    return out


async def _grow(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET session_replication_role = replica")  # no change-log rows: reconcile follows
        have = await conn.fetchval("SELECT count(*) FROM exchange.enterprise")
        usccs = _synthetic_usccs(max(0, ENTERPRISES - have))
        rows = [(u, True, f"合成建设工程有限公司{i:06d}", f"法人{i % 997:03d}", "320100", f"南京市合成路{i}号")
                for i, u in enumerate(usccs)]
        await conn.copy_records_to_table(
            "enterprise", schema_name="exchange", records=rows,
            columns=["uscc", "uscc_valid", "name", "legal_representative", "registered_division", "address"],
        )
        records = await conn.fetchval("SELECT count(*) FROM exchange.credit_record")
        per = max(1, -(-(CREDIT_RECORDS - records) // max(1, len(usccs))))
        await conn.execute(
            """INSERT INTO exchange.credit_record
                 (record_number, subject_kind, subject_uscc, subject_name, polarity, behaviour_code, description,
                  decision_date, authority, authority_level, publish_from, publish_to, status, created_by, fine)
               SELECT 'SYN-' || e.uscc || '-' || g, 'enterprise', e.uscc, e.name,
                      CASE WHEN g % 4 = 0 THEN 'bad' ELSE 'good' END,
                      CASE WHEN g % 4 = 0 THEN 'D1-1-01' ELSE 'G1-1-01' END,
                      '合成记录', current_date - ((g * 53 + length(e.uscc)) % 1500), '南京市住房和城乡建设局', '市',
                      current_date - 30, current_date + 700, 'published', 'bench', CASE WHEN g % 4 = 0 THEN 5000 END
                 FROM exchange.enterprise e CROSS JOIN generate_series(1, $1::int) AS g
                WHERE e.uscc LIKE '91320100Y%'
                LIMIT $2""",
            per, CREDIT_RECORDS - records,
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def _counts(settings: Settings) -> dict[str, int]:
    conn = await asyncpg.connect(settings.province(PROVINCE).source.dsn)
    try:
        return {t: await conn.fetchval(f"SELECT count(*) FROM exchange.{t}") for t in ("enterprise", "credit_record")}
    finally:
        await conn.close()


async def _profile_keys(settings: Settings) -> list[str]:
    """Enterprises registered in Jiangsu with credit records there (the same keys at both scales)."""
    conn = await asyncpg.connect(settings.province(PROVINCE).source.dsn)
    try:
        rows = await conn.fetch(
            """SELECT e.uscc FROM exchange.enterprise e
                WHERE e.uscc_valid AND e.uscc LIKE '9132%'
                  AND EXISTS (SELECT 1 FROM exchange.credit_record r WHERE r.subject_uscc = e.uscc)
                ORDER BY e.uscc LIMIT $1""", PROFILES,
        )
        return [r["uscc"] for r in rows]
    finally:
        await conn.close()


# ---- measurement --------------------------------------------------------------------------------

async def _measure(settings: Settings, query: str, variants: list[dict[str, Any]], reads: int) -> dict[str, Any]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    latencies: list[float] = []
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://b") as client:
        await asyncio.sleep(1.5)  # the sync leads and heartbeats: the index is fresh for routing
        for i in range(reads + 20):
            started = time.perf_counter()
            response = await client.post("/graphql", json={"query": query, "variables": variants[i % len(variants)]})
            elapsed = (time.perf_counter() - started) * 1000
            body = response.json()
            if "errors" in body or any(v is None for v in body["data"].values()):
                raise RuntimeError(f"the measured request failed: {str(body)[:300]}")
            if i >= 20:  # pools and caches warm
                latencies.append(elapsed)
    return _percentiles(latencies)


async def _plans(settings: Settings, uscc: str) -> tuple[str, list[str]]:
    """EXPLAIN ANALYZE of what the gateway sends Jiangsu for the two questions, and the big tables
    any plan reads with a sequential scan."""
    conn = await asyncpg.connect(settings.province(PROVINCE).source.dsn)
    visibility = q.Visibility(public_on=china_today())
    try:
        page_args = (None, scenarios.PAGE_SIZE + 1, None, None, None)
        shown = [row["uscc"] for row in await conn.fetch(q.ENTERPRISE_PAGE_SQL, *page_args)][: scenarios.PAGE_SIZE]
        lists = q.enterprises_with((q.QUALIFICATIONS_BY_USCC.name, q.CREDIT_RECORDS_BY_USCC.name), with_row=False)
        profile = q.enterprises_with((q.CREDIT_RECORDS_BY_USCC.name,))
        statements = [
            ("enterprise profile: the enterprise with its credit records", profile.sql,
             ([uscc], *visibility.args(PROVINCE))),
            ("first page: the keyset page", q.ENTERPRISE_PAGE_SQL, page_args),
            ("first page: qualifications and credit records of the page", lists.sql,
             (shown, *visibility.args(PROVINCE))),
        ]
        out, scans = [], set()
        for title, sql, args in statements:
            rows = await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) {sql}", *args)
            plan = "\n".join(r[0] for r in rows)
            scans |= {t for t in BIG_TABLES if re.search(rf"Seq Scan on {t}\b", plan)}
            out.append(f"== {title}\n{sql}\n\n{plan}\n")
        return "\n".join(out), sorted(scans)
    finally:
        await conn.close()


def _say(message: str) -> None:
    print(f"[bench-scale] {message}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
