"""Enterprise (企业): registration facts from the registering province, everything else unioned
from every province that knows the enterprise, each item saying where it comes from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, TypeVar

import strawberry

from domain.identifiers import province_of_division, uscc_division
from resolvers.context import Info
from resolvers.federation import FederatedNode, then
from resolvers.permissions import PublishedOnly
from resolvers.scalars import USCC
from resolvers.selection import selected_names
from resolvers.types.common import Coverage, DataConflict, Province, newest_first, province, settled_coverage
from resolvers.types.credit import BlacklistEntry, CreditRecord
from resolvers.types.person import RegisteredPerson
from sources import province_queries as q
from sources.records import EnterpriseRow, ProjectPartyRow, QualificationCertificateRow, SourceRecord

if TYPE_CHECKING:
    from resolvers.types.project import Project

T = TypeVar("T")
R = TypeVar("R", bound=SourceRecord)
# The enterprise's list fields (GraphQL names) and the statements that fetch them: the look-ahead
# asks for these lists in the enterprise's own statement (``q.enterprises_with``).
_LIST_FIELDS = {
    "qualifications": q.QUALIFICATIONS_BY_USCC,
    "creditRecords": q.CREDIT_RECORDS_BY_USCC,
    "blacklist": q.BLACKLIST_BY_USCC,
    "registeredPersons": q.REGISTRATIONS_BY_EMPLOYER,
    "projects": q.PARTICIPATIONS_BY_USCC,
}
# (GraphQL field, attribute of both ``Enterprise`` and ``EnterpriseRow``) compared across provinces.
_COMPARED_FIELDS = (("name", "name"), ("legalRepresentative", "legal_representative"))


@strawberry.type(description="资质证书中的一项资质。 One qualification item of a certificate.")
class QualificationItem:
    item_no: int = strawberry.field(description="序号。 Item number.")
    code: str = strawberry.field(description="资质代码，如 D101A。 Qualification code, e.g. D101A.")
    sequence: str = strawberry.field(description="资质序列。 Qualification sequence.")
    category: str = strawberry.field(description="资质类别。 Category.")
    grade: str = strawberry.field(description="资质等级。 Grade.")


@strawberry.type(description="资质证书。 A qualification certificate, as its issuing province holds it.")
class QualificationCertificate:
    certificate_number: str = strawberry.field(description="证书编号。 Certificate number.")
    issuing_authority: str = strawberry.field(description="发证机关。 Issuing authority.")
    issued_on: date = strawberry.field(description="发证日期。 Date issued.")
    valid_until: date = strawberry.field(description="有效期至。 Valid until.")
    status: str = strawberry.field(
        description="状态：有效/暂扣/撤回/注销。 Status (valid/suspended/revoked/cancelled)."
    )
    status_changed_on: date | None = strawberry.field(description="状态变更日期。 Date of the last status change.")
    items: list[QualificationItem] = strawberry.field(description="资质项。 Qualification items.")
    province: Province = strawberry.field(description="证书所在省份。 Province holding the certificate.")

    @classmethod
    def from_row(cls, info: Info, code: str, row: QualificationCertificateRow) -> QualificationCertificate:
        return cls(
            certificate_number=row.certificate_number,
            issuing_authority=row.issuing_authority,
            issued_on=row.issued_on,
            valid_until=row.valid_until,
            status=row.status,
            status_changed_on=row.status_changed_on,
            items=[
                QualificationItem(
                    item_no=item.item_no, code=item.code, sequence=item.sequence, category=item.category,
                    grade=item.grade,
                )
                for item in row.items
            ],
            province=province(info, code),
        )


@strawberry.type(description="企业参与的项目及其角色。 A project the enterprise takes part in, and its role.")
class ProjectParticipation:
    role: str = strawberry.field(description="参建角色，如 施工、监理。 Role, e.g. 施工 (construction).")
    stage: str | None = strawberry.field(description="参与阶段。 Stage of participation.")
    province: Province = strawberry.field(description="项目所在省份。 Province of the project.")
    project_number: str = strawberry.field(description="项目编号。 Project number.")

    @strawberry.field(description="项目详情。 The project.")
    async def project(self, info: Info) -> Annotated[Project, strawberry.lazy("resolvers.types.project")] | None:
        return await info.context.lookup.project_in(info, self.project_number, self.province.code)


def _participation(info: Info, code: str, row: ProjectPartyRow) -> ProjectParticipation:
    return ProjectParticipation(
        role=row.role, stage=row.stage, province=province(info, code), project_number=row.project_number
    )



@strawberry.type(
    description=(
        "建筑业企业：登记信息取自注册地省份，资质、人员、项目、信用记录合并自所有省份。 A construction enterprise:"
        " registration facts from its registering province, everything else from every province."
    )
)
class Enterprise:
    uscc: USCC = strawberry.field(description="统一社会信用代码。 Unified social credit code.")
    uscc_valid: bool = strawberry.field(
        description="代码是否通过校验（历史数据可能不通过）。 Whether the code passes its checks."
    )
    name: str = strawberry.field(description="企业名称。 Enterprise name.")
    legal_representative: str = strawberry.field(description="法定代表人。 Legal representative.")
    registered_division: str = strawberry.field(description="注册地区划代码。 Division code of registration.")
    address: str | None = strawberry.field(description="地址。 Address.")
    registration_type: str | None = strawberry.field(description="登记注册类型。 Registration type.")
    safety_licence_number: str | None = strawberry.field(description="安全生产许可证编号。 Safety licence number.")
    node: strawberry.Private[FederatedNode]
    rows: strawberry.Private[dict[str, EnterpriseRow]]
    # Provinces the presence index names for this enterprise (they may hold records but no row).
    indexed: strawberry.Private[list[str]]

    @strawberry.field(description="注册地省份（由信用代码第3-8位确定）。 Registering province (USCC positions 3-8).")
    def registered_province(self, info: Info) -> Province:
        return province(info, province_of_division(self.registered_division))

    @strawberry.field(description="掌握该企业信息的省份。 Provinces whose databases know this enterprise.")
    def presence(self, info: Info) -> list[Province]:
        known = set(self.rows) | set(self.indexed)
        return [province(info, code) for code in info.context.province_codes if code in known]

    @strawberry.field(description="各省之间不一致的登记信息。 Registration facts on which provinces disagree.")
    def conflicts(self, info: Info) -> list[DataConflict]:
        found = []
        for code, row in self.rows.items():
            for graphql_name, attribute in _COMPARED_FIELDS:
                value = getattr(row, attribute)
                if value != getattr(self, attribute):
                    found.append(DataConflict(field_name=graphql_name, province=province(info, code), value=value))
        return found

    # The list fields are plain functions: rows that came with the enterprise's own statement are
    # built at once (no await, no task); otherwise they hand back the lookup, counted by the node
    # as soon as they are called (see ``FederatedNode``).
    @strawberry.field(description="资质证书（所有省份）。 Qualification certificates from every province.")
    def qualifications(self, info: Info) -> list[QualificationCertificate]:
        return self._each(info, q.QUALIFICATIONS_BY_USCC, QualificationCertificate.from_row)  # type: ignore[return-value]

    @strawberry.field(
        description="诚信行为记录（所有省份）。 Credit records from every province, newest first.",
        extensions=[PublishedOnly()],
    )
    def credit_records(self, info: Info) -> list[CreditRecord]:
        return then(self._each(info, q.CREDIT_RECORDS_BY_USCC, CreditRecord.from_row), newest_first)  # type: ignore[return-value]

    @strawberry.field(
        description="黑名单记录（所有省份）。 Blacklist entries from every province.", extensions=[PublishedOnly()]
    )
    def blacklist(self, info: Info) -> list[BlacklistEntry]:
        return self._each(info, q.BLACKLIST_BY_USCC, BlacklistEntry.from_row)  # type: ignore[return-value]  # @published filters

    @strawberry.field(description="注册在本企业的执业人员（所有省份）。 Practitioners registered with this enterprise.")
    def registered_persons(self, info: Info) -> list[RegisteredPerson]:
        return self._each(info, q.REGISTRATIONS_BY_EMPLOYER, RegisteredPerson.from_row)  # type: ignore[return-value]

    @strawberry.field(description="参与的项目（所有省份）。 Projects the enterprise takes part in, in every province.")
    def projects(self, info: Info) -> list[ProjectParticipation]:
        return self._each(info, q.PARTICIPATIONS_BY_USCC, _participation)  # type: ignore[return-value]

    @strawberry.field(description="本企业信息的完整性。 Which provinces answered for this enterprise.")
    def coverage(self, info: Info) -> Coverage:
        return settled_coverage(info, self.node)  # type: ignore[return-value]

    def _each(
        self, info: Info, query: q.BatchQuery[R], build: Callable[[Info, str, R], T]
    ) -> list[T] | Awaitable[list[T]]:
        # Every routed province, not only those holding the enterprise's row: a province may hold
        # records, listings or certificates about an enterprise registered elsewhere.
        return self.node.collect(info, self.node.consulted, query, self.uscc, build)

    @staticmethod
    def lists_selected(info: Info, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
        """The child lists (query names) the query reads on the enterprise this field returns (or
        below it along ``path``): what its statement can bring with it.  None: no look-ahead."""
        names = selected_names(info, path)
        if names is None:
            return None
        return tuple(query.name for field, query in _LIST_FIELDS.items() if field in names)

    @classmethod
    def merge(
        cls, uscc: str, rows: dict[str, EnterpriseRow], node: FederatedNode, indexed: list[str] | None = None
    ) -> Enterprise:
        """Registration facts from the registering province when it holds a row, else the first."""
        home = province_of_division(uscc_division(uscc))
        main = rows.get(home) or next(iter(rows.values()))
        return cls(
            uscc=uscc,
            uscc_valid=main.uscc_valid,
            name=main.name,
            legal_representative=main.legal_representative,
            registered_division=main.registered_division,
            address=main.address,
            registration_type=main.registration_type,
            safety_licence_number=main.safety_licence_number,
            node=node,
            rows=rows,
            indexed=list(indexed or ()),
        )
