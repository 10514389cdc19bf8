"""Cross-check rules over qualifications, filings, registration rows and performance claims (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from resolvers.crosscheck.facts import Certificate, Claim, Filing, Listing, Party, ProjectFacts
from resolvers.crosscheck.findings import Code
from resolvers.crosscheck.rules_enterprise import (
    permits_without_award,
    qualification_invalid,
    qualification_not_valid,
    registration_conflicts,
)
from resolvers.crosscheck.rules_performance import claim_findings, reference_findings

SH, JS, ZJ = "310000", "320000", "330000"
USCC = "91320106MA1MY3X45H"  # registered in Jiangsu
TODAY = date(2026, 6, 1)


def cert(
    status: str = "有效", changed: date | None = None, until: date = date(2028, 1, 1), n: str = "D1"
) -> Certificate:
    return Certificate(JS, n, date(2010, 1, 1), until, status, changed)


def filing(stage: str, on: date, province: str = SH, project: str = "P1", uscc: str | None = USCC,
           amount: str | None = "1000.00") -> Filing:
    return Filing(province, f"{stage}-{project}-{on}", project, stage, on, uscc, Decimal(amount) if amount else None)


def codes(findings: list) -> list[Code]:
    return [f.code for f in findings]


# ---- qualifications ------------------------------------------------------------------------------

def test_filings_after_revocation_elsewhere() -> None:
    revoked = cert("撤回", date(2026, 1, 1))
    filings = [
        filing("中标", date(2025, 12, 1)), filing("合同备案", date(2026, 2, 1)), filing("施工许可", date(2026, 3, 1)),
    ]
    found = qualification_invalid([revoked], filings, USCC, TODAY)
    assert codes(found) == [Code.QUALIFICATION_INVALID]
    assert [e.record_ids[0] for e in found[0].evidence] == ["D1", "合同备案-P1-2026-02-01", "施工许可-P1-2026-03-01"]


def test_filings_after_expiry() -> None:
    expired = cert(until=date(2025, 10, 17))
    assert codes(qualification_invalid([expired], [filing("施工许可", date(2025, 10, 18))], USCC, TODAY)) == [
        Code.QUALIFICATION_INVALID
    ]
    assert qualification_invalid([expired], [filing("施工许可", date(2025, 10, 17))], USCC, TODAY) == []


def test_a_renewed_certificate_covers_the_filing() -> None:
    certificates = [cert(until=date(2025, 10, 17)), cert(until=date(2030, 1, 1), n="D2")]
    assert qualification_invalid(certificates, [filing("施工许可", date(2026, 3, 1))], USCC, TODAY) == []


def test_the_date_asked_decides_which_filings_exist() -> None:
    revoked = cert("撤回", date(2026, 1, 1))
    late = [filing("施工许可", date(2026, 3, 1))]
    assert qualification_invalid([revoked], late, USCC, date(2026, 2, 1)) == []
    assert qualification_invalid([revoked], late, USCC, TODAY)


def test_other_enterprises_filings_and_completion_filings_do_not_count() -> None:
    revoked = cert("撤回", date(2026, 1, 1))
    others = [filing("施工许可", date(2026, 3, 1), uscc="913100000000000000"), filing("竣工验收备案", date(2026, 3, 1))]
    assert qualification_invalid([revoked], others, USCC, TODAY) == []


def test_undated_suspension_is_informational_only() -> None:
    suspended = cert("暂扣", None)
    assert qualification_invalid([suspended], [filing("施工许可", date(2026, 3, 1))], USCC, TODAY) == []
    assert codes(qualification_not_valid([suspended], TODAY)) == [Code.QUALIFICATION_NOT_VALID]


def test_enterprises_without_certificates_are_not_judged() -> None:
    assert qualification_invalid([], [filing("施工许可", date(2026, 3, 1))], USCC, TODAY) == []
    assert qualification_not_valid([], TODAY) == []
    assert qualification_not_valid([cert()], TODAY) == []


# ---- data conflicts ---------------------------------------------------------------------------------

def test_registration_conflict_against_the_registering_province() -> None:
    rows = [Listing(SH, "甲公司", "张三", "320106"), Listing(JS, "甲公司", "李四", "320106"),
            Listing(ZJ, "乙公司", "李四", "320106")]
    found = registration_conflicts(rows, USCC)
    assert codes(found) == [Code.DATA_CONFLICT]
    assert [e.province for e in found[0].evidence] == [JS, SH, ZJ]  # the reference first, then who differs


def test_agreeing_provinces_are_no_conflict() -> None:
    assert registration_conflicts([Listing(JS, "甲", "张", "320106"), Listing(SH, "甲", "张", "320106")], USCC) == []


def test_permit_without_award_or_contract() -> None:
    bare = [
        filing("报建", date(2026, 1, 1), project="P2", uscc=None), filing("施工许可", date(2026, 3, 1), project="P2"),
    ]
    assert codes(permits_without_award(bare, USCC, TODAY)) == [Code.DATA_CONFLICT]
    awarded = [*bare, filing("中标", date(2026, 2, 1), project="P2", uscc="913100000000000000")]
    assert permits_without_award(awarded, USCC, TODAY) == []
    contracted = [*bare, filing("合同备案", date(2026, 2, 1), project="P2")]
    assert permits_without_award(contracted, USCC, TODAY) == []


# ---- performance claims -------------------------------------------------------------------------------

def project(completed: date | None = date(2025, 10, 17), winner: str = USCC) -> ProjectFacts:
    filings = [filing("中标", date(2023, 1, 21), uscc=winner, amount="31434.48"),
               filing("合同备案", date(2023, 2, 5), uscc=winner, amount="31434.48")]
    if completed:
        filings.append(filing("竣工验收备案", completed, uscc=None, amount=None))
    return ProjectFacts(SH, "P1", tuple(filings), (Party(SH, "P1", winner, "施工"),))


def claim(amount: str = "31434.48", completed: date | None = date(2025, 10, 17), role: str = "施工") -> Claim:
    return Claim(JS, 6, "P1", SH, role, Decimal(amount), completed)


def judged(c: Claim, p: ProjectFacts | None) -> list:
    return claim_findings([c], {(SH, "P1"): p}, USCC, [SH, JS, ZJ], TODAY)


def test_an_honest_claim_is_confirmed() -> None:
    assert judged(claim(), project()) == []
    assert judged(claim("31500.00"), project()) == []  # within the 1 % tolerance


def test_claims_that_fail() -> None:
    assert codes(judged(claim(), None)) == [Code.CLAIMED_PERFORMANCE_NOT_FOUND]  # no such project
    assert codes(judged(claim(), project(completed=None))) == [Code.CLAIMED_PERFORMANCE_NOT_FOUND]  # unfinished
    assert codes(judged(claim(), project(winner="913100000000000000"))) == [Code.CLAIMED_PERFORMANCE_NOT_FOUND]
    assert codes(judged(claim(role="监理"), project())) == [Code.CLAIMED_PERFORMANCE_NOT_FOUND]
    found = judged(claim("42436.55", date(2026, 4, 15)), project())
    assert "42436.55" in found[0].explanation_en and "2026-04-15" in found[0].explanation_en


def test_completion_after_the_date_asked_is_not_yet_completion() -> None:
    found = claim_findings([claim()], {(SH, "P1"): project()}, USCC, [SH, JS], date(2025, 10, 1))
    assert "no completion filing" in found[0].explanation_en


def test_a_claimed_province_that_did_not_answer_is_unknown_not_negative() -> None:
    assert claim_findings([claim()], {}, USCC, [SH, JS, ZJ], TODAY) == []


def test_a_claim_outside_the_platform_is_informational() -> None:
    outside = Claim(JS, 9, "P9", "110000", "施工", Decimal("1"), None)
    assert codes(claim_findings([outside], {}, USCC, [SH, JS, ZJ], TODAY)) == [Code.UNVERIFIABLE_PERFORMANCE_CLAIM]


def test_bare_reference_without_a_claim() -> None:
    assert reference_findings([], {(SH, "P1"): project()}, "P1", USCC, [SH], TODAY) == []
    assert codes(reference_findings([], {(SH, "P1"): None, (JS, "P1"): None}, "P1", USCC, [SH, JS], TODAY)) == [
        Code.CLAIMED_PERFORMANCE_NOT_FOUND
    ]
    other = reference_findings([], {(SH, "P1"): project()}, "P1", "913100000000000000", [SH], TODAY)
    assert "not a party" in other[0].explanation_en
    assert reference_findings([], {}, "P1", USCC, [SH], TODAY) == []  # nobody answered: unknown
