"""What each kind of the data package exports: its fields, its global order and cursor, its
filters, and who may see which row.

=================  ==========================================  ======================================
kind               order (global)                              cursor
=================  ==========================================  ======================================
credit-records     decision date ↓, record number ↓, province  the GraphQL ``creditRecords`` cursor
enterprises        USCC (byte order), one row per enterprise   the GraphQL ``enterprises`` cursor
blacklist-entries  entry number (byte order), province         ``xb``: entry number and province
qualifications     certificate number (byte order), province   ``xq``: certificate number and province
=================  ==========================================  ======================================

Credit records and enterprises are read with the GraphQL lists' own keyset pages and filters, so
an export row for row equals walking those lists' pages (and their cursors are interchangeable).
Visibility is the caller's :class:`~resolvers.identity.Identity`: credit records through
``record_visibility`` (pushed into SQL) and ``may_see_record``, blacklist entries through
``may_see_blacklist_entry`` with ``domain.publication.blacklist_is_active``.  None of the four
kinds carries an ID number (persons are named, as in GraphQL's ``CreditRecord``), so nothing here
needs masking; a kind that adds one must go through ``resolvers.permissions``' masking policy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Generic, TypeVar

from graphql import GraphQLInputType
from starlette.datastructures import QueryParams

from domain.errors import BadUserInput
from domain.identifiers import province_of_division
from domain.publication import blacklist_is_active
from gateway.export.params import Given, as_input, graphql_type, input_fields, list_of, read_parameters
from resolvers import lists
from resolvers import pagination as pg
from resolvers.federation import FederatedNode
from resolvers.identity import Identity
from resolvers.scalars import legacy_warning
from resolvers.types.credit import Polarity
from resolvers.types.enterprise import Enterprise
from sources import export_queries as xq
from sources import province_queries as q
from sources.base import Source
from sources.records import BlacklistRow, CreditRecordRow, EnterpriseRow, QualificationCertificateRow, SourceRecord

R = TypeVar("R", bound=SourceRecord)
# Where one province's first page starts: the keyset position and whether it is inclusive.
Start = tuple[Any, bool]
Item = tuple[str, Any]  # (province code, typed row)


@dataclass(frozen=True)
class Viewer:
    """Who exports, and the China date their visibility is judged on (fixed for the whole export)."""

    identity: Identity
    today: date


@dataclass(frozen=True)
class Plan:
    """One export, checked: the provinces to ask, the pushed-down filter, the resume position."""

    provinces: list[str]
    pushed: Any
    filters: dict[str, Any]
    after: str | None = None
    position: Any = None
    warnings: list[str] = field(default_factory=list)


class ExportKind(ABC, Generic[R]):
    """One kind of the data package."""

    name: ClassVar[str]
    fields: ClassVar[tuple[str, ...]]
    # One output row per distinct group key (enterprises: one per USCC, merged across provinces).
    grouped: ClassVar[bool] = False

    @abstractmethod
    def parameters(self) -> dict[str, GraphQLInputType]:
        """The filter parameters, named and typed as in GraphQL."""

    @abstractmethod
    def plan(self, given: Given, configured: Sequence[str]) -> Plan:
        """The checked filter (raises ``BadUserInput``) and the provinces it asks."""

    @abstractmethod
    def position(self, cursor: str) -> Any:
        """The decoded resume cursor (``CursorError``, a ``BadUserInput``, when it is not ours)."""

    @abstractmethod
    def start(self, position: Any, code: str) -> Start:
        """Where province ``code``'s first page starts, given the global resume position."""

    @abstractmethod
    def resume(self, row: R) -> Start:
        """Where the page after ``row`` starts."""

    @abstractmethod
    async def page(self, source: Source, start: Start, limit: int, plan: Plan, viewer: Viewer) -> Sequence[R]:
        """One keyset page of one province."""

    @abstractmethod
    def sort_key(self, code: str, row: R) -> tuple[Any, ...]:
        """The row's place in the global order (ascending)."""

    @abstractmethod
    def cursor(self, code: str, row: R) -> str:
        """The opaque position of the row: resuming after it yields exactly what follows it."""

    @abstractmethod
    def record(self, items: list[Item], plan: Plan, viewer: Viewer) -> dict[str, Any]:
        """The exported fields of one output row (several items only for a grouped kind)."""

    def visible(self, code: str, row: R, plan: Plan, viewer: Viewer) -> bool:
        """Whether the caller may see the row (after whatever SQL already filtered)."""
        return True

    def group_key(self, code: str, row: R) -> Any:
        return None

    def read(self, params: QueryParams, configured: Sequence[str]) -> Plan:
        """The request's parameters checked into a plan (cursor included)."""
        given = read_parameters(params, self.parameters())
        plan = self.plan(given, configured)
        after = params.get("after")
        if after is None:
            return plan
        return Plan(plan.provinces, plan.pushed, plan.filters, after, self.position(after), plan.warnings)


