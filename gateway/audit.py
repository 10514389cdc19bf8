"""The query audit trail (DOMAIN §6): who looked at which person or cross-check, when, from where.

Every entry is first appended to a local spool file and fsynced, then delivered in order to the
central store by a background task.  The spool is what makes the trail survive the central store
being down and the gateway restarting: nothing is acknowledged to the client before its entry is
on disk, and delivery resumes from the spool on the next start.  Each entry carries a random id,
so delivering the same entry twice (a crash between insert and bookkeeping) inserts it once.

Spool layout (one directory per replica): ``spool.jsonl`` (one canonical JSON payload a line,
append-only), ``delivered`` (byte offset up to which the central store has the entries),
``spool.lock`` (flock serialising appends against the truncation after a full delivery) and
``deliver.lock`` (one deliverer at a time).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from resolvers.identity import Identity
from sources import audit_queries
from sources.base import Row, Source
from sources.errors import SourceError

log = logging.getLogger("yrd.audit")

AUDITED_KINDS = ("person", "crosscheck")
GENESIS = "0" * 64
_BATCH = 500


def audited_subjects(subjects: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(kind, key) for kind, key in subjects if kind in AUDITED_KINDS]


def make_payload(
    identity: Identity, subjects: Sequence[tuple[str, str]], *, client: str | None, operation: str | None,
    result_count: int, at: datetime | None = None, disclosed: Collection[str] = (),
    details: Mapping[str, Any] | None = None,
) -> str:
    """The canonical JSON of one entry: the exact text the hash chain covers.  A person whose full
    ID number reached the caller (a key in ``disclosed``) is marked ``"fullIdNumber": true``;
    ``details`` are further members of the entry (an export's filters and counts)."""
    entry: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "at": (at or datetime.now(UTC)).isoformat(timespec="microseconds"),
        "sub": identity.subject,
        "org": identity.org,
        "province": identity.province,
        "roles": sorted(identity.roles),
        "client": client,
        "operation": operation,
        "subjects": [_subject(kind, key, disclosed) for kind, key in subjects],
        "resultCount": result_count,
        **(details or {}),
    }
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _subject(kind: str, key: str, disclosed: Collection[str]) -> dict[str, Any]:
    if kind == "person" and key in disclosed:
        return {"kind": kind, "key": key, "fullIdNumber": True}
    return {"kind": kind, "key": key}


# ---- the spool ----------------------------------------------------------------------------------

