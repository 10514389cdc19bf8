"""SQL of the write path: credit records and blacklist entries written in the official's own
province, each mutation in one transaction with its idempotency receipt.

The history row of every change is written by the province's own triggers
(``migrations/province/004_workflow.sql``), in the same transaction; this module only names the
actor for them in transaction-local settings.  Rows come back as plain dicts of JSON values (dates
as ISO text), the form a receipt keeps, so that a replayed result and a first result are the same.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from domain.errors import IdempotencyKeyReused
from sources.base import Source

JsonRow = dict[str, Any]
Work = Callable[[asyncpg.Connection], Awaitable[JsonRow]]

# What a credit record's writer may set; the rest (status, versions, audit columns) the workflow sets.
CREDIT_RECORD_FIELDS = (
    "subject_kind", "subject_uscc", "subject_person_key", "subject_name", "polarity", "behaviour_code",
    "description", "project_number", "place_division", "decision_number", "decision_date", "authority",
    "authority_level", "penalty", "fine", "penalty_until", "publish_from", "publish_to", "internal_note",
)
BLACKLIST_FIELDS = (
    "subject_uscc", "subject_person_key", "subject_name", "basis", "authority", "listed_on", "planned_release",
)
_RECORD_COLUMNS = (
    "record_number", *CREDIT_RECORD_FIELDS, "status", "row_version", "created_by", "created_at", "updated_by",
    "updated_at",
)
_ENTRY_COLUMNS = ("entry_number", *BLACKLIST_FIELDS, "released_on", "row_version", "created_by", "created_at")


@dataclass(frozen=True)
class Actor:
    """Who writes, as the history row records it (谁录入，谁负责)."""

    subject: str
    org: str | None
    province: str
    address: str | None
    request_id: str | None


@dataclass(frozen=True)
class ClientKey:
    """A mutation's idempotency key, with what it was first used for."""

    key: str
    mutation: str
    arguments_sha256: str


@dataclass(frozen=True)
class Written:
    """A mutation's result, and whether it is the first one returned again for a retried key."""

    row: JsonRow
    replayed: bool


async def write_once(
    source: Source, actor: Actor, client_key: ClientKey, action: str, reason: str | None, work: Work
) -> Written:
    """Run ``work`` once per (actor, client key), in one transaction with its receipt."""

    async def run(conn: asyncpg.Connection) -> Written:
        # Two retries of one key at once: the second waits here, then finds the first's receipt.
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{actor.subject}\x1f{client_key.key}"
        )
        prior = await conn.fetchrow(
            "SELECT mutation, arguments_sha256, result FROM exchange.mutation_receipt"
            " WHERE actor = $1 AND client_key = $2",
            actor.subject, client_key.key,
        )
        if prior is not None:
            return Written(_replayed(prior, client_key), replayed=True)
        await _name_actor(conn, actor, action, reason)
        row = _json_values(await work(conn))
        await conn.execute(
            "INSERT INTO exchange.mutation_receipt (actor, client_key, mutation, arguments_sha256, result)"
            " VALUES ($1, $2, $3, $4, $5::jsonb)",
            actor.subject, client_key.key, client_key.mutation, client_key.arguments_sha256, json.dumps(row),
        )
        return Written(row, replayed=False)

    return await source.transaction(run)


async def write_checked(
    source: Source, actor: Actor, client_key: ClientKey, action: str, reason: str | None,
    checked: Callable[[], Awaitable[Work]],
) -> Written:
    """``write_once`` for a mutation whose input checks consult other stores (``checked`` runs them
    and gives the work): a key already used is answered from its receipt before they run again,
    so a retry after a lost answer gets what was done even if its checks would now say otherwise
    or a store they consult is down.  ``write_once`` looks again under its lock (racing retries)."""
    prior = await source.fetchrow(
        "SELECT mutation, arguments_sha256, result FROM exchange.mutation_receipt WHERE actor = $1 AND client_key = $2",
        actor.subject, client_key.key,
    )
    if prior is not None:
        return Written(_replayed(prior, client_key), replayed=True)
    return await write_once(source, actor, client_key, action, reason, await checked())


def _replayed(prior: Mapping[str, Any], client_key: ClientKey) -> JsonRow:
    if prior["mutation"] != client_key.mutation or prior["arguments_sha256"] != client_key.arguments_sha256:
        raise IdempotencyKeyReused(
            f"clientKey {client_key.key!r} was already used for another {prior['mutation']} request;"
            " use a new key for a new request"
        )
    return dict(json.loads(prior["result"]))


async def _name_actor(conn: asyncpg.Connection, actor: Actor, action: str, reason: str | None) -> None:
    """Transaction-local settings the history trigger reads (``set_config(..., true)``)."""
    await conn.execute(
        "SELECT set_config('yrd.actor', $1, true), set_config('yrd.org', $2, true),"
        " set_config('yrd.address', $3, true), set_config('yrd.request_id', $4, true),"
        " set_config('yrd.action', $5, true), set_config('yrd.reason', $6, true)",
        actor.subject, actor.org or "", actor.address or "", actor.request_id or "", action, reason or "",
    )


# ---- credit records ------------------------------------------------------------------------------

async def insert_credit_record(conn: asyncpg.Connection, province: str, values: Mapping[str, Any], by: str) -> JsonRow:
    """A new draft, numbered ``<province>-<year>-W<serial>``."""
    fields = [f for f in CREDIT_RECORD_FIELDS if f in values]
    placeholders = ", ".join(f"${i}" for i in range(4, 4 + len(fields)))
    row = await conn.fetchrow(
        f"""INSERT INTO exchange.credit_record (record_number, status, created_by, {', '.join(fields)})
            VALUES ($1 || '-' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY') || '-W'
                        || lpad(nextval('exchange.workflow_record_seq')::text, 7, '0'),
                    $2, $3, {placeholders})
            RETURNING {', '.join(_RECORD_COLUMNS)}""",
        province, "draft", by, *(values[f] for f in fields),
    )
    return dict(row)


