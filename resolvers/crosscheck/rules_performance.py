"""Performance claims (业绩, DOMAIN §5 Q6): does the claimed project exist, completed, in the claimed
province, with the enterprise as a party, and with the claimed amount and completion date?"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from resolvers.crosscheck.facts import AWARD, COMPLETION, CONTRACT, Claim, Filing, ProjectFacts
from resolvers.crosscheck.findings import Code, Evidence, Finding, Severity

# Claimed amounts are compared with the filed contract (else award) amount; 1 % absorbs rounding
# (万元 with two decimals, amounts claimed net or gross of small variations) but not inflation.
AMOUNT_TOLERANCE = Decimal("0.01")

ProjectLookups = Mapping[tuple[str, str], ProjectFacts | None]


@dataclass(frozen=True)
class Problem:
    """One way a claim fails, in both languages."""

    zh: str
    en: str


def claim_problems(
    claim: Claim | None, project: ProjectFacts | None, province: str, uscc: str, as_of: date
) -> list[Problem]:
    """Everything wrong with a claim (or, without one, with the bare project reference)."""
    if project is None:
        return [Problem(f"{province}没有该项目", f"{province} holds no such project")]
    completions = [f for f in project.filings if f.stage == COMPLETION and f.filed_on <= as_of]
    if not completions:
        return [Problem(f"截至{as_of}项目未竣工验收备案", f"no completion filing on or before {as_of}")]
    problems = _party_problems(claim, project, uscc)
    if claim is None or problems:
        return problems
    return _amount_problems(claim, project, uscc) + _date_problems(claim, completions)


def _party_problems(claim: Claim | None, project: ProjectFacts, uscc: str) -> list[Problem]:
    roles = {p.role for p in project.parties if p.uscc == uscc}
    if not roles and not any(f.enterprise_uscc == uscc for f in project.filings):
        return [Problem("该企业不是项目参建单位", "the enterprise is not a party to the project")]
    if claim is not None and roles and claim.role not in roles:
        return [Problem(f"申报角色{claim.role}与备案角色{'、'.join(sorted(roles))}不符",
                        f"claimed role {claim.role} differs from the filed role(s) {', '.join(sorted(roles))}")]
    return []


def _amount_problems(claim: Claim, project: ProjectFacts, uscc: str) -> list[Problem]:
    if claim.amount is None:
        return []
    filed = _filed_amounts(project.filings, uscc)
    if not filed:
        return []  # nothing filed to compare with: not a mismatch
    candidates = [*filed, sum(filed, Decimal(0))]
    if any(abs(claim.amount - amount) <= amount * AMOUNT_TOLERANCE for amount in candidates):
        return []
    shown = "、".join(str(a) for a in filed)
    return [Problem(f"申报金额{claim.amount}万元与备案金额{shown}万元不符",
                    f"claimed amount {claim.amount} (10k yuan) differs from the filed amount(s) {shown}")]


def _filed_amounts(filings: Sequence[Filing], uscc: str) -> list[Decimal]:
    """The enterprise's contract amounts, else its award amounts."""
    for stage in (CONTRACT, AWARD):
        amounts = [f.amount for f in filings if f.stage == stage and f.enterprise_uscc == uscc and f.amount]
        if amounts:
            return amounts
    return []


def _date_problems(claim: Claim, completions: Sequence[Filing]) -> list[Problem]:
    if claim.completed_on is None or any(f.filed_on == claim.completed_on for f in completions):
        return []
    filed = "、".join(str(f.filed_on) for f in completions)
    return [Problem(f"申报竣工日期{claim.completed_on}与竣工验收备案日期{filed}不符",
                    f"claimed completion {claim.completed_on} differs from the completion filing {filed}")]


def claim_findings(
    claims: Sequence[Claim], projects: ProjectLookups, uscc: str, configured: Collection[str], as_of: date
) -> list[Finding]:
    """CLAIMED_PERFORMANCE_NOT_FOUND per failing claim; claims outside the configured provinces are
    informational; a claim whose province did not answer is left to the report's completeness."""
    findings = []
    for claim in sorted(claims, key=lambda c: (c.project_number, c.id)):
        if claim.claimed_province not in configured:
            findings.append(_unverifiable(claim))
            continue
        key = (claim.claimed_province, claim.project_number)
        if key not in projects:
            continue  # the claimed province did not answer: unknown, not "not found"
        problems = claim_problems(claim, projects[key], claim.claimed_province, uscc, as_of)
        if problems:
            findings.append(_not_found(claim.project_number, claim.claimed_province, problems, claim, projects[key]))
    return findings


def reference_findings(
    claims: Sequence[Claim], projects: ProjectLookups, number: str, uscc: str, configured: Collection[str],
    as_of: date,
) -> list[Finding]:
    """verifyPerformance: the enterprise's claims about project ``number``, or without a claim the
    bare reference (exists, completed, enterprise a party) in whichever province holds it."""
    mine = [c for c in claims if c.project_number == number]
    if mine:
        return claim_findings(mine, projects, uscc, configured, as_of)
    held = [(province, p) for (province, n), p in projects.items() if n == number and p is not None]
    if held:
        province, project = held[0]
        problems = claim_problems(None, project, province, uscc, as_of)
        return [_not_found(number, province, problems, None, project)] if problems else []
    asked = sorted(province for province, n in projects if n == number)
    if not asked:
        return []  # nobody answered: the report is incomplete, not negative
    where = "、".join(asked)
    finding = _not_found(number, asked[0], [Problem(f"{where}均没有该项目", f"no such project in {where}")])
    extra = tuple(Evidence(p, (number,), (), "没有该项目 / no such project") for p in asked[1:])
    return [replace(finding, evidence=finding.evidence + extra)]


def _not_found(
    number: str, province: str, problems: list[Problem], claim: Claim | None = None,
    project: ProjectFacts | None = None,
) -> Finding:
    zh = "；".join(p.zh for p in problems)
    en = "; ".join(p.en for p in problems)
    evidence = []
    if claim is not None:
        evidence.append(Evidence(
            claim.province, (f"业绩{claim.id}",), (claim.completed_on,) if claim.completed_on else (),
            f"申报 claimed: {claim.role}, {claim.amount} 万元, 竣工 completed {claim.completed_on}",
        ))
    filings = [f for f in project.filings if f.stage in (AWARD, CONTRACT, COMPLETION)] if project else []
    evidence.append(Evidence(
        province, tuple(f.record_number for f in filings) or (number,), tuple(f.filed_on for f in filings),
        f"项目 project {number}：{zh} / {en}",
    ))
    return Finding(
        Code.CLAIMED_PERFORMANCE_NOT_FOUND, Severity.HIGH,
        f"申报业绩（项目{number}，{province}）无法核实：{zh}。",
        f"Claimed performance (project {number}, {province}) is not confirmed: {en}.",
        tuple(evidence),
    )


def _unverifiable(claim: Claim) -> Finding:
    return Finding(
        Code.UNVERIFIABLE_PERFORMANCE_CLAIM, Severity.INFO,
        f"申报业绩所在省份{claim.claimed_province}不在本平台，无法核实项目{claim.project_number}。",
        f"The claimed province {claim.claimed_province} is not part of the platform: project "
        f"{claim.project_number} cannot be verified.",
        (Evidence(claim.province, (f"业绩{claim.id}",), (), None),),
    )
