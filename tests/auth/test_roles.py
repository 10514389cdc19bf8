"""The same query as each role, checking exactly what comes back (DOMAIN §4, §6)."""

from __future__ import annotations

from datetime import date

import asyncpg
import httpx
import pytest

from tests.conftest import KNOWN_ID_NUMBERS, Stack
from tests.tokens import ask, bearer, headers_for

RECORDS = """query($u: USCC!) { enterprise(uscc: $u) {
    creditRecords { recordNumber status province { code } }
    blacklist { entryNumber active } } }"""
PERSON = """query($t: IdType!, $n: String!) { person(idType: $t, idNumber: $n) {
    idNumber presence { code } registrations { province { code } } } }"""
# The public (and an admin, who is no official) finds a person by registration number only.
PERSON_BY_REGISTRATION = """query($g: String!) { person: personByRegistration(registrationNumber: $g) {
    idNumber presence { code } registrations { province { code } } } }"""


async def _rows(stack: Stack, sql: str, *args: object) -> list[tuple[str, asyncpg.Record]]:
    found = []
    for province in stack.settings.provinces:
        conn = await asyncpg.connect(province.source.dsn)
        try:
            found += [(province.code, row) for row in await conn.fetch(sql, *args)]
        finally:
            await conn.close()
    return found


def _expected_records(rows: list[tuple[str, asyncpg.Record]], case: str, today: date) -> set[tuple[str, str]]:
    """The rule written out independently of the gateway's code, judged on the stack's date."""
    seen = set()
    for code, r in rows:
        public = r["status"] == "published" and r["publish_from"] <= today <= r["publish_to"]
        if case in ("public", "admin"):
            visible = public
        else:
            own = {"regulator_sh": "310000", "regulator_js": "320000", "reviewer_sh": "310000"}[case]
            visible = r["status"] in ("published", "revoked") or code == own
        if visible:
            seen.add((code, r["record_number"]))
    return seen


@pytest.mark.parametrize("case", ["public", "regulator_sh", "regulator_js", "reviewer_sh", "admin"])
async def test_credit_records_per_role(client: httpx.AsyncClient, stack: Stack, case: str) -> None:
    uscc = stack.case("publication_windows")["key"]["uscc"]
    rows = await _rows(stack, "SELECT record_number, status, publish_from, publish_to FROM exchange.credit_record"
                              " WHERE subject_uscc = $1", uscc)
    body = await ask(client, RECORDS, headers_for(stack.settings, case), u=uscc)
    got = {(r["province"]["code"], r["recordNumber"]) for r in body["data"]["enterprise"]["creditRecords"]}
    assert got == _expected_records(rows, case, stack.today)
    statuses = {r["status"] for r in body["data"]["enterprise"]["creditRecords"]}
    if case in ("public", "admin"):
        assert statuses == {"published"}
    else:
        assert "revoked" in statuses


async def test_drafts_only_for_their_own_province(client: httpx.AsyncClient, stack: Stack) -> None:
    uscc = stack.case("publication_windows")["key"]["uscc"]
    rows = await _rows(stack, "SELECT record_number FROM exchange.credit_record WHERE subject_uscc = $1"
                              " AND status IN ('draft', 'reviewed')", uscc)
    home = {code for code, _ in rows}
    assert len(home) == 1, "the planted case has drafts in its home province"
    (home_code,) = home
    other = next(p.code for p in stack.settings.provinces if p.code != home_code)
    for province, expected in ((home_code, len(rows)), (other, 0)):
        body = await ask(client, RECORDS, bearer(stack.settings, "regulator", province), u=uscc)
        drafts = [r for r in body["data"]["enterprise"]["creditRecords"] if r["status"] in ("draft", "reviewed")]
        assert len(drafts) == expected, province


@pytest.mark.parametrize("case", ["public", "regulator_sh", "admin"])
async def test_released_blacklist_entries_only_for_officials(client: httpx.AsyncClient, stack: Stack,
                                                             case: str) -> None:
    uscc = stack.case("blacklist_released")["key"]["uscc"]
    body = await ask(client, RECORDS, headers_for(stack.settings, case), u=uscc)
    entries = body["data"]["enterprise"]["blacklist"]
    if case == "regulator_sh":
        assert entries and not any(e["active"] for e in entries)
    else:
        assert entries == []


@pytest.mark.parametrize(("role", "province"), [
    ("regulator", "310000"), ("regulator", "320000"), ("regulator", "330000"), ("reviewer", "310000"),
    ("admin", None), (None, None),
])
async def test_full_id_number_only_for_a_regulator_of_a_holding_province(
    client: httpx.AsyncClient, stack: Stack, role: str | None, province: str | None
) -> None:
    key = stack.case("dual_registration_person")["key"]
    headers = bearer(stack.settings, role, province) if role else {}
    if role in ("regulator", "reviewer"):
        body = await ask(client, PERSON, headers, t=key["idType"], n=key["idNumber"])
    else:
        body = await ask(client, PERSON_BY_REGISTRATION, headers, g=key["registrationNumber"])
    person = body["data"]["person"]
    holders = {p["code"] for p in person["presence"]}
    if role == "regulator" and province in holders:
        assert person["idNumber"] == key["idNumber"]
        assert person["idNumber"] in KNOWN_ID_NUMBERS  # the session-end leak check knows this number
    else:
        assert person["idNumber"] == key["idNumber"][:6] + "********" + key["idNumber"][-4:]


async def test_registered_persons_masked_per_holding_province(client: httpx.AsyncClient, stack: Stack) -> None:
    query = """query($p: String!) { enterprises(first: 40, filter: { registeredProvince: $p }) { edges { node {
        registeredPersons { idType idNumber registration { province { code } } } } } } }"""
    persons = []
    for registered in ("310000", "320000"):
        body = await ask(client, query, bearer(stack.settings, "regulator", "320000"), p=registered)
        persons += [p for e in body["data"]["enterprises"]["edges"] for p in e["node"]["registeredPersons"]
                    if p["idType"] == "居民身份证"]
    assert {p["registration"]["province"]["code"] for p in persons} >= {"320000", "310000"}
    for p in persons:
        masked = p["idNumber"][6:14] == "********"
        assert masked == (p["registration"]["province"]["code"] != "320000")


@pytest.mark.parametrize("case", ["public", "regulator_sh", "admin"])
async def test_person_key_needs_an_official(client: httpx.AsyncClient, stack: Stack, case: str) -> None:
    key = stack.case("dual_registration_person")["key"]
    query = "query($g: String!) { person: personByRegistration(registrationNumber: $g) { name personKey } }"
    body = await ask(client, query, headers_for(stack.settings, case), g=key["registrationNumber"])
    if case == "regulator_sh":
        assert len(body["data"]["person"]["personKey"]) == 64
        assert "errors" not in body
    else:
        assert body["data"] is None or body["data"]["person"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("case", ["public", "regulator_sh", "admin"])
async def test_audit_log_is_for_admins_only(client: httpx.AsyncClient, stack: Stack, case: str) -> None:
    body = await ask(client, "{ auditLog(first: 5) { seq actor } }", headers_for(stack.settings, case))
    if case == "admin":
        assert "errors" not in body and isinstance(body["data"]["auditLog"], list)
    else:
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert body["errors"][0]["message"].startswith("Forbidden")
