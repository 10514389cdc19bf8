"""Batch queries against the provincial exchange schema.

Every query takes the whole batch of keys as one array parameter (``= ANY($1)``), so a loader
sends one statement per province per level, however many keys it collected.  Results come back
grouped in key order (aiodataloader's contract).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sources.base import Source
from sources.records import (
    BlacklistRow,
    CreditRecordRow,
    EnterpriseRow,
    KeyPositionRow,
    PersonRow,
    ProjectPartyRow,
    ProjectRow,
    ProjectStageRow,
    QualificationCertificateRow,
    RegistrationRow,
    SourceRecord,
)

R = TypeVar("R", bound=SourceRecord)


@dataclass(frozen=True)
class Visibility:
    """Which credit records a request may see, pushed down into SQL.

    ``public_on`` set: only published records inside their window on that date.  Unset: every
    published or revoked record (regulators' internal retention); ``drafts_of`` additionally
    admits drafts and reviewed records of that one province.
    """

    public_on: date | None
    drafts_of: str | None = None

    def args(self, province: str) -> tuple[Any, ...]:
        return (self.public_on, self.drafts_of == province)


# The visibility rule as SQL ($2 = public_on date or NULL, $3 = drafts of this province allowed):
# one definition shared by every statement that reads credit records.
VISIBLE_CLAUSE = """
    ($2::date IS NULL OR (status = 'published' AND $2::date BETWEEN publish_from AND publish_to))
    AND (status IN ('published', 'revoked') OR $3::boolean)
"""


@dataclass(frozen=True)
class BatchQuery(Generic[R]):
    """A statement that selects rows for many keys at once; ``key`` names the grouping column and
    ``record`` the typed row each result becomes (callers never see the driver's rows)."""

    name: str
    sql: str
    key: str
    record: type[R]
    uses_visibility: bool = False


async def fetch_grouped(
    source: Source, query: BatchQuery[R], keys: Sequence[str], visibility: Visibility | None = None
) -> list[list[R]]:
    """Run ``query`` for every key in one statement; return the records of each key in key order."""
    args: tuple[Any, ...] = (list(keys),)
    if query.uses_visibility:
        assert visibility is not None, f"{query.name} needs a visibility"
        args += visibility.args(source.name)
    rows = await source.fetch(query.sql, *args)
    grouped: dict[str, list[R]] = defaultdict(list)
    key, convert = query.key, query.record.from_record
    for row in rows:
        grouped[row[key]].append(convert(row))
    return [grouped.get(k, []) for k in keys]


ENTERPRISES_BY_USCC = BatchQuery(
    "enterprises_by_uscc",
    """SELECT uscc, uscc_valid, name, legal_representative, registered_division, address,
              registration_type, safety_licence_number, entered_on
         FROM exchange.enterprise WHERE uscc = ANY($1::text[])""",
    "uscc",
    record=EnterpriseRow,
)

QUALIFICATIONS_BY_USCC = BatchQuery(
    "qualifications_by_uscc",
    """SELECT c.uscc, c.certificate_number, c.issuing_authority, c.issued_on, c.valid_until, c.status,
              c.status_changed_on,
              coalesce(json_agg(json_build_object('item_no', i.item_no, 'code', i.code, 'sequence', i.sequence,
                                                  'category', i.category, 'grade', i.grade)
                                ORDER BY i.item_no) FILTER (WHERE i.item_no IS NOT NULL), '[]')::text AS items
         FROM exchange.qualification_certificate c
         LEFT JOIN exchange.qualification_item i USING (certificate_number)
        WHERE c.uscc = ANY($1::text[])
        GROUP BY c.certificate_number
        ORDER BY c.certificate_number""",
    "uscc",
    record=QualificationCertificateRow,
)

CREDIT_RECORD_COLUMNS = """record_number, subject_kind, subject_uscc, subject_person_key, subject_name,
              polarity, behaviour_code, description, project_number, place_division, decision_number,
              decision_date, authority, authority_level, penalty, fine, penalty_until, publish_from,
              publish_to, status"""

CREDIT_RECORDS_BY_USCC = BatchQuery(
    "credit_records_by_uscc",
    f"""SELECT {CREDIT_RECORD_COLUMNS} FROM exchange.credit_record
         WHERE subject_uscc = ANY($1::text[]) AND {VISIBLE_CLAUSE}
         ORDER BY decision_date DESC, record_number DESC""",
    "subject_uscc",
    record=CreditRecordRow,
    uses_visibility=True,
)

CREDIT_RECORDS_BY_PERSON = BatchQuery(
    "credit_records_by_person",
    f"""SELECT {CREDIT_RECORD_COLUMNS} FROM exchange.credit_record
         WHERE subject_person_key = ANY($1::text[]) AND {VISIBLE_CLAUSE}
         ORDER BY decision_date DESC, record_number DESC""",
    "subject_person_key",
    record=CreditRecordRow,
    uses_visibility=True,
)

_BLACKLIST_COLUMNS = """entry_number, subject_uscc, subject_person_key, subject_name, basis, authority,
              listed_on, planned_release, released_on"""

BLACKLIST_BY_USCC = BatchQuery(
    "blacklist_by_uscc",
    f"""SELECT {_BLACKLIST_COLUMNS} FROM exchange.blacklist_entry
         WHERE subject_uscc = ANY($1::text[]) ORDER BY listed_on DESC, entry_number""",
    "subject_uscc",
    record=BlacklistRow,
)

BLACKLIST_BY_PERSON = BatchQuery(
    "blacklist_by_person",
    f"""SELECT {_BLACKLIST_COLUMNS} FROM exchange.blacklist_entry
         WHERE subject_person_key = ANY($1::text[]) ORDER BY listed_on DESC, entry_number""",
    "subject_person_key",
    record=BlacklistRow,
)

_REGISTRATION_COLUMNS = """r.registration_number, r.person_key, r.category, r.specialty, r.employer_uscc,
              r.registered_on, r.valid_until, r.status, p.name, p.id_type, p.id_number, p.gender"""

REGISTRATIONS_BY_EMPLOYER = BatchQuery(
    "registrations_by_employer",
    f"""SELECT {_REGISTRATION_COLUMNS} FROM exchange.registration r JOIN exchange.person p USING (person_key)
         WHERE r.employer_uscc = ANY($1::text[]) ORDER BY r.registration_number""",
    "employer_uscc",
    record=RegistrationRow,
)

REGISTRATIONS_BY_PERSON = BatchQuery(
    "registrations_by_person",
    f"""SELECT {_REGISTRATION_COLUMNS} FROM exchange.registration r JOIN exchange.person p USING (person_key)
         WHERE r.person_key = ANY($1::text[]) ORDER BY r.registration_number""",
    "person_key",
    record=RegistrationRow,
)

REGISTRATIONS_BY_NUMBER = BatchQuery(
    "registrations_by_number",
    f"""SELECT {_REGISTRATION_COLUMNS} FROM exchange.registration r JOIN exchange.person p USING (person_key)
         WHERE r.registration_number = ANY($1::text[])""",
    "registration_number",
    record=RegistrationRow,
)

PERSONS_BY_KEY = BatchQuery(
    "persons_by_key",
    """SELECT person_key, id_type, id_number, name, gender, birth_date
         FROM exchange.person WHERE person_key = ANY($1::text[])""",
    "person_key",
    record=PersonRow,
)

PROJECTS_BY_NUMBER = BatchQuery(
    "projects_by_number",
    """SELECT project_number, provincial_number, investment_code, name, location_division, category,
              owner_uscc, total_investment, state_funds_ratio, status
         FROM exchange.project WHERE project_number = ANY($1::text[])""",
    "project_number",
    record=ProjectRow,
)

STAGES_BY_PROJECT = BatchQuery(
    "stages_by_project",
    """SELECT record_number, project_number, stage, filed_on, enterprise_uscc, amount, person_key
         FROM exchange.project_stage WHERE project_number = ANY($1::text[])
         ORDER BY filed_on, record_number""",
    "project_number",
    record=ProjectStageRow,
)

PARTIES_BY_PROJECT = BatchQuery(
    "parties_by_project",
    """SELECT project_number, uscc, role, stage FROM exchange.project_party
         WHERE project_number = ANY($1::text[]) ORDER BY role, uscc""",
    "project_number",
    record=ProjectPartyRow,
)

PARTICIPATIONS_BY_USCC = BatchQuery(
    "participations_by_uscc",
    """SELECT project_number, uscc, role, stage FROM exchange.project_party
         WHERE uscc = ANY($1::text[]) ORDER BY project_number, role""",
    "uscc",
    record=ProjectPartyRow,
)

_KEY_PERSONNEL_COLUMNS = """id, project_number, person_key, name, registration_number, role, employer_uscc,
              start_date, end_date, change_document"""

KEY_PERSONNEL_BY_PROJECT = BatchQuery(
    "key_personnel_by_project",
    f"""SELECT {_KEY_PERSONNEL_COLUMNS} FROM exchange.key_personnel
         WHERE project_number = ANY($1::text[]) ORDER BY role, start_date, id""",
    "project_number",
    record=KeyPositionRow,
)

KEY_PERSONNEL_BY_PERSON = BatchQuery(
    "key_personnel_by_person",
    f"""SELECT {_KEY_PERSONNEL_COLUMNS} FROM exchange.key_personnel
         WHERE person_key = ANY($1::text[]) ORDER BY start_date, id""",
    "person_key",
    record=KeyPositionRow,
)


# ---- keyset pages (one statement per province per page; merged by the caller) ----------------

async def enterprise_page(
    source: Source, *, after: str | None, limit: int, name_contains: str | None,
    registered_prefix: str | None, usccs: Sequence[str] | None,
) -> list[EnterpriseRow]:
    """Enterprises of one province in USCC order, strictly after ``after``.

    The same record type as ``ENTERPRISES_BY_USCC``: a page's rows prime that query's loader.
    """
    rows = await source.fetch(
        """SELECT uscc, uscc_valid, name, legal_representative, registered_division, address,
                  registration_type, safety_licence_number, entered_on
             FROM exchange.enterprise
            WHERE ($1::text IS NULL OR uscc COLLATE "C" > $1::text COLLATE "C")
              AND ($3::text IS NULL OR name LIKE '%' || $3 || '%')
              AND ($4::text IS NULL OR registered_division LIKE $4 || '%')
              AND ($5::text[] IS NULL OR uscc = ANY($5))
            ORDER BY uscc COLLATE "C" LIMIT $2""",
        after, limit, _escape_like(name_contains), registered_prefix, list(usccs) if usccs is not None else None,
    )
    return [EnterpriseRow.from_record(row) for row in rows]


@dataclass(frozen=True)
class CreditFilter:
    """Credit-record filter pushed down to every province."""

    subject_uscc: str | None = None
    subject_person_key: str | None = None
    polarity: str | None = None
    behaviour_code: str | None = None
    decided_from: date | None = None
    decided_to: date | None = None


async def credit_record_page(
    source: Source, *, after: tuple[date, str] | None, inclusive: bool, limit: int,
    filter: CreditFilter, visibility: Visibility,
) -> list[CreditRecordRow]:
    """Credit records of one province in (decision_date DESC, record_number DESC) order.

    ``inclusive`` admits a row equal to the cursor: the global order breaks ties between provinces
    by province code, so a province after the cursor's province may repeat the cursor's position.
    """
    cursor_date, cursor_number = after if after else (None, None)
    comparison = "<=" if inclusive else "<"
    rows = await source.fetch(
        f"""SELECT {CREDIT_RECORD_COLUMNS} FROM exchange.credit_record
             WHERE {VISIBLE_CLAUSE}
               AND ($1::date IS NULL
                    OR (decision_date, record_number COLLATE "C") {comparison} ($1::date, $4::text COLLATE "C"))
               AND ($6::text IS NULL OR subject_uscc = $6)
               AND ($7::text IS NULL OR subject_person_key = $7)
               AND ($8::text IS NULL OR polarity = $8)
               AND ($9::text IS NULL OR behaviour_code = $9)
               AND ($10::date IS NULL OR decision_date >= $10)
               AND ($11::date IS NULL OR decision_date <= $11)
             ORDER BY decision_date DESC, record_number COLLATE "C" DESC LIMIT $5""",
        cursor_date, *visibility.args(source.name), cursor_number, limit,
        filter.subject_uscc, filter.subject_person_key, filter.polarity, filter.behaviour_code,
        filter.decided_from, filter.decided_to,
    )
    return [CreditRecordRow.from_record(row) for row in rows]


async def ping(source: Source) -> bool:
    """A health probe: one trivial statement."""
    row = await source.fetchrow("SELECT 1 AS ok")
    return row is not None


def _escape_like(text: str | None) -> str | None:
    if text is None:
        return None
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
