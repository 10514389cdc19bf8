"""The package from a real ``yrd-gateway serve`` process over a real socket: streamed (the body
arrives in many chunks, gzip-compressed chunk by chunk), verified as a provincial system would,
with the same bearer tokens as /graphql."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import httpx

from tests.conftest import Stack
from tests.export.packages import read_package
from tests.hardening.served import serve_process, served_settings
from tests.tokens import bearer


async def test_a_served_export_streams_gzip_and_verifies(stack: Stack, tmp_path: Path) -> None:
    settings = served_settings(stack, tmp_path / "spool")
    regulator = bearer(settings, "regulator", "320000")
    with serve_process(settings, tmp_path) as served:
        async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
            async with client.stream("GET", "/export/credit-records", headers={
                **regulator, "Accept": "text/csv", "Accept-Encoding": "gzip",
            }) as response:
                assert response.status_code == 200
                assert response.headers["content-encoding"] == "gzip"
                assert response.headers["transfer-encoding"] == "chunked"
                assert response.headers["cache-control"] == "private, no-store"
                raw = [chunk async for chunk in response.aiter_raw()]
            plain = await client.get("/export/credit-records?format=csv", headers=regulator)
    # Each chunk was flushed on its own: the first one decodes without the rest.
    assert len(raw) > 3
    assert zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw[0]).startswith(b"cursor,id,recordNumber")
    package = read_package(gzip.decompress(b"".join(raw)), "csv")
    assert package.manifest["complete"] is True and package.manifest["rows"] > 500
    assert package.rows == read_package(plain.content, "csv").rows
