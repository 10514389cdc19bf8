"""How a subject is found: route, fetch, merge.

A subject (an enterprise, a person, a project) lives in whichever provinces hold it.  Finding one
means routing (the central presence index plus the province an identifier itself names), fetching
its rows from each routed province in one batched statement, and merging them into the GraphQL
object.  The type modules under ``resolvers.types`` only describe the shapes; this module is the one
place that decides where a subject is looked for.

Type fields that lead to another subject (a participation's project, a party's enterprise) do not
import this module: they go through ``Context.lookup`` (see :data:`LOOKUP`), because the object
graph is cyclic (enterprise → project → enterprise) while the imports must not be.
"""

from __future__ import annotations

from datetime import datetime

from domain.identifiers import province_of_division, uscc_division
from resolvers.context import Context, Info, Lookup
from resolvers.federation import FederatedNode, path_of, route, routed_rows, rows_across
from resolvers.types.enterprise import Enterprise
from resolvers.types.person import Person
from resolvers.types.project import Project
from sources import central_queries
from sources import province_queries as q


async def load_enterprise(
    ctx: Context, path: tuple[str | int, ...], uscc: str, lists: tuple[str, ...] | None = None
) -> Enterprise | None:
    """Route by presence index and the USCC's division code, fetch the rows, merge them.

    ``lists`` (``Enterprise.lists_selected``): the child lists the query reads on this enterprise,
    fetched in the same statement as its rows, one statement per province asked; None (no
    look-ahead) leaves every list to its own field."""
    home = province_of_division(uscc_division(uscc))
    home_code = home if home in ctx.sources.provinces else None
    if not lists:
        routed, gathered = await routed_rows(
            ctx, path, central_queries.ENTERPRISE, uscc, home_code, q.ENTERPRISES_BY_USCC
        )
        rows = {code: found[0] for code, found in gathered.answers.items() if found}
        if not rows:
            return None
        node = FederatedNode.routed(routed, gathered.failed)
        node.sealed = lists is not None  # the look-ahead saw no list on it: nothing to wait for
        return Enterprise.merge(uscc, rows, node, routed.indexed)
    query = q.enterprises_with(lists)
    routed, bundles = await routed_rows(ctx, path, central_queries.ENTERPRISE, uscc, home_code, query, report=False)
    found = {code: answer[0] for code, answer in bundles.answers.items()}
    rows = {code: bundle.row for code, bundle in found.items() if bundle.row is not None}
    if not rows:
        for error in bundles.failed.values():  # no enterprise, no list field: the failure is reported here
            ctx.report(error, path)
        return None
    node = FederatedNode.routed(routed)
    fetched = {name: {code: bundle.lists[name] for code, bundle in found.items()} for name in lists}
    node.adopt(fetched, bundles.failed, sealed=True)
    return Enterprise.merge(uscc, rows, node, routed.indexed)


async def load_person(ctx: Context, info: Info, key: str, home: str | None = None) -> Person | None:
    """Route by the presence index (and a home province if the key names one), then merge."""
    ctx.touch("person", key)
    routed, gathered = await routed_rows(ctx, path_of(info), central_queries.PERSON, key, home, q.PERSONS_BY_KEY)
    holders = {code: rows[0] for code, rows in gathered.answers.items() if rows}
    if not holders:
        return None
    row = next(iter(holders.values()))
    return Person(
        name=row.name,
        id_type=row.id_type,
        id_number=row.id_number,
        gender=row.gender,
        person_key=key,
        node=FederatedNode.routed(routed, gathered.failed),
        holders=list(holders),
    )


def home_of_project(ctx: Context, number: str) -> str | None:
    """The province encoded in a national project number (its county code), when configured."""
    if len(number) < 6 or not number[:6].isdigit():
        return None
    code = province_of_division(number[:6])
    return code if code in ctx.sources.provinces else None


async def load_project(info: Info, number: str) -> Project | None:
    """Route by the number's county code and the presence index; the first holder wins."""
    ctx = info.context
    routed = await route(ctx, central_queries.PROJECT, number, home_of_project(ctx, number))
    return await _first_holder(info, number, routed.asked, routed.left_out)


async def load_project_in(info: Info, number: str, code: str) -> Project | None:
    """A project whose province is already known (e.g. from a participation row)."""
    return await _first_holder(info, number, [code])


async def _first_holder(
    info: Info, number: str, provinces: list[str], left_out: dict[str, datetime] | None = None
) -> Project | None:
    gathered = await rows_across(info.context, path_of(info), provinces, q.PROJECTS_BY_NUMBER, number)
    node = FederatedNode(provinces, gathered.failed, left_out)
    for code, rows in gathered.answers.items():
        if rows:
            return Project.from_row(info, code, rows[0], node)
    return None


LOOKUP = Lookup(enterprise=load_enterprise, project_in=load_project_in)
"""The loaders type fields reach through ``Context.lookup``; the gateway puts this on every context."""
