"""Every kind exported row for row equal to walking the GraphQL pages with the same filters as
the same caller (the public, and a Jiangsu regulator, who also sees Jiangsu's drafts and expired
records and released blacklist entries)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Stack
from tests.export.packages import export, flat, walk, without_cursor
from tests.tokens import headers_for

ROLES = ["public", "regulator_js"]

CREDIT_FIELDS = """id recordNumber province { code } subjectKind subjectUscc subjectName polarity behaviourCode
    description projectNumber placeDivision decisionNumber decisionDate authority authorityLevel penalty fine
    penaltyUntil publishFrom publishTo status"""
CREDIT_PAGES = f"""query($after: String, $filter: CreditRecordFilter) {{
    creditRecords(first: 100, after: $after, filter: $filter) {{
      edges {{ cursor node {{ {CREDIT_FIELDS} }} }}
      pageInfo {{ hasNextPage endCursor }} coverage {{ complete }} }} }}"""
ENTERPRISE_FIELDS = """uscc usccValid name legalRepresentative registeredDivision registeredProvince { code }
    address registrationType safetyLicenceNumber presence { code }"""
ENTERPRISE_PAGES = f"""query($after: String, $filter: EnterpriseFilter) {{
    enterprises(first: 100, after: $after, filter: $filter) {{
      edges {{ cursor node {{ {ENTERPRISE_FIELDS} }} }}
      pageInfo {{ hasNextPage endCursor }} coverage {{ complete }} }} }}"""
NESTED_PAGES = """query($after: String) { enterprises(first: 50, after: $after) {
    edges { node { uscc
      blacklist { province { code } entryNumber subjectName basis authority listedOn plannedRelease releasedOn active }
      qualifications { province { code } certificateNumber issuingAuthority issuedOn validUntil status statusChangedOn
                       items { itemNo code sequence category grade } } } }
    pageInfo { hasNextPage endCursor } coverage { complete } } }"""


def _headers(stack: Stack, role: str) -> dict[str, str]:
    return headers_for(stack.settings, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("params", "gql_filter"), [
    ({}, None),
    ({"polarity": "BAD", "decidedFrom": "2024-01-01"}, {"polarity": "BAD", "decidedFrom": "2024-01-01"}),
    ({"provinces": "320000,330000", "polarity": "GOOD"}, {"provinces": ["320000", "330000"], "polarity": "GOOD"}),
])
async def test_credit_records_equal_the_graphql_pages(
    client: httpx.AsyncClient, stack: Stack, role: str, params: dict[str, str], gql_filter: dict[str, Any] | None
) -> None:
    headers = _headers(stack, role)
    edges = await walk(client, CREDIT_PAGES, "creditRecords", headers, filter=gql_filter)
    package = await export(client, "credit-records", headers, **params)
    assert len(edges) > 20  # the data crosses many 7-row pages of every province
    assert [r["cursor"] for r in package.rows] == [e["cursor"] for e in edges]
    assert [without_cursor(r) for r in package.rows] == [flat(e["node"]) for e in edges]
    assert package.manifest["complete"] is True
    assert package.manifest["counts"] == _count_by(package.rows, "province", package.manifest["counts"])


async def test_a_regulator_sees_their_own_drafts_the_public_does_not(client: httpx.AsyncClient, stack: Stack) -> None:
    public = await export(client, "credit-records")
    regulator = await export(client, "credit-records", _headers(stack, "regulator_js"))
    assert {r["status"] for r in public.rows} == {"published"}
    unpublished = [r for r in regulator.rows if r["status"] != "published"]
    assert unpublished and all(r["province"] == "320000" for r in unpublished if r["status"] != "revoked")
    assert len(regulator.rows) > len(public.rows)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("params", "gql_filter"), [
    ({}, None),
    ({"registeredProvince": "320000"}, {"registeredProvince": "320000"}),
])
async def test_enterprises_equal_the_graphql_pages(
    client: httpx.AsyncClient, stack: Stack, role: str, params: dict[str, str], gql_filter: dict[str, Any] | None
) -> None:
    headers = _headers(stack, role)
    edges = await walk(client, ENTERPRISE_PAGES, "enterprises", headers, filter=gql_filter)
    package = await export(client, "enterprises", headers, **params)
    assert len(edges) > 20
    assert [r["cursor"] for r in package.rows] == [e["cursor"] for e in edges]
    assert [without_cursor(r) for r in package.rows] == [flat(e["node"]) for e in edges]
    assert any(len(r["presence"]) > 1 for r in package.rows)  # merged across provinces, one row each


@pytest.mark.parametrize("role", ROLES)
async def test_blacklist_and_qualifications_equal_each_enterprises_lists(
    client: httpx.AsyncClient, stack: Stack, role: str
) -> None:
    headers = _headers(stack, role)
    edges = await walk(client, NESTED_PAGES, "enterprises", headers)
    listed = [{**flat(entry), "subjectUscc": e["node"]["uscc"]} for e in edges for entry in e["node"]["blacklist"]]
    certificates = [{**flat(c), "uscc": e["node"]["uscc"]} for e in edges for c in e["node"]["qualifications"]]
    blacklist = await export(client, "blacklist-entries", headers)
    qualifications = await export(client, "qualifications", headers)

    about_enterprises = [without_cursor(r) for r in blacklist.rows if r["subjectUscc"] is not None]
    assert listed and about_enterprises == sorted(listed, key=lambda r: (r["entryNumber"], r["province"]))
    assert [without_cursor(r) for r in qualifications.rows] == sorted(
        certificates, key=lambda c: (c["certificateNumber"], c["province"])
    )
    assert len(certificates) > 20
    if role == "public":
        assert all(r["active"] for r in blacklist.rows)
    else:
        assert not all(r["active"] for r in blacklist.rows)  # officials see released entries too


def _count_by(rows: list[dict[str, Any]], key: str, provinces: dict[str, int]) -> dict[str, int]:
    counts = dict.fromkeys(provinces, 0)
    for row in rows:
        counts[row[key]] += 1
    return counts
