"""The plain input facts the cross-check rules judge: one frozen dataclass per kind, each saying
which province it came from.  Built from the sources' fact rows here and nowhere else, so a later
layer (masking, audit) can filter or annotate facts before any rule sees them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sources.crosscheck_queries import Fact

AWARD, CONTRACT, PERMIT, COMPLETION = "中标", "合同备案", "施工许可", "竣工验收备案"
PROJECT_MANAGER, CHIEF_SUPERVISOR = "项目负责人", "总监理工程师"
INVALID_STATUSES = ("暂扣", "撤回", "注销")


@dataclass(frozen=True)
class Listing:
    """An enterprise row of one province (its own copy of the registration facts)."""

    province: str
    name: str
    legal_representative: str
    registered_division: str


@dataclass(frozen=True)
class Certificate:
    """A qualification certificate as its issuing province holds it."""

    province: str
    number: str
    issued_on: date
    valid_until: date
    status: str
    status_changed_on: date | None

    def invalid_since(self) -> date:
        """The first day the certificate was no longer valid: its status change or its expiry."""
        ends = [self.valid_until + timedelta(days=1)]
        if self.status in INVALID_STATUSES and self.status_changed_on is not None:
            ends.append(self.status_changed_on)
        return min(ends)

    def valid_on(self, day: date) -> bool:
        """Valid on ``day``: issued, not expired, and not yet suspended/revoked/cancelled."""
        if not self.issued_on <= day <= self.valid_until:
            return False
        # A status change without a date cannot be ordered against filings: no finding rests on it.
        if self.status not in INVALID_STATUSES or self.status_changed_on is None:
            return True
        return day < self.status_changed_on


@dataclass(frozen=True)
class Filing:
    """A lifecycle filing (报建 … 竣工验收备案) of a project."""

    province: str
    record_number: str
    project_number: str
    stage: str
    filed_on: date
    enterprise_uscc: str | None
    amount: Decimal | None


@dataclass(frozen=True)
class Party:
    """An enterprise's role on a project."""

    province: str
    project_number: str
    uscc: str
    role: str


@dataclass(frozen=True)
class Claim:
    """A performance claim (业绩) an enterprise filed in ``province`` about a project elsewhere."""

    province: str
    id: int
    project_number: str
    claimed_province: str
    role: str
    amount: Decimal | None
    completed_on: date | None


@dataclass(frozen=True)
class Record:
    """A published credit record (drafts, reviewed and revoked records are not facts)."""

    province: str
    record_number: str
    polarity: str
    behaviour_code: str
    project_number: str | None
    decision_date: date
    decision_number: str | None
    publish_from: date
    publish_to: date

    def public_on(self, day: date) -> bool:
        return self.publish_from <= day <= self.publish_to


@dataclass(frozen=True)
class Listed:
    """A blacklist entry."""

    province: str
    entry_number: str
    basis: str
    authority: str
    listed_on: date
    planned_release: date
    released_on: date | None


@dataclass(frozen=True)
class RegistrationFact:
    """A practitioner's registration with an employer, in the registering province."""

    province: str
    number: str
    category: str
    employer_uscc: str
    registered_on: date
    valid_until: date
    status: str

    def binding_on(self, day: date) -> bool:
        """Binds the person to the employer on ``day`` (the status is today's: no history is kept)."""
        return self.status == "有效" and self.registered_on <= day <= self.valid_until


@dataclass(frozen=True)
class Tenure:
    """A key position (项目负责人, 总监理工程师) on a project, with the project's completion date."""

    province: str
    project_number: str
    role: str
    registration_number: str | None
    start_date: date
    end_date: date | None
    change_document: str | None
    completed_on: date | None

    def open_on(self, day: date) -> bool:
        """Held on ``day`` on a project not yet completed on that day."""
        started = self.start_date <= day
        not_ended = self.end_date is None or day < self.end_date
        unfinished = self.completed_on is None or day < self.completed_on
        return started and not_ended and unfinished

    @property
    def documented(self) -> bool:
        """An open tenure carrying an approval document: a lawful exception (e.g. adjacent phases)."""
        return self.end_date is None and bool(self.change_document)


@dataclass(frozen=True)
class ProjectFacts:
    """A project as its province holds it: filings and parties."""

    province: str
    number: str
    filings: tuple[Filing, ...]
    parties: tuple[Party, ...]


