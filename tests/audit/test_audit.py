"""The audit trail: what is recorded, that it is append-only and chained, and that nothing is lost
while the central store is down, across a gateway restart."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from domain.person_key import person_key
from gateway.app import create_app
from gateway.audit import AuditTrail, ChainReport, Spool, make_payload, verify_chain
from gateway.cli import main
from gateway.settings import AuditSettings, Settings, render_toml
from resolvers.identity import PUBLIC, Identity
from sources import migrate
from sources.postgres import PostgresSource
from tests.conftest import SECRET, Stack, make_settings, running_app, running_client
from tests.tokens import ask, bearer

PERSON = """query Lookup($t: IdType!, $n: String!) { person(idType: $t, idNumber: $n) { name idNumber } }"""


async def _central_rows(settings: Settings, after_seq: int = 0) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.central.dsn)
    try:
        return await conn.fetch("SELECT * FROM central.audit_log WHERE seq > $1 ORDER BY seq", after_seq)
    finally:
        await conn.close()


async def _last_seq(settings: Settings) -> int:
    rows = await _central_rows(settings)
    return rows[-1]["seq"] if rows else 0


async def _wait_for(settings: Settings, after_seq: int, count: int, seconds: float = 8.0) -> list[asyncpg.Record]:
    deadline = time.monotonic() + seconds
    while True:
        rows = await _central_rows(settings, after_seq)
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.1)


async def _verify(settings: Settings) -> ChainReport:
    central = PostgresSource(settings.central)
    try:
        return await verify_chain(central)
    finally:
        await central.close()


def _spooled(stack: Stack, spool: Path) -> Settings:
    return dataclasses.replace(stack.settings, audit=AuditSettings(spool))


async def test_regulator_person_query_is_recorded(stack: Stack, tmp_path: Path) -> None:
    key = stack.case("dual_registration_person")["key"]
    settings = _spooled(stack, tmp_path / "spool")
    before = await _last_seq(settings)
    async with running_client(settings) as client:
        headers = bearer(settings, "regulator", "320000", sub="inspector-7", org="江苏省住建厅")
        body = await ask(client, PERSON, headers, t=key["idType"], n=key["idNumber"])
        assert body["data"]["person"]["name"]
        rows = await _wait_for(settings, before, 1)
    assert len(rows) == 1
    row = rows[0]
    expected_key = person_key(SECRET.encode(), key["idType"], key["idNumber"])
    assert (row["actor"], row["org"], row["province"]) == ("inspector-7", "江苏省住建厅", "320000")
    assert row["operation"] == "Lookup"
    assert list(row["subject_keys"]) == [expected_key]
    assert row["result_count"] == 1 and row["client_addr"] == "127.0.0.1"
    assert list(row["roles"]) == ["regulator"]
    assert key["idNumber"] not in row["payload"]  # the log names the person by key, never by ID number
    assert (await _verify(settings)).intact


async def test_public_and_person_free_queries_are_not_recorded(stack: Stack, tmp_path: Path) -> None:
    key = stack.case("dual_registration_person")["key"]
    uscc = stack.case("tri_province_enterprise")["key"]["uscc"]
    settings = _spooled(stack, tmp_path / "spool")
    regulator = bearer(settings, "regulator", "320000", sub="person-free-reader")
    before = await _last_seq(settings)
    async with running_app(settings) as (app, client):
        trail: AuditTrail = app.state.runtime.audit
        await ask(client, PERSON, t=key["idType"], n=key["idNumber"])
        await ask(client, "query($u: USCC!) { enterprise(uscc: $u) { name } }", regulator, u=uscc)
        # An entry is on disk before its answer is sent: delivering the spool now shows all of them.
        assert await trail.flush()
        assert await _rows_of(settings, before, "person-free-reader") == []
        # The same way of looking does see an entry when one is written.
        await ask(client, PERSON, regulator, t=key["idType"], n=key["idNumber"])
        assert await trail.flush()
        assert [r["operation"] for r in await _rows_of(settings, before, "person-free-reader")] == ["Lookup"]


async def _rows_of(settings: Settings, after_seq: int, actor: str) -> list[asyncpg.Record]:
    """Entries after ``after_seq`` by ``actor`` or by the public (what a recorded public query would
    be): other tests' gateways may deliver entries of their own meanwhile."""
    return [r for r in await _central_rows(settings, after_seq) if r["actor"] in (actor, PUBLIC.subject)]


