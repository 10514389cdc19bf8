"""Root subscription fields of the live feed: ``recordPublished`` and ``blacklistChanged``."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from domain.errors import BadUserInput, Forbidden
from resolvers.context import Info
from resolvers.feed import cursor, matchers
from resolvers.feed.access import feed_access
from resolvers.feed.stream import follow
from resolvers.feed.types import (
    BlacklistChange,
    BlacklistChangedEvent,
    BlacklistFeedFilter,
    RecordChange,
    RecordFeedFilter,
    RecordPublishedEvent,
)
from resolvers.scalars import USCC
from resolvers.types.common import province
from resolvers.types.credit import BlacklistEntry, CreditRecord
from sources.records import BlacklistRow, CreditRecordRow

_AFTER = strawberry.argument(
    description=(
        "从该位置之后续传（上次收到事件的 position）；缺省为从现在开始。"
        " Resume after this position (the `position` of the last event received); default: from now."
    )
)


def subject_filter(info: Info, uscc: USCC | None, person_key: str | None) -> tuple[str | None, str | None]:
    """(kind, key) of a filter's subject: one of a USCC or (officials only) a person key."""
    if uscc is not None and person_key is not None:
        raise BadUserInput("filter: give uscc or personKey, not both")
    if person_key is not None:
        if not info.context.identity.is_official:
            raise Forbidden("Forbidden: filtering by personKey needs an official role (regulator or reviewer)")
        return "person", person_key.strip()
    return ("enterprise", str(uscc)) if uscc is not None else (None, None)


def province_filter(info: Info, codes: list[str] | None) -> frozenset[str] | None:
    if codes is None:
        return None
    unknown = sorted(set(codes) - set(info.context.province_codes))
    if unknown:
        raise BadUserInput(f"filter.provinces: not a configured province: {', '.join(unknown)}")
    return frozenset(codes)


def start_after(after: str | None) -> dict | None:
    return cursor.decode(after) if after is not None else None


@strawberry.type(description="实时推送（订阅）。 The live feed (subscriptions over graphql-transport-ws).")
class FeedSubscription:
    @strawberry.subscription(
        description=(
            "各省信用记录的发布、修改、撤销（含省级系统直接写入），按调用者可见范围推送；断线后以 after 续传。"
            " Credit records published, amended or revoked in any province (also when written straight into a"
            " province's database), as far as the caller may see them; resume with `after`."
        )
    )
    async def record_published(
        self, info: Info,
        filter: Annotated[RecordFeedFilter | None, strawberry.argument(description="筛选条件。 Filter.")] = None,
        after: Annotated[str | None, _AFTER] = None,
    ) -> AsyncGenerator[RecordPublishedEvent, None]:
        access = feed_access(info)
        wanted = filter or RecordFeedFilter()
        kind, key = subject_filter(info, wanted.uscc, wanted.person_key)
        spec = matchers.EventFilter(
            provinces=province_filter(info, wanted.provinces),
            polarity=wanted.polarity.value if wanted.polarity else None,
            subject_kind=kind, subject_key=key, changes=matchers.names(wanted.changes),
        )
        match = matchers.records(info.context.identity, spec, access.clock.today)
        async for got in follow(access, info.context.sources, match, start_after(after)):
            info.context.today = access.clock.today()
            event = got.event
            assert isinstance(event.item, CreditRecordRow)
            yield RecordPublishedEvent(
                position=got.position, change=RecordChange(event.change), province=province(info, event.province),
                record=CreditRecord.from_row(info, event.province, event.item), emitted_at=event.emitted_at,
            )

    @strawberry.subscription(
        description=(
            "各省黑名单的列入、移出与修改，按调用者可见范围推送（公众仅见有效名单）；断线后以 after 续传。"
            " Blacklist entries listed, released or changed in any province, as far as the caller may see them"
            " (the public: active entries); resume with `after`."
        )
    )
    async def blacklist_changed(
        self, info: Info,
        filter: Annotated[BlacklistFeedFilter | None, strawberry.argument(description="筛选条件。 Filter.")] = None,
        after: Annotated[str | None, _AFTER] = None,
    ) -> AsyncGenerator[BlacklistChangedEvent, None]:
        access = feed_access(info)
        wanted = filter or BlacklistFeedFilter()
        kind, key = subject_filter(info, wanted.uscc, wanted.person_key)
        spec = matchers.EventFilter(
            provinces=province_filter(info, wanted.provinces), subject_kind=kind, subject_key=key,
            changes=matchers.names(wanted.changes),
        )
        match = matchers.blacklist(info.context.identity, spec, access.clock.today)
        async for got in follow(access, info.context.sources, match, start_after(after)):
            info.context.today = access.clock.today()
            event = got.event
            assert isinstance(event.item, BlacklistRow)
            yield BlacklistChangedEvent(
                position=got.position, change=BlacklistChange(event.change), province=province(info, event.province),
                entry=BlacklistEntry.from_row(info, event.province, event.item), subject_uscc=event.item.subject_uscc,
                emitted_at=event.emitted_at,
            )
