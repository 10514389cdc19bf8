"""The feed's GraphQL types: filters and events."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from resolvers.permissions import PublishedOnly
from resolvers.scalars import USCC
from resolvers.types.common import Province
from resolvers.types.credit import BlacklistEntry, CreditRecord, Polarity


@strawberry.enum(description="信用记录的变化。 What happened to a credit record.")
class RecordChange(Enum):
    PUBLISHED = strawberry.enum_value("PUBLISHED", description="发布（含直接写入已发布记录）。 Became published.")
    AMENDED = strawberry.enum_value(
        "AMENDED", description="已发布记录被修改（如公示期调整）。 A published record changed (e.g. its window).")
    REVOKED = strawberry.enum_value("REVOKED", description="已发布记录被撤销。 A published record was revoked.")


@strawberry.enum(description="黑名单的变化。 What happened to a blacklist entry.")
class BlacklistChange(Enum):
    LISTED = strawberry.enum_value("LISTED", description="列入。 Listed.")
    RELEASED = strawberry.enum_value("RELEASED", description="移出。 Released.")
    AMENDED = strawberry.enum_value("AMENDED", description="修改。 Changed (dates, basis…).")


_PROVINCES = "仅这些省份（区划代码）。 Only these provinces (division codes)."
_USCC = "仅该企业。 Only this enterprise."
_PERSON_KEY = "仅该人员（人员密钥，限监管、审核人员）。 Only this person (person key; officials only)."


@strawberry.input(description="信用记录推送的筛选条件。 Which credit-record events to receive.")
class RecordFeedFilter:
    provinces: list[str] | None = strawberry.field(default=None, description=_PROVINCES)
    polarity: Polarity | None = strawberry.field(default=None, description="良好或不良。 Good or bad only.")
    uscc: USCC | None = strawberry.field(default=None, description=_USCC)
    person_key: str | None = strawberry.field(default=None, description=_PERSON_KEY)
    changes: list[RecordChange] | None = strawberry.field(
        default=None, description="仅这些变化（默认全部）。 Only these changes (default: all).")


@strawberry.input(description="黑名单推送的筛选条件。 Which blacklist events to receive.")
class BlacklistFeedFilter:
    provinces: list[str] | None = strawberry.field(default=None, description=_PROVINCES)
    uscc: USCC | None = strawberry.field(default=None, description=_USCC)
    person_key: str | None = strawberry.field(default=None, description=_PERSON_KEY)
    changes: list[BlacklistChange] | None = strawberry.field(
        default=None, description="仅这些变化（默认全部）。 Only these changes (default: all).")


_POSITION = (
    "可续传位置：断线重连时作为 after 传回，补发其后的全部事件。"
    " Resumable position: pass it back as `after` after a reconnect to receive everything since."
)
_EMITTED = "变化写入省级库的时间。 When the change was written in the province's database."


@strawberry.type(description="信用记录事件。 A credit record was published, amended or revoked.")
class RecordPublishedEvent:
    position: str = strawberry.field(description=_POSITION)
    change: RecordChange = strawberry.field(description="变化。 What happened.")
    province: Province = strawberry.field(description="记录所在省份。 The province that holds the record.")
    record: CreditRecord = strawberry.field(
        description="记录（当前状态）。 The record, as it is now.", extensions=[PublishedOnly()])
    emitted_at: datetime = strawberry.field(description=_EMITTED)


@strawberry.type(description="黑名单事件。 A blacklist entry was listed, released or changed.")
class BlacklistChangedEvent:
    position: str = strawberry.field(description=_POSITION)
    change: BlacklistChange = strawberry.field(description="变化。 What happened.")
    province: Province = strawberry.field(description="列入省份。 The listing province.")
    entry: BlacklistEntry = strawberry.field(
        description="名单记录（当前状态）。 The entry, as it is now.", extensions=[PublishedOnly()])
    subject_uscc: str | None = strawberry.field(description="企业主体的信用代码。 USCC of an enterprise subject.")
    emitted_at: datetime = strawberry.field(description=_EMITTED)
