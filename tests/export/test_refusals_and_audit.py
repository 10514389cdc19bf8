"""Bad input is refused before any row, with the GraphQL error shape; tokens are checked as for
/graphql; an official's export is one audit entry with its filters, counts and checksum."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import asyncpg
import httpx
import pytest

from gateway.settings import AuditSettings
from tests.conftest import Stack, running_app
from tests.export.packages import export, read_package
from tests.export.slow_reader import held_export
from tests.tokens import bearer

ENTERPRISE_CURSOR = "eyJrIjoiZSIsInUiOiI5MTMxMDAwMDAwMDAwMDAwMDAifQ=="


@pytest.mark.parametrize(("path", "status", "needle"), [
    ("/export/credit-records?uscc=abc", 400, "USCC must have 18 characters"),
    ("/export/credit-records?uscc=91320000ZZZ", 400, "USCC"),
    ("/export/credit-records?polarity=bad", 400, "Did you mean the enum value 'BAD'"),
    ("/export/credit-records?decidedFrom=2024-13-01", 400, "Date must be in ISO format"),
    ("/export/credit-records?decidedTo=1800-01-01", 400, "between 1900-01-01"),
    ("/export/credit-records?since=2024-01-01", 400, "Unknown parameter 'since'"),
    ("/export/credit-records?provinces=310000,999999", 400, "not configured: 999999"),
    ("/export/credit-records?after=not-a-cursor", 400, "invalid cursor"),
    (f"/export/credit-records?after={ENTERPRISE_CURSOR}", 400, "invalid cursor"),
    ("/export/credit-records?behaviourCode=D1&behaviourCode=D2", 400, "given 2 times"),
    ("/export/credit-records?behaviourCode=D1%00", 400, "U+0000 (NUL)"),
    ("/export/enterprises?registeredProvince=3200", 400, "province-level division code"),
    ("/export/enterprises?polarity=BAD", 400, "Unknown parameter 'polarity'"),
    ("/export/blacklist-entries?active=yes", 400, "Boolean cannot represent"),
    ("/export/qualifications?status=valid", 400, "status must be among"),
    ("/export/persons", 404, "the kinds are: credit-records, enterprises, blacklist-entries, qualifications"),
])
async def test_bad_requests_are_refused_before_any_row(
    client: httpx.AsyncClient, path: str, status: int, needle: str
) -> None:
    response = await client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["errors"][0]
    assert needle in error["message"]
    assert error["extensions"]["code"] == ("BAD_REQUEST" if status == 404 else "BAD_USER_INPUT")


async def test_a_legacy_uscc_is_looked_up_with_a_warning_as_in_graphql(client: httpx.AsyncClient) -> None:
    legacy = "913100003824960471"  # well formed, fails its check character
    package = await export(client, "credit-records", uscc=legacy)
    assert package.manifest["filters"] == {"uscc": legacy}
    assert any("fails its checks" in w for w in package.manifest["warnings"])


async def test_a_bad_token_is_refused_as_by_graphql(client: httpx.AsyncClient) -> None:
    response = await client.get("/export/enterprises", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "invalid_token" in response.headers["www-authenticate"]


async def test_an_officials_export_is_one_audit_entry(stack: Stack, tmp_path: Path) -> None:
    settings = dataclasses.replace(stack.settings, audit=AuditSettings(tmp_path / "spool"))
    regulator = bearer(settings, "regulator", "330000", sub="export-auditor", org="浙江省住建厅")
    async with running_app(settings) as (app, client):
        before = await _last_seq(settings)
        package = await export(client, "credit-records", regulator, polarity="BAD", provinces="330000,320000")
        public = await export(client, "credit-records", polarity="BAD")
        csv_package = await export(client, "qualifications", regulator, fmt="csv")
        assert await app.state.runtime.audit.flush()
    rows = [r for r in await _entries(settings, before) if r["actor"] in ("export-auditor", "anonymous")]
    assert [r["operation"] for r in rows] == ["export credit-records", "export qualifications"]
    first = json.loads(rows[0]["payload"])
    assert first["subjects"] == [{"kind": "export", "key": package.manifest["exportId"]}]
    assert first["org"] == "浙江省住建厅" and first["province"] == "330000" and first["client"] == "127.0.0.1"
    assert rows[0]["result_count"] == package.manifest["rows"] > 0
    details = first["export"]
    assert details["filters"] == {"polarity": "BAD", "provinces": ["330000", "320000"]}
    assert details["counts"] == package.manifest["counts"] and details["rows"] == package.manifest["rows"]
    assert details["sha256"] == package.manifest["sha256"] and details["complete"] is True
    assert json.loads(rows[1]["payload"])["export"]["sha256"] == csv_package.manifest["sha256"]
    assert public.rows  # the public's export is not audited (DOMAIN §6 audits officials)


async def test_an_export_broken_off_by_the_client_is_still_audited(stack: Stack, tmp_path: Path) -> None:
    settings = dataclasses.replace(stack.settings, audit=AuditSettings(tmp_path / "spool"))
    regulator = bearer(settings, "regulator", "310000", sub="export-quitter")
    async with running_app(settings) as (app, _):
        before = await _last_seq(settings)
        sent: list[bytes] = []
        async with held_export(app, "/export/credit-records", regulator, sent=sent):
            pass  # the first chunk came; the reader hangs up
        assert await app.state.runtime.audit.flush()
    rows = [r for r in await _entries(settings, before) if r["actor"] == "export-quitter"]
    assert len(rows) == 1
    details = json.loads(rows[0]["payload"])["export"]
    assert details["ended"] == "broken off" and details["complete"] is False
    assert details["rows"] > 0 and details["sha256"] is None
    assert sent and not read_package_possible(b"".join(sent))


def read_package_possible(body: bytes) -> bool:
    try:
        read_package(body)
    except (AssertionError, ValueError, KeyError):
        return False
    return True


async def _last_seq(settings) -> int:
    conn = await asyncpg.connect(settings.central.dsn)
    try:
        return await conn.fetchval("SELECT coalesce(max(seq), 0) FROM central.audit_log")
    finally:
        await conn.close()


async def _entries(settings, after_seq: int) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.central.dsn)
    try:
        return await conn.fetch("SELECT * FROM central.audit_log WHERE seq > $1 ORDER BY seq", after_seq)
    finally:
        await conn.close()
