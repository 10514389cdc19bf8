"""Credit records (诚信行为记录) and blacklist entries (黑名单)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from domain.publication import blacklist_is_active
from resolvers import recognition
from resolvers.context import Info
from resolvers.crosscheck.loading import recognition_rules
from resolvers.federation import path_of
from resolvers.roles import Role, requires
from resolvers.types.common import Province, province
from resolvers.workflow.history import HistoryEntry, history_in, version_in
from sources.records import BlacklistRow, CreditRecordRow


@strawberry.enum(description="记录性质：良好或不良。 Polarity of a credit record.")
class Polarity(Enum):
    GOOD = strawberry.enum_value("good", description="良好行为记录。 Good behaviour.")
    BAD = strawberry.enum_value("bad", description="不良行为记录。 Bad behaviour.")


_AS_OF = "基准日，默认今天。 Date to judge recognition decisions at (default today)."


@strawberry.enum(description="互认依据。 Why a record counts in a province (mutual recognition, 互认).")
class RecognitionBasis(Enum):
    ISSUING_PROVINCE = strawberry.enum_value(
        "ISSUING_PROVINCE", description="记录发布省份。 The province that issued the record.")
    NATIONAL_STANDARD = strawberry.enum_value(
        "NATIONAL_STANDARD", description="国家标准行为代码，各省通认。 A national code: recognised everywhere.")
    CROSSWALK = strawberry.enum_value(
        "CROSSWALK", description="地方代码经中心库对照表对应国家代码。 A local code mapped to a national one.")
    DECISION = strawberry.enum_value(
        "DECISION", description="中心库记录的互认决定。 A recognition decision recorded in the central store.")


@strawberry.type(description="互认决定。 A recognition decision: who decided, on what basis, when it applies.")
class RecognitionDecision:
    decided_by: str = strawberry.field(description="决定机关。 The deciding authority.")
    basis: str = strawberry.field(description="决定依据。 The basis of the decision.")
    effective_from: date = strawberry.field(description="生效日期。 First day in effect.")
    effective_to: date | None = strawberry.field(
        description="失效日期（含），空为长期有效。 Last day in effect; null: open-ended."
    )


@strawberry.type(description="记录在某省的认可。 A province in which a record counts, and on what basis.")
class Recognition:
    province: Province = strawberry.field(description="认可该记录的省份。 The recognising province.")
    basis: RecognitionBasis = strawberry.field(description="认可依据。 The basis of recognition.")
    decision: RecognitionDecision | None = strawberry.field(
        description="依据为互认决定时的决定内容。 The decision, when the basis is DECISION."
    )

    @classmethod
    def of(cls, info: Info, grant: recognition.Grant) -> Recognition:
        decision = grant.decision
        return cls(
            province=province(info, grant.province),
            basis=RecognitionBasis(grant.basis.value),
            decision=RecognitionDecision(
                decided_by=decision.decided_by, basis=decision.basis, effective_from=decision.effective_from,
                effective_to=decision.effective_to,
            ) if decision else None,
        )


@strawberry.type(description="诚信行为记录。 A credit-behaviour record, from the province that holds it.")
class CreditRecord:
    id: strawberry.ID = strawberry.field(
        description="全局唯一标识（省份代码:记录编号）。 Global id: province code and record number."
    )
    record_number: str = strawberry.field(description="记录编号。 Record number in its province.")
    province: Province = strawberry.field(description="记录所在省份。 The province that holds the record.")
    subject_kind: str = strawberry.field(description="主体类型：enterprise 或 person。 Subject kind.")
    subject_uscc: str | None = strawberry.field(description="企业主体的信用代码。 USCC of an enterprise subject.")
    subject_name: str = strawberry.field(description="主体名称。 Name of the subject.")
    polarity: Polarity = strawberry.field(description="良好或不良。 Good or bad.")
    behaviour_code: str = strawberry.field(
        description="行为代码（全国标准如 D1-1-01，或地方代码）。 Behaviour code, national (e.g. D1-1-01) or local."
    )
    description: str = strawberry.field(description="行为描述。 What happened.")
    project_number: str | None = strawberry.field(description="相关项目编号。 Related project number.")
    place_division: str | None = strawberry.field(description="发生地区划代码。 Division code of the place.")
    decision_number: str | None = strawberry.field(description="处罚决定文号。 Decision document number.")
    decision_date: date = strawberry.field(description="决定日期。 Date of the decision.")
    authority: str = strawberry.field(description="实施部门。 Issuing authority.")
    authority_level: str = strawberry.field(description="部门级别（部/省/市/县）。 Authority level.")
    penalty: str | None = strawberry.field(description="处罚内容。 Penalty.")
    fine: Decimal | None = strawberry.field(description="罚款金额（元）。 Fine in yuan.")
    penalty_until: date | None = strawberry.field(description="处罚截止日期。 End of the penalty.")
    publish_from: date = strawberry.field(description="公布起始日期。 Start of the publication window.")
    publish_to: date = strawberry.field(description="公布截止日期。 End of the publication window.")
    status: str = strawberry.field(
        description="状态：draft/submitted/reviewed/published/revoked。 Workflow status (采集/提交/审核/发布/撤销)."
    )

    @strawberry.field(
        description=(
            "国家行为代码：国家代码即其本身，地方代码取中心库对照表，否则为空（中心库不可用时地方代码为空）。"
            " National behaviour code: the code itself if national, its crosswalk target if mapped, else null"
            " (also null for a local code while the central store is unavailable)."
        )
    )
    async def national_code(self, info: Info) -> str | None:
        rules = await recognition_rules(info.context, path_of(info))
        return rules.national_code(self.behaviour_code, self.province.code)

    @strawberry.field(
        description=(
            "该记录在哪些省份被认可（互认），按基准日判断互认决定是否有效。"
            " The provinces in which this record counts (mutual recognition), decisions judged at `asOf`."
        )
    )
    async def recognized_in(
        self, info: Info,
        as_of: Annotated[date | None, strawberry.argument(description=_AS_OF)] = None,
    ) -> list[Recognition]:
        ctx = info.context
        rules = await recognition_rules(ctx, path_of(info))
        grants = rules.grants(self.behaviour_code, self.province.code, ctx.province_codes, as_of or ctx.today)
        return [Recognition.of(info, grant) for grant in grants]

    @strawberry.field(
        description="修改记录（谁录入，谁负责），仅限官员。 The record's history, oldest first: officials only.",
        extensions=[requires(Role.REGULATOR, Role.REVIEWER)],
    )
    async def history(self, info: Info) -> list[HistoryEntry]:
        return await history_in(info, self.province.code, "credit_record", self.record_number)

    @strawberry.field(
        description="当前版本号（写入用），仅限官员。 Current version, for a write: officials only.",
        extensions=[requires(Role.REGULATOR, Role.REVIEWER)],
    )
    async def version(self, info: Info) -> int | None:
        return await version_in(info, self.province.code, "credit_record", self.record_number)

    @classmethod
    def from_row(cls, info: Info, code: str, row: CreditRecordRow) -> CreditRecord:
        return cls(
            id=strawberry.ID(f"{code}:{row.record_number}"),
            record_number=row.record_number,
            province=province(info, code),
            subject_kind=row.subject_kind,
            subject_uscc=row.subject_uscc,
            subject_name=row.subject_name,
            polarity=Polarity(row.polarity),
            behaviour_code=row.behaviour_code,
            description=row.description,
            project_number=row.project_number,
            place_division=row.place_division,
            decision_number=row.decision_number,
            decision_date=row.decision_date,
            authority=row.authority,
            authority_level=row.authority_level,
            penalty=row.penalty,
            fine=row.fine,
            penalty_until=row.penalty_until,
            publish_from=row.publish_from,
            publish_to=row.publish_to,
            status=row.status,
        )


@strawberry.type(description="黑名单记录。 A blacklist entry (managed for one year from listing).")
class BlacklistEntry:
    province: Province = strawberry.field(description="列入省份。 The listing province.")
    entry_number: str = strawberry.field(description="名单编号。 Entry number.")
    subject_name: str = strawberry.field(description="主体名称。 Name of the subject.")
    basis: str = strawberry.field(description="列入依据。 Basis for listing.")
    authority: str = strawberry.field(description="列入部门。 Listing authority.")
    listed_on: date = strawberry.field(description="列入日期。 Date listed.")
    planned_release: date = strawberry.field(description="计划移出日期。 Planned release date.")
    released_on: date | None = strawberry.field(description="实际移出日期。 Actual release date.")
    active: bool = strawberry.field(description="今日是否在名单内。 Whether the entry is active today.")

    @strawberry.field(
        description="修改记录，仅限官员。 The entry's history, oldest first: officials only.",
        extensions=[requires(Role.REGULATOR, Role.REVIEWER)],
    )
    async def history(self, info: Info) -> list[HistoryEntry]:
        return await history_in(info, self.province.code, "blacklist_entry", self.entry_number)

    @strawberry.field(
        description="当前版本号（移出用），仅限官员。 Current version, for a release: officials only.",
        extensions=[requires(Role.REGULATOR, Role.REVIEWER)],
    )
    async def version(self, info: Info) -> int | None:
        return await version_in(info, self.province.code, "blacklist_entry", self.entry_number)

    @classmethod
    def from_row(cls, info: Info, code: str, row: BlacklistRow) -> BlacklistEntry:
        return cls(
            province=province(info, code),
            entry_number=row.entry_number,
            subject_name=row.subject_name,
            basis=row.basis,
            authority=row.authority,
            listed_on=row.listed_on,
            planned_release=row.planned_release,
            released_on=row.released_on,
            active=blacklist_is_active(row.listed_on, row.planned_release, row.released_on, info.context.today),
        )

