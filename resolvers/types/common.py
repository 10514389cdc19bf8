"""Types shared by every domain: Province, Coverage, conflicts, and the Relay connection shape."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from datetime import datetime
from enum import Enum
from typing import Generic, TypeVar

import strawberry

from domain.provinces import ProvinceInfo
from resolvers.context import Info
from resolvers.federation import FederatedNode
from sources.errors import SourceError

T = TypeVar("T")
R = TypeVar("R")


@strawberry.type(description="省级数据源（省/直辖市）。 A configured province and its database.")
class Province:
    code: str = strawberry.field(description="行政区划代码（GB/T 2260），如 320000。 Division code, e.g. 320000.")
    name: str = strawberry.field(description="名称，如 江苏省。 Display name.")
    short_name: str = strawberry.field(description="简称，如 苏。 One-character short name.")
    probed: strawberry.Private[bool | None] = None

    @strawberry.field(
        description=(
            "本次请求中该省数据库是否可用（provinces 字段会实际探测）。"
            " Whether the province's database answered in this request (the root `provinces` field probes it);"
            " null for a province that is not configured."
        )
    )
    def healthy(self, info: Info) -> bool | None:
        if self.probed is not None:
            return self.probed
        if info.context.sources.province_info(self.code) is None:
            return None
        return self.code not in info.context.failed_sources()

    @strawberry.field(
        description=(
            "存在索引落后于该省的毫秒数（空：未知，此时直接询问该省）。 How far the presence index lags this"
            " province, in milliseconds; null when unknown (the gateway then asks the province directly)."
        )
    )
    async def index_lag_ms(self, info: Info) -> float | None:
        if info.context.sources.province_info(self.code) is None:
            return None
        try:
            freshness = await info.context.loaders.index_freshness()
        except SourceError as exc:
            info.context.report(exc, tuple(info.path.as_list()))
            return None
        entry = freshness.get(self.code)
        return round(entry.lag_ms, 1) if entry is not None and entry.lag_ms is not None else None

    @classmethod
    def of(cls, info: ProvinceInfo, probed: bool | None = None) -> Province:
        return cls(code=info.code, name=info.name, short_name=info.short_name, probed=probed)


def province(info: Info, code: str) -> Province:
    """The Province object for a division code (configured or not).

    One object per province for the life of the process: a page names the same three provinces on
    hundreds of items, and the object holds nothing of the request (``healthy`` and ``indexLagMs``
    ask the context when they are read)."""
    found = info.context.province(code)
    shared = _PROVINCES.get(found)
    if shared is None:
        shared = _PROVINCES[found] = Province.of(found)
    return shared


# ProvinceInfo (frozen) → its Province; bounded by the division codes records can name.
_PROVINCES: dict[ProvinceInfo, Province] = {}


@strawberry.type(
    description=(
        "答复的完整性：哪些省份已答复，哪些未答复。 How complete an answer is: which provinces answered and"
        " which did not. `complete` is false whenever a needed province is missing."
    )
)
class Coverage:
    complete: bool = strawberry.field(description="所有需要的省份都已答复。 Every needed province answered.")
    answered: list[Province] = strawberry.field(description="已答复的省份。 Provinces that answered.")
    missing: list[Province] = strawberry.field(
        description="未答复（不可用或超时）的省份。 Provinces that failed or timed out."
    )
    left_out: list[Province] = strawberry.field(
        description=(
            "未询问的省份：存在索引（在延迟上限内）表明其没有相关数据。 Provinces not asked because the presence"
            " index, no older than the configured bound, says they hold nothing on this subject."
        )
    )
    provinces: list[ProvinceCoverage] = strawberry.field(
        description=(
            "每个省份的情况：已答复、失败或依索引未询问。 Every province: answered, failed, or left out by the index."
        )
    )


@strawberry.enum(description="某省在本次答复中的情况。 What became of one province in this answer.")
class CoverageStatus(Enum):
    ANSWERED = strawberry.enum_value("answered", description="已答复。 Asked, and it answered.")
    FAILED = strawberry.enum_value("failed", description="已询问但失败或超时。 Asked, and it failed or timed out.")
    LEFT_OUT = strawberry.enum_value(
        "left_out",
        description="依存在索引未询问（索引表明无数据）。 Not asked: the fresh index says it holds nothing.",
    )


@strawberry.type(description="一个省份在本次答复中的情况。 One province's part in this answer.")
class ProvinceCoverage:
    province: Province = strawberry.field(description="省份。 The province.")
    status: CoverageStatus = strawberry.field(description="情况。 Answered, failed or left out.")
    index_as_of: datetime | None = strawberry.field(
        description=(
            "未询问时，索引所依据的时间点（此前提交的变更均已入索引）。 For a province left out: the instant the"
            " index is as of (every change committed there before it is in the index)."
        )
    )


def coverage(
    info: Info, answered: list[str], missing: list[str], left_out: Mapping[str, datetime] | None = None
) -> Coverage:
    """Coverage of an answer: ``complete`` when no asked province failed; provinces left out were
    judged by an index within its lag bound, so they do not make the answer incomplete."""
    skipped = dict(left_out or {})
    status = {c: CoverageStatus.ANSWERED for c in answered} | {c: CoverageStatus.FAILED for c in missing}
    status |= {c: CoverageStatus.LEFT_OUT for c in skipped}
    ordered = [c for c in info.context.province_codes if c in status] + [
        c for c in status if c not in info.context.province_codes
    ]
    return Coverage(
        complete=not missing,
        answered=[province(info, c) for c in answered],
        missing=[province(info, c) for c in missing],
        left_out=[province(info, c) for c in skipped],
        provinces=[
            ProvinceCoverage(province=province(info, c), status=status[c], index_as_of=skipped.get(c)) for c in ordered
        ],
    )


def node_coverage(info: Info, node: FederatedNode) -> Coverage:
    """The coverage of a federated object: answered, failed and left-out provinces."""
    return coverage(info, node.answered(), node.missing(), node.left_out)


def settled_coverage(info: Info, node: FederatedNode) -> Coverage | Awaitable[Coverage]:
    """A ``coverage`` field: at once when the node is sealed (its lists came with it), else once
    every lookup of its sibling fields has finished."""
    if node.sealed:
        return node_coverage(info, node)
    return _after_settling(info, node)


async def _after_settling(info: Info, node: FederatedNode) -> Coverage:
    await node.settle()
    return node_coverage(info, node)


def newest_first(records: list[R]) -> list[R]:
    """Credit records as their lists show them: newest decision first, then by record number."""
    return sorted(records, key=lambda r: (r.decision_date, r.record_number), reverse=True)


@strawberry.type(description="分页信息。 Relay page information.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="之后还有记录。 More items follow this page.")
    end_cursor: str | None = strawberry.field(description="本页最后一条的游标。 Cursor of the page's last item.")


@strawberry.type(description="连接中的一条边。 An edge of a connection: a node and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="该条记录的游标。 Opaque cursor of this node.")
    node: T = strawberry.field(description="记录本身。 The item.")


@strawberry.type(
    description=(
        "跨省合并的分页列表（稳定的全局排序，游标跨省正确翻页）。 A list merged across provinces, paged with"
        " cursors in one stable global order."
    )
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="本页的边。 The edges of this page.")
    page_info: PageInfo = strawberry.field(description="分页信息。 Paging information.")
    coverage: Coverage = strawberry.field(description="本页的完整性。 Which provinces answered for this page.")


@strawberry.type(
    description=(
        "跨省数据不一致：同一主体在不同省份的登记信息不同。 A disagreement between provinces about the same"
        " subject (reported, not hidden)."
    )
)
class DataConflict:
    field_name: str = strawberry.field(description="不一致的字段。 The field that differs.")
    province: Province = strawberry.field(description="持不同值的省份。 The province holding the other value.")
    value: str = strawberry.field(description="该省的值。 That province's value.")
