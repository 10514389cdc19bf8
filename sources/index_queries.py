"""The SQL of the presence index's upkeep: reading a province's change log, judging subjects in
the province, and writing the judgements into ``central.presence``.

A subject (enterprise, person, project) is *present* in a province when any exchange table the
read path consults for it names its key there.  Its flags follow DOMAIN §4 on China's date: a
bad record counts while published and inside its window, a blacklist entry while active.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sources.base import Row, Source

ENTERPRISE, PERSON, PROJECT = "enterprise", "person", "project"
KINDS = (ENTERPRISE, PERSON, PROJECT)
RECONCILE_ALL = "all"  # a TRUNCATE in a province: only a reconcile can tell what left

# Where each kind of subject is named in a province (the tables the read path consults for it).
PRESENCE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    ENTERPRISE: (
        ("enterprise", "uscc"),
        ("qualification_certificate", "uscc"),
        ("registration", "employer_uscc"),
        ("project", "owner_uscc"),
        ("project_stage", "enterprise_uscc"),
        ("project_party", "uscc"),
        ("key_personnel", "employer_uscc"),
        ("performance", "uscc"),
        ("credit_record", "subject_uscc"),
        ("blacklist_entry", "subject_uscc"),
    ),
    PERSON: (
        ("person", "person_key"),
        ("key_personnel", "person_key"),
        ("project_stage", "person_key"),
        ("credit_record", "subject_person_key"),
        ("blacklist_entry", "subject_person_key"),
    ),
    PROJECT: (("project", "project_number"), ("credit_record", "project_number")),
}
# The column naming the subject in credit_record and blacklist_entry (the flags' sources).
_RECORD_COLUMN = {ENTERPRISE: "subject_uscc", PERSON: "subject_person_key", PROJECT: "project_number"}
_BLACKLIST_COLUMN = {ENTERPRISE: "subject_uscc", PERSON: "subject_person_key"}


@dataclass(frozen=True, order=True)
class Position:
    """A place in a province's change log: every change at or before it has been applied."""

    txid: int
    version: int




@dataclass(frozen=True)
class Change:
    """One logged change of one subject."""

    kind: str
    key: str
    position: Position


@dataclass(frozen=True)
class ChangeBatch:
    """Changes read past a position; ``held_back`` when committed changes wait behind a still-open
    older transaction (the reader may not pass it, so it is not caught up)."""

    changes: list[Change]
    held_back: bool


@dataclass(frozen=True)
class Judgement:
    """What a province says of one subject now, and the snapshot (xmin) it was judged at."""

    kind: str
    key: str
    present: bool
    has_bad_record: bool
    has_blacklist: bool
    flags_valid_until: date | None  # the first date on which the flags may change
    version: int


# ---- province side -----------------------------------------------------------------------------

_READ_CHANGES = """
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
(SELECT c.subject_kind, c.subject_key, c.txid::text::bigint AS txid, c.version
   FROM exchange.change_log c, horizon h
  WHERE (c.txid, c.version) > ($1::text::xid8, $2::bigint) AND c.txid < h.xmin
  ORDER BY c.txid, c.version
  LIMIT $3)
UNION ALL
SELECT NULL, NULL, NULL, NULL
 WHERE EXISTS (SELECT 1 FROM exchange.change_log c, horizon h WHERE c.txid >= h.xmin)
"""


async def read_changes(source: Source, after: Position, limit: int) -> ChangeBatch:
    """Up to ``limit`` changes after ``after`` in (txid, version) order, from ended transactions only."""
    rows = await source.fetch(_READ_CHANGES, str(after.txid), after.version, limit)
    changes = [
        Change(r["subject_kind"], r["subject_key"], Position(r["txid"], r["version"]))
        for r in rows
        if r["txid"] is not None
    ]
    return ChangeBatch(changes, held_back=len(changes) < len(rows))


def _exists_anywhere(kind: str) -> str:
    return " OR ".join(
        f"EXISTS (SELECT 1 FROM exchange.{table} t WHERE t.{column} = keys.k)"
        for table, column in PRESENCE_COLUMNS[kind]
    )


def _flag_sql(kind: str, today: str) -> tuple[str, str, str]:
    """(has_bad_record, has_blacklist, flags_valid_until) expressions for ``keys.k`` on ``today``."""
    record = _RECORD_COLUMN[kind]
    bad = f"r.{record} = keys.k AND r.polarity = 'bad' AND r.status = 'published'"
    has_bad = (
        f"EXISTS (SELECT 1 FROM exchange.credit_record r"
        f" WHERE {bad} AND r.publish_from <= {today} AND {today} <= r.publish_to)"
    )
    bad_next = (
        f"(SELECT min(v.d) FROM exchange.credit_record r, LATERAL (VALUES (r.publish_from), (r.publish_to + 1)) v(d)"
        f" WHERE {bad} AND v.d > {today})"
    )
    listing = _BLACKLIST_COLUMN.get(kind)
    if listing is None:
        return has_bad, "false", bad_next
    end = "coalesce(b.released_on, b.planned_release)"
    has_listing = (
        f"EXISTS (SELECT 1 FROM exchange.blacklist_entry b WHERE b.{listing} = keys.k"
        f" AND b.listed_on <= {today} AND {today} < {end})"
    )
    listing_next = (
        f"(SELECT min(v.d) FROM exchange.blacklist_entry b, LATERAL (VALUES (b.listed_on), ({end})) v(d)"
        f" WHERE b.{listing} = keys.k AND v.d > {today})"
    )
    return has_bad, has_listing, f"LEAST({bad_next}, {listing_next})"