def asked_provinces(configured: Sequence[str], wanted: Sequence[str] | None, parameter: str) -> list[str]:
    """The configured provinces to ask, in configured order (all unless the filter names some)."""
    if wanted is None:
        return list(configured)
    unknown = sorted(set(wanted) - set(configured))
    if unknown:
        raise BadUserInput(f"{parameter}: not configured: {', '.join(unknown)}")
    return [code for code in configured if code in wanted]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


# ---- credit records ----------------------------------------------------------------------------

class CreditRecords(ExportKind[CreditRecordRow]):
    name = "credit-records"
    fields = (
        "id", "recordNumber", "province", "subjectKind", "subjectUscc", "subjectName", "polarity",
        "behaviourCode", "description", "projectNumber", "placeDivision", "decisionNumber", "decisionDate",
        "authority", "authorityLevel", "penalty", "fine", "penaltyUntil", "publishFrom", "publishTo", "status",
    )

    def parameters(self) -> dict[str, GraphQLInputType]:
        return input_fields("CreditRecordFilter")

    def plan(self, given: Given, configured: Sequence[str]) -> Plan:
        f = as_input(given, "CreditRecordFilter", lists.CreditRecordFilter)
        pushed = lists.credit_pushdown(f)
        warnings = [w for w in [legacy_warning("uscc", f.uscc)] if w]
        return Plan(asked_provinces(configured, f.provinces, "provinces"), pushed, given.sent, warnings=warnings)

    def position(self, cursor: str) -> tuple[date, str, str]:
        return pg.decode_credit_cursor(cursor)

    def start(self, position: tuple[date, str, str] | None, code: str) -> Start:
        if position is None:
            return None, False
        decided, number, province = position
        return (decided, number), code > province  # ties between provinces: by province code

    def resume(self, row: CreditRecordRow) -> Start:
        return (row.decision_date, row.record_number), False

    async def page(
        self, source: Source, start: Start, limit: int, plan: Plan, viewer: Viewer
    ) -> Sequence[CreditRecordRow]:
        after, inclusive = start
        return await q.credit_record_page(
            source, after=after, inclusive=inclusive, limit=limit, filter=plan.pushed,
            visibility=viewer.identity.record_visibility(viewer.today),
        )

    def visible(self, code: str, row: CreditRecordRow, plan: Plan, viewer: Viewer) -> bool:
        return viewer.identity.may_see_record(row.status, row.publish_from, row.publish_to, code, viewer.today)

    def sort_key(self, code: str, row: CreditRecordRow) -> tuple[Any, ...]:
        return pg.credit_sort_key(row.decision_date, row.record_number, code)

    def cursor(self, code: str, row: CreditRecordRow) -> str:
        return pg.credit_cursor(row.decision_date, row.record_number, code)

    def record(self, items: list[Item], plan: Plan, viewer: Viewer) -> dict[str, Any]:
        code, row = items[0]
        return {
            "id": f"{code}:{row.record_number}", "recordNumber": row.record_number, "province": code,
            "subjectKind": row.subject_kind, "subjectUscc": row.subject_uscc, "subjectName": row.subject_name,
            "polarity": Polarity(row.polarity).name, "behaviourCode": row.behaviour_code,
            "description": row.description, "projectNumber": row.project_number,
            "placeDivision": row.place_division, "decisionNumber": row.decision_number,
            "decisionDate": row.decision_date.isoformat(), "authority": row.authority,
            "authorityLevel": row.authority_level, "penalty": row.penalty,
            "fine": str(row.fine) if row.fine is not None else None, "penaltyUntil": _iso(row.penalty_until),
            "publishFrom": row.publish_from.isoformat(), "publishTo": row.publish_to.isoformat(),
            "status": row.status,
        }