class Spool:
    """An append-only, fsynced file of payloads waiting for the central store (blocking I/O: call
    from a worker thread)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.file = directory / "spool.jsonl"
        self.offset_file = directory / "delivered"
        self._lock_file = directory / "spool.lock"
        self.file.touch(mode=0o600, exist_ok=True)

    @contextlib.contextmanager
    def _locked(self, name: Path | None = None, *, blocking: bool = True) -> Iterator[bool]:
        fd = os.open(name or self._lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # closing releases the lock

    def append(self, payload: str) -> None:
        line = (payload + "\n").encode("utf-8")
        with self._locked():
            fd = os.open(self.file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)

    def pending(self, limit: int = _BATCH) -> tuple[list[str], int]:
        """Up to ``limit`` undelivered payloads in order, and the offset just after them."""
        with self._locked():
            offset = self._offset()
            with self.file.open("rb") as f:
                f.seek(offset)
                lines = []
                for raw in f:
                    if not raw.endswith(b"\n") or len(lines) >= limit:
                        break  # a torn last line (crash mid-write) is not an entry
                    lines.append(raw.decode("utf-8").rstrip("\n"))
                    offset += len(raw)
        return lines, offset

    def mark_delivered(self, offset: int) -> None:
        """Record progress; once everything is delivered, start the file afresh."""
        with self._locked():
            if offset >= self.file.stat().st_size:
                with self.file.open("r+b") as f:
                    f.truncate(0)
                    os.fsync(f.fileno())
                offset = 0
            self._write_offset(offset)

    def backlog(self) -> int:
        """Bytes not yet delivered."""
        with self._locked():
            return max(0, self.file.stat().st_size - self._offset())

    def deliverer(self) -> contextlib.AbstractContextManager[bool]:
        """Exclusive right to deliver (``False`` while another process holds it)."""
        return self._locked(self.directory / "deliver.lock", blocking=False)

    def _offset(self) -> int:
        try:
            offset = int(self.offset_file.read_text() or 0)
        except (FileNotFoundError, ValueError):
            return 0
        # Past the end: the file was truncated but the crash came before the offset was reset.
        return offset if offset <= self.file.stat().st_size else 0

    def _write_offset(self, offset: int) -> None:
        temp = self.offset_file.with_suffix(".tmp")
        with temp.open("w") as f:
            f.write(str(offset))
            f.flush()
            os.fsync(f.fileno())
        temp.replace(self.offset_file)


# ---- delivery -----------------------------------------------------------------------------------

class AuditTrail:
    """Spool, then deliver in order to the central store; owned by the application's lifespan."""

    def __init__(self, spool_dir: Path, central: Source, retry_s: float = 1.0) -> None:
        self.spool = Spool(spool_dir)
        self._central = central
        self._retry_s = retry_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-delivery")
        self._wake.set()  # deliver what a previous run left in the spool

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(SourceError, OSError):
            await asyncio.wait_for(self.deliver(), timeout=2.0)  # best effort; the spool keeps the rest

    async def record(self, payload: str) -> None:
        """Durable once this returns: the entry is on disk, delivery follows."""
        await asyncio.to_thread(self.spool.append, payload)
        self._wake.set()

    async def deliver(self) -> int:
        """Deliver every pending entry in order; returns how many were sent.  Raises ``SourceError``
        when the central store is unreachable (the entries stay in the spool)."""
        sent = 0
        with self.spool.deliverer() as mine:
            if not mine:
                return 0
            while True:
                payloads, offset = await asyncio.to_thread(self.spool.pending)
                if not payloads:
                    return sent
                await audit_queries.append(self._central, payloads)
                await asyncio.to_thread(self.spool.mark_delivered, offset)
                sent += len(payloads)

    async def flush(self, timeout: float = 5.0) -> bool:
        """Deliver now; true when the spool is empty afterwards.  The background delivery may hold
        the spool at this moment (``deliver`` then sends nothing): wait for it and try again."""
        with contextlib.suppress(SourceError, TimeoutError):
            async with asyncio.timeout(timeout):
                while await asyncio.to_thread(self.spool.backlog):
                    await self.deliver()
                    await asyncio.sleep(0.01)
        return await asyncio.to_thread(self.spool.backlog) == 0

    async def _run(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
            # arrives as the event is set, and close() then waits for this loop forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._retry_s * 5):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.deliver()
            except SourceError as exc:
                log.warning("audit delivery postponed: %s", exc.message)
                await asyncio.sleep(self._retry_s)
                self._wake.set()
            except Exception:
                log.exception("audit delivery failed; retrying")
                await asyncio.sleep(self._retry_s)
                self._wake.set()


# ---- verification -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChainReport:
    """The outcome of ``audit verify``: how many entries were checked and the first broken one."""

    checked: int
    broken_seq: int | None = None
    broken_entry: str | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


def entry_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def check_row(row: Row, expected_seq: int, prev_hash: str) -> str | None:
    """Why ``row`` breaks the chain, or ``None``."""
    if row["seq"] != expected_seq:
        return f"sequence gap: expected {expected_seq}, found {row['seq']} (entries removed)"
    if row["prev_hash"] != prev_hash:
        return "prev_hash does not match the previous entry's hash"
    if row["hash"] != entry_hash(prev_hash, row["payload"]):
        return "hash does not match the entry's content (entry modified)"
    return _columns_mismatch(row)


def _columns_mismatch(row: Row) -> str | None:
    """The searchable columns must say what the hashed payload says."""
    try:
        doc: dict[str, Any] = json.loads(row["payload"])
    except ValueError:
        return "payload is not JSON"
    expected = {
        "entry_id": doc.get("id"), "actor": doc.get("sub"), "org": doc.get("org"), "province": doc.get("province"),
        "client_addr": doc.get("client"), "operation": doc.get("operation"), "result_count": doc.get("resultCount"),
        "roles": doc.get("roles"), "subject_keys": [s.get("key") for s in doc.get("subjects", [])],
    }
    for column, value in expected.items():
        if _normal(row[column]) != _normal(value):
            return f"column {column} differs from the hashed payload"
    if row["at"] != datetime.fromisoformat(doc.get("at", "")):
        return "column at differs from the hashed payload"
    return None


def _normal(value: object) -> object:
    return list(value) if isinstance(value, tuple | list) else value


async def verify_chain(central: Source, batch: int = 2000) -> ChainReport:
    """Walk the whole chain from the first entry; stop at the first broken one."""
    checked, prev_hash, seq = 0, GENESIS, 0
    while True:
        rows = await audit_queries.chain(central, seq, batch)
        for row in rows:
            reason = check_row(row, seq + 1, prev_hash)
            if reason is not None:
                return ChainReport(checked, row["seq"], row["entry_id"], reason)
            checked, prev_hash, seq = checked + 1, row["hash"], row["seq"]
        if len(rows) < batch:
            return ChainReport(checked)
