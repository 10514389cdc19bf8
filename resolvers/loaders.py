"""Per-request DataLoaders, one per (source, query): every key asked at one level of the query
goes to each province in one statement."""

from __future__ import annotations

from collections.abc import Sequence

from aiodataloader import DataLoader

from sources import central_queries
from sources.base import Row, Source
from sources.errors import SourceError
from sources.province_queries import BatchQuery, Visibility, fetch_grouped
from sources.registry import SourceRegistry


class Loaders:
    """Creates loaders lazily and keeps them for the life of one request."""

    def __init__(self, registry: SourceRegistry, visibility: Visibility) -> None:
        self._registry = registry
        self._visibility = visibility
        self._batch: dict[tuple[str, str], DataLoader] = {}
        self._presence: dict[str, DataLoader] = {}

    def rows(self, province: str, query: BatchQuery) -> DataLoader:
        """Loader of ``query`` against one province: key → list of rows."""
        slot = (province, query.name)
        if slot not in self._batch:
            source = self._registry.provinces[province].source
            self._batch[slot] = DataLoader(self._batch_fn(source, query))
        return self._batch[slot]

    def presence(self, kind: str) -> DataLoader:
        """Loader of the central presence index: key → province codes."""
        if kind not in self._presence:
            central = self._registry.central

            async def load(keys: Sequence[str]) -> list[list[str] | SourceError]:
                try:
                    return list(await central_queries.presence(central, kind, keys))
                except SourceError as exc:
                    return [exc] * len(keys)

            self._presence[kind] = DataLoader(load)
        return self._presence[kind]

    def prime(self, province: str, query: BatchQuery, key: str, rows: list[Row]) -> None:
        """Seed a loader with rows already fetched (e.g. by a page query) to skip a statement."""
        self.rows(province, query).prime(key, rows)

    def _batch_fn(self, source: Source, query: BatchQuery):
        visibility = self._visibility

        async def load(keys: Sequence[str]) -> list[list[Row] | SourceError]:
            try:
                return list(await fetch_grouped(source, query, keys, visibility))
            except SourceError as exc:
                # aiodataloader raises an Exception value from load(); every key shares the failure.
                return [exc] * len(keys)

        return load