# ---- enterprises -------------------------------------------------------------------------------

class Enterprises(ExportKind[EnterpriseRow]):
    name = "enterprises"
    fields = (
        "uscc", "usccValid", "name", "legalRepresentative", "registeredDivision", "registeredProvince",
        "address", "registrationType", "safetyLicenceNumber", "presence",
    )
    grouped = True

    def parameters(self) -> dict[str, GraphQLInputType]:
        return input_fields("EnterpriseFilter")

    def plan(self, given: Given, configured: Sequence[str]) -> Plan:
        f = as_input(given, "EnterpriseFilter", lists.EnterpriseFilter)
        pushed = {
            "name_contains": f.name_contains,
            "registered_prefix": lists.province_prefix(f.registered_province),
            "usccs": f.uscc_in,
        }
        warnings = [w for w in (legacy_warning("usccIn", u) for u in f.uscc_in or ()) if w]
        return Plan(list(configured), pushed, given.sent, warnings=warnings)

    def position(self, cursor: str) -> str:
        return pg.decode_enterprise_cursor(cursor)

    def start(self, position: str | None, code: str) -> Start:
        return position, False

    def resume(self, row: EnterpriseRow) -> Start:
        return row.uscc, False

    async def page(
        self, source: Source, start: Start, limit: int, plan: Plan, viewer: Viewer
    ) -> Sequence[EnterpriseRow]:
        return await q.enterprise_page(source, after=start[0], limit=limit, **plan.pushed)

    def sort_key(self, code: str, row: EnterpriseRow) -> tuple[Any, ...]:
        return (row.uscc, code)  # str order is code point order: the byte order of COLLATE "C"

    def group_key(self, code: str, row: EnterpriseRow) -> Any:
        return row.uscc

    def cursor(self, code: str, row: EnterpriseRow) -> str:
        return pg.enterprise_cursor(row.uscc)

    def record(self, items: list[Item], plan: Plan, viewer: Viewer) -> dict[str, Any]:
        held = dict(items)
        rows = {code: held[code] for code in plan.provinces if code in held}  # configured order, as GraphQL
        uscc = items[0][1].uscc
        merged = Enterprise.merge(uscc, rows, FederatedNode(rows))  # registration facts: GraphQL's rule
        return {
            "uscc": uscc, "usccValid": merged.uscc_valid, "name": merged.name,
            "legalRepresentative": merged.legal_representative, "registeredDivision": merged.registered_division,
            "registeredProvince": province_of_division(merged.registered_division), "address": merged.address,
            "registrationType": merged.registration_type, "safetyLicenceNumber": merged.safety_licence_number,
            "presence": list(rows),
        }


# ---- blacklist entries -------------------------------------------------------------------------

class BlacklistEntries(ExportKind[BlacklistRow]):
    name = "blacklist-entries"
    fields = (
        "province", "entryNumber", "subjectUscc", "subjectName", "basis", "authority", "listedOn",
        "plannedRelease", "releasedOn", "active",
    )

    def parameters(self) -> dict[str, GraphQLInputType]:
        return {"uscc": graphql_type("USCC"), "active": graphql_type("Boolean"), "provinces": list_of("String")}

    def plan(self, given: Given, configured: Sequence[str]) -> Plan:
        values = given.coerced
        uscc = values.get("uscc")
        warnings = [w for w in [legacy_warning("uscc", uscc)] if w]
        pushed = {"uscc": uscc, "active": values.get("active")}
        return Plan(asked_provinces(configured, values.get("provinces"), "provinces"), pushed, given.sent,
                    warnings=warnings)

    def position(self, cursor: str) -> tuple[str, str]:
        return _number_position("xb", cursor)

    def start(self, position: tuple[str, str] | None, code: str) -> Start:
        return _number_start(position, code)

    def resume(self, row: BlacklistRow) -> Start:
        return row.entry_number, False

    async def page(
        self, source: Source, start: Start, limit: int, plan: Plan, viewer: Viewer
    ) -> Sequence[BlacklistRow]:
        after, inclusive = start
        return await xq.blacklist_page(source, after=after, inclusive=inclusive, limit=limit, uscc=plan.pushed["uscc"])

    def visible(self, code: str, row: BlacklistRow, plan: Plan, viewer: Viewer) -> bool:
        active = blacklist_is_active(row.listed_on, row.planned_release, row.released_on, viewer.today)
        wanted = plan.pushed["active"]
        return viewer.identity.may_see_blacklist_entry(active) and (wanted is None or wanted == active)

    def sort_key(self, code: str, row: BlacklistRow) -> tuple[Any, ...]:
        return (row.entry_number, code)

    def cursor(self, code: str, row: BlacklistRow) -> str:
        return pg.encode("xb", {"n": row.entry_number, "p": code})

    def record(self, items: list[Item], plan: Plan, viewer: Viewer) -> dict[str, Any]:
        code, row = items[0]
        return {
            "province": code, "entryNumber": row.entry_number, "subjectUscc": row.subject_uscc,
            "subjectName": row.subject_name, "basis": row.basis, "authority": row.authority,
            "listedOn": row.listed_on.isoformat(), "plannedRelease": row.planned_release.isoformat(),
            "releasedOn": _iso(row.released_on),
            "active": blacklist_is_active(row.listed_on, row.planned_release, row.released_on, viewer.today),
        }


