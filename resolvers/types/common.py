"""Types shared by every domain: Province, Coverage, conflicts, and the Relay connection shape."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry

from domain.provinces import ProvinceInfo
from resolvers.context import Info

T = TypeVar("T")


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

    @classmethod
    def of(cls, info: ProvinceInfo, probed: bool | None = None) -> Province:
        return cls(code=info.code, name=info.name, short_name=info.short_name, probed=probed)


def province(info: Info, code: str) -> Province:
    """The Province object for a division code (configured or not)."""
    return Province.of(info.context.province(code))


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


def coverage(info: Info, answered: list[str], missing: list[str]) -> Coverage:
    return Coverage(
        complete=not missing,
        answered=[province(info, c) for c in answered],
        missing=[province(info, c) for c in missing],
    )


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
