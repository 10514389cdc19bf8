"""Graceful shutdown of a real ``yrd-gateway serve`` process on SIGTERM: a request in flight is
answered, new connections are refused, the audit spool is flushed to the central store and the
process exits cleanly within its deadline."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import asyncpg
import httpx

from tests.conftest import Stack, table_locked
from tests.hardening.served import served_settings, start_process
from tests.tokens import bearer

SLOW = 'query($u: USCC!) { enterprise(uscc: $u) { name creditRecords { id } } }'


async def test_sigterm_finishes_in_flight_work_then_exits(stack: Stack, tmp_path: Path) -> None:
    settings = served_settings(stack, tmp_path / "spool")
    process, port = await asyncio.to_thread(start_process, settings, tmp_path)
    url = f"http://127.0.0.1:{port}/graphql"
    regulator = bearer(settings, "regulator", "320000", sub="shutdown-test")
    registration = stack.case("dual_registration_person")["key"]["registrationNumber"]
    person = "query($r: String!) { personByRegistration(registrationNumber: $r) { name } }"
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            audited = await client.post(url, json={"query": person, "variables": {"r": registration}},
                                        headers=regulator)
            assert audited.status_code == 200
            async with table_locked(stack.settings.province("320000").source.dsn, "exchange.credit_record"):
                uscc = stack.case("tri_province_enterprise")["key"]["uscc"]
                in_flight = asyncio.create_task(client.post(url, json={"query": SLOW, "variables": {"u": uscc}}))
                await asyncio.sleep(0.5)  # the request is waiting on the locked table
                process.send_signal(signal.SIGTERM)
                await asyncio.sleep(0.3)
                refused = await _connection_refused(port)
            answer = await in_flight
        exit_code = await asyncio.to_thread(process.wait, 30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert answer.status_code == 200 and answer.json()["data"]["enterprise"]["name"]
    assert refused, "a new connection was accepted after SIGTERM"
    # uvicorn re-raises the signal once its graceful shutdown is over: the exit status is SIGTERM's,
    # after the lifespan closed the runtime (index sync, audit flush, pools).
    assert exit_code in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in (tmp_path / "serve.log").read_text()
    assert await _audited(stack, "shutdown-test")  # delivered, not left in the spool


async def _connection_refused(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    return False


async def _audited(stack: Stack, actor: str) -> bool:
    deadline = time.monotonic() + 5
    conn = await asyncpg.connect(stack.settings.central.dsn)
    try:
        while time.monotonic() < deadline:
            if await conn.fetchval("SELECT count(*) FROM central.audit_log WHERE payload LIKE $1", f"%{actor}%"):
                return True
            await asyncio.sleep(0.1)
        return False
    finally:
        await conn.close()
