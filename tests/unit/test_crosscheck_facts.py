"""From the sources' fact rows to plain facts (pure: no database)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from resolvers.crosscheck.facts import Claim, Filing, enterprise_facts, person_facts, project_facts
from sources.crosscheck_queries import Fact, decode
from sources.records import ClaimPayload, FilingPayload, ListingPayload, PartyPayload, PersonPayload, ProjectPayload

SH, JS = "310000", "320000"
USCC = "91320106MA1MY3X45H"


def test_payloads_decode_dates_exact_amounts_and_padded_provinces() -> None:
    values = decode(json.dumps({"filed_on": "2026-03-01", "amount": 27483.12, "claimed_province": "320000 ",
                                "end_date": None, "id": 7}))
    assert values == {"filed_on": date(2026, 3, 1), "amount": Decimal("27483.12"), "claimed_province": JS,
                      "end_date": None, "id": 7}
    # PostgreSQL writes numerics with their scale; the decimal survives exactly (no float on the way).
    assert decode('{"amount": 8650.00}')["amount"] == Decimal("8650.00")


def test_enterprise_facts_keep_their_province() -> None:
    filing = Fact("filing", FilingPayload(record_number="HT1", project_number="P1", stage="合同备案",
                                          filed_on=date(2026, 1, 1), enterprise_uscc=USCC, amount=Decimal("1")))
    claim = Fact("claim", ClaimPayload(id=3, project_number="P1", claimed_province=SH, role="施工",
                                       amount=None, completed_on=None))
    listing = Fact("listing", ListingPayload(name="甲", legal_representative="张", registered_division="320106"))
    facts = enterprise_facts(USCC, {SH: [filing, listing], JS: [claim, listing]})
    assert facts.filings == [Filing(SH, "HT1", "P1", "合同备案", date(2026, 1, 1), USCC, Decimal("1"))]
    assert facts.claims == [Claim(JS, 3, "P1", SH, "施工", None, None)]
    assert [row.province for row in facts.listings] == [SH, JS]


def test_person_facts_and_projects() -> None:
    person = person_facts("k", {JS: [Fact("person", PersonPayload(name="王五"))], SH: []})
    assert person.holders == {JS: "王五"}
    assert project_facts(SH, "P1", []) is None  # the province holds no such project
    found = project_facts(SH, "P1", [Fact("project", ProjectPayload(name="x", owner_uscc=USCC)),
                                      Fact("party", PartyPayload(uscc=USCC, role="施工"))])
    assert found is not None and found.parties[0].role == "施工" and found.filings == ()


def test_the_public_judges_only_what_is_public_today() -> None:
    from resolvers.crosscheck.facts import EnterpriseFacts, Listed, Record
    from resolvers.crosscheck.visibility import for_caller
    from resolvers.identity import PUBLIC, Identity

    today = date(2026, 6, 1)
    public = Record(JS, "1", "bad", "D1-2-04", None, date(2026, 1, 1), None, date(2026, 1, 3), date(2027, 1, 2))
    expired = Record(JS, "2", "bad", "D1-2-04", None, date(2024, 1, 1), None, date(2024, 1, 3), date(2024, 12, 31))
    active = Listed(JS, "H1", "转包", "住建厅", date(2026, 1, 1), date(2027, 1, 1), None)
    released = Listed(JS, "H2", "转包", "住建厅", date(2024, 1, 1), date(2025, 1, 1), date(2025, 1, 1))
    facts = EnterpriseFacts(USCC, records=[public, expired], blacklist=[active, released])
    seen = for_caller(PUBLIC, facts, today)
    assert seen.records == [public] and seen.blacklist == [active]
    official = for_caller(Identity("r", province=SH, roles=frozenset({"regulator"})), facts, today)
    assert official.records == [public, expired] and official.blacklist == [active, released]
    assert facts.records == [public, expired]  # the gathered facts themselves are untouched
