"""Fan-out across provinces, routing and coverage: the federation rules in one place.

A federated answer always knows which provinces it asked, which answered and which failed;
failures become GraphQL errors (``SOURCE_UNAVAILABLE``/``SOURCE_TIMEOUT`` with the source name)
while the other provinces' data is still returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from resolvers.context import Context, Info
from sources.base import Row
from sources.errors import SourceError
from sources.province_queries import BatchQuery

T = TypeVar("T")
_SIBLING_START_TURNS = 3


@dataclass
class Gathered(Generic[T]):
    """The outcome of asking several provinces: answers by province and failures by province."""

    answers: dict[str, T] = field(default_factory=dict)
    failed: dict[str, SourceError] = field(default_factory=dict)


def path_of(info: Info) -> tuple[str | int, ...]:
    return tuple(info.path.as_list())


async def gather(
    ctx: Context, path: tuple[str | int, ...], provinces: Iterable[str], call: Callable[[str], Awaitable[T]]
) -> Gathered[T]:
    """Ask every province in parallel; report each failure once per path, never raise for one."""
    codes = list(dict.fromkeys(provinces))
    outcomes = await asyncio.gather(*(call(code) for code in codes), return_exceptions=True)
    result: Gathered[T] = Gathered()
    for code, outcome in zip(codes, outcomes, strict=True):
        if isinstance(outcome, SourceError):
            result.failed[code] = outcome
            ctx.report(outcome, path)
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            result.answers[code] = outcome
    return result


async def rows_across(
    ctx: Context, path: tuple[str | int, ...], provinces: Iterable[str], query: BatchQuery, key: str
) -> Gathered[list[Row]]:
    """The rows of ``key`` from each province, through the request's batching loaders."""
    return await gather(ctx, path, provinces, lambda code: ctx.loaders.rows(code, query).load(key))


async def route(ctx: Context, kind: str, key: str, home: str | None) -> list[str]:
    """Which provinces to ask about a subject: the presence index plus the province encoded in the
    key; every province when the index cannot answer (the central store is never required)."""
    configured = ctx.province_codes
    try:
        indexed = await ctx.loaders.presence(kind).load(key)
    except SourceError as exc:
        ctx.report(exc, ())
        return configured
    wanted = set(indexed) | ({home} if home else set())
    return [code for code in configured if code in wanted]


class FederatedNode:
    """An object assembled from several provinces; tracks its lookups so that its coverage is
    computed only after every sibling field of this object has finished asking."""

    def __init__(self, consulted: Iterable[str], failed: Iterable[str] = ()) -> None:
        self.consulted = list(dict.fromkeys(consulted))
        self.failed: set[str] = set(failed)
        self._pending = 0
        self._idle: asyncio.Event | None = None

    async def track(self, work: Awaitable[Gathered[T]]) -> Gathered[T]:
        """Await ``work``, counting it as pending meanwhile; its failures count against this node.

        A counter rather than a task per lookup: a page of 50 enterprises would otherwise create
        hundreds of tasks per request for nothing but bookkeeping.
        """
        self._pending += 1
        try:
            result = await work
            self.failed.update(result.failed)
            return result
        finally:
            self._pending -= 1
            if self._pending == 0 and self._idle is not None:
                self._idle.set()

    async def settle(self) -> None:
        """Wait for every lookup of this node, including siblings that start in this same tick."""
        # Let sibling field resolvers start and register their lookups: graphql-core starts them in
        # the same tick; a few extra turns tolerate wrappers (extensions, permissions) in between.
        for _ in range(_SIBLING_START_TURNS):
            await asyncio.sleep(0)
        while self._pending:
            self._idle = asyncio.Event()
            await self._idle.wait()

    async def collect(
        self, info: Info, provinces: Iterable[str], query: BatchQuery, key: str, build: Callable[[Info, str, Row], T]
    ) -> list[T]:
        """One child list of this node: ``query`` for ``key`` in each province (skipping those that
        already failed for this node), each row built into a GraphQL object that knows its province."""
        answered = [code for code in provinces if code not in self.failed]
        gathered = await self.track(rows_across(info.context, path_of(info), answered, query, key))
        return [build(info, code, row) for code, rows in gathered.answers.items() for row in rows]

    def answered(self) -> list[str]:
        return [code for code in self.consulted if code not in self.failed]

    def missing(self) -> list[str]:
        return [code for code in self.consulted if code in self.failed]
