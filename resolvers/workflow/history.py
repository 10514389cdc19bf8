"""A record's history (谁录入，谁负责), as officials read it: ``history`` on a credit record or a
blacklist entry, oldest change first, from the province that holds it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import strawberry

from resolvers.context import Info
from resolvers.federation import path_of
from resolvers.scalars import RowSnapshot
from sources.errors import SourceError
from sources.workflow_queries import JsonRow


@strawberry.type(
    description=(
        "修改记录（谁录入，谁负责）：每次变更的人、机构、来源地址、时间、内容及前后值。"
        " One change to a record (who, organisation, from where, when, what, before and after)."
    )
)
class HistoryEntry:
    action: str = strawberry.field(
        description=(
            "操作：create/edit/submit/approve/reject/publish/revoke/adjust_window，或省内系统直接写入的"
            " insert/update/delete。 The step, or insert/update/delete for a province's own system."
        )
    )
    from_status: str | None = strawberry.field(description="变更前状态。 Status before.")
    to_status: str | None = strawberry.field(description="变更后状态。 Status after.")
    version: int | None = strawberry.field(description="变更后版本号。 Version after the change.")
    actor: str = strawberry.field(description="操作人（令牌主体，或省内系统的数据库角色）。 Who made the change.")
    organisation: str | None = strawberry.field(description="操作人所属机构。 The actor's organisation.")
    client_address: str | None = strawberry.field(description="来源地址。 Network address the change came from.")
    reason: str | None = strawberry.field(description="理由（退回、撤销、调整公布期）。 The reason given.")
    changed_at: datetime = strawberry.field(description="变更时间。 When.")
    before: RowSnapshot | None = strawberry.field(description="变更前的记录。 The row before the change.")
    after: RowSnapshot | None = strawberry.field(description="变更后的记录。 The row after the change.")

    @classmethod
    def of(cls, row: JsonRow, *, internal: bool) -> HistoryEntry:
        """``internal``: the reader is an official of the holding province, who may read its
        internal note; officials elsewhere read the rows without it."""
        return cls(
            action=row["action"], from_status=row["from_status"], to_status=row["to_status"],
            version=row["version"], actor=row["actor"], organisation=row["actor_org"],
            client_address=row["client_address"], reason=row["reason"], changed_at=row["changed_at"],
            before=_snapshot(row["before"], internal), after=_snapshot(row["after"], internal),
        )


# What stays inside the holding province (deploy/EXCHANGE_SCHEMA.md §6.1).
_PROVINCE_ONLY = ("internal_note",)


def _snapshot(text: str | None, internal: bool) -> Any:
    if text is None:
        return None
    row = json.loads(text)
    return row if internal else {k: v for k, v in row.items() if k not in _PROVINCE_ONLY}


async def history_in(info: Info, province: str, entity: str, key: str) -> list[HistoryEntry]:
    """The history of one record or entry; a province that fails is reported where it was asked."""
    ctx = info.context
    holder = ctx.sources.provinces.get(province)
    if holder is None:
        return []
    try:
        rows = await ctx.loaders.history(province, entity).load(key)
    except SourceError as exc:
        ctx.report(exc, path_of(info))
        return []
    internal = ctx.identity.province == province
    return [HistoryEntry.of(row, internal=internal) for row in rows]


async def version_in(info: Info, province: str, entity: str, key: str) -> int | None:
    """The current version of one record or entry, or None if its province did not answer."""
    ctx = info.context
    holder = ctx.sources.provinces.get(province)
    if holder is None:
        return None
    try:
        return await ctx.loaders.version(province, entity).load(key)  # type: ignore[no-any-return]
    except SourceError as exc:
        ctx.report(exc, path_of(info))
        return None
