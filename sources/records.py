"""Typed rows: what each source query returns, with names the sources layer owns.

Resolvers used to read asyncpg records by column name, so renaming a column touched the GraphQL
layer.  Every query now converts its rows at the boundary into one of these frozen, slotted
records; a column rename is absorbed here (by an SQL alias or by this module), never above it.
``sources.base.Row`` stays the sources layer's own view of a driver row.

Conversion is cheap on purpose, because it runs once per row: a record's fields are named like
the columns (or JSON keys) it is read from, so :meth:`SourceRecord.from_record` is one C-level
``itemgetter`` call and the constructor, with no per-row dict copy.  A record whose value needs
decoding (a JSON column) overrides ``from_record``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any, ClassVar, Self, TypeVar, dataclass_transform

R = TypeVar("R", bound="SourceRecord")


class SourceRecord:
    """Base of every typed row: built from a driver row (or a decoded JSON object) by name."""

    __slots__ = ()
    _columns: ClassVar[Callable[[Mapping[str, Any]], tuple[Any, ...]]]
    _make: ClassVar[Callable[..., Any]]

    @classmethod
    def from_record(cls, row: Mapping[str, Any]) -> Self:
        """The record of one row; a missing column raises ``KeyError`` at the source boundary."""
        return cls._make(*cls._columns(row))  # type: ignore[no-any-return]

    @classmethod
    def from_tuple(cls, values: Sequence[Any]) -> Self:
        """The record of an anonymous SQL row (``ROW(...)`` in a nested list): fields by position."""
        return cls._make(*values)  # type: ignore[no-any-return]


@dataclass_transform(frozen_default=True)
def source_record(cls: type[R]) -> type[R]:
    """Make ``cls`` a frozen, slotted dataclass whose ``from_record`` reads its fields by name."""
    made = dataclass(frozen=True, slots=True)(cls)
    names = [f.name for f in fields(made)]
    getter = itemgetter(*names)
    # itemgetter of one name returns the bare value, not a 1-tuple.
    made._columns = staticmethod(getter if len(names) > 1 else lambda row: (getter(row),))  # type: ignore[assignment]
    made._make = staticmethod(_maker(made, names))  # type: ignore[assignment]
    return made


def _maker(cls: type, names: list[str]) -> Callable[..., Any]:
    """A constructor of ``cls`` from every field's value, positionally, without the frozen
    dataclass ``__init__`` (one ``object.__setattr__`` lookup and call per field: ~2 µs for a credit
    record, run for every row of a page): each slot is written through its own descriptor, as
    ``__init__`` ends up doing (~0.9 µs).  The same object results: the records have no defaults,
    no ``__post_init__`` and no conversions (a class that had any keeps its ``__init__``); a wrong
    number of values raises ``TypeError`` as the constructor would."""
    if hasattr(cls, "__post_init__") or any(
        f.default is not MISSING or f.default_factory is not MISSING for f in fields(cls)
    ):
        return cls
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    body = []
    for i, name in enumerate(names):
        namespace[f"set{i}"] = getattr(cls, name).__set__  # the slot's member descriptor
        body.append(f"    set{i}(record, {name})\n")
    source = f"def make({', '.join(names)}):\n    record = new(cls)\n{''.join(body)}    return record\n"
    exec(source, namespace)  # as dataclasses builds __init__; the names are the record's own fields
    return namespace["make"]  # type: ignore[no-any-return]


# ---- provincial exchange rows (sources.province_queries) --------------------------------------

@source_record
class EnterpriseRow(SourceRecord):
    """One province's row of an enterprise (exchange.enterprise)."""

    uscc: str
    uscc_valid: bool
    name: str
    legal_representative: str
    registered_division: str
    address: str | None
    registration_type: str | None
    safety_licence_number: str | None
    entered_on: date | None


