"""Gathering facts for the cross-checks: the only part that asks databases.

Every configured province is asked, not only those the presence index names: the index is for
routing and screening and may lag behind the provinces, while a cross-check must not say "nothing
found" because the index had not caught up.  Each round is one statement per province, all
provinces in parallel:

* enterprise: round 1 ``ENTERPRISE_FACTS`` everywhere; round 2 ``PROJECT_FACTS`` only in the
  provinces named by the enterprise's performance claims;
* person: (by registration number: ``REGISTRATIONS_BY_NUMBER`` everywhere, to find the key) then
  ``PERSON_FACTS`` everywhere;
* performance: ``CLAIM_FACTS`` everywhere, then ``PROJECT_FACTS`` where the project can be.

Plus one central statement for the recognition rules, in parallel with round 1.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from domain.identifiers import province_of_division
from resolvers.context import Context
from resolvers.crosscheck import facts as f
from resolvers.crosscheck.loading import Path, recognition_rules, scope
from resolvers.federation import Gathered, gather, rows_across
from resolvers.recognition import RecognitionRules
from sources import crosscheck_queries as cq
from sources import province_queries as q
from sources.crosscheck_queries import Fact

T = TypeVar("T")


@dataclass
class Reach:
    """Which provinces a cross-check asked and which of them did not answer."""

    asked: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def note(self, asked: Iterable[str], gathered: Gathered[Any]) -> None:
        for code in asked:
            if code not in self.asked:
                self.asked.append(code)
        self.missing += [code for code in gathered.failed if code not in self.missing]


@dataclass
class Gathering(Generic[T]):
    """Facts of one subject, the rules snapshot, and the reach of the asking."""

    facts: T
    rules: RecognitionRules
    reach: Reach
    found: bool


async def _everywhere(ctx: Context, path: Path, query: cq.FactQuery, key: str, reach: Reach) -> dict[str, list[Fact]]:
    provinces = ctx.province_codes
    gathered = await gather(ctx, path, provinces, lambda code: scope(ctx).facts(code, query).load(key))
    reach.note(provinces, gathered)
    return gathered.answers


async def _projects(
    ctx: Context, path: Path, wanted: Mapping[str, Sequence[str]], reach: Reach
) -> dict[tuple[str, str], f.ProjectFacts | None]:
    """Round 2: the named projects, one statement per province that holds any of them."""
    if not wanted:
        return {}
    gathered = await gather(
        ctx, path, wanted, lambda code: scope(ctx).facts(code, cq.PROJECT_FACTS).load_many(list(wanted[code]))
    )
    reach.note(wanted, gathered)
    return {
        (code, number): f.project_facts(code, number, rows)
        for code, answers in gathered.answers.items()
        for number, rows in zip(wanted[code], answers, strict=True)
    }


def _claimed(ctx: Context, claims: Iterable[f.Claim]) -> dict[str, list[str]]:
    """The projects each configured province must be asked about (deduplicated, in order)."""
    wanted: dict[str, list[str]] = {}
    for claim in claims:
        if claim.claimed_province in ctx.sources.provinces:
            numbers = wanted.setdefault(claim.claimed_province, [])
            if claim.project_number not in numbers:
                numbers.append(claim.project_number)
    return wanted


async def enterprise(ctx: Context, path: Path, uscc: str) -> Gathering[f.EnterpriseFacts]:
    """Everything the enterprise checks need, from every province."""
    reach = Reach()
    rules = asyncio.ensure_future(recognition_rules(ctx, path))
    answers = await _everywhere(ctx, path, cq.ENTERPRISE_FACTS, uscc, reach)
    facts = f.enterprise_facts(uscc, answers)
    facts.projects = await _projects(ctx, path, _claimed(ctx, facts.claims), reach)
    found = bool(facts.listings or facts.records or facts.blacklist or facts.filings or facts.claims)
    return Gathering(facts, await rules, reach, found=found)


async def person(ctx: Context, path: Path, key: str, reach: Reach | None = None) -> Gathering[f.PersonFacts]:
    """Everything the practitioner checks need, from every province."""
    reach = reach or Reach()
    rules = asyncio.ensure_future(recognition_rules(ctx, path))
    answers = await _everywhere(ctx, path, cq.PERSON_FACTS, key, reach)
    facts = f.person_facts(key, answers)
    found = bool(facts.holders or facts.tenures or facts.records or facts.blacklist)
    return Gathering(facts, await rules, reach, found=found)


async def person_key_of_registration(ctx: Context, path: Path, number: str, reach: Reach) -> str | None:
    """The person key behind a registration number, asking every province at once."""
    provinces = ctx.province_codes
    gathered = await rows_across(ctx, path, provinces, q.REGISTRATIONS_BY_NUMBER, number)
    reach.note(provinces, gathered)
    return next((rows[0].person_key for rows in gathered.answers.values() if rows), None)


@dataclass
class PerformanceFacts:
    """An enterprise's claims and the project lookups a performance verification needs."""

    uscc: str
    number: str
    claims: list[f.Claim]
    projects: dict[tuple[str, str], f.ProjectFacts | None]


async def performance(ctx: Context, path: Path, uscc: str, number: str) -> Gathering[PerformanceFacts]:
    """The enterprise's claims (every province), then the project where it can be."""
    reach = Reach()
    answers = await _everywhere(ctx, path, cq.CLAIM_FACTS, uscc, reach)
    claims = f.enterprise_facts(uscc, answers).claims
    found = any(row.kind == "listing" for rows in answers.values() for row in rows)
    where = set(_claimed(ctx, (c for c in claims if c.project_number == number)))
    home = province_of_division(number[:6]) if number[:6].isdigit() else None
    if home in ctx.sources.provinces:
        where.add(home)
    provinces = [code for code in ctx.province_codes if code in where] or ctx.province_codes
    projects = await _projects(ctx, path, {code: [number] for code in provinces}, reach)
    facts = PerformanceFacts(uscc, number, claims, projects)
    return Gathering(facts, RecognitionRules(), reach, found=found)
