"""Early warning end to end, against the served gateway: an official watches an enterprise and a
practitioner (by HTTP mutations, idempotent), subscribes to ``watchlistAlerts``, and SQL written
straight into other provinces raises alerts with their evidence, each audited in the central
store; the public may neither keep a watchlist nor subscribe to alerts."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx

from domain.identifiers import normalise_id_number
from domain.person_key import person_key
from tests.conftest import SECRET
from tests.feed.conftest import FeedStack, execute, insert_record, record_number, wait_subscribed, ws_client

ALERTS = """subscription { watchlistAlerts {
  position kind province { code } subject { kind uscc personKey idNumber }
  record { recordNumber polarity } blacklistEntry { entryNumber } qualification { certificateNumber status }
  findings { code evidence { province { code } } } } }"""
WATCH = """mutation ($uscc: USCC, $idType: IdType, $idNumber: String) {
  watch(uscc: $uscc, idType: $idType, idNumber: $idNumber) { kind uscc personKey idType idNumber } }"""
LIST = "{ watchlist { kind uscc personKey idNumber } }"
UNWATCH = "mutation ($uscc: USCC) { unwatch(uscc: $uscc) }"
USCC = "91320100MA1WATCH07"
ID_NUMBER = "11010519491231002X"  # GB 11643's own valid example


async def _gql(feed: FeedStack, query: str, headers: dict[str, str], **variables: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=feed.served.url) as http:
        response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _audit_rows(feed: FeedStack, key: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(feed.settings.central.dsn)
    try:
        return await conn.fetch(
            """SELECT payload FROM central.audit_log
                WHERE payload::jsonb ->> 'operation' = 'watchlistAlerts'
                  AND payload::jsonb -> 'subjects' @> jsonb_build_array(jsonb_build_object('key', $1::text))""",
            key)
    finally:
        await conn.close()


async def _audited(feed: FeedStack, key: str, count: int, timeout: float = 15.0) -> list[asyncpg.Record]:
    deadline = asyncio.get_running_loop().time() + timeout
    while len(rows := await _audit_rows(feed, key)) < count:
        assert asyncio.get_running_loop().time() < deadline, f"{len(rows)} audit rows for the alerts, not {count}"
        await asyncio.sleep(0.1)
    return rows


async def test_watchlist_is_idempotent_and_for_officials(feed: FeedStack) -> None:
    headers = feed.token("regulator", "310000", sub="watch-keeper")
    for _ in range(2):
        body = await _gql(feed, WATCH, headers, uscc=USCC)
        assert body["data"]["watch"] == {"kind": "ENTERPRISE", "uscc": USCC, "personKey": None, "idType": None,
                                         "idNumber": None}
    listed = (await _gql(feed, LIST, headers))["data"]["watchlist"]
    assert [w["uscc"] for w in listed] == [USCC]  # added twice, one entry
    assert (await _gql(feed, UNWATCH, headers, uscc=USCC))["data"]["unwatch"] is True
    assert (await _gql(feed, UNWATCH, headers, uscc=USCC))["data"]["unwatch"] is False
    public = await _gql(feed, LIST, {})
    assert public["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with ws_client(feed.ws_url) as client:
        message = await client.next_of(await client.subscribe(ALERTS))
        assert message["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_alerts_arrive_with_evidence_and_are_audited(feed: FeedStack) -> None:
    headers = feed.token("regulator", "320000", sub="early-warning")
    await _gql(feed, WATCH, headers, uscc=USCC)
    person = (await _gql(feed, WATCH, headers, idType="居民身份证", idNumber=ID_NUMBER))["data"]["watch"]
    key = person_key(SECRET.encode(), "居民身份证", normalise_id_number("居民身份证", ID_NUMBER))
    assert person["personKey"] == key and person["idNumber"] == "110105********002X"  # the central store: masked
    await wait_subscribed(feed, 0)
    async with ws_client(feed.ws_url, init=headers) as client:  # the token in connection_init
        op = await client.subscribe(ALERTS)
        await wait_subscribed(feed, 1)
        bad = record_number("watched")
        await insert_record(feed.dsn("330000"), bad, uscc=USCC)  # another province than the official's
        await insert_record(feed.dsn("330000"), record_number("good"), uscc=USCC, polarity="good")  # no alert
        await insert_record(feed.dsn("310000"), person_bad := record_number("person"), uscc=None, person_key=key)
        await execute(feed.dsn("310000"), """INSERT INTO exchange.blacklist_entry (entry_number, subject_uscc,
                          subject_name, basis, authority, listed_on, planned_release)
                      VALUES ('BL-WATCH-1', $1, '关注企业', '出借资质', '上海市住建委', DATE '2026-06-01',
                              DATE '2027-06-01')""", USCC)
        for code, name in (("330000", "甲建设有限公司"), ("320000", "乙建设有限公司")):  # a data conflict
            await execute(feed.dsn(code), """INSERT INTO exchange.enterprise (uscc, name, legal_representative,
                              registered_division) VALUES ($1, $2, '张三', '320100')""", USCC, name)
        await execute(feed.dsn("330000"), """INSERT INTO exchange.qualification_certificate (certificate_number,
                          uscc, issuing_authority, issued_on, valid_until, status)
                      VALUES ('D-WATCH-1', $1, '浙江省住建厅', DATE '2024-01-01', DATE '2029-01-01', '有效')""", USCC)
        await execute(feed.dsn("330000"), "UPDATE exchange.qualification_certificate SET status = '撤回'"
                                          " WHERE certificate_number = 'D-WATCH-1'")
        alerts = [(await client.next_of(op))["payload"]["data"]["watchlistAlerts"] for _ in range(5)]
    assert sorted(a["kind"] for a in alerts) == [
        "BAD_RECORD", "BAD_RECORD", "BLACKLISTED", "CROSS_CHECK_FINDING", "QUALIFICATION_INVALID"]
    by_kind = {a["kind"]: a for a in alerts}
    bad_alerts = [a for a in alerts if a["kind"] == "BAD_RECORD"]
    assert {(a["record"]["recordNumber"], a["province"]["code"]) for a in bad_alerts} == {
        (bad, "330000"), (person_bad, "310000")}
    person_alert = next(a for a in bad_alerts if a["subject"]["kind"] == "PERSON")
    assert person_alert["subject"]["personKey"] == key and person_alert["subject"]["idNumber"] == "110105********002X"
    assert by_kind["BLACKLISTED"]["blacklistEntry"]["entryNumber"] == "BL-WATCH-1"
    assert by_kind["QUALIFICATION_INVALID"]["qualification"] == {"certificateNumber": "D-WATCH-1", "status": "撤回"}
    finding = by_kind["CROSS_CHECK_FINDING"]["findings"]
    assert [f["code"] for f in finding] == ["DATA_CONFLICT"]
    # Every alert left with an audit entry naming its subject (delivered to the central store).
    assert len(await _audited(feed, USCC, 4)) == 4
    (entry,) = await _audited(feed, key, 1)
    assert '"kind":"person"' in entry["payload"] and ID_NUMBER not in entry["payload"]