# ---- qualification certificates ----------------------------------------------------------------

QUALIFICATION_STATUSES = ("有效", "暂扣", "撤回", "注销")


class Qualifications(ExportKind[QualificationCertificateRow]):
    name = "qualifications"
    fields = (
        "province", "certificateNumber", "uscc", "issuingAuthority", "issuedOn", "validUntil", "status",
        "statusChangedOn", "items",
    )

    def parameters(self) -> dict[str, GraphQLInputType]:
        return {"uscc": graphql_type("USCC"), "status": list_of("String"), "provinces": list_of("String")}

    def plan(self, given: Given, configured: Sequence[str]) -> Plan:
        values = given.coerced
        statuses = values.get("status")
        unknown = sorted(set(statuses or ()) - set(QUALIFICATION_STATUSES))
        if unknown:
            raise BadUserInput(f"status must be among {', '.join(QUALIFICATION_STATUSES)}; got {', '.join(unknown)}")
        warnings = [w for w in [legacy_warning("uscc", values.get("uscc"))] if w]
        pushed = {"uscc": values.get("uscc"), "statuses": statuses}
        return Plan(asked_provinces(configured, values.get("provinces"), "provinces"), pushed, given.sent,
                    warnings=warnings)

    def position(self, cursor: str) -> tuple[str, str]:
        return _number_position("xq", cursor)

    def start(self, position: tuple[str, str] | None, code: str) -> Start:
        return _number_start(position, code)

    def resume(self, row: QualificationCertificateRow) -> Start:
        return row.certificate_number, False

    async def page(
        self, source: Source, start: Start, limit: int, plan: Plan, viewer: Viewer
    ) -> Sequence[QualificationCertificateRow]:
        after, inclusive = start
        return await xq.qualification_page(source, after=after, inclusive=inclusive, limit=limit, **plan.pushed)

    def sort_key(self, code: str, row: QualificationCertificateRow) -> tuple[Any, ...]:
        return (row.certificate_number, code)

    def cursor(self, code: str, row: QualificationCertificateRow) -> str:
        return pg.encode("xq", {"n": row.certificate_number, "p": code})

    def record(self, items: list[Item], plan: Plan, viewer: Viewer) -> dict[str, Any]:
        code, row = items[0]
        return {
            "province": code, "certificateNumber": row.certificate_number, "uscc": row.uscc,
            "issuingAuthority": row.issuing_authority, "issuedOn": row.issued_on.isoformat(),
            "validUntil": row.valid_until.isoformat(), "status": row.status,
            "statusChangedOn": _iso(row.status_changed_on),
            "items": [
                {"itemNo": i.item_no, "code": i.code, "sequence": i.sequence, "category": i.category, "grade": i.grade}
                for i in row.items
            ],
        }


def _number_position(kind: str, cursor: str) -> tuple[str, str]:
    payload = pg.decode(kind, cursor)
    number, province = payload.get("n"), payload.get("p")
    if not isinstance(number, str) or not isinstance(province, str):
        raise pg.CursorError()
    return number, province


def _number_start(position: tuple[str, str] | None, code: str) -> Start:
    if position is None:
        return None, False
    number, province = position
    return number, code > province  # a later province may hold the same number


KINDS: dict[str, ExportKind[Any]] = {k.name: k for k in (CreditRecords(), Enterprises(), BlacklistEntries(),
                                                          Qualifications())}
