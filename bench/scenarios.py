"""The three scenarios: a GraphQL document with its rotating variables for the gateway, and the
same work as a floor plan that sends the gateway's statements level by level.

Each floor plan mirrors the resolvers' dependency order (see ``resolvers/types/*``): route via
the presence index, fetch the level's rows from every routed province in parallel, then the next
level with every key of that level batched into one statement per province.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.floor import FloorView, invert
from domain.identifiers import province_of_division, uscc_division
from resolvers.pagination import decode_enterprise_cursor
from sources import central_queries as central
from sources import province_queries as q

Variables = dict[str, Any]
FloorPlan = Callable[[FloorView, Variables], Awaitable[None]]
PAGE_SIZE = 50


@dataclass(frozen=True)
class Scenario:
    """One benchmarked request shape; request ``i`` uses variant ``i`` modulo the variant count."""

    name: str
    query: str
    variants: Sequence[Variables]
    floor: FloorPlan

    def variables(self, index: int) -> Variables:
        return self.variants[index % len(self.variants)]


ENTERPRISE_CREDIT = """
query EnterpriseCredit($uscc: USCC!) {
  enterprise(uscc: $uscc) {
    uscc name registeredProvince { code }
    creditRecords {
      id recordNumber province { code } polarity behaviourCode description
      decisionDate authority penalty fine publishFrom publishTo
    }
  }
}"""

ENTERPRISE_PAGE = """
query EnterprisePage($first: Int!, $after: String, $filter: EnterpriseFilter) {
  enterprises(first: $first, after: $after, filter: $filter) {
    edges {
      cursor
      node {
        uscc name registeredDivision
        qualifications { certificateNumber status validUntil province { code } items { code grade } }
        creditRecords { id polarity behaviourCode decisionDate authority province { code } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""

PROJECT_DETAIL = """
query ProjectDetail($number: String!) {
  project(number: $number) {
    number name category status province { code }
    parties { role stage uscc enterprise { uscc name } }
    keyPersonnel { role name registrationNumber employerUscc startDate endDate }
  }
}"""


def _home(key_division: str, provinces: Sequence[str]) -> str | None:
    """The province a key's division code names, when it is configured (the gateway's ``home``)."""
    code = province_of_division(key_division)
    return code if code in provinces else None


async def enterprise_credit_floor(view: FloorView, variables: Variables) -> None:
    """The home province (rows and credit records in one statement) in parallel with the presence
    index, then the same statement to the other provinces the index names."""
    uscc = variables["uscc"]
    home = _home(uscc_division(uscc), view.provinces)
    query = q.enterprises_with((q.CREDIT_RECORDS_BY_USCC.name,))
    routes, _ = await asyncio.gather(
        view.routes(central.ENTERPRISE, [uscc], {uscc: home}), view.batch(query, {home: [uscc]} if home else {})
    )
    await view.batch(query, {code: [uscc] for code in routes[uscc] if code != home})


async def enterprise_page_floor(view: FloorView, variables: Variables) -> None:
    """Keyset page from every province → merge → one statement per province for both lists."""
    first = variables["first"]
    found = variables.get("filter") or {}
    region = found.get("registeredProvince")
    pages = await view.pages(
        after=decode_enterprise_cursor(variables["after"]) if variables.get("after") else None,
        limit=first + 1, name_contains=found.get("nameContains"),
        registered_prefix=region[:2] if region else None, usccs=found.get("usccIn"),
    )
    holders: dict[str, list[str]] = {}
    for code, rows in pages.items():
        for row in rows:
            holders.setdefault(row.uscc, []).append(code)
    shown = sorted(holders, key=str.encode)[:first]
    # Every province is asked for the page's children: one may hold records or certificates about an
    # enterprise whose row it does not have (the gateway's rule since the index names any mention).
    lists = (q.QUALIFICATIONS_BY_USCC.name, q.CREDIT_RECORDS_BY_USCC.name)
    await view.batch(q.enterprises_with(lists, with_row=False), {code: shown for code in view.provinces})


async def project_detail_floor(view: FloorView, variables: Variables) -> None:
    """presence → project → parties ∥ key personnel → presence of the parties → their enterprise rows."""
    number = variables["number"]
    home = _home(number[:6], view.provinces) if number[:6].isdigit() else None
    routes = await view.routes(central.PROJECT, [number], {number: home})
    found = await view.batch(q.PROJECTS_BY_NUMBER, invert(routes))
    holder = next((code for code in routes[number] if found.get(code, [[]])[0]), None)
    if holder is None:
        return
    parties, _ = await asyncio.gather(
        view.batch(q.PARTIES_BY_PROJECT, {holder: [number]}), view.batch(q.KEY_PERSONNEL_BY_PROJECT, {holder: [number]})
    )
    usccs = list(dict.fromkeys(row.uscc for row in parties[holder][0]))
    if usccs:
        homes = {uscc: _home(uscc_division(uscc), view.provinces) for uscc in usccs}
        await view.batch(q.ENTERPRISES_BY_USCC, invert(await view.routes(central.ENTERPRISE, usccs, homes)))


def build(usccs: Sequence[str], pages: Sequence[Variables], projects: Sequence[str]) -> list[Scenario]:
    """The scenarios over the sampled keys (see ``bench.samples``)."""
    return [
        Scenario("enterprise_credit", ENTERPRISE_CREDIT, [{"uscc": u} for u in usccs], enterprise_credit_floor),
        Scenario("enterprise_page", ENTERPRISE_PAGE, list(pages), enterprise_page_floor),
        Scenario("project_detail", PROJECT_DETAIL, [{"number": n} for n in projects], project_detail_floor),
    ]
