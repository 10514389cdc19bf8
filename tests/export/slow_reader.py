"""An export read as a slow client would: the app driven as a server drives it, the first chunk of
the body taken, then nothing more until the reader hangs up (as uvicorn's ``send`` fails once the
peer is gone)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def held_export(
    app: Any, path: str, headers: dict[str, str], *, client: str = "127.0.0.1", sent: list[bytes] | None = None,
) -> AsyncIterator[None]:
    """Inside the block the export has sent its first chunk (kept in ``sent``) and waits on its
    reader; leaving the block hangs up, and the export ends as a broken-off one."""
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"gateway.test"), *((k.lower().encode(), v.encode()) for k, v in headers.items())],
        "client": (client, 5000), "server": ("gateway.test", 80),
    }
    first_chunk, hang_up = asyncio.Event(), asyncio.Event()
    requested = False

    async def receive() -> dict:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await hang_up.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message
        if message["type"] == "http.response.body" and message.get("body"):
            if sent is not None:
                sent.append(message["body"])
            first_chunk.set()
            await hang_up.wait()
            raise OSError("the client hung up")

    task = asyncio.ensure_future(app(scope, receive, send))
    try:
        await asyncio.wait_for(first_chunk.wait(), 10)
        yield
    finally:
        hang_up.set()
        await asyncio.gather(task, return_exceptions=True)
