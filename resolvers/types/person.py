"""Registered practitioners (注册执业人员).  Only the holding province knows a person's full ID
number; everywhere else the person is a ``person_key``.  ID numbers leave the gateway masked
unless the identity may see them (DOMAIN §6)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

import strawberry

from domain.identifiers import mask_id_number
from resolvers.context import Info
from resolvers.federation import FederatedNode, then
from resolvers.permissions import MaskPersonalId, PublishedOnly
from resolvers.roles import Role, requires
from resolvers.scalars import IdType
from resolvers.types.common import Coverage, Province, newest_first, province, settled_coverage
from resolvers.types.credit import BlacklistEntry, CreditRecord
from sources import province_queries as q
from sources.records import KeyPositionRow, RegistrationRow, SourceRecord

T = TypeVar("T")
R = TypeVar("R", bound=SourceRecord)


def shown_id_number(info: Info, holding_province: str, id_number: str) -> str:
    """For code outside a GraphQL field; fields carry ``@sensitive`` (``MaskPersonalId``) instead."""
    if info.context.identity.may_see_full_id(holding_province):
        return id_number
    return mask_id_number(id_number)


@strawberry.type(description="执业注册。 A registration of a practitioner with an employer, in one province.")
class Registration:
    registration_number: str = strawberry.field(description="注册编号。 Registration number.")
    category: str = strawberry.field(description="注册类别，如 一级注册建造师。 Registration category.")
    specialty: str | None = strawberry.field(description="专业。 Specialty.")
    employer_uscc: str = strawberry.field(description="聘用单位信用代码。 USCC of the employer.")
    registered_on: date = strawberry.field(description="注册日期。 Date registered.")
    valid_until: date = strawberry.field(description="有效期至。 Valid until.")
    status: str = strawberry.field(description="状态。 Status.")
    province: Province = strawberry.field(description="注册省份。 Registering province.")

    @classmethod
    def from_row(cls, info: Info, code: str, row: RegistrationRow) -> Registration:
        return cls(
            registration_number=row.registration_number,
            category=row.category,
            specialty=row.specialty,
            employer_uscc=row.employer_uscc,
            registered_on=row.registered_on,
            valid_until=row.valid_until,
            status=row.status,
            province=province(info, code),
        )


@strawberry.type(description="注册在某企业的执业人员。 A practitioner registered with an enterprise.")
class RegisteredPerson:
    name: str = strawberry.field(description="姓名。 Name.")
    id_type: IdType = strawberry.field(description="证件类型。 ID document type.")
    id_number: str = strawberry.field(
        description="证件号码（按权限脱敏）。 ID number, masked unless the caller may see it.",
        extensions=[MaskPersonalId()],
    )
    registration: Registration = strawberry.field(description="该注册。 The registration.")
    id_holder: strawberry.Private[str]

    @classmethod
    def from_row(cls, info: Info, code: str, row: RegistrationRow) -> RegisteredPerson:
        return cls(
            name=row.name,
            id_type=row.id_type,
            id_number=row.id_number,
            registration=Registration.from_row(info, code, row),
            id_holder=code,
        )


@strawberry.type(description="关键岗位任职。 A key position held on a project.")
class KeyPosition:
    role: str = strawberry.field(description="岗位，如 项目负责人。 Role, e.g. project manager.")
    name: str = strawberry.field(description="姓名。 Name.")
    registration_number: str | None = strawberry.field(description="注册编号。 Registration number.")
    employer_uscc: str = strawberry.field(description="所在单位信用代码。 USCC of the employer.")
    project_number: str = strawberry.field(description="项目编号。 Project number.")
    start_date: date = strawberry.field(description="开始日期。 Start date.")
    end_date: date | None = strawberry.field(description="结束日期（空表示在任）。 End date; null while active.")
    change_document: str | None = strawberry.field(description="变更文件。 Document of a lawful change.")
    province: Province = strawberry.field(description="项目所在省份。 Province of the project.")

    @classmethod
    def from_row(cls, info: Info, code: str, row: KeyPositionRow) -> KeyPosition:
        return cls(
            role=row.role,
            name=row.name,
            registration_number=row.registration_number,
            employer_uscc=row.employer_uscc,
            project_number=row.project_number,
            start_date=row.start_date,
            end_date=row.end_date,
            change_document=row.change_document,
            province=province(info, code),
        )


@strawberry.type(description="注册执业人员（合并自所有省份）。 A registered practitioner, from every province.")
class Person:
    name: str = strawberry.field(description="姓名。 Name.")
    id_type: IdType = strawberry.field(description="证件类型。 ID document type.")
    id_number: str = strawberry.field(
        description="证件号码（按权限脱敏）。 ID number, masked unless permitted.",
        extensions=[MaskPersonalId(holder="holders")],
    )
    gender: str | None = strawberry.field(description="性别。 Gender.")
    person_key: strawberry.Private[str]
    node: strawberry.Private[FederatedNode]
    holders: strawberry.Private[list[str]]

    @strawberry.field(
        name="personKey",
        description="跨省人员标识（HMAC，非证件号码）。 Cross-province person key (an HMAC, not the ID number).",
        extensions=[requires(Role.REGULATOR, Role.REVIEWER)],
    )
    def key(self) -> str:
        return self.person_key

    @strawberry.field(description="持有该人员档案的省份。 Provinces holding this person's record.")
    def presence(self, info: Info) -> list[Province]:
        return [province(info, code) for code in self.holders]

    # Plain functions handing back the lookup: the node counts it as soon as it is called, so
    # ``coverage`` waits for it without waiting on the event loop's turns (see ``FederatedNode``).
    @strawberry.field(description="执业注册（所有省份）。 Registrations in every province.")
    def registrations(self, info: Info) -> list[Registration]:
        return self._each(info, self.holders, q.REGISTRATIONS_BY_PERSON, Registration.from_row)  # type: ignore[return-value]

    @strawberry.field(description="项目关键岗位任职（所有省份）。 Key positions on projects in every province.")
    def key_positions(self, info: Info) -> list[KeyPosition]:
        return self._each(info, self.node.consulted, q.KEY_PERSONNEL_BY_PERSON, KeyPosition.from_row)  # type: ignore[return-value]

    @strawberry.field(
        description="诚信行为记录（所有省份）。 Credit records about this person from every province.",
        extensions=[PublishedOnly()],
    )
    def credit_records(self, info: Info) -> list[CreditRecord]:
        records = self._each(info, self.node.consulted, q.CREDIT_RECORDS_BY_PERSON, CreditRecord.from_row)
        return then(records, newest_first)  # type: ignore[return-value]

    @strawberry.field(
        description="黑名单记录（所有省份）。 Blacklist entries about this person.", extensions=[PublishedOnly()]
    )
    def blacklist(self, info: Info) -> list[BlacklistEntry]:
        return self._each(info, self.node.consulted, q.BLACKLIST_BY_PERSON, BlacklistEntry.from_row)  # type: ignore[return-value]

    @strawberry.field(description="本人员信息的完整性。 Which provinces answered for this person.")
    def coverage(self, info: Info) -> Coverage:
        return settled_coverage(info, self.node)  # type: ignore[return-value]

    def _each(
        self, info: Info, provinces: list[str], query: q.BatchQuery[R], build: Callable[[Info, str, R], T]
    ) -> list[T] | Awaitable[list[T]]:
        return self.node.collect(info, provinces, query, self.person_key, build)

