"""verifyPerformance against the seeded databases, and input errors of the cross-checks."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Stack, gql, statements
from tests.crosscheck import reports as r
from tests.tokens import ask, bearer


async def completed_projects(client: httpx.AsyncClient, uscc: str) -> list[str]:
    body = await gql(client, """query($u: USCC!) { enterprise(uscc: $u) { projects { projectNumber role
        project { stages { stage } } } } }""", u=uscc)
    return [
        p["projectNumber"] for p in body["data"]["enterprise"]["projects"]
        if p["role"] == "施工" and any(s["stage"] == "竣工验收备案" for s in p["project"]["stages"])
    ]


async def test_mismatching_claim(client: httpx.AsyncClient, stack: Stack) -> None:
    key = stack.case("performance_mismatch")["key"]
    found = r.report(await r.performance(client, key["uscc"], key["projectNumber"]))
    assert r.codes(found) == ["CLAIMED_PERFORMANCE_NOT_FOUND"] and found["complete"]
    assert found["subject"] == {"kind": "performance", "key": key["uscc"], "name": None, "found": True,
                                "projectNumber": key["projectNumber"]}
    explanation = found["findings"][0]["explanationEn"]
    assert "claimed amount" in explanation and "claimed completion" in explanation


async def test_phantom_claim(client: httpx.AsyncClient, stack: Stack) -> None:
    key = stack.case("performance_phantom")["key"]
    found = r.report(await r.performance(client, key["uscc"], key["projectNumber"]))
    assert r.codes(found) == ["CLAIMED_PERFORMANCE_NOT_FOUND"] and found["complete"]
    assert "holds no such project" in found["findings"][0]["explanationEn"]


async def test_honest_performance_is_confirmed(client: httpx.AsyncClient, stack: Stack) -> None:
    uscc = stack.case("clean_enterprise")["key"]["uscc"]
    numbers = await completed_projects(client, uscc)
    assert numbers
    found = r.report(await r.performance(client, uscc, numbers[0]))
    assert found["findings"] == [] and found["complete"]
    assert found["statementEn"] == "Every province answered: no findings."


async def test_someone_else_s_project_is_not_performance(client: httpx.AsyncClient, stack: Stack) -> None:
    clean = stack.case("clean_enterprise")["key"]["uscc"]
    other = stack.case("performance_mismatch")["key"]["projectNumber"]
    found = r.report(await r.performance(client, clean, other))
    assert r.codes(found) == ["CLAIMED_PERFORMANCE_NOT_FOUND"]
    assert "not a party" in found["findings"][0]["explanationEn"]


async def test_unfinished_project_is_not_performance(client: httpx.AsyncClient, stack: Stack) -> None:
    key = stack.case("concurrent_project_manager")["key"]
    person = r.report(await r.person(client, key))
    number = person["findings"][0]["evidence"][0]["recordIds"][0]  # a project the manager leads now
    body = await gql(client, "query($n: String!) { project(number: $n) { parties { role uscc } } }", n=number)
    builder = next(p["uscc"] for p in body["data"]["project"]["parties"] if p["role"] == "施工")
    found = r.report(await r.performance(client, builder, number))
    assert "no completion filing" in found["findings"][0]["explanationEn"]


# ---- input ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("arguments", [
    "",
    'registrationNumber: "苏1", idType: "居民身份证", idNumber: "11010519491231002X"',
    'idNumber: "11010519491231002X"',
    'idType: "居民身份证"',
    'registrationNumber: "  "',
    'idType: "居民身份证", idNumber: "110105194912310021"',
])
async def test_person_needs_exactly_one_valid_key(client: httpx.AsyncClient, stack: Stack, arguments: str) -> None:
    # Asked as an official: the public may not give an ID number at all (tests/hardening/test_pii_lookups.py).
    body = await ask(client, "{ crossCheckPerson(" + arguments + ") { complete } }" if arguments
                     else "{ crossCheckPerson { complete } }", bearer(stack.settings, "reviewer", "310000"))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert sum(statements(body).values()) == 0  # rejected before any database


async def test_malformed_uscc_and_empty_project_number(client: httpx.AsyncClient, stack: Stack) -> None:
    for malformed in ("91320100123456788", "9132010012345678OD"):  # 17 characters; an O outside the charset
        body = await gql(client, f'{{ crossCheckEnterprise(uscc: "{malformed}") {{ complete }} }}')
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    uscc = stack.case("clean_enterprise")["key"]["uscc"]
    query = 'query($u: USCC!) { verifyPerformance(uscc: $u, projectNumber: " ") { complete } }'
    body = await gql(client, query, u=uscc)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unknown_subjects_are_reported_as_unknown(client: httpx.AsyncClient, stack: Stack) -> None:
    found = r.report(await gql(client, r.PERSON_BY_REGISTRATION, g="苏1329999999999"))
    assert not found["subject"]["found"] and found["complete"]
    assert found["statementEn"] == "Every province answered; none of them knows this subject."
    unknown_person = {"idType": "居民身份证", "idNumber": "11010519491231002X"}
    official = bearer(stack.settings, "reviewer", "310000")
    assert not r.report(await r.person(client, unknown_person, headers=official))["subject"]["found"]
