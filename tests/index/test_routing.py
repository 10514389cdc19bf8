"""Routing with a freshness bound, through the gateway: what a province writes by SQL is seen
within the bound, a stale or unknown index never drops a province, and coverage says which
provinces were left out by the index and as of when."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx

from domain.person_key import person_key
from sources.index_sync import SyncSettings
from tests.conftest import SECRET, running_client
from tests.index.conftest import ANCHOR, IndexStack, execute
from tests.index.subjects import bad_record_insert, blacklist_insert, enterprise_insert, flat, new_resident_id, new_uscc
from tests.tokens import ask, bearer

SH, JS, ZJ = "310000", "320000", "330000"
BOUND_MS = 3000
ENTERPRISE = """query($u: USCC!) { enterprise(uscc: $u) {
    name presence { code } blacklist { province { code } listedOn } creditRecords { id province { code } }
    conflicts { fieldName province { code } value }
    coverage { complete missing { code } leftOut { code } provinces { province { code } status indexAsOf } } } }"""
PERSON = """query($t: IdType!, $n: String!) { person(idType: $t, idNumber: $n) {
    name presence { code } coverage { complete provinces { province { code } status } } } }"""
RECORDS = """query($u: USCC!) { creditRecords(first: 50, filter: { uscc: $u }) {
    edges { node { id province { code } } } coverage { complete leftOut { code } } } }"""


@contextlib.asynccontextmanager
async def gateway(index: IndexStack, **sync: Any) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    options = {"poll_s": 0.05, "retry_s": 0.2, "max_lag_s": BOUND_MS / 1000, **sync}
    settings = dataclasses.replace(index.settings, index=SyncSettings(**options))
    async with running_client(settings) as client:
        yield client, bearer(settings, "regulator", JS)


async def _within_bound(check, seconds: float = BOUND_MS / 1000 + 2.0) -> dict:  # type: ignore[no-untyped-def]
    """Poll until ``check`` passes (returning its body) or the bound plus slack has passed."""
    deadline = time.monotonic() + seconds
    while True:
        body, ok = await check()
        if ok or time.monotonic() > deadline:
            return body
        await asyncio.sleep(0.1)


async def _set_caught_up(index: IndexStack, code: str, sql_expression: str) -> None:
    await execute(
        index.settings.central.dsn,
        f"UPDATE central.sync_watermark SET caught_up_at = {sql_expression} WHERE province_code = $1",
        code,
    )


async def test_a_blacklisting_in_another_province_is_seen_within_the_bound(index_stack: IndexStack) -> None:
    uscc = new_uscc("320200")
    await execute(index_stack.dsn(JS), *flat(enterprise_insert(uscc, "无锡测试建设有限公司")))
    async with gateway(index_stack) as (client, regulator):
        first = await ask(client, ENTERPRISE, regulator, u=uscc)
        assert first["data"]["enterprise"]["blacklist"] == []
        entry = flat(blacklist_insert(f"ZJ-BL-{uscc}", uscc, ANCHOR - timedelta(days=1), ANCHOR + timedelta(days=364)))
        await execute(index_stack.dsn(ZJ), *entry)

        async def blacklisted() -> tuple[dict, bool]:
            body = await ask(client, ENTERPRISE, regulator, u=uscc)
            enterprise = body["data"]["enterprise"]
            return body, bool(enterprise["blacklist"]) and ZJ in {p["code"] for p in enterprise["presence"]}

        body = await _within_bound(blacklisted)
    enterprise = body["data"]["enterprise"]
    assert [b["province"]["code"] for b in enterprise["blacklist"]] == [ZJ]
    assert {p["code"] for p in enterprise["presence"]} == {JS, ZJ}
    assert enterprise["coverage"]["complete"] is True
    statuses = {p["province"]["code"]: p["status"] for p in enterprise["coverage"]["provinces"]}
    assert statuses == {SH: "LEFT_OUT", JS: "ANSWERED", ZJ: "ANSWERED"}
    [shanghai] = [p for p in enterprise["coverage"]["provinces"] if p["province"]["code"] == SH]
    assert shanghai["indexAsOf"] is not None


async def test_a_person_held_only_elsewhere_and_records_and_conflicts_are_found(index_stack: IndexStack) -> None:
    number = new_resident_id()
    key = person_key(SECRET.encode(), "居民身份证", number)
    await execute(
        index_stack.dsn(ZJ),
        "INSERT INTO exchange.person (person_key, id_type, id_number, name) VALUES ($1, '居民身份证', $2, '李四')",
        key,
        number,
    )
    uscc = new_uscc("320300")
    await execute(index_stack.dsn(JS), *flat(enterprise_insert(uscc, "徐州测试建设有限公司")))
    await execute(index_stack.dsn(ZJ), *flat(enterprise_insert(uscc, "徐州测试建设有限公司（浙江分公司）")))
    await execute(
        index_stack.dsn(ZJ), *flat(bad_record_insert(f"ZJ-R-{uscc}", uscc, ANCHOR, ANCHOR + timedelta(days=365)))
    )
    async with gateway(index_stack) as (client, regulator):

        async def found() -> tuple[dict, bool]:
            body = await ask(client, PERSON, bearer(index_stack.settings, "regulator", ZJ), t="居民身份证", n=number)
            return body, body["data"]["person"] is not None

        person = (await _within_bound(found))["data"]["person"]
        records = await ask(client, RECORDS, regulator, u=uscc)
        enterprise = (await ask(client, ENTERPRISE, regulator, u=uscc))["data"]["enterprise"]
    assert person["name"] == "李四" and [p["code"] for p in person["presence"]] == [ZJ]
    assert [e["node"]["province"]["code"] for e in records["data"]["creditRecords"]["edges"]] == [ZJ]
    assert {c["province"]["code"] for c in enterprise["conflicts"]} == {ZJ}


async def test_a_stale_index_asks_the_province_directly(index_stack: IndexStack) -> None:
    """Without a running sync the index goes stale: the province is asked, never silently skipped."""
    uscc = new_uscc("320400")
    await execute(index_stack.dsn(JS), *flat(enterprise_insert(uscc)))
    await execute(
        index_stack.dsn(SH), *flat(blacklist_insert(f"SH-BL-{uscc}", uscc, ANCHOR, ANCHOR + timedelta(days=365)))
    )
    async with gateway(index_stack, enabled=False) as (client, regulator):
        await _set_caught_up(index_stack, SH, "now() - interval '1 hour'")
        stale = (await ask(client, ENTERPRISE, regulator, u=uscc))["data"]["enterprise"]
        await _set_caught_up(index_stack, SH, "NULL")
        unknown = (await ask(client, ENTERPRISE, regulator, u=uscc))["data"]["enterprise"]
        await _set_caught_up(index_stack, SH, "now()")
        trusted = (await ask(client, ENTERPRISE, regulator, u=uscc))["data"]["enterprise"]
    for body in (stale, unknown):
        assert [b["province"]["code"] for b in body["blacklist"]] == [SH]
        assert SH not in {p["code"] for p in body["coverage"]["leftOut"]}
    # A fresh index that does not name Shanghai is believed (the sync never ran): the coverage says so.
    assert trusted["blacklist"] == [] and SH in {p["code"] for p in trusted["coverage"]["leftOut"]}


async def test_provinces_show_the_index_lag(index_stack: IndexStack) -> None:
    async with gateway(index_stack) as (client, regulator):

        async def fresh() -> tuple[dict, bool]:
            body = await ask(client, "{ provinces { code healthy indexLagMs } }", regulator)
            lags = [p["indexLagMs"] for p in body["data"]["provinces"]]
            return body, all(lag is not None and lag < BOUND_MS for lag in lags)

        body = await _within_bound(fresh)
    assert all(p["healthy"] and 0 <= p["indexLagMs"] < BOUND_MS for p in body["data"]["provinces"])


async def test_a_province_down_lags_and_is_asked_directly_once_back(index_stack: IndexStack) -> None:
    uscc = new_uscc("320500")
    await execute(index_stack.dsn(JS), *flat(enterprise_insert(uscc)))
    async with gateway(index_stack) as (client, regulator):
        index_stack.base.cluster.stop("zj")
        try:

            async def lagging() -> tuple[dict, bool]:
                body = await ask(client, "{ provinces { code indexLagMs } }", regulator)
                lag = {p["code"]: p["indexLagMs"] for p in body["data"]["provinces"]}[ZJ]
                return body, lag is not None and lag > BOUND_MS

            await _within_bound(lagging, seconds=BOUND_MS / 1000 + 5)
            down = (await ask(client, ENTERPRISE, regulator, u=uscc))["data"]["enterprise"]
        finally:
            index_stack.base.cluster.start("zj")
        await execute(
            index_stack.dsn(ZJ), *flat(bad_record_insert(f"ZJ-R2-{uscc}", uscc, ANCHOR, ANCHOR + timedelta(days=200)))
        )

        async def answered() -> tuple[dict, bool]:  # the breaker probes the restarted server again
            enterprise = (await ask(client, ENTERPRISE, regulator, u=uscc))["data"]["enterprise"]
            return enterprise, enterprise["coverage"]["complete"] and bool(enterprise["creditRecords"])

        back = await _within_bound(answered, seconds=10)
    assert down["coverage"]["complete"] is False and [m["code"] for m in down["coverage"]["missing"]] == [ZJ]
    # Back: asked directly while its index lags, then routed by the caught-up index; either way found.
    assert [r["province"]["code"] for r in back["creditRecords"]] == [ZJ]


async def test_the_index_converges_after_the_central_store_was_down(index_stack: IndexStack) -> None:
    written = [new_uscc("320600") for _ in range(3)]
    async with gateway(index_stack) as (client, regulator):
        index_stack.base.cluster.stop("central")
        try:
            for uscc in written:
                await execute(index_stack.dsn(ZJ), *flat(enterprise_insert(uscc)))
            during = (await ask(client, ENTERPRISE, regulator, u=written[0]))["data"]["enterprise"]
        finally:
            index_stack.base.cluster.start("central")

        async def converged() -> tuple[dict, bool]:
            indexed = [await index_stack.indexed("enterprise", u) for u in written]
            return {"indexed": indexed}, all(i == [ZJ] for i in indexed)

        result = await _within_bound(converged, seconds=15)
    assert during["coverage"]["complete"] is True and {p["code"] for p in during["presence"]} == {ZJ}
    assert result["indexed"] == [[ZJ]] * 3


async def test_key_positions_held_in_another_province_are_found_by_registration(index_stack: IndexStack) -> None:
    number = new_resident_id()
    key = person_key(SECRET.encode(), "居民身份证", number)
    registration, project = f"苏1{number[-10:]}", f"3301062606{number[-6:]}"
    await execute(
        index_stack.dsn(JS),
        "INSERT INTO exchange.person (person_key, id_type, id_number, name) VALUES ($1, '居民身份证', $2, '赵六')",
        key,
        number,
    )
    employer = new_uscc("320100")
    await execute(
        index_stack.dsn(JS),
        """INSERT INTO exchange.registration (registration_number, person_key, category, employer_uscc,
                     registered_on, valid_until, status) VALUES ($1, $2, '一级注册建造师', $3, $4, $5, '有效')""",
        registration,
        key,
        employer,
        ANCHOR - timedelta(days=900),
        ANCHOR + timedelta(days=300),
    )
    await execute(
        index_stack.dsn(ZJ),
        """INSERT INTO exchange.project (project_number, name, location_division, category, owner_uscc, status)
                     VALUES ($1, '杭州测试工程', '330106', '房屋建筑工程', $2, '在建')""",
        project,
        new_uscc("330100"),
    )
    await execute(
        index_stack.dsn(ZJ),
        """INSERT INTO exchange.key_personnel (project_number, person_key, name, registration_number, role,
                     employer_uscc, start_date) VALUES ($1, $2, '赵六', $3, '项目负责人', $4, $5)""",
        project,
        key,
        registration,
        employer,
        ANCHOR - timedelta(days=30),
    )
    query = """query($r: String!) { personByRegistration(registrationNumber: $r) {
        keyPositions { projectNumber province { code } } coverage { complete } } }"""
    async with gateway(index_stack) as (client, regulator):

        async def found() -> tuple[dict, bool]:
            body = await ask(client, query, regulator, r=registration)
            person = body["data"]["personByRegistration"]
            return person, bool(person and person["keyPositions"])

        person = await _within_bound(found)
    assert [(p["projectNumber"], p["province"]["code"]) for p in person["keyPositions"]] == [(project, ZJ)]
    assert person["coverage"]["complete"] is True