async def lock_credit_record(conn: asyncpg.Connection, record_number: str) -> JsonRow | None:
    """The record, locked until the transaction ends (a concurrent writer waits, then conflicts)."""
    row = await conn.fetchrow(
        f"SELECT {', '.join(_RECORD_COLUMNS)} FROM exchange.credit_record WHERE record_number = $1 FOR UPDATE",
        record_number,
    )
    return dict(row) if row else None


async def update_credit_record(
    conn: asyncpg.Connection, record_number: str, changes: Mapping[str, Any], by: str
) -> JsonRow:
    """Apply ``changes`` (writable fields and ``status``); the trigger moves ``row_version``."""
    allowed = {*CREDIT_RECORD_FIELDS, "status"}
    names = [name for name in changes if name in allowed]
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=3))
    row = await conn.fetchrow(
        f"""UPDATE exchange.credit_record SET updated_by = $2, updated_at = now(){', ' if names else ''}{assignments}
            WHERE record_number = $1 RETURNING {', '.join(_RECORD_COLUMNS)}""",
        record_number, by, *(changes[n] for n in names),
    )
    return dict(row)


async def authors_of(conn: asyncpg.Connection, record_number: str, actions: frozenset[str]) -> set[str]:
    """Everyone who created, edited or submitted the record (the history's actors)."""
    rows = await conn.fetch(
        "SELECT DISTINCT actor FROM exchange.record_history"
        " WHERE entity = 'credit_record' AND entity_key = $1 AND action = ANY($2::text[])",
        record_number, sorted(actions),
    )
    return {r["actor"] for r in rows}


# ---- blacklist entries ---------------------------------------------------------------------------

async def insert_blacklist_entry(
    conn: asyncpg.Connection, prefix: str, values: Mapping[str, Any], by: str
) -> JsonRow:
    """A new entry, numbered ``HMD-<prefix>-<year>-W<serial>``."""
    fields = [f for f in BLACKLIST_FIELDS if f in values]
    placeholders = ", ".join(f"${i}" for i in range(3, 3 + len(fields)))
    row = await conn.fetchrow(
        f"""INSERT INTO exchange.blacklist_entry (entry_number, created_by, created_at, {', '.join(fields)})
            VALUES ('HMD-' || $1 || '-' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY') || '-W'
                        || lpad(nextval('exchange.workflow_blacklist_seq')::text, 5, '0'),
                    $2, now(), {placeholders})
            RETURNING {', '.join(_ENTRY_COLUMNS)}""",
        prefix, by, *(values[f] for f in fields),
    )
    return dict(row)


async def lock_blacklist_entry(conn: asyncpg.Connection, entry_number: str) -> JsonRow | None:
    row = await conn.fetchrow(
        f"SELECT {', '.join(_ENTRY_COLUMNS)} FROM exchange.blacklist_entry WHERE entry_number = $1 FOR UPDATE",
        entry_number,
    )
    return dict(row) if row else None


async def release_blacklist_entry(conn: asyncpg.Connection, entry_number: str, released_on: date) -> JsonRow:
    row = await conn.fetchrow(
        f"""UPDATE exchange.blacklist_entry SET released_on = $2 WHERE entry_number = $1
            RETURNING {', '.join(_ENTRY_COLUMNS)}""",
        entry_number, released_on,
    )
    return dict(row)


# ---- history ------------------------------------------------------------------------------------

HISTORY_OF = """
SELECT entity_key, id, action, from_status, to_status, version, actor, actor_org, client_address, reason, changed_at,
       before::text AS before, after::text AS after
FROM exchange.record_history
WHERE entity = $1 AND entity_key = ANY($2::text[])
ORDER BY entity_key, id
"""


async def history_of(source: Source, entity: str, keys: list[str]) -> dict[str, list[JsonRow]]:
    """Every history row of the given records or entries, oldest first, by key."""
    found: dict[str, list[JsonRow]] = {key: [] for key in keys}
    for row in await source.fetch(HISTORY_OF, entity, keys):
        found[row["entity_key"]].append(dict(row))
    return found


def _json_values(row: Mapping[str, Any]) -> JsonRow:
    """Dates as ISO text and decimals as text: the receipt's form, whether replayed or not."""
    return {key: _json_value(value) for key, value in row.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


VERSIONS_OF = {
    "credit_record": "SELECT record_number AS key, row_version FROM exchange.credit_record"
                     " WHERE record_number = ANY($1::text[])",
    "blacklist_entry": "SELECT entry_number AS key, row_version FROM exchange.blacklist_entry"
                       " WHERE entry_number = ANY($1::text[])",
}


async def versions_of(source: Source, entity: str, keys: list[str]) -> dict[str, int]:
    """The current version of each record or entry (what a writer names as ``expectedVersion``)."""
    return {row["key"]: row["row_version"] for row in await source.fetch(VERSIONS_OF[entity], keys)}


# ---- checks against the central store ------------------------------------------------------------

BEHAVIOUR_CODE = """
SELECT category FROM central.behaviour_code WHERE code = $1 AND province_code IN ('000000', $2)
ORDER BY province_code LIMIT 1
"""


async def behaviour_code_category(central: Source, code: str, province: str) -> str | None:
    """The category of a behaviour code in the national set or ``province``'s local set, else None."""
    row = await central.fetchrow(BEHAVIOUR_CODE, code, province)
    return row["category"] if row else None
