"""The driver seam: what the rest of the gateway may ask of a database.

Only modules under ``sources/`` import asyncpg; everything above sees this protocol and the typed
rows of ``sources.records``.  ``Row`` (a driver row read by column name) is the sources layer's own
view: the read queries convert it at their boundary, so a column rename never reaches the resolvers
(the audit-chain verifier in ``gateway.audit`` still compares ``audit_queries.chain`` rows by column).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

Row = Mapping[str, Any]
T = TypeVar("T")


class Source(Protocol):
    """A named database the gateway reads from."""

    name: str

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        """Run one statement and return its rows; raises a ``SourceError`` on failure."""
        ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        """Run one statement and return its first row or ``None``."""
        ...

    async def execute(self, sql: str, *args: Any) -> str:
        """Run one statement that returns no rows."""
        ...

    async def transaction(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """Run ``work(connection)`` inside one transaction (the write path; ``sources/`` only)."""
        ...

    async def close(self) -> None:
        """Release every connection."""
        ...
