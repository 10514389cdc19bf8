"""``python -m bench.soak --minutes 10``: the gateway's memory under steady load.

The benchmark's databases (``.bench/``, seeded as ``bench.run`` seeds them) and one served gateway
process (``bench.server``).  First the peak: requests/s with 8 concurrent workers over a mix of the
read scenarios (enterprise profile, page of 50, project detail, in turn) for ``--peak-s`` seconds.
Then ``--minutes`` of the same mix paced at ``--load`` (default 80%) of that peak, the gateway's
resident set size (``/proc/PID/status`` VmRSS) sampled every ``--every-s`` seconds.  The growth is
measured from the first sample after one minute (pools, caches and the statement cache warm) to
the last; the target is < 10%.  Writes ``bench/results/soak-latest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bench import scenarios, stack
from bench.driver import client_for
from bench.floor import Floor
from bench.samples import pick
from bench.server import running_gateway

RESULTS = Path("bench/results/soak-latest.json")
WARM_S = 60.0
CONCURRENCY = 8


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--load", type=float, default=0.8, help="fraction of the measured peak requests/s")
    parser.add_argument("--peak-s", type=float, default=20.0)
    parser.add_argument("--every-s", type=float, default=10.0)
    parser.add_argument("--data-dir", type=Path, default=stack.BENCH_DIR)
    args = parser.parse_args(argv)
    root = args.data_dir.resolve()
    cluster = stack.start(root)
    try:
        settings = stack.bench_settings(cluster)
        state, _ = asyncio.run(stack.prepare(settings, root, 5.0, reseed=False))
        config = stack.write_config(settings, root)
        with running_gateway(config, root / "gateway-soak.log") as url:
            results = asyncio.run(_soak(settings, state, url, args))
    finally:
        cluster.stop_all()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"peak {results['peak_rps']} requests/s; paced at {results['target_rps']} requests/s "
          f"(achieved {results['achieved_rps']}) for {results['minutes']} min, {results['requests']} requests, "
          f"{results['errors']} errors")
    print(f"RSS {results['rss_mb']['after_warmup']} MB after {WARM_S:g} s → {results['rss_mb']['end']} MB at the end "
          f"(max {results['rss_mb']['max']} MB): growth {results['growth_pct']} %")
    return 0


async def _soak(settings: Any, state: stack.SeedState, url: str, args: argparse.Namespace) -> dict[str, Any]:
    floor = await Floor.open(settings)
    try:
        samples = await pick(floor, state.showcase, 24, stack.SEED, settings.person_key_secret)
    finally:
        await floor.close()
    mix = scenarios.build(samples.usccs, samples.pages, samples.projects)
    async with client_for(url, CONCURRENCY) as client:
        pid = (await client.get("/livez")).json()["pid"]
        counter = _Counter()
        peak_started = time.monotonic()
        await _run(client, mix, counter, until=peak_started + args.peak_s, interval=None)
        peak = counter.done / (time.monotonic() - peak_started)
        target = peak * args.load
        counter = _Counter()
        started = time.monotonic()
        until = started + args.minutes * 60
        samples_mb: list[tuple[float, float]] = []
        sampler = asyncio.create_task(_sample(pid, samples_mb, started, args.every_s, until))
        await _run(client, mix, counter, until=until, interval=CONCURRENCY / target)
        await sampler
    elapsed = time.monotonic() - started
    warm = [mb for at, mb in samples_mb if at >= WARM_S] or [mb for _, mb in samples_mb]
    return {
        "minutes": args.minutes, "peak_rps": round(peak, 1), "target_rps": round(target, 1),
        "achieved_rps": round(counter.done / elapsed, 1), "requests": counter.done, "errors": counter.errors,
        "rss_mb": {"after_warmup": warm[0], "end": warm[-1], "max": max(warm), "min": min(warm)},
        "growth_pct": round((warm[-1] - warm[0]) / warm[0] * 100, 1),
        "samples": [{"s": round(at), "rss_mb": mb} for at, mb in samples_mb],
    }


class _Counter:
    def __init__(self) -> None:
        self.done = 0
        self.errors = 0


async def _run(
    client: httpx.AsyncClient, mix: list[scenarios.Scenario], counter: _Counter, *, until: float,
    interval: float | None,
) -> None:
    """``CONCURRENCY`` workers over the mix; each paced to one request per ``interval`` seconds
    (None: as fast as the gateway answers)."""

    async def worker(offset: int) -> None:
        index = offset
        next_at = time.monotonic()
        while time.monotonic() < until:
            scenario = mix[index % len(mix)]
            body = {"query": scenario.query, "variables": scenario.variables(index)}
            response = await client.post("/graphql", json=body)
            counter.done += 1
            if response.status_code != 200 or b'"errors":' in response.content:
                counter.errors += 1
            index += CONCURRENCY
            if interval is not None:
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    await asyncio.gather(*(worker(i) for i in range(CONCURRENCY)))


async def _sample(pid: int, out: list[tuple[float, float]], started: float, every_s: float, until: float) -> None:
    while time.monotonic() < until:
        out.append((time.monotonic() - started, _rss_mb(pid)))
        await asyncio.sleep(every_s)
    out.append((time.monotonic() - started, _rss_mb(pid)))


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for process {pid}")


if __name__ == "__main__":
    raise SystemExit(main())
