"""Per-province keyset streams merged into one global order (a k-way merge on a heap).

Each province is read in keyset pages of ``page_rows`` rows (one ordinary statement each, through
the source's pool, timeout and breaker: no transaction or cursor is held open between pages, so
an export never pins a connection the GraphQL path needs).  The next page is fetched while the
current one is merged, so memory is at most two pages per province, whatever the row count.

The merge emits a row only once it is the smallest of every province's next row, so when a
province fails the rows already emitted are exactly a prefix of the global order: resuming after
the last one (its cursor) yields exactly the rest.  A grouped kind (enterprises) emits a group only
once every province's next row is past it, and drops the group in hand when a province fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections import deque
from collections.abc import AsyncIterator, Sequence
from typing import Any

from gateway.export.kinds import ExportKind, Item, Plan, Start, Viewer
from sources.base import Source
from sources.errors import SourceError

# Yielded by ``merged`` just before it waits for a page that has not arrived: the caller sends
# what it holds first, so the client is never kept waiting for bytes the gateway already has.
WAIT = object()


class ProvinceFailed(Exception):
    """A province's page failed after the export started."""

    def __init__(self, code: str, error: SourceError) -> None:
        super().__init__(code)
        self.code, self.error = code, error


class ProvinceStream:
    """One province's rows in order, a page at a time with the next page on its way."""

    def __init__(self, kind: ExportKind[Any], code: str, source: Source, plan: Plan, viewer: Viewer,
                 page_rows: int) -> None:
        self.kind, self.code, self.source = kind, code, source
        self.plan, self.viewer, self.page_rows = plan, viewer, page_rows
        self.rows: deque[Any] = deque()
        self._next: Start | None = kind.start(plan.position, code)
        self._pending: asyncio.Task[Sequence[Any]] | None = None

    @property
    def ready(self) -> bool:
        """Whether :meth:`head` can answer without waiting for the database."""
        return bool(self.rows) or self._next is None or (self._pending is not None and self._pending.done())

    async def head(self) -> Any | None:
        """The next visible row (``None`` when the province has no more); raises ``SourceError``."""
        while not self.rows and self._next is not None:
            self._fetch()
            assert self._pending is not None
            task, self._pending = self._pending, None
            self._take(await task)
        return self.rows[0] if self.rows else None

    def pop(self) -> Any:
        row = self.rows.popleft()
        if not self.rows:
            self._fetch()  # the page is used up: ask for the next one now
        return row

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            # A page nobody will read: its failure, if any, is of no interest.
            self._pending.add_done_callback(_swallow)
            self._pending = None

    def _fetch(self) -> None:
        if self._pending is None and self._next is not None:
            page = self.kind.page(self.source, self._next, self.page_rows, self.plan, self.viewer)
            self._pending = asyncio.ensure_future(page)

    def _take(self, page: Sequence[Any]) -> None:
        # The next page starts after the last row fetched, visible or not.
        self._next = self.kind.resume(page[-1]) if len(page) >= self.page_rows else None
        kind, code, plan, viewer = self.kind, self.code, self.plan, self.viewer
        self.rows.extend(row for row in page if kind.visible(code, row, plan, viewer))
        if self.rows:
            self._fetch()  # read ahead while this page is merged


async def prime(streams: Sequence[ProvinceStream]) -> None:
    """Every province's first page, before the response starts: the first failure is raised (the
    caller answers it as an HTTP error), the other pages are kept."""
    outcomes = await asyncio.gather(*(s.head() for s in streams), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


async def merged(kind: ExportKind[Any], streams: Sequence[ProvinceStream]) -> AsyncIterator[Any]:
    """Output groups (lists of ``(code, row)`` items) in the global order, with ``WAIT`` before a
    wait; raises :class:`ProvinceFailed` when a province's page fails."""
    heap: list[tuple[Any, int]] = []
    for index, stream in enumerate(streams):
        row = await _head(stream)
        if row is not None:
            heap.append((kind.sort_key(stream.code, row), index))
    heapq.heapify(heap)
    group: list[Item] = []
    while heap:
        _, index = heapq.heappop(heap)
        stream = streams[index]
        row = stream.pop()
        if not kind.grouped:
            yield [(stream.code, row)]  # the smallest of every province's next row: final
        else:
            if group and kind.group_key(*group[0]) != kind.group_key(stream.code, row):
                yield group  # every province's next row is past it: the group is whole
                group = []
            group.append((stream.code, row))
        if not stream.ready:
            yield WAIT
        following = await _head(stream)
        if following is not None:
            heapq.heappush(heap, (kind.sort_key(stream.code, following), index))
    if group:
        yield group


async def _head(stream: ProvinceStream) -> Any | None:
    try:
        return await stream.head()
    except SourceError as exc:
        raise ProvinceFailed(stream.code, exc) from exc


def close_all(streams: Sequence[ProvinceStream]) -> None:
    for stream in streams:
        stream.close()


def _swallow(task: asyncio.Task[Any]) -> None:
    with contextlib.suppress(BaseException):
        task.exception()
