"""Legacy codes can be looked up: a well-formed USCC that fails its check character is accepted for
lookups and reads, and the answer names the failed check (writes will refuse it)."""

from __future__ import annotations

import asyncpg
import httpx

from tests.conftest import Stack, gql

QUERY = """query($u: USCC!) { enterprise(uscc: $u) { uscc usccValid name }
    crossCheckEnterprise(uscc: $u) { complete subject { found } } }"""


async def _legacy_uscc(stack: Stack) -> str:
    for province in stack.settings.provinces:
        conn = await asyncpg.connect(province.source.dsn)
        try:
            uscc = await conn.fetchval(
                "SELECT uscc FROM exchange.enterprise WHERE NOT uscc_valid ORDER BY uscc LIMIT 1"
            )
        finally:
            await conn.close()
        if uscc:
            return uscc
    raise AssertionError("the demo data set plants enterprises with legacy codes")


async def test_an_enterprise_with_a_failing_check_character_can_be_opened(
    client: httpx.AsyncClient, stack: Stack
) -> None:
    uscc = await _legacy_uscc(stack)
    body = await gql(client, QUERY, u=uscc)
    assert "errors" not in body, body["errors"]
    assert body["data"]["enterprise"] == {"uscc": uscc, "usccValid": False, "name": body["data"]["enterprise"]["name"]}
    assert body["data"]["crossCheckEnterprise"]["subject"]["found"] is True
    [warning] = body["extensions"]["warnings"]
    assert warning.startswith(f"uscc: {uscc} is accepted for lookup but fails its checks: USCC ")
    assert "check" in warning.split("fails its checks:")[1]


async def test_a_valid_code_gets_no_warning(client: httpx.AsyncClient, stack: Stack) -> None:
    body = await gql(client, QUERY, u=stack.case("clean_enterprise")["key"]["uscc"])
    assert "warnings" not in body["extensions"]
