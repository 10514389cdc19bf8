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


@dataclass
class Gathered(Generic[T]):
    """The outcome of asking several provinces: answers by province and failures by province."""

    answers: dict[str, T] = field(default_factory=dict)
    failed: dict[str, SourceError] = field(default_factory=dict)


def path_of(info: Info) -> tuple[str | int, ...]:
    return tuple(info.path.as_list())


async def gather(
    ctx: Context, path: tuple[str | int, ...], provinces: Iterable[str], call: Callable[[str], Awaitable[T]],
    *, report: bool = True,
) -> Gathered[T]:
    """Ask every province in parallel; report each failure once per path, never raise for one.

    ``report=False`` leaves the reporting to the caller: a statement that also brought child lists
    reports its failures where those lists are read (``FederatedNode.prefetched``)."""
    codes = list(dict.fromkeys(provinces))
    if len(codes) == 1:  # one province: no task for it
        outcomes: list[T | BaseException] = [await _outcome(call(codes[0]))]
    else:
        outcomes = await asyncio.gather(*(call(code) for code in codes), return_exceptions=True)
    result: Gathered[T] = Gathered()
    for code, outcome in zip(codes, outcomes, strict=True):
        if isinstance(outcome, SourceError):
            result.failed[code] = outcome
            if report:
                ctx.report(outcome, path)
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            result.answers[code] = outcome
    return result


async def _outcome(work: Awaitable[T]) -> T | BaseException:
    """``asyncio.gather(..., return_exceptions=True)`` for one awaitable."""
    try:
        return await work
    except Exception as exc:
        return exc


async def rows_across(
    ctx: Context, path: tuple[str | int, ...], provinces: Iterable[str], query: BatchQuery[R], key: str,
    *, report: bool = True,
) -> Gathered[list[R]]:
    """The records of ``key`` from each province, through the request's batching loaders."""
    return await gather(ctx, path, provinces, lambda code: ctx.loaders.rows(code, query).load(key), report=report)


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
    ctx: Context, path: tuple[str | int, ...], kind: str, key: str, home: str | None, query: BatchQuery[R],
    *, report: bool = True,
) -> tuple[Route, Gathered[list[R]]]:
    """Route and fetch ``key``'s rows with one dependent round trip fewer: the home province named
    by the key is asked at the same time as the index (it is asked whatever the index says), then
    only the other provinces the route names.  Answers come back in the configured order."""
    early = asyncio.ensure_future(rows_across(ctx, path, [home], query, key, report=report)) if home else None
    try:
        routed = await route(ctx, kind, key, home)
    except BaseException:
        if early is not None:
            early.cancel()
        raise
    rest = await rows_across(ctx, path, [c for c in routed.asked if c != home], query, key, report=report)
    first = await early if early is not None else Gathered()
    answers = {**first.answers, **rest.answers}
    merged: Gathered[list[R]] = Gathered(
        answers={c: answers[c] for c in ctx.province_codes if c in answers},
        failed={**first.failed, **rest.failed},
    )
    return routed, merged


def then(value: list[T] | Awaitable[list[T]], after: Callable[[list[T]], list[T]]) -> list[T] | Awaitable[list[T]]:
    """``after`` applied to a list now, or to the awaited list later (a field that sorts a child
    list whether it came with its subject or is still being looked up)."""
    if isinstance(value, list):
        return after(value)
    return _after(value, after)


async def _after(value: Awaitable[list[T]], after: Callable[[list[T]], list[T]]) -> list[T]:
    return after(await value)


def _fresh(freshness: IndexFreshness | None, bound_ms: float) -> TypeGuard[IndexFreshness]:
    return freshness is not None and freshness.lag_ms is not None and freshness.lag_ms <= bound_ms


class FederatedNode:
    """An object assembled from several provinces: which provinces it consulted, which failed, and
    its coverage, computed only once every lookup of its fields has finished.

    Two ways keep the coverage exact without waiting on the event loop's turns:

    * the subject's statement brought the child lists the query selects (:meth:`adopt`): nothing
      is left to ask, the node is *sealed* and its coverage is known at once;
    * otherwise each child list registers its lookup when its resolver is called (:meth:`collect`
      is a plain function returning the awaitable), and graphql-core calls every resolver of an
      object before it awaits any of them: by the time ``coverage`` waits, every sibling lookup
      is counted.
    """

    def __init__(
        self, consulted: Iterable[str], failed: Iterable[str] = (), left_out: Mapping[str, datetime] | None = None
    ) -> None:
        self.consulted = list(dict.fromkeys(consulted))
        self.failed: set[str] = set(failed)
        # Provinces not asked because a fresh index says they hold nothing, with its as-of instant.
        self.left_out: dict[str, datetime] = dict(left_out or {})
        self.sealed = False
        self._pending = 0
        self._idle: asyncio.Event | None = None
        # Child lists fetched with the subject: list (query) name → province → records, and the
        # failures of that statement, reported by each list field at its own path.
        self._lists: dict[str, dict[str, list]] = {}
        self._list_failures: dict[str, SourceError] = {}

    def adopt(
        self, lists: Mapping[str, dict[str, list]], failed: Mapping[str, SourceError], *, sealed: bool
    ) -> None:
        """Child lists that came with the subject's own statement (``failed``: provinces whose
        statement failed, so none of their lists is known); ``sealed`` when they are every list the
        query selects on this object."""
        self._lists.update(lists)
        self._list_failures.update(failed)
        self.failed.update(failed)
        self.sealed = sealed

    def prefetched(self, info: Info, name: str) -> dict[str, list] | None:
        """The records of list ``name`` by province when they came with the subject, else None;
        the failures of that statement are reported here, at the path of the field reading them."""
        found = self._lists.get(name)
        if found is not None and self._list_failures:
            path = path_of(info)
            for error in self._list_failures.values():
                info.context.report(error, path)
        return found

    def collect(
        self, info: Info, provinces: Iterable[str], query: BatchQuery[R], key: str, build: Callable[[Info, str, R], T]
    ) -> list[T] | Awaitable[list[T]]:
        """One child list of this node: ``query`` for ``key`` in each province (skipping those that
        already failed for this node), each row built into a GraphQL object that knows its province.

        Rows that came with the subject are built at once (no await, no task); otherwise the
        lookup is counted as pending now, before the caller awaits it (see the class)."""
        fetched = self.prefetched(info, query.name)
        if fetched is not None:
            return [build(info, code, row) for code, rows in fetched.items() for row in rows]
        answered = [code for code in provinces if code not in self.failed]
        self._pending += 1
        return self._collect(info, answered, query, key, build)

    async def _collect(
        self, info: Info, provinces: list[str], query: BatchQuery[R], key: str, build: Callable[[Info, str, R], T]
    ) -> list[T]:
        try:
            gathered = await rows_across(info.context, path_of(info), provinces, query, key)
            self.failed.update(gathered.failed)
            return [build(info, code, row) for code, rows in gathered.answers.items() for row in rows]
        finally:
            self._pending -= 1
            if self._pending == 0 and self._idle is not None:
                self._idle.set()

    async def settle(self) -> None:
        """Wait for every lookup of this node (all of them are counted by now: see the class)."""
        while self._pending:
            self._idle = asyncio.Event()
            await self._idle.wait()

    def answered(self) -> list[str]:
        return [code for code in self.consulted if code not in self.failed]

    def missing(self) -> list[str]:
        return [code for code in self.consulted if code in self.failed]

    @classmethod
    def routed(cls, route: Route, failed: Iterable[str] = ()) -> FederatedNode:
        return cls(route.asked, failed, route.left_out)
