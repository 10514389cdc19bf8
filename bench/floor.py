"""The floor: the gateway's own statements sent straight to PostgreSQL with asyncpg.

The floor reuses the gateway's query objects and functions (``sources.province_queries``,
``sources.central_queries``) through a bare pool adapter, so the SQL text, the parameters and the
per-level fan-out are identical; what is left over in the gateway's latency is its own overhead
(HTTP, GraphQL parsing/validation/execution, loaders, merging, JSON).

Connections come from the gateway's own pool (``sources.pool``), the leanest way to asyncpg
connections there is here: asyncpg's stock pool would add its release task and, by default, a reset
round trip to every floor statement, and the floor would flatter the gateway.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg

from domain.clock import china_today
from gateway.settings import Settings
from sources import central_queries
from sources.base import Row
from sources.config import CENTRAL, SourceConfig
from sources.pool import ConnectionPool
from sources.province_queries import BatchQuery, Visibility, enterprise_page, fetch_grouped
from sources.records import EnterpriseRow, SourceRecord

R = TypeVar("R", bound=SourceRecord)


class PoolSource:
    """The ``fetch`` part of the ``Source`` protocol over a bare pool, counting statements.

    No breaker, no timeout, no trace: exactly what the floor is meant to leave out.
    """

    def __init__(self, name: str, pool: ConnectionPool, counts: Counter[str]) -> None:
        self.name = name
        self._pool = pool
        self._counts = counts

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        self._counts[self.name] += 1
        return await _fetch(self._pool, sql, *args)


@dataclass
class FloorView:
    """One floor request: its sources and the statements it sent, by source name."""

    sources: dict[str, PoolSource]
    provinces: tuple[str, ...]
    visibility: Visibility
    counts: Counter[str]

    async def routes(self, kind: str, keys: Sequence[str], homes: Mapping[str, str | None]) -> dict[str, list[str]]:
        """The gateway's routing rule with a fresh index: the provinces it names plus the home province
        named by the key (the bench's sync keeps every province fresh)."""
        found = await central_queries.presence(self.sources[CENTRAL], kind, keys)
        # A key without a home adds None, which matches no configured province.
        wanted = {key: {*answer.holders, homes.get(key)} for key, answer in zip(keys, found, strict=True)}
        return {key: [code for code in self.provinces if code in wanted[key]] for key in keys}

    async def batch(
        self, query: BatchQuery[R], keys_by_province: Mapping[str, Sequence[str]]
    ) -> dict[str, list[list[R]]]:
        """One statement per province that has keys, all provinces in parallel."""
        codes = [code for code, keys in keys_by_province.items() if keys]
        results = await asyncio.gather(
            *(fetch_grouped(self.sources[code], query, keys_by_province[code], self.visibility) for code in codes)
        )
        return dict(zip(codes, results, strict=True))

    async def pages(self, **page_args: Any) -> dict[str, Sequence[EnterpriseRow]]:
        """One keyset page of enterprises from every province, in parallel."""
        results = await asyncio.gather(*(enterprise_page(self.sources[c], **page_args) for c in self.provinces))
        return dict(zip(self.provinces, results, strict=True))


class Floor:
    """Own pools to every database, sized like the gateway's."""

    def __init__(self, pools: dict[str, ConnectionPool], provinces: tuple[str, ...]) -> None:
        self._pools = pools
        self.provinces = provinces

    @classmethod
    async def open(cls, settings: Settings) -> Floor:
        configs = [settings.central, *(p.source for p in settings.provinces)]
        return cls({c.name: floor_pool(c) for c in configs}, settings.province_codes)

    def view(self, visibility: Visibility | None = None) -> FloorView:
        """A fresh per-request view; public visibility (the gateway's anonymous identity) unless
        another caller's is given (a regulator's: the rows the gateway fetches for one)."""
        counts: Counter[str] = Counter()
        sources = {name: PoolSource(name, pool, counts) for name, pool in self._pools.items()}
        return FloorView(sources, self.provinces, visibility or Visibility(public_on=china_today()), counts)

    async def fetch(self, name: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        """An untimed helper statement (picking sample keys), outside any request."""
        return await _fetch(self._pools[name], sql, *args)

    async def close(self) -> None:
        await asyncio.gather(*(pool.close() for pool in self._pools.values()))


def floor_pool(config: SourceConfig) -> ConnectionPool:
    # The gateway's pool shape (lazy, same maximum, asyncpg's default statement cache).
    return ConnectionPool(lambda: asyncpg.connect(config.dsn), max_size=config.pool_size)


async def _fetch(pool: ConnectionPool, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await pool.acquire()
    try:
        rows = await conn.fetch(sql, *args)
    except BaseException:
        pool.discard(conn)  # the floor never fails in a bench run; if it does, start clean
        raise
    pool.release(conn)
    return rows


def invert(routes: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """key → provinces into province → keys (the loaders' per-province batches)."""
    by_province: dict[str, list[str]] = {}
    for key, codes in routes.items():
        for code in codes:
            by_province.setdefault(code, []).append(key)
    return by_province