@source_record
class QualificationItemRow(SourceRecord):
    """One item of a qualification certificate (decoded from the certificate's JSON ``items``)."""

    item_no: int
    code: str
    sequence: str
    category: str
    grade: str


@source_record
class QualificationCertificateRow(SourceRecord):
    """A qualification certificate with its items, as its issuing province holds it."""

    uscc: str
    certificate_number: str
    issuing_authority: str
    issued_on: date
    valid_until: date
    status: str
    status_changed_on: date | None
    items: tuple[QualificationItemRow, ...]

    @classmethod
    def from_record(cls, row: Mapping[str, Any]) -> Self:
        """The items arrive as one JSON array (json_agg); decoded here, once per certificate."""
        items = tuple(QualificationItemRow.from_record(item) for item in json.loads(row["items"]))
        return cls(
            row["uscc"], row["certificate_number"], row["issuing_authority"], row["issued_on"], row["valid_until"],
            row["status"], row["status_changed_on"], items,
        )

    @classmethod
    def from_tuple(cls, values: Sequence[Any]) -> Self:
        """Nested, the items are an array of anonymous rows (the last field)."""
        *head, items = values
        return cls._make(*head, tuple(QualificationItemRow._make(*item) for item in items))  # type: ignore[no-any-return]


@source_record
class CreditRecordRow(SourceRecord):
    """A credit-behaviour record (exchange.credit_record, without internal workflow columns)."""

    record_number: str
    subject_kind: str
    subject_uscc: str | None
    subject_person_key: str | None
    subject_name: str
    polarity: str
    behaviour_code: str
    description: str
    project_number: str | None
    place_division: str | None
    decision_number: str | None
    decision_date: date
    authority: str
    authority_level: str
    penalty: str | None
    fine: Decimal | None
    penalty_until: date | None
    publish_from: date
    publish_to: date
    status: str


@source_record
class BlacklistRow(SourceRecord):
    """A blacklist entry (exchange.blacklist_entry)."""

    entry_number: str
    subject_uscc: str | None
    subject_person_key: str | None
    subject_name: str
    basis: str
    authority: str
    listed_on: date
    planned_release: date
    released_on: date | None


@source_record
class RegistrationRow(SourceRecord):
    """A practitioner's registration joined with the person it belongs to."""

    registration_number: str
    person_key: str
    category: str
    specialty: str | None
    employer_uscc: str
    registered_on: date
    valid_until: date
    status: str
    name: str
    id_type: str
    id_number: str
    gender: str | None


@source_record
class PersonRow(SourceRecord):
    """A person as the holding province knows them (exchange.person)."""

    person_key: str
    id_type: str
    id_number: str
    name: str
    gender: str | None
    birth_date: date | None


@source_record
class ProjectRow(SourceRecord):
    """A project as the province where it is located holds it (exchange.project)."""

    project_number: str
    provincial_number: str | None
    investment_code: str | None
    name: str
    location_division: str
    category: str
    owner_uscc: str
    total_investment: Decimal | None
    state_funds_ratio: Decimal | None
    status: str


@source_record
class ProjectStageRow(SourceRecord):
    """A lifecycle filing of a project (exchange.project_stage)."""

    record_number: str
    project_number: str
    stage: str
    filed_on: date
    enterprise_uscc: str | None
    amount: Decimal | None
    person_key: str | None


@source_record
class ProjectPartyRow(SourceRecord):
    """An enterprise's role on a project (exchange.project_party)."""

    project_number: str
    uscc: str
    role: str
    stage: str | None


@source_record
class KeyPositionRow(SourceRecord):
    """A key position held on a project (exchange.key_personnel)."""

    id: int
    project_number: str
    person_key: str
    name: str
    registration_number: str | None
    role: str
    employer_uscc: str
    start_date: date
    end_date: date | None
    change_document: str | None


@dataclass(slots=True)
class SubjectBundle:
    """A subject's row in one province (``None`` when it holds none) with the child lists fetched in
    the same statement, by list (query) name (``sources.province_queries.enterprises_with``)."""

    row: Any
    lists: dict[str, list[Any]]


