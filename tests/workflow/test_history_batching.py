"""An official reading the history and version of every record of a page costs one statement per
province for each, not one per record; each record still gets its own history."""

from __future__ import annotations

import asyncpg
import httpx

from tests.conftest import Stack, statements
from tests.tokens import bearer

PAGE = """
{ creditRecords(first: 30) { edges { node { recordNumber province { code } version history { action version } } } } }
"""


async def test_a_pages_history_and_versions_are_one_statement_per_province(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    regulator = bearer(stack.settings, "regulator", "320000")
    response = await client.post("/graphql", json={"query": PAGE}, headers=regulator)
    body = response.json()
    assert "errors" not in body, body["errors"]
    nodes = [edge["node"] for edge in body["data"]["creditRecords"]["edges"]]
    by_province: dict[str, list[dict]] = {}
    for node in nodes:
        by_province.setdefault(node["province"]["code"], []).append(node)
    assert len(nodes) == 30 and len(by_province) >= 2
    sent = statements(body)
    for code, records in by_province.items():
        # the page's own statement, then one for the histories and one for the versions
        assert sent[code] <= 3, (code, sent[code], len(records))
    # every record got its own history and version, as the province holds them
    for code, records in by_province.items():
        dsn = stack.settings.province(code).source.dsn
        conn = await asyncpg.connect(dsn)
        try:
            for node in records:
                version = await conn.fetchval(
                    "SELECT row_version FROM exchange.credit_record WHERE record_number = $1", node["recordNumber"]
                )
                assert node["version"] == version
                assert all(entry["version"] is None or entry["version"] <= version for entry in node["history"])
        finally:
            await conn.close()
