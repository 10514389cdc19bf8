"""Per-request plumbing of the cross-checks: fact loaders and the recognition-rules snapshot.

Each request gets one :class:`RequestScope`, kept on its :class:`Context` (``ctx.crosscheck``), so
it lives exactly as long as that request and is never shared between requests (nothing is added to
``resolvers.loaders``).  Fact loaders batch every key asked in one tick into one statement
per province; the rules snapshot is loaded at most once per request, however many credit records
or cross-checks ask for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiodataloader import DataLoader

from resolvers.context import Context
from resolvers.loaders import per_key
from resolvers.recognition import RecognitionRules, rules_from_rows
from sources import crosscheck_queries as cq
from sources.errors import SourceError
from sources.registry import SourceRegistry

Path = tuple[str | int, ...]


class RequestScope:
    """The cross-check loaders and rules snapshot of one request."""

    def __init__(self, registry: SourceRegistry) -> None:
        self._registry = registry
        self._facts: dict[tuple[str, str], DataLoader] = {}
        self._rules: asyncio.Future[RecognitionRules] | None = None

    def facts(self, province: str, query: cq.FactQuery) -> DataLoader:
        """Loader of ``query`` against one province: key → list of facts."""
        slot = (province, query.name)
        if slot not in self._facts:
            source = self._registry.provinces[province].source

            async def load(keys: Sequence[str]) -> list[list[cq.Fact] | SourceError]:
                return await per_key(keys, cq.fetch_facts(source, query, keys))

            self._facts[slot] = DataLoader(load)
        return self._facts[slot]

    async def rules(self, ctx: Context, path: Path) -> RecognitionRules:
        """The recognition rules, loaded once; a central failure is reported once, at the first path."""
        if self._rules is None:
            self._rules = asyncio.ensure_future(self._load_rules(ctx, path))
        # Shielded: one cancelled caller must not cancel the snapshot the others are waiting for.
        return await asyncio.shield(self._rules)

    async def _load_rules(self, ctx: Context, path: Path) -> RecognitionRules:
        try:
            facts = await cq.recognition_rules(self._registry.central)
        except SourceError as exc:
            message = f"{exc.message}; mutual-recognition rules unavailable, local codes count as unrecognised"
            ctx.report(type(exc)(exc.source, message, sent=exc.sent), path)
            return RecognitionRules.unavailable()
        by_kind: dict[str, list[Any]] = {"code": [], "crosswalk": [], "decision": []}
        for fact in facts:
            by_kind[fact.kind].append(fact.payload)
        return rules_from_rows(by_kind["code"], by_kind["crosswalk"], by_kind["decision"])


def scope(ctx: Context) -> RequestScope:
    """The request's scope, created on first use."""
    if ctx.crosscheck is None:
        ctx.crosscheck = RequestScope(ctx.sources)
    return ctx.crosscheck


async def recognition_rules(ctx: Context, path: Path) -> RecognitionRules:
    """The request's recognition-rules snapshot (one central statement per request at most)."""
    return await scope(ctx).rules(ctx, path)
