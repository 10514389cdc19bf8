"""Keeping the presence index true: the sync worker and reconcile.

The sync worker follows each province's change log (``exchange.change_log``, filled by triggers
whoever writes) and re-judges every subject a change touched, writing the judgement into
``central.presence`` and the new log position into ``central.sync_watermark`` in one central
transaction.  Judging the subject's current state (rather than replaying the change) makes a
change applied twice a no-op, and a row is only replaced by a judgement at the same or a later
province snapshot (versioned upsert).

Several gateway replicas may run the worker at once: per province, one holds a session advisory
lock in the central store and works, the others stand by and take over when its connection ends.
Every write to a province's index rows (sync and reconcile alike) happens under a transaction
advisory lock for that province, so writers never interleave.

``reconcile`` rebuilds one province's index rows from its tables in keyset batches (short
transactions, no table locks), safe while serving and syncing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

from domain.clock import Clock
from sources import index_queries as iq
from sources.base import Row
from sources.index_queries import Applied, Judgement, Position

log = logging.getLogger("yrd.index")

# Advisory-lock namespaces in the central store (first key); the province code is the second.
_LEADER_LOCK = 0x59524431  # "YRD1": the active sync worker of a province
_APPLY_LOCK = 0x59524432  # "YRD2": one writer of a province's index rows at a time
_CONNECT_TIMEOUT_S = 5.0
_MAX_VERSION = 2**63 - 1


@dataclass(frozen=True)
class SyncSettings:
    """How the index is kept: whether ``serve`` runs the worker, how often it polls, batch sizes,
    and how stale the index may be before routing stops trusting it."""

    enabled: bool = True
    poll_s: float = 0.2
    batch_size: int = 500
    max_lag_s: float = 5.0
    retry_s: float = 2.0
    rejudge_every_s: float = 30.0


@dataclass(frozen=True)
class ProvinceDatabase:
    """A province's code and DSN (a secret: never printed)."""

    code: str
    dsn: str = field(repr=False)


