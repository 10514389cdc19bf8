"""The named source registry (PostGraphile's ``pgServices``): the central store and every
configured province, each with its own pool, timeout and breaker."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from domain.provinces import ProvinceInfo
from sources.base import Source
from sources.config import CENTRAL, BreakerConfig, SourceConfig
from sources.postgres import ConnectionCounts, PostgresSource, TracedSource
from sources.trace import RequestTrace


@dataclass(frozen=True)
class ProvinceSource:
    """A province and the source that reaches its database."""

    info: ProvinceInfo
    source: Source


class SourceRegistry:
    """Every source of the gateway by name; owned by the application's lifespan."""

    def __init__(self, central: Source, provinces: Sequence[ProvinceSource]) -> None:
        self.central = central
        self.provinces = {p.info.code: p for p in provinces}

    @classmethod
    def from_config(
        cls,
        central: SourceConfig,
        provinces: Sequence[tuple[ProvinceInfo, SourceConfig]],
        breaker: BreakerConfig,
    ) -> SourceRegistry:
        return cls(
            PostgresSource(central, breaker),
            [ProvinceSource(info, PostgresSource(config, breaker)) for info, config in provinces],
        )

    @property
    def source_names(self) -> list[str]:
        return [*self.provinces, CENTRAL]

    def named(self) -> list[tuple[str, Source]]:
        """Every source with its name: the provinces in configured order, then the central store."""
        return [*((code, p.source) for code, p in self.provinces.items()), (CENTRAL, self.central)]

    def province_info(self, code: str) -> ProvinceInfo | None:
        entry = self.provinces.get(code)
        return entry.info if entry else None

    def traced(self, trace: RequestTrace) -> SourceRegistry:
        """A per-request view whose statements are counted into ``trace``."""
        return SourceRegistry(
            TracedSource(self.central, trace),
            [ProvinceSource(p.info, TracedSource(p.source, trace)) for p in self.provinces.values()],
        )

    async def close(self) -> None:
        sources = [self.central, *(p.source for p in self.provinces.values())]
        await asyncio.gather(*(s.close() for s in sources), return_exceptions=True)


def breaker_state(source: Source) -> str:
    """``open``/``closed`` for a source with a circuit breaker, ``none`` for one without (a request view)."""
    breaker = getattr(source, "breaker", None)
    if breaker is None:
        return "none"
    return "open" if breaker.is_open else "closed"


def connection_counts(source: Source) -> ConnectionCounts | None:
    """A pooled source's connections (open, idle, waiting callers); None for one without a pool."""
    counts = getattr(source, "connections", None)
    return counts() if callable(counts) else None
