"""Operational tasks behind the CLI: migrate every database, seed demo data."""

from __future__ import annotations

import asyncio
from datetime import date

from domain.provinces import ProvinceInfo
from gateway.settings import Settings
from sources import migrate
from sources.config import CENTRAL
from sources.index_sync import (
    ProvinceDatabase,
    ReconcileReport,
    StepResult,
    SyncWorker,
    reconcile_provinces,
    sync_once,
)


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

    showcase = await load_seed(
        _specs(settings),
        {p.code: p.source.dsn for p in settings.provinces},
        settings.central.dsn,
        scale=scale,
        seed=seed,
        anchor=anchor,
        secret=settings.person_key_secret,
        replace=replace,
    )
    await reconcile_all(settings)  # the index is built the production way, never written directly
    return showcase


def province_databases(settings: Settings, only: str | None = None) -> list[ProvinceDatabase]:
    """The provinces whose index the sync keeps (all, or the one named)."""
    return [ProvinceDatabase(p.code, p.source.dsn) for p in settings.provinces if only in (None, p.code)]


def index_sync_worker(settings: Settings) -> SyncWorker | None:
    """The in-process index sync of ``serve`` (None when ``[index] sync = false``)."""
    if not settings.index.enabled:
        return None
    return SyncWorker(province_databases(settings), settings.central.dsn, settings.index, settings.clock)


async def reconcile_all(settings: Settings, province: str | None = None) -> list[ReconcileReport]:
    """Rebuild the index rows of every province (or one) from its tables."""
    return await reconcile_provinces(province_databases(settings, province), settings.central.dsn, settings.clock)


async def sync_all_once(settings: Settings) -> dict[str, StepResult]:
    """Catch the index up with every province's change log once."""
    return await sync_once(province_databases(settings), settings.central.dsn, settings.index, settings.clock)


async def databases_are_empty(settings: Settings) -> bool:
    from sources.bulk_load import databases_are_empty as empty

    return await empty({p.code: p.source.dsn for p in settings.provinces}, settings.central.dsn)
