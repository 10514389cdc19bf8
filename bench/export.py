"""``python -m bench.export``: the data package's throughput and memory on the bench data.

Every credit record a Jiangsu regulator may see (about 74k rows at scale 5: every published and
revoked record of the three provinces and Jiangsu's drafts) is exported through a served gateway
(``GET /export/credit-records``) as NDJSON, as CSV and as gzip-compressed NDJSON, and each package
is verified as a provincial system would (sha256 of the body, row count, ``complete``).  The
gateway process's RSS is sampled throughout: at the start, the peak and the end of each export,
for a small export (about a tenth of the rows) and for the largest, so that growth with the row
count would show.  The floor, measured in the same run, reads the same rows with the same keyset
statements straight from the three databases with asyncpg (pages in parallel, no merge, no
encoding, no HTTP).  Writes ``bench/results/export-latest.json``.

The databases are the bench's (``bench.stack``: ``.bench/``, seeded once at scale 5 and reused);
they are stopped at the end only when this run started them (another benchmark may be using them).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench import stack
from bench.floor import PoolSource, floor_pool
from bench.server import running_gateway
from gateway.auth import issue_token
from gateway.export import endpoint
from gateway.settings import Settings, render_toml
from resolvers.identity import Identity
from sources import province_queries as q

RESULTS = Path(__file__).parent / "results" / "export-latest.json"
PROVINCE = "320000"
SMALL_FROM_DAYS = 365  # the small export: records decided in the last year (about a tenth)


@dataclass
class Run:
    """One export through the gateway: what arrived and what the gateway's memory did meanwhile."""

    name: str
    rows: int
    bytes_received: int
    body_bytes: int
    seconds: float
    rss_start_mb: float
    rss_peak_mb: float
    rss_end_mb: float
    complete: bool

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=5.0, help="seed scale (as bench.run)")
    parser.add_argument("--data-dir", type=Path, default=stack.BENCH_DIR, help="where the databases live")
    args = parser.parse_args(argv)
    root = args.data_dir.resolve()
    already_running = all((root / name / "postmaster.pid").exists() for name in stack.SERVERS)
    cluster = stack.start(root)
    try:
        settings = stack.bench_settings(cluster)
        _say(f"preparing data (scale {args.scale:g}; seeded once, then reused)")
        state, _ = asyncio.run(stack.prepare(settings, root, args.scale, reseed=False))
        config = root / "export-gateway.toml"
        config.write_text(render_toml(settings), encoding="utf-8")
        with running_gateway(config, root / "export-gateway.log") as url:
            runs, floor = asyncio.run(_bench(settings, url, date.fromisoformat(state.anchor)))
    finally:
        if not already_running:
            cluster.stop_all()
    _report(runs, floor, state.scale)
    return 0


async def _bench(settings: Settings, url: str, anchor: date) -> tuple[list[Run], dict[str, Any]]:
    pid = _gateway_pid(url)
    token = issue_token(settings.auth, subject="bench-export", roles=["regulator"], province=PROVINCE,
                        org="bench", ttl_s=3600)
    headers = {"Authorization": f"Bearer {token}"}
    small = {"decidedFrom": date.fromordinal(anchor.toordinal() - SMALL_FROM_DAYS).isoformat()}
    runs = []
    async with httpx.AsyncClient(base_url=url, timeout=600, headers=headers) as client:
        await _export(client, pid, "warm-up (small)", {**small, "format": "ndjson"}, gzip=False)
        runs.append(await _export(client, pid, "ndjson, small", {**small, "format": "ndjson"}, gzip=False))
        runs.append(await _export(client, pid, "ndjson, every record", {"format": "ndjson"}, gzip=False))
        runs.append(await _export(client, pid, "csv, every record", {"format": "csv"}, gzip=False))
        runs.append(await _export(client, pid, "ndjson+gzip, every record", {"format": "ndjson"}, gzip=True))
    floor = await _floor(settings, anchor)
    for run in runs[1:]:
        if run.rows != floor["rows"] or not run.complete:
            raise SystemExit(f"{run.name}: {run.rows} rows (complete={run.complete}), the floor read {floor['rows']}")
    return runs, floor


async def _export(client: httpx.AsyncClient, pid: int, name: str, params: dict[str, str], *, gzip: bool) -> Run:
    _say(f"export: {name}")
    encoding = {"Accept-Encoding": "gzip" if gzip else "identity"}
    with _sampling(pid) as samples:
        start_rss = samples[-1]
        started = time.perf_counter()
        received, digest, body_bytes, last_line = await _receive(client, params, encoding, gzip=gzip)
        seconds = time.perf_counter() - started
    manifest = json.loads(last_line.lstrip(b"#"))["manifest"]
    if manifest["sha256"] != digest or manifest["bytes"] != body_bytes:
        raise SystemExit(f"{name}: the package does not verify against its manifest")
    return Run(name, manifest["rows"], received, body_bytes, seconds, _mb(start_rss), _mb(max(samples)),
               _mb(samples[-1]), manifest["complete"])


