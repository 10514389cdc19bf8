"""Helpers of the cross-check tests: the report fields asked for and small accessors."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import gql
from tests.tokens import ask

REPORT = """subject { kind key name found projectNumber } asOf complete recognitionRulesAvailable
    statementZh statementEn coverage { complete answered { code } missing { code } }
    findings { code severity behaviourCode explanationZh explanationEn
               evidence { province { code } recordIds dates note } }
    informational { code severity behaviourCode explanationEn evidence { province { code } recordIds dates note } }"""

ENTERPRISE = "query($u: USCC!, $d: Date) { r: crossCheckEnterprise(uscc: $u, asOf: $d) { " + REPORT + " } }"
PERSON_BY_ID = ("query($t: IdType, $n: String, $d: Date) { r: crossCheckPerson(idType: $t, idNumber: $n, asOf: $d)"
                " { " + REPORT + " } }")
PERSON_BY_REGISTRATION = ("query($g: String, $d: Date) { r: crossCheckPerson(registrationNumber: $g, asOf: $d)"
                          " { " + REPORT + " } }")
PERFORMANCE = ("query($u: USCC!, $p: String!, $d: Date) { r: verifyPerformance(uscc: $u, projectNumber: $p, asOf: $d)"
               " { " + REPORT + " } }")


async def enterprise(
    client: httpx.AsyncClient, uscc: str, as_of: str | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    return await ask(client, ENTERPRISE, headers, u=uscc, d=as_of)


async def person(
    client: httpx.AsyncClient, key: dict[str, str], as_of: str | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """The cross-check of a planted person: by registration number as the public (which may not
    ask by ID number, DOMAIN §6), by ID number as the official whose ``headers`` are given."""
    if headers:
        return await ask(client, PERSON_BY_ID, headers, t=key["idType"], n=key["idNumber"], d=as_of)
    return await gql(client, PERSON_BY_REGISTRATION, g=key["registrationNumber"], d=as_of)


async def performance(client: httpx.AsyncClient, uscc: str, number: str, as_of: str | None = None) -> dict[str, Any]:
    return await gql(client, PERFORMANCE, u=uscc, p=number, d=as_of)


async def permit_holder(client: httpx.AsyncClient, number: str) -> str:
    """The enterprise holding the construction permit of project ``number``."""
    query = "query($n: String!) { project(number: $n) { stages { stage enterpriseUscc } } }"
    stages = (await gql(client, query, n=number))["data"]["project"]["stages"]
    return next(s["enterpriseUscc"] for s in stages if s["stage"] == "施工许可")


def report(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    return body["data"]["r"]


def codes(found: dict[str, Any], field: str = "findings") -> list[str]:
    return sorted(f["code"] for f in found[field])


def finding(found: dict[str, Any], code: str, behaviour: str | None = None) -> dict[str, Any]:
    matches = [
        f for f in found["findings"] if f["code"] == code and (behaviour is None or f["behaviourCode"] == behaviour)
    ]
    assert len(matches) == 1, (code, behaviour, found["findings"])
    return matches[0]


def evidence_provinces(item: dict[str, Any]) -> set[str]:
    return {e["province"]["code"] for e in item["evidence"]}


def record_ids(item: dict[str, Any]) -> set[str]:
    return {rid for e in item["evidence"] for rid in e["recordIds"]}