@dataclass
class EnterpriseFacts:
    """Everything the enterprise checks judge, from every province that answered."""

    uscc: str
    listings: list[Listing] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    blacklist: list[Listed] = field(default_factory=list)
    filings: list[Filing] = field(default_factory=list)  # every filing of every project it filed for
    claims: list[Claim] = field(default_factory=list)
    # Claimed projects looked up: (province, number) → facts, None when that province has no such
    # project.  A lookup whose province did not answer is absent (unknown, not "not found").
    projects: dict[tuple[str, str], ProjectFacts | None] = field(default_factory=dict)


@dataclass
class PersonFacts:
    """Everything the person checks judge, from every province that answered."""

    person_key: str
    holders: dict[str, str] = field(default_factory=dict)  # province holding the person row → name
    registrations: list[RegistrationFact] = field(default_factory=list)
    tenures: list[Tenure] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    blacklist: list[Listed] = field(default_factory=list)


# ---- from the sources' fact records ----------------------------------------------------------

# Each builder receives the kind's payload record (``sources.crosscheck_queries.PAYLOADS``).
_Builder = Callable[[str, Any], object]
_BUILDERS: dict[str, _Builder] = {
    "listing": lambda p, v: Listing(p, v.name, v.legal_representative, v.registered_division),
    "certificate": lambda p, v: Certificate(
        p, v.certificate_number, v.issued_on, v.valid_until, v.status, v.status_changed_on),
    "record": lambda p, v: Record(
        p, v.record_number, v.polarity, v.behaviour_code, v.project_number, v.decision_date,
        v.decision_number, v.publish_from, v.publish_to),
    "blacklist": lambda p, v: Listed(
        p, v.entry_number, v.basis, v.authority, v.listed_on, v.planned_release, v.released_on),
    "filing": lambda p, v: Filing(
        p, v.record_number, v.project_number, v.stage, v.filed_on, v.enterprise_uscc, v.amount),
    "claim": lambda p, v: Claim(
        p, v.id, v.project_number, v.claimed_province, v.role, v.amount, v.completed_on),
    "registration": lambda p, v: RegistrationFact(
        p, v.registration_number, v.category, v.employer_uscc, v.registered_on, v.valid_until, v.status),
    "tenure": lambda p, v: Tenure(
        p, v.project_number, v.role, v.registration_number, v.start_date, v.end_date,
        v.change_document, v.completed_on),
}


def _build(province: str, fact: Fact) -> Any:
    return _BUILDERS[fact.kind](province, fact.payload)


_ENTERPRISE_LISTS = {
    "listing": "listings", "certificate": "certificates", "record": "records", "blacklist": "blacklist",
    "filing": "filings", "claim": "claims",
}
_PERSON_LISTS = {"registration": "registrations", "tenure": "tenures", "record": "records", "blacklist": "blacklist"}


def enterprise_facts(uscc: str, answers: Mapping[str, Iterable[Fact]]) -> EnterpriseFacts:
    """Assemble an enterprise's facts from each province's fact rows."""
    facts = EnterpriseFacts(uscc)
    for province, rows in answers.items():
        for row in rows:
            if row.kind in _ENTERPRISE_LISTS:
                getattr(facts, _ENTERPRISE_LISTS[row.kind]).append(_build(province, row))
    return facts


def person_facts(person_key: str, answers: Mapping[str, Iterable[Fact]]) -> PersonFacts:
    """Assemble a person's facts from each province's fact rows."""
    facts = PersonFacts(person_key)
    for province, rows in answers.items():
        for row in rows:
            if row.kind == "person":
                facts.holders[province] = row.payload.name
            elif row.kind in _PERSON_LISTS:
                getattr(facts, _PERSON_LISTS[row.kind]).append(_build(province, row))
    return facts


def project_facts(province: str, number: str, rows: Iterable[Fact]) -> ProjectFacts | None:
    """A project's facts, or None when the province holds no such project."""
    rows = list(rows)
    if not any(row.kind == "project" for row in rows):
        return None
    filings = tuple(_build(province, r) for r in rows if r.kind == "filing")
    parties = tuple(Party(province, number, r.payload.uscc, r.payload.role) for r in rows if r.kind == "party")
    return ProjectFacts(province, number, filings, parties)
