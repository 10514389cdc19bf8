"""Deterministic demo data for the federated provinces and the central store (pure, no I/O).

``generate`` gives the same data set for the same (provinces, scale, seed, anchor, secret): every
random choice comes from ``random.Random`` streams derived from ``seed`` (one for the planted
cases, one per province for the background), and nothing iterates a set.  The planted cases are
generated first from their own stream, so their keys do not depend on ``scale``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from random import Random

from demo_data.activity import add_projects
from demo_data.cases import plant
from demo_data.central import central_rows
from demo_data.model import Dataset
from demo_data.population import (
    Population,
    add_certificates,
    add_enterprises,
    add_market_entries,
    add_outside_enterprises,
    add_performance,
    add_persons,
)
from demo_data.records import add_blacklist, add_records
from demo_data.render import check, province_rows
from demo_data.world import World
from domain.provinces import ProvinceInfo

EARLIEST_ANCHOR = date(2012, 1, 1)  # planted histories reach back about seven years

# Background steps, each run for every province before the next step starts (entries need all
# enterprises, projects need all entries, certificates need all projects' filing dates).
_STEPS: tuple[Callable[[Population, str], None], ...] = (
    add_enterprises, add_outside_enterprises, add_persons, add_market_entries, add_projects,
    add_certificates,
)


def generate(
    provinces: Sequence[ProvinceInfo], *, scale: float, seed: int, anchor: date, secret: bytes
) -> Dataset:
    """Generate the data set: exchange rows per province, central rows, and the showcase."""
    specs = _validated(provinces, scale, anchor)
    master = Random(seed)
    planted_rng = Random(master.getrandbits(64))
    rngs = {spec.code: Random(master.getrandbits(64)) for spec in specs}
    world = World(specs, anchor, secret)
    showcase = plant(world, planted_rng)
    _background(Population(world, rngs, scale))
    rows = {code: province_rows(world, store) for code, store in world.stores.items()}
    for code, tables in rows.items():
        check(code, tables)
    return Dataset(specs, anchor, rows, central_rows(world, rows), showcase)


def _background(pop: Population) -> None:
    codes = list(pop.world.stores)
    for step in _STEPS:
        for code in codes:
            step(pop, code)
    add_performance(pop)
    for code in codes:
        add_records(pop, code)
        add_blacklist(pop, code)


def _validated(provinces: Sequence[ProvinceInfo], scale: float, anchor: date) -> tuple[ProvinceInfo, ...]:
    specs = tuple(provinces)
    if not specs:
        raise ValueError("at least one province is required")
    codes = [spec.code for spec in specs]
    if len(set(codes)) != len(codes):
        raise ValueError(f"province codes must be unique, got {codes}")
    if scale < 0:
        raise ValueError(f"scale must not be negative, got {scale}")
    if anchor < EARLIEST_ANCHOR:
        raise ValueError(f"anchor must be on or after {EARLIEST_ANCHOR}, got {anchor}")
    return specs
