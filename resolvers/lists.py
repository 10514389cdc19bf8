"""The cross-province lists: enterprises and credit records as Relay connections merged from
per-province keyset pages (see ``resolvers.pagination``)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime

import strawberry

from domain.errors import BadUserInput
from domain.identifiers import province_of_division, uscc_division
from domain.provinces import is_province_code
from resolvers import pagination as pg
from resolvers.context import Info
from resolvers.federation import FederatedNode, Gathered, gather, path_of, route
from resolvers.scalars import USCC, legacy_warning
from resolvers.types.common import Connection, Edge, PageInfo, node_coverage
from resolvers.types.credit import CreditRecord, Polarity
from resolvers.types.enterprise import Enterprise
from sources import central_queries
from sources import province_queries as q
from sources.records import CreditRecordRow, EnterpriseRow, SubjectBundle


@strawberry.input(description="企业列表筛选。 Filter for the enterprise list.")
class EnterpriseFilter:
    name_contains: str | None = strawberry.field(default=None, description="名称包含。 Name contains this text.")
    registered_province: str | None = strawberry.field(
        default=None, description="注册地省份代码，如 320000。 Registering province code."
    )
    uscc_in: list[USCC] | None = strawberry.field(default=None, description="限定信用代码。 Only these USCCs.")


@strawberry.input(description="信用记录列表筛选。 Filter for the credit-record list.")
class CreditRecordFilter:
    uscc: USCC | None = strawberry.field(default=None, description="企业信用代码。 Records about this enterprise.")
    polarity: Polarity | None = strawberry.field(default=None, description="良好或不良。 Good or bad only.")
    behaviour_code: str | None = strawberry.field(default=None, description="行为代码。 Behaviour code.")
    provinces: list[str] | None = strawberry.field(default=None, description="仅这些省份。 Only these provinces.")
    decided_from: date | None = strawberry.field(default=None, description="决定日期起。 Decided on or after.")
    decided_to: date | None = strawberry.field(default=None, description="决定日期止。 Decided on or before.")


async def enterprises_page(
    info: Info, filter: EnterpriseFilter | None, first: int, after: str | None
) -> Connection[Enterprise]:
    f = filter or EnterpriseFilter()
    cursor = pg.decode_enterprise_cursor(after) if after else None
    ctx = info.context
    prefix = province_prefix(f.registered_province)
    for uscc in f.uscc_in or ():
        ctx.warn(legacy_warning("filter.usccIn", uscc))

    async def page(code: str) -> list[EnterpriseRow]:
        source = ctx.sources.provinces[code].source
        return list(
            await q.enterprise_page(
                source,
                after=cursor,
                limit=first + 1,
                name_contains=f.name_contains,
                registered_prefix=prefix,
                usccs=f.uscc_in,
            )
        )

    path = path_of(info)
    gathered = await gather(ctx, path, ctx.province_codes, page)
    by_uscc: dict[str, dict[str, EnterpriseRow]] = {}
    for code, rows in gathered.answers.items():
        for row in rows:
            by_uscc.setdefault(row.uscc, {})[code] = row
    ordered = sorted(by_uscc, key=lambda u: u.encode())[: first + 1]
    shown = ordered[:first]
    lists = Enterprise.lists_selected(info, ("edges", "node"))
    children = await _page_lists(info, path, shown, lists, gathered.failed) if lists and shown else None
    edges = [_enterprise_edge(info, i, uscc, by_uscc[uscc], gathered.failed, lists, children)
             for i, uscc in enumerate(shown)]
    return _connection(info, edges, len(ordered) > first, FederatedNode(ctx.province_codes, gathered.failed))


async def _page_lists(
    info: Info, path: tuple[str | int, ...], usccs: list[str], lists: tuple[str, ...], failed: dict
) -> Gathered[list[list[SubjectBundle]]]:
    """Every list the page's nodes select, for every enterprise of the page, in one statement per
    province (every province that answered the page: one may hold records about an enterprise
    whose row it does not have).  Failures are reported by each node's list fields."""
    ctx = info.context
    query = q.enterprises_with(lists, with_row=False)
    visibility = ctx.identity.record_visibility(ctx.today)

    def ask(code: str) -> Awaitable[list[list[SubjectBundle]]]:
        return q.fetch_grouped(ctx.sources.provinces[code].source, query, usccs, visibility)

    return await gather(ctx, path, [c for c in ctx.province_codes if c not in failed], ask, report=False)


def credit_pushdown(f: CreditRecordFilter) -> q.CreditFilter:
    """The part of a credit-record filter every province's statement applies (the GraphQL list's
    and the data package's)."""
    return q.CreditFilter(
        subject_uscc=f.uscc,
        polarity=f.polarity.value if f.polarity else None,
        behaviour_code=f.behaviour_code,
        decided_from=f.decided_from,
        decided_to=f.decided_to,
    )


