"""Projects (工程项目): held by the province where the project is located."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import TypeVar

import strawberry

from resolvers.context import Info
from resolvers.federation import FederatedNode, path_of
from resolvers.types.common import Coverage, Province, province, settled_coverage
from resolvers.types.enterprise import Enterprise
from resolvers.types.person import KeyPosition
from sources import province_queries as q
from sources.records import ProjectPartyRow, ProjectRow, ProjectStageRow, SourceRecord

T = TypeVar("T")
R = TypeVar("R", bound=SourceRecord)


@strawberry.type(
    description="项目阶段备案（报建→中标→合同备案→施工图审查→施工许可→竣工验收备案）。 A lifecycle filing."
)
class ProjectStage:
    record_number: str = strawberry.field(description="备案编号（施工许可证号等）。 Record number, e.g. permit number.")
    stage: str = strawberry.field(description="阶段。 Stage.")
    filed_on: date = strawberry.field(description="备案日期。 Filing date.")
    enterprise_uscc: str | None = strawberry.field(
        description="中标/承包/持证单位。 Winner, contractor or permit holder."
    )
    amount: Decimal | None = strawberry.field(description="金额（万元）。 Amount in 10k yuan.")


def _stage(_: Info, __: str, row: ProjectStageRow) -> ProjectStage:
    return ProjectStage(
        record_number=row.record_number, stage=row.stage, filed_on=row.filed_on,
        enterprise_uscc=row.enterprise_uscc, amount=row.amount,
    )


def _party(_: Info, __: str, row: ProjectPartyRow) -> ProjectParty:
    return ProjectParty(role=row.role, stage=row.stage, uscc=row.uscc)


def _enterprise(info: Info, uscc: str) -> Awaitable[Enterprise | None]:
    """An enterprise this project names, with the lists the query reads on it in its statement
    (every party of the page shares one statement per province: the lookup batches them)."""
    ctx = info.context
    return ctx.lookup.enterprise(ctx, path_of(info), uscc, Enterprise.lists_selected(info))  # type: ignore[call-arg]


@strawberry.type(description="参建单位。 An enterprise taking part in a project, with its role.")
class ProjectParty:
    role: str = strawberry.field(description="角色：建设单位/勘察/设计/施工/监理/招标代理/造价咨询。 Role.")
    stage: str | None = strawberry.field(description="参与阶段。 Stage.")
    uscc: str = strawberry.field(description="单位信用代码。 USCC of the party.")

    @strawberry.field(description="参建单位详情（所有省份）。 The enterprise, assembled from every province.")
    async def enterprise(self, info: Info) -> Enterprise | None:
        return await _enterprise(info, self.uscc)


@strawberry.type(description="工程项目。 A construction project, from the province where it is located.")
class Project:
    number: str = strawberry.field(description="全国项目编号。 National project number (PRJNUM).")
    provincial_number: str | None = strawberry.field(description="省级项目编号。 Provincial project number.")
    investment_code: str | None = strawberry.field(description="投资项目代码。 Investment project code.")
    name: str = strawberry.field(description="项目名称。 Project name.")
    location_division: str = strawberry.field(description="项目所在地区划代码。 Division code of the location.")
    category: str = strawberry.field(description="项目分类。 Category.")
    owner_uscc: str = strawberry.field(description="建设单位信用代码。 USCC of the owner (建设单位).")
    total_investment: Decimal | None = strawberry.field(description="总投资（万元）。 Total investment, 10k yuan.")
    state_funds_ratio: Decimal | None = strawberry.field(description="国有资金比例（%）。 State-owned funds ratio.")
    status: str = strawberry.field(description="项目状态。 Status.")
    province: Province = strawberry.field(description="项目所在省份。 Province holding the project.")
    node: strawberry.Private[FederatedNode]

    # Plain functions handing back the lookup: the node counts it as soon as it is called, so
    # ``coverage`` waits for it without waiting on the event loop's turns (see ``FederatedNode``).
    @strawberry.field(description="阶段备案。 Lifecycle filings in order.")
    def stages(self, info: Info) -> list[ProjectStage]:
        return self._each(info, q.STAGES_BY_PROJECT, _stage)  # type: ignore[return-value]

    @strawberry.field(description="参建单位。 Parties of the project.")
    def parties(self, info: Info) -> list[ProjectParty]:
        return self._each(info, q.PARTIES_BY_PROJECT, _party)  # type: ignore[return-value]

    @strawberry.field(description="关键岗位人员。 Key personnel with their tenure.")
    def key_personnel(self, info: Info) -> list[KeyPosition]:
        return self._each(info, q.KEY_PERSONNEL_BY_PROJECT, KeyPosition.from_row)  # type: ignore[return-value]

    @strawberry.field(description="建设单位详情。 The owner (建设单位).")
    async def owner(self, info: Info) -> Enterprise | None:
        return await _enterprise(info, self.owner_uscc)

    @strawberry.field(description="本项目信息的完整性。 Which provinces answered for this project.")
    def coverage(self, info: Info) -> Coverage:
        return settled_coverage(info, self.node)  # type: ignore[return-value]

    def _each(
        self, info: Info, query: q.BatchQuery[R], build: Callable[[Info, str, R], T]
    ) -> list[T] | Awaitable[list[T]]:
        return self.node.collect(info, [self.province.code], query, self.number, build)

    @classmethod
    def from_row(cls, info: Info, code: str, row: ProjectRow, node: FederatedNode) -> Project:
        return cls(
            number=row.project_number, provincial_number=row.provincial_number,
            investment_code=row.investment_code, name=row.name, location_division=row.location_division,
            category=row.category, owner_uscc=row.owner_uscc, total_investment=row.total_investment,
            state_funds_ratio=row.state_funds_ratio, status=row.status, province=province(info, code), node=node,
        )
