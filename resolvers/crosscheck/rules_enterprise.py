"""Rules over an enterprise's qualifications, filings and registration rows (DOMAIN §5 Q4, Q10, Q12)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from domain.identifiers import province_of_division, uscc_division
from resolvers.crosscheck.facts import AWARD, CONTRACT, PERMIT, Certificate, Filing, Listing
from resolvers.crosscheck.findings import Code, Evidence, Finding, Severity, joined, provinces_of

BUSINESS_STAGES = (AWARD, CONTRACT, PERMIT)  # filings that need a valid qualification


def qualification_invalid(
    certificates: Sequence[Certificate], filings: Sequence[Filing], uscc: str, as_of: date
) -> list[Finding]:
    """QUALIFICATION_INVALID: awards, contracts or permits filed after a certificate lapsed, while
    the enterprise held no other valid certificate that day."""
    if not certificates:
        return []  # no qualification on record (owners, agencies): nothing to compare with
    lapsed = [c for c in certificates if c.invalid_since() <= as_of]
    late = [
        f for f in filings
        if f.enterprise_uscc == uscc and f.stage in BUSINESS_STAGES and f.filed_on <= as_of
        and any(c.invalid_since() <= f.filed_on for c in lapsed)
        and not any(c.valid_on(f.filed_on) for c in certificates)
    ]
    if not late:
        return []
    late.sort(key=lambda f: (f.filed_on, f.record_number))
    evidence = tuple(_certificate_evidence(c) for c in lapsed) + tuple(_filing_evidence(f) for f in late)
    where = joined(provinces_of(_filing_evidence(f) for f in late))
    return [Finding(
        Code.QUALIFICATION_INVALID, Severity.CRITICAL,
        f"资质证书失效（过期/暂扣/撤回/注销）后，该企业仍在{where}办理了{len(late)}项中标、合同备案或施工许可。",
        f"After its qualification certificate lapsed (expired, suspended, revoked or cancelled) the enterprise "
        f"still filed {len(late)} tender award(s), contract filing(s) or permit(s) in {where}.",
        evidence,
    )]


def qualification_not_valid(certificates: Sequence[Certificate], as_of: date) -> list[Finding]:
    """Informational: no certificate valid on ``as_of`` (answers DOMAIN §5 Q4 without a filing)."""
    # An undated suspension is not held against filings, but it does mean "not valid now".
    if not certificates or any(c.valid_on(as_of) and (c.status == "有效" or c.status_changed_on) for c in certificates):
        return []
    return [Finding(
        Code.QUALIFICATION_NOT_VALID, Severity.INFO,
        f"截至{as_of}，该企业没有有效的资质证书。",
        f"On {as_of} the enterprise holds no valid qualification certificate.",
        tuple(_certificate_evidence(c) for c in certificates),
    )]


def _certificate_evidence(cert: Certificate) -> Evidence:
    if cert.status_changed_on is not None and cert.invalid_since() == cert.status_changed_on:
        since = cert.status_changed_on
        note = f"证书状态{cert.status}（{since}起） / status {cert.status} since {since}"
    elif cert.status_changed_on is None and cert.status != "有效":
        note = f"证书状态{cert.status}（变更日期未知） / status {cert.status}, date of change unknown"
    else:
        note = f"有效期至{cert.valid_until} / valid until {cert.valid_until}"
    return Evidence(cert.province, (cert.number,), (cert.invalid_since(),), note)


def _filing_evidence(filing: Filing) -> Evidence:
    return Evidence(
        filing.province, (filing.record_number,), (filing.filed_on,),
        f"项目{filing.project_number}的{filing.stage} / {filing.stage} of project {filing.project_number}",
    )


def registration_conflicts(listings: Sequence[Listing], uscc: str) -> list[Finding]:
    """DATA_CONFLICT: provinces hold a different name or legal representative for the same USCC.

    The registering province (USCC positions 3-8) is the reference; without its row, the first."""
    if len(listings) < 2:
        return []
    home = province_of_division(uscc_division(uscc))
    reference = next((row for row in listings if row.province == home), listings[0])
    evidence = []
    for row in listings:
        differs = [
            f"{label}：{theirs}（{reference.province}为{ours}）"
            for label, theirs, ours in (
                ("名称 name", row.name, reference.name),
                ("法定代表人 legal representative", row.legal_representative, reference.legal_representative),
            )
            if theirs != ours
        ]
        if differs:
            evidence.append(Evidence(row.province, (uscc,), (), "；".join(differs)))
    if not evidence:
        return []
    where = joined(provinces_of(evidence))
    return [Finding(
        Code.DATA_CONFLICT, Severity.MEDIUM,
        f"同一统一社会信用代码在{where}登记的名称或法定代表人与{reference.province}不一致。",
        f"The same USCC is recorded in {where} with a name or legal representative different from "
        f"{reference.province}'s.",
        (Evidence(reference.province, (uscc,), (), _reference_note(reference)),
         *evidence),
    )]


def _reference_note(row: Listing) -> str:
    return f"参照 reference: {row.name}，{row.legal_representative}"


def permits_without_award(filings: Sequence[Filing], uscc: str, as_of: date) -> list[Finding]:
    """DATA_CONFLICT: a construction permit held by the enterprise on a project with no tender
    award and no contract filing (on or before ``as_of``)."""
    permits = [f for f in filings if f.stage == PERMIT and f.enterprise_uscc == uscc and f.filed_on <= as_of]
    bare = [
        p for p in permits
        if not any(
            f.project_number == p.project_number and f.province == p.province and f.stage in (AWARD, CONTRACT)
            and f.filed_on <= as_of
            for f in filings
        )
    ]
    if not bare:
        return []
    evidence = tuple(_filing_evidence(p) for p in sorted(bare, key=lambda f: (f.filed_on, f.record_number)))
    where = joined(provinces_of(evidence))
    return [Finding(
        Code.DATA_CONFLICT, Severity.MEDIUM,
        f"该企业在{where}持有的施工许可所属项目没有中标备案，也没有合同备案。",
        f"Construction permit(s) held by the enterprise in {where} belong to project(s) with neither a tender "
        "award nor a contract filing.",
        evidence,
    )]
