"""What the rules produce: findings with bilingual explanations and their evidence (plain data)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import Enum


class Severity(Enum):
    """How serious a finding is; INFO items are informational and never count as findings."""

    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    INFO = "INFO"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Code(Enum):
    """Finding codes (stable: portals and audits key on them)."""

    ACTIVE_BLACKLIST = "ACTIVE_BLACKLIST"
    ACTIVE_BAD_RECORD = "ACTIVE_BAD_RECORD"
    QUALIFICATION_INVALID = "QUALIFICATION_INVALID"
    CONCURRENT_PROJECT_LEAD = "CONCURRENT_PROJECT_LEAD"
    CONCURRENT_CHIEF_SUPERVISOR = "CONCURRENT_CHIEF_SUPERVISOR"
    MULTIPLE_EMPLOYERS = "MULTIPLE_EMPLOYERS"
    CLAIMED_PERFORMANCE_NOT_FOUND = "CLAIMED_PERFORMANCE_NOT_FOUND"
    CROSS_PROVINCE_ACCIDENTS = "CROSS_PROVINCE_ACCIDENTS"
    DATA_CONFLICT = "DATA_CONFLICT"
    # Informational only (severity INFO):
    UNRECOGNISED_LOCAL_RECORD = "UNRECOGNISED_LOCAL_RECORD"
    RECOGNITION_UNKNOWN = "RECOGNITION_UNKNOWN"
    DOCUMENTED_CONCURRENT_LEAD = "DOCUMENTED_CONCURRENT_LEAD"
    QUALIFICATION_NOT_VALID = "QUALIFICATION_NOT_VALID"
    UNVERIFIABLE_PERFORMANCE_CLAIM = "UNVERIFIABLE_PERFORMANCE_CLAIM"


@dataclass(frozen=True)
class Evidence:
    """Where a finding comes from: one province, the records involved and their dates."""

    province: str
    record_ids: tuple[str, ...] = ()
    dates: tuple[date, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Finding:
    """One judged problem (or, with severity INFO, one fact worth knowing)."""

    code: Code
    severity: Severity
    explanation_zh: str
    explanation_en: str
    evidence: tuple[Evidence, ...] = ()
    behaviour_code: str | None = None

    @property
    def informational(self) -> bool:
        return self.severity is Severity.INFO


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by code: a stable order for reports and tests."""
    return sorted(findings, key=lambda f: (f.severity.rank, f.code.value, f.behaviour_code or ""))


def provinces_of(evidence: Iterable[Evidence]) -> list[str]:
    """The distinct provinces of some evidence, in order of appearance."""
    return list(dict.fromkeys(e.province for e in evidence))


def joined(codes: Iterable[str]) -> str:
    return "、".join(codes)
