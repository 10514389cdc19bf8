"""The typed per-request context every resolver receives (``strawberry.Info[Context, None]``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import strawberry

from domain.clock import china_today
from domain.divisions import province_names
from domain.provinces import ProvinceInfo
from resolvers.identity import Identity
from resolvers.loaders import Loaders
from sources.errors import SourceError
from sources.registry import SourceRegistry
from sources.trace import RequestTrace

if TYPE_CHECKING:  # annotations only: these modules import this one
    from resolvers.crosscheck.loading import RequestScope
    from resolvers.types.enterprise import Enterprise
    from resolvers.types.project import Project


@dataclass(frozen=True)
class SourceFailure:
    """A source that failed during this request, and where in the response it mattered."""

    error: SourceError
    path: tuple[str | int, ...]


@dataclass(frozen=True)
class Lookup:
    """How a type's field reaches another subject (``resolvers.subjects.LOOKUP``).

    The GraphQL graph is cyclic (an enterprise's projects, a project's enterprises) but the imports
    must not be: the type modules call the loaders through the context instead of importing them.
    """

    enterprise: Callable[[Context, tuple[str | int, ...], str], Awaitable[Enterprise | None]]
    project_in: Callable[[Info, str, str], Awaitable[Project | None]]


@dataclass
class Context:
    """Identity, the request's traced view of the sources, fresh loaders and collected failures."""

    identity: Identity
    sources: SourceRegistry
    trace: RequestTrace
    loaders: Loaders
    lookup: Lookup
    person_key_secret: bytes = field(repr=False)
    today: date = field(default_factory=china_today)
    # Routing trusts the presence index for a province only while its lag is within this bound.
    max_index_lag_ms: float = 5000.0
    failures: list[SourceFailure] = field(default_factory=list)
    # The caller's network address and the request's id: what the audit trail and a write's
    # history row record about where a request came from.
    client: str | None = None
    request_id: str | None = None
    # Non-fatal notes for the caller (``extensions.warnings``), e.g. a legacy USCC that fails its check.
    warnings: list[str] = field(default_factory=list)
    # Subjects this request looked at, as (kind, key): what the audit log records.
    subjects: list[tuple[str, str]] = field(default_factory=list)
    # The same pairs as a set: a page of 100 enterprises touches hundreds of persons, and a list
    # scan per touch made that quadratic.
    _touched: set[tuple[str, str]] = field(default_factory=set, repr=False)
    # The cross-checks' loaders and rules snapshot, made on first use by
    # resolvers.crosscheck.loading.scope: it lives and dies with this request.
    crosscheck: RequestScope | None = field(default=None, repr=False)

    @property
    def province_codes(self) -> list[str]:
        return list(self.sources.provinces)

    def province(self, code: str) -> ProvinceInfo:
        info = self.sources.province_info(code)
        if info is not None:
            return info
        # A record may name a province that is not configured (e.g. an out-of-Delta registration).
        name, short_name = province_names(code) or (code, code)
        return ProvinceInfo(code, short_name, name)

    def report(self, error: SourceError, path: tuple[str | int, ...]) -> None:
        self.failures.append(SourceFailure(error, path))

    def touch(self, kind: str, key: str) -> None:
        """Note that the request looked at a subject (kind 'person', 'enterprise', 'crosscheck', ...)."""
        if (kind, key) not in self._touched:
            self._touched.add((kind, key))
            self.subjects.append((kind, key))

    def warn(self, message: str | None) -> None:
        """Add a warning for the response (ignores None; each message once)."""
        if message is not None and message not in self.warnings:
            self.warnings.append(message)

    def failed_sources(self) -> set[str]:
        return {f.error.source for f in self.failures}


Info = strawberry.Info[Context, None]
