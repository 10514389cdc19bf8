"""Partial failure, honestly reported: real servers are stopped and started again while the
gateway keeps serving (its own client, so the breaker state of other tests is not disturbed)."""

from __future__ import annotations

import asyncio
import time

from tests.conftest import Stack, gql, running_client, table_locked

QUERY = """query($u: USCC!) { enterprise(uscc: $u) {
    name presence { code } creditRecords { id province { code } }
    coverage { complete answered { code } missing { code } } } }"""
PAGE = """{ enterprises(first: 20) { edges { node { uscc creditRecords { id } coverage { complete } } }
    coverage { complete missing { code } } } }"""


def _codes(items: list[dict]) -> set[str]:
    return {i["code"] for i in items}


async def _until_complete(client, uscc: str, seconds: float = 5.0) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        body = await gql(client, QUERY, u=uscc)
        if body["data"]["enterprise"]["coverage"]["complete"] or time.monotonic() > deadline:
            return body
        await asyncio.sleep(0.2)


async def test_stopped_province_is_reported_and_recovers(stack: Stack) -> None:
    uscc = stack.case("tri_province_enterprise")["key"]["uscc"]
    async with running_client(stack.settings) as client:
        assert (await gql(client, QUERY, u=uscc))["data"]["enterprise"]["coverage"]["complete"]
        stack.cluster.stop("js")
        try:
            started = time.monotonic()
            body = await gql(client, QUERY, u=uscc)
            elapsed = time.monotonic() - started
            page = await gql(client, PAGE)
        finally:
            stack.cluster.start("js")
        recovered = await _until_complete(client, uscc)

    enterprise = body["data"]["enterprise"]
    assert elapsed < 2.0 + 1.0  # within the configured timeout (2 s) plus slack
    assert enterprise["coverage"]["complete"] is False
    assert _codes(enterprise["coverage"]["missing"]) == {"320000"}
    assert "320000" not in {r["province"]["code"] for r in enterprise["creditRecords"]}
    assert _codes(enterprise["coverage"]["answered"]) >= {"310000", "330000"}
    errors = [e for e in body["errors"] if e["extensions"]["source"] == "320000"]
    assert errors and errors[0]["extensions"]["code"] == "SOURCE_UNAVAILABLE"
    assert {s["source"]: s["status"] for s in body["extensions"]["sources"]}["320000"] == "unavailable"
    assert page["data"]["enterprises"]["coverage"]["complete"] is False
    assert all(not e["node"]["coverage"]["complete"] for e in page["data"]["enterprises"]["edges"])
    assert recovered["data"]["enterprise"]["coverage"]["complete"] is True
    assert "errors" not in recovered


async def test_reads_work_without_the_central_store(stack: Stack) -> None:
    case = stack.case("tri_province_enterprise")
    async with running_client(stack.settings) as client:
        stack.cluster.stop("central")
        try:
            body = await gql(client, QUERY, u=case["key"]["uscc"])
        finally:
            stack.cluster.start("central")
    enterprise = body["data"]["enterprise"]
    assert _codes(enterprise["presence"]) == set(case["provinces"])  # broadcast found every province
    assert enterprise["coverage"]["complete"] is True
    central_errors = [e for e in body["errors"] if e["extensions"]["source"] == "central"]
    assert central_errors[0]["extensions"]["code"] == "SOURCE_UNAVAILABLE"
    asked = {s["source"] for s in body["extensions"]["sources"] if s["statements"] > 0} - {"central"}
    assert asked == {"310000", "320000", "330000"}  # broadcast: the index could not narrow it down


async def test_slow_province_times_out(stack: Stack) -> None:
    uscc = stack.case("tri_province_enterprise")["key"]["uscc"]
    dsn = stack.settings.province("330000").source.dsn
    async with running_client(stack.settings) as client, table_locked(dsn, "exchange.enterprise"):
        body = await gql(client, QUERY, u=uscc)
    errors = [e for e in body["errors"] if e["extensions"]["source"] == "330000"]
    assert errors[0]["extensions"]["code"] == "SOURCE_TIMEOUT"
    assert body["data"]["enterprise"]["coverage"]["complete"] is False
    assert "330000" in _codes(body["data"]["enterprise"]["coverage"]["missing"])


LEAKS = ("postgresql://", "SELECT", "Traceback", "/tmp/", "host=", "asyncpg", "password")


async def test_failures_never_leak_internals(stack: Stack) -> None:
    uscc = stack.case("tri_province_enterprise")["key"]["uscc"]
    async with running_client(stack.settings) as client:
        stack.cluster.stop("zj")
        try:
            response = await client.post("/graphql", json={"query": QUERY, "variables": {"u": uscc}})
        finally:
            stack.cluster.start("zj")
    assert response.status_code == 200
    for leak in LEAKS:
        assert leak not in response.text


async def test_coverage_counts_a_failure_in_a_sibling_field(stack: Stack) -> None:
    """The enterprise row answers but its credit records time out: coverage (asked first in the
    document) must still wait for the sibling field and report the province as missing."""
    uscc = stack.case("tri_province_enterprise")["key"]["uscc"]
    query = """query($u: USCC!) { enterprise(uscc: $u) {
        coverage { complete missing { code } } name creditRecords { id } } }"""
    dsn = stack.settings.province("310000").source.dsn
    async with running_client(stack.settings) as client, table_locked(dsn, "exchange.credit_record"):
        body = await gql(client, query, u=uscc)
    enterprise = body["data"]["enterprise"]
    assert enterprise["name"]
    assert enterprise["coverage"] == {"complete": False, "missing": [{"code": "310000"}]}
    assert body["errors"][0]["path"] == ["enterprise", "creditRecords"]
