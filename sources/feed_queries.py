"""Reading a province's feed outbox (``exchange.feed_event``, migration ``005_feed.sql``).

Events are read in (txid, position) order and only from transactions below the reader's snapshot
xmin: sequence values are not commit-ordered, so a row of a transaction still running could
otherwise appear later *behind* a position already passed (the trap ``003_change_log.sql``
describes).  Each event comes with the current row it names (a credit record, a blacklist entry, a
certificate), fetched in one statement per kind per batch, so every subscriber shares one read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sources.base import Source
from sources.province_queries import CREDIT_RECORD_COLUMNS
from sources.records import BlacklistRow, CreditRecordRow, QualificationCertificateRow

RECORD = "record"
BLACKLIST = "blacklist"
QUALIFICATION = "qualification"
SUBJECT = "subject"
KINDS = (RECORD, BLACKLIST, QUALIFICATION, SUBJECT)


@dataclass(frozen=True, order=True)
class FeedPosition:
    """A place in one province's outbox: every event at or before it has been read."""

    txid: int
    position: int


START = FeedPosition(0, 0)


@dataclass(frozen=True)
class FeedEvent:
    """One outbox row and the current row it names (``None`` when that row is gone, or for a
    ``subject`` event, which names a subject only)."""

    province: str
    at: FeedPosition
    kind: str
    change: str
    item_key: str
    subject_kind: str | None
    subject_key: str | None
    emitted_at: datetime
    item: CreditRecordRow | BlacklistRow | QualificationCertificateRow | None = None


@dataclass(frozen=True)
class FeedBatch:
    """Events read in order; ``held_back``: rows of transactions not yet ended exist (read again soon)."""

    events: list[FeedEvent]
    held_back: bool


_READ = """
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
(SELECT e.txid::text::bigint AS txid, e.position, e.kind, e.change, e.item_key, e.subject_kind, e.subject_key,
        e.emitted_at
   FROM exchange.feed_event e, horizon h
  WHERE (e.txid, e.position) > ($1::text::xid8, $2::bigint) AND e.txid < h.xmin
    AND ($3::text::xid8 IS NULL OR (e.txid, e.position) <= ($3::text::xid8, $4::bigint))
  ORDER BY e.txid, e.position
  LIMIT $5)
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
 WHERE EXISTS (SELECT 1 FROM exchange.feed_event e, horizon h WHERE e.txid >= h.xmin)
"""

# The newest position every reader may pass: the last event of an ended transaction.
_HEAD = """
SELECT e.txid::text::bigint AS txid, e.position
  FROM exchange.feed_event e
 WHERE e.txid < pg_snapshot_xmin(pg_current_snapshot())
 ORDER BY e.txid DESC, e.position DESC
 LIMIT 1
"""

_RECORDS = f"SELECT {CREDIT_RECORD_COLUMNS} FROM exchange.credit_record WHERE record_number = ANY($1::text[])"
_BLACKLIST = """SELECT entry_number, subject_uscc, subject_person_key, subject_name, basis, authority,
                       listed_on, planned_release, released_on
                  FROM exchange.blacklist_entry WHERE entry_number = ANY($1::text[])"""
_CERTIFICATES = """
SELECT c.uscc, c.certificate_number, c.issuing_authority, c.issued_on, c.valid_until, c.status, c.status_changed_on,
       coalesce(json_agg(json_build_object('item_no', i.item_no, 'code', i.code, 'sequence', i.sequence,
                                           'category', i.category, 'grade', i.grade)
                         ORDER BY i.item_no) FILTER (WHERE i.item_no IS NOT NULL), '[]')::text AS items
  FROM exchange.qualification_certificate c
  LEFT JOIN exchange.qualification_item i USING (certificate_number)
 WHERE c.certificate_number = ANY($1::text[])
 GROUP BY c.certificate_number
"""
_ITEMS: dict[str, tuple[str, type[Any], str]] = {
    RECORD: (_RECORDS, CreditRecordRow, "record_number"),
    BLACKLIST: (_BLACKLIST, BlacklistRow, "entry_number"),
    QUALIFICATION: (_CERTIFICATES, QualificationCertificateRow, "certificate_number"),
}


async def head(source: Source) -> FeedPosition:
    """Where a new reader starts: after the last event of an ended transaction (or the start)."""
    row = await source.fetchrow(_HEAD)
    return FeedPosition(row["txid"], row["position"]) if row else START


async def horizon(source: Source) -> FeedPosition:
    """The position the province pruned its outbox up to (``007_feed_retention.sql``): events at or
    before it are gone, so nobody can resume from behind it."""
    row = await source.fetchrow("SELECT txid, position FROM exchange.feed_horizon")
    return FeedPosition(row["txid"], row["position"]) if row else START


async def read_events(
    source: Source, province: str, after: FeedPosition, limit: int, upto: FeedPosition | None = None
) -> FeedBatch:
    """Up to ``limit`` events after ``after`` (and at or before ``upto``) in order, from ended
    transactions only, each with the row it names."""
    bound = (str(upto.txid), upto.position) if upto is not None else (None, None)
    rows = await source.fetch(_READ, str(after.txid), after.position, *bound, limit)
    events = [
        FeedEvent(province, FeedPosition(r["txid"], r["position"]), r["kind"], r["change"], r["item_key"],
                  r["subject_kind"], r["subject_key"], r["emitted_at"])
        for r in rows
        if r["txid"] is not None
    ]
    return FeedBatch(await _with_items(source, events), held_back=len(events) < len(rows))


async def _with_items(source: Source, events: Sequence[FeedEvent]) -> list[FeedEvent]:
    """The events with their current rows: one statement per kind present in the batch."""
    keys: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.kind in _ITEMS:
            keys[event.kind].add(event.item_key)
    found: dict[tuple[str, str], Any] = {}
    for kind, wanted in keys.items():
        sql, record, column = _ITEMS[kind]
        for row in await source.fetch(sql, sorted(wanted)):
            found[kind, row[column]] = record.from_record(row)
    return [
        FeedEvent(e.province, e.at, e.kind, e.change, e.item_key, e.subject_kind, e.subject_key, e.emitted_at,
                  found.get((e.kind, e.item_key)))
        for e in events
    ]