def _judge_sql(kind: str, keys_cte: str, today: str) -> str:
    has_bad, has_listing, until = _flag_sql(kind, today)
    return f"""
WITH keys AS ({keys_cte})
SELECT keys.k AS subject_key, ({_exists_anywhere(kind)}) AS present,
       {has_bad} AS has_bad_record, {has_listing} AS has_blacklist, {until} AS flags_valid_until,
       pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS judged_at
  FROM keys ORDER BY keys.k"""


def _judgements(kind: str, rows: Sequence[Row]) -> list[Judgement]:
    return [
        Judgement(
            kind,
            r["subject_key"],
            r["present"],
            r["has_bad_record"],
            r["has_blacklist"],
            r["flags_valid_until"],
            r["judged_at"],
        )
        for r in rows
    ]


async def judge(source: Source, kind: str, keys: Sequence[str], today: date) -> list[Judgement]:
    """Judge the given subjects of one kind in the province, in one statement."""
    sql = _judge_sql(kind, "SELECT DISTINCT unnest($1::text[]) AS k", "$2::date")
    return _judgements(kind, await source.fetch(sql, list(keys), today))


def _listing_cte(kind: str) -> str:
    """The next keys of ``kind`` after $1 in this province, $2 at most (each branch uses its index)."""
    branches = " UNION ".join(
        f"(SELECT t.{column}::text AS k FROM exchange.{table} t WHERE t.{column} > $1 ORDER BY 1 LIMIT $2)"
        for table, column in PRESENCE_COLUMNS[kind]
    )
    return f"SELECT u.k FROM ({branches}) u ORDER BY u.k LIMIT $2"


async def judge_next(source: Source, kind: str, after: str, limit: int, today: date) -> list[Judgement]:
    """Judge the next ``limit`` subjects of ``kind`` the province names, in key order after ``after``."""
    sql = _judge_sql(kind, _listing_cte(kind), "$3::date")
    return _judgements(kind, await source.fetch(sql, after, limit, today))


# ---- central side ------------------------------------------------------------------------------

_UPSERT = """
INSERT INTO central.presence AS p
       (subject_kind, subject_key, province_code, has_bad_record, has_blacklist, flags_valid_until, version, updated_at)
SELECT $1, t.k, $2, t.bad, t.listed, t.until, t.version, now()
  FROM unnest($3::text[], $4::bool[], $5::bool[], $6::date[], $7::bigint[]) AS t(k, bad, listed, until, version)
ON CONFLICT (subject_kind, subject_key, province_code) DO UPDATE
   SET has_bad_record = EXCLUDED.has_bad_record, has_blacklist = EXCLUDED.has_blacklist,
       flags_valid_until = EXCLUDED.flags_valid_until, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
 WHERE p.version <= EXCLUDED.version
   AND (p.has_bad_record, p.has_blacklist, p.flags_valid_until)
       IS DISTINCT FROM (EXCLUDED.has_bad_record, EXCLUDED.has_blacklist, EXCLUDED.flags_valid_until)
RETURNING (xmax = 0) AS inserted
"""

_DELETE = """
DELETE FROM central.presence p
 USING unnest($3::text[], $4::bigint[]) AS t(k, version)
 WHERE p.subject_kind = $1 AND p.province_code = $2 AND p.subject_key = t.k AND p.version <= t.version
"""


@dataclass
class Applied:
    """What one application changed in the index."""

    added: int = 0
    changed: int = 0
    removed: int = 0

    def __iadd__(self, other: Applied) -> Applied:
        self.added += other.added
        self.changed += other.changed
        self.removed += other.removed
        return self


async def apply_judgements(central: Source, province: str, judgements: Sequence[Judgement]) -> Applied:
    """Write judgements of one province: present subjects upserted (versioned), absent ones removed."""
    applied = Applied()
    for kind in KINDS:
        present = [j for j in judgements if j.kind == kind and j.present]
        absent = [j for j in judgements if j.kind == kind and not j.present]
        if present:
            rows = await central.fetch(
                _UPSERT,
                kind,
                province,
                [j.key for j in present],
                [j.has_bad_record for j in present],
                [j.has_blacklist for j in present],
                [j.flags_valid_until for j in present],
                [j.version for j in present],
            )
            inserted = sum(1 for r in rows if r["inserted"])
            applied += Applied(added=inserted, changed=len(rows) - inserted)
        if absent:
            status = await central.execute(
                _DELETE, kind, province, [j.key for j in absent], [j.version for j in absent]
            )
            applied += Applied(removed=int(status.split()[-1]))
    return applied


async def indexed_keys_after(central: Source, province: str, kind: str, after: str, limit: int) -> list[str]:
    """The next keys of ``kind`` the index holds for ``province``, in the central store's key order."""
    rows = await central.fetch(
        """SELECT subject_key FROM central.presence
            WHERE province_code = $1 AND subject_kind = $2 AND subject_key > $3
            ORDER BY subject_key LIMIT $4""",
        province,
        kind,
        after,
        limit,
    )
    return [r["subject_key"] for r in rows]


async def due_for_rejudging(central: Source, province: str, today: date, limit: int) -> list[tuple[str, str]]:
    """Subjects whose flags may have changed by ``today`` (a window opened or closed, a listing ended)."""
    rows = await central.fetch(
        """SELECT subject_kind, subject_key FROM central.presence
            WHERE province_code = $1 AND flags_valid_until <= $2
            ORDER BY flags_valid_until LIMIT $3""",
        province,
        today,
        limit,
    )
    return [(r["subject_kind"], r["subject_key"]) for r in rows]
