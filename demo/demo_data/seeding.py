"""Generate the demo data set and bulk-load it (the CLI's ``seed`` and the demo call this)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from demo_data.generator import generate
from domain.provinces import ProvinceInfo
from sources.bulk_load import SeedError, databases_are_empty, load_dataset


async def seed(
    provinces: Sequence[ProvinceInfo], province_dsns: Mapping[str, str], central_dsn: str, *,
    scale: float, seed: int, anchor: date, secret: bytes, replace: bool,
) -> list[dict[str, Any]]:
    """Generate the data set and load it; returns the showcase cases.

    Without ``replace`` the databases must be empty (a clear error instead of key conflicts).
    """
    if not replace and not await databases_are_empty(province_dsns, central_dsn):
        raise SeedError("the databases already hold data; seed with replace=True to overwrite them")
    # Generation is CPU-bound (seconds at scale 1): keep the event loop responsive meanwhile.
    dataset = await asyncio.to_thread(generate, provinces, scale=scale, seed=seed, anchor=anchor, secret=secret)
    await load_dataset(dataset, province_dsns, central_dsn, replace=replace)
    return dataset.showcase