def province_prefix(code: str | None) -> str | None:
    """The two leading digits of a province-level division code: enterprises registered anywhere in
    that province (any city or county) share them."""
    if code is None:
        return None
    if not is_province_code(code):
        raise BadUserInput(
            f"filter.registeredProvince must be a province-level division code like 320000, got {code!r}"
        )
    return code[:2]


def _enterprise_edge(
    info: Info, index: int, uscc: str, rows: dict[str, EnterpriseRow], failed: dict,
    lists: tuple[str, ...] | None, children: Gathered[list[list[SubjectBundle]]] | None,
) -> Edge[Enterprise]:
    # The page already fetched these rows, as the loader's own record type: a later lookup of the
    # same enterprise (only reachable through its projects' parties and owners) sends no statement.
    if lists is None or q.PARTICIPATIONS_BY_USCC.name in lists:
        for code, row in rows.items():
            info.context.loaders.prime(code, q.ENTERPRISES_BY_USCC, uscc, [row])
    node = FederatedNode(info.context.province_codes, failed)
    if children is not None:
        fetched = {name: {code: found[index][0].lists[name] for code, found in children.answers.items()}
                   for name in lists or ()}
        node.adopt(fetched, children.failed, sealed=True)
    elif lists is not None:
        node.sealed = True  # the look-ahead saw no list on the nodes: nothing to wait for
    return Edge(cursor=pg.enterprise_cursor(uscc), node=Enterprise.merge(uscc, rows, node))


async def credit_records_page(
    info: Info, filter: CreditRecordFilter | None, first: int, after: str | None
) -> Connection[CreditRecord]:
    f = filter or CreditRecordFilter()
    cursor = pg.decode_credit_cursor(after) if after else None
    ctx = info.context
    provinces, left_out = await _credit_provinces(info, f)
    visibility = ctx.identity.record_visibility(ctx.today)
    pushed = credit_pushdown(f)

    async def page(code: str) -> list[CreditRecordRow]:
        inclusive = cursor is not None and code > cursor[2]
        return list(
            await q.credit_record_page(
                ctx.sources.provinces[code].source,
                after=cursor[:2] if cursor else None,
                inclusive=inclusive,
                limit=first + 1,
                filter=pushed,
                visibility=visibility,
            )
        )

    gathered = await gather(ctx, path_of(info), provinces, page)
    merged = sorted(
        ((code, row) for code, rows in gathered.answers.items() for row in rows),
        key=lambda item: pg.credit_sort_key(item[1].decision_date, item[1].record_number, item[0]),
    )
    if cursor is not None:  # inclusive provinces may repeat the cursor's own position
        merged = [m for m in merged if _after_cursor(m, cursor)]
    edges = [_credit_edge(info, code, row) for code, row in merged[:first]]
    return _connection(info, edges, len(merged) > first, FederatedNode(provinces, gathered.failed, left_out))


def _after_cursor(item: tuple[str, CreditRecordRow], cursor: tuple[date, str, str]) -> bool:
    code, row = item
    return pg.credit_sort_key(row.decision_date, row.record_number, code) > pg.credit_sort_key(*cursor)


def _credit_edge(info: Info, code: str, row: CreditRecordRow) -> Edge[CreditRecord]:
    cursor = pg.credit_cursor(row.decision_date, row.record_number, code)
    return Edge(cursor=cursor, node=CreditRecord.from_row(info, code, row))


async def _credit_provinces(info: Info, f: CreditRecordFilter) -> tuple[list[str], dict[str, datetime]]:
    """The provinces to ask (and those a fresh index leaves out when the filter names an enterprise)."""
    ctx = info.context
    provinces = ctx.province_codes
    if f.provinces is not None:
        unknown = sorted(set(f.provinces) - set(provinces))
        if unknown:
            raise BadUserInput(f"filter.provinces: not configured: {', '.join(unknown)}")
        provinces = [c for c in provinces if c in f.provinces]
    if f.uscc:
        ctx.warn(legacy_warning("filter.uscc", f.uscc))
        home = province_of_division(uscc_division(f.uscc))
        routed = await route(ctx, central_queries.ENTERPRISE, f.uscc, home if home in ctx.sources.provinces else None)
        left_out = {c: at for c, at in routed.left_out.items() if c in provinces}
        return [c for c in provinces if c in routed.asked], left_out
    return provinces, {}


def _connection(info: Info, edges: list, has_next: bool, node: FederatedNode) -> Connection:
    end = edges[-1].cursor if edges else None
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=has_next, end_cursor=end),
        coverage=node_coverage(info, node),
    )