async def test_the_log_is_append_only(stack: Stack) -> None:
    conn = await asyncpg.connect(stack.settings.central.dsn)
    try:
        payload = make_payload(Identity("t", roles=frozenset({"regulator"}), province="320000"), [("person", "k")],
                               client="127.0.0.1", operation=None, result_count=0)
        await conn.execute("INSERT INTO central.audit_log (payload) VALUES ($1)", payload)
        for statement in ("UPDATE central.audit_log SET actor = 'x'", "DELETE FROM central.audit_log",
                          "TRUNCATE central.audit_log"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(statement)
    finally:
        await conn.close()
    assert (await _verify(stack.settings)).intact


async def test_central_down_entries_survive_a_restart_and_arrive_in_order(stack: Stack, tmp_path: Path) -> None:
    key = stack.case("dual_registration_person")["key"]
    settings = _spooled(stack, tmp_path / "spool")
    headers = bearer(settings, "regulator", "310000", sub="night-shift")
    before = await _last_seq(settings)
    names = ["First", "Second", "Third"]
    stack.cluster.stop("central")
    try:
        async with running_client(settings) as client:
            for name in names:
                body = await ask(client, PERSON.replace("Lookup", name), headers, t=key["idType"], n=key["idNumber"])
                assert body["data"]["person"]["name"]  # reads do not need the central store
        assert Spool(tmp_path / "spool").backlog() > 0, "kept locally while the central store is down"
        async with _app(settings) as app:  # the gateway restarts; the central store is still down
            await asyncio.sleep(0.3)
            stack.cluster.start("central")
            rows = await _wait_for(settings, before, len(names))
            assert await app.state.runtime.audit.flush()
    finally:
        stack.cluster.start("central")
    assert [r["operation"] for r in rows] == names
    assert all(r["actor"] == "night-shift" for r in rows)
    assert Spool(tmp_path / "spool").backlog() == 0
    assert (await _verify(settings)).intact


@contextlib.asynccontextmanager
async def _app(settings: Settings) -> AsyncIterator[Any]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


async def test_spool_survives_a_torn_last_line(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append('{"id": 1}')
    with spool.file.open("ab") as f:
        f.write(b'{"id": 2')  # a crash in the middle of a write
    lines, offset = spool.pending()
    assert lines == ['{"id": 1}']
    spool.mark_delivered(offset)
    assert spool.backlog() > 0  # the torn bytes are not claimed as delivered


async def test_verify_reports_the_first_broken_entry(stack: Stack, capsys: pytest.CaptureFixture,
                                                     tmp_path: Path) -> None:
    """Even the owner, disabling the triggers, cannot change an entry without breaking the chain."""
    settings = make_settings(stack.cluster, database="audit_tamper")
    admin = await asyncpg.connect(stack.settings.central.dsn)
    try:
        await admin.execute("DROP DATABASE IF EXISTS audit_tamper")
        await admin.execute("CREATE DATABASE audit_tamper")
    finally:
        await admin.close()
    await migrate.migrate(settings.central.dsn, migrate.CENTRAL)
    conn = await asyncpg.connect(settings.central.dsn)
    try:
        for i in range(5):
            payload = make_payload(Identity(f"user{i}", roles=frozenset({"regulator"}), province="320000"),
                                   [("person", f"k{i}")], client="10.0.0.1", operation=f"Op{i}", result_count=i)
            await conn.execute("INSERT INTO central.audit_log (payload) VALUES ($1)", payload)
        config = tmp_path / "gateway.toml"
        config.write_text(render_toml(settings), encoding="utf-8")
        assert await asyncio.to_thread(main, ["audit", "verify", "--config", str(config)]) == 0
        assert "intact: 5 entries" in capsys.readouterr().out
        await conn.execute("ALTER TABLE central.audit_log DISABLE TRIGGER USER")
        doc = json.loads(await conn.fetchval("SELECT payload FROM central.audit_log WHERE seq = 3"))
        doc["resultCount"] = 0
        forged = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        await conn.execute("UPDATE central.audit_log SET payload = $1, result_count = 0 WHERE seq = 3", forged)
        assert await asyncio.to_thread(main, ["audit", "verify", "--config", str(config)]) == 1
        out = capsys.readouterr().out
        assert "seq=3" in out and "modified" in out
        await conn.execute("DELETE FROM central.audit_log WHERE seq = 2")
        report = await _verify(settings)
        assert (report.broken_seq, report.checked) == (3, 1) and "gap" in (report.reason or "")
    finally:
        await conn.close()


async def test_audit_log_query_for_admins(stack: Stack, client: httpx.AsyncClient) -> None:
    key = stack.case("dual_registration_person")["key"]
    await ask(client, PERSON, bearer(stack.settings, "regulator", "320000", sub="reader-1"),
              t=key["idType"], n=key["idNumber"])
    admin = bearer(stack.settings, "admin", None)
    query = """query($f: AuditLogFilter) { auditLog(filter: $f, first: 10) {
        seq actor province operation subjects { kind key } resultCount hash prevHash } }"""
    deadline = time.monotonic() + 8
    while True:
        body = await ask(client, query, admin, f={"actor": "reader-1"})
        if body["data"]["auditLog"] or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    entries = body["data"]["auditLog"]
    assert entries and entries[0]["operation"] == "Lookup" and entries[0]["subjects"][0]["kind"] == "person"
    subject = entries[0]["subjects"][0]["key"]
    by_subject = await ask(client, query, admin, f={"subjectKey": subject})
    assert {e["seq"] for e in entries} <= {e["seq"] for e in by_subject["data"]["auditLog"]}
    assert all(len(e["hash"]) == 64 for e in entries)


async def test_cross_checks_are_recorded(stack: Stack, tmp_path: Path) -> None:
    uscc = stack.case("tri_province_enterprise")["key"]["uscc"]
    settings = _spooled(stack, tmp_path / "spool")
    before = await _last_seq(settings)
    async with running_client(settings) as client:
        query = "query Check($u: USCC!) { crossCheckEnterprise(uscc: $u) { complete } }"
        await ask(client, query, bearer(settings, "reviewer", "330000", sub="checker"), u=uscc)
        rows = await _wait_for(settings, before, 1)
    assert [(r["actor"], r["operation"], list(r["subject_keys"])) for r in rows] == [("checker", "Check", [uscc])]
    assert json.loads(rows[0]["payload"])["subjects"] == [{"kind": "crosscheck", "key": uscc}]
