"""``python -m bench.run``: the gateway against its floor on seeded data.

Starts (or reuses) the embedded databases under ``.bench/``, seeds them only when empty or seeded
at another scale, serves the gateway in a subprocess, then for each scenario: one checked pass
over every variant (statement counts must match the floor's), the gateway under load, the floor
under the same load. Prints a table and writes ``bench/results/latest.json`` and
``latest-meta.json``. The gateway and the databases are stopped at the end, on errors and on
Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import crosscheck, report, scenarios, stack
from bench.driver import Stats, client_for, floor_call, gateway_call, measure
from bench.floor import Floor
from bench.lean_http import LeanClient
from bench.samples import Samples, pick
from bench.server import running_gateway
from bench.verify import StatementCheck, check
from domain.clock import china_today
from gateway.auth import issue_token
from gateway.settings import Settings
from resolvers.identity import Identity
from sources.embedded import EmbeddedCluster

REGULATOR_SUFFIX = "@regulator"
REGULATOR_PROVINCE = "320000"
_REGULATOR_VISIBILITY = Identity(
    subject="bench-regulator", roles=frozenset({"regulator"}), province=REGULATOR_PROVINCE
).record_visibility(china_today())


@dataclass
class Outcome:
    """Everything one run measured."""

    results: dict[str, dict[str, Stats]]
    checks: dict[str, StatementCheck]
    samples: Samples


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops as cleanly as Ctrl-C
    started = time.monotonic()
    root = args.data_dir.resolve()
    _say(f"starting embedded databases under {root}")
    cluster = stack.start(root)
    try:
        return _run(args, cluster, root, started)
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    finally:
        _say("stopping the databases")
        cluster.stop_all()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=5.0, help="seed scale (1.0 ≈ 1000 enterprises per province)")
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per scenario and side")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent workers")
    parser.add_argument("--warmup", type=int, default=None, help="unmeasured requests (default: requests/10, ≤100)")
    parser.add_argument("--variants", type=int, default=24, help="distinct keys/pages each scenario rotates through")
    parser.add_argument("--reseed", action="store_true", help="seed again even if the data is current")
    parser.add_argument("--data-dir", type=Path, default=stack.BENCH_DIR, help="where the databases live")
    parser.add_argument("--workers", type=int, default=1, help="gateway processes (yrd-gateway serve --workers)")
    parser.add_argument("--client", choices=("lean", "httpx"), default="lean",
                        help="the measured requests' client: lean (bench.lean_http, as wrk would: the client's own"
                             " CPU is not timed as gateway latency) or httpx (as earlier runs measured)")
    parser.add_argument(
        "--roles", default="public,regulator",
        help="callers to measure the gateway as: public (no token) and/or regulator (a Jiangsu regulator's"
             " bearer token: authentication, more visible rows, audit trail); regulator rows are named"
             f" <scenario>{REGULATOR_SUFFIX}, against a floor that reads the rows a regulator may see",
    )
    return parser


def _run(args: argparse.Namespace, cluster: EmbeddedCluster, root: Path, started: float) -> int:
    settings = stack.bench_settings(cluster)
    _say(f"preparing data (scale {args.scale:g}; seeded once, then reused)")
    state, seeded = asyncio.run(stack.prepare(settings, root, args.scale, reseed=args.reseed))
    config = stack.write_config(settings, root)
    with running_gateway(config, root / "gateway.log", args.workers) as url:
        outcome = asyncio.run(_bench(settings, url, state, args))
    meta = _meta(args, state, seeded, outcome, time.monotonic() - started)
    path = report.write(outcome.results, meta)
    print()
    print(report.table(outcome.results))
    print()
    print(report.statements_lines(meta["statements"]))
    print(f"\nwrote {path} and latest-meta.json in {meta['runtime_s']:.0f} s")
    return 0


async def _bench(settings: Settings, url: str, state: stack.SeedState, args: argparse.Namespace) -> Outcome:
    roles = {r.strip() for r in args.roles.split(",") if r.strip()}
    floor = await Floor.open(settings)
    try:
        measured: Callable[..., Any] = LeanClient if args.client == "lean" else client_for
        async with client_for(url, args.concurrency) as client, \
                measured(url, args.concurrency) as public, \
                measured(url, args.concurrency, _regulator_headers(settings)) as regulator:
            samples = await pick(floor, state.showcase, args.variants, stack.SEED, settings.person_key_secret)
            outcome = Outcome({}, {}, samples)
            for scenario in [
                *scenarios.build(samples.usccs, samples.pages, samples.projects),
                *crosscheck.build(samples.crosscheck, settings.person_key_secret),
            ]:
                _say(f"{scenario.name}: checking statements over {len(scenario.variants)} variants")
                outcome.checks[scenario.name] = await check(client, floor, scenario)
                load = {"requests": args.requests, "concurrency": args.concurrency, "warmup": _warmup(args)}
                _say(f"{scenario.name}: floor")
                floor_stats = await measure(floor_call(floor, scenario), **load)
                if "public" in roles:
                    _say(f"{scenario.name}: gateway, {args.requests} requests × {args.concurrency} workers")
                    gateway = await measure(gateway_call(public, scenario), **load)
                    outcome.results[scenario.name] = {"gateway": gateway, "floor": floor_stats}
                if "regulator" in roles:
                    # The regulator's own floor: its statements read the rows a regulator may see
                    # (records outside their publication window, its province's drafts).
                    _say(f"{scenario.name}: floor as a regulator of {REGULATOR_PROVINCE}")
                    regulator_floor = await measure(floor_call(floor, scenario, _REGULATOR_VISIBILITY), **load)
                    _say(f"{scenario.name}: gateway as a regulator of {REGULATOR_PROVINCE}")
                    as_regulator = await measure(gateway_call(regulator, scenario), **load)
                    outcome.results[scenario.name + REGULATOR_SUFFIX] = {
                        "gateway": as_regulator, "floor": regulator_floor,
                    }
            return outcome
    finally:
        await floor.close()


def _regulator_headers(settings: Settings) -> dict[str, str]:
    """A bearer token as the gateway's own issuer makes it; long enough for any run."""
    token = issue_token(settings.auth, subject="bench-regulator", roles=["regulator"],
                        province=REGULATOR_PROVINCE, org="bench", ttl_s=12 * 3600)
    return {"Authorization": f"Bearer {token}"}


def _meta(
    args: argparse.Namespace, state: stack.SeedState, seeded: bool, outcome: Outcome, runtime: float
) -> dict[str, Any]:
    presence = sorted(outcome.samples.presence.values())
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": state.scale,
        "seed": state.seed,
        "data_anchor": state.anchor,
        "seeded_this_run": seeded,
        "requests": args.requests,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "client": args.client,
        "warmup": _warmup(args),
        "variants": args.variants,
        "cores": os.cpu_count(),
        "machine": f"{platform.machine()} {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "runtime_s": round(runtime, 1),
        "enterprise_credit_provinces_per_uscc": {"min": presence[0], "max": presence[-1]},
        "crosscheck_subjects": outcome.samples.crosscheck.describe(),
        "statements": {name: c.summary() for name, c in outcome.checks.items()},
    }


def _warmup(args: argparse.Namespace) -> int:
    """The checked pass already touched every variant; this only lets pools and caches settle."""
    if args.warmup is not None:
        return args.warmup
    return max(args.concurrency, min(args.requests // 10, 100))


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