class ConnectionSource:
    """One asyncpg connection seen through the ``Source`` protocol (for the index queries)."""

    def __init__(self, name: str, conn: asyncpg.Connection) -> None:
        self.name = name
        self.conn = conn

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        return await self.conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        return await self.conn.fetchrow(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        return await self.conn.execute(sql, *args)

    async def close(self) -> None:
        await self.conn.close()


async def connect(name: str, dsn: str) -> ConnectionSource:
    """A connection for index upkeep; a failure names the database, never the DSN."""
    try:
        conn = await asyncpg.connect(dsn, timeout=_CONNECT_TIMEOUT_S)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise IndexSyncError(f"cannot connect to the {name} database ({type(exc).__name__})") from None
    return ConnectionSource(name, conn)


class IndexSyncError(RuntimeError):
    """Index upkeep could not reach a database; the message names which, never a DSN."""


@contextlib.asynccontextmanager
async def _apply_transaction(central: ConnectionSource, province: str) -> AsyncIterator[None]:
    """A central transaction holding the province's apply lock (released at commit or rollback)."""
    async with central.conn.transaction():
        await central.execute("SELECT pg_advisory_xact_lock($1, $2)", _APPLY_LOCK, int(province))
        yield


# ---- one step of the sync --------------------------------------------------------------------


@dataclass(frozen=True)
class StepResult:
    """What one sync step did: changes read, index rows changed, whether the log is exhausted."""

    changes: int
    applied: Applied
    caught_up: bool
    reconcile_needed: bool


async def _watermark(central: ConnectionSource, province: str) -> Position:
    await central.execute(
        "INSERT INTO central.sync_watermark (province_code) VALUES ($1) ON CONFLICT DO NOTHING", province
    )
    row = await central.fetchrow(
        "SELECT last_txid, last_version FROM central.sync_watermark WHERE province_code = $1 FOR UPDATE", province
    )
    assert row is not None
    return Position(row["last_txid"], row["last_version"])


async def _judge_subjects(
    source: ConnectionSource, subjects: Iterable[tuple[str, str]], today: date
) -> list[Judgement]:
    """Judge (kind, key) subjects in the province: one statement per kind that has any."""
    by_kind: dict[str, set[str]] = {}
    for kind, key in subjects:
        by_kind.setdefault(kind, set()).add(key)
    judgements: list[Judgement] = []
    for kind in iq.KINDS:
        if by_kind.get(kind):
            judgements += await iq.judge(source, kind, sorted(by_kind[kind]), today)
    return judgements


async def sync_step(
    central: ConnectionSource, province: ProvinceDatabase, source: ConnectionSource, *, today: date, batch_size: int
) -> StepResult:
    """Apply the next batch of the province's change log to the index, in one central transaction."""
    async with _apply_transaction(central, province.code):
        position = await _watermark(central, province.code)
        batch = await iq.read_changes(source, position, batch_size)
        judgements = await _judge_subjects(source, ((c.kind, c.key) for c in batch.changes), today)
        applied = await iq.apply_judgements(central, province.code, judgements)
        caught_up = len(batch.changes) < batch_size and not batch.held_back
        last = batch.changes[-1].position if batch.changes else position
        await central.execute(
            """UPDATE central.sync_watermark
                  SET last_txid = $2, last_version = $3, updated_at = now(),
                      caught_up_at = CASE WHEN $4 THEN greatest(caught_up_at, now()) ELSE caught_up_at END
                WHERE province_code = $1""",
            province.code,
            last.txid,
            last.version,
            caught_up,
        )
    reconcile = any(c.kind == iq.RECONCILE_ALL for c in batch.changes)
    return StepResult(len(batch.changes), applied, caught_up, reconcile)


async def rejudge_due(
    central: ConnectionSource, province: ProvinceDatabase, source: ConnectionSource, *, today: date, batch_size: int
) -> Applied:
    """Re-judge subjects whose flags' dates have come (windows open and close without a write)."""
    total = Applied()
    while True:
        async with _apply_transaction(central, province.code):
            due = await iq.due_for_rejudging(central, province.code, today, batch_size)
            total += await iq.apply_judgements(central, province.code, await _judge_subjects(source, due, today))
        if len(due) < batch_size:
            return total


# ---- reconcile ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReconcileReport:
    """What a reconcile of one province changed in the index."""

    province: str
    added: int
    changed: int
    removed: int


async def reconcile(
    central: ConnectionSource,
    province: ProvinceDatabase,
    source: ConnectionSource,
    *,
    today: date,
    batch_size: int = 1000,
) -> ReconcileReport:
    """Rebuild one province's index rows from its tables.

    Pass 1 walks every subject the province names (keyset batches, each judged and upserted);
    pass 2 walks every subject the index holds for the province and removes those it no longer
    names.  Each batch is its own short transaction under the province's apply lock.  At the end
    the sync position moves past every transaction that had ended before pass 1 began (they are
    all reflected), so a backlog (e.g. a bulk load) is not replayed change by change.
    """
    started = await central.conn.fetchval("SELECT clock_timestamp()")
    total = Applied()
    horizon: int | None = None
    for kind in iq.KINDS:
        applied, first_version = await _reconcile_present(central, province, source, kind, today, batch_size)
        total += applied
        horizon = horizon if horizon is not None else first_version
    for kind in iq.KINDS:
        total += await _reconcile_absent(central, province, source, kind, today, batch_size)
    await _advance_past(central, province.code, horizon, started)
    log.info("reconciled %s: +%d ~%d -%d", province.code, total.added, total.changed, total.removed)
    return ReconcileReport(province.code, total.added, total.changed, total.removed)


async def _reconcile_present(
    central: ConnectionSource, province: ProvinceDatabase, source: ConnectionSource, kind: str, today: date, limit: int
) -> tuple[Applied, int | None]:
    total, after, first_version = Applied(), "", None
    while True:
        async with _apply_transaction(central, province.code):
            judged = await iq.judge_next(source, kind, after, limit, today)
            total += await iq.apply_judgements(central, province.code, judged)
        if judged and first_version is None:
            first_version = judged[0].version
        if len(judged) < limit:
            return total, first_version
        after = judged[-1].key


async def _reconcile_absent(
    central: ConnectionSource, province: ProvinceDatabase, source: ConnectionSource, kind: str, today: date, limit: int
) -> Applied:
    total, after = Applied(), ""
    while True:
        async with _apply_transaction(central, province.code):
            keys = await iq.indexed_keys_after(central, province.code, kind, after, limit)
            judged = await iq.judge(source, kind, keys, today) if keys else []
            total += await iq.apply_judgements(central, province.code, judged)
        if len(keys) < limit:
            return total
        after = keys[-1]


async def _advance_past(central: ConnectionSource, province: str, horizon: int | None, started: datetime) -> None:
    """Every transaction below ``horizon`` (the xmin of pass 1's first snapshot) is reflected, and
    so is every change committed before ``started``: move the position and the caught-up time."""
    async with _apply_transaction(central, province):
        position = await _watermark(central, province)
        target = Position(horizon - 1, _MAX_VERSION) if horizon is not None else position
        await central.execute(
            """UPDATE central.sync_watermark
                  SET last_txid = $2, last_version = $3, updated_at = now(),
                      caught_up_at = greatest(caught_up_at, $4::timestamptz)
                WHERE province_code = $1""",
            province,
            max(position, target).txid,
            max(position, target).version,
            started,
        )


# ---- the worker ----------------------------------------------------------------------------------


class ProvinceFollower:
    """Follows one province's change log while this process holds the province's leader lock."""

    def __init__(self, province: ProvinceDatabase, central_dsn: str, settings: SyncSettings, clock: Clock) -> None:
        self.province = province
        self._central_dsn = central_dsn
        self._settings = settings
        self._clock = clock
        self.leading = False
        self.steps = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Stand by or lead until ``stop`` is set; any database failure is retried, never fatal."""
        while not stop.is_set():
            try:
                await self._lead_when_possible(stop)
            except (IndexSyncError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                log.warning("index sync %s: %s; retrying", self.province.code, _safe(exc))
            finally:
                self.leading = False
            await _sleep_or_stop(stop, self._settings.retry_s)

    async def _lead_when_possible(self, stop: asyncio.Event) -> None:
        central = await connect("central", self._central_dsn)
        try:
            if not await self._take_lead(central):
                return  # another replica leads this province: stand by
            source = await connect(self.province.code, self.province.dsn)
            try:
                self.leading = True
                log.info("index sync %s: leading", self.province.code)
                await self._follow(central, source, stop)
            finally:
                await source.close()
        finally:
            await central.close()  # also releases the leader lock

    async def _take_lead(self, central: ConnectionSource) -> bool:
        return bool(
            await central.conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", _LEADER_LOCK, int(self.province.code))
        )

    async def _follow(self, central: ConnectionSource, source: ConnectionSource, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        next_rejudge = 0.0
        while not stop.is_set():
            result = await catch_up(central, self.province, source, self._clock.today(), self._settings)
            self.steps += 1
            if loop.time() >= next_rejudge:
                await rejudge_due(
                    central, self.province, source, today=self._clock.today(), batch_size=self._settings.batch_size
                )
                next_rejudge = loop.time() + self._settings.rejudge_every_s
            if result.caught_up:
                await _sleep_or_stop(stop, self._settings.poll_s)


async def catch_up(
    central: ConnectionSource,
    province: ProvinceDatabase,
    source: ConnectionSource,
    today: date,
    settings: SyncSettings,
) -> StepResult:
    """Step until the log is exhausted (or a batch stays short); reconcile when a TRUNCATE asks."""
    while True:
        result = await sync_step(central, province, source, today=today, batch_size=settings.batch_size)
        if result.reconcile_needed:
            await reconcile(central, province, source, today=today)
        if result.caught_up or result.changes == 0:
            return result


class SyncWorker:
    """The index sync of every configured province, as background tasks of one process."""

    def __init__(
        self, provinces: Sequence[ProvinceDatabase], central_dsn: str, settings: SyncSettings, clock: Clock
    ) -> None:
        self.followers = [ProvinceFollower(p, central_dsn, settings, clock) for p in provinces]
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._stop.clear()
        self._tasks = [
            asyncio.create_task(f.run(self._stop), name=f"index-sync-{f.province.code}") for f in self.followers
        ]

    async def run_forever(self) -> None:
        self.start()
        await asyncio.gather(*self._tasks)

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()  # a follower may be waiting on a database; its connections close with it
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []


async def sync_once(
    provinces: Sequence[ProvinceDatabase], central_dsn: str, settings: SyncSettings, clock: Clock
) -> dict[str, StepResult]:
    """Catch every province up once (``yrd-gateway sync --once``), waiting for each leader lock."""
    results: dict[str, StepResult] = {}
    for province in provinces:
        central = await connect("central", central_dsn)
        try:
            await central.execute("SELECT pg_advisory_lock($1, $2)", _LEADER_LOCK, int(province.code))
            source = await connect(province.code, province.dsn)
            try:
                results[province.code] = await catch_up(central, province, source, clock.today(), settings)
            finally:
                await source.close()
        finally:
            await central.close()
    return results


async def reconcile_provinces(
    provinces: Sequence[ProvinceDatabase], central_dsn: str, clock: Clock, batch_size: int = 1000
) -> list[ReconcileReport]:
    """Reconcile each given province in turn (``yrd-gateway reconcile``, and after a bulk load)."""
    reports = []
    for province in provinces:
        central = await connect("central", central_dsn)
        try:
            source = await connect(province.code, province.dsn)
            try:
                reports.append(await reconcile(central, province, source, today=clock.today(), batch_size=batch_size))
            finally:
                await source.close()
        finally:
            await central.close()
    return reports


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    # asyncio.timeout rather than wait_for, which on 3.11 may swallow a cancellation (stop() cancels).
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()


def _safe(exc: BaseException) -> str:
    """A log-safe description: our own messages name databases only; driver errors by class."""
    return str(exc) if isinstance(exc, IndexSyncError) else type(exc).__name__
