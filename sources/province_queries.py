"""Batch queries against the provincial exchange schema.

Every query takes the whole batch of keys as one array parameter (``= ANY($1)``), so a loader
sends one statement per province per level, however many keys it collected.  Results come back
grouped in key order (aiodataloader's contract).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Generic, TypeVar

from sources.base import Row, Source
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
    SubjectBundle,
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
    # How one driver row becomes a result (default ``record.from_record``): a statement that brings
    # a subject with its child lists builds one bundle per row (see ``enterprises_with``).
    convert: Callable[[Row], Any] | None = None


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
    key, convert = query.key, query.convert or query.record.from_record
    for row in rows:
        grouped[row[key]].append(convert(row))
    return [grouped.get(k, []) for k in keys]


ENTERPRISE_COLUMNS = """uscc, uscc_valid, name, legal_representative, registered_division, address,
              registration_type, safety_licence_number, entered_on"""

ENTERPRISES_BY_USCC = BatchQuery(
    "enterprises_by_uscc",
    f"""SELECT {ENTERPRISE_COLUMNS}
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

@dataclass(frozen=True)
class ChildList(Generic[R]):
    """A list of records about one subject, defined once and sent two ways: as the general path's
    batch statement (``query``: every key of a level in ``= ANY($1)``) and as a correlated
    sub-select inside the statement that fetches the subject itself (:meth:`nested`), so that a
    subject and the lists a query selects cost one statement per province.

    ``columns`` are the record's fields in its order (the sub-select returns them as one row each
    of the named type ``row_type``, decoded by position, see ``SourceRecord.from_tuple``; the types
    are migration ``province/008_list_row_types.sql``); ``match`` is the column the subject's key
    is compared with; ``where`` a further condition (e.g. ``VISIBLE_CLAUSE``).
    """

    query: BatchQuery[R]
    columns: str
    source: str
    match: str
    order: str
    row_type: str
    where: str | None = None

    def nested(self, key_sql: str) -> str:
        """The list for the key ``key_sql`` (an outer column) as an array of ``row_type`` rows."""
        condition = f" AND {self.where}" if self.where else ""
        return (
            f"ARRAY(SELECT ROW({self.columns})::{self.row_type} FROM {self.source}"
            f" WHERE {self.match} = {key_sql}{condition} ORDER BY {self.order})"
        )


def child_list(
    name: str, record: type[R], *, key: str, columns: str, source: str, match: str, order: str, row_type: str,
    where: str | None = None, uses_visibility: bool = False,
) -> ChildList[R]:
    """A child list and its batch statement from the same pieces (``key`` is the result column the
    batch groups by: the ``match`` column, which ``columns`` include)."""
    condition = f" AND {where}" if where else ""
    sql = f"SELECT {columns} FROM {source}\n WHERE {match} = ANY($1::text[]){condition}\n ORDER BY {order}"
    query = BatchQuery(name, sql, key, record=record, uses_visibility=uses_visibility)
    return ChildList(query, columns, source, match, order, row_type, where)


_CREDIT_ORDER = "decision_date DESC, record_number DESC"

# The same certificates in the same order as QUALIFICATIONS_BY_USCC (whose items arrive as JSON,
# the form the export and feed modules read too); nested, the items are an array of rows.
QUALIFICATIONS_OF_ENTERPRISE = ChildList(
    QUALIFICATIONS_BY_USCC,
    columns="""c.uscc, c.certificate_number, c.issuing_authority, c.issued_on, c.valid_until, c.status,
              c.status_changed_on,
              ARRAY(SELECT ROW(i.item_no, i.code, i.sequence, i.category, i.grade)
                                   ::exchange.gateway_qualification_item_row
                      FROM exchange.qualification_item i
                     WHERE i.certificate_number = c.certificate_number ORDER BY i.item_no)""",
    source="exchange.qualification_certificate c",
    match="c.uscc",
    order="c.certificate_number",
    row_type="exchange.gateway_qualification_row",
)

CREDIT_RECORDS_OF_ENTERPRISE = child_list(
    "credit_records_by_uscc", CreditRecordRow, key="subject_uscc", columns=CREDIT_RECORD_COLUMNS,
    source="exchange.credit_record", match="subject_uscc", order=_CREDIT_ORDER,
    row_type="exchange.gateway_credit_record_row", where=VISIBLE_CLAUSE,
    uses_visibility=True,
)
CREDIT_RECORDS_BY_USCC = CREDIT_RECORDS_OF_ENTERPRISE.query

CREDIT_RECORDS_OF_PERSON = child_list(
    "credit_records_by_person", CreditRecordRow, key="subject_person_key", columns=CREDIT_RECORD_COLUMNS,
    source="exchange.credit_record", match="subject_person_key", order=_CREDIT_ORDER,
    row_type="exchange.gateway_credit_record_row", where=VISIBLE_CLAUSE,
    uses_visibility=True,
)
CREDIT_RECORDS_BY_PERSON = CREDIT_RECORDS_OF_PERSON.query

_BLACKLIST_COLUMNS = """entry_number, subject_uscc, subject_person_key, subject_name, basis, authority,
              listed_on, planned_release, released_on"""
_BLACKLIST_ORDER = "listed_on DESC, entry_number"

