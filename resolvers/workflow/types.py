"""The write path's GraphQL inputs and results: what an official sends to record credit behaviour,
and what comes back (the record's number, status, version and window; the history of a record)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum

import strawberry

from resolvers.context import Info
from resolvers.scalars import USCC, IdType
from resolvers.types.common import Province, province
from resolvers.types.credit import Polarity
from sources.workflow_queries import JsonRow


@strawberry.input(description="个人主体的证件。 A person subject, by identity document.")
class PersonSubjectInput:
    id_type: IdType = strawberry.field(description="证件类型。 Document type.")
    id_number: str = strawberry.field(description="证件号码（居民身份证须通过校验）。 Document number (checked).")


@strawberry.input(
    description=(
        "新的诚信行为记录（采集，草稿）。主体为企业（subjectUscc）或个人（subjectPerson），二选一。"
        " A new credit record (collected as a draft); its subject is an enterprise or a person, exactly one."
    )
)
class CreditRecordInput:
    subject_uscc: USCC | None = strawberry.field(default=None, description="企业主体。 Enterprise subject.")
    subject_person: PersonSubjectInput | None = strawberry.field(default=None, description="个人主体。 Person subject.")
    polarity: Polarity = strawberry.field(description="良好或不良。 Good or bad.")
    behaviour_code: str = strawberry.field(
        description="行为代码（国家代码或本省地方代码）。 Behaviour code, national or of your province's local set."
    )
    description: str = strawberry.field(description="行为描述。 What happened.")
    decision_date: date = strawberry.field(description="决定日期（不晚于今天）。 Decision date, not after today.")
    authority: str = strawberry.field(description="实施部门。 Issuing authority.")
    authority_level: str = strawberry.field(description="部门级别：部/省/市/县。 Authority level: 部, 省, 市 or 县.")
    decision_number: str | None = strawberry.field(default=None, description="处罚决定文号。 Decision number.")
    project_number: str | None = strawberry.field(default=None, description="相关项目编号。 Related project.")
    place_division: str | None = strawberry.field(default=None, description="发生地区划代码（6位）。 Place, 6 digits.")
    penalty: str | None = strawberry.field(default=None, description="处罚内容。 Penalty.")
    fine: Decimal | None = strawberry.field(default=None, description="罚款金额（元）。 Fine in yuan.")
    penalty_until: date | None = strawberry.field(default=None, description="处罚截止日期。 End of the penalty.")
    publish_from: date | None = strawberry.field(
        default=None, description="公布起始日期；空则按规则计算。 Window start; computed from the rules if omitted."
    )
    publish_to: date | None = strawberry.field(
        default=None, description="公布截止日期；空则按规则计算。 Window end; computed from the rules if omitted."
    )
    internal_note: str | None = strawberry.field(default=None, description="内部备注。 Internal note (officials only).")


@strawberry.input(
    description=(
        "修改草稿：只改给出的字段。改了决定日期、处罚截止或性质而未给公布期时，公布期按规则重算。"
        " Edit a draft: only the fields given change. If the decision date, penalty end or polarity changes"
        " and no window is given, the window is computed again from the rules."
    )
)
class CreditRecordEdit:
    polarity: Polarity | None = strawberry.field(default=None, description="良好或不良。 Good or bad.")
    behaviour_code: str | None = strawberry.field(default=None, description="行为代码。 Behaviour code.")
    description: str | None = strawberry.field(default=None, description="行为描述。 What happened.")
    decision_date: date | None = strawberry.field(default=None, description="决定日期。 Decision date.")
    authority: str | None = strawberry.field(default=None, description="实施部门。 Issuing authority.")
    authority_level: str | None = strawberry.field(default=None, description="部门级别。 Authority level.")
    decision_number: str | None = strawberry.field(default=None, description="处罚决定文号。 Decision number.")
    project_number: str | None = strawberry.field(default=None, description="相关项目编号。 Related project.")
    place_division: str | None = strawberry.field(default=None, description="发生地区划代码。 Place division.")
    penalty: str | None = strawberry.field(default=None, description="处罚内容。 Penalty.")
    fine: Decimal | None = strawberry.field(default=None, description="罚款金额（元）。 Fine in yuan.")
    penalty_until: date | None = strawberry.field(default=None, description="处罚截止日期。 End of the penalty.")
    publish_from: date | None = strawberry.field(default=None, description="公布起始日期。 Window start.")
    publish_to: date | None = strawberry.field(default=None, description="公布截止日期。 Window end.")
    internal_note: str | None = strawberry.field(default=None, description="内部备注。 Internal note.")


@strawberry.enum(description="审核结论。 A reviewer's decision.")
class ReviewDecision(Enum):
    APPROVE = strawberry.enum_value("approve", description="通过，可发布。 Approved: it may be published.")
    REJECT = strawberry.enum_value("reject", description="退回作者修改（须说明理由）。 Sent back, with a reason.")


@strawberry.input(
    description="列入黑名单（自列入起管理一年）。 A blacklist listing, managed for one year from listing."
)
class BlacklistEntryInput:
    subject_uscc: USCC | None = strawberry.field(default=None, description="企业主体。 Enterprise subject.")
    subject_person: PersonSubjectInput | None = strawberry.field(default=None, description="个人主体。 Person subject.")
    basis: str = strawberry.field(description="列入依据。 Basis for listing (the decision, the trigger).")
    authority: str = strawberry.field(description="列入部门。 Listing authority.")
    listed_on: date | None = strawberry.field(default=None, description="列入日期，默认今天。 Date listed (today).")


@strawberry.type(description="写入结果：记录的当前状态。 The result of a write: the record as it now stands.")
class CreditRecordChange:
    record_number: str = strawberry.field(description="记录编号。 Record number.")
    province: Province = strawberry.field(description="记录所在省份。 The record's province.")
    status: str = strawberry.field(
        description="状态：draft/submitted/reviewed/published/revoked。 Workflow status."
    )
    version: int = strawberry.field(description="版本号（下次修改用）。 Version, for the next edit.")
    polarity: Polarity = strawberry.field(description="良好或不良。 Good or bad.")
    subject_name: str = strawberry.field(description="主体名称。 Subject name.")
    behaviour_code: str = strawberry.field(description="行为代码。 Behaviour code.")
    decision_date: date = strawberry.field(description="决定日期。 Decision date.")
    publish_from: date = strawberry.field(description="公布起始日期。 Window start.")
    publish_to: date = strawberry.field(description="公布截止日期。 Window end.")
    replayed: bool = strawberry.field(
        description="是否为同一幂等键的重试（返回首次结果，未再写入）。 A retry of a key already used: nothing written."
    )

    @classmethod
    def of(cls, info: Info, code: str, row: JsonRow, replayed: bool) -> CreditRecordChange:
        return cls(
            record_number=row["record_number"], province=province(info, code), status=row["status"],
            version=row["row_version"], polarity=Polarity(row["polarity"]), subject_name=row["subject_name"],
            behaviour_code=row["behaviour_code"], decision_date=date.fromisoformat(row["decision_date"]),
            publish_from=date.fromisoformat(row["publish_from"]), publish_to=date.fromisoformat(row["publish_to"]),
            replayed=replayed,
        )


@strawberry.type(description="黑名单写入结果。 The result of a blacklist write: the entry as it now stands.")
class BlacklistEntryChange:
    entry_number: str = strawberry.field(description="名单编号。 Entry number.")
    province: Province = strawberry.field(description="列入省份。 The listing province.")
    version: int = strawberry.field(description="版本号。 Version, for the next change.")
    subject_name: str = strawberry.field(description="主体名称。 Subject name.")
    listed_on: date = strawberry.field(description="列入日期。 Date listed.")
    planned_release: date = strawberry.field(description="计划移出日期（列入满一年）。 Planned release (one year).")
    released_on: date | None = strawberry.field(description="实际移出日期。 Actual release date.")
    replayed: bool = strawberry.field(description="是否为重试。 A retry of a key already used: nothing written.")

    @classmethod
    def of(cls, info: Info, code: str, row: JsonRow, replayed: bool) -> BlacklistEntryChange:
        released = row["released_on"]
        return cls(
            entry_number=row["entry_number"], province=province(info, code), version=row["row_version"],
            subject_name=row["subject_name"], listed_on=date.fromisoformat(row["listed_on"]),
            planned_release=date.fromisoformat(row["planned_release"]),
            released_on=date.fromisoformat(released) if released else None, replayed=replayed,
        )
