"""Issue 8, item 7: what a token may claim, checked on every request.

Before: a token expiring in 100 years was accepted (the lifetime cap applied only when the gateway
issued a token), a token naming a province the gateway does not serve was accepted, with two
``Authorization`` headers the last one won, and a 1 MB header was decoded before the 401."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from tests.conftest import AUTH_SECRET, Stack
from tests.tokens import bearer, post, statements_total

QUERY = "{ provinces { code } }"
YEAR = 365 * 86_400


def _signed(stack: Stack, **claims: object) -> dict[str, str]:
    """An Authorization header with a token the gateway's own key signed (so only the claims are wrong)."""
    now = int(time.time())
    auth = stack.settings.auth
    base = {"sub": "hardening", "roles": ["regulator"], "province": "320000", "iss": auth.issuer,
            "aud": auth.audience, "iat": now, "exp": now + 600}
    base.update(claims)
    token = jwt.encode({k: v for k, v in base.items() if v is not None}, AUTH_SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


async def _refused(client: httpx.AsyncClient, headers: dict[str, str] | list[tuple[str, str]], status: int) -> str:
    response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["data"] is None and statements_total(body) == 0
    return body["errors"][0]["message"]


async def test_a_token_living_100_years_is_refused(client: httpx.AsyncClient, stack: Stack) -> None:
    now = int(time.time())
    message = await _refused(client, _signed(stack, exp=now + 100 * YEAR), 401)
    assert "lifetime" in message


async def test_an_old_iat_with_a_fresh_exp_is_refused(client: httpx.AsyncClient, stack: Stack) -> None:
    now = int(time.time())
    assert "lifetime" in await _refused(client, _signed(stack, iat=now - YEAR, exp=now + 60), 401)


@pytest.mark.parametrize("claims", [{"iat": None}, {"iat": "yesterday"}])
async def test_iat_is_required_and_numeric(client: httpx.AsyncClient, stack: Stack, claims: dict) -> None:
    await _refused(client, _signed(stack, **claims), 401)


async def test_a_token_issued_in_the_future_is_refused(client: httpx.AsyncClient, stack: Stack) -> None:
    now = int(time.time())
    await _refused(client, _signed(stack, iat=now + 3600, exp=now + 3700), 401)


async def test_the_configured_lifetime_itself_is_accepted(client: httpx.AsyncClient, stack: Stack) -> None:
    now = int(time.time())
    headers = _signed(stack, iat=now, exp=now + stack.settings.auth.max_ttl_s)
    assert (await post(client, QUERY, headers)).status_code == 200


async def test_a_province_the_gateway_does_not_serve_is_refused(client: httpx.AsyncClient, stack: Stack) -> None:
    assert "340000" not in stack.settings.province_codes
    message = await _refused(client, _signed(stack, province="340000"), 401)
    assert "340000" in message
    await _refused(client, _signed(stack, roles=["admin"], province="340000"), 401)


async def test_two_authorization_headers_are_a_bad_request(client: httpx.AsyncClient, stack: Stack) -> None:
    regulator = bearer(stack.settings, "regulator", "320000")["Authorization"]
    admin = bearer(stack.settings, "admin")["Authorization"]
    message = await _refused(client, [("Authorization", regulator), ("Authorization", admin)], 400)
    assert "one Authorization header" in message
    await _refused(client, [("Authorization", regulator), ("authorization", regulator)], 400)


async def test_a_megabyte_authorization_header_is_refused_undecoded(client: httpx.AsyncClient) -> None:
    message = await _refused(client, {"Authorization": "Bearer " + "A" * 1024 * 1024}, 400)
    assert "larger than" in message
