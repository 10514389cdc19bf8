"""The cross-check scenarios (issue 3): ``crossCheckEnterprise`` and ``crossCheckPerson`` against
floors that send exactly the statements ``resolvers.crosscheck.gather`` sends.

The floors reuse the gateway's statements (``sources.crosscheck_queries``, ``REGISTRATIONS_BY_NUMBER``)
and its dependency order. A cross-check asks every configured province, not the presence index
(an index that lags must not make a check say "nothing found"), one statement per province per
round, all provinces in parallel; the recognition-rules snapshot comes from central alongside:

* enterprise: rules ∥ (``ENTERPRISE_FACTS`` everywhere → ``PROJECT_FACTS`` in the provinces the
  enterprise's performance claims name, only when it has such claims);
* person by ID: the person key is derived locally, then rules ∥ ``PERSON_FACTS`` everywhere;
* person by registration number: ``REGISTRATIONS_BY_NUMBER`` everywhere finds the key, then
  rules ∥ ``PERSON_FACTS`` everywhere.

Subjects rotate among planted showcase cases (each triggers a different rule) and background
subjects drawn from the seeded databases, so neither side answers one cached subject.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from random import Random
from typing import Any, TypeVar

from bench.floor import Floor, FloorView
from bench.scenarios import FloorPlan, Scenario, Variables
from domain.identifiers import IdentifierError, normalise_id_number, validate_uscc
from domain.person_key import person_key
from sources import crosscheck_queries as cq
from sources import province_queries as q
from sources.config import CENTRAL
from sources.crosscheck_queries import Fact

T = TypeVar("T")

# What a caller deciding on a bid reads: the verdict, who answered, and each finding's evidence.
REPORT = """complete
    coverage { complete answered { code } missing { code } }
    findings { code severity evidence { province { code } recordIds dates } }
    informational { code }"""

CROSSCHECK_ENTERPRISE = f"""
query CrossCheckEnterprise($uscc: USCC!) {{
  crossCheckEnterprise(uscc: $uscc) {{
    {REPORT}
  }}
}}"""

# One document for both ways of naming a person: the variables a variant leaves out stay absent.
CROSSCHECK_PERSON = f"""
query CrossCheckPerson($idType: IdType, $idNumber: String, $registrationNumber: String) {{
  crossCheckPerson(idType: $idType, idNumber: $idNumber, registrationNumber: $registrationNumber) {{
    {REPORT}
  }}
}}"""

# Planted cases featured first, in this order (the first ones are the issue's own examples); a
# case the configured provinces cannot host is simply absent from the showcase.
ENTERPRISE_CASES = (
    "accidents_two_provinces", "qualification_revoked_still_active", "clean_enterprise",
    "blacklisted_active_elsewhere", "performance_phantom", "permit_expired_qualification",
)
PERSON_CASES = (
    "concurrent_project_manager", "dual_registration_person", "clean_person",
    "chief_supervisor_many_projects", "pm_adjacent_phases_exception",
)

ENTERPRISES = "SELECT uscc FROM exchange.enterprise ORDER BY uscc"
REGISTERED_PERSONS = """
    SELECT r.registration_number, p.person_key, p.id_type, p.id_number
      FROM exchange.registration r JOIN exchange.person p USING (person_key)
     ORDER BY r.registration_number"""


# ---- subjects ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Subjects:
    """The variants of both scenarios and which planted cases they feature (for the meta file)."""

    enterprises: list[Variables]
    persons: list[Variables]
    featured: dict[str, list[str]]

    def describe(self) -> dict[str, Any]:
        persons_by_id = sum(1 for v in self.persons if "idNumber" in v)
        return {
            "featured_cases": self.featured,
            "enterprises": len(self.enterprises),
            "persons": {"by_id": persons_by_id, "by_registration_number": len(self.persons) - persons_by_id},
        }


async def pick(floor: Floor, showcase: Sequence[dict[str, Any]], count: int, rng: Random, secret: bytes) -> Subjects:
    """About a quarter planted cases, the rest background subjects (untimed, deterministic per seed)."""
    cases = {case["case"]: case for case in showcase}
    share = max(1, count // 4)
    enterprise_cases = [name for name in ENTERPRISE_CASES if name in cases][:share]
    person_cases = [name for name in PERSON_CASES if name in cases][:share]
    planted_usccs = {c["key"]["uscc"] for c in showcase if "uscc" in c.get("key", {})}
    planted_people = {c["key"].get("idNumber") for c in showcase if c.get("kind") == "person"}

    usccs = [cases[name]["key"]["uscc"] for name in enterprise_cases]
    usccs += await _background_enterprises(floor, planted_usccs, count - len(usccs), rng)
    people = [cases[name]["key"] for name in person_cases]
    people += await _background_persons(floor, planted_people, count - len(people), rng, secret)
    return Subjects(
        enterprises=[{"uscc": uscc} for uscc in usccs],
        persons=[_person_variables(i, key) for i, key in enumerate(people)],
        featured={"crosscheck_enterprise": enterprise_cases, "crosscheck_person": person_cases},
    )


def _person_variables(index: int, key: Mapping[str, str]) -> Variables:
    """By registration number: the one way every caller may name a person (the public may not look
    anyone up by ID number, DOMAIN §6), so public and regulator runs share the same variants."""
    del index
    return {"registrationNumber": key["registrationNumber"]}


async def _background_enterprises(floor: Floor, planted: Collection[str], count: int, rng: Random) -> list[str]:
    """Enterprises from any province, with a USCC the gateway's input scalar accepts."""
    found = await asyncio.gather(*(floor.fetch(code, ENTERPRISES) for code in floor.provinces))
    usccs = sorted({row["uscc"] for rows in found for row in rows} - set(planted))
    return rng.sample([u for u in usccs if _valid_uscc(u)], count)