BLACKLIST_OF_ENTERPRISE = child_list(
    "blacklist_by_uscc", BlacklistRow, key="subject_uscc", columns=_BLACKLIST_COLUMNS,
    source="exchange.blacklist_entry", match="subject_uscc", order=_BLACKLIST_ORDER,
    row_type="exchange.gateway_blacklist_row",
)
BLACKLIST_BY_USCC = BLACKLIST_OF_ENTERPRISE.query

BLACKLIST_OF_PERSON = child_list(
    "blacklist_by_person", BlacklistRow, key="subject_person_key", columns=_BLACKLIST_COLUMNS,
    source="exchange.blacklist_entry", match="subject_person_key", order=_BLACKLIST_ORDER,
    row_type="exchange.gateway_blacklist_row",
)
BLACKLIST_BY_PERSON = BLACKLIST_OF_PERSON.query

_REGISTRATION_COLUMNS = """r.registration_number, r.person_key, r.category, r.specialty, r.employer_uscc,
              r.registered_on, r.valid_until, r.status, p.name, p.id_type, p.id_number, p.gender"""
_REGISTRATIONS = "exchange.registration r JOIN exchange.person p USING (person_key)"

REGISTRATIONS_OF_EMPLOYER = child_list(
    "registrations_by_employer", RegistrationRow, key="employer_uscc", columns=_REGISTRATION_COLUMNS,
    source=_REGISTRATIONS, match="r.employer_uscc", order="r.registration_number",
    row_type="exchange.gateway_registration_row",
)
REGISTRATIONS_BY_EMPLOYER = REGISTRATIONS_OF_EMPLOYER.query

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

PARTICIPATIONS_OF_ENTERPRISE = child_list(
    "participations_by_uscc", ProjectPartyRow, key="uscc", columns="project_number, uscc, role, stage",
    source="exchange.project_party", match="uscc", order="project_number, role",
    row_type="exchange.gateway_participation_row",
)
PARTICIPATIONS_BY_USCC = PARTICIPATIONS_OF_ENTERPRISE.query

# ---- a subject with its child lists, one statement per province --------------------------------

ENTERPRISE_LISTS: dict[str, ChildList[Any]] = {
    child.query.name: child
    for child in (
        QUALIFICATIONS_OF_ENTERPRISE, CREDIT_RECORDS_OF_ENTERPRISE, BLACKLIST_OF_ENTERPRISE,
        REGISTRATIONS_OF_EMPLOYER, PARTICIPATIONS_OF_ENTERPRISE,
    )
}
"""The lists of an enterprise that can come in the statement that fetches it, by query name."""


@cache
def enterprises_with(lists: tuple[str, ...], *, with_row: bool = True) -> BatchQuery[SubjectBundle]:
    """Enterprises by USCC with the named lists (``ENTERPRISE_LISTS`` names): one bundle per key,
    its row ``None`` where this province holds no row (it may still hold records about it).

    Without ``with_row`` only the lists (a page's children: the page already brought the rows).
    Built once per combination; the batch statements of the general path are its oracle in tests.
    """
    children = [ENTERPRISE_LISTS[name] for name in lists]
    nested = "".join(f",\n       {child.nested('k.key')} AS {child.query.name}" for child in children)
    row = f", {ENTERPRISE_COLUMNS}" if with_row else ""
    join = "\n  LEFT JOIN exchange.enterprise ON uscc = k.key" if with_row else ""
    sql = f"SELECT k.key AS subject_key{row}{nested}\n  FROM unnest($1::text[]) AS k(key){join}"
    decode = [(child.query.name, child.query.record.from_tuple) for child in children]

    def convert(found: Row) -> SubjectBundle:
        main = EnterpriseRow.from_record(found) if with_row and found["uscc"] is not None else None
        return SubjectBundle(main, {name: [make(values) for values in found[name]] for name, make in decode})

    prefix = "enterprises_with" if with_row else "enterprise_lists"
    return BatchQuery(
        f"{prefix}:{'+'.join(lists)}", sql, "subject_key", record=SubjectBundle,
        uses_visibility=any(child.query.uses_visibility for child in children), convert=convert,
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

# $1 after (exclusive), $2 limit, $3 name contains (LIKE-escaped), $4 division prefix, $5 USCCs.
ENTERPRISE_PAGE_SQL = f"""SELECT {ENTERPRISE_COLUMNS}
         FROM exchange.enterprise
        WHERE ($1::text IS NULL OR uscc COLLATE "C" > $1::text COLLATE "C")
          AND ($3::text IS NULL OR name LIKE '%' || $3 || '%')
          AND ($4::text IS NULL OR registered_division LIKE $4 || '%')
          AND ($5::text[] IS NULL OR uscc = ANY($5))
        ORDER BY uscc COLLATE "C" LIMIT $2"""


async def enterprise_page(
    source: Source, *, after: str | None, limit: int, name_contains: str | None,
    registered_prefix: str | None, usccs: Sequence[str] | None,
) -> list[EnterpriseRow]:
    """Enterprises of one province in USCC order, strictly after ``after``.

    The same record type as ``ENTERPRISES_BY_USCC``: a page's rows prime that query's loader.
    """
    rows = await source.fetch(
        ENTERPRISE_PAGE_SQL,
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
