"""Every GraphQL error carries an ``extensions.code``, graphql-core's own parse and validation
errors included (a portal dispatches on codes, never on message text)."""

from __future__ import annotations

import httpx


async def _codes(client: httpx.AsyncClient, query: str) -> list[str]:
    body = (await client.post("/graphql", json={"query": query})).json()
    return [e["extensions"]["code"] for e in body["errors"]]


async def test_parse_and_validation_errors_have_codes(client: httpx.AsyncClient) -> None:
    assert await _codes(client, "{ provinces { code ") == ["GRAPHQL_PARSE_FAILED"]
    assert await _codes(client, "{ provinces { noSuchField } }") == ["GRAPHQL_VALIDATION_FAILED"]
    assert await _codes(client, '{ enterprise(uscc: 5) { name } }') == ["BAD_USER_INPUT"]  # the scalar's check
