"""Operational tasks behind the CLI: migrate every database, seed demo data."""

from __future__ import annotations

import asyncio
from datetime import date

from domain.provinces import ProvinceInfo
from gateway.settings import Settings
from sources import migrate
from sources.config import CENTRAL


async def migrate_all(settings: Settings) -> dict[str, list[str]]:
    """Apply pending migrations to the central store and every province, in parallel."""
    jobs = {CENTRAL: migrate.migrate(settings.central.dsn, migrate.CENTRAL)}
    jobs |= {p.code: migrate.migrate(p.source.dsn, migrate.PROVINCE) for p in settings.provinces}
    results = await asyncio.gather(*jobs.values())
    return dict(zip(jobs, results, strict=True))


def _specs(settings: Settings) -> list[ProvinceInfo]:
    return [ProvinceInfo(p.code, p.short_name, p.name) for p in settings.provinces]


async def seed_all(settings: Settings, *, scale: float, seed: int, anchor: date, replace: bool = True) -> list[dict]:
    """Generate and load the deterministic demo data set; returns the showcase cases."""
    from demo_data.seeding import seed as load_seed

    return await load_seed(
        _specs(settings),
        {p.code: p.source.dsn for p in settings.provinces},
        settings.central.dsn,
        scale=scale,
        seed=seed,
        anchor=anchor,
        secret=settings.person_key_secret,
        replace=replace,
    )


async def databases_are_empty(settings: Settings) -> bool:
    from sources.bulk_load import databases_are_empty as empty

    return await empty({p.code: p.source.dsn for p in settings.provinces}, settings.central.dsn)
