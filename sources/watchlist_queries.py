"""The officials' watchlists in the central store (``central.watchlist_entry``, migration
``central/004_watchlist.sql``)."""

from __future__ import annotations

from datetime import datetime

from sources.base import Source
from sources.records import SourceRecord, source_record


@source_record
class WatchRow(SourceRecord):
    """One watched subject of one official."""

    subject_kind: str
    subject_key: str
    id_type: str | None
    id_number_masked: str | None
    added_at: datetime


_COLUMNS = "subject_kind, subject_key, id_type, id_number_masked, added_at"


async def watch(source: Source, official: str, entry: WatchRow, org: str | None, limit: int) -> WatchRow | None:
    """Add ``entry`` (a second add changes nothing) unless the official already watches ``limit``
    subjects; the stored entry, or None when the list is full."""
    row = await source.fetchrow(
        f"""WITH existing AS (
                SELECT {_COLUMNS} FROM central.watchlist_entry
                 WHERE official = $1 AND subject_kind = $2 AND subject_key = $3),
             added AS (
                INSERT INTO central.watchlist_entry
                       (official, subject_kind, subject_key, id_type, id_number_masked, added_by_org)
                SELECT $1, $2, $3, $4, $5, $6
                 WHERE NOT EXISTS (SELECT 1 FROM existing)
                   AND (SELECT count(*) FROM central.watchlist_entry WHERE official = $1) < $7
                ON CONFLICT DO NOTHING
                RETURNING {_COLUMNS})
            SELECT * FROM existing UNION ALL SELECT * FROM added""",
        official, entry.subject_kind, entry.subject_key, entry.id_type, entry.id_number_masked, org, limit,
    )
    if row is None:  # lost a race with an identical add, or the list is full
        rows = await watched(source, official)
        return next((r for r in rows if (r.subject_kind, r.subject_key) == (entry.subject_kind, entry.subject_key)),
                    None)
    return WatchRow.from_record(row)


async def unwatch(source: Source, official: str, subject_kind: str, subject_key: str) -> bool:
    """Remove an entry; whether there was one."""
    status = await source.execute(
        "DELETE FROM central.watchlist_entry WHERE official = $1 AND subject_kind = $2 AND subject_key = $3",
        official, subject_kind, subject_key,
    )
    return status.endswith(" 1")


async def watched(source: Source, official: str) -> list[WatchRow]:
    rows = await source.fetch(
        f"SELECT {_COLUMNS} FROM central.watchlist_entry WHERE official = $1 ORDER BY added_at, subject_key", official
    )
    return [WatchRow.from_record(r) for r in rows]
