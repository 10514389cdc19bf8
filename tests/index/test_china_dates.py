"""Dates are China's calendar dates: at 22:00 UTC it is already tomorrow in Shanghai.  The same
data is asked with the gateway's clock pinned on both sides of midnight in China."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from tests.conftest import running_client
from tests.index.conftest import ANCHOR, IndexStack, execute
from tests.index.subjects import bad_record_insert, blacklist_insert, enterprise_insert, flat, new_uscc

JS = "320000"
QUERY = """query($u: USCC!) { enterprise(uscc: $u) { creditRecords { id } blacklist { entryNumber active } } }"""
# ANCHOR 23:00 in Shanghai (15:00 UTC), and ANCHOR + 1 day 06:00 in Shanghai (22:00 UTC on ANCHOR).
BEFORE_MIDNIGHT = datetime.combine(ANCHOR, datetime.min.time(), tzinfo=UTC) + timedelta(hours=15)
AFTER_MIDNIGHT = datetime.combine(ANCHOR, datetime.min.time(), tzinfo=UTC) + timedelta(hours=22)


async def _public_view(index: IndexStack, instant: datetime, uscc: str) -> dict:
    settings = dataclasses.replace(index.settings, clock=index.settings.clock.pinned(instant))
    async with running_client(settings) as client:
        response = await client.post("/graphql", json={"query": QUERY, "variables": {"u": uscc}})
    return response.json()["data"]["enterprise"]


async def test_a_window_ending_today_in_china_and_a_release_today_in_china(index_stack: IndexStack) -> None:
    uscc = new_uscc("320700")
    dsn = index_stack.dsn(JS)
    await execute(dsn, *flat(enterprise_insert(uscc)))
    await execute(dsn, *flat(bad_record_insert(f"JS-D-{uscc}", uscc, ANCHOR - timedelta(days=200), ANCHOR)))
    await execute(
        dsn, *flat(blacklist_insert(f"JS-BL-{uscc}", uscc, ANCHOR - timedelta(days=100), ANCHOR + timedelta(days=1)))
    )
    before = await _public_view(index_stack, BEFORE_MIDNIGHT, uscc)
    after = await _public_view(index_stack, AFTER_MIDNIGHT, uscc)
    # 23:00 in Shanghai: the window's last day and the listing's last day.
    assert [r["id"] for r in before["creditRecords"]] and [b["active"] for b in before["blacklist"]] == [True]
    # 22:00 UTC the same day is already the next day in Shanghai: the window is over, the listing released.
    assert after["creditRecords"] == [] and after["blacklist"] == []