# ---- aggregates (sources.statistics_queries) and the audit log (sources.audit_queries) --------

@source_record
class StatisticsGroupRow(SourceRecord):
    """One partial group of one province's credit statistics (ungrouped keys are None)."""

    party: str | None
    category: str | None
    national: bool | None
    year: int | None
    polarity: str | None
    records: int
    fine_total: Decimal


@source_record
class TenderAwardRow(SourceRecord):
    """A tender award (中标 filing) to an enterprise registered in another province."""

    record_number: str
    project_number: str
    project_name: str
    uscc: str
    enterprise_name: str | None
    amount: Decimal | None
    filed_on: date


@source_record
class AuditEntryRow(SourceRecord):
    """One entry of the hash-chained query audit log (central.audit_log)."""

    seq: int
    entry_id: str
    at: datetime
    actor: str
    org: str | None
    province: str | None
    roles: list[str]
    client_addr: str | None
    operation: str | None
    subject_keys: list[str]
    result_count: int
    payload: str
    prev_hash: str
    hash: str


# ---- cross-check fact payloads (sources.crosscheck_queries), decoded from JSON objects ----------

@source_record
class ListingPayload(SourceRecord):
    """An enterprise row's registration facts."""

    name: str
    legal_representative: str
    registered_division: str


@source_record
class CertificatePayload(SourceRecord):
    """A qualification certificate's validity facts."""

    certificate_number: str
    issued_on: date
    valid_until: date
    status: str
    status_changed_on: date | None


@source_record
class RecordPayload(SourceRecord):
    """A published credit record."""

    record_number: str
    polarity: str
    behaviour_code: str
    project_number: str | None
    decision_date: date
    decision_number: str | None
    publish_from: date
    publish_to: date


@source_record
class BlacklistPayload(SourceRecord):
    """A blacklist entry."""

    entry_number: str
    basis: str
    authority: str
    listed_on: date
    planned_release: date
    released_on: date | None


@source_record
class FilingPayload(SourceRecord):
    """A lifecycle filing of a project."""

    record_number: str
    project_number: str
    stage: str
    filed_on: date
    enterprise_uscc: str | None
    amount: Decimal | None


@source_record
class ClaimPayload(SourceRecord):
    """A performance claim (exchange.performance)."""

    id: int
    project_number: str
    claimed_province: str
    role: str
    amount: Decimal | None
    completed_on: date | None


@source_record
class PersonPayload(SourceRecord):
    """A person row (only the name is a fact)."""

    name: str


@source_record
class RegistrationPayload(SourceRecord):
    """A practitioner's registration with an employer."""

    registration_number: str
    category: str
    employer_uscc: str
    registered_on: date
    valid_until: date
    status: str


@source_record
class TenurePayload(SourceRecord):
    """A key position with its project's completion date."""

    project_number: str
    role: str
    registration_number: str | None
    employer_uscc: str
    start_date: date
    end_date: date | None
    change_document: str | None
    completed_on: date | None


@source_record
class ProjectPayload(SourceRecord):
    """A project's identity facts."""

    name: str
    owner_uscc: str


@source_record
class PartyPayload(SourceRecord):
    """An enterprise's role on a project."""

    uscc: str
    role: str


@source_record
class CodePayload(SourceRecord):
    """A behaviour code of the central dictionary."""

    code: str
    province_code: str


@source_record
class CrosswalkPayload(SourceRecord):
    """A local → national behaviour-code mapping of the central crosswalk."""

    province_code: str
    local_code: str
    national_code: str


@source_record
class DecisionPayload(SourceRecord):
    """A recognition decision of the central store."""

    id: int
    recognising_province: str
    origin_province: str
    local_code: str
    decided_by: str
    basis: str
    effective_from: date
    effective_to: date | None
