"""Exports running at once are bounded, per caller and in all: a slow reader holds its export's
pages in memory for as long as it likes, so the gateway refuses more than its share and says when
to come back; a slot comes back when its export ends, however it ends."""

from __future__ import annotations

import dataclasses

import pytest

from domain.errors import ExportsBusy, TooManyExports
from gateway.export.slots import ExportSlots
from tests.conftest import Stack, running_app
from tests.export.packages import read_package
from tests.export.slow_reader import held_export
from tests.tokens import bearer

PATH = "/export/credit-records"


async def test_exports_beyond_a_callers_share_or_the_gateways_are_refused(stack: Stack) -> None:
    limits = dataclasses.replace(stack.settings.limits, max_exports=2, max_exports_per_caller=1)
    settings = dataclasses.replace(stack.settings, limits=limits)
    first, second = (bearer(settings, "regulator", "310000", sub=f"exporter-{i}") for i in (1, 2))
    async with running_app(settings) as (app, client):
        async with held_export(app, PATH, {}):  # the public, from 127.0.0.1 (as httpx's ASGI client)
            again = await client.get(PATH)
            assert again.status_code == 429 and again.headers["Retry-After"] == "5"
            assert again.json()["errors"][0]["extensions"]["code"] == TooManyExports.code
            async with held_export(app, PATH, first):  # another caller: its own share
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
