"""Rules over a practitioner's key positions and registrations (DOMAIN §5 Q1, Q5, Q7)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from resolvers.crosscheck.facts import CHIEF_SUPERVISOR, PROJECT_MANAGER, RegistrationFact, Tenure
from resolvers.crosscheck.findings import Code, Evidence, Finding, Severity, joined, provinces_of

# GB/T 50319-2013 §3.1.3: a chief supervising engineer may serve at most three supervision
# contracts at once, and only with the owners' written consent.
MAX_CHIEF_PROJECTS = 3


def _open_by_project(tenures: Sequence[Tenure], role: str, as_of: date) -> dict[str, Tenure]:
    """One open tenure per project (a project counts once however many rows it has)."""
    found: dict[str, Tenure] = {}
    for tenure in sorted(tenures, key=lambda t: (t.start_date, t.project_number)):
        if tenure.role == role and tenure.open_on(as_of):
            found.setdefault(tenure.project_number, tenure)
    return found


def _tenure_evidence(tenure: Tenure) -> Evidence:
    note = f"项目{tenure.project_number}，{tenure.start_date}起在任 / in charge of {tenure.project_number} since " \
           f"{tenure.start_date}"
    if tenure.documented:
        note += f"；批准文件 approval: {tenure.change_document}"
    ids = tuple(x for x in (tenure.project_number, tenure.registration_number) if x)
    return Evidence(tenure.province, ids, (tenure.start_date,), note)


def concurrent_leads(tenures: Sequence[Tenure], as_of: date) -> list[Finding]:
    """CONCURRENT_PROJECT_LEAD: project manager of ≥2 unfinished projects on ``as_of``.

    A tenure carrying an approval document while still open is the documented exception (adjacent
    phases of one project): it is not counted, and is reported as informational instead."""
    open_ = _open_by_project(tenures, PROJECT_MANAGER, as_of)
    plain = [t for t in open_.values() if not t.documented]
    documented = [t for t in open_.values() if t.documented]
    findings = []
    if len(plain) >= 2:
        evidence = tuple(_tenure_evidence(t) for t in plain)
        where = joined(provinces_of(evidence))
        findings.append(Finding(
            Code.CONCURRENT_PROJECT_LEAD, Severity.HIGH,
            f"截至{as_of}，该注册建造师同时担任{len(plain)}个未竣工项目的项目负责人（{where}），无变更或批准文件。",
            f"On {as_of} the registered constructor leads {len(plain)} unfinished projects at once ({where}) "
            "with no documented change or approval.",
            evidence,
        ))
    if documented and len(open_) >= 2:
        findings.append(Finding(
            Code.DOCUMENTED_CONCURRENT_LEAD, Severity.INFO,
            "同时担任多个在建项目负责人，其中已有批准文件（如同一项目相邻标段），不作为问题。",
            "Leads more than one unfinished project, with an approval document for the overlap (e.g. adjacent "
            "phases of one project): not a finding.",
            tuple(_tenure_evidence(t) for t in open_.values()),
        ))
    return findings


def concurrent_chief(tenures: Sequence[Tenure], as_of: date) -> list[Finding]:
    """CONCURRENT_CHIEF_SUPERVISOR: chief supervising engineer of more than three unfinished projects."""
    open_ = [t for t in _open_by_project(tenures, CHIEF_SUPERVISOR, as_of).values() if not t.documented]
    if len(open_) <= MAX_CHIEF_PROJECTS:
        return []
    evidence = tuple(_tenure_evidence(t) for t in open_)
    where = joined(provinces_of(evidence))
    return [Finding(
        Code.CONCURRENT_CHIEF_SUPERVISOR, Severity.MEDIUM,
        f"截至{as_of}，该总监理工程师同时担任{len(open_)}个未竣工项目的总监（{where}），超过{MAX_CHIEF_PROJECTS}项上限。",
        f"On {as_of} the chief supervising engineer supervises {len(open_)} unfinished projects at once ({where}), "
        f"more than the limit of {MAX_CHIEF_PROJECTS}.",
        evidence,
    )]


def multiple_employers(registrations: Sequence[RegistrationFact], as_of: date) -> list[Finding]:
    """MULTIPLE_EMPLOYERS (挂证): one registration category bound to different employers on ``as_of``."""
    by_category: dict[str, list[RegistrationFact]] = {}
    for reg in registrations:
        if reg.binding_on(as_of):
            by_category.setdefault(reg.category, []).append(reg)
    findings = []
    for category, regs in by_category.items():
        employers = len({r.employer_uscc for r in regs})
        if employers < 2:
            continue
        evidence = tuple(
            Evidence(r.province, (r.number, r.employer_uscc), (r.registered_on, r.valid_until),
                     f"{category}，聘用单位 employer {r.employer_uscc}")
            for r in sorted(regs, key=lambda r: (r.registered_on, r.number))
        )
        where = joined(provinces_of(evidence))
        findings.append(Finding(
            Code.MULTIPLE_EMPLOYERS, Severity.HIGH,
            f"截至{as_of}，同一注册类别（{category}）同时注册在{employers}家不同单位（{where}），涉嫌挂证。",
            f"On {as_of} the same registration category ({category}) is bound to {employers} different employers "
            f"({where}): suspected certificate renting (挂证).",
            evidence,
        ))
    return findings
