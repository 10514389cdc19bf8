"""The random background of the demo data is kept free of cross-province patterns (the seed's
promise), so a pattern finding on any subject that is not planted would be a false positive.
Every enterprise and every registered practitioner is cross-checked, ten per request: the loaders
batch them, and the statement bound per province still holds."""

from __future__ import annotations

from typing import Any

import httpx

from domain.identifiers import IdentifierError, validate_uscc
from tests.conftest import Stack, gql, running_client, statements
from tests.crosscheck.reports import permit_holder

# Findings the background may carry: its own bad records and blacklists (national codes).
ORDINARY = {"ACTIVE_BAD_RECORD", "ACTIVE_BLACKLIST"}
PER_REQUEST = 10  # within the gateway's root-field limit
PAGE = """query($a: String) { enterprises(first: 100, after: $a) {
    edges { node { uscc registeredPersons { registration { registrationNumber } } } }
    pageInfo { hasNextPage endCursor } } }"""


async def every_enterprise(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    nodes, after = [], None
    while True:
        page = (await gql(client, PAGE, a=after))["data"]["enterprises"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def valid(uscc: str) -> bool:
    try:
        validate_uscc(uscc)
    except IdentifierError:
        return False  # flagged imports: not reachable by USCC input
    return True


async def check_all(client: httpx.AsyncClient, field: str, argument: str, keys: list[str]) -> dict[str, set[str]]:
    """Pattern finding codes per subject key, asking ``PER_REQUEST`` cross-checks per request."""
    patterns: dict[str, set[str]] = {}
    for start in range(0, len(keys), PER_REQUEST):
        chunk = keys[start:start + PER_REQUEST]
        query = "{" + " ".join(
            f'c{i}: {field}({argument}: "{key}") {{ complete findings {{ code }} informational {{ code }} }}'
            for i, key in enumerate(chunk)
        ) + "}"
        body = await gql(client, query)
        assert "errors" not in body, body["errors"]
        counts = statements(body)
        assert counts["central"] == 1 and all(n <= 2 for n in counts.values()), counts
        for i, key in enumerate(chunk):
            report = body["data"][f"c{i}"]
            assert report["complete"]
            found = {f["code"] for f in report["findings"] + report["informational"] if f["code"] not in ORDINARY}
            patterns[key] = found - {"UNRECOGNISED_LOCAL_RECORD", "QUALIFICATION_NOT_VALID"}
    return patterns


async def test_only_planted_subjects_show_cross_province_patterns(stack: Stack) -> None:
    # Its own gateway: this test sends many requests and must not eat the shared client's rate budget.
    async with running_client(stack.settings) as client:
        await _check_background(client, stack)


async def _check_background(client: httpx.AsyncClient, stack: Stack) -> None:
    enterprises = await every_enterprise(client)
    planted = {c["key"]["uscc"] for c in stack.showcase.values() if "uscc" in c["key"]}
    planted.add(await permit_holder(client, stack.case("permit_without_award")["key"]["projectNumber"]))
    usccs = [e["uscc"] for e in enterprises if valid(e["uscc"])]
    found = await check_all(client, "crossCheckEnterprise", "uscc", usccs)
    assert {uscc for uscc, codes in found.items() if codes} <= planted
    assert len(found) > 100

    people = {key.get(k) for c in stack.showcase.values() if c["kind"] == "person" for key in [c["key"]]
              for k in ("registrationNumber", "otherRegistrationNumber")} - {None}
    numbers = sorted({p["registration"]["registrationNumber"] for e in enterprises for p in e["registeredPersons"]})
    found = await check_all(client, "crossCheckPerson", "registrationNumber", numbers)
    assert {number for number, codes in found.items() if codes} <= people
    assert len(found) > 100
