"""creditStatistics end to end: every figure is checked against a direct COUNT in each province
database, and every request against its statement budget (one per province, at most one central)."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from typing import Any

import httpx

from sources.config import CENTRAL, SourceConfig
from sources.postgres import PostgresSource
from sources.province_queries import Visibility
from sources.statistics_queries import StatisticsFilter, StatisticsGrouping, credit_statistics, crosswalks
from tests.conftest import Stack, gql, statements
from tests.statistics.helpers import central_crosswalk, client_without, fetch_each

QUERY = """query($by: [StatisticsDimension!]!, $f: CreditStatisticsFilter) {
  creditStatistics(groupBy: $by, filter: $f) {
    groupBy total fineTotal crosswalkApplied
    groups { key { province { code } party category national year polarity } count fineTotal }
    coverage { complete answered { code } missing { code } } } }"""

# What the public may see (DOMAIN §4), written out independently of the gateway's SQL.
PUBLIC = "status = 'published' AND $1::date BETWEEN publish_from AND publish_to"
PER_CODE = f"""SELECT behaviour_code, extract(year FROM decision_date)::int AS year, polarity,
                      count(*) AS n, coalesce(sum(fine), 0) AS fine
                 FROM exchange.credit_record WHERE {PUBLIC} GROUP BY 1, 2, 3"""


async def _stats(client: httpx.AsyncClient, by: list[str], f: dict[str, Any] | None = None) -> dict[str, Any]:
    body = await gql(client, QUERY, by=by, f=f)
    assert "errors" not in body, body.get("errors")
    return body


def _groups(body: dict[str, Any]) -> dict[tuple, tuple[int, Decimal]]:
    result = {}
    for g in body["data"]["creditStatistics"]["groups"]:
        k = g["key"]
        key = ((k["province"] or {}).get("code"), k["party"], k["category"], k["national"], k["year"], k["polarity"])
        assert key not in result, f"group {key} appears twice"
        result[key] = (g["count"], Decimal(g["fineTotal"]))
    return result


def _expected_key(province: str, code: str, crosswalk: dict[tuple[str, str], str]) -> tuple[str, str, bool]:
    """(party, category, national) by the documented rule: national codes D1 / D1-3, mapped local codes
    as their national code, unmapped local codes under their own code set (JS-ZB)."""
    mapped = crosswalk.get((province, code))
    national = mapped is not None or re.match(r"^[A-Z][0-9]-", code) is not None
    parts = (mapped or code).split("-")
    category = "-".join(parts[:2])
    return (parts[0] if national else category), category, national


async def test_totals_match_a_direct_count_in_every_province(client: httpx.AsyncClient, stack: Stack) -> None:
    body = await _stats(client, ["PROVINCE"])
    direct = await fetch_each(
        stack, f"SELECT count(*) AS n, coalesce(sum(fine), 0) AS fine FROM exchange.credit_record WHERE {PUBLIC}",
        stack.today,
    )
    stats = body["data"]["creditStatistics"]
    expected = {(code, None, None, None, None, None): (rows[0]["n"], rows[0]["fine"]) for code, rows in direct.items()}
    assert _groups(body) == expected
    assert stats["total"] == sum(rows[0]["n"] for rows in direct.values()) > 0
    assert Decimal(stats["fineTotal"]) == sum(rows[0]["fine"] for rows in direct.values())
    assert stats["coverage"]["complete"] is True and stats["crosswalkApplied"] is None
    # Codes do not matter here, so the crosswalk is not even fetched.
    assert statements(body) == {**{code: 1 for code in direct}, CENTRAL: 0}


async def test_roll_up_through_the_crosswalk_matches_direct_sql(client: httpx.AsyncClient, stack: Stack) -> None:
    body = await _stats(client, ["PROVINCE", "PARTY", "CATEGORY", "YEAR", "POLARITY"])
    crosswalk = await central_crosswalk(stack)
    expected: Counter[tuple] = Counter()
    fines: Counter[tuple] = Counter()
    mapped = 0
    for code, rows in (await fetch_each(stack, PER_CODE, stack.today)).items():
        for r in rows:
            key = (code, *_expected_key(code, r["behaviour_code"], crosswalk), r["year"], r["polarity"].upper())
            expected[key] += r["n"]
            fines[key] += r["fine"]
            mapped += r["n"] if (code, r["behaviour_code"]) in crosswalk else 0
    assert _groups(body) == {key: (n, fines[key]) for key, n in expected.items()}
    assert mapped > 0, "the seed should contain visible records under a mapped local code"
    assert any(k[3] is False for k in expected), "the seed should contain visible unmapped local codes"
    assert body["data"]["creditStatistics"]["crosswalkApplied"] is True
    assert statements(body) == {"310000": 1, "320000": 1, "330000": 1, CENTRAL: 1}


async def test_groups_merge_across_provinces(client: httpx.AsyncClient, stack: Stack) -> None:
    by_province = _groups(await _stats(client, ["PROVINCE", "CATEGORY"]))
    merged = _groups(await _stats(client, ["CATEGORY"]))
    summed: Counter[tuple] = Counter()
    for (_, party, category, national, year, polarity), (n, _fine) in by_province.items():
        summed[(None, party, category, national, year, polarity)] += n
    assert {k: v[0] for k, v in merged.items()} == dict(summed)
    assert all(k[1] is None and k[3] is not None for k in merged)  # only the grouped dimensions are set


async def test_filters_are_pushed_down(client: httpx.AsyncClient, stack: Stack) -> None:
    crosswalk = await central_crosswalk(stack)
    locals_to_d15 = [local for (p, local), nat in crosswalk.items() if p == "320000" and nat.startswith("D1-5")]
    f = {"polarity": "BAD", "decidedFrom": "2020-01-01", "decidedTo": stack.today.isoformat(),
         "provinces": ["320000"], "behaviourCode": "D1-5"}
    body = await _stats(client, ["POLARITY"], f)
    direct = await fetch_each(
        stack,
        f"""SELECT count(*) AS n FROM exchange.credit_record WHERE {PUBLIC} AND polarity = 'bad'
               AND decision_date BETWEEN DATE '2020-01-01' AND $1
               AND (behaviour_code LIKE 'D1-5%' OR behaviour_code = ANY($2::text[]))""",
        stack.today, locals_to_d15,
    )
    stats = body["data"]["creditStatistics"]
    assert stats["total"] == direct["320000"][0]["n"] > 0
    assert [g["key"]["polarity"] for g in stats["groups"]] == ["BAD"]
    assert [p["code"] for p in stats["coverage"]["answered"]] == ["320000"]
    assert statements(body) == {"310000": 0, "320000": 1, "330000": 0, CENTRAL: 1}


async def test_bad_input_is_rejected_before_any_database(client: httpx.AsyncClient) -> None:
    for f, text in (({"provinces": ["440000"]}, "filter.provinces: not configured: 440000"),
                    ({"decidedFrom": "2025-02-01", "decidedTo": "2025-01-01"}, "decidedFrom"),
                    ({"behaviourCode": " "}, "behaviourCode")):
        body = await gql(client, QUERY, by=["YEAR"], f=f)
        assert body["data"]["creditStatistics"] is None
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and text in body["errors"][0]["message"]
        assert sum(statements(body).values()) == 0


async def test_empty_grouping_is_one_total(client: httpx.AsyncClient) -> None:
    stats = (await _stats(client, []))["data"]["creditStatistics"]
    assert len(stats["groups"]) == 1 and stats["groups"][0]["count"] == stats["total"] > 0


async def test_a_missing_province_is_reported(stack: Stack) -> None:
    async with client_without(stack, "330000") as client:
        body = await gql(client, QUERY, by=["PROVINCE"], f=None)
    stats = body["data"]["creditStatistics"]
    assert stats["coverage"]["complete"] is False
    assert [p["code"] for p in stats["coverage"]["missing"]] == ["330000"]
    assert {g["key"]["province"]["code"] for g in stats["groups"]} == {"310000", "320000"}
    errors = [e for e in body["errors"] if e["extensions"]["source"] == "330000"]
    assert errors[0]["extensions"]["code"] == "SOURCE_UNAVAILABLE"
    assert errors[0]["path"] == ["creditStatistics"]


async def test_without_the_central_store_local_codes_stay_local(stack: Stack) -> None:
    async with client_without(stack, CENTRAL) as client:
        body = await gql(client, QUERY, by=["CATEGORY"], f=None)
    stats = body["data"]["creditStatistics"]
    assert stats["crosswalkApplied"] is False
    assert stats["coverage"]["complete"] is True  # every record was counted, only not rolled up
    assert body["errors"][0]["extensions"] == {"code": "SOURCE_UNAVAILABLE", "source": CENTRAL}
    assert any(g["key"]["category"].endswith("-SG") and g["key"]["national"] is False for g in stats["groups"])


async def test_regulator_visibility_counts_retained_records_and_own_drafts(stack: Stack) -> None:
    """The source function under the two regulator visibilities (the HTTP layer is still public-only)."""
    province = stack.settings.province("320000")
    assert province is not None
    source = PostgresSource(SourceConfig("320000", province.source.dsn))
    central = PostgresSource(SourceConfig(CENTRAL, stack.settings.central.dsn))
    try:
        crosswalk = (await crosswalks(central)).get("320000", {})
        counts = {}
        for drafts_of in (None, "320000"):
            rows = await credit_statistics(
                source, grouping=StatisticsGrouping(), filter=StatisticsFilter(),
                visibility=Visibility(public_on=None, drafts_of=drafts_of), crosswalk=crosswalk,
            )
            counts[drafts_of] = rows[0].records
    finally:
        await source.close()
        await central.close()
    direct = await fetch_each(
        stack, "SELECT count(*) FILTER (WHERE status IN ('published', 'revoked')) AS retained, count(*) AS every "
               "FROM exchange.credit_record",
    )
    assert counts[None] == direct["320000"][0]["retained"]
    assert counts["320000"] == direct["320000"][0]["every"] > counts[None]