def _valid_uscc(uscc: str) -> bool:
    try:
        validate_uscc(uscc)
    except IdentifierError:
        return False  # the seed's flagged imports: not reachable through the USCC scalar
    return True


async def _background_persons(
    floor: Floor, planted: Collection[str | None], count: int, rng: Random, secret: bytes
) -> list[dict[str, str]]:
    """Registered persons from any province, one registration each, whose ID derives their key."""
    found = await asyncio.gather(*(floor.fetch(code, REGISTERED_PERSONS) for code in floor.provinces))
    people: dict[str, dict[str, str]] = {}
    for row in (row for rows in found for row in rows):
        if row["id_number"] in planted or row["person_key"] in people:
            continue
        # By-ID variants must reach the row the seed stored: same normalisation, same keyed hash.
        if _key_of(secret, row["id_type"], row["id_number"]) == row["person_key"]:
            people[row["person_key"]] = {
                "idType": row["id_type"], "idNumber": row["id_number"],
                "registrationNumber": row["registration_number"],
            }
    return rng.sample([people[key] for key in sorted(people)], count)


def _key_of(secret: bytes, id_type: str, id_number: str) -> str | None:
    try:
        return person_key(secret, id_type, normalise_id_number(id_type, id_number))
    except IdentifierError:
        return None


# ---- floors -----------------------------------------------------------------------------------

async def _everywhere(view: FloorView, query: cq.FactQuery, key: str) -> dict[str, list[Fact]]:
    """One fact statement per configured province, all in parallel (``gather._everywhere``)."""
    found = await asyncio.gather(*(cq.fetch_facts(view.sources[code], query, [key]) for code in view.provinces))
    return {code: facts[0] for code, facts in zip(view.provinces, found, strict=True)}


async def _alongside_rules(view: FloorView, work: Awaitable[T]) -> T:
    """``work`` with the recognition-rules snapshot fetched from central in parallel, as the
    gateway starts it before round 1 and awaits it after the last round."""
    _, result = await asyncio.gather(cq.recognition_rules(view.sources[CENTRAL]), work)
    return result


def _claimed_projects(provinces: Collection[str], answers: Mapping[str, Iterable[Fact]]) -> dict[str, list[str]]:
    """Projects per configured province named by the claims, deduplicated in order
    (``gather._claimed``); read straight from the claim facts, the only kind round 2 needs."""
    wanted: dict[str, list[str]] = {}
    for fact in (fact for facts in answers.values() for fact in facts if fact.kind == "claim"):
        claim = fact.payload
        if claim.claimed_province in provinces:
            numbers = wanted.setdefault(claim.claimed_province, [])
            if claim.project_number not in numbers:
                numbers.append(claim.project_number)
    return wanted


async def _enterprise_rounds(view: FloorView, uscc: str) -> None:
    answers = await _everywhere(view, cq.ENTERPRISE_FACTS, uscc)
    wanted = _claimed_projects(view.provinces, answers)
    await asyncio.gather(
        *(cq.fetch_facts(view.sources[code], cq.PROJECT_FACTS, numbers) for code, numbers in wanted.items())
    )


async def enterprise_floor(view: FloorView, variables: Variables) -> None:
    """rules ∥ (enterprise facts everywhere → claimed projects where they are claimed)."""
    await _alongside_rules(view, _enterprise_rounds(view, variables["uscc"]))


async def _registered_person(view: FloorView, number: str) -> str | None:
    """The person key behind a registration number, every province asked at once."""
    found = await view.batch(q.REGISTRATIONS_BY_NUMBER, {code: [number] for code in view.provinces})
    return next((rows[0].person_key for rows in (found[code][0] for code in view.provinces) if rows), None)


def person_floor(secret: bytes) -> FloorPlan:
    """(registration look-up →) rules ∥ person facts everywhere; the secret derives keys from IDs."""

    async def plan(view: FloorView, variables: Variables) -> None:
        if "registrationNumber" in variables:
            key = await _registered_person(view, variables["registrationNumber"])
        else:
            id_type = variables["idType"]
            key = person_key(secret, id_type, normalise_id_number(id_type, variables["idNumber"]))
        if key is not None:  # an unknown registration number ends the check (the gateway audits it only)
            await _alongside_rules(view, _everywhere(view, cq.PERSON_FACTS, key))

    return plan


def build(subjects: Subjects, secret: bytes) -> list[Scenario]:
    """The two cross-check scenarios over the picked subjects."""
    return [
        Scenario("crosscheck_enterprise", CROSSCHECK_ENTERPRISE, subjects.enterprises, enterprise_floor),
        Scenario("crosscheck_person", CROSSCHECK_PERSON, subjects.persons, person_floor(secret)),
    ]
