"""Showcase entries: one per planted case, each with a ready GraphQL query for the demo."""

from __future__ import annotations

import json
from typing import Any

ENTERPRISE_QUERY = """query {
  enterprise(uscc: %s) {
    uscc name legalRepresentative registeredProvince { code } presence { code }
    qualifications { certificateNumber validUntil status province { code } }
    creditRecords { id province { code } polarity behaviourCode decisionDate publishFrom publishTo }
    blacklist { province { code } listedOn }
    registeredPersons { name idType idNumber }
    coverage { complete answered { code } missing { code } }
  }
}"""

_REGISTRATIONS = "registrations { registrationNumber category employerUscc province { code } }"
# By registration number: the demo's queries are pasted into GraphiQL as the public, which never
# looks a person up by ID number (DOMAIN §6).
PERSON_BY_REGISTRATION_QUERY = (
    "query {\n  personByRegistration(registrationNumber: %s) {\n    name idNumber " + _REGISTRATIONS + "\n  }\n}"
)

PROJECT_QUERY = """query {
  project(number: %s) {
    number name province { code }
    parties { role enterprise { uscc name } }
    keyPersonnel { role name registrationNumber startDate endDate }
  }
}"""


def query_for(kind: str, key: dict[str, str]) -> str:
    """The demo query of a case; GraphQL string literals are JSON string literals here."""
    if kind == "enterprise":
        return ENTERPRISE_QUERY % _literal(key["uscc"])
    if kind == "project":
        return PROJECT_QUERY % _literal(key["projectNumber"])
    return PERSON_BY_REGISTRATION_QUERY % _literal(key["registrationNumber"])


def entry(
    case: str, title_zh: str, title_en: str, kind: str, key: dict[str, str], provinces: list[str]
) -> dict[str, Any]:
    """A showcase case as the demo and the tests read it."""
    unique = list(dict.fromkeys(provinces))
    return {
        "case": case, "title_zh": title_zh, "title_en": title_en, "kind": kind, "key": key,
        "provinces": unique, "query": query_for(kind, key),
    }


def _literal(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)
