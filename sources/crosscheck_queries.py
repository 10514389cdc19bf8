"""Fact queries for the cross-checks: one statement per province per round, whatever the subject.

Each :class:`FactQuery` takes the whole batch of subject keys as one array (``= ANY($1)``) and
returns *several kinds of fact* in one result set: ``(key, kind, payload)`` rows whose payload is a
JSON object with an explicit column list.  One round trip per province replaces one statement per
fact kind, and the number of statements never depends on how many projects or records a subject
has.  Internal workflow columns (``internal_note``, ``created_by`` ...) are never selected.

Only published credit records are facts: drafts and records under review are not decisions yet,
revoked ones were annulled.  Windows and statuses are judged later, at the date asked about.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sources.base import Source
from sources.records import (
    BlacklistPayload,
    CertificatePayload,
    ClaimPayload,
    CodePayload,
    CrosswalkPayload,
    DecisionPayload,
    FilingPayload,
    ListingPayload,
    PartyPayload,
    PersonPayload,
    ProjectPayload,
    RecordPayload,
    RegistrationPayload,
    SourceRecord,
    TenurePayload,
)

# Payload fields decoded from their JSON text form.
_DATE_FIELDS = frozenset({
    "issued_on", "valid_until", "status_changed_on", "filed_on", "completed_on", "decision_date", "publish_from",
    "publish_to", "listed_on", "planned_release", "released_on", "registered_on", "start_date", "end_date",
    "effective_from", "effective_to",
})
_DECIMAL_FIELDS = frozenset({"amount"})
_PROVINCE_FIELDS = frozenset({"claimed_province", "province_code", "recognising_province", "origin_province"})


# The typed payload of each fact kind: the JSON keys the statements below build are read here only.
PAYLOADS: dict[str, type[SourceRecord]] = {
    "listing": ListingPayload, "certificate": CertificatePayload, "record": RecordPayload,
    "blacklist": BlacklistPayload, "filing": FilingPayload, "claim": ClaimPayload, "person": PersonPayload,
    "registration": RegistrationPayload, "tenure": TenurePayload, "project": ProjectPayload,
    "party": PartyPayload, "code": CodePayload, "crosswalk": CrosswalkPayload, "decision": DecisionPayload,
}


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact about a subject: its kind ('listing', 'record', ...) and its typed payload
    (``PAYLOADS[kind]``)."""

    kind: str
    payload: Any

    @classmethod
    def of(cls, kind: str, payload: str) -> Fact:
        """The fact of one ``(kind, payload)`` row, its JSON decoded into the kind's record."""
        return cls(kind, PAYLOADS[kind].from_record(decode(payload)))


@dataclass(frozen=True)
class FactQuery:
    """A statement returning ``key, kind, payload`` rows for an array of keys (``$1``)."""

    name: str
    sql: str


async def fetch_facts(source: Source, query: FactQuery, keys: Sequence[str]) -> list[list[Fact]]:
    """Run ``query`` for every key in one statement; the facts of each key, in key order."""
    rows = await source.fetch(query.sql, list(keys))
    grouped: dict[str, list[Fact]] = defaultdict(list)
    for row in rows:
        grouped[row["key"]].append(Fact.of(row["kind"], row["payload"]))
    return [grouped.get(key, []) for key in keys]


def decode(payload: str) -> dict[str, Any]:
    """A JSON payload with dates, amounts and province codes in their Python types."""
    values = json.loads(payload, parse_float=Decimal)
    for name, value in values.items():
        if value is None:
            continue
        if name in _DATE_FIELDS:
            values[name] = date.fromisoformat(value)
        elif name in _DECIMAL_FIELDS:
            values[name] = Decimal(str(value))
        elif name in _PROVINCE_FIELDS:
            values[name] = value.strip()
    return values


_RECORD = """json_build_object('record_number', r.record_number, 'polarity', r.polarity,
        'behaviour_code', r.behaviour_code, 'project_number', r.project_number, 'decision_date', r.decision_date,
        'decision_number', r.decision_number, 'publish_from', r.publish_from, 'publish_to', r.publish_to)::text"""

_BLACKLIST = """json_build_object('entry_number', b.entry_number, 'basis', b.basis, 'authority', b.authority,
        'listed_on', b.listed_on, 'planned_release', b.planned_release, 'released_on', b.released_on)::text"""

_FILING = """json_build_object('record_number', s.record_number, 'project_number', s.project_number,
        'stage', s.stage, 'filed_on', s.filed_on, 'enterprise_uscc', s.enterprise_uscc, 'amount', s.amount)::text"""

_CLAIM = """json_build_object('id', f.id, 'project_number', f.project_number, 'claimed_province',
        f.claimed_province, 'role', f.role, 'amount', f.amount, 'completed_on', f.completed_on)::text"""

