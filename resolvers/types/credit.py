"""Credit records (诚信行为记录) and blacklist entries (黑名单)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum

import strawberry

from resolvers.context import Info
from resolvers.types.common import Province, province
from sources.base import Row
from sources.rules.publication import blacklist_is_active


@strawberry.enum(description="记录性质：良好或不良。 Polarity of a credit record.")
class Polarity(Enum):
    GOOD = strawberry.enum_value("good", description="良好行为记录。 Good behaviour.")
    BAD = strawberry.enum_value("bad", description="不良行为记录。 Bad behaviour.")


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
        description="状态：draft/reviewed/published/revoked。 Workflow status (采集/审核/发布/撤销)."
    )

    @classmethod
    def from_row(cls, info: Info, code: str, row: Row) -> CreditRecord:
        return cls(
            id=strawberry.ID(f"{code}:{row['record_number']}"),
            record_number=row["record_number"],
            province=province(info, code),
            subject_kind=row["subject_kind"],
            subject_uscc=row["subject_uscc"],
            subject_name=row["subject_name"],
            polarity=Polarity(row["polarity"]),
            behaviour_code=row["behaviour_code"],
            description=row["description"],
            project_number=row["project_number"],
            place_division=row["place_division"],
            decision_number=row["decision_number"],
            decision_date=row["decision_date"],
            authority=row["authority"],
            authority_level=row["authority_level"],
            penalty=row["penalty"],
            fine=row["fine"],
            penalty_until=row["penalty_until"],
            publish_from=row["publish_from"],
            publish_to=row["publish_to"],
            status=row["status"],
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

    @classmethod
    def from_row(cls, info: Info, code: str, row: Row) -> BlacklistEntry:
        return cls(
            province=province(info, code),
            entry_number=row["entry_number"],
            subject_name=row["subject_name"],
            basis=row["basis"],
            authority=row["authority"],
            listed_on=row["listed_on"],
            planned_release=row["planned_release"],
            released_on=row["released_on"],
            active=blacklist_is_active(
                row["listed_on"], row["planned_release"], row["released_on"], info.context.today
            ),
        )


def visible_blacklist(info: Info, entries: list[BlacklistEntry]) -> list[BlacklistEntry]:
    """The public sees blacklist entries only while they are active (DOMAIN §4)."""
    if info.context.identity.is_public:
        return [e for e in entries if e.active]
    return entries
