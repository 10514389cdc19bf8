"""The change log and the sync worker against real servers: writes made straight into a province
reach the index, out-of-order commits lose nothing, workers share a province safely, flags follow
China's dates, and reconcile repairs a broken index."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import asyncpg

from domain.clock import Clock
from sources import index_queries as iq
from sources.index_sync import (
    ProvinceFollower,
    SyncSettings,
    catch_up,
    reconcile,
)
from tests.index.conftest import ANCHOR, IndexStack, execute
from tests.index.subjects import bad_record_insert, blacklist_insert, enterprise_insert, flat, new_uscc

JS, ZJ = "320000", "330000"
FAST = SyncSettings(poll_s=0.05, retry_s=0.1, batch_size=50)


async def _catch_up(index: IndexStack, code: str, today: date = ANCHOR) -> None:
    central, source = await index.central(), await index.source(code)
    try:
        await catch_up(central, index.province(code), source, today, FAST)
    finally:
        await source.close()
        await central.close()


async def test_rows_written_by_sql_reach_the_index(index_stack: IndexStack) -> None:
    uscc = new_uscc("320500")
    sql, args = blacklist_insert(f"ZJ-BL-{uscc}", uscc, ANCHOR - timedelta(days=3), ANCHOR + timedelta(days=362))
    await execute(index_stack.dsn(ZJ), sql, *args)  # Zhejiang lists a Jiangsu enterprise it has no row for
    await _catch_up(index_stack, ZJ)
    assert await index_stack.indexed("enterprise", uscc) == [ZJ]


async def test_overlapping_transactions_committing_in_the_opposite_order_lose_nothing(
    index_stack: IndexStack,
) -> None:
    """The outbox trap: A takes a lower version than B but commits after B.  A reader that moved
    its watermark past B's version while A was open would lose A's change for good."""
    first, second = new_uscc(), new_uscc()
    dsn = index_stack.dsn(JS)
    a, b = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        ta, tb = a.transaction(), b.transaction()
        await ta.start()
        await tb.start()
        await a.execute(*flat(enterprise_insert(first)))  # version v
        await b.execute(*flat(enterprise_insert(second)))  # version v + 1
        await tb.commit()  # B commits first
        await _catch_up(index_stack, JS)  # B is committed, but A (older) is still open: nothing is passed
        assert await index_stack.indexed("enterprise", first) == []
        await ta.commit()
    finally:
        await a.close()
        await b.close()
    await _catch_up(index_stack, JS)
    assert await index_stack.indexed("enterprise", first) == [JS]
    assert await index_stack.indexed("enterprise", second) == [JS]


async def test_a_transaction_with_an_older_id_but_a_later_version_is_not_skipped(index_stack: IndexStack) -> None:
    """The other interleaving: B gets its transaction id first, A writes and commits, B writes last."""
    first, second = new_uscc(), new_uscc()
    dsn = index_stack.dsn(JS)
    a, b = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        tb = b.transaction()
        await tb.start()
        await b.fetchval("SELECT pg_current_xact_id()")  # B's id is the older one
        await a.execute(*flat(enterprise_insert(first)))  # autocommit: A's change is committed
        await _catch_up(index_stack, JS)  # A may not be passed while B (older id) is open
        assert await index_stack.indexed("enterprise", first) == []  # held back, not skipped
        await b.execute(*flat(enterprise_insert(second)))  # B's version is higher than A's
        await tb.commit()
    finally:
        await a.close()
        await b.close()
    await _catch_up(index_stack, JS)
    assert await index_stack.indexed("enterprise", first) == [JS]
    assert await index_stack.indexed("enterprise", second) == [JS]


async def test_a_change_applied_twice_is_a_no_op(index_stack: IndexStack) -> None:
    uscc = new_uscc()
    await execute(index_stack.dsn(JS), *flat(enterprise_insert(uscc)))
    source, central = await index_stack.source(JS), await index_stack.central()
    try:
        judged = await iq.judge(source, "enterprise", [uscc], ANCHOR)
        first = await iq.apply_judgements(central, JS, judged)
        again = await iq.apply_judgements(central, JS, judged)
    finally:
        await source.close()
        await central.close()
    assert (first.added, again.added, again.changed, again.removed) == (1, 0, 0, 0)


async def test_deleted_subjects_and_released_listings_leave_the_index(index_stack: IndexStack) -> None:
    uscc = new_uscc()
    entry = f"ZJ-BL-{uscc}"
    await execute(index_stack.dsn(ZJ), *flat(blacklist_insert(entry, uscc, ANCHOR, ANCHOR + timedelta(days=365))))
    await _catch_up(index_stack, ZJ)
    assert await _flags(index_stack, ZJ, uscc) == (False, True)
    await execute(
        index_stack.dsn(ZJ),
        "UPDATE exchange.blacklist_entry SET released_on = $2 WHERE entry_number = $1",
        entry,
        ANCHOR,
    )
    await _catch_up(index_stack, ZJ)
    assert await _flags(index_stack, ZJ, uscc) == (False, False)  # released today in China: not active
    await execute(index_stack.dsn(ZJ), "DELETE FROM exchange.blacklist_entry WHERE entry_number = $1", entry)
    await _catch_up(index_stack, ZJ)
    assert await index_stack.indexed("enterprise", uscc) == []


async def test_flags_follow_the_publication_window_on_chinas_dates(index_stack: IndexStack) -> None:
    """A bad record whose window ends today counts today and not tomorrow (dates in China)."""
    uscc = new_uscc()
    await execute(
        index_stack.dsn(JS), *flat(bad_record_insert(f"JS-R-{uscc}", uscc, ANCHOR - timedelta(days=200), ANCHOR))
    )
    source = await index_stack.source(JS)
    try:
        [today] = await iq.judge(source, "enterprise", [uscc], ANCHOR)
        [tomorrow] = await iq.judge(source, "enterprise", [uscc], ANCHOR + timedelta(days=1))
    finally:
        await source.close()
    assert (today.has_bad_record, today.flags_valid_until) == (True, ANCHOR + timedelta(days=1))
    assert (tomorrow.has_bad_record, tomorrow.flags_valid_until) == (False, None)


def test_the_clock_reads_chinas_date_on_both_sides_of_midnight() -> None:
    from datetime import UTC, datetime

    before = Clock().pinned(datetime(2026, 11, 30, 15, 59, tzinfo=UTC))  # 23:59 in Shanghai
    after = Clock().pinned(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # 00:00 on 1 December in Shanghai
    assert (before.today(), after.today()) == (date(2026, 11, 30), date(2026, 12, 1))


async def test_two_workers_share_a_province_one_leads_the_other_takes_over(index_stack: IndexStack) -> None:
    clock = Clock()
    one = ProvinceFollower(index_stack.province(JS), index_stack.settings.central.dsn, FAST, clock)
    two = ProvinceFollower(index_stack.province(JS), index_stack.settings.central.dsn, FAST, clock)
    stop_one, stop_two = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(one.run(stop_one)), asyncio.create_task(two.run(stop_two))]
    try:
        await _until(lambda: one.leading or two.leading)
        await asyncio.sleep(0.3)
        assert one.leading != two.leading  # exactly one leads
        leader, stop_leader = (one, stop_one) if one.leading else (two, stop_two)
        standby = two if leader is one else one
        uscc = new_uscc()
        await execute(index_stack.dsn(JS), *flat(enterprise_insert(uscc)))
        await _until_indexed(index_stack, uscc)
        stop_leader.set()
        await _until(lambda: standby.leading)
        later = new_uscc()
        await execute(index_stack.dsn(JS), *flat(enterprise_insert(later)))
        await _until_indexed(index_stack, later)
    finally:
        stop_one.set()
        stop_two.set()
        await asyncio.gather(*tasks)


async def test_reconcile_repairs_a_corrupted_index(index_stack: IndexStack) -> None:
    conn = await asyncpg.connect(index_stack.settings.central.dsn)
    try:
        before = await conn.fetch("SELECT * FROM central.presence WHERE province_code = $1 ORDER BY 1, 2", ZJ)
        removed = await conn.execute(
            "DELETE FROM central.presence WHERE province_code = $1 AND subject_key IN"
            " (SELECT subject_key FROM central.presence WHERE province_code = $1 ORDER BY subject_key LIMIT 7)",
            ZJ,
        )
        await conn.execute(
            """INSERT INTO central.presence (subject_kind, subject_key, province_code) VALUES
               ('enterprise', 'NOT-A-REAL-SUBJECT-1', $1), ('person', 'NOT-A-REAL-SUBJECT-2', $1)""",
            ZJ,
        )
        await conn.execute(
            "UPDATE central.presence SET has_bad_record = NOT has_bad_record WHERE province_code = $1"
            " AND subject_key = (SELECT max(subject_key) FROM central.presence WHERE province_code = $1)",
            ZJ,
        )
        central, source = await index_stack.central(), await index_stack.source(ZJ)
        try:
            report = await reconcile(central, index_stack.province(ZJ), source, today=ANCHOR, batch_size=13)
        finally:
            await source.close()
            await central.close()
        after = await conn.fetch("SELECT * FROM central.presence WHERE province_code = $1 ORDER BY 1, 2", ZJ)
    finally:
        await conn.close()
    assert removed == "DELETE 7"
    assert (report.added, report.removed, report.changed) == (7, 2, 1)
    assert _facts(after) == _facts(before)


def _facts(rows: list) -> list[tuple]:
    return [(r["subject_kind"], r["subject_key"], r["has_bad_record"], r["has_blacklist"]) for r in rows]


async def _flags(index: IndexStack, code: str, uscc: str) -> tuple[bool, bool] | None:
    conn = await asyncpg.connect(index.settings.central.dsn)
    try:
        row = await conn.fetchrow(
            "SELECT has_bad_record, has_blacklist FROM central.presence"
            " WHERE subject_kind = 'enterprise' AND subject_key = $1 AND province_code = $2",
            uscc,
            code,
        )
    finally:
        await conn.close()
    return (row["has_bad_record"], row["has_blacklist"]) if row else None


async def _until(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def _until_indexed(index: IndexStack, uscc: str, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not await index.indexed("enterprise", uscc):
            await asyncio.sleep(0.05)


async def test_cli_reconcile_reports_and_sync_once_catches_up(
    index_stack: IndexStack,
    tmp_path,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    from gateway.cli import main
    from gateway.settings import render_toml

    config = tmp_path / "gateway.toml"
    config.write_text(render_toml(index_stack.settings), encoding="utf-8")
    await execute(
        index_stack.settings.central.dsn,
        "DELETE FROM central.presence WHERE province_code = $1 AND subject_kind = 'project'",
        ZJ,
    )
    assert await asyncio.to_thread(main, ["reconcile", "--config", str(config), "--province", ZJ]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{ZJ}: added ") and ", removed 0" in out and " added 0," not in out
    uscc = new_uscc()
    await execute(index_stack.dsn(ZJ), *flat(enterprise_insert(uscc)))
    assert await asyncio.to_thread(main, ["sync", "--config", str(config), "--once"]) == 0
    assert "caught up" in capsys.readouterr().out
    assert await index_stack.indexed("enterprise", uscc) == [ZJ]
    assert await asyncio.to_thread(main, ["reconcile", "--config", str(config), "--province", "110000"]) == 2
    assert "not configured" in capsys.readouterr().err


async def test_a_truncated_table_is_reconciled(index_stack: IndexStack) -> None:
    """TRUNCATE has no row events: the log says 'reconcile', and subjects only that table named leave."""
    listed_only = new_uscc("310100")
    sh = "310000"
    await execute(
        index_stack.dsn(sh),
        *flat(blacklist_insert(f"SH-T-{listed_only}", listed_only, ANCHOR, ANCHOR + timedelta(days=365))),
    )
    await _catch_up(index_stack, sh)
    assert await index_stack.indexed("enterprise", listed_only) == [sh]
    await execute(index_stack.dsn(sh), "TRUNCATE exchange.blacklist_entry")
    await _catch_up(index_stack, sh)
    assert await index_stack.indexed("enterprise", listed_only) == []
