"""CreditRecord.nationalCode and CreditRecord.recognizedIn against the seeded central store."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.conftest import Stack, gql, statements

RECORDS = """query($u: USCC!, $d: Date) { enterprise(uscc: $u) { creditRecords {
    behaviourCode polarity province { code } nationalCode
    recognizedIn(asOf: $d) { province { code } basis decision { decidedBy basis effectiveFrom effectiveTo } } } } }"""


async def records(client: httpx.AsyncClient, uscc: str, as_of: str | None = None) -> dict[str, Any]:
    body = await gql(client, RECORDS, u=uscc, d=as_of)
    assert "errors" not in body, body["errors"]
    return body


def by_code(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["behaviourCode"]: r for r in body["data"]["enterprise"]["creditRecords"]}


def bases(record: dict[str, Any]) -> dict[str, str]:
    return {g["province"]["code"]: g["basis"] for g in record["recognizedIn"]}


async def test_national_crosswalked_and_unmapped_codes(client: httpx.AsyncClient, stack: Stack) -> None:
    body = await records(client, stack.case("local_code_crosswalk")["key"]["uscc"])
    found = by_code(body)
    assert found["JS-SG-02"]["nationalCode"] == "D1-5-01"
    assert bases(found["JS-SG-02"]) == {"320000": "ISSUING_PROVINCE", "310000": "CROSSWALK", "330000": "CROSSWALK"}
    assert found["SH-SG-01"]["nationalCode"] is None
    assert bases(found["SH-SG-01"]) == {"310000": "ISSUING_PROVINCE"}
    national = by_code(await records(client, stack.case("publication_windows")["key"]["uscc"]))["D1-2-04"]
    assert national["nationalCode"] == "D1-2-04"
    assert set(bases(national).values()) == {"ISSUING_PROVINCE", "NATIONAL_STANDARD"}


async def test_recognition_decisions_are_dated(client: httpx.AsyncClient, stack: Stack) -> None:
    uscc = stack.case("local_code_recognised")["key"]["uscc"]
    today = by_code(await records(client, uscc))["JS-ZB-02"]
    assert today["nationalCode"] is None
    assert bases(today) == {"320000": "ISSUING_PROVINCE", "310000": "DECISION"}
    decision = today["recognizedIn"][1]["decision"]
    assert decision["decidedBy"] and "互认" in decision["basis"] and decision["effectiveTo"] is None
    # 1800 days ago Zhejiang's (since lapsed) decision was in effect too.
    back_then = by_code(await records(client, uscc, (stack.today - timedelta(days=1800)).isoformat()))["JS-ZB-02"]
    assert bases(back_then) == {"320000": "ISSUING_PROVINCE", "310000": "DECISION", "330000": "DECISION"}
    lapsed = next(g for g in back_then["recognizedIn"] if g["province"]["code"] == "330000")["decision"]
    assert lapsed["effectiveTo"] == (stack.today - timedelta(days=1770)).isoformat()
    assert bases(by_code(await records(client, uscc))["JS-ZB-01"]) == {"320000": "ISSUING_PROVINCE"}


async def test_good_behaviour_awards_follow_the_same_rule(client: httpx.AsyncClient, stack: Stack) -> None:
    award = by_code(await records(client, stack.case("clean_enterprise")["key"]["uscc"]))["D1-G-02"]
    assert award["polarity"] == "GOOD" and award["nationalCode"] == "D1-G-02"
    assert len(award["recognizedIn"]) == 3  # a national award counts in every province


async def test_the_rules_are_loaded_once_per_request(client: httpx.AsyncClient, stack: Stack) -> None:
    query = """query($a: USCC!, $b: USCC!) {
        a: enterprise(uscc: $a) { creditRecords { nationalCode recognizedIn { basis } } }
        b: enterprise(uscc: $b) { creditRecords { nationalCode recognizedIn { basis } } }
        c: crossCheckEnterprise(uscc: $a) { complete } }"""
    body = await gql(client, query, a=stack.case("local_code_crosswalk")["key"]["uscc"],
                     b=stack.case("publication_windows")["key"]["uscc"])
    assert "errors" not in body
    with_rules = statements(body)["central"]
    without = statements(await gql(client, query.replace("nationalCode recognizedIn { basis }", "id")
                                   .replace("c: crossCheckEnterprise(uscc: $a) { complete }", ""),
                                   a=stack.case("local_code_crosswalk")["key"]["uscc"],
                                   b=stack.case("publication_windows")["key"]["uscc"]))["central"]
    assert with_rules == without + 1  # one snapshot statement, however many records and checks ask
