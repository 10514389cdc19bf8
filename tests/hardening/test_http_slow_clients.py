"""Issue 8, item 6: slow clients are timed out, and headers have size limits.

Before: uvicorn put no deadline on a request's headers and the gateway none on its body, so 500
half-sent requests stayed open for a minute (a slowloris holds every connection it opens), and an
oversized ``Authorization`` header was decoded before the 401.  Raw sockets against a real gateway
process: this is about bytes on the wire, which an in-process client never shows."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Stack
from tests.hardening.served import Served, serve_process, served_settings
from tests.tokens import bearer

HEADER_TIMEOUT_S = 1.0
BODY_TIMEOUT_S = 1.0
MARGIN_S = 1.5  # scheduling slack on a loaded test machine
REQUEST_START = b"POST /graphql HTTP/1.1\r\nHost: gateway.test\r\n"


@pytest.fixture(scope="module")
def served(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    workdir = tmp_path_factory.mktemp("served-slow")
    server = {"header_timeout_ms": round(HEADER_TIMEOUT_S * 1000), "body_timeout_ms": round(BODY_TIMEOUT_S * 1000)}
    with serve_process(served_settings(stack, workdir / "spool", server=server), workdir) as served:
        yield served


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes | None:
    """What the server sent before closing the connection, or ``None`` if it kept it open."""
    received = b""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            chunk = await asyncio.wait_for(reader.read(65536), left)
        except TimeoutError:
            return None
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk
    return None


async def test_a_slowloris_sending_headers_byte_by_byte_is_disconnected(served: Served) -> None:
    reader, writer = await asyncio.open_connection(served.host, served.port)
    writer.write(REQUEST_START)
    started = time.monotonic()
    closed = False
    try:
        while time.monotonic() - started < HEADER_TIMEOUT_S + MARGIN_S + 2:
            writer.write(b"X-Slow: 1\r\n")  # never the blank line that ends the headers
            await writer.drain()
            if await _closed_within(reader, 0.2) is not None:
                closed = True
                break
    except ConnectionError:
        closed = True
    finally:
        writer.close()
    elapsed = time.monotonic() - started
    assert closed, f"a client trickling headers was still connected after {elapsed:.1f} s"
    assert elapsed < HEADER_TIMEOUT_S + MARGIN_S


async def test_a_header_that_never_ends_is_refused_at_the_size_limit(served: Served) -> None:
    """Sent fast (well within the deadline): the parser would gather the value without end."""
    limit = served.settings.server.max_header_bytes
    reader, writer = await asyncio.open_connection(served.host, served.port)
    writer.write(REQUEST_START + b"X-Endless: ")
    started = time.monotonic()
    sent, answer = 0, None
    try:
        while sent < 4 * limit and answer is None:
            writer.write(b"a" * 1024)
            await writer.drain()
            sent += 1024
            answer = await _closed_within(reader, 0.01) if sent % (8 * 1024) == 0 else None
        answer = answer if answer is not None else await _closed_within(reader, HEADER_TIMEOUT_S / 2)
    except ConnectionError:
        answer = None
    finally:
        writer.close()
    # The header deadline would close the connection too, but silently and only after a second.
    assert answer is not None and answer.startswith(b"HTTP/1.1 400"), (sent, (answer or b"")[:200])
    assert time.monotonic() - started < HEADER_TIMEOUT_S


async def test_many_half_sent_requests_are_all_closed_and_the_gateway_still_answers(served: Served) -> None:
    connections = [await asyncio.open_connection(served.host, served.port) for _ in range(100)]
    for _, writer in connections:
        writer.write(REQUEST_START)
    started = time.monotonic()
    try:
        results = await asyncio.gather(*(_closed_within(r, HEADER_TIMEOUT_S + MARGIN_S) for r, _ in connections))
    finally:
        for _, writer in connections:
            writer.close()
    still_open = sum(result is None for result in results)
    assert still_open == 0, f"{still_open} of 100 half-sent requests open after {time.monotonic() - started:.1f} s"
    async with httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        response = await client.post("/graphql", json={"query": "{ provinces { code } }"})
    assert response.status_code == 200


async def test_a_body_sent_slowly_is_refused_within_the_deadline(served: Served) -> None:
    reader, writer = await asyncio.open_connection(served.host, served.port)
    body = json.dumps({"query": "{ provinces { code } }"}).encode()
    writer.write(REQUEST_START + b"Content-Type: application/json\r\n"
                 + f"Content-Length: {len(body) + 100}\r\n\r\n".encode() + body[:5])
    await writer.drain()
    started = time.monotonic()
    try:
        answer = await _closed_within(reader, BODY_TIMEOUT_S + MARGIN_S)
    finally:
        writer.close()
    assert answer is not None, "a client that never finishes its body is still connected"
    assert time.monotonic() - started < BODY_TIMEOUT_S + MARGIN_S
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b'"BAD_REQUEST"' in rest


async def test_an_oversized_authorization_header_is_refused_before_it_is_decoded(served: Served) -> None:
    huge = "Bearer " + "A" * 9000  # over the 8 KB limit, under the 16 KB header limit of the server
    async with httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        response = await client.post("/graphql", json={"query": "{ provinces { code } }"},
                                     headers={"Authorization": huge})
        assert response.status_code == 400, response.text
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_REQUEST" and "8192 bytes" in error["message"]
        too_many_headers = {f"X-Filler-{i}": "x" * 1000 for i in range(40)}  # 40 KB of headers
        response = await client.post("/graphql", json={"query": "{ provinces { code } }"}, headers=too_many_headers)
        assert response.status_code in (400, 431), response.text
        regulator = bearer(served.settings, "regulator", "320000")  # a real token is well under the limit
        response = await client.post("/graphql", json={"query": "{ provinces { code } }"}, headers=regulator)
        assert response.status_code == 200
