"""The query audit log in the central store (``central.audit_log``, migration 002).

The gateway appends canonical JSON payloads; the database chains them (see the migration).  Reads
are for the ``auditLog`` query and for ``yrd-gateway audit verify``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sources.base import Row, Source
from sources.records import AuditEntryRow

_COLUMNS = """seq, entry_id::text AS entry_id, at, actor, org, province, roles, client_addr, operation,
              subject_keys, result_count, payload, prev_hash, hash"""


async def append(source: Source, payloads: Sequence[str]) -> None:
    """Append entries in the given order, in one statement; entries already present (same id)
    are skipped, so delivering the same spool twice is harmless."""
    await source.execute(
        """INSERT INTO central.audit_log (payload)
           SELECT p FROM unnest($1::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n
           ON CONFLICT (entry_id) DO NOTHING""",
        list(payloads),
    )


@dataclass(frozen=True)
class AuditFilter:
    """Which entries ``auditLog`` returns; every condition is optional."""

    actor: str | None = None
    org: str | None = None
    province: str | None = None
    subject_key: str | None = None
    operation: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_seq: int | None = None


async def entries(source: Source, f: AuditFilter, limit: int) -> list[AuditEntryRow]:
    """Newest first, as typed entries (the ``auditLog`` query reads them)."""
    rows = await source.fetch(
        f"""SELECT {_COLUMNS} FROM central.audit_log
             WHERE ($1::text IS NULL OR actor = $1)
               AND ($2::text IS NULL OR org = $2)
               AND ($3::text IS NULL OR province = $3)
               AND ($4::text IS NULL OR subject_keys @> ARRAY[$4::text])
               AND ($5::text IS NULL OR operation = $5)
               AND ($6::timestamptz IS NULL OR at >= $6)
               AND ($7::timestamptz IS NULL OR at <= $7)
               AND ($8::bigint IS NULL OR seq < $8)
             ORDER BY seq DESC LIMIT $9""",
        f.actor, f.org, f.province, f.subject_key, f.operation, f.since, f.until, f.before_seq, limit,
    )
    return [AuditEntryRow.from_record(row) for row in rows]


async def chain(source: Source, after_seq: int, limit: int) -> Sequence[Row]:
    """Entries in chain order, for verification in batches (driver rows: the verifier compares
    columns with the hashed payload by name)."""
    return await source.fetch(
        f"SELECT {_COLUMNS} FROM central.audit_log WHERE seq > $1 ORDER BY seq LIMIT $2", after_seq, limit
    )
