"""Fan-out across provinces, routing and coverage: the federation rules in one place.

A federated answer always knows which provinces it asked, which answered and which failed;
failures become GraphQL errors (``SOURCE_UNAVAILABLE``/``SOURCE_TIMEOUT`` with the source name)
while the other provinces' data is still returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeGuard, TypeVar

from resolvers.context import Context, Info
from sources.central_queries import IndexFreshness
from sources.errors import SourceError
from sources.province_queries import BatchQuery
from sources.records import SourceRecord

T = TypeVar("T")
R = TypeVar("R", bound=SourceRecord)
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
    ctx: Context, path: tuple[str | int, ...], provinces: Iterable[str], query: BatchQuery[R], key: str
) -> Gathered[list[R]]:
    """The records of ``key`` from each province, through the request's batching loaders."""
    return await gather(ctx, path, provinces, lambda code: ctx.loaders.rows(code, query).load(key))


@dataclass(frozen=True)
class Route:
    """Which provinces to ask about a subject, and which were left out because an index no older
    than the bound says they hold nothing (with the instant that judgement is as of)."""

    asked: list[str]
    left_out: dict[str, datetime] = field(default_factory=dict)
    indexed: list[str] = field(default_factory=list)  # what the index named (empty when it could not answer)


async def route(ctx: Context, kind: str, key: str, home: str | None) -> Route:
    """The presence index plus the province encoded in the key.  A province whose index rows lag
    beyond the bound (or whose lag is unknown) is asked directly; when the central store cannot
    answer, every province is asked: the index only ever saves work, it never drops a province."""
    configured = ctx.province_codes
    try:
        answer = await ctx.loaders.presence(kind).load(key)
    except SourceError as exc:
        ctx.report(exc, ())
        return Route(asked=configured)
    named = set(answer.holders) | ({home} if home else set())
    asked, left_out = [], {}
    for code in configured:
        freshness = answer.freshness.get(code)
        if code in named or not _fresh(freshness, ctx.max_index_lag_ms):
            asked.append(code)
        else:
            left_out[code] = freshness.as_of
    return Route(asked, left_out, [c for c in configured if c in answer.holders])


async def routed_rows(
    ctx: Context, path: tuple[str | int, ...], kind: str, key: str, home: str | None, query: BatchQuery[R]
) -> tuple[Route, Gathered[list[R]]]:
    """Route and fetch ``key``'s rows with one dependent round trip fewer: the home province named
    by the key is asked at the same time as the index (it is asked whatever the index says), then
    only the other provinces the route names.  Answers come back in the configured order."""
    early = asyncio.ensure_future(rows_across(ctx, path, [home], query, key)) if home else None
    try:
        routed = await route(ctx, kind, key, home)
    except BaseException:
        if early is not None:
            early.cancel()
        raise
    rest = await rows_across(ctx, path, [c for c in routed.asked if c != home], query, key)
    first = await early if early is not None else Gathered()
    answers = {**first.answers, **rest.answers}
    merged: Gathered[list[R]] = Gathered(
        answers={c: answers[c] for c in ctx.province_codes if c in answers},
        failed={**first.failed, **rest.failed},
    )
    return routed, merged


def _fresh(freshness: IndexFreshness | None, bound_ms: float) -> TypeGuard[IndexFreshness]:
    return freshness is not None and freshness.lag_ms is not None and freshness.lag_ms <= bound_ms


class FederatedNode:
    """An object assembled from several provinces; tracks its lookups so that its coverage is
    computed only after every sibling field of this object has finished asking."""

    def __init__(
        self, consulted: Iterable[str], failed: Iterable[str] = (), left_out: Mapping[str, datetime] | None = None
    ) -> None:
        self.consulted = list(dict.fromkeys(consulted))
        self.failed: set[str] = set(failed)
        # Provinces not asked because a fresh index says they hold nothing, with its as-of instant.
        self.left_out: dict[str, datetime] = dict(left_out or {})
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
        self, info: Info, provinces: Iterable[str], query: BatchQuery[R], key: str, build: Callable[[Info, str, R], T]
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

    @classmethod
    def routed(cls, route: Route, failed: Iterable[str] = ()) -> FederatedNode:
        return cls(route.asked, failed, route.left_out)
