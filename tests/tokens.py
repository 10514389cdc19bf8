"""Bearer tokens for tests: the same issuer the ``yrd-gateway token`` command uses."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.auth import issue_token
from gateway.settings import Settings

ROLE_CASES = {
    "public": None,
    "regulator_sh": ("regulator", "310000"),
    "regulator_js": ("regulator", "320000"),
    "reviewer_sh": ("reviewer", "310000"),
    "admin": ("admin", None),
}


def bearer(settings: Settings, role: str, province: str | None = None, *, sub: str | None = None,
           org: str | None = "测试机构", ttl_s: int = 600) -> dict[str, str]:
    """The Authorization header of a caller with one role."""
    token = issue_token(settings.auth, subject=sub or f"{role}-{province or 'any'}", roles=[role],
                        province=province, org=org, ttl_s=ttl_s)
    return {"Authorization": f"Bearer {token}"}


def headers_for(settings: Settings, case: str) -> dict[str, str]:
    spec = ROLE_CASES[case]
    return {} if spec is None else bearer(settings, *spec)


async def post(client: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None,
               **variables: Any) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})


async def ask(client: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None,
              **variables: Any) -> dict[str, Any]:
    """POST a query as some caller; the JSON body (asserting HTTP 200)."""
    response = await post(client, query, headers, **variables)
    assert response.status_code == 200, response.text
    return response.json()


def statements_total(body: dict[str, Any]) -> int:
    return sum(s["statements"] for s in body["extensions"]["sources"])
