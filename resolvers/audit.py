"""``auditLog``: the query audit trail, readable by administrators only (``@requires(roles: [ADMIN])``)."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Annotated

import strawberry

from resolvers.context import Info
from resolvers.roles import Role, requires
from sources import audit_queries
from sources.records import AuditEntryRow


@strawberry.type(description="审计记录涉及的对象。 A subject an audited query touched.")
class AuditSubject:
    kind: str = strawberry.field(description="对象类型：person 或 crosscheck。 Kind: person or crosscheck.")
    key: str = strawberry.field(description="对象标识（人员为 personKey）。 Key (a personKey for persons).")


@strawberry.type(description="一条查询审计记录（哈希链，不可修改）。 One entry of the hash-chained, append-only log.")
class AuditEntry:
    seq: int = strawberry.field(description="链上序号。 Position in the chain.")
    entry_id: strawberry.ID = strawberry.field(description="记录标识。 Entry id.")
    at: str = strawberry.field(description="查询时间（ISO 8601）。 When the query ran (ISO 8601, UTC).")
    actor: str = strawberry.field(description="查询人（令牌 sub）。 Who asked (token subject).")
    org: str | None = strawberry.field(description="所属机构。 Organisation.")
    province: str | None = strawberry.field(description="所属省份代码。 Province of the caller.")
    roles: list[str] = strawberry.field(description="角色。 Roles of the caller.")
    client_address: str | None = strawberry.field(description="客户端地址。 Client address.")
    operation: str | None = strawberry.field(description="操作名。 GraphQL operation name.")
    subjects: list[AuditSubject] = strawberry.field(description="涉及的对象。 Subjects touched.")
    result_count: int = strawberry.field(description="返回结果数。 Number of results returned.")
    prev_hash: str = strawberry.field(description="前一条记录的哈希。 Hash of the previous entry.")
    hash: str = strawberry.field(description="本条记录的哈希。 Hash of this entry.")

    @classmethod
    def from_row(cls, row: AuditEntryRow) -> AuditEntry:
        # The subjects are read from the hashed JSON payload the gateway wrote (gateway.audit), not a column.
        subjects = json.loads(row.payload).get("subjects", [])
        return cls(
            seq=row.seq, entry_id=strawberry.ID(row.entry_id), at=row.at.isoformat(), actor=row.actor,
            org=row.org, province=row.province, roles=list(row.roles), client_address=row.client_addr,
            operation=row.operation, subjects=[AuditSubject(kind=s["kind"], key=s["key"]) for s in subjects],
            result_count=row.result_count, prev_hash=row.prev_hash, hash=row.hash,
        )


@strawberry.input(description="审计日志筛选。 Filter for the audit log; every condition is optional.")
class AuditLogFilter:
    actor: str | None = strawberry.field(default=None, description="查询人。 Token subject of the caller.")
    org: str | None = strawberry.field(default=None, description="机构。 Organisation.")
    province: str | None = strawberry.field(default=None, description="省份代码。 Province code of the caller.")
    subject_key: str | None = strawberry.field(default=None, description="涉及的对象标识。 A subject key touched.")
    operation: str | None = strawberry.field(default=None, description="操作名。 Operation name.")
    since: date | None = strawberry.field(default=None, description="起始日期（含）。 From this date on.")
    until: date | None = strawberry.field(default=None, description="截止日期（含）。 Up to this date.")


@strawberry.type(description="审计入口。 Audit entry points.")
class AuditQuery:
    @strawberry.field(
        description="查询审计日志（最新在前，仅管理员）。 The query audit log, newest first (administrators only).",
        extensions=[requires(Role.ADMIN)],
    )
    async def audit_log(
        self,
        info: Info,
        filter: AuditLogFilter | None = None,
        first: Annotated[int, strawberry.argument(description="条数（1-100）。 How many entries (1-100).")] = 50,
        before_seq: Annotated[
            int | None,
            strawberry.argument(description="只取此序号之前的记录（翻页）。 Only entries before this sequence number."),
        ] = None,
    ) -> list[AuditEntry]:
        # ``first`` was checked before execution (PAGE_TOO_LARGE); a central failure is a SourceError,
        # which reaches the client as SOURCE_UNAVAILABLE/SOURCE_TIMEOUT naming the central store.
        rows = await audit_queries.entries(info.context.sources.central, _pushed(filter, before_seq), first)
        return [AuditEntry.from_row(row) for row in rows]


def _pushed(f: AuditLogFilter | None, before_seq: int | None) -> audit_queries.AuditFilter:
    f = f or AuditLogFilter()
    return audit_queries.AuditFilter(
        actor=f.actor, org=f.org, province=f.province, subject_key=f.subject_key, operation=f.operation,
        since=_day_start(f.since), until=_day_start(f.until, end=True), before_seq=before_seq,
    )


def _day_start(day: date | None, *, end: bool = False) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time.max if end else time.min).astimezone()
