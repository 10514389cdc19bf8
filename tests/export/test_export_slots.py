"""Exports running at once are bounded, per caller and in all: a slow reader holds its export's
pages in memory for as long as it likes, so the gateway refuses more than its share and says when
to come back; a slot comes back when its export ends, however it ends."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from domain.errors import ExportsBusy, TooManyExports
from gateway.export.slots import ExportSlots
from tests.conftest import Stack, running_app
from tests.export.packages import read_package
from tests.tokens import bearer

PATH = "/export/credit-records"


@asynccontextmanager
async def held_export(app: Any, headers: dict[str, str], client: str = "127.0.0.1") -> AsyncIterator[None]:
    """An export whose client reads its first chunk and then nothing more (a slow reader), until
    the block ends: it then hangs up."""
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": PATH, "raw_path": PATH.encode(), "query_string": b"", "root_path": "",
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
            assert message["status"] == 200
        if message["type"] == "http.response.body" and message.get("body"):
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


async def test_exports_beyond_a_callers_share_or_the_gateways_are_refused(stack: Stack) -> None:
    limits = dataclasses.replace(stack.settings.limits, max_exports=2, max_exports_per_caller=1)
    settings = dataclasses.replace(stack.settings, limits=limits)
    first, second = (bearer(settings, "regulator", "310000", sub=f"exporter-{i}") for i in (1, 2))
    async with running_app(settings) as (app, client):
        async with held_export(app, {}):  # the public, from 127.0.0.1 (as httpx's ASGI client)
            again = await client.get(PATH)
            assert again.status_code == 429 and again.headers["Retry-After"] == "5"
            assert again.json()["errors"][0]["extensions"]["code"] == TooManyExports.code
            async with held_export(app, first):  # another caller: its own share
                busy = await client.get(PATH, headers=second)
                assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
                assert busy.json()["errors"][0]["extensions"]["code"] == ExportsBusy.code
        # both slow readers hung up: their slots are back
        done = await client.get(PATH)
        assert done.status_code == 200
        assert read_package(done.content).manifest["complete"] is True
        refused_early = await client.get(PATH + "?polarity=bad")  # a refused export gives its slot back too
        assert refused_early.status_code == 400
        assert (await client.get(PATH, headers=second)).status_code == 200


def test_a_slot_is_given_back_once() -> None:
    slots = ExportSlots(total=2, per_caller=1)
    give_back = slots.take("a")
    with pytest.raises(TooManyExports):
        slots.take("a")
    slots.take("b")
    with pytest.raises(ExportsBusy):
        slots.take("c")
    give_back()
    give_back()  # twice: still one slot
    assert slots.running == 1
    slots.take("a")
    with pytest.raises(ExportsBusy):
        slots.take("c")
