"""``/metrics`` is scraped by a real Prometheus text parser and its counters move with requests."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Stack, running_client


async def _scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_counters_move_with_requests(stack: Stack) -> None:
    uscc = stack.case("tri_province_enterprise")["key"]["uscc"]
    query = "query Profile($u: USCC!) { enterprise(uscc: $u) { name creditRecords { id } } }"
    async with running_client(stack.settings) as client:
        before = await _scrape(client)
        ok = await client.post("/graphql", json={"query": query, "variables": {"u": uscc}, "operationName": "Profile"})
        bad = await client.post("/graphql", json={"query": '{ project(number: " ") { name } }'})
        after = await _scrape(client)
    assert ok.status_code == 200 and bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    ok_count = "yrd_requests_total"
    assert (
        _value(after, ok_count, operation="Profile", outcome="ok")
        == _value(before, ok_count, operation="Profile", outcome="ok") + 1
    )
    assert (
        _value(after, "yrd_errors_total", code="BAD_USER_INPUT")
        == _value(before, "yrd_errors_total", code="BAD_USER_INPUT") + 1
    )
    assert _value(after, "yrd_source_statements_total", source="320000") > _value(
        before, "yrd_source_statements_total", source="320000"
    )
    assert _value(after, "yrd_request_duration_seconds_count", operation="Profile") >= 1
    for province in ("310000", "320000", "330000"):
        assert ("yrd_index_lag_ms", (("province", province),)) in after
        assert _value(after, "yrd_breaker_open", source=province) == 0
        # the pool: the profile opened a connection to every province; all are back by now
        opened = _value(after, "yrd_source_connections", source=province, state="open")
        assert opened >= 1 and _value(after, "yrd_source_connections", source=province, state="idle") == opened
        assert ("yrd_source_connections", (("source", province), ("state", "waiting"))) in after
    assert ("yrd_audit_spool_bytes", ()) in after
