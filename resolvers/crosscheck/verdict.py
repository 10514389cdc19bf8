"""Judging gathered facts (pure): which rules run for which subject, and how complete the answer is.

A report is complete only when every province it asked answered and, if its judgement depended on
the recognition rules, the central store answered too.  An incomplete report still lists what it
found, but its statement never says "no findings".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from resolvers.crosscheck import rules_enterprise as ent
from resolvers.crosscheck import rules_person as person
from resolvers.crosscheck import rules_records as records
from resolvers.crosscheck.facts import Claim, EnterpriseFacts, PersonFacts, Record
from resolvers.crosscheck.findings import Finding, ordered
from resolvers.crosscheck.rules_performance import ProjectLookups, claim_findings, reference_findings
from resolvers.recognition import RecognitionRules


def judge_enterprise(
    facts: EnterpriseFacts, rules: RecognitionRules, provinces: Sequence[str], as_of: date
) -> list[Finding]:
    """Every enterprise check, over facts from every province that answered."""
    return ordered([
        *records.active_blacklist(facts.blacklist, as_of),
        *records.active_bad_records(facts.records, rules, provinces, as_of),
        *records.cross_province_accidents(facts.records, rules, as_of),
        *ent.qualification_invalid(facts.certificates, facts.filings, facts.uscc, as_of),
        *ent.qualification_not_valid(facts.certificates, as_of),
        *ent.registration_conflicts(facts.listings, facts.uscc),
        *ent.permits_without_award(facts.filings, facts.uscc, as_of),
        *claim_findings(facts.claims, facts.projects, facts.uscc, provinces, as_of),
    ])


def judge_person(facts: PersonFacts, rules: RecognitionRules, provinces: Sequence[str], as_of: date) -> list[Finding]:
    """Every practitioner check, over facts from every province that answered."""
    return ordered([
        *records.active_blacklist(facts.blacklist, as_of),
        *records.active_bad_records(facts.records, rules, provinces, as_of),
        *person.concurrent_leads(facts.tenures, as_of),
        *person.concurrent_chief(facts.tenures, as_of),
        *person.multiple_employers(facts.registrations, as_of),
    ])


def judge_performance(
    claims: Sequence[Claim], projects: ProjectLookups, number: str, uscc: str, provinces: Collection[str],
    as_of: date,
) -> list[Finding]:
    """verifyPerformance: the enterprise's claims about one project, or the bare reference."""
    return ordered(reference_findings(claims, projects, number, uscc, provinces, as_of))


def needs_rules(facts_records: Sequence[Record], rules: RecognitionRules, as_of: date) -> bool:
    """Whether the judgement depended on recognition rules that were unavailable: a bad record that
    matters on ``as_of`` (public, or recent enough for the accident rule) carries a local code only
    the central store can place."""
    since = records.months_before(as_of, records.ACCIDENT_WINDOW_MONTHS)
    return not rules.available and any(
        r.polarity == "bad" and not rules.is_known(r.behaviour_code)
        and (r.public_on(as_of) or since < r.decision_date <= as_of)
        for r in facts_records
    )


@dataclass(frozen=True)
class Verdict:
    """The judged report before it becomes GraphQL: findings plus completeness."""

    found: bool
    asked: tuple[str, ...]
    missing: tuple[str, ...]
    findings: tuple[Finding, ...]
    rules_available: bool = True
    rules_needed: bool = False

    @property
    def complete(self) -> bool:
        return not self.missing and (self.rules_available or not self.rules_needed)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if not f.informational]

    @property
    def informational(self) -> list[Finding]:
        return [f for f in self.findings if f.informational]

    @property
    def answered(self) -> list[str]:
        return [code for code in self.asked if code not in self.missing]

    def statement(self, names: Mapping[str, str]) -> tuple[str, str]:
        """The plain-language summary, Chinese and English; never "no findings" when incomplete."""
        if self.complete:
            return self._complete_statement()
        gaps_zh, gaps_en = [], []
        if self.missing:
            shown = "、".join(names.get(code, code) for code in self.missing)
            gaps_zh.append(f"{shown}未答复")
            gaps_en.append(f"{shown} did not answer")
        if self.rules_needed and not self.rules_available:
            gaps_zh.append("中心库互认规则不可用，地方行为代码无法判断")
            gaps_en.append("the central store's recognition rules were unavailable, local codes could not be judged")
        count = len(self.problems)
        return (
            f"答复不完整：{'；'.join(gaps_zh)}。已发现{count}项问题；不能据此认定没有其他问题。",
            f"Incomplete: {'; '.join(gaps_en)}. {count} finding(s) so far; the absence of other findings cannot be "
            "concluded.",
        )

    def _complete_statement(self) -> tuple[str, str]:
        if not self.found:
            return "所有省份均已答复，均无该主体的信息。", "Every province answered; none of them knows this subject."
        count = len(self.problems)
        if count == 0:
            return "所有省份均已答复，未发现问题。", "Every province answered: no findings."
        return f"所有省份均已答复，发现{count}项问题。", f"Every province answered: {count} finding(s)."