async def _receive(
    client: httpx.AsyncClient, params: dict[str, str], headers: dict[str, str], *, gzip: bool
) -> tuple[int, str, int, bytes]:
    """Stream one package: bytes on the wire, sha256 and size of the body before its last line,
    and the last line (the manifest).  Nothing is held but the line in progress."""
    digest, size, received, pending = hashlib.sha256(), 0, 0, b""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
    async with client.stream("GET", "/export/credit-records", params=params, headers=headers) as response:
        if response.status_code != 200:
            raise SystemExit(f"export failed: HTTP {response.status_code}: {(await response.aread())[:300]!r}")
        async for chunk in response.aiter_raw():
            received += len(chunk)
            data = pending + (decoder.decompress(chunk) if decoder else chunk)
            cut = data.rfind(b"\n", 0, len(data) - 1) + 1  # keep the last (maybe final) line back
            digest.update(data[:cut])
            size += cut
            pending = data[cut:]
    return received, digest.hexdigest(), size, pending.strip()


async def _floor(settings: Settings, anchor: date) -> dict[str, Any]:
    """The same keyset statements, page after page, straight from each database with asyncpg."""
    _say("floor: the same rows read directly with asyncpg")
    identity = Identity(subject="bench-export", roles=frozenset({"regulator"}), province=PROVINCE)
    visibility = identity.record_visibility(anchor)
    pools = {p.code: floor_pool(p.source) for p in settings.provinces}
    try:
        started = time.perf_counter()
        counts = await asyncio.gather(*(
            _read_all(PoolSource(code, pool, Counter()), visibility) for code, pool in pools.items()
        ))
        seconds = time.perf_counter() - started
    finally:
        await asyncio.gather(*(pool.close() for pool in pools.values()))
    rows = sum(counts)
    return {"rows": rows, "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds)}


async def _read_all(source: PoolSource, visibility: q.Visibility) -> int:
    total, after = 0, None
    while True:
        page = await q.credit_record_page(source, after=after, inclusive=False, limit=endpoint.PAGE_ROWS,
                                          filter=q.CreditFilter(), visibility=visibility)
        total += len(page)
        if len(page) < endpoint.PAGE_ROWS:
            return total
        after = (page[-1].decision_date, page[-1].record_number)


@contextmanager
def _sampling(pid: int, every_s: float = 0.05) -> Iterator[list[int]]:
    """The process's RSS in bytes, sampled from a thread while the block runs (first sample taken
    before the block starts, last one after it ends)."""
    process = psutil.Process(pid)
    samples = [process.memory_info().rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every_s):
            samples.append(process.memory_info().rss)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join()
        time.sleep(every_s)
        samples.append(process.memory_info().rss)


def _gateway_pid(url: str) -> int:
    """The served gateway: this process's child running ``gateway.cli serve`` on the URL's port."""
    port = url.rsplit(":", 1)[1]
    for child in psutil.Process().children(recursive=True):
        command = child.cmdline()
        if "gateway.cli" in command and port in command:
            return child.pid
    raise SystemExit("the gateway process was not found")


def _mb(rss: int) -> float:
    return round(rss / 2**20, 1)


def _report(runs: list[Run], floor: dict[str, Any], scale: float) -> None:
    print()
    print(f"{'export (regulator of 320000)':32} {'rows':>7} {'s':>6} {'rows/s':>8} {'MB sent':>8}"
          f" {'RSS start':>9} {'peak':>6} {'end':>6}")
    for run in runs:
        print(f"{run.name:32} {run.rows:7d} {run.seconds:6.2f} {run.rows_per_s:8.0f} {run.bytes_received / 2**20:8.1f}"
              f" {run.rss_start_mb:9.1f} {run.rss_peak_mb:6.1f} {run.rss_end_mb:6.1f}")
    print(f"{'floor (asyncpg, same pages)':32} {floor['rows']:7d} {floor['seconds']:6.2f} {floor['rows_per_s']:8d}")
    small, largest = runs[0], runs[1]
    growth_small = small.rss_peak_mb - small.rss_start_mb
    growth_largest = largest.rss_peak_mb - largest.rss_start_mb
    print(f"\nRSS growth during the export: {growth_small:.1f} MB for {small.rows} rows,"
          f" {growth_largest:.1f} MB for {largest.rows} rows ({largest.rows / max(small.rows, 1):.1f}x the rows)")
    print(f"gateway/floor time for every record: {largest.seconds / floor['seconds']:.1f}x")
    result = {
        "scale": scale, "page_rows": endpoint.PAGE_ROWS, "chunk_bytes": endpoint.CHUNK_BYTES,
        "runs": [{**asdict(run), "rows_per_s": round(run.rows_per_s)} for run in runs],
        "floor": floor,
        "rss_growth_mb": {"small": round(growth_small, 1), "largest": round(growth_largest, 1)},
    }
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


def _say(message: str) -> None:
    print(f"[bench.export] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
