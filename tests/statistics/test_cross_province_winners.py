"""crossProvinceWinners end to end: the planted winners, a direct SQL cross-check of every award
and every bad-record count, the statement budget, filters and a missing home province."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from sources.config import CENTRAL
from tests.conftest import Stack, gql, statements
from tests.statistics.helpers import client_without, fetch_each

QUERY = """query($from: Date, $to: Date, $award: String, $home: String, $first: Int! = 500) {
  crossProvinceWinners(from: $from, to: $to, awardProvince: $award, homeProvince: $home, first: $first) {
    periodFrom periodTo truncated
    winners { uscc name homeProvince { code } badRecordsAtHome awardAmount
              awards { province { code } recordNumber projectNumber projectName amount awardedOn } }
    summary { winners awards withBadRecordsAtHome unknownAtHome }
    coverage { complete answered { code } missing { code } } } }"""

AWARDS = """SELECT s.record_number, s.enterprise_uscc FROM exchange.project_stage s
             WHERE s.stage = '中标' AND s.filed_on BETWEEN $1 AND $2"""
BAD_AT_HOME = """SELECT subject_uscc, count(*) AS n FROM exchange.credit_record
                  WHERE polarity = 'bad' AND status = 'published' AND $1::date BETWEEN publish_from AND publish_to
                  GROUP BY subject_uscc"""


async def _winners(client: httpx.AsyncClient, **variables: Any) -> dict[str, Any]:
    body = await gql(client, QUERY, **variables)
    assert "errors" not in body, body.get("errors")
    return body


def _by_uscc(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {w["uscc"]: w for w in body["data"]["crossProvinceWinners"]["winners"]}


async def test_planted_winners_with_and_without_bad_records_at_home(client: httpx.AsyncClient, stack: Stack) -> None:
    body = await _winners(client)
    view = body["data"]["crossProvinceWinners"]
    winners = _by_uscc(body)
    for name, bad in (("cross_province_winner_bad_home", True), ("cross_province_winner", False)):
        case = stack.case(name)
        home, market = case["provinces"]
        winner = winners[case["key"]["uscc"]]
        assert winner["homeProvince"]["code"] == home
        assert {a["province"]["code"] for a in winner["awards"]} == {market}
        assert (winner["badRecordsAtHome"] > 0) is bad
    assert view["periodTo"] == stack.today.isoformat()
    assert view["summary"]["winners"] == len(winners)
    assert view["summary"]["withBadRecordsAtHome"] == sum(1 for w in winners.values() if w["badRecordsAtHome"])
    assert view["coverage"]["complete"] is True and view["truncated"] is False
    listed = [w["badRecordsAtHome"] for w in view["winners"]]
    assert listed == sorted(listed, reverse=True)  # bad at home first


async def test_awards_and_counts_match_direct_sql(client: httpx.AsyncClient, stack: Stack) -> None:
    period_to = stack.today
    period_from = period_to - timedelta(days=3 * 365)
    body = await _winners(client, **{"from": period_from.isoformat(), "to": period_to.isoformat()})
    direct_awards = await fetch_each(stack, AWARDS, period_from, period_to)
    expected = {
        (code, r["record_number"], r["enterprise_uscc"])
        for code, rows in direct_awards.items() for r in rows if r["enterprise_uscc"][2:4] != code[:2]
    }
    got = {(a["province"]["code"], a["recordNumber"], w["uscc"])
           for w in body["data"]["crossProvinceWinners"]["winners"] for a in w["awards"]}
    assert got == expected and len(expected) >= 2
    bad = {code: {r["subject_uscc"]: r["n"] for r in rows}
           for code, rows in (await fetch_each(stack, BAD_AT_HOME, period_to)).items()}
    for uscc, winner in _by_uscc(body).items():
        home = uscc[2:4] + "0000"
        assert winner["badRecordsAtHome"] == (bad[home].get(uscc, 0) if home in bad else None), uscc
    summary = body["data"]["crossProvinceWinners"]["summary"]
    assert summary["awards"] == len(expected)


async def test_statements_are_bounded_per_province(client: httpx.AsyncClient) -> None:
    body = await _winners(client)
    counts = statements(body)
    # Round one: every province lists its awards; round two: every home province counts at once.
    assert counts[CENTRAL] == 0
    assert all(1 <= counts[code] <= 2 for code in ("310000", "320000", "330000"))
    one = await _winners(client, award="310000")
    assert statements(one)["310000"] == 1  # Shanghai is asked for awards only: no winner is at home there
    assert {a["province"]["code"] for w in one["data"]["crossProvinceWinners"]["winners"] for a in w["awards"]} \
        == {"310000"}


async def test_home_province_and_first(client: httpx.AsyncClient, stack: Stack) -> None:
    body = await _winners(client, home="320000")
    homes = {w["homeProvince"]["code"] for w in body["data"]["crossProvinceWinners"]["winners"]}
    assert homes == {"320000"}
    assert stack.case("cross_province_winner_bad_home")["key"]["uscc"] in _by_uscc(body)
    one = (await _winners(client, first=1))["data"]["crossProvinceWinners"]
    assert len(one["winners"]) == 1 and one["truncated"] is True and one["summary"]["winners"] > 1


async def test_bad_input_is_rejected(client: httpx.AsyncClient) -> None:
    for variables, text in (({"from": "2026-01-02", "to": "2026-01-01"}, "from"),
                            ({"award": "440000"}, "awardProvince: not configured"),
                            ({"home": "32"}, "homeProvince")):
        body = await gql(client, QUERY, **variables)
        assert body["data"]["crossProvinceWinners"] is None
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and text in body["errors"][0]["message"]
        assert sum(statements(body).values()) == 0
    # ``first`` has the one page-size check of every paged field, before execution.
    body = await gql(client, QUERY, first=0)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "PAGE_TOO_LARGE"
    assert "first must be between 1 and" in body["errors"][0]["message"]
    assert sum(statements(body).values()) == 0


async def test_a_missing_home_province_leaves_its_winners_unknown(stack: Stack) -> None:
    case = stack.case("cross_province_winner_bad_home")
    home, market = case["provinces"]
    async with client_without(stack, home) as client:
        body = await gql(client, QUERY, award=market)
    view = body["data"]["crossProvinceWinners"]
    assert view["coverage"]["complete"] is False
    assert [p["code"] for p in view["coverage"]["missing"]] == [home]
    assert _by_uscc(body)[case["key"]["uscc"]]["badRecordsAtHome"] is None
    assert view["summary"]["unknownAtHome"] >= 1
    errors = [e for e in body["errors"] if e["extensions"]["source"] == home]
    assert len(errors) == 1 and errors[0]["extensions"]["code"] == "SOURCE_UNAVAILABLE"
