"""Request ids and JSON logs: the id is echoed or generated, returned in the header and in
``extensions``; a logged exception shows its class and origin, never its message or traceback."""

from __future__ import annotations

import json
import logging

import httpx

from gateway.logs import REQUEST_ID, JsonFormatter

QUERY = {"query": "{ __typename }"}


async def test_the_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    echoed = await client.post("/graphql", json=QUERY, headers={"X-Request-ID": "portal-42.a"})
    generated = await client.post("/graphql", json=QUERY)
    refused = await client.post("/graphql", json=QUERY, headers={"X-Request-ID": "bad id\\n" + "x" * 100})
    assert echoed.headers["X-Request-ID"] == "portal-42.a" == echoed.json()["extensions"]["requestId"]
    assert len(generated.headers["X-Request-ID"]) == 32
    assert generated.json()["extensions"]["requestId"] == generated.headers["X-Request-ID"]
    assert refused.headers["X-Request-ID"] != "bad id\\n" + "x" * 100 and len(refused.headers["X-Request-ID"]) == 32


def test_a_logged_exception_keeps_only_its_class_and_origin() -> None:
    try:
        raise RuntimeError("connect to postgresql://yrd:s3cret@db.internal/js failed: SELECT * FROM exchange.person")
    except RuntimeError as exc:
        record = logging.LogRecord(
            "yrd.sources",
            logging.ERROR,
            __file__,
            1,
            "source %s failed",
            ("320000",),
            (type(exc), exc, exc.__traceback__),
        )
    token = REQUEST_ID.set("req-1")
    try:
        line = JsonFormatter().format(record)
    finally:
        REQUEST_ID.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "source 320000 failed" and entry["request_id"] == "req-1"
    assert entry["error"]["type"] == "RuntimeError" and entry["error"]["where"].startswith("test_logs.py:")
    assert "s3cret" not in line and "SELECT" not in line and "Traceback" not in line
