"""The federated read path end to end: GraphQL in, JSON out, against the seeded test databases."""

from __future__ import annotations

import httpx

from tests.conftest import Stack, gql, statements
from tests.tokens import ask, bearer

ENTERPRISE_FIELDS = """
    uscc name legalRepresentative registeredProvince { code } presence { code }
    qualifications { certificateNumber validUntil status province { code } }
    creditRecords { id province { code } polarity behaviourCode decisionDate publishFrom publishTo }
    blacklist { province { code } listedOn }
    registeredPersons { name idType idNumber }
    coverage { complete answered { code } missing { code } }
"""


async def test_provinces_are_probed(client: httpx.AsyncClient) -> None:
    body = await gql(client, "{ provinces { code name shortName healthy } }")
    assert [p["code"] for p in body["data"]["provinces"]] == ["310000", "320000", "330000"]
    assert all(p["healthy"] for p in body["data"]["provinces"])


async def test_enterprise_is_assembled_from_every_province(client: httpx.AsyncClient, stack: Stack) -> None:
    case = stack.case("tri_province_enterprise")
    body = await gql(client, f"query($u: USCC!) {{ enterprise(uscc: $u) {{ {ENTERPRISE_FIELDS} }} }}",
                     u=case["key"]["uscc"])
    enterprise = body["data"]["enterprise"]
    assert "errors" not in body
    assert sorted(p["code"] for p in enterprise["presence"]) == sorted(case["provinces"])
    assert enterprise["registeredProvince"]["code"] == case["key"]["uscc"][2:4] + "0000"
    assert enterprise["coverage"]["complete"] is True
    assert {r["province"]["code"] for r in enterprise["creditRecords"]} <= set(case["provinces"])
    sources = {s["source"]: s for s in body["extensions"]["sources"]}
    assert set(sources) == {"310000", "320000", "330000", "central"}
    assert all(s["status"] == "ok" and s["statements"] > 0 and s["ms"] >= 0 for s in sources.values())


async def test_malformed_uscc_is_rejected_before_any_database(client: httpx.AsyncClient) -> None:
    """Malformed (not 18 characters of the charset) is refused; a failing check character alone is a
    legacy code that may still be looked up (tests/queries/test_legacy_uscc.py)."""
    body = await gql(client, 'query($u: USCC!) { enterprise(uscc: $u) { name } }', u="91320100123456788I")
    assert "outside GB 32100 charset" in body["errors"][0]["message"]
    assert sum(statements(body).values()) == 0


async def test_malformed_id_number_names_the_failed_check(client: httpx.AsyncClient, stack: Stack) -> None:
    query = '{ person(idType: "居民身份证", idNumber: "110105194912310021") { name } }'
    body = await ask(client, query, bearer(stack.settings, "reviewer", "310000"))  # by ID: officials only
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "check character" in body["errors"][0]["message"]


async def test_statements_depend_on_depth_not_list_length(client: httpx.AsyncClient, stack: Stack) -> None:
    query = """query($first: Int!, $filter: EnterpriseFilter) { enterprises(first: $first, filter: $filter) {
        edges { node { uscc qualifications { certificateNumber } creditRecords { id } blacklist { listedOn }
                       registeredPersons { name } } } } }"""
    one = await gql(client, query, first=1, filter={"usccIn": [stack.case("tri_province_enterprise")["key"]["uscc"]]})
    fifty = await gql(client, query, first=50)
    assert len(one["data"]["enterprises"]["edges"]) == 1
    assert len(fifty["data"]["enterprises"]["edges"]) == 50
    assert statements(one) == statements(fifty)
    assert max(statements(fifty).values()) <= 5  # page + four child levels, per province


async def test_registered_persons_show_masked_id_numbers_to_the_public(client: httpx.AsyncClient) -> None:
    body = await gql(client, "{ enterprises(first: 40) { edges { node { registeredPersons { idType idNumber } } } } }")
    persons = [p for e in body["data"]["enterprises"]["edges"] for p in e["node"]["registeredPersons"]]
    resident = [p["idNumber"] for p in persons if p["idType"] == "居民身份证"]
    assert resident, "the test data should hold registered persons"
    assert all(n[6:14] == "********" for n in resident)


async def test_person_registered_in_two_provinces(client: httpx.AsyncClient, stack: Stack) -> None:
    case = stack.case("dual_registration_person")
    key = case["key"]
    query = """query($g: String!) { person: personByRegistration(registrationNumber: $g) {
        name idNumber presence { code } registrations { registrationNumber category employerUscc province { code } }
        coverage { complete } } }"""
    body = await gql(client, query, g=key["registrationNumber"])
    person = body["data"]["person"]
    assert person["coverage"]["complete"]
    assert len({r["province"]["code"] for r in person["registrations"]}) >= 2
    assert key["idNumber"] not in person["idNumber"]


async def test_person_by_registration_number(client: httpx.AsyncClient, stack: Stack) -> None:
    case = stack.case("concurrent_project_manager")
    number = case["key"].get("registrationNumber")
    body = await gql(
        client,
        """query($r: String!) { personByRegistration(registrationNumber: $r) {
            name keyPositions { role province { code } } } }""",
        r=number,
    )
    positions = body["data"]["personByRegistration"]["keyPositions"]
    assert len({p["province"]["code"] for p in positions if p["role"] == "项目负责人"}) >= 2


async def test_project_with_parties_and_key_personnel(client: httpx.AsyncClient, stack: Stack) -> None:
    case = next(c for c in stack.showcase.values() if c["kind"] == "project")
    query = """query($n: String!) { project(number: $n) { number name province { code }
        parties { role enterprise { uscc name } } keyPersonnel { role name startDate } coverage { complete } } }"""
    body = await gql(client, query, n=case["key"]["projectNumber"])
    project = body["data"]["project"]
    assert project["number"] == case["key"]["projectNumber"]
    assert project["parties"] and all(p["enterprise"]["name"] for p in project["parties"])
    assert project["coverage"]["complete"]


async def test_unknown_subjects_are_null_not_errors(client: httpx.AsyncClient) -> None:
    query = (
        '{ project(number: "3201012601019999") { name } '
        'personByRegistration(registrationNumber: "苏000") { name } }'
    )
    body = await gql(client, query)
    assert body["data"] == {"project": None, "personByRegistration": None}
    assert "errors" not in body


async def test_showcase_queries_all_answer(client: httpx.AsyncClient, stack: Stack) -> None:
    for case in stack.showcase.values():
        body = await gql(client, case["query"])
        assert "errors" not in body, (case["case"], body.get("errors"))
        assert any(v is not None for v in body["data"].values()), case["case"]


async def test_enterprise_from_outside_the_delta_names_its_province(client: httpx.AsyncClient) -> None:
    outside = {"110000": "北京市", "440000": "广东省", "420000": "湖北省", "370000": "山东省"}
    found = []
    for code, name in outside.items():
        query = """query($p: String!) { enterprises(first: 5, filter: {registeredProvince: $p}) {
            edges { node { registeredProvince { code name shortName healthy } presence { code } } } } }"""
        body = await gql(client, query, p=code)
        for edge in body["data"]["enterprises"]["edges"]:
            province = edge["node"]["registeredProvince"]
            assert province["name"] == name and province["healthy"] is None  # not configured: no health
            assert {p["code"] for p in edge["node"]["presence"]} <= {"310000", "320000", "330000"}
            found.append(code)
    assert found, "the seed places a few out-of-Delta enterprises in every data set"
