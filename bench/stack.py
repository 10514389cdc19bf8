"""The benchmark's databases: four embedded servers under ``.bench/``, migrated, and seeded only
when they are empty or were seeded with another scale or another version of the seed generator
(seeding dominates a run's time)."""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import demo_data

from domain.clock import china_today
from gateway.demo import DEMO_PROVINCES
from gateway.operations import databases_are_empty, migrate_all, seed_all
from gateway.settings import Settings, render_toml, settings_from_mapping
from sources.embedded import EmbeddedCluster, start_cluster

BENCH_DIR = Path(".bench")
SEED = 2007
# A fixed secret keeps the seeded person keys valid across runs; these databases hold only test data.
SECRET = "bench-secret-not-for-production"
SERVERS = [server for server, *_ in DEMO_PROVINCES] + ["central"]
# The demo's pool sizes: what a small deployment would run with. The floor opens pools of the same size.
PROVINCE_POOL = 8
CENTRAL_POOL = 4
# The gateway's abuse limits would reject a load test from one address (600/min for the public);
# the benchmark measures throughput, so the rate limits are lifted to their ceiling.
UNLIMITED_RATE = 1_000_000
# Signs the regulator token of the `--roles regulator` variant; these databases hold only test data.
JWT_SECRET = "bench-jwt-secret-not-for-production-0123456789"


@dataclass(frozen=True)
class SeedState:
    """What the databases under ``.bench/`` were seeded with; a different scale or generator means re-seed."""

    scale: float
    seed: int
    anchor: str
    showcase: list[dict[str, Any]]
    # Planted cases change with the generator's code: data from an older generator lacks the
    # subjects the scenarios name. A state file without this field is read as outdated.
    generator: str


def start(root: Path) -> EmbeddedCluster:
    """Start (or reuse) the four embedded servers, for this process alone: every benchmark stops
    the servers when it ends, so a second one on the same directory would break the first.  It
    is refused at once instead (the lock goes with the process)."""
    _hold_lock(root)
    return start_cluster(root, SERVERS)


_LOCKS: dict[Path, Any] = {}  # held for the life of the process


def _hold_lock(root: Path) -> None:
    root = root.resolve()
    if root in _LOCKS:
        return
    root.mkdir(parents=True, exist_ok=True)
    handle = (root / "bench.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SystemExit(
            f"another benchmark is using {root} (it stops the servers when it ends): wait for it,"
            " or give this one another --data-dir"
        ) from None
    _LOCKS[root] = handle


def bench_settings(cluster: EmbeddedCluster) -> Settings:
    """Gateway settings pointing at the embedded servers (the shape of the demo's configuration)."""
    raw = {
        "gateway": {"person_key_secret": SECRET},
        "central": {"dsn": cluster.dsn("central"), "pool_size": CENTRAL_POOL, "timeout_ms": 2000},
        "limits": {"public_rate_per_minute": UNLIMITED_RATE, "identity_rate_per_minute": UNLIMITED_RATE},
        "auth": {"secret": JWT_SECRET},
        "provinces": [
            {"code": code, "short_name": short, "name": name, "dsn": cluster.dsn(server),
             "pool_size": PROVINCE_POOL, "timeout_ms": 3000}
            for server, code, short, name in DEMO_PROVINCES
        ],
    }
    return settings_from_mapping(raw, {})


def on_database(settings: Settings, database: str) -> Settings:
    """The same settings pointed at ``database`` on the same servers (a benchmark's own databases)."""
    def moved(config: Any) -> Any:
        return dataclasses.replace(config, dsn=config.dsn.replace("/postgres?", f"/{database}?"))

    provinces = tuple(dataclasses.replace(p, source=moved(p.source)) for p in settings.provinces)
    return dataclasses.replace(settings, central=moved(settings.central), provinces=provinces)


def write_config(settings: Settings, root: Path) -> Path:
    """The TOML file the gateway subprocess is started with (contains DSNs: stays under .bench/)."""
    path = root / "gateway.toml"
    path.write_text(render_toml(settings), encoding="utf-8")
    return path


async def prepare(settings: Settings, root: Path, scale: float, *, reseed: bool) -> tuple[SeedState, bool]:
    """Migrate, seed when needed; return the seed state and whether this run seeded."""
    await migrate_all(settings)
    state_file = root / "seed-state.json"
    state = _read_state(state_file)
    if state is not None and _current(state, scale, reseed) and not await databases_are_empty(settings):
        return state, False
    anchor = china_today()
    showcase = await seed_all(settings, scale=scale, seed=SEED, anchor=anchor)
    state = SeedState(scale, SEED, anchor.isoformat(), showcase, generator_version())
    state_file.write_text(json.dumps(asdict(state), ensure_ascii=False, indent=1), encoding="utf-8")
    return state, True


def _current(state: SeedState, scale: float, reseed: bool) -> bool:
    same_data = state.scale == scale and state.seed == SEED and state.generator == generator_version()
    return not reseed and same_data


def generator_version() -> str:
    """A digest of the seed generator's source files: any change to them means other data."""
    digest = hashlib.sha256()
    for path in sorted(Path(demo_data.__file__).parent.rglob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _read_state(path: Path) -> SeedState | None:
    if not path.exists():
        return None
    try:
        return SeedState(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None  # an unreadable state file only costs a re-seed
