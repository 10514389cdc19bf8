"""Per-request DataLoaders, one per (source, query): every key asked at one level of the query
goes to each province in one statement."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from aiodataloader import DataLoader

from sources import central_queries
from sources.base import Source
from sources.central_queries import IndexFreshness
from sources.errors import SourceError
from sources.province_queries import BatchQuery, Visibility, fetch_grouped
from sources.records import SourceRecord
from sources.registry import SourceRegistry
from sources.workflow_queries import history_of, versions_of

T = TypeVar("T")
R = TypeVar("R", bound=SourceRecord)


async def per_key(keys: Sequence[object], fetch: Awaitable[Sequence[T]]) -> list[T | SourceError]:
    """The batch body of every loader: the fetched results in key order or, when the source fails,
    that failure once per key.

    aiodataloader raises an ``Exception`` value returned for a key, so every key of the batch
    shares the source's failure and each resolver reports it where it asked.
    """
    try:
        return list(await fetch)
    except SourceError as exc:
        return [exc] * len(keys)


class Loaders:
    """Creates loaders lazily and keeps them for the life of one request."""

    def __init__(self, registry: SourceRegistry, visibility: Visibility) -> None:
        self._registry = registry
        self._visibility = visibility
        self._batch: dict[tuple[str, str], DataLoader] = {}
        self._presence: dict[str, DataLoader] = {}
        self._freshness: asyncio.Task[dict[str, IndexFreshness]] | None = None

    def rows(self, province: str, query: BatchQuery) -> DataLoader:
        """Loader of ``query`` against one province: key → list of ``query.record``."""
        slot = (province, query.name)
        if slot not in self._batch:
            source = self._registry.provinces[province].source
            self._batch[slot] = DataLoader(self._batch_fn(source, query))
        return self._batch[slot]

    def history(self, province: str, entity: str) -> DataLoader:
        """Loader of the change history of one kind of record in one province: key → its history
        rows, oldest first (every record of a page in one statement, not one each)."""
        return self._by_key(province, f"history:{entity}", lambda source, keys: history_of(source, entity, keys), ())

    def version(self, province: str, entity: str) -> DataLoader:
        """Loader of the current version of one kind of record in one province: key → version or None."""
        return self._by_key(province, f"version:{entity}", lambda source, keys: versions_of(source, entity, keys), None)

    def _by_key(
        self, province: str, name: str, fetch: Callable[[Source, list[str]], Awaitable[Mapping[str, T]]], missing: T,
    ) -> DataLoader:
        """Loader of a lookup in one province that answers by key (``missing`` for a key it does not name)."""
        slot = (province, name)
        if slot not in self._batch:
            source = self._registry.provinces[province].source

            async def load(keys: Sequence[str]) -> list[T | SourceError]:
                found = fetch(source, list(keys))
                return await per_key(keys, _in_key_order(keys, found, missing))

            self._batch[slot] = DataLoader(load)
        return self._batch[slot]

    def presence(self, kind: str) -> DataLoader:
        """Loader of the central presence index: key → province codes."""
        if kind not in self._presence:
            central = self._registry.central

            async def load(keys: Sequence[str]) -> list[list[str] | SourceError]:
                return await per_key(keys, central_queries.presence(central, kind, keys))

            self._presence[kind] = DataLoader(load)
        return self._presence[kind]

    async def index_freshness(self) -> dict[str, IndexFreshness]:
        """The index's lag per province, read once per request (raises ``SourceError``)."""
        if self._freshness is None:
            self._freshness = asyncio.ensure_future(central_queries.index_freshness(self._registry.central))
        return await asyncio.shield(self._freshness)

    def prime(self, province: str, query: BatchQuery[R], key: str, rows: list[R]) -> None:
        """Seed a loader with records already fetched (e.g. by a page query) to skip a statement;
        they must be of ``query.record``, the type the loader itself returns."""
        self.rows(province, query).prime(key, rows)

    def _batch_fn(self, source: Source, query: BatchQuery):
        visibility = self._visibility

        async def load(keys: Sequence[str]) -> list[list[SourceRecord] | SourceError]:
            return await per_key(keys, fetch_grouped(source, query, keys, visibility))

        return load


async def _in_key_order(keys: Sequence[str], found: Awaitable[Mapping[str, T]], missing: T) -> list[T]:
    """A batch's answer by key as the loader wants it: one value per key, in the keys' order."""
    by_key = await found
    return [by_key.get(key, missing) for key in keys]
