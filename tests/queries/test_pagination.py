"""Cursors page correctly across provinces: walking every page yields exactly the global order
computed directly from the databases, nothing skipped or repeated."""

from __future__ import annotations

import asyncpg
import httpx

from tests.conftest import Stack, gql

ENTERPRISE_PAGE = """query($after: String) { enterprises(first: 7, after: $after) {
    edges { cursor node { uscc } } pageInfo { hasNextPage endCursor } coverage { complete } } }"""
CREDIT_PAGE = """query($after: String) { creditRecords(first: 13, after: $after) {
    edges { cursor node { id decisionDate } } pageInfo { hasNextPage endCursor } } }"""


async def _walk(client: httpx.AsyncClient, query: str, field: str, key: str) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        page = (await gql(client, query, after=after))["data"][field]
        seen += [e["node"][key] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


async def _direct(stack: Stack, sql: str) -> dict[str, list[asyncpg.Record]]:
    rows = {}
    for p in stack.settings.provinces:
        conn = await asyncpg.connect(p.source.dsn)
        try:
            rows[p.code] = await conn.fetch(sql, stack.today)
        finally:
            await conn.close()
    return rows


async def test_enterprise_pages_cover_the_union_in_uscc_order(client: httpx.AsyncClient, stack: Stack) -> None:
    walked = await _walk(client, ENTERPRISE_PAGE, "enterprises", "uscc")
    direct = await _direct(stack, "SELECT uscc FROM exchange.enterprise WHERE $1::date IS NOT NULL")
    expected = sorted({r["uscc"] for rows in direct.values() for r in rows}, key=str.encode)
    assert walked == expected


async def test_credit_record_pages_follow_one_global_order(client: httpx.AsyncClient, stack: Stack) -> None:
    walked = await _walk(client, CREDIT_PAGE, "creditRecords", "id")
    direct = await _direct(
        stack,
        """SELECT record_number, decision_date FROM exchange.credit_record
            WHERE status = 'published' AND $1::date BETWEEN publish_from AND publish_to""",
    )
    merged = [(r["decision_date"], r["record_number"], code) for code, rows in direct.items() for r in rows]
    merged.sort(key=lambda m: (-m[0].toordinal(), _desc(m[1]), m[2]))
    assert walked == [f"{code}:{number}" for _, number, code in merged]
    assert len(walked) == len(set(walked))


def _desc(text: str) -> tuple[int, ...]:
    return (*(-b for b in text.encode()), 1)


async def test_a_cursor_from_another_list_is_rejected(client: httpx.AsyncClient) -> None:
    first = (await gql(client, ENTERPRISE_PAGE, after=None))["data"]["enterprises"]["pageInfo"]["endCursor"]
    body = await gql(client, CREDIT_PAGE, after=first)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "invalid cursor" in body["errors"][0]["message"]


async def test_page_size_limit(client: httpx.AsyncClient) -> None:
    body = await gql(client, "{ enterprises(first: 1000) { edges { cursor } } }")
    assert "between 1 and 100" in body["errors"][0]["message"]


async def test_registered_province_filter_is_checked(client: httpx.AsyncClient) -> None:
    body = await gql(client, '{ enterprises(filter: {registeredProvince: "3200"}) { edges { cursor } } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "province-level division code" in body["errors"][0]["message"]
    assert sum(s["statements"] for s in body["extensions"]["sources"]) == 0