# Everything an enterprise cross-check needs from one province.  Filings are every stage of every
# project the enterprise filed something for (award, contract, permit ...), so that a permit can be
# compared with the project's award and contract filings, held by the same province (a project
# lives where it is located).
ENTERPRISE_FACTS = FactQuery(
    "crosscheck_enterprise_facts",
    f"""WITH related AS (
            SELECT DISTINCT enterprise_uscc AS uscc, project_number
              FROM exchange.project_stage WHERE enterprise_uscc = ANY($1::text[]))
        SELECT e.uscc AS key, 'listing' AS kind,
               json_build_object('name', e.name, 'legal_representative', e.legal_representative,
                                 'registered_division', e.registered_division)::text AS payload
          FROM exchange.enterprise e WHERE e.uscc = ANY($1::text[])
        UNION ALL
        SELECT c.uscc, 'certificate',
               json_build_object('certificate_number', c.certificate_number, 'issued_on', c.issued_on,
                                 'valid_until', c.valid_until, 'status', c.status,
                                 'status_changed_on', c.status_changed_on)::text
          FROM exchange.qualification_certificate c WHERE c.uscc = ANY($1::text[])
        UNION ALL
        SELECT r.subject_uscc, 'record', {_RECORD}
          FROM exchange.credit_record r WHERE r.subject_uscc = ANY($1::text[]) AND r.status = 'published'
        UNION ALL
        SELECT b.subject_uscc, 'blacklist', {_BLACKLIST}
          FROM exchange.blacklist_entry b WHERE b.subject_uscc = ANY($1::text[])
        UNION ALL
        SELECT rel.uscc, 'filing', {_FILING}
          FROM related rel JOIN exchange.project_stage s ON s.project_number = rel.project_number
        UNION ALL
        SELECT f.uscc, 'claim', {_CLAIM}
          FROM exchange.performance f WHERE f.uscc = ANY($1::text[])""",
)

# An enterprise's registration rows and performance claims only (verifyPerformance).
CLAIM_FACTS = FactQuery(
    "crosscheck_claim_facts",
    f"""SELECT e.uscc AS key, 'listing' AS kind,
              json_build_object('name', e.name, 'legal_representative', e.legal_representative,
                                'registered_division', e.registered_division)::text AS payload
         FROM exchange.enterprise e WHERE e.uscc = ANY($1::text[])
       UNION ALL
       SELECT f.uscc, 'claim', {_CLAIM}
         FROM exchange.performance f WHERE f.uscc = ANY($1::text[])""",
)

# Everything a person cross-check needs from one province.  A tenure carries its project's
# completion filing (held by the same province as the tenure row).
PERSON_FACTS = FactQuery(
    "crosscheck_person_facts",
    f"""SELECT p.person_key AS key, 'person' AS kind, json_build_object('name', p.name)::text AS payload
          FROM exchange.person p WHERE p.person_key = ANY($1::text[])
        UNION ALL
        SELECT g.person_key, 'registration',
               json_build_object('registration_number', g.registration_number, 'category', g.category,
                                 'employer_uscc', g.employer_uscc, 'registered_on', g.registered_on,
                                 'valid_until', g.valid_until, 'status', g.status)::text
          FROM exchange.registration g WHERE g.person_key = ANY($1::text[])
        UNION ALL
        SELECT k.person_key, 'tenure',
               json_build_object('project_number', k.project_number, 'role', k.role,
                                 'registration_number', k.registration_number, 'employer_uscc', k.employer_uscc,
                                 'start_date', k.start_date, 'end_date', k.end_date,
                                 'change_document', k.change_document,
                                 'completed_on', (SELECT min(s.filed_on) FROM exchange.project_stage s
                                                   WHERE s.project_number = k.project_number
                                                     AND s.stage = '竣工验收备案'))::text
          FROM exchange.key_personnel k
         WHERE k.person_key = ANY($1::text[]) AND k.role IN ('项目负责人', '总监理工程师')
        UNION ALL
        SELECT r.subject_person_key, 'record', {_RECORD}
          FROM exchange.credit_record r WHERE r.subject_person_key = ANY($1::text[]) AND r.status = 'published'
        UNION ALL
        SELECT b.subject_person_key, 'blacklist', {_BLACKLIST}
          FROM exchange.blacklist_entry b WHERE b.subject_person_key = ANY($1::text[])""",
)

# A project with its filings and parties (claimed performance is checked against these).
PROJECT_FACTS = FactQuery(
    "crosscheck_project_facts",
    f"""SELECT p.project_number AS key, 'project' AS kind,
               json_build_object('name', p.name, 'owner_uscc', p.owner_uscc)::text AS payload
          FROM exchange.project p WHERE p.project_number = ANY($1::text[])
        UNION ALL
        SELECT s.project_number, 'filing', {_FILING}
          FROM exchange.project_stage s WHERE s.project_number = ANY($1::text[])
        UNION ALL
        SELECT q.project_number, 'party', json_build_object('uscc', q.uscc, 'role', q.role)::text
          FROM exchange.project_party q WHERE q.project_number = ANY($1::text[])""",
)


async def recognition_rules(central: Source) -> list[Fact]:
    """The national codes, the crosswalk and the recognition decisions, in one statement."""
    rows = await central.fetch(
        """SELECT 'code' AS kind, json_build_object('code', code, 'province_code', province_code)::text AS payload
             FROM central.behaviour_code WHERE province_code = '000000'
           UNION ALL
           SELECT 'crosswalk', json_build_object('province_code', province_code, 'local_code', local_code,
                                                 'national_code', national_code)::text
             FROM central.code_crosswalk
           UNION ALL
           SELECT 'decision', json_build_object('id', id, 'recognising_province', recognising_province,
                                                'origin_province', origin_province, 'local_code', local_code,
                                                'decided_by', decided_by, 'basis', basis,
                                                'effective_from', effective_from, 'effective_to', effective_to)::text
             FROM central.recognition_decision"""
    )
    return [Fact.of(row["kind"], row["payload"]) for row in rows]
