"""A cross-check sends a bounded number of statements per province, independent of how many
projects, filings or records its subject has (``extensions.sources`` counts them)."""

from __future__ import annotations

import httpx

from tests.conftest import Stack, gql, statements
from tests.crosscheck import reports as r
from tests.tokens import bearer

ONE_ROUND = {"310000": 1, "320000": 1, "330000": 1, "central": 1}  # facts everywhere + the rules snapshot


async def size(client: httpx.AsyncClient, uscc: str) -> tuple[int, int]:
    body = await gql(client, "query($u: USCC!) { enterprise(uscc: $u) { projects { role } creditRecords { id } } }",
                     u=uscc)
    enterprise = body["data"]["enterprise"]
    return len(enterprise["projects"]), len(enterprise["creditRecords"])


async def busy_contractor(client: httpx.AsyncClient) -> str:
    """The enterprise with the most projects among the first hundred: its cross-check reads many filings."""
    body = await gql(client, "{ enterprises(first: 100) { edges { node { uscc projects { role } } } } }")
    nodes = [edge["node"] for edge in body["data"]["enterprises"]["edges"]]
    return max(nodes, key=lambda node: len(node["projects"]))["uscc"]


async def test_enterprise_bound_does_not_depend_on_its_size(client: httpx.AsyncClient, stack: Stack) -> None:
    few = stack.case("cross_province_winner")["key"]["uscc"]
    many_projects = await busy_contractor(client)
    many_records = stack.case("publication_windows")["key"]["uscc"]
    assert (await size(client, many_projects))[0] >= 4 * (await size(client, few))[0]
    assert (await size(client, many_records))[1] >= 4 * (await size(client, few))[1]
    for uscc in (few, many_projects, many_records):
        assert statements(await r.enterprise(client, uscc)) == ONE_ROUND


async def test_claims_add_at_most_one_statement_where_the_projects_are(client: httpx.AsyncClient, stack: Stack) -> None:
    # The mismatching claim names a project in Shanghai: one more statement there, none elsewhere.
    body = await r.enterprise(client, stack.case("performance_mismatch")["key"]["uscc"])
    assert statements(body) == {**ONE_ROUND, "310000": 2}
    for case in stack.showcase.values():
        if case["kind"] == "enterprise":
            counts = statements(await r.enterprise(client, case["key"]["uscc"]))
            assert counts["central"] == 1 and all(n <= 2 for n in counts.values()), (case["case"], counts)


async def test_person_bound_does_not_depend_on_the_number_of_projects(client: httpx.AsyncClient, stack: Stack) -> None:
    busy = stack.case("chief_supervisor_many_projects")["key"]  # five projects in three provinces
    quiet = stack.case("clean_person")["key"]  # one completed project
    official = bearer(stack.settings, "reviewer", "310000")  # by ID number: officials only
    assert statements(await r.person(client, busy, headers=official)) == ONE_ROUND
    assert statements(await r.person(client, quiet, headers=official)) == ONE_ROUND
    # By registration number: one more statement per province to find the person first.
    by_number = await gql(client, r.PERSON_BY_REGISTRATION, g=busy["registrationNumber"])
    assert statements(by_number) == {"310000": 2, "320000": 2, "330000": 2, "central": 1}


async def test_several_checks_in_one_request_share_the_statements(client: httpx.AsyncClient, stack: Stack) -> None:
    usccs = [stack.case(c)["key"]["uscc"] for c in ("cross_province_winner", "publication_windows", "blacklist_active")]
    query = "query($a: USCC!, $b: USCC!, $c: USCC!) {" + " ".join(
        f"{alias}: crossCheckEnterprise(uscc: ${alias}) {{ complete findings {{ code }} }}" for alias in "abc"
    ) + "}"
    body = await gql(client, query, a=usccs[0], b=usccs[1], c=usccs[2])
    assert "errors" not in body and body["data"]["c"]["findings"]
    assert statements(body) == ONE_ROUND  # the loaders batch the three subjects into one statement per province


async def test_performance_bound(client: httpx.AsyncClient, stack: Stack) -> None:
    key = stack.case("performance_phantom")["key"]
    body = await r.performance(client, key["uscc"], key["projectNumber"])
    # Claims everywhere, then the project only where it can be (its county code and the claim: Jiangsu).
    assert statements(body) == {"310000": 1, "320000": 2, "330000": 1, "central": 0}
