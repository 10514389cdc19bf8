"""A province whose server really stops mid-export ends the package with the incomplete marker
naming it (never a silent short file); what was sent is a prefix of the global order, and resuming
from the manifest's cursor once the province is back yields exactly the rest.  While it is down,
a new export is HTTP 503 naming it, and one that leaves it out is complete."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.conftest import Stack, running_app
from tests.export.packages import Package, export, read_package
from tests.tokens import bearer

JS = "320000"


async def test_a_province_stopped_mid_export_ends_it_incomplete(stack: Stack) -> None:
    regulator = bearer(stack.settings, "regulator", "310000", sub="export-fault")
    async with running_app(stack.settings) as (app, client):
        whole = await export(client, "credit-records", regulator)
        try:
            broken = read_package(await _body_stopping_js_after_first_chunk(app, stack, regulator))
            while_down = await client.get("/export/credit-records", headers=regulator)
            without_js = await export(client, "credit-records", regulator, provinces="310000,330000")
        finally:
            await asyncio.to_thread(stack.cluster.start, "js")
        rest = await _once_back(client, regulator, broken.manifest["cursor"])

    manifest = broken.manifest
    assert manifest["complete"] is False and manifest["coverage"]["complete"] is False
    assert manifest["coverage"]["missing"] == [JS]
    assert manifest["failed"][0]["province"] == JS and manifest["failed"][0]["code"] == "SOURCE_UNAVAILABLE"
    assert 0 < len(broken.rows) < len(whole.rows)
    assert broken.rows == whole.rows[: len(broken.rows)]  # a prefix of the global order
    assert broken.rows + rest.rows == whole.rows  # and resuming yields exactly the rest
    assert rest.manifest["complete"] is True

    assert while_down.status_code == 503
    error = while_down.json()["errors"][0]
    assert error["extensions"] == {"code": "SOURCE_UNAVAILABLE", "source": JS}
    assert without_js.manifest["complete"] is True
    assert without_js.rows == [r for r in whole.rows if r["province"] != JS]


async def _body_stopping_js_after_first_chunk(app: Any, stack: Stack, headers: dict[str, str]) -> bytes:
    """The whole body of one export, Jiangsu's server stopped as soon as the first chunk is out."""
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/export/credit-records", "raw_path": b"/export/credit-records",
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000), "server": ("gateway.test", 80),
        "headers": [(b"host", b"gateway.test"), *((k.lower().encode(), v.encode()) for k, v in headers.items())],
    }
    chunks: list[bytes] = []
    done = asyncio.Event()

    async def receive() -> dict:
        if not chunks and not done.is_set():
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] != "http.response.body":
            assert message["status"] == 200
            return
        if message.get("body"):
            if not chunks:
                await asyncio.to_thread(stack.cluster.stop, "js")
            chunks.append(message["body"])
        if not message.get("more_body", False):
            done.set()

    await app(scope, receive, send)
    return b"".join(chunks)


async def _once_back(client: httpx.AsyncClient, headers: dict[str, str], after: str) -> Package:
    """The rest after ``after``, once the restarted province answers again (its breaker probes)."""
    deadline = time.monotonic() + 20
    while True:
        response = await client.get("/export/credit-records", params={"after": after}, headers=headers)
        if response.status_code == 200 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            return read_package(response.content)
        await asyncio.sleep(0.3)
